# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Envelope encryption: content of any size encrypted locally with AES-256-GCM under a data key that NCP made and
wrapped (create-custom-key). The file is text, to live in git beside playbooks. Format version 1::

    -----BEGIN NCPKMS ENVELOPE-----
    Format: ncloud.kms envelope
    Version: 1
    Cipher: AES-256-GCM
    Data-Key: ncpkms:v3:...        the wrapped data key exactly as NCP returned it (its version is readable here)
    Nonce: <base64 of 12 bytes>
    Size: <bytes of content>

    <the ciphertext in base64, 64 characters a line>
    Tag: <base64 of the 16-byte GCM tag>
    -----END NCPKMS ENVELOPE-----

The associated data of the GCM tag is ``ncloud.kms envelope 1 AES-256-GCM <Size>``, so a changed header field other
than Data-Key (which re-encryption replaces) fails the tag. Content is streamed in chunks both ways, so memory use
does not grow with its size; decryption writes to a file that the caller moves into place only once the tag is
verified. The plaintext data key is held in memory only, never written or returned.

Needs the ``cryptography`` package (ansible-core installs it on the controller; a managed host that runs
kms_encrypt or kms_decrypt on an envelope needs it too).

Internal to ncloud.kms: not an API; names and signatures may change in any release.
"""

import base64
import hashlib
import io
import os

from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError

BEGIN = '-----BEGIN NCPKMS ENVELOPE-----'
END = '-----END NCPKMS ENVELOPE-----'
FORMAT = 'ncloud.kms envelope'
VERSION = '1'
CIPHER = 'AES-256-GCM'
LINE_BYTES = 48                       # 64 base64 characters a line
CHUNK_BYTES = LINE_BYTES * 21846      # about 1 MB, a whole number of lines
HEADER_FIELDS = ('Format', 'Version', 'Cipher', 'Data-Key', 'Nonce', 'Size')


def missing_cryptography():
    """None when the cryptography package can be imported, else the ImportError's text."""
    try:
        import cryptography  # noqa: F401  pylint: disable=unused-import
    except ImportError as exc:
        return str(exc)
    return None


def _cipher(data_key, nonce):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    return Cipher(algorithms.AES(data_key), modes.GCM(nonce))


def _associated_data(size):
    return ('%s %s %s %d' % (FORMAT, VERSION, CIPHER, size)).encode('ascii')


def is_envelope(head):
    """Whether text (or bytes) starts as an envelope does."""
    if isinstance(head, bytes):
        head = head.decode('ascii', 'replace')
    return head.lstrip().startswith(BEGIN)


def file_is_envelope(path):
    with open(path, 'rb') as handle:
        return is_envelope(handle.read(len(BEGIN) + 16))


def iter_chunks(source, size=CHUNK_BYTES):
    """Chunks of a file path or of bytes."""
    if isinstance(source, bytes):
        for start in range(0, len(source), size):
            yield source[start:start + size]
        return
    with open(source, 'rb') as handle:
        yield from iter(lambda: handle.read(size), b'')


def source_size(source):
    return len(source) if isinstance(source, bytes) else os.path.getsize(source)


def seal(source, data_key, wrapped_key, out):
    """Write the envelope of ``source`` (bytes, or a file path read in chunks) to the binary handle ``out``."""
    nonce = os.urandom(12)
    size = source_size(source)
    encryptor = _cipher(data_key, nonce).encryptor()
    encryptor.authenticate_additional_data(_associated_data(size))
    header = [BEGIN, 'Format: ' + FORMAT, 'Version: ' + VERSION, 'Cipher: ' + CIPHER, 'Data-Key: ' + wrapped_key,
              'Nonce: ' + base64.b64encode(nonce).decode('ascii'), 'Size: %d' % size, '']
    out.write(('\n'.join(header) + '\n').encode('ascii'))
    for chunk in iter_chunks(source):
        _write_lines(out, encryptor.update(chunk))
    _write_lines(out, encryptor.finalize())
    out.write(('Tag: %s\n%s\n' % (base64.b64encode(encryptor.tag).decode('ascii'), END)).encode('ascii'))


def _write_lines(out, data):
    encoded = base64.b64encode(data)
    out.write(b''.join(encoded[i:i + 64] + b'\n' for i in range(0, len(encoded), 64)))


