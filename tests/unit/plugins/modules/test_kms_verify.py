# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_verify: bad input fails before any request; an invalid signature fails unless fail_on_invalid is false; with
public_key_only the check is local, against the public key of the signature's version (read once)."""

import base64

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.modules.kms_verify import KmsVerify
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

SIGNATURE = 'ncpkms:v2:' + base64.b64encode(b'signature bytes').decode()

BAD_INPUT = [
    ({'content': 'x', 'key_name': 'sig'}, 'one of the following is required: signature, signature_src'),
    ({'content': 'x', 'signature': SIGNATURE, 'signature_src': '/etc/hostname', 'key_name': 'sig'},
     'mutually exclusive: signature|signature_src'),
    ({'content': 'x', 'signature': 'not a signature', 'key_name': 'sig'}, 'signature holds no NCP signature'),
    ({'content': 'x', 'signature': SIGNATURE[:-1], 'key_name': 'sig'}, 'signature holds no NCP signature'),
    ({'content': 'x', 'signature_src': '/nonexistent/sig', 'key_name': 'sig'}, 'signature_src must name a file'),
    ({'src': '/nonexistent/file', 'signature': SIGNATURE, 'key_name': 'sig'}, 'src must name a file'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsVerify, args, message)


KEY = {'keyName': 'sig', 'keyTag': 't', 'status': 'ENABLE', 'keyType': 'RSA2048'}


def test_a_valid_signature_passes_and_changes_nothing(tmp_path):
    sig = tmp_path / 'a.sig'
    sig.write_text(SIGNATURE + '\n')
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', {'valid': True}))
    result = run_module(KmsVerify, {'content': 'release', 'signature_src': str(sig), 'key_name': 'sig'}, client)
    assert result['valid'] is True and result['changed'] is False and result['key_version'] == 2
    assert result['verified_by'] == 'ncp' and client.bodies[1]['signature'] == SIGNATURE


def test_an_invalid_signature_fails_unless_told_not_to():
    args = {'content': 'release', 'signature': SIGNATURE, 'key_name': 'sig'}
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsVerify, args, ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', {'valid': False})))
    assert 'the signature given as signature does not verify for the content given' in failed.value.result['msg']
    assert 'version 2' in failed.value.result['msg']
    result = run_module(KmsVerify, dict(args, fail_on_invalid=False),
                        ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', {'valid': False})))
    assert result['valid'] is False and result['changed'] is False


def test_a_disabled_signing_version_is_invalid_when_failing_is_off():
    disabled = KmsApiError('Invalid status', status=422, method='POST', path='/keys/t/verify')
    result = run_module(KmsVerify, {'content': 'r', 'signature': SIGNATURE, 'key_name': 'sig', 'fail_on_invalid': False},
                        ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/verify', disabled)))
    assert result['valid'] is False and 'cannot verify' in result['warnings'][0]


def sign_locally(data):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = private.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    public = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return 'ncpkms:v3:' + base64.b64encode(signature).decode(), public.decode()


def test_public_key_only_checks_locally_with_the_versions_public_key_read_once():
    signature, public = sign_locally(b'release')
    client = ScriptedClient(('LIST', None, [KEY]), ('POST', '/keys/t/get-pub-key', {'publicKey': public}))
    args = {'content': 'release', 'signature': signature, 'key_name': 'sig', 'public_key_only': True}
    result = run_module(KmsVerify, args, client)
    assert result['valid'] is True and result['verified_by'] == 'public key'
    assert client.calls == ['LIST', 'POST /keys/t/get-pub-key'] and client.bodies[1] == {'keyVersion': 3}
    client = ScriptedClient(('LIST', None, [KEY]))   # the same process: the public key is not read again
    result = run_module(KmsVerify, dict(args, content='tampered', fail_on_invalid=False), client)
    assert result['valid'] is False and client.calls == ['LIST']


def test_in_check_mode_a_signature_file_an_earlier_task_would_write_warns_and_reports_null(tmp_path):
    from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient as NoCalls
    args = {'content': 'release 1.0', 'signature_src': str(tmp_path / 'release.sig'), 'key_name': 'sig'}
    client = NoCalls()
    result = run_module(KmsVerify, args, client, check_mode=True)
    assert result['valid'] is None and result['changed'] is False and client.calls == []
    assert 'signature_src %s does not exist. In check mode this is expected when an earlier task of this run would ' \
           'write it' % (tmp_path / 'release.sig') in result['warnings'][0]
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsVerify, args, NoCalls())
    assert caught.value.result['msg'] == 'signature_src must name a file; %s is not one' % (tmp_path / 'release.sig')
