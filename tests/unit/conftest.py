# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every unit test starts from: the collection's per-process caches empty, as in a new module run."""

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils import crypto, selector


@pytest.fixture(autouse=True)
def empty_process_caches():
    """The plaintexts and public keys a process remembers (crypto) and the key names it has resolved (selector). A test
    that clears them again halfway through plays a second run in a new process."""
    crypto._DECRYPTED.clear()
    crypto._PUBLIC_KEYS.clear()
    selector._REMEMBERED_NAMES.clear()
