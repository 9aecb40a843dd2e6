# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kms_decrypt lookup's own rules, before any request: missing credentials say that module_defaults does
not reach lookups; a damaged term is refused by position. Envelopes and ciphertexts share one decrypt call."""

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.ncloud.kms.plugins.lookup.kms_decrypt import LookupModule
from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, KmsConnection
from ansible_collections.ncloud.kms.tests.unit.plugins.fake_clients import ScriptedClient

DEFAULTS = dict((option, facts.get('default')) for option, facts in CONNECTION_OPTIONS.items())


def lookup_with(options, monkeypatch, client=None):
    """A lookup whose options are ``options`` (over the defaults), as set_options would leave them."""
    values = dict(DEFAULTS, key_name=None, key_tag=None, region=None, context=None, output='text')
    values.update(options)
    lookup = LookupModule()
    monkeypatch.setattr(lookup, 'set_options', lambda **kwargs: None)
    monkeypatch.setattr(lookup, 'get_option', values.get)
    client = client or ScriptedClient()  # by default answers nothing: any request fails the test
    monkeypatch.setattr(KmsConnection, 'client', lambda self, region=None: client)
    return lookup


def test_missing_credentials_say_that_module_defaults_does_not_reach_lookups(monkeypatch):
    lookup = lookup_with({'key_name': 'app', 'secret_key': 'sk'}, monkeypatch)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['ncpkms:v1:YWJj'], variables={})
    assert 'secret_key is set (by the option secret_key) but access_key is not' in str(caught.value)
    assert 'module_defaults does not reach lookups' in str(caught.value)


@pytest.mark.parametrize('term', ['ncpkms:v1:YWJjZA', 'ncpkms:v1:YWJjZA=', 'not a ciphertext'])
def test_a_damaged_term_fails_before_any_request(monkeypatch, term):
    lookup = lookup_with({'key_name': 'app', 'access_key': 'ak', 'secret_key': 'sk'}, monkeypatch)
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run(['ncpkms:v1:YWJj', term], variables={})
    assert 'term 2 is not a valid ciphertext' in str(caught.value) and term not in str(caught.value)


def test_envelopes_and_ciphertexts_are_decrypted_in_one_call(monkeypatch):
    import base64
    import io
    from ansible_collections.ncloud.kms.plugins.module_utils.envelope import seal
    data_key, wrapped = b'q' * 32, 'ncpkms:v2:' + base64.b64encode(b'wrapped').decode()
    text = io.BytesIO()
    seal(b'bundle line\n' * 4000, data_key, wrapped, text)
    plain = 'ncpkms:v2:' + base64.b64encode(b'plain').decode()
    client = ScriptedClient(('POST', '/keys/t/decrypt', {'plaintext': [base64.b64encode(b'pw').decode(),
                                                                       base64.b64encode(data_key).decode()]}))
    lookup = lookup_with({'key_tag': 't', 'access_key': 'ak', 'secret_key': 'sk'}, monkeypatch, client)
    values = lookup.run([plain, text.getvalue().decode()], variables={})
    assert values == ['pw', 'bundle line\n' * 4000]
    assert client.bodies == [{'ciphertext': [plain, wrapped]}]
