# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_info: bad input fails before any request; filters and what each extra costs."""

import pytest

import time

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_key_info import KmsKeyInfo
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'name': '9lives'}, 'name must start with a letter'),
    ({'status': 'DELETED'}, 'value of status must be one of: ENABLE, DISABLE, REVOKE'),
    ({'region': 'EU'}, 'value of region must be one of: global, KR, JPN'),
    ({'details': 'often'}, "argument 'details' is of type"),
    ({'acl': 'sometimes'}, "argument 'acl' is of type"),
    ({'activity_hours': 0}, 'activity_hours must be between 1 and 8760; got 0'),
    ({'activity_hours': 24, 'activity_limit': 10001}, 'activity_limit must be between 1 and 10000; got 10001'),
    ({'unused_for_days': 0}, 'unused_for_days must be between 1 and 3650; got 0'),
    ({'usage': 'lots'}, "argument 'usage' is of type"),
    ({'secret_key': ''}, 'access_key is set (by the option access_key) but secret_key is not'),
    ({'endpoint_jpn': 'http://192.168.1.1'}, 'endpoint_jpn uses plain http://'),
    ({'scope': {'names': ['app key']}}, 'scope.names takes shell-style patterns of key names'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeyInfo, args, message)


KEYS = [{'keyName': 'app', 'keyTag': 'a', 'status': 'ENABLE', 'keyType': 'AES256'},
        {'keyName': 'old', 'keyTag': 'o', 'status': 'DISABLE', 'keyType': 'RSA2048'}]


def test_a_status_filter_keeps_only_those_keys():
    result = run_module(KmsKeyInfo, {'status': 'DISABLE'}, ScriptedClient(('LIST', None, KEYS)))
    assert [k['name'] for k in result['kms_keys']] == ['old'] and result['changed'] is False


def test_versions_and_public_keys_cost_one_call_per_key_that_has_them():
    client = ScriptedClient(('LIST', None, KEYS),
                            ('GET', '/keys/a/versions', {'currentVersion': 1, 'versionList': [{'version': 1}]}),
                            ('GET', '/keys/o/versions', {'currentVersion': 1, 'versionList': [{'version': 1}]}),
                            ('POST', '/keys/o/get-pub-key', {'publicKey': 'PEM'}))
    result = run_module(KmsKeyInfo, {'versions': True, 'public_key': True}, client)
    assert [k.get('public_key') for k in result['kms_keys']] == [None, 'PEM']
    assert [len(k['versions']) for k in result['kms_keys']] == [1, 1] and client.script == []


def test_a_name_filter_returns_nothing_for_another_name_found_by_tag():
    client = ScriptedClient(('GET', '/keys/a', KEYS[0]))
    assert run_module(KmsKeyInfo, {'key_tag': 'a', 'name': 'other'}, client)['kms_keys'] == []


def test_the_acl_costs_one_call_per_key_and_a_name_costs_the_list_and_the_acl():
    client = ScriptedClient(('LIST', None, KEYS),
                            ('GET', '/keys/a/acl', {'keyTag': 'a', 'isAclEnabled': True, 'allowedIpList': ['10.0.0.1']}),
                            ('GET', '/keys/o/acl', {'keyTag': 'o', 'isAclEnabled': False, 'allowedIpList': []}))
    result = run_module(KmsKeyInfo, {'acl': True}, client)
    assert [(k['ip_acl'], k['allowed_ips']) for k in result['kms_keys']] == [(True, ['10.0.0.1']), (False, [])]
    named = ScriptedClient(('LIST', None, KEYS), ('GET', '/keys/a/acl', {'isAclEnabled': False}))
    result = run_module(KmsKeyInfo, {'name': 'app', 'acl': True}, named)
    assert named.calls == ['LIST', 'GET /keys/a/acl'] and result['kms_keys'][0]['allowed_ips'] == []


DAY = 24 * 3600 * 1000


def last_use(days_ago, nested=True):
    when = int(time.time() * 1000) - days_ago * DAY
    requestor, api = {'requestType': 'API', 'ip': '10.0.0.1'}, {'result': 'SUCCESS', 'action': 'Decrypt', 'type': 'CRYPTO'}
    if nested:   # the page's table: under data
        return {'timestamp': when, 'data': {'requestor': requestor, 'api': api}, 'message': 'm'}
    return {'timestamp': when, 'requestor': requestor, 'api': api}   # the page's example: at the top


def test_usage_for_one_key_by_name_is_the_list_and_the_latest_use():
    client = ScriptedClient(('LIST', None, KEYS), ('GET', '/keys/a/last-use-info', last_use(0)))
    result = run_module(KmsKeyInfo, {'name': 'app', 'usage': True}, client)
    used = result['kms_keys'][0]['last_used']
    assert client.calls == ['LIST', 'GET /keys/a/last-use-info']
    assert (used['requestor_type'], used['action'], used['type'], used['result']) == ('API', 'Decrypt', 'CRYPTO', 'SUCCESS')
    assert used['time'].endswith('Z') and used['requestor_ip'] == '10.0.0.1'


@pytest.mark.parametrize('answer', [None, {}, KmsApiError('never used', status=404, code='NOT_FOUND')])
def test_a_key_never_used_has_no_last_use(answer):
    client = ScriptedClient(('LIST', None, KEYS[:1]), ('GET', '/keys/a/last-use-info', answer))
    assert run_module(KmsKeyInfo, {'usage': True}, client)['kms_keys'][0]['last_used'] is None


def test_unused_for_days_keeps_the_keys_unused_since_and_those_never_used_whatever_shape_the_answer_has():
    keys = KEYS + [{'keyName': 'new', 'keyTag': 'n', 'status': 'ENABLE', 'keyType': 'AES256'}]
    client = ScriptedClient(('LIST', None, keys), ('GET', '/keys/a/last-use-info', last_use(5)),
                            ('GET', '/keys/o/last-use-info', last_use(120, nested=False)),
                            ('GET', '/keys/n/last-use-info', None))
    result = run_module(KmsKeyInfo, {'unused_for_days': 90}, client)
    assert [k['name'] for k in result['kms_keys']] == ['old', 'new'] and client.script == []


def test_the_activity_log_pages_until_the_limit():
    page = {'activityLogList': [last_use(0)] * 100, 'totalPageNo': 3}
    client = ScriptedClient(('LIST', None, KEYS[:1]), ('GET', '/keys/a/activities', page),
                            ('GET', '/keys/a/activities', page))
    result = run_module(KmsKeyInfo, {'activity_hours': 24, 'activity_limit': 150}, client)
    assert len(result['kms_keys'][0]['activities']) == 150 and client.script == []
    assert [(dict(q)['pageNo'], dict(q)['pageSize']) for q in client.queries[1:]] == [(1, 100), (2, 100)]
