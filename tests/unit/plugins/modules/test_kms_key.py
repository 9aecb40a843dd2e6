# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key: bad input fails before any request; the plan of writes for a found key; create and delete."""

import pytest

from ansible_collections.ncloud.kms.plugins.modules.kms_key import KmsKey
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

# (task arguments, text the failure message must hold): each fails before any request.
BAD_INPUT = [
    ({'name': 'ab'}, 'name must be 3 to 15 characters long'),
    ({'name': ''}, 'name must be 3 to 15 characters long'),
    ({'name': 'abcdefghijklmnop'}, 'name must be 3 to 15 characters long'),
    ({'name': '1abc'}, 'name must start with a letter'),
    ({'name': '_abc'}, 'name must start with a letter'),
    ({'name': 'ab.cd'}, 'name may hold only letters, digits'),
    ({'name': 'ab cd'}, 'name may hold only letters, digits'),
    ({'name': u'\ud0a4-\uc774\ub984'}, 'name may hold only letters, digits'),
    ({'state': 'present'}, 'one of the following is required: name, key_tag'),
    ({'name': 'bad-x', 'key_type': 'DES'}, 'value of key_type must be one of: AES256, RSA2048, ECDSA'),
    ({'name': 'bad-x', 'protection': 'HSM'}, 'value of protection must be one of: BASIC, COMMON_HSM'),
    ({'name': 'bad-x', 'key_type': 'RSA2048', 'convergent': True}, 'convergent=true is only allowed with key_type=AES256'),
    ({'name': 'bad-x', 'key_type': 'ECDSA', 'convergent': True}, 'convergent=true is only allowed with key_type=AES256'),
    ({'name': 'bad-x', 'convergent': 'sometimes'}, "argument 'convergent' is of type"),
    ({'name': 'bad-x', 'auto_rotation': True, 'rotation_period': 0}, 'rotation_period must be between 1 and 730 days'),
    ({'name': 'bad-x', 'auto_rotation': True, 'rotation_period': 731}, 'rotation_period must be between 1 and 730 days'),
    ({'name': 'bad-x', 'auto_rotation': True, 'rotation_period': -5}, 'rotation_period must be between 1 and 730 days'),
    ({'name': 'bad-x', 'auto_rotation': False, 'rotation_period': 30}, 'the task sets auto_rotation: false'),
    ({'name': 'bad-x', 'auto_rotation': True, 'rotation_period': 'thirty'}, "argument 'rotation_period' is of type"),
    ({'name': 'bad-x', 'auto_rotation': 'maybe'}, "argument 'auto_rotation' is of type"),
    ({'name': 'bad-x', 'memo': 'm' * 101}, 'memo must be at most 100 characters; got 101'),
    ({'name': 'bad-x', 'state': 'gone'}, 'value of state must be one of: present, absent'),
    ({'name': 'bad-x', 'enabled': 'maybe'}, "argument 'enabled' is of type"),
    ({'name': 'bad-x', 'region': 'US'}, 'value of region must be one of: global, KR, JPN'),
    ({'name': 'bad-x', 'force_delete': 'later'}, "argument 'force_delete' is of type"),
    ({'name': 'bad-x', 'rename_from': 'x'}, 'rename_from must be 3 to 15 characters long'),
    ({'name': 'bad-x', 'rename_from': 'bad-x'}, 'rename_from must differ from name'),
    ({'name': 'bad-x', 'rename_from': 'old-x', 'state': 'absent'}, 'rename_from needs state=present'),
    ({'key_tag': 't', 'rename_from': 'old-x'}, 'mutually exclusive: rename_from|key_tag'),
    # credentials, endpoints, transport
    ({'name': 'bad-x', 'access_key': ''},
     'secret_key is set (by the option secret_key) but access_key is not: set access_key too (the option, or the '
     'environment variable NCLOUD_ACCESS_KEY_ID or NCLOUD_ACCESS_KEY), or neither, to use the configure file or the '
     'server role'),
    ({'name': 'bad-x', 'secret_key': ''},
     'access_key is set (by the option access_key) but secret_key is not: set secret_key too (the option, or the '
     'environment variable NCLOUD_SECRET_ACCESS_KEY or NCLOUD_SECRET_KEY)'),
    ({'name': 'bad-x', 'access_key': '', 'secret_key': '', 'config_file': '/nonexistent/configure'},
     'the configure file /nonexistent/configure (profile DEFAULT) does not exist'),
    ({'name': 'bad-x', 'access_key': '', 'secret_key': '', 'config_file': '/nonexistent/c', 'profile': 'prod'},
     'the configure file /nonexistent/c (profile prod) does not exist'),
    ({'name': 'bad-x', 'access_key': '', 'secret_key': '', 'server_role': 'sometimes'}, "argument 'server_role' is of type"),
    ({'name': 'bad-x', 'endpoint': 'http://kms.example.com'}, 'endpoint uses plain http:// to the non-loopback host kms.example.com'),
    ({'name': 'bad-x', 'endpoint_kr': 'http://10.20.30.40:8080'}, 'endpoint_kr uses plain http:// to the non-loopback host'),
    ({'name': 'bad-x', 'endpoint': 'kms.example.com'}, 'endpoint must be an http(s) URL with a host'),
    ({'name': 'bad-x', 'endpoint': 'ftp://kms.example.com'}, 'endpoint must be an http(s) URL with a host'),
    ({'name': 'bad-x', 'endpoint': 'https://kms.example.com/?a=1'}, 'endpoint must not carry a query string'),
    ({'name': 'bad-x', 'timeout': 0}, 'timeout must be between 1 and 600'),
    ({'name': 'bad-x', 'retries': 11}, 'retries must be between 0 and 10'),
    ({'name': 'bad-x', 'ca_path': '/nonexistent/ca.pem'}, 'ca_path must name a CA bundle file'),
    ({'name': 'bad-x', 'site': 'gov', 'region': 'KR'}, 'region KR is not offered on the gov site'),
    # IP ACL
    ({'name': 'bad-x', 'allowed_ips': ['10.0.0.0/24']}, "allowed_ips must hold IPv4 addresses such as 10.0.1.15 (NCP's IP "
                                                        "ACL takes no CIDR, IPv6 or \"*\"); got '10.0.0.0/24'"),
    ({'name': 'bad-x', 'allowed_ips': ['2001:db8::1']}, "allowed_ips must hold IPv4 addresses"),
    ({'name': 'bad-x', 'allowed_ips': ['*']}, "allowed_ips must hold IPv4 addresses"),
    ({'name': 'bad-x', 'allowed_ips': ['10.0.0.300']}, "got '10.0.0.300'"),
    ({'name': 'bad-x', 'ip_acl': 'on-ish'}, "argument 'ip_acl' is of type"),
    ({'name': 'bad-x', 'state': 'absent', 'ip_acl': False}, 'ip_acl, allowed_ips and token_generator need state=present'),
    ({'name': 'bad-x', 'state': 'absent', 'token_generator': False}, 'need state=present'),
    ({'name': 'bad-x', 'token_generator': 'yes please'}, "argument 'token_generator' is of type"),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKey, args, message)


