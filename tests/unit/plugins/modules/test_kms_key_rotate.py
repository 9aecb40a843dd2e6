# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_key_rotate: bad input fails before any request; when a key is due; states that cannot rotate."""

import time

import pytest

from ansible_collections.ncloud.kms.plugins.modules.kms_key_rotate import KmsKeyRotate
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

DAY_MS = 24 * 3600 * 1000

BAD_INPUT = [
    ({'name': 'app'}, 'exactly one of max_age and force=true is required'),
    ({'name': 'app', 'max_age': 30, 'force': True}, 'exactly one of max_age and force=true is required'),
    ({'name': 'app', 'max_age': 0}, 'max_age must be between 1 and 3650 days'),
    ({'name': 'app', 'max_age': 3651}, 'max_age must be between 1 and 3650 days'),
    ({'name': '9app', 'force': True}, 'name must start with a letter'),
    ({'force': True}, 'one of the following is required: name, key_tag'),
    ({'name': 'app', 'force': True, 'region': 'EU'}, 'value of region must be one of: global, KR, JPN'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsKeyRotate, args, message)


def versions_made(days_ago, current=2):
    made = int(time.time() * 1000) - days_ago * DAY_MS
    return {'currentVersion': current, 'versionList': [{'version': current, 'status': 'ENABLE', 'rotatedDate': made}]}


@pytest.mark.parametrize('days_ago, due', [(10, False), (31, True)])
def test_a_key_rotates_only_when_its_current_version_is_older_than_max_age(days_ago, due):
    script = [('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}]),
              ('GET', '/keys/t/versions', versions_made(days_ago))]
    if due:
        script.append(('POST', '/keys/t/rotate', {'version': 3, 'rotatedDate': 1}))
    client = ScriptedClient(*script)
    result = run_module(KmsKeyRotate, {'name': 'app', 'max_age': 30}, client)
    assert result['rotated'] is due and result['age_days'] == days_ago
    assert result['current_version'] == (3 if due else 2) and client.script == []


@pytest.mark.parametrize('status, message', [('DISABLE', 'NCP rotates only enabled keys'),
                                             ('REVOKE', 'cannot be rotated: cancel the deletion first')])
def test_a_key_that_cannot_rotate_fails_before_any_write(status, message):
    client = ScriptedClient(('LIST', None, [{'keyName': 'app', 'keyTag': 't', 'status': status}]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsKeyRotate, {'name': 'app', 'force': True}, client)
    assert message in failed.value.result['msg'] and client.calls == ['LIST']


@pytest.mark.parametrize('args, rotated', [({'max_age': 90}, False), ({'force': True}, True)])
def test_a_missing_key_in_check_mode_warns_and_predicts_what_the_real_run_does(args, rotated):
    nowhere = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []))  # global, KR, JPN
    result = run_module(KmsKeyRotate, dict(args, name='app'), nowhere, check_mode=True)
    assert result['rotated'] is rotated and result['changed'] is rotated
    assert result['actions'] == (['rotate'] if rotated else [])
    assert 'was not found in any boundary (global, KR, JPN)' in result['warnings'][0] and nowhere.script == []
    assert ('the prediction cannot be exact' in result['warnings'][0]) is rotated
