# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller-side plugins share (the kms_decrypt lookup and the kms_vars vars plugin): a connection
from their options, their key selector, and the decryption of texts that are NCP ciphertexts or envelopes.

Both take options through a ``get_option(name)`` callable and report problems through ``fail(message)``, which
raises; nothing here holds or formats a plaintext. Controller code only: modules never import it.

Internal to ncloud.kms: not an API; names and signatures may change in any release.
"""

import io
import os
import sys

from contextlib import contextmanager

from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, KmsConnection
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto, check_ciphertexts
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, is_envelope
from ansible_collections.ncloud.kms.plugins.module_utils.selector import KeySelector
from ansible_collections.ncloud.kms.plugins.module_utils.transport import HAS_REQUESTS

MISSING_REQUESTS = ('ncloud.kms needs the Python library requests on the controller, in the Python that runs Ansible '
                    '(%s): install it with "%s -m pip install requests" (or "pip install -r requirements.txt" from the '
                    "collection's folder)")


@contextmanager
def empty_means_unset():
    """While a plugin reads its options, an NCLOUD_* environment variable set to an empty string is as unset (AWX
    renders a credential input left unset as ''), so the option's default applies, as it does for the modules."""
    empty = dict((name, value) for name, value in os.environ.items() if name.startswith('NCLOUD_') and value == '')
    for name in empty:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(empty)


def plugin_selector(get_option, fail, warn):
    """The key selector of a plugin's options (a kms_vars file's: ``selector.with_file_settings``), checked."""
    selector = KeySelector.from_options(get_option, 'key_name', warn=warn)
    if selector.problem(exactly_one=True):
        fail(selector.problem(exactly_one=True))
    return selector


def open_connection(get_option, fail, given=None, missing_hint='', regions=(None,), debug=None):
    """A validated KmsConnection from a plugin's options; ``debug`` hears which credential source signs (-vvvv)."""
    if not HAS_REQUESTS:
        fail(MISSING_REQUESTS % (sys.executable, sys.executable))
    connection = KmsConnection(dict((name, get_option(name)) for name in CONNECTION_OPTIONS), fail, given or {},
                               missing_hint=missing_hint, debug=debug)
    connection.validate(list(regions))
    return connection


def decrypt_texts(connection, selector, texts, context, what='term'):
    """The bytes of each text, an NCP ciphertext or an envelope, with the key of ``selector`` (a
    ``selector.KeySelector``: by tag no call, the decrypt call checks it; by name, the region rule, one listing per
    process, the key cache when it is on). The ciphertexts and the wrapped data keys of the envelopes go to NCP
    together, in as few calls as the limits allow; each envelope's content is then opened here. What the selector
    found on the way goes to its ``warn``."""
    envelopes = dict((position, Envelope(text.encode('utf-8'), '%s %d' % (what, position + 1)))
                     for position, text in enumerate(texts) if is_envelope(text))
    ciphertexts = [envelopes[n].wrapped_key if n in envelopes else text for n, text in enumerate(texts)]
    check_ciphertexts(ciphertexts, what)
    key = selector.find(connection, trust_tag=True, remember=True)
    if key is None:
        raise CryptoError(selector.missing(connection))
    crypto = KmsCrypto(connection.client(selector.region))
    crypto.check_enabled(key)
    plaintexts = crypto.decrypt(key, ciphertexts, context)
    for position, sealed in envelopes.items():
        content = io.BytesIO()
        sealed.open_to(plaintexts[position], content)
        plaintexts[position] = content.getvalue()
    return plaintexts
