# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_info: bad input fails before any request; filters and what each extra costs."""

import pytest

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
    ({'secret_key': ''}, 'secret_key is required'),
    ({'endpoint_jpn': 'http://192.168.1.1'}, 'endpoint_jpn uses plain http://'),
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
