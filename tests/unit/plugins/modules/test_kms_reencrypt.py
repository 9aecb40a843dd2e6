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
    ({'path': ['/nonexistent/secret.ncpkms'], 'key_name': 'app'}, 'path /nonexistent/secret.ncpkms matches no file'),
    ({'path': ['/etc/hostname', '/tmp/work/file/*.ncpkms'], 'key_name': 'app'},
     'path /tmp/work/file/*.ncpkms matches no file (no file, folder with files, or pattern match): nothing under it '
     'can be renewed; fix the entry, or set allow_unmatched: true'),
    ({'path': ['/etc/hostname']}, 'one of the following is required: key_name, key_tag'),
    ({'key_name': 'app'}, 'missing required arguments: path'),
    ({'path': ['/etc/hostname'], 'key_name': 'app', 'context': 'c' * 51}, 'context must be at most 50 bytes'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsReencrypt, args, message)


def test_an_unmatched_entry_is_a_warning_with_allow_unmatched_or_in_check_mode(tmp_path):
    ciphertext_file = tmp_path / 'one.ncpkms'
    ciphertext_file.write_text(sealed(3, 'pw') + '\n')
    args = {'path': [str(ciphertext_file), str(tmp_path / 'typo' / '*.ncpkms')], 'key_tag': 't'}
    for extra, check_mode in (({'allow_unmatched': True}, False), ({}, True)):
        client = RenewingClient()
        result = run_module(KmsReencrypt, dict(args, **extra), client, check_mode=check_mode)
        assert not result.get('failed') and client.calls == ['GET /keys/t'] and result['current'] == 1
        assert any('typo/*.ncpkms matches no file' in warning for warning in result['warnings'])


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


class TwoKeysClient(ScriptedClient):
    """Keys t (version 3) and o (version 5); re-encrypt answers each ciphertext at the key's version, and refuses a
    ciphertext sealed with the text 'foreign' (another key's, say)."""

    KEYS = {'t': dict(KEY), 'o': dict(KEY, keyName='other', keyTag='o', currentVersion=5)}

    def request(self, method, path, query=None, body=None, idempotent=True):
        from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
        self.calls.append('%s %s' % (method, path))
        self.bodies.append(body)
        tag = path.split('/')[2]
        if path == '/keys/%s' % tag:
            return dict(self.KEYS[tag])
        items = body['ciphertext'] if isinstance(body['ciphertext'], list) else [body['ciphertext']]
        texts = [base64.b64decode(c.split(':', 2)[2]).decode() for c in items]
        if 'foreign' in texts:
            raise KmsApiError('decryption failed: the ciphertext does not match this key, version and context',
                              status=400, code='INVALID_REQUEST', method=method, path=path)
        answer = [sealed(self.KEYS[tag]['currentVersion'], text) for text in texts]
        return {'newCiphertext': answer if isinstance(body['ciphertext'], list) else answer[0]}


def two_key_files(tmp_path, foreign=False):
    web, db = tmp_path / 'group_vars' / 'web', tmp_path / 'group_vars' / 'db'
    web.mkdir(parents=True)
    db.mkdir(parents=True)
    (web / 'app.ncpkms-vars').write_text('ncpkms:\n  context: app=web\ndb_password: %s\ntoken: %s\n'
                                         % (sealed(1, 'web-pw'), sealed(2, 'web-token')))
    (web / 'plain.ncpkms-vars').write_text('shared: %s\n' % sealed(1, 'foreign' if foreign else 'shared'))
    (db / 'db.ncpkms-vars').write_text('ncpkms:\n  key_tag: o\n  context: app=db\nroot: %s\n' % sealed(4, 'db-root'))
    return {'path': [str(tmp_path / 'group_vars' / '**' / '*.ncpkms-vars')], 'key_tag': 't'}


