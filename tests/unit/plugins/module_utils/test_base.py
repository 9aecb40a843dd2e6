# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the one write path (KmsModule.apply and send): check mode, tags that follow a rename,
lost answers confirmed by reading back, and the diff."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.base import (
    AddVersion, Change, CreateKey, KmsModule, ModuleFailure, MoveKey, like_for_like,
)
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient


def not_found(status):
    return KmsApiError('key not found', status=status, code='X', method='GET', path='/keys/t')


def lost(method, path):
    return KmsApiError('gave up', status=503, method=method, path=path, maybe_applied=True)


def bare_module(check_mode=False):
    module = KmsModule.__new__(KmsModule)
    module.check_mode = check_mode
    module.changed = False
    module.actions = []
    return module


def test_writes_after_a_rename_use_the_tag_the_rename_answered():
    client = ScriptedClient(
        ('PUT', '/keys/old/name', {'keyTag': 'new', 'keyName': 'beta'}),
        ('POST', '/keys/new/disable', {'keyTag': 'new', 'status': 'DISABLE'}))
    module = bare_module()
    key = module.apply(client, {'keyTag': 'old', 'keyName': 'alpha', 'status': 'ENABLE'}, [
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
    key = module.apply(client, {'keyTag': 'old', 'keyName': 'alpha', 'status': 'ENABLE'}, [
        Change('rename', 'PUT', 'name', body={'keyName': 'beta'}, sets={'keyName': 'beta'}),
        Change('disable', 'POST', 'disable', sets={'status': 'DISABLE'})])
    assert key['keyTag'] == 'new' and module.actions == ['rename', 'disable']


def test_a_refused_first_write_changes_nothing():
    refused = KmsApiError('a key named beta already exists', status=409, method='PUT', path='/keys/old/name')
    client = ScriptedClient(('PUT', '/keys/old/name', refused))
    module = bare_module()
    with pytest.raises(KmsApiError):
        module.apply(client, {'keyTag': 'old', 'keyName': 'alpha'}, [
            Change('rename', 'PUT', 'name', body={'keyName': 'beta'}, sets={'keyName': 'beta'})])
    assert module.changed is False and module.actions == []


def test_check_mode_records_the_write_and_sends_nothing():
    client = ScriptedClient()
    module = bare_module(check_mode=True)
    key = module.apply(client, {'keyTag': 'old', 'status': 'ENABLE'},
                       [Change('disable', 'POST', 'disable', sets={'status': 'DISABLE'})])
    assert key['status'] == 'DISABLE' and module.actions == ['disable'] and client.calls == []


def test_a_diff_compares_the_fields_both_records_carry():
    before = {'name': 'a', 'status': 'ENABLE', 'region': None}
    after = {'name': 'a', 'status': 'DISABLE', 'region': 'KR', 'memo': 'm'}
    assert like_for_like(before, after) == {'before': before, 'after': {'name': 'a', 'status': 'DISABLE',
                                                                        'region': 'KR'}}
    assert like_for_like({}, after) == {'before': {}, 'after': after}


def test_a_lost_create_is_confirmed_by_the_key_of_that_name():
    body = {'keyName': 'app', 'keyType': 'AES256'}
    made = dict(body, keyTag='t')
    client = ScriptedClient(('POST', '/keys', lost('POST', '/keys')), ('LIST', None, [made]), ('GET', '/keys/t', made))
    module = bare_module()
    assert module.send(client, CreateKey(body)) == made
    assert module.actions == ['create key']


def test_a_lost_create_meeting_another_writers_key_fails_naming_the_field():
    body = {'keyName': 'app', 'keyType': 'AES256'}
    theirs = dict(body, keyTag='t', keyType='RSA2048')
    client = ScriptedClient(('POST', '/keys', lost('POST', '/keys')), ('LIST', None, [theirs]), ('GET', '/keys/t', theirs))
    module = bare_module()
    with pytest.raises(ModuleFailure) as caught:
        module.send(client, CreateKey(body))
    assert 'differs in keyType' in str(caught.value) and module.actions == []


def test_a_lost_create_that_did_not_happen_raises_the_error():
    error = lost('POST', '/keys')
    client = ScriptedClient(('POST', '/keys', error), ('LIST', None, []))
    with pytest.raises(KmsApiError) as caught:
        bare_module().send(client, CreateKey({'keyName': 'app'}))
    assert caught.value is error


def test_a_lost_migrate_is_confirmed_by_the_name_in_the_target():
    target = ScriptedClient(('LIST', None, [{'keyName': 'app', 'keyTag': 'kr-t'}]))
    client = ScriptedClient(('POST', '/keys/t/migrate', lost('POST', '/keys/t/migrate')))
    module = bare_module()
    assert module.send(client, MoveKey('KR', target), {'keyTag': 't', 'keyName': 'app'}) == {'keyTag': 'kr-t'}
    assert module.actions == ['migrate to KR'] and target.calls == ['LIST']


@pytest.mark.parametrize('current, applied', [(3, True), (2, False)])
def test_a_lost_rotation_is_confirmed_by_a_newer_version_and_never_sent_twice(current, applied):
    error = lost('POST', '/keys/t/rotate')
    versions = {'currentVersion': current, 'versionList': [{'version': current, 'rotatedDate': 5}]}
    client = ScriptedClient(('POST', '/keys/t/rotate', error), ('GET', '/keys/t/versions', versions))
    module = bare_module()
    if applied:
        assert module.send(client, AddVersion(2), {'keyTag': 't'}) == {'version': 3, 'rotatedDate': 5}
    else:
        with pytest.raises(KmsApiError):
            module.send(client, AddVersion(2), {'keyTag': 't'})
    assert client.calls.count('POST /keys/t/rotate') == 1 and module.changed is applied


def test_a_local_action_runs_only_outside_check_mode():
    done = []
    for check_mode in (True, False):
        module = bare_module(check_mode)
        module.act_locally('write dest', lambda: done.append(1))
        assert module.changed and module.actions == ['write dest']
    assert done == [1]
