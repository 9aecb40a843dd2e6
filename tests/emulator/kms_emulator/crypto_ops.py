# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encrypt, decrypt, re-encrypt, create-custom-key, sign, verify and get-pub-key (doc), with the documented limits;
``crypto.py`` has the construction. Part of ``store.Store``; uses the key state of ``keystore.KeyStore``.

Assumed where the reference is silent: re-encrypt takes a string or an array of at most 100 ciphertexts (v3's batch
limit) and answers ``newCiphertext`` in the same form; verify answers ``valid: false`` for a signature that does
not match, and fails (422) when the signing version is disabled (doc); sign and verify need an enabled key."""

import base64
import binascii
import os

from . import crypto
from .rules import (
    CUSTOM_KEY_BITS, ENCRYPTING_TYPES, MAX_BATCH_ITEMS, MAX_CONTEXT_BYTES, MAX_DATA_BYTES, MAX_RSA_BYTES,
    MAX_SIGN_BYTES, PUBLIC_KEY_TYPES, KmsError, bad_request,
)
SIGNATURE = crypto.CIPHERTEXT   # a signature string has the same shape: ncpkms:v{version}:<base64>


class CryptoOps(object):
    """The crypto operations on the keys a ``KeyStore`` holds."""

    def _usable_key(self, boundary, key_tag, action, types):
        key = self._key(boundary, key_tag)
        if key['status'] != 'ENABLE':
            raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: cannot %s with a key in %s' % (action, key['status']))
        if key['keyType'] not in types:
            raise bad_request('a %s key cannot %s' % (key['keyType'], action))
        return key

    @staticmethod
    def _items(body, field):
        """The base64 items of a string-or-array field, and whether an array was sent."""
        value = body.get(field)
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str) and item for item in items):
            raise bad_request('%s must be a non-empty string or an array of non-empty strings' % field)
        return items, isinstance(value, list)

    @staticmethod
    def _b64(text, field):
        try:
            return base64.b64decode(text.encode('ascii'), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise bad_request('%s must be base64' % field)

    def _context(self, key, body):
        context = body.get('context')
        if context in (None, ''):
            if key['isConvergent']:
                raise bad_request('context is required for a convergent key')
            return b''
        if not isinstance(context, str):
            raise bad_request('context must be a base64 string')
        raw = self._b64(context, 'context')
        if len(raw) > MAX_CONTEXT_BYTES:
            raise bad_request('context must be at most %d bytes' % MAX_CONTEXT_BYTES)
        return raw

    @staticmethod
    def _secret(key, version):
        record = next((v for v in key['versions'] if v['version'] == version), None)
        if record is None:
            return None
        if not record.get('secret'):
            record['secret'] = crypto.new_secret()  # a key from an older state file
        return record['secret']

    @staticmethod
    def _version_disabled(key, version):
        """A disabled version cannot decrypt its ciphertexts (doc, v3)."""
        return any(v['version'] == version and v['status'] != 'ENABLE' for v in key['versions'])

    # ---- API operations ----------------------------------------------------------------------------

    def encrypt(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'encrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(req.body, 'plaintext')
            plaintexts = [self._b64(item, 'plaintext') for item in items]
            limit = MAX_RSA_BYTES if key['keyType'] == 'RSA2048' else MAX_DATA_BYTES
            if key['keyType'] == 'RSA2048' and any(len(p) > limit for p in plaintexts):
                raise KmsError(413, 'INVALID_REQUEST', 'plaintext must be at most %d bytes for an RSA2048 key' % limit)
            if sum(len(p) for p in plaintexts) > MAX_DATA_BYTES:
                raise KmsError(413, 'INVALID_REQUEST', 'plaintext must be at most %d bytes' % MAX_DATA_BYTES)
            context = self._context(key, req.body)
            version = key['currentVersion']
            secret = self._secret(key, version)
            sealed = [crypto.seal(secret, version, p, context, key['isConvergent']) for p in plaintexts]
            self.save()
            return {'ciphertext': sealed if is_array else sealed[0]}

    def _open(self, key, item, context, action='decrypt'):
        """The plaintext of one ciphertext of this key. A ciphertext that does not open with the version it names
        (another key's, another context) is refused as such before the version's status is looked at, so that the
        answer names the real problem."""
        parsed = crypto.parse(item)
        secret = parsed and self._secret(key, parsed[0])
        plaintext = secret and crypto.unseal(secret, parsed[1], context)
        if plaintext is None:
            raise bad_request('decryption failed: the ciphertext does not match this key, version and context')
        if self._version_disabled(key, parsed[0]):
            raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: version %d of this key is disabled and cannot '
                           '%s' % (parsed[0], action))
        return plaintext

    def decrypt(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'decrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(req.body, 'ciphertext')
            context = self._context(key, req.body)
            opened = [base64.b64encode(self._open(key, item, context)).decode('ascii') for item in items]
            return {'plaintext': opened if is_array else opened[0]}

    def re_encrypt(self, req):
        """The ciphertexts under the key's current version, never showing the plaintext (answer: newCiphertext)."""
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 're-encrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(req.body, 'ciphertext')
            if len(items) > MAX_BATCH_ITEMS:
                raise bad_request('ciphertext must hold at most %d items' % MAX_BATCH_ITEMS)
            context = self._context(key, req.body)
            version = key['currentVersion']
            sealed = [crypto.seal(self._secret(key, version), version, self._open(key, item, context, 're-encrypt'),
                                  context, key['isConvergent']) for item in items]
            self.save()
            return {'newCiphertext': sealed if is_array else sealed[0]}

    reencrypt = re_encrypt   # the path the reference also writes

    def create_custom_key(self, req):
        """A data key of ``bits`` bits, sealed under the current version; its plaintext only when asked."""
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'create a custom key', ENCRYPTING_TYPES)
            bits = req.body.get('bits', 256)
            if bits not in CUSTOM_KEY_BITS or isinstance(bits, bool):
                raise bad_request('bits must be one of %s' % ', '.join(str(b) for b in CUSTOM_KEY_BITS))
            plain = os.urandom(bits // 8)
            version = key['currentVersion']
            answer = {'ciphertext': crypto.seal(self._secret(key, version), version, plain, self._context(key, req.body),
                                                key['isConvergent']),
                      'key_version': version}   # snake_case on this page (doc)
            if req.body.get('requestPlainKey') is True:
                answer['plaintext'] = base64.b64encode(plain).decode('ascii')
            self.save()
            return answer

    def _signed_data(self, body):
        data = body.get('data')
        if not isinstance(data, str) or not data:
            raise bad_request('data must be a non-empty base64 string')
        raw = self._b64(data, 'data')
        if len(raw) > MAX_SIGN_BYTES:
            raise KmsError(413, 'INVALID_REQUEST', 'data must be at most %d bytes' % MAX_SIGN_BYTES)
        return raw

    def _signing_pair(self, key, version):
        """(private PEM, public PEM) of a version, made on first use (a key from an older state file that holds
        only a public key gets a new pair)."""
        record = next((v for v in key['versions'] if v['version'] == version), None)
        if record is None:
            raise bad_request('version %s of this key does not exist' % version)
        if record['status'] != 'ENABLE':
            raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: version %d is disabled' % version)
        if not record.get('privateKey'):
            record['privateKey'], record['publicKey'] = crypto.new_signing_key(key['keyType'])
            self.save()
        return record['privateKey'], record['publicKey']

    def sign(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'sign', PUBLIC_KEY_TYPES)
            data = self._signed_data(req.body)
            version = key['currentVersion']
            private, unused = self._signing_pair(key, version)
            signature = crypto.sign(private, key['keyType'], data)
            return {'signature': 'ncpkms:v%d:%s' % (version, base64.b64encode(signature).decode('ascii'))}

    def verify(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'verify', PUBLIC_KEY_TYPES)
            data = self._signed_data(req.body)
            match = SIGNATURE.match(req.body.get('signature') or '') if isinstance(req.body.get('signature'), str) else None
            if not match:
                raise bad_request('signature must be the string sign returned: ncpkms:v<version>:<base64>')
            unused, public = self._signing_pair(key, int(match.group(1)))
            return {'valid': crypto.verify(public, key['keyType'], data, self._b64(match.group(2), 'signature'))}

    def public_key(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'give a public key', PUBLIC_KEY_TYPES)
            version = req.body.get('keyVersion') or key['currentVersion']
            record = next((v for v in key['versions'] if v['version'] == version), None)
            if record is None:
                raise bad_request('keyVersion %s does not exist' % version)
            if record['status'] != 'ENABLE':
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: version %d is disabled and cannot give '
                               'its public key' % version)
            return {'publicKey': self._signing_pair(key, version)[1]}