def key(**fields):
    record = {'keyTag': 't', 'keyName': 'app', 'keyType': 'AES256', 'status': 'ENABLE', 'protectionType': 'BASIC',
              'isConvergent': False, 'isAutoRotation': False, 'rotationPeriod': 90, 'memo': ''}
    record.update(fields)
    return record


def test_a_found_key_that_matches_is_one_list_call_and_no_write():
    client = ScriptedClient(('LIST', None, [key()]))
    result = run_module(KmsKey, {'name': 'app', 'enabled': True}, client)
    assert result['changed'] is False and result['actions'] == [] and client.calls == ['LIST']


def test_the_plan_is_made_of_the_differences_in_a_fixed_order():
    found = key(status='REVOKE', memo='old')
    client = ScriptedClient(('LIST', None, [found]), ('GET', '/keys/t', found),
                            ('POST', '/keys/t/cancel-deletion', {}), ('POST', '/keys/t/enable', {}),
                            ('PUT', '/keys/t/memo', {}), ('POST', '/keys/t/enable-auto-rotation', {}),
                            ('PUT', '/keys/t/rotation-period', {}))
    result = run_module(KmsKey, {'name': 'app', 'memo': 'new', 'auto_rotation': True, 'rotation_period': 30}, client)
    assert result['actions'] == ['cancel deletion', 'enable', 'set memo', 'enable auto rotation', 'set rotation period']
    assert result['key']['status'] == 'ENABLE' and result['key']['rotation_period'] == 30
    assert client.script == []


