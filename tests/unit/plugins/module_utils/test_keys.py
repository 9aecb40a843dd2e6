# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the key helpers: absence confirmed by listing, read-back, writes that follow a new tag."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.base import KmsModule, like_for_like
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.keys import Change, apply_changes, get_key


class ScriptedClient(object):
    """Answers ``request`` from a list of (method, path prefix, answer); records each call."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def request(self, method, path, query=None, body=None, idempotent=True):
        self.calls.append('%s %s' % (method, path))
        expected_method, expected_path, answer = self.script.pop(0)
        assert (method, path) == (expected_method, expected_path), self.calls
        if isinstance(answer, Exception):
            raise answer
        return answer

    def iter_keys(self):
        self.calls.append('LIST')
        expected_method, unused, answer = self.script.pop(0)
        assert expected_method == 'LIST', self.calls
        return iter(answer)


def not_found(status):
    return KmsApiError('key not found', status=status, code='X', method='GET', path='/keys/t')


def bare_module(check_mode=False):
    module = KmsModule.__new__(KmsModule)
    module.check_mode = check_mode
    module.changed = False
    module.actions = []
    return module


@pytest.mark.parametrize('status', [404, 400])
def test_a_missing_tag_is_confirmed_by_listing(status):
    client = ScriptedClient(('GET', '/keys/t', not_found(status)), ('LIST', None, [{'keyTag': 'other'}]))
    assert get_key(client, 't') is None
    assert client.calls == ['GET /keys/t', 'LIST']


def test_a_400_for_a_listed_key_is_the_error_it_is():
    error = not_found(400)
    client = ScriptedClient(('GET', '/keys/t', error), ('LIST', None, [{'keyTag': 't'}]))
    with pytest.raises(KmsApiError) as caught:
        get_key(client, 't')
    assert caught.value is error


def test_other_errors_are_raised_without_listing():
    client = ScriptedClient(('GET', '/keys/t', not_found(409)))
    with pytest.raises(KmsApiError):
        get_key(client, 't')
    assert client.calls == ['GET /keys/t']


def test_writes_after_a_rename_use_the_tag_the_rename_answered():
    client = ScriptedClient(
        ('PUT', '/keys/old/name', {'keyTag': 'new', 'keyName': 'beta'}),
        ('POST', '/keys/new/disable', {'keyTag': 'new', 'status': 'DISABLE'}))
    module = bare_module()
    key = apply_changes(module, client, {'keyTag': 'old', 'keyName': 'alpha', 'status': 'ENABLE'}, [
        Change('rename', 'PUT', 'name', body={'keyName': 'beta'}, sets={'keyName': 'beta'}),
        Change('disable', 'POST', 'disable', sets={'status': 'DISABLE'})])
    assert key['keyTag'] == 'new' and key['keyName'] == 'beta' and key['status'] == 'DISABLE'
    assert module.actions == ['rename', 'disable'] and module.changed


def test_a_lost_rename_answer_is_read_back_by_the_new_name_when_the_tag_changed():
    lost = KmsApiError('gave up', status=503, method='PUT', path='/keys/old/name', maybe_applied=True)
    renamed = {'keyTag': 'new', 'keyName': 'beta', 'status': 'ENABLE'}
    client = ScriptedClient(
        ('PUT', '/keys/old/name', lost),
        ('GET', '/keys/old', not_found(404)), ('LIST', None, [renamed]),   # the old tag is gone
        ('LIST', None, [renamed]), ('GET', '/keys/new', renamed),          # found by its new name
        ('POST', '/keys/new/disable', {'keyTag': 'new', 'status': 'DISABLE'}))
    module = bare_module()
    key = apply_changes(module, client, {'keyTag': 'old', 'keyName': 'alpha', 'status': 'ENABLE'}, [
        Change('rename', 'PUT', 'name', body={'keyName': 'beta'}, sets={'keyName': 'beta'}),
        Change('disable', 'POST', 'disable', sets={'status': 'DISABLE'})])
    assert key['keyTag'] == 'new' and module.actions == ['rename', 'disable']


def test_a_refused_first_write_changes_nothing():
    refused = KmsApiError('a key named beta already exists', status=409, method='PUT', path='/keys/old/name')
    client = ScriptedClient(('PUT', '/keys/old/name', refused))
    module = bare_module()
    with pytest.raises(KmsApiError):
        apply_changes(module, client, {'keyTag': 'old', 'keyName': 'alpha'}, [
            Change('rename', 'PUT', 'name', body={'keyName': 'beta'}, sets={'keyName': 'beta'})])
    assert module.changed is False and module.actions == []


def test_check_mode_records_the_write_and_sends_nothing():
    client = ScriptedClient()
    module = bare_module(check_mode=True)
    key = apply_changes(module, client, {'keyTag': 'old', 'status': 'ENABLE'},
                        [Change('disable', 'POST', 'disable', sets={'status': 'DISABLE'})])
    assert key['status'] == 'DISABLE' and module.actions == ['disable'] and client.calls == []


def test_a_diff_compares_the_fields_both_records_carry():
    before = {'name': 'a', 'status': 'ENABLE', 'region': None}
    after = {'name': 'a', 'status': 'DISABLE', 'region': 'KR', 'memo': 'm'}
    assert like_for_like(before, after) == {'before': before, 'after': {'name': 'a', 'status': 'DISABLE',
                                                                        'region': 'KR'}}
    assert like_for_like({}, after) == {'before': {}, 'after': after}
