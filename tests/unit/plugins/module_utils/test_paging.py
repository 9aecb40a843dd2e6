# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A full listing reads its pages at the same time, against the emulator: under injected faults every key comes
once, in the API's order, with the client's own retry policy."""

from ansible_collections.ncloud.kms.plugins.module_utils.transport import HttpSession

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsClient, StaticKeys
from ansible_collections.ncloud.kms.plugins.module_utils.keys import PAGE_SIZE, all_keys, iter_keys
from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.server import Emulator

ACCESS, SECRET = 'AKPAGING', 'paging-secret'


def test_ten_thousand_keys_under_faults_come_once_each_in_order():
    emulator = Emulator(access_key=ACCESS, secret_key=SECRET)
    emulator.start()
    try:
        emulator.store.seed('global', 10000)
        expected = [key['keyTag'] for key in emulator.store.ordered('global')]
        emulator.set_faults({'error_rate': 0.15, 'drop_rate': 0.05, 'seed': 7})
        session = HttpSession()
        client = KmsClient(emulator.urls()['global'], StaticKeys(ACCESS, SECRET, 'test'), session, retries=10,
                           backoff_base=0.01, backoff_cap=0.05)
        listed = [key['keyTag'] for key in all_keys(client)]
        counts = dict(emulator.fault_counts)
        emulator.set_faults({})
        assert listed == expected and len(set(listed)) == 10000
        assert counts.get('503', 0) > 0 and counts.get('drop', 0) > 0, counts
        assert emulator.peak_in_flight > 1   # the pages were read at the same time
        assert [key['keyTag'] for key in iter_keys(client)] == expected
        assert 10000 // PAGE_SIZE == 50
    finally:
        emulator.stop()