def test_check_mode_plans_the_same_writes_and_sends_none():
    client = ScriptedClient(('LIST', None, [key()]))
    result = run_module(KmsKey, {'name': 'app', 'enabled': False}, client, check_mode=True)
    assert result['changed'] is True and result['actions'] == ['disable'] and client.calls == ['LIST']
    assert result['key']['enabled'] is False


def test_an_immutable_option_that_differs_fails_before_any_write():
    client = ScriptedClient(('LIST', None, [key(keyType='RSA2048')]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'key_type': 'AES256'}, client)
    assert 'key_type cannot change after creation: key app (t) has key_type=RSA2048' in failed.value.result['msg']
    assert client.calls == ['LIST']


def test_a_new_key_is_created_and_disabled_when_asked():
    made = key(status='ENABLE')
    client = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []),
                            ('POST', '/keys', made), ('POST', '/keys/t/disable', {}))
    result = run_module(KmsKey, {'name': 'app', 'enabled': False}, client)
    assert result['actions'] == ['create key', 'disable'] and result['key']['status'] == 'DISABLE'


def test_rename_from_renames_the_former_name_found_in_the_same_listing():
    client = ScriptedClient(('LIST', None, [key(keyName='old-app')]), ('PUT', '/keys/t/name', {}))
    result = run_module(KmsKey, {'name': 'app', 'rename_from': 'old-app'}, client)
    assert result['actions'] == ['rename'] and result['key']['name'] == 'app'


def test_absent_with_force_requests_deletion_then_deletes_and_returns_no_key():
    client = ScriptedClient(('LIST', None, [key()]), ('POST', '/keys/t/request-deletion', {}), ('DELETE', '/keys/t', None))
    result = run_module(KmsKey, {'name': 'app', 'state': 'absent', 'force_delete': True}, client)
    assert result['actions'] == ['request deletion', 'delete now'] and result['key'] == {}


def test_a_null_key_tag_warns_in_check_mode_and_fails_otherwise():
    result = run_module(KmsKey, {'key_tag': None, 'name': 'app'}, ScriptedClient(), check_mode=True)
    assert result['key'] == {} and 'key_tag is null or empty' in result['warnings'][0]
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'key_tag': '', 'name': 'app'}, ScriptedClient())
    assert 'key_tag is null or empty' in failed.value.result['msg']


def test_an_unknown_tag_is_a_get_and_a_confirming_list_then_fails_without_a_write():
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    gone = KmsApiError('no key', status=404, method='GET', path='/keys/no-such-tag')
    client = ScriptedClient(('GET', '/keys/no-such-tag', gone), ('LIST', None, []))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'key_tag': 'no-such-tag', 'enabled': False}, client)
    assert 'no key has key_tag no-such-tag in the global boundary' in failed.value.result['msg']
    assert client.calls == ['GET /keys/no-such-tag', 'LIST']


def test_a_period_alone_is_set_on_a_key_that_already_rotates():
    found = key(isAutoRotation=True, rotationPeriod=90)
    client = ScriptedClient(('LIST', None, [found]), ('GET', '/keys/t', found), ('PUT', '/keys/t/rotation-period', {}))
    result = run_module(KmsKey, {'name': 'app', 'rotation_period': 30}, client)
    assert result['actions'] == ['set rotation period'] and result['key']['rotation_period'] == 30


@pytest.mark.parametrize('existing', [True, False])
def test_a_period_alone_fails_before_any_write_when_rotation_stays_off(existing):
    found = key(isAutoRotation=False)
    script = [('LIST', None, [found] if existing else [])]
    script += [('GET', '/keys/t', found)] if existing else [('LIST', None, []), ('LIST', None, [])]
    client = ScriptedClient(*script)
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'rotation_period': 30}, client)
    assert 'rotation_period needs auto_rotation=true' in failed.value.result['msg']
    assert ('key app (key_tag t) has auto rotation off' if existing else 'a new key has auto rotation off') in \
        failed.value.result['msg']
    assert failed.value.result['actions'] == [] and client.script == []


