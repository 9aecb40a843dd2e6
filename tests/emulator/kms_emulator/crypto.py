# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cryptography of the emulated KMS.

Not NCP's algorithms (which are not published): a construction with the properties the API promises.
Each key version has its own 32-byte secret. A ciphertext is ``ncpkms:v{version}:`` followed by the
base64 of nonce (16 bytes), the plaintext XORed with an HMAC-SHA256 keystream, and an HMAC-SHA256 tag
over nonce, context and body (encrypt-then-MAC): a wrong key, version or context fails the tag. Normal
keys draw a random nonce (the same plaintext encrypts differently each time); convergent keys derive it
from the plaintext and the context (the same input gives the same ciphertext).

Signing keys are real: an RSA 2048-bit key (e = 65537) or an ECDSA P-256 key per version, made on first use
with the ``cryptography`` package (which ansible-core installs), kept in the state file, serving get-pub-key
(PEM ``SubjectPublicKeyInfo``), sign and verify. The emulator encrypts RSA2048 data with the symmetric
construction above (its 190-byte limit is enforced), not with RSA-OAEP.
"""

import base64
import hashlib
import hmac
import os
import re

NONCE_BYTES = 16
TAG_BYTES = 32
CIPHERTEXT = re.compile(r'^ncpkms:v(\d+):([A-Za-z0-9+/]+={0,2})$')


def new_secret():
    return os.urandom(32).hex()


def _keystream(secret, nonce, length):
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(secret, b'stream' + nonce + counter.to_bytes(8, 'big'), hashlib.sha256).digest())
    return b''.join(blocks)[:length]


def _tag(secret, nonce, context, body):
    return hmac.new(secret, b'tag' + nonce + len(context).to_bytes(2, 'big') + context + body, hashlib.sha256).digest()


def seal(secret_hex, version, plaintext, context, convergent):
    """The ciphertext string of ``plaintext`` (bytes) under one key version and context (bytes)."""
    secret = bytes.fromhex(secret_hex)
    if convergent:
        nonce = hmac.new(secret, b'nonce' + len(context).to_bytes(2, 'big') + context + plaintext,
                         hashlib.sha256).digest()[:NONCE_BYTES]
    else:
        nonce = os.urandom(NONCE_BYTES)
    body = bytes(a ^ b for a, b in zip(plaintext, _keystream(secret, nonce, len(plaintext))))
    blob = nonce + body + _tag(secret, nonce, context, body)
    return 'ncpkms:v%d:%s' % (version, base64.b64encode(blob).decode('ascii'))


def parse(ciphertext):
    """``(version, blob)`` of a ciphertext string, or None when it is not one."""
    match = CIPHERTEXT.match(ciphertext) if isinstance(ciphertext, str) else None
    if not match:
        return None
    try:
        blob = base64.b64decode(match.group(2), validate=True)
    except ValueError:  # binascii.Error: cut short, or missing its padding
        return None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        return None
    return int(match.group(1)), blob


def unseal(secret_hex, blob, context):
    """The plaintext of a ciphertext blob, or None when key, version or context do not match."""
    secret = bytes.fromhex(secret_hex)
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(secret, nonce, context, body)):
        return None
    return bytes(a ^ b for a, b in zip(body, _keystream(secret, nonce, len(body))))


# ---- signing keys (RSA2048, ECDSA P-256): real keys, through the cryptography package ansible-core installs ----

def new_signing_key(key_type):
    """``(private PEM, public PEM)`` of a new RSA 2048-bit (e = 65537) or ECDSA P-256 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    if key_type == 'RSA2048':
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem.decode('ascii'), public_pem.decode('ascii')


def _scheme(key_type):
    """(padding or None, algorithm) of a signature: RSASSA-PSS with SHA-256 (MGF1 SHA-256, 32-byte salt), or ECDSA
    with SHA-256 (DER). Assumed: NCP does not publish its parameters; these are the common KMS choice."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    if key_type == 'RSA2048':
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    return None, ec.ECDSA(hashes.SHA256())


def sign(private_pem, key_type, data):
    from cryptography.hazmat.primitives import serialization
    private = serialization.load_pem_private_key(private_pem.encode('ascii'), password=None)
    pad, algorithm = _scheme(key_type)
    return private.sign(data, pad, algorithm) if pad else private.sign(data, algorithm)


def verify(public_pem, key_type, data, signature):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    public = serialization.load_pem_public_key(public_pem.encode('ascii'))
    pad, algorithm = _scheme(key_type)
    try:
        if pad:
            public.verify(signature, data, pad, algorithm)
        else:
            public.verify(signature, data, algorithm)
    except InvalidSignature:
        return False
    return True
