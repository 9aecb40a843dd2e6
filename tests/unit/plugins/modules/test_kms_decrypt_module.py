# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kms_decrypt (the module): bad input fails before any request; dest is written only when it differs from the
content; a damaged envelope never replaces dest; the content is never in the result."""

import base64
import errno
import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.ncloud.kms.plugins.module_utils import crypto
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import seal
from ansible_collections.ncloud.kms.plugins.modules.kms_decrypt import KmsDecrypt
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
from ansible_collections.ncloud.kms.tests.unit.plugins.modules.module_runner import (
    ModuleFailed, assert_fails_before_any_request, bad_input_ids, run_module,
)

BAD_INPUT = [
    ({'src': '/nonexistent/file', 'dest': '/tmp/out', 'key_name': 'app'}, 'src must name a file; /nonexistent/file'),
    ({'src': '/etc/hostname', 'key_name': 'app'}, 'missing required arguments: dest'),
    ({'src': '/etc/hostname', 'dest': '/tmp/out'}, 'one of the following is required: key_name, key_tag'),
    ({'src': '/etc/hostname', 'dest': '/tmp/out', 'key_name': 'app'}, 'src /etc/hostname is not a valid ciphertext'),
    ({'src': '/etc/hostname', 'dest': '/tmp/out', 'key_name': 'app', 'context': 'c' * 51}, 'context must be at most 50'),
    ({'src': '/etc/hostname', 'dest': '/tmp', 'key_name': 'app'}, 'dest /tmp is a folder: name the file to write'),
    ({'src': '/etc/hostname', 'dest': '/nonexistent/out', 'key_name': 'app'},
     'dest /nonexistent/out cannot be written: its folder /nonexistent does not exist'),
]


@pytest.mark.parametrize('args, message', BAD_INPUT, ids=bad_input_ids(BAD_INPUT))
def test_bad_input_fails_before_any_request(args, message):
    assert_fails_before_any_request(KmsDecrypt, args, message)


KEY = {'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE', 'keyType': 'AES256'}
MARKER = b'PLAINTEXT-MARKER-5c1d'
SEALED = 'ncpkms:v1:' + base64.b64encode(b'sealed').decode()


def decrypted(content):
    return ('POST', '/keys/t/decrypt', {'plaintext': base64.b64encode(content).decode()})


def test_a_ciphertext_file_is_written_once(tmp_path):
    src, dest = tmp_path / 'pw.ncpkms', tmp_path / 'pw.txt'
    src.write_text(SEALED + '\n')
    args = {'src': str(src), 'dest': str(dest), 'key_name': 'app', 'mode': '0600'}
    result = run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)), check_mode=True)
    assert result['changed'] and not dest.exists() and MARKER.decode() not in json.dumps(result)
    result = run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)))
    assert result['changed'] and dest.read_bytes() == MARKER and oct(dest.stat().st_mode & 0o777) == '0o600'
    assert result['envelope'] is False and result['key_version'] == 1 and MARKER.decode() not in json.dumps(result)
    crypto._DECRYPTED.clear()
    result = run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)))
    assert result['changed'] is False and result['actions'] == []


def test_an_immutable_or_read_only_dest_fails_naming_dest_before_any_request(tmp_path, monkeypatch):
    src, dest = tmp_path / 'pw.ncpkms', tmp_path / 'pw.txt'
    src.write_text(SEALED + '\n')
    dest.write_text('old')
    real_open, real_access = os.open, os.access

    def refusing_open(path, flags, *mode):
        if str(path) == str(dest) and flags & os.O_WRONLY:
            raise OSError(errno.EPERM, 'Operation not permitted')
        return real_open(path, flags, *mode)
    monkeypatch.setattr(os, 'open', refusing_open)
    args = {'src': str(src), 'dest': str(dest), 'key_name': 'app'}
    client = ScriptedClient()
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsDecrypt, args, client)
    assert caught.value.result['msg'] == ('dest %s cannot be replaced: Operation not permitted (an immutable file, '
                                          'see lsattr, or a read-only file system)' % dest)
    monkeypatch.setattr(os, 'open', real_open)
    monkeypatch.setattr(os, 'access', lambda path, mode: False if str(path) == str(tmp_path) else real_access(path, mode))
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsDecrypt, args, client)
    assert caught.value.result['msg'].startswith('dest %s cannot be written: its folder %s is read-only' % (dest, tmp_path))
    assert client.calls == [] and dest.read_text() == 'old'


def test_a_missing_folder_of_dest_warns_in_check_mode(tmp_path):
    src = tmp_path / 'pw.ncpkms'
    src.write_text(SEALED + '\n')
    args = {'src': str(src), 'dest': str(tmp_path / 'later' / 'pw.txt'), 'key_name': 'app'}
    result = run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)), check_mode=True)
    assert result['changed'] and 'its folder %s does not exist. In check mode' % (tmp_path / 'later') in result['warnings'][0]


def test_a_move_that_fails_names_dest_not_the_temporary_file(tmp_path, monkeypatch):
    src, dest = tmp_path / 'pw.ncpkms', tmp_path / 'pw.txt'
    src.write_text(SEALED + '\n')

    def failing_move(self, temp, target, *args, **kwargs):
        try:
            raise OSError(errno.EPERM, 'Operation not permitted', temp)
        except OSError as exc:
            raise Exception('Could not replace %r with %r.' % (target, temp)) from exc
    monkeypatch.setattr(basic.AnsibleModule, 'atomic_move', failing_move)
    with pytest.raises(ModuleFailed) as caught:
        run_module(KmsDecrypt, {'src': str(src), 'dest': str(dest), 'key_name': 'app'},
                   ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)))
    assert caught.value.result['msg'] == '%s cannot be written: Operation not permitted' % dest
    assert sorted(p.name for p in tmp_path.iterdir()) == ['pw.ncpkms']


def test_an_envelope_is_decrypted_in_one_call_and_a_damaged_one_never_replaces_dest(tmp_path):
    data_key = b'e' * 32
    wrapped = 'ncpkms:v4:' + base64.b64encode(b'wrapped').decode()
    src, dest = tmp_path / 'big.ncpkms', tmp_path / 'big.bin'
    content = MARKER * 10000
    with open(str(src), 'wb') as out:
        seal(content, data_key, wrapped, out)
    args = {'src': str(src), 'dest': str(dest), 'key_name': 'app'}
    client = ScriptedClient(('LIST', None, [KEY]), decrypted(data_key))
    result = run_module(KmsDecrypt, args, client)
    assert result['changed'] and result['envelope'] and result['key_version'] == 4 and dest.read_bytes() == content
    assert client.bodies[1] == {'ciphertext': wrapped}
    crypto._DECRYPTED.clear()
    assert run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(data_key)))['changed'] is False
    crypto._DECRYPTED.clear()
    text = src.read_text()
    src.write_text(text.replace('Size: %d' % len(content), 'Size: %d' % (len(content) - 1)))
    dest.write_bytes(b'kept')
    with pytest.raises(ModuleFailed) as failed:
        run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(data_key)))
    assert 'does not decrypt: its tag does not verify' in failed.value.result['msg'] and dest.read_bytes() == b'kept'
    assert not [name for name in tmp_path.iterdir() if name.name.startswith('.ncloud_kms.')]


@pytest.mark.parametrize('mode, expected', [(None, 0o600), ('0640', 0o640)])
def test_a_new_dest_is_private_unless_mode_is_given(tmp_path, mode, expected):
    src, dest = tmp_path / 'pw.ncpkms', tmp_path / 'pw.txt'
    src.write_text(SEALED + '\n')
    args = dict({'src': str(src), 'dest': str(dest), 'key_name': 'app'}, **({'mode': mode} if mode else {}))
    result = run_module(KmsDecrypt, args, ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)))
    assert result['changed'] and dest.read_bytes() == MARKER and dest.stat().st_mode & 0o777 == expected
    assert result['actions'] == ['write dest']


def test_an_existing_dest_keeps_its_mode(tmp_path):
    src, dest = tmp_path / 'pw.ncpkms', tmp_path / 'pw.txt'
    src.write_text(SEALED + '\n')
    dest.write_bytes(b'old')
    dest.chmod(0o644)
    run_module(KmsDecrypt, {'src': str(src), 'dest': str(dest), 'key_name': 'app'},
               ScriptedClient(('LIST', None, [KEY]), decrypted(MARKER)))
    assert dest.read_bytes() == MARKER and dest.stat().st_mode & 0o777 == 0o644


def test_a_damaged_envelope_leaves_no_new_dest(tmp_path):
    data_key = b'e' * 32
    src, dest = tmp_path / 'big.ncpkms', tmp_path / 'big.bin'
    with open(str(src), 'wb') as out:
        seal(MARKER * 100, data_key, 'ncpkms:v4:' + base64.b64encode(b'wrapped').decode(), out)
    src.write_text(src.read_text().replace('Size: %d' % (len(MARKER) * 100), 'Size: %d' % (len(MARKER) * 100 - 1)))
    with pytest.raises(ModuleFailed):
        run_module(KmsDecrypt, {'src': str(src), 'dest': str(dest), 'key_name': 'app'},
                   ScriptedClient(('LIST', None, [KEY]), decrypted(data_key)))
    assert sorted(path.name for path in tmp_path.iterdir()) == ['big.ncpkms']


def test_in_check_mode_a_src_an_earlier_task_would_write_predicts_writing_dest(tmp_path):
    args = {'src': str(tmp_path / 'pw.ncpkms'), 'dest': str(tmp_path / 'pw.txt'), 'key_name': 'app'}
    client = ScriptedClient()
    result = run_module(KmsDecrypt, args, client, check_mode=True)
    assert result['changed'] and result['actions'] == ['write dest'] and client.calls == []
    assert 'src %s does not exist. In check mode this is expected when an earlier task of this run would write it, ' \
           'so this task reports what it would do then (write dest)' % (tmp_path / 'pw.ncpkms') in result['warnings'][0]
