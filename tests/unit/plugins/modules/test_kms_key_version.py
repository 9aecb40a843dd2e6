# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_version: bad input fails before any request; which versions change; what can never change."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_key_version import KmsKeyVersion
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'name': 'app'}, 'exactly one of version and keep_enabled is required'),
    ({'name': 'app', 'version': 1, 'enabled': True, 'keep_enabled': 1}, 'exactly one of version and keep_enabled'),
    ({'name': 'app', 'version': 2}, 'enabled is required with version'),
    ({'name': 'app', 'keep_enabled': 1, 'enabled': False}, 'enabled goes with version, not with keep_enabled'),
    ({'name': 'app', 'version': 0, 'enabled': True}, 'version must be 1 or more; got 0'),
    ({'name': 'app', 'keep_enabled': 0}, 'keep_enabled must be 1 or more; got 0'),
    ({'name': 'app', 'keep_enabled': 'all'}, 'keep_enabled'),
    ({'name': '9app', 'keep_enabled': 1}, 'name must start with a letter'),
    ({'keep_enabled': 1}, 'one of the following is required: name, key_tag'),
    ({'name': 'app', 'keep_enabled': 1, 'region': 'EU'}, 'value of region must be one of: global, KR, JPN'),
    ({'key_tag': 'kr-' + 'a' * 64, 'region': 'JPN', 'keep_enabled': 1}, 'kr-'),
    ({'name': 'app', 'keep_enabled': 1, 'check_paths': ['/tmp/work/file/*.ncpkms']},
     'check_paths item /tmp/work/file/*.ncpkms matches no file, so it cannot guard the versions its files use'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeyVersion, args, message)


def listed(status='ENABLE'):
    return ('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': status}])


def versions(*statuses):
    return ('GET', '/keys/t/versions', {
        'currentVersion': len(statuses),
        'versionList': [{'version': n, 'status': s, 'statusDate': 1000 + n, 'rotatedDate': n}
                        for n, s in enumerate(statuses, 1)]})


def answered(version, action):
    return ('POST', '/keys/t/versions/%d/%s' % (version, action),
            {'version': version, 'status': 'ENABLE' if action == 'enable' else 'DISABLE', 'statusDate': 9000})


def test_keep_enabled_1_of_3_disables_the_two_older_versions_in_4_calls_then_2():
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE', 'ENABLE'),
                            answered(1, 'disable'), answered(2, 'disable'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, client)
    assert result['changed'] and result['actions'] == ['disable version 1', 'disable version 2']
    assert [v['status'] for v in result['versions']] == ['DISABLE', 'DISABLE', 'ENABLE']
    assert result['versions'][0]['status_date'] == '1970-01-01T00:00:09.000Z'
    assert result['key']['current_version'] == 3 and len(client.calls) == 4 and client.script == []
    again = ScriptedClient(listed(), versions('DISABLE', 'DISABLE', 'ENABLE'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, again)
    assert not result['changed'] and result['actions'] == [] and len(again.calls) == 2


def test_check_mode_predicts_without_writing_and_the_diff_shows_each_version():
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE', 'ENABLE'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 2, '_ansible_diff': True}, client,
                        check_mode=True)
    assert result['changed'] and result['actions'] == ['disable version 1'] and client.script == []
    assert result['versions'][0] == {'version': 1, 'status': 'DISABLE', 'status_date': None,
                                     'rotated_date': '1970-01-01T00:00:00.001Z'}
    assert result['diff']['before']['versions'] == {'v1': 'ENABLE', 'v2': 'ENABLE', 'v3': 'ENABLE'}
    assert result['diff']['after']['versions'] == {'v1': 'DISABLE', 'v2': 'ENABLE', 'v3': 'ENABLE'}


def test_keep_enabled_enables_nothing():
    client = ScriptedClient(listed(), versions('ENABLE', 'DISABLE', 'ENABLE'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 3}, client)
    assert not result['changed'] and [v['status'] for v in result['versions']] == ['ENABLE', 'DISABLE', 'ENABLE']


@pytest.mark.parametrize('enabled, start, action', [(True, 'DISABLE', 'enable'), (False, 'ENABLE', 'disable')])
def test_one_version_is_enabled_or_disabled(enabled, start, action):
    client = ScriptedClient(listed(), versions(start, 'ENABLE'), answered(1, action))
    result = run_module(KmsKeyVersion, {'name': 'app', 'version': 1, 'enabled': enabled}, client)
    assert result['actions'] == ['%s version 1' % action] and client.script == []
    assert result['versions'][0]['status'] == ('ENABLE' if enabled else 'DISABLE')


