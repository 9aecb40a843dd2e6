# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_migrate: bad input fails before any request; which key moves, and what is refused before a write."""

import pytest

from ansible_collections.ncloud.kms.plugins.modules.kms_key_migrate import KmsKeyMigrate
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError

BAD_INPUT = [
    ({'name': 'bad-x'}, 'missing required arguments: target_region'),
    ({'name': 'bad-x', 'target_region': 'US'}, 'value of target_region must be one of: KR, JPN'),
    ({'name': 'x', 'target_region': 'KR'}, 'name must be 3 to 15 characters long'),
    ({'target_region': 'KR'}, 'one of the following is required: name, key_tag'),
    ({'name': 'bad-x', 'target_region': 'KR', 'site': 'gov'}, 'region KR is not offered on the gov site'),
    ({'name': 'bad-x', 'target_region': 'KR', 'retries': -1}, 'retries must be between 0 and 10'),
    ({'name': 'bad-x', 'target_region': 'KR', 'region': 'KR'}, 'Unsupported parameters'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeyMigrate, args, message)


def boundaries(global_script=(), kr_script=(), jpn_script=()):
    return {None: ScriptedClient(*global_script), 'KR': ScriptedClient(*kr_script), 'JPN': ScriptedClient(*jpn_script)}


def gone(tag):
    return KmsApiError('no key', status=404, method='GET', path='/keys/' + tag)


def test_a_tag_found_nowhere_is_a_get_and_a_confirming_list_in_each_boundary():
    missing = [('GET', '/keys/no-tag', gone('no-tag')), ('LIST', None, [])]
    clients = boundaries(missing, missing, missing)
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'key_tag': 'no-tag', 'target_region': 'KR'}, clients)
    assert 'was not found in the global boundary nor in the KR' in failed.value.result['msg']
    assert [len(c.calls) for c in clients.values()] == [2, 2, 2]


def test_a_key_in_the_other_region_cannot_move():
    clients = boundaries([('LIST', None, [])], [('LIST', None, [])], [('LIST', None, [{'keyName': 'app', 'keyTag': 'j'}])])
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR'}, clients)
    assert 'lives in the JPN isolation boundary (key_tag j)' in failed.value.result['msg']


def test_an_enabled_key_is_refused_before_any_write_without_disable_for_migration():
    clients = boundaries([('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}])], [('LIST', None, [])])
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR'}, clients)
    assert 'disable_for_migration: true' in failed.value.result['msg']
    assert failed.value.result['actions'] == []


def test_disable_for_migration_disables_migrates_and_enables_in_the_target():
    moved = {'keyName': 'app', 'keyTag': 'kr-t', 'status': 'DISABLE'}
    clients = boundaries(
        [('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}]), ('POST', '/keys/t/disable', {}),
         ('POST', '/keys/t/migrate', {'keyTag': 'kr-t'})],
        [('LIST', None, []), ('GET', '/keys/kr-t', moved), ('POST', '/keys/kr-t/enable', {})])
    result = run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR', 'disable_for_migration': True}, clients)
    assert result['actions'] == ['disable', 'migrate to KR', 'enable in KR']
    assert result['key']['region'] == 'KR' and result['key']['status'] == 'ENABLE'


def test_a_failed_migrate_enables_the_global_key_again_and_says_so():
    refused = KmsApiError('refused', status=409, method='POST', path='/keys/t/migrate')
    clients = boundaries(
        [('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}]), ('POST', '/keys/t/disable', {}),
         ('POST', '/keys/t/migrate', refused), ('POST', '/keys/t/enable', {})],
        [('LIST', None, [])])
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR', 'disable_for_migration': True}, clients)
    assert 'has been enabled again, as it was' in failed.value.result['msg']
    assert failed.value.result['actions'] == ['disable', 'enable again']


def test_a_key_already_in_the_target_is_left_alone():
    clients = boundaries([('LIST', None, [])], [('LIST', None, [{'keyName': 'app', 'keyTag': 'kr-t', 'status': 'ENABLE'}])])
    result = run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR'}, clients)
    assert result['changed'] is False and result['key']['key_tag'] == 'kr-t'


def test_a_key_found_nowhere_in_check_mode_is_predicted_as_disabled_migrated_and_enabled():
    clients = boundaries([('LIST', None, [])], [('LIST', None, [])], [('LIST', None, [])])
    result = run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR', 'disable_for_migration': True},
                        clients, check_mode=True)
    assert result['changed'] is True and result['key'] == {}
    assert result['actions'] == ['disable', 'migrate to KR', 'enable in KR']
    assert 'the prediction cannot be exact' in result['warnings'][0]


def test_a_key_found_nowhere_in_check_mode_without_disable_for_migration_fails_as_the_real_run_would():
    clients = boundaries([('LIST', None, [])], [('LIST', None, [])], [('LIST', None, [])])
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'name': 'app', 'target_region': 'KR'}, clients, check_mode=True)
    assert 'a new key is enabled and NCP migrates only disabled keys, so the real run would fail here: set ' \
           'disable_for_migration: true' in failed.value.result['msg']
    assert failed.value.result['actions'] == []


def test_a_kr_tag_is_looked_for_in_kr_only_and_a_jpn_tag_cannot_move():
    kr_tag = 'kr-' + 'c' * 64
    clients = boundaries([], [('GET', '/keys/' + kr_tag, {'keyTag': kr_tag, 'keyName': 'app', 'status': 'DISABLE'})])
    result = run_module(KmsKeyMigrate, {'key_tag': kr_tag, 'target_region': 'KR'}, clients)
    assert result['changed'] is False and result['key']['key_tag'] == kr_tag
    assert [len(client.calls) for client in clients.values()] == [0, 1, 0]
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyMigrate, {'key_tag': kr_tag, 'target_region': 'JPN'}, boundaries())
    assert 'lives in the KR isolation boundary (its tag says so)' in failed.value.result['msg']
