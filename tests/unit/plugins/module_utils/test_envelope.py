# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The envelope format: a round trip, every damage caught by the tag or the header, a re-wrapped data key that
leaves the body alone, and 100 MB through both ways with memory that does not grow with the size."""

import hashlib
import io
import os
import subprocess
import sys

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, content_digest, is_envelope, seal

DATA_KEY = b'k' * 32
WRAPPED = 'ncpkms:v3:' + 'QUJD' * 10


def sealed_file(tmp_path, content, name='data.ncpkms'):
    path = tmp_path / name
    with open(str(path), 'wb') as out:
        seal(content, DATA_KEY, WRAPPED, out)
    return path


@pytest.mark.parametrize('size', [0, 1, 47, 48, 49, 3 * 1024 * 1024 + 7])
def test_a_round_trip_of_any_size(tmp_path, size):
    content = os.urandom(size)
    path = sealed_file(tmp_path, content)
    text = path.read_text()
    assert is_envelope(text) and 'Data-Key: %s\n' % WRAPPED in text and all(len(line) <= 64 for line in text.splitlines()[8:])
    envelope = Envelope(str(path))
    assert envelope.wrapped_key == WRAPPED and envelope.header['Size'] == size
    out = io.BytesIO()
    assert envelope.open_to(DATA_KEY, out) == hashlib.sha256(content).hexdigest() == content_digest(content)
    assert out.getvalue() == content
    assert Envelope(text.encode()).open_to(DATA_KEY) == hashlib.sha256(content).hexdigest()   # as text, for the lookup


@pytest.mark.parametrize('damage, said', [
    (lambda text: text.replace('Size: 100', 'Size: 101'), 'tag does not verify'),
    (lambda text: text.replace('\nTag: ', '\nTag: A'), 'tag does not verify'),
    (lambda text: text[:text.index('\nTag: ')], 'no Tag line'),
    (lambda text: text.replace('Cipher: AES-256-GCM', 'Cipher: AES-128-CBC'), 'AES-128-CBC'),
    (lambda text: text.replace('Nonce: ', 'Nonse: '), 'lacks Nonce'),
    (lambda text: 'garbage\n' + text, 'does not start with'),
])
def test_damage_is_caught(tmp_path, damage, said):
    path = sealed_file(tmp_path, b'x' * 100)
    path.write_text(damage(path.read_text()))
    with pytest.raises(CryptoError) as caught:
        Envelope(str(path)).open_to(DATA_KEY, io.BytesIO())
    assert said in str(caught.value)


def test_a_flipped_body_byte_or_a_wrong_data_key_fails_the_tag(tmp_path):
    path = sealed_file(tmp_path, b'secret content ' * 10)
    with pytest.raises(CryptoError):
        Envelope(str(path)).open_to(b'w' * 32)
    lines = path.read_text().splitlines()
    body = 8
    lines[body] = ('B' if lines[body][0] != 'B' else 'C') + lines[body][1:]
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(CryptoError):
        Envelope(str(path)).open_to(DATA_KEY)


def test_rewrap_changes_only_the_data_key_line(tmp_path):
    path = sealed_file(tmp_path, os.urandom(5000))
    out = io.BytesIO()
    Envelope(str(path)).rewrap('ncpkms:v4:' + 'REVG' * 10, out)
    before, after = path.read_text().splitlines(), out.getvalue().decode().splitlines()
    assert [b for b, a in zip(before, after) if b != a] == ['Data-Key: ' + WRAPPED]
    assert Envelope(out.getvalue()).open_to(DATA_KEY) == Envelope(str(path)).open_to(DATA_KEY)


BOUNDED = r'''
import hashlib, os, resource, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, seal
src, sealed, opened = sys.argv[2:5]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sealed, 'wb') as out:
    seal(src, b'k' * 32, 'ncpkms:v1:QUJD', out)
with open(opened, 'wb') as out:
    digest = Envelope(sealed).open_to(b'k' * 32, out)
print(digest, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
'''


def test_100_mb_both_ways_in_bounded_memory(tmp_path):
    src = tmp_path / 'big.bin'
    with open(str(src), 'wb') as out:
        for unused in range(100):
            out.write(os.urandom(1024 * 1024))
    import ansible_collections
    root = next(os.path.dirname(path) for path in ansible_collections.__path__   # the folder above this collection
                if os.path.isdir(os.path.join(path, 'ncloud', 'kms')))
    output = subprocess.check_output([sys.executable, '-c', BOUNDED, root, str(src), str(tmp_path / 'big.ncpkms'),
                                      str(tmp_path / 'big.out')], universal_newlines=True)
    digest, grown_mb = output.split()
    assert digest == content_digest(str(src))
    assert content_digest(str(tmp_path / 'big.out')) == digest
    assert int(grown_mb) < 40, 'memory grew by %s MB for 100 MB of content' % grown_mb