@pytest.mark.parametrize('args, message', [
    ({'version': 2, 'enabled': False}, 'version 2 is the current version, which can never be disabled'),
    ({'version': 5, 'enabled': True}, 'the key has no version 5: its versions are 1, 2'),
])
def test_what_can_never_change_fails_after_reading_the_versions_before_any_write(args, message):
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE'))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyVersion, dict(args, name='app'), client)
    assert message in failed.value.result['msg'] and client.calls == ['LIST', 'GET /keys/t/versions']


@pytest.mark.parametrize('status', ['DISABLE', 'REVOKE'])
def test_a_key_that_is_not_enabled_fails_only_when_a_version_would_change(status):
    client = ScriptedClient(listed(status), versions('ENABLE', 'ENABLE'))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, client)
    assert 'NCP enables or disables versions of an enabled key only' in failed.value.result['msg']
    assert failed.value.result['actions'] == []
    unchanged = ScriptedClient(listed(status), versions('DISABLE', 'ENABLE'))
    assert not run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, unchanged)['changed']


def test_a_lost_answer_is_confirmed_by_the_versions_list():
    lost = KmsApiError('no answer', method='POST', path='/keys/t/versions/1/disable', maybe_applied=True)
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE'), ('POST', '/keys/t/versions/1/disable', lost),
                            versions('DISABLE', 'ENABLE'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, client)
    assert result['changed'] and result['actions'] == ['disable version 1'] and client.script == []
    assert result['versions'][0]['status'] == 'DISABLE' and result['versions'][0]['status_date'] is not None


def test_a_lost_answer_that_did_not_take_effect_fails_without_a_change():
    lost = KmsApiError('no answer', method='POST', path='/keys/t/versions/1/disable', maybe_applied=True)
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE'), ('POST', '/keys/t/versions/1/disable', lost),
                            versions('ENABLE', 'ENABLE'))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, client)
    assert failed.value.result['changed'] is False and failed.value.result['actions'] == []


def test_a_missing_key_in_check_mode_warns():
    nowhere = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []))  # global, KR, JPN
    result = run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1}, nowhere, check_mode=True)
    assert not result['changed'] and 'was not found in any boundary (global, KR, JPN)' in result['warnings'][0]


# ---- check_paths: a version a checked file still uses is never disabled ----

def in_use_files(tmp_path):
    """A vars file of this key with a version-1 and a version-3 ciphertext, a file of another key (version 2), a
    plain file with a version-2 ciphertext on a line of its own."""
    (tmp_path / 'app.ncpkms-vars').write_text('ncpkms:\n  key_name: APP\ndb_password: ncpkms:v1:QUJD\nfresh: ncpkms:v3:REVG\n')
    (tmp_path / 'other.ncpkms-vars').write_text('ncpkms:\n  key_name: other\ntoken: ncpkms:v2:R0hJ\n')
    (tmp_path / 'notes.txt').write_text('header\n  ncpkms:v2:SktM\n')
    return [str(tmp_path / '*.ncpkms-vars'), str(tmp_path / 'notes.txt')]


def test_check_paths_refuses_to_disable_a_version_a_file_still_uses_before_any_write(tmp_path):
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE', 'ENABLE'))
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsKeyVersion, {'name': 'app', 'keep_enabled': 1, 'check_paths': in_use_files(tmp_path)}, client)
    message = caught.value.result['msg']
    assert message.startswith('key app (key_tag t): version 1, 2 is still used by 2 ciphertext(s) under check_paths')
    assert '%s (the variable db_password (line 3)), version 1' % (tmp_path / 'app.ncpkms-vars') in message
    assert '%s (line 2), version 2' % (tmp_path / 'notes.txt') in message
    assert 'other.ncpkms-vars' not in message and 'nothing was disabled' in message
    assert client.calls == ['LIST', 'GET /keys/t/versions'] and caught.value.result['actions'] == []


def test_check_paths_lets_a_version_no_checked_file_uses_be_disabled(tmp_path):
    paths = in_use_files(tmp_path)
    (tmp_path / 'notes.txt').write_text('nothing here\n')
    client = ScriptedClient(listed(), versions('ENABLE', 'ENABLE', 'ENABLE'), answered(2, 'disable'))
    result = run_module(KmsKeyVersion, {'name': 'app', 'version': 2, 'enabled': False, 'check_paths': paths}, client)
    assert result['actions'] == ['disable version 2'] and client.script == []
