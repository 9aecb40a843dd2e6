# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_token: bad input fails before any request; a generator is created or replaced only when asked."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_key_token import KmsKeyToken
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'name': 'app', 'access_token_hours': '0'}, 'access_token_hours must be a number of hours from 1 to 17520, or '
                                                 "unlimited; got '0'"),
    ({'name': 'app', 'refresh_token_hours': '17521'}, 'refresh_token_hours must be a number of hours from 1 to 17520'),
    ({'name': 'app', 'access_token_hours': 'forever'}, "or unlimited; got 'forever'"),
    ({'name': 'app', 'access_token_hours': '-1'}, 'access_token_hours must be a number of hours'),
    ({'name': 'app', 'access_token_hours': True}, 'access_token_hours must be a number of hours'),
    ({'name': 'app', 'refresh_token_hours': 0}, "refresh_token_hours must be a number of hours from 1 to 17520, or "
                                                "unlimited; got 0"),
    ({'name': 'app', 'rotate_generator': True},
     'rotate_generator: true replaces the token generator, which voids every token it issued, irreversibly: add force: '
     'true to confirm'),
    ({'name': '1app'}, 'name must start with a letter'),
    ({}, 'one of the following is required: name, key_tag'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeyToken, args, message)


def listed(status='ENABLE'):
    return ('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': status}])


GENERATOR = ('GET', '/keys/t/token-generator',
             {'tokenGeneratorId': 7, 'status': 'ACTIVE', 'enabledDate': 0, 'disabledDate': None, 'issuedTokenCount': 2})
NO_GENERATOR = ('GET', '/keys/t/token-generator', KmsApiError('no generator', status=404, code='NOT_FOUND'))
TOKENS = ('POST', '/keys/t/token-set', {'accessToken': 'ACCESS', 'refreshToken': 'REFRESH'})


def test_a_token_set_is_issued_with_the_hours_asked_and_always_reports_a_change():
    client = ScriptedClient(listed(), GENERATOR, TOKENS)
    result = run_module(KmsKeyToken, {'name': 'app', 'access_token_hours': 24, 'refresh_token_hours': 'Unlimited'},
                        client)
    assert result['changed'] and result['actions'] == ['issue token set']
    assert (result['access_token'], result['refresh_token']) == ('ACCESS', 'REFRESH')
    assert client.bodies[-1] == {'accessTokenHours': 24, 'refreshTokenHours': 'UL'}
    assert (result['access_token_hours'], result['refresh_token_hours']) == ('24', 'unlimited')
    assert result['generator'] == {'id': '7', 'created': '1970-01-01T00:00:00.000Z', 'issued_tokens': 2}


def test_unset_hours_leave_ncp_defaults_and_check_mode_issues_nothing():
    client = ScriptedClient(listed(), GENERATOR)
    result = run_module(KmsKeyToken, {'name': 'app'}, client, check_mode=True)
    assert result['changed'] and result['actions'] == ['issue token set'] and result['access_token'] is None
    assert (result['access_token_hours'], result['refresh_token_hours']) == ('72', '2160') and client.script == []


def test_a_missing_generator_fails_before_any_write_unless_create_generator():
    client = ScriptedClient(listed(), NO_GENERATOR)
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyToken, {'name': 'app'}, client)
    assert 'has no token generator: give create_generator: true' in failed.value.result['msg']
    creating = ScriptedClient(listed(), NO_GENERATOR, ('POST', '/keys/t/token-generator', None), TOKENS)
    result = run_module(KmsKeyToken, {'name': 'app', 'create_generator': True}, creating)
    assert result['actions'] == ['create token generator', 'issue token set'] and creating.script == []


def test_rotate_generator_replaces_it_first_and_warns():
    client = ScriptedClient(listed(), GENERATOR, ('PUT', '/keys/t/token-generator', None), TOKENS)
    result = run_module(KmsKeyToken, {'name': 'app', 'rotate_generator': True, 'force': True}, client)
    assert result['actions'] == ['replace token generator', 'issue token set']
    assert 'every token it issued before stops working' in result['warnings'][0]


def test_a_key_that_is_not_enabled_fails_before_any_write():
    client = ScriptedClient(listed('DISABLE'), GENERATOR)
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyToken, {'name': 'app'}, client)
    assert 'NCP issues tokens for an enabled key only' in failed.value.result['msg'] and failed.value.result['actions'] == []


def test_a_lost_token_set_answer_is_never_sent_again_and_fails_saying_so():
    lost = KmsApiError('no answer', method='POST', path='/keys/t/token-set', maybe_applied=True)
    client = ScriptedClient(listed(), GENERATOR, ('POST', '/keys/t/token-set', lost))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyToken, {'name': 'app'}, client)
    assert 'its tokens never arrived' in failed.value.result['msg'] and client.calls.count('POST /keys/t/token-set') == 1


def test_a_lost_replace_answer_is_confirmed_by_a_new_generator_id():
    lost = KmsApiError('no answer', method='PUT', path='/keys/t/token-generator', maybe_applied=True)
    new = ('GET', '/keys/t/token-generator', {'tokenGeneratorId': 8, 'status': 'ACTIVE', 'issuedTokenCount': 0})
    client = ScriptedClient(listed(), GENERATOR, ('PUT', '/keys/t/token-generator', lost), new, TOKENS)
    result = run_module(KmsKeyToken, {'name': 'app', 'rotate_generator': True, 'force': True}, client)
    assert result['actions'] == ['replace token generator', 'issue token set'] and client.script == []
    unchanged = ScriptedClient(listed(), GENERATOR, ('PUT', '/keys/t/token-generator', lost), GENERATOR)
    with pytest.raises(ModuleFailed):
        run_module(KmsKeyToken, {'name': 'app', 'rotate_generator': True, 'force': True}, unchanged)