def test_rename_from_with_both_names_fails_before_any_write_naming_both():
    client = ScriptedClient(('LIST', None, [key(keyName='app', keyTag='a'), key(keyName='old-app', keyTag='o')]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'rename_from': 'old-app', 'enabled': False}, client)
    message = failed.value.result['msg']
    assert 'both key app (key_tag a) and key old-app (key_tag o) exist' in message and 'state: absent' in message
    assert failed.value.result['actions'] == [] and client.calls == ['LIST']


def test_a_plain_http_endpoint_from_the_environment_names_the_variable():
    client = ScriptedClient()
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app'}, client, environ={'NCLOUD_KMS_ENDPOINT_KR': 'http://10.1.2.3:8080'})
    message = failed.value.result['msg']
    assert 'endpoint_kr uses plain http:// to the non-loopback host 10.1.2.3' in message
    assert 'the endpoint is set by the environment variable NCLOUD_KMS_ENDPOINT_KR' in message and client.calls == []


# ---- names as NCP matches them, names that follow their key, tags that say where their key lives ----------

KR_TAG = 'kr-' + 'a' * 64


def test_a_name_differing_only_in_case_is_the_same_key_used_as_stored_with_one_warning():
    found = key(keyName='App-Data')
    client = ScriptedClient(('LIST', None, [found]), ('GET', '/keys/t', found), ('PUT', '/keys/t/memo', {}))
    result = run_module(KmsKey, {'name': 'app-data', 'memo': 'new memo'}, client)
    assert result['actions'] == ['set memo'] and result['key']['name'] == 'App-Data'
    assert len(result['warnings']) == 1 and 'names app-data and the key is stored as App-Data' in result['warnings'][0]
    assert 'POST /keys' not in client.calls


def test_a_name_by_key_tag_differing_only_in_case_renames_nothing_with_the_same_warning():
    found = key(keyName='App-Data')
    client = ScriptedClient(('GET', '/keys/t', found))
    result = run_module(KmsKey, {'key_tag': 't', 'name': 'app-data'}, client)
    assert result['changed'] is False and result['key']['name'] == 'App-Data' and client.calls == ['GET /keys/t']
    assert len(result['warnings']) == 1 and 'names app-data and the key is stored as App-Data' in result['warnings'][0]


def test_absent_without_region_deletes_the_key_found_in_kr_once_then_reports_ok():
    kr_key = key(keyTag=KR_TAG)
    clients = {None: ScriptedClient(('LIST', None, [])), 'JPN': ScriptedClient(('LIST', None, [])),
               'KR': ScriptedClient(('LIST', None, [kr_key]), ('POST', '/keys/%s/request-deletion' % KR_TAG, {}))}
    result = run_module(KmsKey, {'name': 'app', 'state': 'absent'}, clients)
    assert result['actions'] == ['request deletion'] and result['key']['region'] == 'KR'
    assert 'the KR boundary has it' in result['warnings'][0]
    clients = {None: ScriptedClient(('LIST', None, [])), 'JPN': ScriptedClient(('LIST', None, [])),
               'KR': ScriptedClient(('LIST', None, [key(keyTag=KR_TAG, status='REVOKE')]))}
    assert run_module(KmsKey, {'name': 'app', 'state': 'absent'}, clients)['changed'] is False


def test_region_global_keeps_a_name_in_the_global_boundary_and_warns_about_the_kr_key():
    clients = {None: ScriptedClient(('LIST', None, []), ('POST', '/keys', key())),
               'KR': ScriptedClient(('LIST', None, [key(keyTag=KR_TAG)])), 'JPN': ScriptedClient(('LIST', None, []))}
    result = run_module(KmsKey, {'name': 'app', 'region': 'global'}, clients)
    assert result['actions'] == ['create key'] and result['key']['region'] is None
    assert 'the KR boundary has one (key_tag %s)' % KR_TAG in ' '.join(result['warnings'])