class Envelope(object):
    """An envelope read lazily from a file (or from bytes, for the lookup): the header at once, the body as a
    stream (``open_to``)."""

    def __init__(self, source, what='src'):
        self.source = source
        self.path = 'given as text' if isinstance(source, bytes) else source
        self.what = what
        with self._open() as handle:
            self.header, self.body_offset = self._read_header(handle)
        self.wrapped_key = self.header['Data-Key']

    def _open(self):
        return io.BytesIO(self.source) if isinstance(self.source, bytes) else open(self.source, 'rb')

    def _bad(self, why):
        return CryptoError('%s %s is not a valid ncloud.kms envelope (%s)' % (self.what, self.path, why))

    def _read_header(self, handle):
        first = handle.readline().decode('ascii', 'replace').strip()
        if first != BEGIN:
            raise self._bad('it does not start with %s' % BEGIN)
        header = {}
        for line in iter(handle.readline, b''):
            text = line.decode('ascii', 'replace').strip()
            if not text:
                break
            name, sep, value = text.partition(': ')
            if not sep:
                raise self._bad('a header line without "Name: value"')
            header[name] = value
        missing = [field for field in HEADER_FIELDS if field not in header]
        if missing:
            raise self._bad('its header lacks %s' % ', '.join(missing))
        if (header['Format'], header['Version'], header['Cipher']) != (FORMAT, VERSION, CIPHER):
            raise self._bad('format %s version %s with %s; this collection reads %s version %s with %s'
                            % (header['Format'], header['Version'], header['Cipher'], FORMAT, VERSION, CIPHER))
        try:
            header['Size'] = int(header['Size'])
            header['Nonce'] = base64.b64decode(header['Nonce'], validate=True)
        except ValueError:
            raise self._bad('its Size or Nonce is damaged')
        return header, handle.tell()

    def _body_lines(self):
        """The base64 lines of the body, then the tag."""
        with self._open() as handle:
            handle.seek(self.body_offset)
            for line in handle:
                text = line.strip()
                if text.startswith(b'Tag: '):
                    return text[5:]
                yield text
        raise self._bad('it has no Tag line (cut short?)')

    def open_to(self, data_key, out=None):
        """Decrypt the body into the binary handle ``out`` (or nowhere); the SHA-256 of the content. Raises
        CryptoError when the tag does not verify (a wrong or damaged file): the caller must not use what was
        written then."""
        from cryptography.exceptions import InvalidTag
        decryptor = _cipher(data_key, self.header['Nonce']).decryptor()
        decryptor.authenticate_additional_data(_associated_data(self.header['Size']))
        digest = hashlib.sha256()
        size = 0
        pending = []
        lines = self._body_lines()
        tag = None
        while tag is None:
            try:
                pending.append(next(lines))
            except StopIteration as done:
                tag = done.value
            if tag is not None or len(pending) >= CHUNK_BYTES // LINE_BYTES:
                try:
                    plain = decryptor.update(base64.b64decode(b''.join(pending), validate=True))
                except ValueError:
                    raise self._bad('its body is not base64')
                pending = []
                size += len(plain)
                digest.update(plain)
                if out is not None:
                    out.write(plain)
        try:
            decryptor.finalize_with_tag(base64.b64decode(tag, validate=True))
        except (InvalidTag, ValueError):
            raise CryptoError('%s %s does not decrypt: its tag does not verify (the file is damaged, or its Data-Key '
                              'was replaced)' % (self.what, self.path))
        if size != self.header['Size']:
            raise self._bad('it holds %d bytes where its header says %d' % (size, self.header['Size']))
        return digest.hexdigest()

    def rewrap(self, wrapped_key, out):
        """Copy the envelope to ``out`` with another Data-Key (the same data key, re-encrypted); the body is copied
        in chunks, untouched."""
        with self._open() as handle:
            head = handle.read(self.body_offset).decode('ascii')
            old = 'Data-Key: ' + self.wrapped_key
            if head.count(old) != 1:
                raise self._bad('its Data-Key line is not unique')
            out.write(head.replace(old, 'Data-Key: ' + wrapped_key).encode('ascii'))
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b''):
                out.write(chunk)


def content_digest(source):
    """SHA-256 of bytes or of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    for chunk in iter_chunks(source):
        digest.update(chunk)
    return digest.hexdigest()
