# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the shared crypto code: limits before any request, batching, caches, error wording."""

import base64

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils import crypto
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import (
    CryptoError, KmsCrypto, batches, check_ciphertexts, encode_context,
)
from ansible_collections.ncloud.kms.plugins.module_utils.selector import locate_names

MARKER = 'PLAINTEXT-MARKER-7f3a'


class CryptoClient(object):
    """Answers encrypt/decrypt as the API does for arrays and strings; records each request."""

    base_url = 'https://kms.test'
    access_key = 'AK'

    def __init__(self, keys=(), error=None):
        self.requests = []
        self.keys = list(keys)
        self.error = error

    def request(self, method, path, query=None, body=None, idempotent=True):
        self.requests.append((method, path, body))
        if self.error:
            raise self.error
        field, out = ('plaintext', 'ciphertext') if path.endswith('/encrypt') else ('ciphertext', 'plaintext')
        items = body[field] if isinstance(body[field], list) else [body[field]]
        if out == 'ciphertext':
            answers = ['ncpkms:v1:' + item for item in items]
        else:
            answers = [item.split(':', 2)[2] for item in items]
        return {out: answers if isinstance(body[field], list) else answers[0]}

    def request_answer(self, method, path, query=None, body=None, idempotent=True):
        self.requests.append(('GET', '/keys', None))
        return {'code': 'SUCCESS', 'data': {'keyList': self.keys, 'totalPageNo': 1}}


def sealed(text):
    return 'ncpkms:v1:' + base64.b64encode(text.encode()).decode()


def test_many_small_items_are_one_request_and_keep_their_order():
    client = CryptoClient()
    kms = KmsCrypto(client)
    out = kms.decrypt({'keyTag': 't'}, [sealed('a'), sealed('b'), sealed('c')])
    assert out == [b'a', b'b', b'c'] and len(client.requests) == 1
    assert isinstance(client.requests[0][2]['ciphertext'], list)


def test_a_single_item_is_sent_as_a_string():
    client = CryptoClient()
    KmsCrypto(client).encrypt({'keyTag': 't', 'keyType': 'AES256'}, [b'x'])
    assert isinstance(client.requests[0][2]['plaintext'], str)


def test_a_ciphertext_decrypted_once_is_not_sent_again_in_the_process():
    client = CryptoClient()
    kms = KmsCrypto(client)
    kms.decrypt({'keyTag': 't'}, [sealed('a')], context='Yw==')
    assert kms.decrypt({'keyTag': 't'}, [sealed('a'), sealed('a')], context='Yw==') == [b'a', b'a']
    assert len(client.requests) == 1
    kms.decrypt({'keyTag': 't'}, [sealed('a')], context='ZA==')  # another context is another request
    assert len(client.requests) == 2


def test_a_key_name_is_resolved_once_per_process():
    client = CryptoClient(keys=[{'keyName': 'app', 'keyTag': 't', 'status': 'ENABLE'}])
    for unused in range(2):
        found, region, warnings = locate_names(lambda region: client, ['app'], 'global', 'public', remember=True)
        assert found['app']['keyTag'] == 't' and region is None and warnings == []
    assert [r[1] for r in client.requests] == ['/keys']


def test_batches_respect_the_limit_and_the_order():
    assert batches([b'a' * 10, b'b' * 10, b'c' * 5], len, 20) == [[b'a' * 10, b'b' * 10], [b'c' * 5]]
    big = [b'x' * 20000, b'y' * 20000]
    client = CryptoClient()
    KmsCrypto(client).encrypt({'keyTag': 't', 'keyType': 'AES256'}, big)
    assert len(client.requests) == 2


@pytest.mark.parametrize('key_type, size, limit', [('AES256', 32769, 32768), ('RSA2048', 191, 190)])
def test_content_over_the_limit_fails_before_any_request(key_type, size, limit):
    client = CryptoClient()
    with pytest.raises(CryptoError) as caught:
        KmsCrypto(client).encrypt({'keyTag': 't', 'keyType': key_type}, [b'x' * size])
    assert 'at most %d bytes' % limit in str(caught.value) and 'it has %d' % size in str(caught.value) and client.requests == []


def test_an_ecdsa_key_cannot_encrypt():
    with pytest.raises(CryptoError, match='signs but cannot encrypt'):
        KmsCrypto(CryptoClient()).encrypt({'keyTag': 't', 'keyName': 'sig', 'keyType': 'ECDSA'}, [b'x'])


