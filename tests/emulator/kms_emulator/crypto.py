# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cryptography of the emulated KMS, standard library only.

Not NCP's algorithms (which are not published): a construction with the properties the API promises.
Each key version has its own 32-byte secret. A ciphertext is ``ncpkms:v{version}:`` followed by the
base64 of nonce (16 bytes), the plaintext XORed with an HMAC-SHA256 keystream, and an HMAC-SHA256 tag
over nonce, context and body (encrypt-then-MAC): a wrong key, version or context fails the tag. Normal
keys draw a random nonce (the same plaintext encrypts differently each time); convergent keys derive it
from the plaintext and the context (the same input gives the same ciphertext).

Public keys (get-pub-key) are real: an RSA 2048-bit key (e = 65537) or an ECDSA P-256 key per version,
made on first use, as PEM ``SubjectPublicKeyInfo``. The emulator encrypts RSA2048 data with the
symmetric construction above (its 190-byte limit is enforced), not with RSA-OAEP.
"""

import base64
import hashlib
import hmac
import os
import random
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


# ---- public keys: DER encoding of SubjectPublicKeyInfo ------------------------------------------------------

def _der(tag, content):
    length = len(content)
    if length < 0x80:
        header = bytes([length])
    else:
        size = (length.bit_length() + 7) // 8
        header = bytes([0x80 | size]) + length.to_bytes(size, 'big')
    return bytes([tag]) + header + content


def _der_int(value):
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, 'big'))


def _der_oid(dotted):
    parts = [int(p) for p in dotted.split('.')]
    body = bytes([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.insert(0, 0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(chunk)
    return _der(0x06, body)


def _pem(algorithm, key_bits):
    der = _der(0x30, _der(0x30, algorithm) + _der(0x03, b'\x00' + key_bits))
    lines = base64.b64encode(der).decode('ascii')
    return '-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n' % '\n'.join(
        lines[i:i + 64] for i in range(0, len(lines), 64))


def _probable_prime(bits, rng):
    small = [p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p ** 0.5) + 1, 2))]
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if any(candidate % p == 0 for p in small):
            continue
        d, r = candidate - 1, 0
        while d % 2 == 0:
            d //= 2
            r += 1
        for unused in range(20):
            x = pow(rng.randrange(2, candidate - 2), d, candidate)
            if x in (1, candidate - 1):
                continue
            for unused_r in range(r - 1):
                x = pow(x, 2, candidate)
                if x == candidate - 1:
                    break
            else:
                break
        else:
            return candidate


def rsa_public_pem(rng=None):
    rng = rng or random.SystemRandom()
    e = 65537
    while True:
        p, q = _probable_prime(1024, rng), _probable_prime(1024, rng)
        n = p * q
        if p != q and n.bit_length() == 2048 and (p - 1) % e and (q - 1) % e:
            break
    return _pem(_der_oid('1.2.840.113549.1.1.1') + _der(0x05, b''), _der(0x30, _der_int(n) + _der_int(e)))


# NIST P-256
P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
P256_A = P256_P - 3
P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
P256_G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
          0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)


def _ec_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P256_P == 0:
        return None
    if a == b:
        slope = (3 * a[0] * a[0] + P256_A) * pow(2 * a[1], -1, P256_P)
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, P256_P)
    x = (slope * slope - a[0] - b[0]) % P256_P
    return x, (slope * (a[0] - x) - a[1]) % P256_P


def ecdsa_public_pem(rng=None):
    rng = rng or random.SystemRandom()
    scalar, point, result = rng.randrange(1, P256_N), P256_G, None
    while scalar:
        if scalar & 1:
            result = _ec_add(result, point)
        point = _ec_add(point, point)
        scalar >>= 1
    key_bits = b'\x04' + result[0].to_bytes(32, 'big') + result[1].to_bytes(32, 'big')
    return _pem(_der_oid('1.2.840.10045.2.1') + _der_oid('1.2.840.10045.3.1.7'), key_bits)
