# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of reading keys: absence confirmed by listing, the one find function."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.keys import find_key, find_named, get_key
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient


def not_found(status):
    return KmsApiError('key not found', status=status, code='X', method='GET', path='/keys/t')


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


def test_find_by_name_stops_at_the_name_and_reads_the_full_record_when_asked():
    client = ScriptedClient(('LIST', None, [{'keyName': 'other', 'keyTag': 'o'}, {'keyName': 'app', 'keyTag': 't'}]),
                            ('GET', '/keys/t', {'keyTag': 't', 'keyName': 'app', 'memo': 'm'}))
    assert find_key(client, name='app', full=True)['memo'] == 'm'
    assert client.calls == ['LIST', 'GET /keys/t']


def test_find_named_reads_until_every_name_is_met_or_the_listing_ends():
    keys = [{'keyName': 'old', 'keyTag': 'o'}, {'keyName': 'new', 'keyTag': 'n'}]
    client = ScriptedClient(('LIST', None, keys))
    assert sorted(find_named(client, ['new', 'old'])) == ['new', 'old']
    client = ScriptedClient(('LIST', None, keys[:1]))
    assert find_named(client, ['new', 'old']) == {'old': keys[0]}
    assert client.calls == ['LIST']


def test_a_trusted_tag_costs_no_call_and_a_remembered_name_one_listing_per_process():
    client = ScriptedClient(('LIST', None, [{'keyName': 'remembered', 'keyTag': 't'}]))
    assert find_key(client, key_tag='x', trust_tag=True) == {'keyTag': 'x'}
    assert find_key(client, name='remembered', remember=True)['keyTag'] == 't'
    assert find_key(client, name='remembered', remember=True)['keyTag'] == 't'
    assert client.calls == ['LIST']