def test_a_name_in_two_isolation_boundaries_and_none_in_global_fails_without_a_write():
    clients = {None: ScriptedClient(('LIST', None, [])), 'KR': ScriptedClient(('LIST', None, [key(keyTag=KR_TAG)])),
               'JPN': ScriptedClient(('LIST', None, [key(keyTag='jpn-' + 'b' * 64)]))}
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'enabled': False}, clients)
    assert 'the KR and JPN boundaries each have one' in failed.value.result['msg']
    assert failed.value.result['actions'] == []


def test_a_prefixed_tag_without_region_is_one_read_in_its_boundary():
    clients = {None: ScriptedClient(), 'JPN': ScriptedClient(), 'KR': ScriptedClient(('GET', '/keys/' + KR_TAG, key(keyTag=KR_TAG)))}
    result = run_module(KmsKey, {'key_tag': KR_TAG}, clients)
    assert result['changed'] is False and result['key']['region'] == 'KR'
    assert [len(client.calls) for client in clients.values()] == [0, 0, 1]


def test_a_region_that_contradicts_the_tag_prefix_fails_before_any_request():
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'key_tag': KR_TAG, 'region': 'JPN'}, ScriptedClient())
    assert 'region JPN contradicts key_tag %s, whose prefix kr- names a key of the KR boundary' % KR_TAG \
        in failed.value.result['msg']


def test_a_period_of_0_without_auto_rotation_is_not_set_and_turning_rotation_on_predicts_90_days():
    off = key(isAutoRotation=False, rotationPeriod=0)
    client = ScriptedClient(('LIST', None, [off]), ('GET', '/keys/t', off))
    result = run_module(KmsKey, {'name': 'app', 'auto_rotation': False}, client)
    assert result['changed'] is False and result['key']['rotation_period'] is None
    client = ScriptedClient(('LIST', None, [off]), ('GET', '/keys/t', off))
    result = run_module(KmsKey, {'name': 'app', 'auto_rotation': True}, client, check_mode=True)
    assert result['actions'] == ['enable auto rotation'] and result['key']['rotation_period'] == 90


def test_a_create_that_another_job_won_manages_the_key_it_finds():
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    duplicate = KmsApiError('a key named app already exists', status=409, code='DUPLICATE', method='POST', path='/keys')
    theirs = key(keyName='app')
    clients = {None: ScriptedClient(('LIST', None, []), ('POST', '/keys', duplicate), ('LIST', None, [theirs]),
                                    ('GET', '/keys/t', theirs), ('POST', '/keys/t/disable', {})),
               'KR': ScriptedClient(('LIST', None, [])), 'JPN': ScriptedClient(('LIST', None, []))}
    result = run_module(KmsKey, {'name': 'app', 'enabled': False}, clients)
    assert result['actions'] == ['disable'] and result['key']['status'] == 'DISABLE'
    assert 'was created by another task or job while this task created it' in ' '.join(result['warnings'])


def acl(enabled=False, addresses=()):
    return ('GET', '/keys/t/acl', {'keyTag': 't', 'isAclEnabled': enabled, 'allowedIpList': list(addresses)})


def test_an_acl_already_as_asked_costs_the_list_and_one_acl_read():
    client = ScriptedClient(('LIST', None, [key()]), acl(True, ['10.0.0.2', '10.0.0.1']))
    result = run_module(KmsKey, {'name': 'app', 'ip_acl': True, 'allowed_ips': ['10.0.0.1', '10.0.0.2', '10.0.0.1']}, client)
    assert not result['changed'] and client.calls == ['LIST', 'GET /keys/t/acl']
    assert result['key']['ip_acl'] is True and result['key']['allowed_ips'] == ['10.0.0.2', '10.0.0.1']


def test_no_acl_option_reads_no_acl():
    client = ScriptedClient(('LIST', None, [key()]))
    result = run_module(KmsKey, {'name': 'app'}, client)
    assert client.calls == ['LIST'] and 'ip_acl' not in result['key']


