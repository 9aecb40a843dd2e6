# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_sign: bad input fails before any request; input over 8 KB is signed by its digest; dest is rewritten only
when the signature it holds no longer verifies."""

import base64
import hashlib

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_sign import KmsSign
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'key_name': 'sig'}, 'one of the following is required: content, src'),
    ({'content': 'x'}, 'one of the following is required: key_name, key_tag'),
    ({'content': 'x', 'src': '/etc/hostname', 'key_name': 'sig'}, 'mutually exclusive: content|src'),
    ({'content': 'x', 'key_name': 's'}, 'key_name must be 3 to 15 characters long'),
    ({'src': '/nonexistent/file', 'key_name': 'sig'}, 'src must name a file; /nonexistent/file is not one'),
    ({'content': 'x', 'key_tag': 'kr-' + 'a' * 64, 'region': 'JPN'}, 'region JPN contradicts key_tag'),
    ({'content': '', 'key_name': 'sig'}, 'content is empty: NCP signs at least one byte'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsSign, args, message)


KEY = {'keyName': 'sig', 'keyTag': 't', 'status': 'ENABLE', 'keyType': 'ECDSA'}
SIGNATURE = 'ncpkms:v2:' + base64.b64encode(b'signature bytes').decode()


def test_content_is_signed_as_it_is_up_to_8_kb_and_by_its_digest_above():
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/sign', {'signature': SIGNATURE}))
    result = run_module(KmsSign, {'content': 'x' * 8192, 'key_name': 'sig'}, client)
    assert client.bodies[1] == {'data': base64.b64encode(b'x' * 8192).decode()}
    assert result['signature'] == SIGNATURE and result['key_version'] == 2 and result['digest_signed'] is False
    assert result['changed'] is False
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/sign', {'signature': SIGNATURE}))
    result = run_module(KmsSign, {'content': 'x' * 8193, 'key_name': 'sig'}, client)
    assert client.bodies[1] == {'data': base64.b64encode(hashlib.sha256(b'x' * 8193).digest()).decode()}
    assert result['digest_signed'] is True


def test_a_large_file_is_hashed_in_chunks(tmp_path):
    src = tmp_path / 'artifact.bin'
    src.write_bytes(b'\x01' * (3 * 1024 * 1024 + 5))
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/sign', {'signature': SIGNATURE}))
    run_module(KmsSign, {'src': str(src), 'key_name': 'sig'}, client)
    assert client.bodies[1]['data'] == base64.b64encode(hashlib.sha256(src.read_bytes()).digest()).decode()


def test_a_dest_whose_signature_verifies_is_not_written(tmp_path):
    dest = tmp_path / 'artifact.sig'
    dest.write_text(SIGNATURE + '\n')
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', {'valid': True}))
    result = run_module(KmsSign, {'content': 'release', 'key_name': 'sig', 'dest': str(dest)}, client)
    assert result['changed'] is False and result['actions'] == [] and result['signature'] == SIGNATURE
    assert client.bodies[1] == {'data': base64.b64encode(b'release').decode(), 'signature': SIGNATURE}


@pytest.mark.parametrize('verify_answer', [{'valid': False},
                                           KmsApiError('Invalid status', status=422, method='POST', path='/keys/t/verify')])
def test_a_dest_that_no_longer_verifies_is_signed_again(tmp_path, verify_answer):
    dest = tmp_path / 'artifact.sig'
    dest.write_text(SIGNATURE + '\n')
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', verify_answer))
    result = run_module(KmsSign, {'content': 'release 2', 'key_name': 'sig', 'dest': str(dest)}, client, check_mode=True)
    assert result['changed'] is True and result['actions'] == ['write dest'] and dest.read_text() == SIGNATURE + '\n'
    assert client.calls == ['LIST', 'POST /keys/t/verify']   # check mode signs nothing
    renewed = 'ncpkms:v3:' + base64.b64encode(b'new').decode()
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', verify_answer),
                            ('POST', '/keys/t/sign', {'signature': renewed}))
    result = run_module(KmsSign, {'content': 'release 2', 'key_name': 'sig', 'dest': str(dest), 'mode': '0644'}, client)
    assert result['changed'] is True and dest.read_text() == renewed + '\n' and result['key_version'] == 3
    assert oct(dest.stat().st_mode & 0o777) == '0o644'


def test_a_dest_without_a_signature_is_kept_unless_force(tmp_path):
    dest = tmp_path / 'artifact.sig'
    dest.write_text('-----BEGIN PGP SIGNATURE-----\n')
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsSign, {'content': 'release', 'key_name': 'sig', 'dest': str(dest)}, ScriptedClient(('LIST', None, [KEY])))
    assert 'holds no NCP signature' in failed.value.result['msg'] and 'force: true' in failed.value.result['msg']
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/sign', {'signature': SIGNATURE}))
    run_module(KmsSign, {'content': 'release', 'key_name': 'sig', 'dest': str(dest), 'force': True}, client)
    assert dest.read_text() == SIGNATURE + '\n'


@pytest.mark.parametrize('key, said', [(dict(KEY, keyType='AES256'), 'cannot sign'),
                                       (dict(KEY, status='DISABLE'), 'is disabled')])
def test_a_key_that_cannot_sign_fails_before_signing(key, said):
    client = ScriptedClient(('LIST', None, [key]))
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsSign, {'content': 'release', 'key_name': 'sig'}, client)
    assert said in failed.value.result['msg'] and client.calls == ['LIST']
