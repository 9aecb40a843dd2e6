# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_reencrypt: bad input fails before any request; only ciphertexts of older versions are sent, in batches of
100 across files; envelopes get a new data-key line only; a second run sends nothing but the key read."""

import base64

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, seal
from ansible_collections.ncloud.kms.plugins.modules.kms_reencrypt import KmsReencrypt
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'path': ['/nonexistent/secret.ncpkms'], 'key_name': 'app'}, 'path /nonexistent/secret.ncpkms is neither a file'),
    ({'path': ['/etc/hostname']}, 'one of the following is required: key_name, key_tag'),
    ({'key_name': 'app'}, 'missing required arguments: path'),
    ({'path': ['/etc/hostname'], 'key_name': 'app', 'context': 'c' * 51}, 'context must be at most 50 bytes'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsReencrypt, args, message)


KEY = {'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE', 'keyType': 'AES256', 'currentVersion': 3}


def sealed(version, text):
    return 'ncpkms:v%d:%s' % (version, base64.b64encode(text.encode()).decode())


def renewed(body):
    items = body['ciphertext'] if isinstance(body['ciphertext'], list) else [body['ciphertext']]
    return [sealed(3, base64.b64decode(c.split(':', 2)[2]).decode()) for c in items]


class RenewingClient(ScriptedClient):
    """GET /keys/t answers KEY; re-encrypt answers each ciphertext at version 3."""

    def request(self, method, path, query=None, body=None, idempotent=True):
        self.calls.append('%s %s' % (method, path))
        self.bodies.append(body)
        if path == '/keys/t':
            return dict(KEY)
        assert path == '/keys/t/re-encrypt', path
        answer = renewed(body)
        return {'newCiphertext': answer if isinstance(body['ciphertext'], list) else answer[0]}


def test_older_ciphertexts_in_files_are_renewed_in_batches_and_a_second_run_sends_nothing(tmp_path):
    secrets = tmp_path / 'group_vars' / 'all'
    secrets.mkdir(parents=True)
    vars_file = secrets / 'db.ncpkms-vars'
    lines = ['db_password: %s' % sealed(1, 'pw'), 'api_token: %s' % sealed(2, 'tok'), 'fresh: %s' % sealed(3, 'new'),
             'again: %s' % sealed(1, 'pw')]
    vars_file.write_text('\n'.join(lines) + '\n')
    vars_file.chmod(0o640)
    many = tmp_path / 'many.txt'
    many.write_text('\n'.join(sealed(1, 'item %d' % n) for n in range(120)) + '\n')
    big = tmp_path / 'big.ncpkms'
    with open(str(big), 'wb') as out:
        seal(b'x' * 70000, b'k' * 32, sealed(2, 'data key'), out)
    body_before = big.read_text().split('\n\n', 1)[1]
    args = {'path': [str(tmp_path / 'group_vars' / '**' / '*.ncpkms-vars'), str(many), str(big)], 'key_tag': 't'}

    result = run_module(KmsReencrypt, args, RenewingClient(), check_mode=True)
    assert result['changed'] and result['renewed'] == 123 and result['by_version'] == {'1': 121, '2': 2}
    assert result['current'] == 1 and vars_file.read_text() == '\n'.join(lines) + '\n'

    client = RenewingClient()
    result = run_module(KmsReencrypt, args, client)
    assert client.calls == ['GET /keys/t', 'POST /keys/t/re-encrypt', 'POST /keys/t/re-encrypt']
    assert [len(body['ciphertext']) for body in client.bodies[1:]] == [100, 23]
    assert result['actions'] == ['rewrite %s' % p for p in (vars_file, many, big)]
    assert vars_file.read_text() == '\n'.join(['db_password: %s' % sealed(3, 'pw'), 'api_token: %s' % sealed(3, 'tok'),
                                               'fresh: %s' % sealed(3, 'new'), 'again: %s' % sealed(3, 'pw')]) + '\n'
    assert oct(vars_file.stat().st_mode & 0o777) == '0o640'
    assert Envelope(str(big)).wrapped_key == sealed(3, 'data key') and big.read_text().split('\n\n', 1)[1] == body_before

    client = RenewingClient()
    result = run_module(KmsReencrypt, args, client)
    assert result['changed'] is False and result['renewed'] == 0 and client.calls == ['GET /keys/t']


def test_1000_ciphertexts_take_10_calls(tmp_path):
    secrets = tmp_path / 'secrets.txt'
    secrets.write_text('\n'.join('s%d: %s' % (n, sealed(1 + n % 2, 'item %d' % n)) for n in range(1000)) + '\n')
    client = RenewingClient()
    result = run_module(KmsReencrypt, {'path': [str(secrets)], 'key_tag': 't'}, client)
    assert result['renewed'] == 1000 and result['by_version'] == {'1': 500, '2': 500}
    assert client.calls.count('POST /keys/t/re-encrypt') == 10 and secrets.read_text().count('ncpkms:v3:') == 1000
