# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of reading keys: absence confirmed by listing, the one find function."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.keys import find_named, get_key, iso_utc
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KeyConflict, find_key, locate_names
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


def test_a_trusted_tag_costs_no_call():
    client = ScriptedClient()
    assert find_key(client, key_tag='x', trust_tag=True) == {'keyTag': 'x'} and client.calls == []


def test_names_match_regardless_of_case_and_the_stored_spelling_is_warned_about():
    client = ScriptedClient(('LIST', None, [{'keyName': 'App-Data', 'keyTag': 't'}]))
    found, region, warnings = locate_names(lambda region: client, ['app-data'], 'global', 'public')
    assert found['app-data']['keyTag'] == 't' and region is None
    assert len(warnings) == 1 and 'names app-data and the key is stored as App-Data' in warnings[0]


def boundaries(global_keys, kr_keys, jpn_keys):
    return {None: ScriptedClient(('LIST', None, global_keys)), 'KR': ScriptedClient(('LIST', None, kr_keys)),
            'JPN': ScriptedClient(('LIST', None, jpn_keys))}


def test_a_name_without_region_follows_its_key_into_the_one_isolation_boundary_that_holds_it():
    clients = boundaries([], [{'keyName': 'app', 'keyTag': 'kr-t'}], [])
    found, region, warnings = locate_names(clients.get, ['app'], None, 'public')
    assert found['app']['keyTag'] == 'kr-t' and region == 'KR'
    assert 'the KR boundary has it (key_tag kr-t)' in warnings[0]
    assert [len(client.calls) for client in clients.values()] == [1, 1, 1]


def test_a_global_key_costs_one_listing_and_two_isolation_holders_conflict():
    clients = boundaries([{'keyName': 'app', 'keyTag': 'g'}], [], [])
    assert locate_names(clients.get, ['app'], None, 'public')[:2] == ({'app': {'keyName': 'app', 'keyTag': 'g'}}, None)
    assert [len(client.calls) for client in clients.values()] == [1, 0, 0]
    clients = boundaries([], [{'keyName': 'app', 'keyTag': 'kr-t'}], [{'keyName': 'app', 'keyTag': 'jpn-t'}])
    with pytest.raises(KeyConflict) as caught:
        locate_names(clients.get, ['app'], None, 'public')
    assert 'the KR and JPN boundaries each have one' in str(caught.value)


def test_nowhere_is_a_new_global_key_and_the_gov_site_has_no_isolation_boundary():
    clients = boundaries([], [], [])
    assert locate_names(clients.get, ['app'], None, 'public')[:2] == ({}, None)
    clients = boundaries([], [{'keyName': 'app', 'keyTag': 'kr-t'}], [])
    assert locate_names(clients.get, ['app'], None, 'gov')[:2] == ({}, None)
    assert [len(client.calls) for client in clients.values()] == [1, 0, 0]


def test_a_list_answered_403_says_the_account_may_read_no_key_there_and_names_the_boundary():
    forbidden = KmsApiError('Permission Denied', status=403, code='210', method='GET', path='/keys')

    class ForbiddenClient(ScriptedClient):
        boundary = 'KR'

        def request_answer(self, method, path, query=None, body=None, idempotent=True):
            raise forbidden
    with pytest.raises(KmsApiError) as caught:
        find_named(ForbiddenClient(), ['app'])
    assert 'the KR boundary refused to list its keys (403)' in str(caught.value) and 'Permission Denied' in str(caught.value)


@pytest.mark.parametrize('milliseconds, text', [
    (0, '1970-01-01T00:00:00.000Z'), (1796172371123, '2026-12-02T00:46:11.123Z'), ('86399999', '1970-01-01T23:59:59.999Z'),
    (None, None), ('', None),
])
def test_api_dates_read_as_iso_8601_utc_with_milliseconds(milliseconds, text):
    assert iso_utc(milliseconds) == text