def test_context_over_50_bytes_and_terms_that_are_not_ciphertexts_are_refused_without_their_value():
    assert encode_context('c' * 50) == base64.b64encode(b'c' * 50).decode()
    with pytest.raises(CryptoError, match='at most 50 bytes'):
        encode_context('c' * 51)
    with pytest.raises(CryptoError) as caught:
        check_ciphertexts([sealed('ok'), MARKER])
    assert 'term 2 is not a valid ciphertext' in str(caught.value) and MARKER not in str(caught.value)


@pytest.mark.parametrize('status, expected', [
    (422, 'is not enabled (disabled or pending deletion)'),
    (400, 'could not decrypt: the ciphertext does not match this key and context'),
])
def test_api_refusals_say_what_to_do(status, expected):
    error = KmsApiError('nope', status=status, code='X', method='POST', path='/keys/t/decrypt')
    with pytest.raises(CryptoError) as caught:
        KmsCrypto(CryptoClient(error=error)).decrypt({'keyTag': 't', 'keyName': 'app'}, [sealed(MARKER)])
    assert expected in str(caught.value) and MARKER not in str(caught.value)


def test_a_disabled_or_deleted_key_is_refused_before_any_request():
    with pytest.raises(CryptoError, match='is disabled, and NCP encrypts, decrypts, signs and verifies only with an enabled key'):
        KmsCrypto.check_enabled({'keyName': 'app', 'keyTag': 't', 'status': 'DISABLE'})
    with pytest.raises(CryptoError, match='cancel the deletion'):
        KmsCrypto.check_enabled({'keyName': 'app', 'keyTag': 't', 'status': 'REVOKE'})


@pytest.mark.parametrize('damage', [lambda c: c.rstrip('='), lambda c: c[:-3], lambda c: c[:12], lambda c: c + '!'])
def test_a_damaged_ciphertext_fails_before_any_request(damage):
    whole = sealed('a secret of some length')
    assert whole.endswith('=') and crypto.ciphertext_version(whole) == 1
    client = CryptoClient()
    with pytest.raises(CryptoError) as caught:
        KmsCrypto(client).decrypt({'keyTag': 't'}, [whole, damage(whole)])
    assert 'term 2 is not a valid ciphertext' in str(caught.value) and client.requests == []


@pytest.mark.parametrize('answer', [
    lambda sent: {'newCiphertext': sent},                       # the current page
    lambda sent: {'ciphertext': sent},                          # an older page
    lambda sent: {'newCiphertext': sent[0]} if len(sent) == 1 else {'newCiphertext': sent},
])
def test_re_encrypt_reads_every_answer_shape_and_batches_by_100(answer):
    from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
    old = [sealed('item %d' % n) for n in range(150)]
    renewed = [c.replace('ncpkms:v1:', 'ncpkms:v2:') for c in old]
    client = ScriptedClient(('POST', '/keys/t/re-encrypt', answer(renewed[:100])),
                            ('POST', '/keys/t/re-encrypt', answer(renewed[100:])))
    assert KmsCrypto(client).re_encrypt({'keyTag': 't'}, old) == renewed
    assert [len(body['ciphertext']) for body in client.bodies] == [100, 50]


def test_a_convergent_key_without_context_fails_before_the_plaintext_is_sent():
    client = CryptoClient()
    with pytest.raises(CryptoError) as caught:
        KmsCrypto(client).encrypt({'keyTag': 't', 'keyName': 'conv', 'isConvergent': True}, [MARKER.encode()])
    assert 'is convergent' in str(caught.value) and 'context' in str(caught.value)
    assert client.requests == [] and MARKER not in str(caught.value)
    KmsCrypto(client).encrypt({'keyTag': 't', 'keyName': 'conv', 'isConvergent': True}, [b'x'], encode_context('c'))
    assert len(client.requests) == 1


def test_a_data_key_is_256_bits_with_its_wrapped_form():
    from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient
    plain = base64.b64encode(b'k' * 32).decode()
    client = ScriptedClient(('POST', '/keys/t/create-custom-key', {'plaintext': plain, 'ciphertext': sealed('k'),
                                                                   'key_version': 1}))
    assert KmsCrypto(client).data_key({'keyTag': 't'}) == (b'k' * 32, sealed('k'))
    assert client.bodies == [{'requestPlainKey': True, 'bits': 256}]
    short = ScriptedClient(('POST', '/keys/t/create-custom-key', {'plaintext': base64.b64encode(b'k').decode(),
                                                                  'ciphertext': sealed('k')}))
    with pytest.raises(KmsApiError):
        KmsCrypto(short).data_key({'keyTag': 't'})
