# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The crypto operations through the signed client (encrypt, decrypt, re-encrypt, data keys, sign, verify,
get-pub-key), shared by the crypto modules, the kms_decrypt lookup, the kms_vars vars plugin and kms_key_info.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

The caller hands bytes and text; base64 happens here. The documented limits are checked before any
request, items are batched into as few requests as the limits allow (an array request where there is
more than one item), and nothing raised here holds a plaintext: errors name items by position.

Within one process (a module run, or a lookup's worker), a ciphertext already decrypted with the same key
and context is not sent again (and ``selector.locate_names(..., remember=True)`` resolves a key name once).
"""

import base64
import hashlib
import os
import re

from ansible_collections.ncloud.kms.plugins.module_utils.client import INVALID_RESPONSE, CryptoError, KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.keys import describe_key, key_path

MAX_DATA_BYTES = 32 * 1024   # plaintext of one encrypt request (doc: 32 KB; assumed: for all items of an array)
MAX_RSA_BYTES = 190          # plaintext of one item for an RSA2048 key (doc)
MAX_CONTEXT_BYTES = 50       # context (doc)
MAX_SIGN_BYTES = 8 * 1024    # data of one sign or verify request (doc); larger input is signed by its SHA-256
MAX_BATCH_ITEMS = 100        # ciphertexts of one re-encrypt request (assumed, from v3's batch endpoints)
DATA_KEY_BITS = 256          # the data key of an envelope (create-custom-key)
ENCRYPTING_TYPES = ('AES256', 'RSA2048')
PUBLIC_KEY_TYPES = ('RSA2048', 'ECDSA')
CIPHERTEXT = re.compile(r'^ncpkms:v(\d+):([A-Za-z0-9+/_-]+={0,2})$')

# Per process: (endpoint, access key, tag, context, ciphertext) -> bytes. Key names are remembered by selector.locate_names.
_DECRYPTED = {}
# Per process: (endpoint, access key, tag, version) -> PEM public key.
_PUBLIC_KEYS = {}


def to_b64(data):
    return base64.b64encode(data).decode('ascii')


def encode_context(context):
    """The base64 of a text context, or None; over 50 bytes is an error before any request."""
    if context in (None, ''):
        return None
    raw = context.encode('utf-8')
    if len(raw) > MAX_CONTEXT_BYTES:
        raise CryptoError('context must be at most %d bytes (UTF-8); it has %d' % (MAX_CONTEXT_BYTES, len(raw)))
    return to_b64(raw)


def ciphertext_version(ciphertext):
    """The key version a ciphertext names, or None when the text is not a whole NCP ciphertext: the prefix, then
    complete base64 (a value cut short or missing its ``=`` padding is damaged, and NCP could not decrypt it)."""
    match = CIPHERTEXT.match(ciphertext) if isinstance(ciphertext, str) else None
    if not match or len(match.group(2)) % 4:
        return None
    try:
        base64.b64decode(match.group(2).replace('-', '+').replace('_', '/'), validate=True)
    except ValueError:  # binascii.Error
        return None
    return int(match.group(1))


def check_ciphertexts(ciphertexts, what='term', names=None):
    """Every item is a whole ciphertext, before any request; items are named by ``names`` (a file's path, say),
    else by position, never by value."""
    for position, ciphertext in enumerate(ciphertexts, 1):
        if ciphertext_version(ciphertext) is None:
            which = '%s %s' % (what, names[position - 1] if names else position)
            raise CryptoError('%s is not a valid ciphertext: NCP ciphertexts are ncpkms:v<version>:<base64>, with '
                              'complete base64 (a value cut short or missing its = padding is damaged); its value is '
                              'not shown' % which)


def check_plaintexts(plaintexts, key_type):
    limit = MAX_RSA_BYTES if key_type == 'RSA2048' else MAX_DATA_BYTES
    for position, plaintext in enumerate(plaintexts, 1):
        if len(plaintext) > limit:
            which = 'it' if len(plaintexts) == 1 else 'item %d' % position
            raise CryptoError('the content to encrypt must be at most %d bytes%s; %s has %d'
                              % (limit, ' for an RSA2048 key' if key_type == 'RSA2048' else ' (32 KB)', which,
                                 len(plaintext)))


def batches(items, size, limit):
    """Consecutive groups of ``items`` whose ``size`` adds up to at most ``limit`` each, in order."""
    groups, current, used = [], [], 0
    for item in items:
        if current and used + size(item) > limit:
            groups.append(current)
            current, used = [], 0
        current.append(item)
        used += size(item)
    if current:
        groups.append(current)
    return groups


def signing_input(data):
    """What NCP signs for ``data`` (bytes): the data itself up to 8 KB, else its SHA-256 digest (32 bytes)."""
    return data if len(data) <= MAX_SIGN_BYTES else hashlib.sha256(data).digest()


def input_to_sign(content=None, path=None):
    """``(what NCP signs, whether that is a digest)`` for ``content`` (bytes) or the file at ``path``."""
    if content is not None:
        if not content:
            raise CryptoError('content is empty: NCP signs at least one byte')
        return signing_input(content), len(content) > MAX_SIGN_BYTES
    size = os.path.getsize(path)
    if not size:
        raise CryptoError('src %s is empty: NCP signs at least one byte' % path)
    return file_signing_input(path), size > MAX_SIGN_BYTES


def file_signing_input(path, chunk_size=1024 * 1024):
    """``signing_input`` of a file's bytes, read in chunks (a file of any size, never held whole when large)."""
    with open(path, 'rb') as handle:
        head = handle.read(MAX_SIGN_BYTES + 1)
        if len(head) <= MAX_SIGN_BYTES:
            return head
        digest = hashlib.sha256(head)
        for chunk in iter(lambda: handle.read(chunk_size), b''):
            digest.update(chunk)
    return digest.digest()


def one_or_many(values):
    return values[0] if len(values) == 1 else values


def as_list(answer, field, count, uri, also=None):
    """The field of a crypto answer as a list of ``count`` strings (a string answers one item); ``also`` names
    another spelling of the field that NCP's pages use."""
    value = answer.get(field) if isinstance(answer, dict) else None
    if value is None and also and isinstance(answer, dict):
        value = answer.get(also)
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or len(values) != count or not all(isinstance(v, str) for v in values):
        raise KmsApiError('the answer has no %s for each of the %d item(s) sent' % (field, count), status=200,
                          code=INVALID_RESPONSE, method='POST', path=uri)
    return values


class KmsCrypto(object):
    """The crypto operations of one boundary's client."""

    def __init__(self, client):
        self.client = client
        self.scope = (client.base_url, client.access_key)

    # ---- keys ----------------------------------------------------------------------------------

    @staticmethod
    def check_enabled(key):
        """A key whose status is known and is not ENABLE fails here, before any crypto request."""
        if key.get('status') not in (None, 'ENABLE'):
            state = 'pending deletion' if key['status'] == 'REVOKE' else 'disabled'
            raise CryptoError('%s is %s, and NCP encrypts, decrypts, signs and verifies only with an enabled key: '
                              '%s first'
                              % (describe_key(key), state, 'cancel the deletion (ncloud.kms.kms_key with state: '
                                 'present)' if key['status'] == 'REVOKE' else 'enable it (ncloud.kms.kms_key with '
                                 'enabled: true)'))

    # ---- operations ------------------------------------------------------------------------------

    @staticmethod
    def check_encrypting(key, context):
        """An ECDSA key, or a convergent key without a context, fails here, before any plaintext is sent."""
        key_type = key.get('keyType')
        if key_type is not None and key_type not in ENCRYPTING_TYPES:
            raise CryptoError('%s is an %s key, which signs but cannot encrypt; use an AES256 or RSA2048 key'
                              % (describe_key(key), key_type))
        if key.get('isConvergent') and not context:
            raise CryptoError('%s is convergent, and NCP encrypts with a convergent key only with a context: give '
                              'context (the same text is needed to decrypt)' % describe_key(key))

    @staticmethod
    def check_signing(key):
        key_type = key.get('keyType')
        if key_type is not None and key_type not in PUBLIC_KEY_TYPES:
            raise CryptoError('%s is an %s key, which encrypts but cannot sign; use an RSA2048 or ECDSA key'
                              % (describe_key(key), key_type))

    def encrypt(self, key, plaintexts, context=None):
        """Ciphertexts of ``plaintexts`` (bytes), in order, in as few requests as the limits allow."""
        self.check_encrypting(key, context)
        key_type = key.get('keyType')
        check_plaintexts(plaintexts, key_type)
        limit = MAX_RSA_BYTES if key_type == 'RSA2048' else MAX_DATA_BYTES
        path = key_path(key['keyTag'], 'encrypt')
        sealed = []
        for group in batches(plaintexts, len, limit):
            body = {'plaintext': one_or_many([to_b64(p) for p in group])}
            if context:
                body['context'] = context
            sealed += as_list(self.request(key, path, body), 'ciphertext', len(group), path)
        return sealed

    def decrypt(self, key, ciphertexts, context=None):
        """Plaintexts (bytes) of ``ciphertexts``, in order; each distinct one is sent once per process."""
        check_ciphertexts(ciphertexts)
        scope = self.scope + (key['keyTag'], context)
        missing = list(dict.fromkeys(c for c in ciphertexts if scope + (c,) not in _DECRYPTED))
        path = key_path(key['keyTag'], 'decrypt')
        for group in batches(missing, len, MAX_DATA_BYTES):
            body = {'ciphertext': one_or_many(group)}
            if context:
                body['context'] = context
            for ciphertext, plaintext in zip(group, as_list(self.request(key, path, body), 'plaintext', len(group), path)):
                _DECRYPTED[scope + (ciphertext,)] = base64.b64decode(plaintext)
        return [_DECRYPTED[scope + (c,)] for c in ciphertexts]

    def re_encrypt(self, key, ciphertexts, context=None):
        """``ciphertexts`` under the key's current version, in order (the plaintext never leaves NCP); at most 100
        per request. NCP's pages answer ``newCiphertext`` or ``ciphertext``, a string or an array: all are read."""
        check_ciphertexts(ciphertexts, 'ciphertext')
        path = key_path(key['keyTag'], 're-encrypt')
        renewed = []
        for start in range(0, len(ciphertexts), MAX_BATCH_ITEMS):
            group = ciphertexts[start:start + MAX_BATCH_ITEMS]
            body = {'ciphertext': one_or_many(group)}
            if context:
                body['context'] = context
            renewed += as_list(self.request(key, path, body), 'newCiphertext', len(group), path, also='ciphertext')
        return renewed

    def data_key(self, key, context=None):
        """A new 256-bit data key: ``(plaintext bytes, the wrapped key as NCP returned it)``. The plaintext stays in
        memory; callers never write or return it."""
        self.check_encrypting(key, context)
        path = key_path(key['keyTag'], 'create-custom-key')
        body = {'requestPlainKey': True, 'bits': DATA_KEY_BITS}
        if context:
            body['context'] = context
        answer = self.request(key, path, body)
        plain, wrapped = as_list(answer, 'plaintext', 1, path)[0], as_list(answer, 'ciphertext', 1, path)[0]
        data_key = base64.b64decode(plain)
        if len(data_key) != DATA_KEY_BITS // 8 or ciphertext_version(wrapped) is None:
            raise KmsApiError('the answer holds no %d-bit data key with its ciphertext' % DATA_KEY_BITS, status=200,
                              code=INVALID_RESPONSE, method='POST', path=path)
        return data_key, wrapped

    def sign(self, key, signed_input):
        """NCP's signature string (``ncpkms:v{N}:...``, kept as returned) of ``signed_input`` (see signing_input)."""
        self.check_signing(key)
        path = key_path(key['keyTag'], 'sign')
        signature = as_list(self.request(key, path, {'data': to_b64(signed_input)}), 'signature', 1, path)[0]
        if ciphertext_version(signature) is None:
            raise KmsApiError('the answer holds no signature of the form ncpkms:v<version>:<base64>', status=200,
                              code=INVALID_RESPONSE, method='POST', path=path)
        return signature

    def verify(self, key, signed_input, signature):
        """Whether NCP verifies ``signature`` for ``signed_input``."""
        self.check_signing(key)
        path = key_path(key['keyTag'], 'verify')
        answer = self.request(key, path, {'data': to_b64(signed_input), 'signature': signature})
        valid = answer.get('valid') if isinstance(answer, dict) else None
        if not isinstance(valid, bool):
            raise KmsApiError('the answer has no valid field', status=200, code=INVALID_RESPONSE, method='POST',
                              path=path)
        return valid

    def public_key(self, key_tag, version=None):
        """The PEM public key of a version (the current one by default); a version's key is read once per process."""
        remembered = self.scope + (key_tag, version)
        if version is None or remembered not in _PUBLIC_KEYS:
            path = key_path(key_tag, 'get-pub-key')
            answer = self.request({'keyTag': key_tag}, path, {'keyVersion': version} if version else {})
            pem = answer.get('publicKey') if isinstance(answer, dict) else None
            if not isinstance(pem, str):
                raise KmsApiError('the answer has no publicKey', status=200, code=INVALID_RESPONSE, method='POST',
                                  path=path)
            _PUBLIC_KEYS[remembered] = pem
        return _PUBLIC_KEYS[remembered]

    def request(self, key, path, body):
        """One crypto request; the errors NCP gives for a key in the wrong state or a mismatch, said plainly."""
        try:
            return self.client.request('POST', path, body=body)
        except KmsApiError as exc:
            if exc.status == 422:
                raise CryptoError('%s, or the key version this needs, is not enabled (disabled or pending deletion), and '
                                  'NCP uses only enabled keys and versions: enable the key with ncloud.kms.kms_key '
                                  '(enabled: true, or state: present to cancel a deletion), or the version with '
                                  'ncloud.kms.kms_key_version. %s' % (describe_key(key), exc))
            if exc.status == 400 and path.endswith(('/decrypt', '/re-encrypt')):
                raise CryptoError('%s could not decrypt: the ciphertext does not match this key and context. Check '
                                  'key_name or key_tag, context, and region (a ciphertext made in another boundary '
                                  'needs that boundary\'s key). %s' % (describe_key(key), exc))
            raise