def test_acl_changes_are_one_add_one_delete_then_the_enable():
    client = ScriptedClient(('LIST', None, [key()]), acl(False, ['10.0.0.1', '10.0.0.9']),
                            ('POST', '/keys/t/acl', {'allowedIpList': ['10.0.0.1', '10.0.0.9', '10.0.0.2', '10.0.0.3']}),
                            ('DELETE', '/keys/t/acl', {'allowedIpList': ['10.0.0.1', '10.0.0.2', '10.0.0.3']}),
                            ('POST', '/keys/t/acl/enable', {'isAclEnabled': True}))
    result = run_module(KmsKey, {'name': 'app', 'ip_acl': True, 'allowed_ips': ['10.0.0.3', '10.0.0.1', '10.0.0.2']},
                        client)
    assert result['actions'] == ['allow 10.0.0.3, 10.0.0.2', 'disallow 10.0.0.9', 'enable IP ACL']
    assert client.bodies[2:] == [{'ipList': ['10.0.0.3', '10.0.0.2']}, {'ipList': ['10.0.0.9']}, None]
    assert result['key']['ip_acl'] is True and sorted(result['key']['allowed_ips']) == ['10.0.0.1', '10.0.0.2', '10.0.0.3']


def test_without_purge_addresses_are_only_added_and_check_mode_predicts_the_list():
    client = ScriptedClient(('LIST', None, [key()]), acl(True, ['10.0.0.9']))
    result = run_module(KmsKey, {'name': 'app', 'allowed_ips': ['10.0.0.1'], 'purge_allowed_ips': False,
                                 '_ansible_diff': True}, client, check_mode=True)
    assert result['actions'] == ['allow 10.0.0.1'] and client.calls == ['LIST', 'GET /keys/t/acl']
    assert result['key']['allowed_ips'] == ['10.0.0.9', '10.0.0.1']
    assert result['diff']['before']['allowed_ips'] == ['10.0.0.9'] and result['diff']['after']['allowed_ips'] == ['10.0.0.9', '10.0.0.1']


def test_turning_the_acl_on_with_no_address_fails_before_any_write():
    client = ScriptedClient(('LIST', None, [key()]), acl(False, []))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'ip_acl': True}, client)
    assert 'applies NCP\'s "All Deny"' in failed.value.result['msg'] and 'allowed_ips: []' in failed.value.result['msg']
    assert client.calls == ['LIST', 'GET /keys/t/acl']


def test_an_explicit_empty_list_denies_all_on_purpose():
    client = ScriptedClient(('LIST', None, [key()]), acl(False, ['10.0.0.1']),
                            ('DELETE', '/keys/t/acl', {}), ('POST', '/keys/t/acl/enable', {}))
    result = run_module(KmsKey, {'name': 'app', 'ip_acl': True, 'allowed_ips': []}, client)
    assert result['actions'] == ['disallow 10.0.0.1', 'enable IP ACL'] and result['key']['allowed_ips'] == []


def test_a_new_key_gets_its_acl_after_the_create_and_before_a_disable():
    made = key(status='ENABLE')
    client = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []), ('POST', '/keys', made),
                            ('POST', '/keys/t/acl', {}), ('POST', '/keys/t/acl/enable', {}), ('POST', '/keys/t/disable', {}))
    result = run_module(KmsKey, {'name': 'app', 'enabled': False, 'ip_acl': True, 'allowed_ips': ['10.0.0.1']}, client)
    assert result['actions'] == ['create key', 'allow 10.0.0.1', 'enable IP ACL', 'disable'] and client.script == []


def test_a_new_key_turning_the_acl_on_with_no_address_fails_before_the_create():
    client = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'ip_acl': True}, client)
    assert 'All Deny' in failed.value.result['msg'] and 'POST /keys' not in client.calls


