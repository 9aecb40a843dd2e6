# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_encrypt: bad input fails before any request; dest is written only when it does not hold the content."""

import base64

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils import crypto
from ansible_collections.ncloud.kms.plugins.modules.kms_encrypt import KmsEncrypt
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'key_name': 'app'}, 'one of the following is required: content, src'),
    ({'content': 'x'}, 'one of the following is required: key_name, key_tag'),
    ({'content': 'x', 'src': '/etc/hostname', 'key_name': 'app'}, 'mutually exclusive: content|src'),
    ({'content': 'x', 'key_name': 'ap'}, 'key_name must be 3 to 15 characters long'),
    ({'content': 'x' * (32 * 1024 + 1), 'key_name': 'app'}, 'is encrypted into an envelope file: give dest'),
    ({'content': 'x', 'key_name': 'app', 'envelope': True}, 'is encrypted into an envelope file: give dest'),
    ({'content': 'x' * (32 * 1024 + 1), 'key_name': 'app', 'envelope': False, 'dest': '/tmp/x'},
     'the content to encrypt must be at most 32768 bytes (32 KB) with envelope: false; content has 32769'),
    ({'content': 'x', 'key_name': 'app', 'context': 'c' * 51}, 'context must be at most 50 bytes'),
    ({'src': '/nonexistent/file', 'key_name': 'app'}, 'src must name a file; /nonexistent/file is not one'),
    ({'content': '', 'key_name': 'app'}, 'content is empty: NCP encrypts at least one byte'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsEncrypt, args, message)


KEY = {'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE', 'keyType': 'AES256'}
SEALED = 'ncpkms:v1:' + base64.b64encode(b'sealed').decode()


def test_a_dest_that_holds_the_content_is_not_written(tmp_path):
    dest = tmp_path / 'secret.ncpkms'
    dest.write_text(SEALED + '\n')
    client = ScriptedClient(('LIST', None, [KEY]),
                            ('POST', '/keys/t/decrypt', {'plaintext': base64.b64encode(b'hello').decode()}))
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest)}, client)
    assert result['changed'] is False and result['ciphertext'] == SEALED and result['actions'] == []


def test_a_new_dest_is_written_outside_check_mode_only(tmp_path):
    dest = tmp_path / 'secret.ncpkms'
    client = ScriptedClient(('LIST', None, [KEY]))
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest)}, client, check_mode=True)
    assert result['changed'] is True and result['actions'] == ['write dest'] and not dest.exists()
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/encrypt', {'ciphertext': SEALED}))
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest)}, client)
    assert result['actions'] == ['write dest'] and dest.read_text() == SEALED + '\n'


def test_a_new_dest_given_as_a_relative_path_is_written(tmp_path, monkeypatch):
    # ansible-core's atomic_move, creating a file, reads the mode of dirname(dest): '' for a relative dest, which the
    # module turns into an absolute path (the tutorial's steps found it: the file was written, the task failed).
    monkeypatch.chdir(tmp_path)
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/encrypt', {'ciphertext': SEALED}))
    result = run_module(KmsEncrypt, {'key_name': 'app', 'content': 'pw', 'dest': 'pw.ncpkms'}, client)
    assert result['changed'] and (tmp_path / 'pw.ncpkms').read_text() == SEALED + '\n'


def test_a_disabled_key_fails_before_encrypting():
    client = ScriptedClient(('LIST', None, [dict(KEY, status='DISABLE')]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app'}, client)
    assert 'is disabled' in failed.value.result['msg'] and client.calls == ['LIST']


@pytest.mark.parametrize('held', ['plain text, not a ciphertext', SEALED[:-2], 'ncpkms:v1:' + base64.b64encode(b'x' * 40).decode()])
def test_a_dest_without_this_keys_ciphertext_is_kept_unless_force(tmp_path, held):
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    dest = tmp_path / 'secret.ncpkms'
    dest.write_text(held + '\n')
    refused = KmsApiError('decryption failed', status=400, method='POST', path='/keys/t/decrypt')
    decrypt_answers = [] if held.startswith('plain') or held == SEALED[:-2] else [('POST', '/keys/t/decrypt', refused)]
    client = ScriptedClient(('LIST', None, [KEY]), *decrypt_answers)
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest)}, client, check_mode=True)
    assert 'dest %s ' % dest in failed.value.result['msg'] and 'unless force: true' in failed.value.result['msg']
    assert held not in failed.value.result['msg'] and dest.read_text() == held + '\n'
    client = ScriptedClient(('LIST', None, [KEY]), *(decrypt_answers + [('POST', '/keys/t/encrypt', {'ciphertext': SEALED})]))
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest), 'force': True}, client)
    assert result['actions'] == ['write dest'] and dest.read_text() == SEALED + '\n'


