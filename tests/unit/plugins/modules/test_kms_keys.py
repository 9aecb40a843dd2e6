# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_keys: bad input fails before any request, naming the entry; every rule is checked for every key before any
write; a failing key stops only its own writes. The states against the emulator: the kms_keys integration target."""

import threading

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_keys import KmsKeys
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'state': 'merged'}, 'config is required with state=merged'),
    ({'state': 'gathered', 'config': [{'name': 'app'}]}, 'config goes with merged, replaced, overridden and deleted'),
    ({'state': 'overridden', 'config': []}, 'state=overridden needs an explicit scope'),
    ({'config': [], 'unlisted': 'delete'}, 'unlisted goes with state=overridden'),
    ({'config': [{'name': 'app'}, {'name': 'APP'}]},
     'config[0] (app) and config[1] (APP) name one key'),
    ({'config': [{'name': 'app', 'region': 'KR'}, {'name': 'app'}]}, 'config[0] (app) and config[1] (app) name one key'),
    ({'config': [{'name': 'ok-key'}, {'name': '9bad'}]}, "config[1] (9bad): name must start with a letter"),
    ({'config': [{'name': 'app', 'rotation_period': 30, 'auto_rotation': False}]},
     'config[0] (app): rotation_period needs auto_rotation=true'),
    ({'config': [{'name': 'app', 'key_type': 'ECDSA', 'convergent': True}]},
     'config[0] (app): convergent=true is only allowed with key_type=AES256'),
    ({'config': [{'name': 'app', 'allowed_ips': ['10.0.0.0/8']}]}, 'config[0] (app): allowed_ips must hold IPv4'),
    ({'config': [{'name': 'app', 'memo': 'm' * 101}]}, 'config[0] (app): memo must be at most 100 characters'),
    ({'config': [{'name': 'app', 'colour': 'red'}]}, 'colour'),
    ({'state': 'deleted', 'config': [{'name': 'app', 'enabled': False}]},
     'config[0] (app): state=deleted takes name and region only; the entry gives enabled'),
    ({'state': 'gathered', 'scope': {'names': ['app key*']}}, "scope.names takes shell-style patterns"),
    ({'state': 'gathered', 'scope': {'names': ['app-[ab']}}, "scope.names pattern 'app-[ab' has an unclosed"),
    ({'state': 'gathered', 'scope': {'regions': ['EU']}}, 'regions'),
    ({'state': 'gathered', 'site': 'gov', 'scope': {'regions': ['KR']}}, 'region KR is not offered on the gov site'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeys, args, message)


def key(name, tag, status='ENABLE', **fields):
    return dict({'keyName': name, 'keyTag': tag, 'status': status, 'keyType': 'AES256', 'protectionType': 'BASIC',
                 'isConvergent': False}, **fields)


class KeyedClient(object):
    """Answers by request: the list, a key's full record, and writes (``fail``: paths answered by an error).
    Thread-safe; records every call."""

    base_url = 'https://kms.test'
    access_key = 'AKTEST'

    def __init__(self, keys, fail=()):
        self.keys = dict((k['keyTag'], k) for k in keys)
        self.fail = fail
        self.calls = []
        self.lock = threading.Lock()

    def request_answer(self, method, path, query=None, body=None, idempotent=True):
        with self.lock:
            self.calls.append('LIST')
        return {'code': 'SUCCESS', 'data': {'keyList': list(self.keys.values()), 'totalPageNo': 1}}

    def request(self, method, path, query=None, body=None, idempotent=True):
        with self.lock:
            self.calls.append('%s %s' % (method, path))
        if path in self.fail:
            raise KmsApiError('the service is unavailable', status=503, code='500', method=method, path=path)
        tag = path.split('/')[2]
        if method == 'GET' and path.endswith('/acl'):
            return {'keyTag': tag, 'isAclEnabled': False, 'allowedIpList': []}
        if method == 'GET':
            return dict(self.keys[tag], memo='', isAutoRotation=False, currentVersion=1)
        return {'keyTag': tag, 'status': 'DISABLE' if path.endswith('/disable') else 'ENABLE'}


def test_an_immutable_setting_on_any_key_fails_before_any_write():
    client = KeyedClient([key('one', 't1'), key('two', 't2')])
    config = [{'name': 'one', 'region': 'global', 'enabled': False}, {'name': 'two', 'region': 'global', 'key_type': 'RSA2048'}]
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsKeys, {'config': config}, {None: client})
    assert caught.value.result['msg'].startswith('config[1] (two): key_type cannot change after creation')
    assert client.calls == ['LIST'] and caught.value.result['actions'] == []


def test_a_failing_key_stops_its_own_writes_and_the_others_complete():
    client = KeyedClient([key('one', 't1'), key('two', 't2'), key('three', 't3')], fail=('/keys/t2/disable',))
    config = [{'name': n, 'region': 'global', 'enabled': False} for n in ('one', 'two', 'three')]
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsKeys, {'config': config}, {None: client})
    result = caught.value.result
    assert result['msg'].startswith('1 of 3 keys failed; the writes that took effect are in changes')
    assert 'global/two: ' in result['msg'] and 'the service is unavailable' in result['msg']
    assert [(c['name'], c['action']) for c in result['changes']] == [('one', 'disable'), ('three', 'disable')]
    assert [f['name'] for f in result['failed_keys']] == ['two'] and result['failed_keys'][0]['error']['status'] == 503
    assert result['changed'] is True and sorted(result['actions']) == ['global/one - disable', 'global/three - disable']
    assert sorted(client.calls) == sorted(['LIST', 'POST /keys/t1/disable', 'POST /keys/t2/disable',
                                           'POST /keys/t3/disable'])


def test_merged_compares_only_what_an_entry_gives_and_replaced_resets_the_rest():
    stored = key('app', 't1', 'DISABLE')
    merged = KeyedClient([stored])
    result = run_module(KmsKeys, {'config': [{'name': 'app', 'region': 'global', 'key_type': 'AES256'}]}, {None: merged})
    assert result['changed'] is False and merged.calls == ['LIST'] and result['changes'] == []
    replaced = KeyedClient([stored])
    result = run_module(KmsKeys, {'state': 'replaced', 'config': [{'name': 'app', 'region': 'global'}]},
                        {None: replaced}, check_mode=True)
    assert [c['action'] for c in result['changes']] == ['enable']
    assert sorted(replaced.calls) == ['GET /keys/t1', 'GET /keys/t1/acl', 'LIST']
