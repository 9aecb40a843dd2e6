# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The name -> tag cache: one read on a hit; a stale entry costs a read and a listing, never a wrong key; a file
that is damaged, not the user's own or of another endpoint is ignored; check mode never writes."""

import json
import multiprocessing
import os

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.key_cache import KeyCache
from ansible_collections.ncloud.kms.plugins.module_utils.selector import locate_names
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient

APP = {'keyName': 'app', 'keyTag': 't1', 'status': 'ENABLE'}
APP_FULL = dict(APP, currentVersion=1, memo='')


@pytest.fixture
def cache(tmp_path):
    return KeyCache(path=str(tmp_path / 'ncloud-kms' / 'keys.json'))


def locate(client, cache, option='global'):
    found, region, unused = locate_names(lambda region: client, ['app'], option, 'public', cache=cache)
    return found.get('app'), region


def gone(tag):
    return KmsApiError('no key', status=404, method='GET', path='/keys/' + tag)


def test_a_second_run_by_name_costs_one_read(cache):
    first = ScriptedClient(('LIST', None, [{'keyName': 'other', 'keyTag': 'o'}, APP]))
    assert locate(first, cache)[0]['keyTag'] == 't1' and first.calls == ['LIST']
    second = ScriptedClient(('GET', '/keys/t1', APP_FULL))
    assert locate(second, cache)[0] == APP_FULL and second.calls == ['GET /keys/t1']
    assert oct(os.stat(cache.path).st_mode & 0o777) == '0o600'
    assert oct(os.stat(os.path.dirname(cache.path)).st_mode & 0o777) == '0o700'
    stored = open(cache.path).read()
    assert 'app' in stored and 't1' in stored and 'AKTEST' not in stored


@pytest.mark.parametrize('stale_answer, listed, expected_tag', [
    (dict(APP_FULL, keyName='renamed'), [APP_FULL and {'keyName': 'app', 'keyTag': 't2'}], 't2'),   # renamed away, recreated
    (gone('t1'), [], None),                                                                           # deleted
    (gone('t1'), [{'keyName': 'app', 'keyTag': 't3'}], 't3'),                                          # recreated
])
def test_a_stale_entry_costs_the_read_and_a_listing_and_gives_the_right_key(cache, stale_answer, listed, expected_tag):
    locate(ScriptedClient(('LIST', None, [APP])), cache)
    client = ScriptedClient(('GET', '/keys/t1', stale_answer), ('LIST', None, listed))
    found, unused = locate(client, cache)
    assert (found and found['keyTag']) == expected_tag and client.calls == ['GET /keys/t1', 'LIST']
    refreshed = ScriptedClient(*([('GET', '/keys/' + expected_tag, dict(APP_FULL, keyTag=expected_tag))] if expected_tag
                                 else [('LIST', None, [])]))
    assert (locate(refreshed, cache)[0] or {}).get('keyTag') == expected_tag and len(refreshed.calls) == 1


def test_a_key_migrated_behind_the_cache_is_followed_by_the_region_rule(cache):
    locate(ScriptedClient(('LIST', None, [APP])), cache, option=None)
    clients = {None: ScriptedClient(('GET', '/keys/t1', gone('t1')), ('LIST', None, [])),
               'KR': ScriptedClient(('LIST', None, [{'keyName': 'app', 'keyTag': 'kr-t'}])),
               'JPN': ScriptedClient(('LIST', None, []))}
    found, region, unused = locate_names(clients.get, ['app'], None, 'public', cache=cache)
    assert found['app']['keyTag'] == 'kr-t' and region == 'KR'
    # the KR entry is not used without region (a global key of that name would win): the rule lists again
    again = {None: ScriptedClient(('LIST', None, [])), 'KR': ScriptedClient(('LIST', None, [{'keyName': 'app', 'keyTag': 'kr-t'}])),
             'JPN': ScriptedClient(('LIST', None, []))}
    assert locate_names(again.get, ['app'], None, 'public', cache=cache)[1] == 'KR'
    by_region = {'KR': ScriptedClient(('GET', '/keys/kr-t', {'keyName': 'app', 'keyTag': 'kr-t', 'currentVersion': 1})),
                 None: ScriptedClient()}
    assert locate_names(by_region.get, ['app'], 'KR', 'public', cache=cache)[0]['app']['keyTag'] == 'kr-t'
    assert by_region['KR'].calls == ['GET /keys/kr-t']


@pytest.mark.parametrize('damage', ['not json{', json.dumps({'format': 99, 'keys': {}}), json.dumps([1, 2]),
                                    json.dumps({'format': 1, 'keys': {'https://kms.test|app': {'key_tag': 5}}})])
def test_a_damaged_file_is_ignored(cache, damage):
    os.makedirs(os.path.dirname(cache.path), mode=0o700)
    with open(cache.path, 'w') as handle:
        handle.write(damage)
    os.chmod(cache.path, 0o600)
    client = ScriptedClient(('LIST', None, [APP]))
    assert locate(client, cache)[0]['keyTag'] == 't1' and client.calls == ['LIST']
    assert cache.get('https://kms.test', 'app')[0] == 't1'   # rewritten whole


def test_a_file_others_can_read_or_of_another_endpoint_is_ignored(cache):
    locate(ScriptedClient(('LIST', None, [APP])), cache)
    os.chmod(cache.path, 0o644)
    client = ScriptedClient(('LIST', None, [APP]))
    assert locate(client, cache)[0] and client.calls == ['LIST']
    os.chmod(cache.path, 0o600)

    class Elsewhere(ScriptedClient):
        base_url = 'https://other.test'
    client = Elsewhere(('LIST', None, [APP]))
    assert locate(client, cache)[0] and client.calls == ['LIST']


def test_check_mode_reads_the_cache_but_never_writes_it(cache, tmp_path):
    reader = KeyCache(path=cache.path, writable=False)
    locate(ScriptedClient(('LIST', None, [APP])), reader)
    assert not os.path.exists(cache.path)
    locate(ScriptedClient(('LIST', None, [APP])), cache)
    client = ScriptedClient(('GET', '/keys/t1', APP_FULL))
    assert locate(client, reader)[0] == APP_FULL and client.calls == ['GET /keys/t1']


def write_entries(path, worker):
    cache = KeyCache(path=path)
    for number in range(30):
        cache.put('https://kms.test', 'k%d-%d' % (worker, number), {'keyName': 'k', 'keyTag': 't%d' % number}, None,
                  'https://kms.test')


def test_two_processes_writing_at_once_leave_a_readable_file_with_every_entry(cache):
    workers = [multiprocessing.Process(target=write_entries, args=(cache.path, worker)) for worker in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    with open(cache.path) as handle:
        data = json.load(handle)
    assert data['format'] == 1 and len(data['keys']) == 60   # the lock keeps both writers' entries
    assert [name for name in os.listdir(os.path.dirname(cache.path)) if name.startswith('.keys.')] == []


def test_without_the_cache_the_calls_are_todays(cache):
    client = ScriptedClient(('LIST', None, [APP]))
    assert locate(client, None)[0] and client.calls == ['LIST']
    client = ScriptedClient(('LIST', None, [APP]))
    assert locate(client, None)[0] and client.calls == ['LIST']