def test_a_missing_key_in_check_mode_predicts_the_dest_write(tmp_path):
    dest = tmp_path / 'secret.ncpkms'
    nowhere = ScriptedClient(('LIST', None, []), ('LIST', None, []), ('LIST', None, []))  # global, KR, JPN
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'dest': str(dest)}, nowhere, check_mode=True)
    assert result['changed'] is True and result['actions'] == ['write dest'] and not dest.exists()
    assert 'no key named app in any boundary (global, KR, JPN)' in result['warnings'][0]
    result = run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app', 'region': 'global'},
                        ScriptedClient(('LIST', None, [])), check_mode=True)
    assert result['changed'] is False and result['actions'] == []


def test_a_convergent_key_without_context_fails_before_sending_the_content():
    client = ScriptedClient(('LIST', None, [dict(KEY, isConvergent=True)]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsEncrypt, {'content': 'hello', 'key_name': 'app'}, client)
    assert 'is convergent' in failed.value.result['msg'] and client.calls == ['LIST']


DATA_KEY = b'd' * 32
WRAPPED = 'ncpkms:v2:' + base64.b64encode(b'wrapped data key').decode()


def data_key_answers(times=1):
    return [('POST', '/keys/t/create-custom-key', {'plaintext': base64.b64encode(DATA_KEY).decode(),
                                                   'ciphertext': WRAPPED, 'key_version': 2})] * times


def opened_data_key():
    return ('POST', '/keys/t/decrypt', {'plaintext': base64.b64encode(DATA_KEY).decode()})


def test_content_over_32_kb_goes_into_an_envelope_that_re_runs_leave_alone(tmp_path):
    from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, is_envelope
    src = tmp_path / 'keystore.p12'
    src.write_bytes(b'\x07' * (40 * 1024))
    dest = tmp_path / 'keystore.p12.ncpkms'
    args = {'src': str(src), 'key_name': 'app', 'dest': str(dest), 'mode': '0600'}
    result = run_module(KmsEncrypt, args, ScriptedClient(('LIST', None, [KEY])), check_mode=True)
    assert result['changed'] and result['envelope'] and not dest.exists()
    client = ScriptedClient(('LIST', None, [KEY]), *data_key_answers())
    result = run_module(KmsEncrypt, args, client)
    assert result['changed'] and result['envelope'] and result['key_version'] == 2 and 'ciphertext' not in result
    assert client.bodies[1] == {'requestPlainKey': True, 'bits': 256}
    assert is_envelope(dest.read_bytes()) and Envelope(str(dest)).wrapped_key == WRAPPED
    assert base64.b64encode(DATA_KEY).decode() not in dest.read_text() and oct(dest.stat().st_mode & 0o777) == '0o600'
    client = ScriptedClient(('LIST', None, [KEY]), opened_data_key())
    result = run_module(KmsEncrypt, args, client)
    assert result['changed'] is False and client.bodies[1] == {'ciphertext': WRAPPED}
    crypto._DECRYPTED.clear()
    src.write_bytes(b'\x08' * (40 * 1024))
    client = ScriptedClient(('LIST', None, [KEY]), opened_data_key(), *data_key_answers())
    assert run_module(KmsEncrypt, args, client)['changed'] is True


def test_an_envelope_another_key_wrapped_is_kept_unless_force(tmp_path):
    from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
    from ansible_collections.ncloud.kms.plugins.module_utils.envelope import seal
    dest = tmp_path / 'data.ncpkms'
    with open(str(dest), 'wb') as out:
        seal(b'old', DATA_KEY, WRAPPED, out)
    refused = KmsApiError('decryption failed', status=400, method='POST', path='/keys/t/decrypt')
    args = {'content': 'new', 'key_name': 'app', 'dest': str(dest), 'envelope': True}
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsEncrypt, args, ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/decrypt', refused)))
    assert 'holds an envelope that key app' in failed.value.result['msg'] and 'force: true' in failed.value.result['msg']
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/decrypt', refused), *data_key_answers())
    assert run_module(KmsEncrypt, dict(args, force=True), client)['changed'] is True


def test_an_empty_src_fails_before_any_request(tmp_path):
    empty = tmp_path / 'empty.txt'
    empty.write_bytes(b'')
    assert_fails_before_any_request(KmsEncrypt, {'src': str(empty), 'key_name': 'app', 'dest': str(tmp_path / 'x')},
                                    'src %s is empty: NCP encrypts at least one byte' % empty)