def test_files_of_two_contexts_and_two_keys_renew_in_one_task_then_nothing(tmp_path):
    args = two_key_files(tmp_path)
    client = TwoKeysClient()
    result = run_module(KmsReencrypt, args, client)
    web_context, db_context = (base64.b64encode(text).decode() for text in (b'app=web', b'app=db'))
    # the task's key and context, then each key and context the files name (in the order of the files): one read
    # per key and one call per key and context
    assert client.calls == ['GET /keys/t', 'POST /keys/t/re-encrypt', 'GET /keys/o', 'POST /keys/o/re-encrypt',
                            'POST /keys/t/re-encrypt']
    assert [body.get('context') for body in client.bodies if body] == [None, db_context, web_context]
    assert [body['ciphertext'] for body in client.bodies if body] == [
        sealed(1, 'shared'), sealed(4, 'db-root'), [sealed(1, 'web-pw'), sealed(2, 'web-token')]]
    assert result['renewed'] == 4 and result['by_version'] == {'1': 2, '2': 1, '4': 1}
    assert [(k['key_tag'], k['key_version'], k['context'], k['renewed']) for k in result['by_key']] == [
        ('t', 3, False, 1), ('o', 5, True, 1), ('t', 3, True, 2)]
    assert 'root: %s' % sealed(5, 'db-root') in (tmp_path / 'group_vars' / 'db' / 'db.ncpkms-vars').read_text()
    assert 'token: %s' % sealed(3, 'web-token') in (tmp_path / 'group_vars' / 'web' / 'app.ncpkms-vars').read_text()
    assert [(f['path'].split('group_vars/')[1], f['own_key'], f['renewed']) for f in result['files']] == [
        ('db/db.ncpkms-vars', True, 1), ('web/app.ncpkms-vars', True, 2), ('web/plain.ncpkms-vars', False, 1)]

    client = TwoKeysClient()
    again = run_module(KmsReencrypt, args, client)
    assert again['changed'] is False and again['renewed'] == 0 and again['current'] == 4
    assert client.calls == ['GET /keys/t', 'GET /keys/o']


def test_a_ciphertext_that_does_not_re_encrypt_is_named_by_file_and_variable_and_nothing_is_written(tmp_path):
    from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import ModuleFailed
    args = two_key_files(tmp_path, foreign=True)
    before = dict((path, path.read_text()) for path in (tmp_path / 'group_vars').rglob('*.ncpkms-vars'))
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsReencrypt, args, TwoKeysClient())
    message = caught.value.result['msg']
    assert message.startswith('%s: the variable shared (line 1) does not re-encrypt with key app: '
                              % (tmp_path / 'group_vars' / 'web' / 'plain.ncpkms-vars'))
    assert sealed(1, 'foreign') not in message
    assert dict((path, path.read_text()) for path in before) == before


def test_check_mode_after_a_predicted_rotation_counts_what_the_rotation_would_make_stale(tmp_path):
    secrets = tmp_path / 'secrets.txt'
    secrets.write_text('a: %s\nb: %s\n' % (sealed(3, 'a'), sealed(2, 'b')))
    args = {'path': [str(secrets)], 'key_tag': 't', 'current_version': 4}
    client = RenewingClient()
    result = run_module(KmsReencrypt, args, client, check_mode=True)
    assert result['changed'] and result['renewed'] == 2 and result['key_version'] == 4
    assert client.calls == ['GET /keys/t']
    assert 'is at version 3; this task counts as stale every ciphertext older than version 4' in result['warnings'][0]


def test_a_current_version_the_key_is_not_at_fails_outside_check_mode(tmp_path):
    from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import ModuleFailed
    secrets = tmp_path / 'secrets.txt'
    secrets.write_text('a: %s\n' % sealed(2, 'a'))
    client = RenewingClient()
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsReencrypt, {'path': [str(secrets)], 'key_tag': 't', 'current_version': 4}, client)
    assert 'current_version is 4 but key app is at version 3: nothing was renewed' in caught.value.result['msg']
    assert client.calls == ['GET /keys/t'] and 'ncpkms:v2:' in secrets.read_text()
