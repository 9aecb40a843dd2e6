# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated key store of NCP KMS API 2.0, one per boundary (global, KR, JPN), split by concern:

- ``keystore.KeyStore``: keys and their state (lifecycle, names, paging, migration, persistence);
- ``versions.VersionOps``: versions and rotation;
- ``crypto_ops.CryptoOps``: encrypt, decrypt, public keys;
- ``settings.SettingsOps``: the IP ACL, the token generator and token sets;
- ``usage.UsageOps``: the activity log and the latest use, recorded from the requests served.

Adding an operation is one store method (taking a ``rules.Request``) and one row in ``server.ROUTES``.
"""

from .crypto_ops import CryptoOps
from .keystore import KeyStore
from .rules import Request
from .settings import SettingsOps
from .usage import UsageOps
from .versions import VersionOps


class Store(KeyStore, VersionOps, CryptoOps, SettingsOps, UsageOps):
    """Every operation the route table names."""

    @staticmethod
    def request(boundary, tag=None, query=None, body=None, version=None):
        """A ``Request`` for calling an operation directly (admin controls, tests)."""
        return Request(boundary, tag, query or {}, body or {}, version)
