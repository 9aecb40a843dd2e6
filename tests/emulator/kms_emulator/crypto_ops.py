# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encrypt, decrypt and get-pub-key (doc), with the documented limits; ``crypto.py`` has the construction.
Part of ``store.Store``; uses the key state of ``keystore.KeyStore``."""

import base64
import binascii

from . import crypto
from .rules import (
    ENCRYPTING_TYPES, MAX_CONTEXT_BYTES, MAX_DATA_BYTES, MAX_RSA_BYTES, PUBLIC_KEY_TYPES, KmsError, bad_request,
)


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

    def decrypt(self, req):
        with self.lock:
            key = self._usable_key(req.boundary, req.tag, 'decrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(req.body, 'ciphertext')
            context = self._context(key, req.body)
            opened = []
            for item in items:
                parsed = crypto.parse(item)
                if parsed and self._version_disabled(key, parsed[0]):
                    raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: version %d of this key is disabled and '
                                   'cannot decrypt' % parsed[0])
                secret = parsed and self._secret(key, parsed[0])
                plaintext = secret and crypto.unseal(secret, parsed[1], context)
                if plaintext is None:
                    raise bad_request('decryption failed: the ciphertext does not match this key, version and context')
                opened.append(base64.b64encode(plaintext).decode('ascii'))
            return {'plaintext': opened if is_array else opened[0]}

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
            if not record.get('publicKey'):
                make = crypto.rsa_public_pem if key['keyType'] == 'RSA2048' else crypto.ecdsa_public_pem
                record['publicKey'] = make()
                self.save()
            return {'publicKey': record['publicKey']}
