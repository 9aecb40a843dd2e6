# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller-side plugins share (the kms_decrypt lookup and the kms_vars vars plugin): a connection
from their options, the key they decrypt with, and the decryption of texts that are NCP ciphertexts or envelopes.

Both take options through a ``get_option(name)`` callable and report problems through ``fail(message)``, which
raises; nothing here holds or formats a plaintext.
"""

import io
import sys

from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import (
    CONNECTION_OPTIONS, UNPREFIXED, KmsConnection, option_region, tag_contradiction, tag_region,
)
from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto, check_ciphertexts
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, is_envelope
from ansible_collections.ncloud.kms.plugins.module_utils.keys import locate_names, name_problem
from ansible_collections.ncloud.kms.plugins.module_utils.transport import HAS_REQUESTS

MISSING_REQUESTS = ('ncloud.kms needs the Python library requests on the controller, in the Python that runs Ansible '
                    '(%s): install it with "%s -m pip install requests" (or "pip install -r requirements.txt" from the '
                    "collection's folder)")


class KeySelector(object):
    """The key a plugin decrypts with: ``key_name`` or ``key_tag``, and ``region``."""

    def __init__(self, key_name=None, key_tag=None, region=None):
        self.key_name, self.key_tag, self.region = key_name, key_tag, region

    def problem(self):
        """What is wrong with the selector, or None; checked before any request."""
        if (self.key_name is None) == (self.key_tag is None):
            return 'exactly one of key_name and key_tag is needed: the key that encrypted the values'
        if self.key_name is not None and name_problem(self.key_name, 'key_name'):
            return name_problem(self.key_name, 'key_name')
        if self.key_tag is not None:
            return tag_contradiction(self.key_tag, self.region)
        return None

    def first_region(self):
        """Where the key is looked for first: its tag's prefix, else the region option (global when unset)."""
        if self.key_tag is not None and tag_region(self.key_tag) != UNPREFIXED:
            return tag_region(self.key_tag)
        return option_region(self.region)


def open_connection(get_option, fail, given=None, missing_hint='', regions=(None,)):
    """A validated KmsConnection from a plugin's options."""
    if not HAS_REQUESTS:
        fail(MISSING_REQUESTS % (sys.executable, sys.executable))
    connection = KmsConnection(dict((name, get_option(name)) for name in CONNECTION_OPTIONS), fail, given or {},
                               missing_hint=missing_hint)
    connection.validate(list(regions))
    return connection


def find_key(connection, selector, use_cache):
    """``(key, client, warnings)``: by tag no call (the decrypt call checks it); by name, the collection's region
    rule (one listing per process, the key cache when it is on)."""
    if selector.key_tag is not None:
        return {'keyTag': selector.key_tag}, connection.client(selector.first_region()), []
    cache = None
    if use_cache:
        from ansible_collections.ncloud.kms.plugins.module_utils.key_cache import KeyCache  # only when it is on
        cache = KeyCache()
    found, region, warnings = locate_names(connection.client, [selector.key_name], selector.region,
                                           connection.options['site'], remember=True, cache=cache)
    if selector.key_name not in found:
        raise CryptoError('no key named %s in %s' % (selector.key_name,
                                                     connection.searched(region, selector.region is None)))
    return found[selector.key_name], connection.client(region), warnings


def decrypt_texts(connection, selector, texts, context, use_cache, what='term'):
    """``(plaintexts, warnings)``: the bytes of each text, an NCP ciphertext or an envelope. The ciphertexts and the
    wrapped data keys of the envelopes go to NCP together, in as few calls as the limits allow; each envelope's
    content is then opened here."""
    envelopes = dict((position, Envelope(text.encode('utf-8'), '%s %d' % (what, position + 1)))
                     for position, text in enumerate(texts) if is_envelope(text))
    ciphertexts = [envelopes[n].wrapped_key if n in envelopes else text for n, text in enumerate(texts)]
    check_ciphertexts(ciphertexts, what)
    key, client, warnings = find_key(connection, selector, use_cache)
    crypto = KmsCrypto(client)
    crypto.check_enabled(key)
    plaintexts = crypto.decrypt(key, ciphertexts, context)
    for position, sealed in envelopes.items():
        content = io.BytesIO()
        sealed.open_to(plaintexts[position], content)
        plaintexts[position] = content.getvalue()
    return plaintexts, warnings
