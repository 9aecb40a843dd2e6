# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key usage: the activity log and the latest use of each key, recorded from the requests the emulator serves.
Part of ``store.Store``.

Doc (pages ``security-kms2-*``): the activity log pages like the key list and covers the last 24 hours unless
``timestampFrom``/``timestampTo`` (ms) say otherwise; an item holds ``timestamp``, ``data.kmsKey``,
``data.requestor`` (``requestType`` CONSOLE, API or SYSTEM), ``data.api`` (result, action, type) and ``message``.
Assumed: the log records every request on a key, but its latest use is the latest crypto call (encrypt, decrypt,
sign, verify, custom key, re-encrypt, public key), so that reading or managing a key (a ``--check`` run included)
does not make it "used"; a key never used answers ``data: null``; the newest activity comes first; reading the
usage is not itself recorded; at most 1,000 activities are kept per key.
"""

import math

from .rules import bad_request, int_param

MAX_KEPT = 1000
DAY_MS = 24 * 3600 * 1000
CRYPTO_OPERATIONS = ('encrypt', 'decrypt', 'public_key', 'sign', 'verify', 'create_custom_key', 're_encrypt', 'reencrypt')
NOT_RECORDED = ('last_use_info', 'activities', 'list_keys')


def action_name(operation):
    """NCP-style action of a store operation: enable_version -> EnableVersion."""
    return ''.join(part.capitalize() for part in operation.split('_'))


class UsageOps(object):
    """Records and serves the usage of the keys a ``KeyStore`` holds."""

    def record_use(self, boundary, key_tag, operation, succeeded):
        """One API request on a key (called by the server after each operation)."""
        if operation in NOT_RECORDED or not key_tag:
            return
        with self.lock:
            key = self.keys[boundary].get(key_tag.lower())
            if key is None:
                return
            activities = key.setdefault('activities', [])
            activities.insert(0, {
                'timestamp': self.now_ms(),
                'requestType': 'API',
                'action': action_name(operation),
                'type': 'CRYPTO' if operation in CRYPTO_OPERATIONS else 'KEY_MANAGEMENT',
                'result': 'SUCCESS' if succeeded else 'FAIL',
            })
            del activities[MAX_KEPT:]

    @staticmethod
    def activity_item(key, activity):
        return {
            'timestamp': activity['timestamp'],
            'data': {'kmsKey': {'keyTag': key['keyTag'], 'keyName': key['keyName'], 'nrn': key.get('nrn')},
                     'requestor': {'requestType': activity['requestType'], 'id': 'emulator-user', 'ip': '127.0.0.1'},
                     'api': {'result': activity['result'], 'action': activity['action'], 'type': activity['type']}},
            'message': '%s %s: %s' % (activity['action'], key['keyName'], activity['result']),
        }

    def last_use_info(self, req):
        with self.lock:
            key = self._key(req.boundary, req.tag)
            uses = [a for a in key.get('activities') or [] if a['type'] == 'CRYPTO']
            return self.activity_item(key, uses[0]) if uses else None

    def activities(self, req):
        query = req.query
        with self.lock:
            key = self._key(req.boundary, req.tag)
            now = self.now_ms()
            until = int_param(query, 'timestampTo', now)
            since = int_param(query, 'timestampFrom', until - DAY_MS)
            page_no, page_size = int_param(query, 'pageNo', 1), int_param(query, 'pageSize', 100)
            if page_no < 1 or not 1 <= page_size <= 200:
                raise bad_request('pageNo must be 1 or more and pageSize between 1 and 200')
            keyword = query.get('keyword') or ''
            found = [a for a in key.get('activities') or [] if since <= a['timestamp'] <= until
                     and keyword.lower() in a['action'].lower()]
            start = (page_no - 1) * page_size
            return {'activityLogList': [self.activity_item(key, a) for a in found[start:start + page_size]],
                    'currentPageNo': page_no, 'totalPageNo': int(math.ceil(len(found) / float(page_size))),
                    'totalCount': len(found), 'pageSize': page_size}