def test_the_acl_of_a_disabled_key_that_stays_disabled_fails_before_any_write():
    client = ScriptedClient(('LIST', None, [key(status='DISABLE')]), acl(False, []))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKey, {'name': 'app', 'allowed_ips': ['10.0.0.1']}, client)
    assert 'NCP changes the IP ACL and the token generator of an enabled key only' in failed.value.result['msg'] and len(client.calls) == 2
    enabling = ScriptedClient(('LIST', None, [key(status='DISABLE')]), acl(False, []), ('POST', '/keys/t/enable', {}),
                              ('POST', '/keys/t/acl', {}))
    result = run_module(KmsKey, {'name': 'app', 'enabled': True, 'allowed_ips': ['10.0.0.1']}, enabling)
    assert result['actions'] == ['enable', 'allow 10.0.0.1']


def test_a_lost_acl_answer_is_confirmed_by_reading_the_acl():
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    lost = KmsApiError('no answer', method='POST', path='/keys/t/acl/enable', maybe_applied=True)
    client = ScriptedClient(('LIST', None, [key()]), acl(False, ['10.0.0.1']), ('POST', '/keys/t/acl/enable', lost),
                            acl(True, ['10.0.0.1']))
    result = run_module(KmsKey, {'name': 'app', 'ip_acl': True}, client)
    assert result['actions'] == ['enable IP ACL'] and client.script == []


GENERATOR = ('GET', '/keys/t/token-generator', {'tokenGeneratorId': 7, 'status': 'ACTIVE', 'issuedTokenCount': 2})


def test_token_generator_is_read_only_when_asked_and_created_when_missing():
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    missing = ('GET', '/keys/t/token-generator', KmsApiError('none', status=404, code='NOT_FOUND'))
    client = ScriptedClient(('LIST', None, [key()]), missing, ('POST', '/keys/t/token-generator', None))
    result = run_module(KmsKey, {'name': 'app', 'token_generator': True}, client)
    assert result['actions'] == ['create token generator'] and result['key']['token_generator'] is True
    again = ScriptedClient(('LIST', None, [key()]), GENERATOR)
    result = run_module(KmsKey, {'name': 'app', 'token_generator': True}, again)
    assert not result['changed'] and again.calls == ['LIST', 'GET /keys/t/token-generator']


def test_discarding_the_token_generator_warns_that_every_token_stops_working_in_check_mode_too():
    client = ScriptedClient(('LIST', None, [key()]), GENERATOR)
    result = run_module(KmsKey, {'name': 'app', 'token_generator': False}, client, check_mode=True)
    assert result['actions'] == ['discard token generator'] and result['key']['token_generator'] is False
    assert 'every token it issued stops working, irreversibly (check mode: it would)' in result['warnings'][0]
    real = ScriptedClient(('LIST', None, [key()]), GENERATOR, ('DELETE', '/keys/t/token-generator', None))
    assert run_module(KmsKey, {'name': 'app', 'token_generator': False}, real)['actions'] == ['discard token generator']


def test_a_new_key_gets_its_token_generator_after_the_create():
    made = key(status='ENABLE')
    client = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []), ('POST', '/keys', made),
                            ('POST', '/keys/t/token-generator', None))
    result = run_module(KmsKey, {'name': 'app', 'token_generator': True}, client)
    assert result['actions'] == ['create key', 'create token generator'] and result['key']['token_generator'] is True


def test_a_name_followed_into_kr_warns_only_when_the_task_changes_that_key():
    kr_key = key(keyTag=KR_TAG, memo='same')
    lists = dict((region, ScriptedClient(('LIST', None, []))) for region in (None, 'JPN'))
    unchanged = run_module(KmsKey, {'name': 'app'}, dict(lists, KR=ScriptedClient(('LIST', None, [kr_key]))))
    assert unchanged['changed'] is False and unchanged['key']['region'] == 'KR' and unchanged['warnings'] == []
    lists = dict((region, ScriptedClient(('LIST', None, []))) for region in (None, 'JPN'))
    kr = ScriptedClient(('LIST', None, [kr_key]), ('GET', '/keys/%s' % KR_TAG, kr_key),
                        ('PUT', '/keys/%s/memo' % KR_TAG, {}))
    changed = run_module(KmsKey, {'name': 'app', 'memo': 'new'}, dict(lists, KR=kr))
    assert changed['actions'] == ['set memo'] and len(changed['warnings']) == 1
    assert 'the KR boundary has it (key_tag %s), so this task uses that key' % KR_TAG in changed['warnings'][0]
