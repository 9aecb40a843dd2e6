# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keys and their state: the ENABLE/DISABLE/REVOKE state machine, names, paging, migration, persistence.

Every API operation takes one ``rules.Request`` and runs under the store's lock; each write saves the state.
Versions and rotation live in ``versions.py``, encrypt/decrypt/public keys in ``crypto_ops.py``; ``store.Store``
puts the three together. No HTTP here: ``server.py`` maps requests to these methods through its route table.
"""

import json
import math
import os
import threading
import time

from . import crypto
from .rules import (
    BOUNDARIES, CREATE_FIELDS, DAY_MS, DELETION_DELAY_MS, HIDDEN_FIELDS, KEY_TYPES, LIST_FIELDS, PROTECTIONS,
    KmsError, bad_request, check_memo, check_name, check_rotation_period, int_param, new_tag, nrn, require_type,
    tag_boundary, wrong_state,
)
from .settings import key_acl


class KeyTable(dict):
    """One boundary's keys by tag. Remembers its list order (by keyId) until a key is added, replaced or removed,
    so reading 50 pages of 10,000 keys sorts them once, not 50 times."""

    def __init__(self, *args):
        super(KeyTable, self).__init__(*args)
        self._order = None

    def __setitem__(self, tag, key):
        self._order = None
        super(KeyTable, self).__setitem__(tag, key)

    def __delitem__(self, tag):
        self._order = None
        super(KeyTable, self).__delitem__(tag)

    def ordered(self):
        if self._order is None:
            self._order = sorted(self.values(), key=lambda key: key['keyId'])
        return self._order


class KeyStore(object):
    """All keys of all boundaries, guarded by one lock; optionally persisted to a JSON file."""

    def __init__(self, base_urls=None, clock=time.time, state_file=None, variants=None):
        self.lock = threading.RLock()
        self.variants = variants if variants is not None else set()
        self.clock = clock
        self.base_urls = base_urls or {}
        self.state_file = state_file
        self.keys = dict((boundary, KeyTable()) for boundary in BOUNDARIES)
        self.next_key_id = 1
        if state_file and os.path.exists(state_file):
            self._load()

    # ---- persistence and housekeeping ------------------------------------------------------------

    def _load(self):
        with open(self.state_file) as handle:
            saved = json.load(handle)
        self.next_key_id = saved['next_key_id']
        for boundary in BOUNDARIES:
            self.keys[boundary] = KeyTable((key['keyTag'], key) for key in saved['keys'].get(boundary, []))

    def save(self):
        if not self.state_file:
            return
        temp = self.state_file + '.tmp'
        with open(temp, 'w') as handle:
            json.dump({'next_key_id': self.next_key_id,
                       'keys': dict((b, self.ordered(b)) for b in BOUNDARIES)}, handle)
        os.replace(temp, self.state_file)

    def reset(self):
        with self.lock:
            self.keys = dict((boundary, KeyTable()) for boundary in BOUNDARIES)
            self.next_key_id = 1
            self.save()

    def now_ms(self):
        return int(self.clock() * 1000)

    def _purge(self, boundary):
        """Keys pending deletion are destroyed 72 hours after the request (doc)."""
        now = self.now_ms()
        for tag in [tag for tag, key in self.keys[boundary].items()
                    if key['status'] == 'REVOKE' and key.get('destroyDate') and key['destroyDate'] <= now]:
            del self.keys[boundary][tag]

    def _housekeeping(self, boundary):
        """Before any read: destroy keys whose deletion date passed, add the automatic rotations that are due
        (``_catch_up_rotations`` is in versions.py)."""
        self._purge(boundary)
        self._catch_up_rotations(boundary)

    def ordered(self, boundary):
        self._housekeeping(boundary)
        return self.keys[boundary].ordered()

    def _key(self, boundary, key_tag):
        """The key of a tag, ignoring case (doc, v3). A tag whose prefix names another boundary is answered 400: a
        key can be called only on its own boundary's address (doc, v3)."""
        self._housekeeping(boundary)
        key_tag = key_tag.lower()
        owner = tag_boundary(key_tag)
        if owner is not None and owner != boundary:
            raise bad_request('the key %s belongs to the %s boundary: call it on that boundary\'s address'
                              % (key_tag, owner))
        key = self.keys[boundary].get(key_tag)
        if key is None:
            raise KmsError(404, 'NOT_FOUND', 'key not found: %s' % key_tag)
        return key

    def _live_key(self, boundary, key_tag, action):
        key = self._key(boundary, key_tag)
        if key['status'] == 'REVOKE':
            raise wrong_state(key, action)
        return key

    def _name_in_use(self, boundary, name, except_tag=None):
        """Names are unique regardless of case (doc, v3)."""
        return any(key['keyName'].lower() == name.lower() and key['keyTag'] != except_tag
                   for key in self.ordered(boundary))

    # ---- records -----------------------------------------------------------------------------

    @staticmethod
    def full_record(key):
        return dict((field, value) for field, value in key.items() if field not in HIDDEN_FIELDS)

    @staticmethod
    def list_record(key):
        return dict((field, key.get(field)) for field in LIST_FIELDS)

    @staticmethod
    def create_record(key):
        return dict((field, key.get(field)) for field in CREATE_FIELDS)

    def _new_key(self, boundary, name, key_type, protection, convergent, auto_rotation, period, memo):
        now = self.now_ms()
        key_id = self.next_key_id
        self.next_key_id += 1
        tag = new_tag(boundary)
        return {
            'keyId': key_id, 'keyTag': tag, 'keyName': name, 'keyType': key_type,
            'protectionType': protection, 'isConvergent': convergent, 'status': 'ENABLE',
            'isAutoRotation': auto_rotation, 'rotationPeriod': period,
            'nextRotationDate': now + period * DAY_MS if auto_rotation else None,
            'memo': memo, 'keystoreId': 1000 + BOUNDARIES.index(boundary), 'currentVersion': 1,
            'registerDate': now, 'destroyDate': None, 'statusDate': now,
            'nrn': nrn(boundary, tag),
            'baseUrl': self.base_urls.get(boundary),
            'versions': [{'version': 1, 'status': 'ENABLE', 'statusDate': now, 'rotatedDate': now,
                          'secret': crypto.new_secret()}],
        }

    def _set_status(self, key, status):
        key['status'] = status
        key['statusDate'] = self.now_ms()
        self.save()
        return {'keyTag': key['keyTag'], 'status': status, 'statusDate': key['statusDate']}

    # ---- API operations ----------------------------------------------------------------------------

    def create(self, req):
        body = req.body
        with self.lock:
            name = require_type(body, 'keyName', str, required=True)
            check_name(name)
            key_type = require_type(body, 'keyType', str, required=True)
            if key_type not in KEY_TYPES:
                raise bad_request('keyType must be one of %s' % ', '.join(KEY_TYPES))
            protection = require_type(body, 'protectionType', str, required=True)
            if protection not in PROTECTIONS:
                raise bad_request('protectionType must be one of %s' % ', '.join(PROTECTIONS))
            convergent = require_type(body, 'isConvergent', bool) or False
            if convergent and key_type != 'AES256':
                raise bad_request('isConvergent is only allowed for AES256 keys')
            auto_rotation = require_type(body, 'isAutoRotation', bool, required=True)
            period = require_type(body, 'rotationPeriod', int)
            period = 90 if period is None else period
            check_rotation_period(period)
            memo = require_type(body, 'memo', str)
            if memo is not None:
                check_memo(memo)
            if self._name_in_use(req.boundary, name):
                raise KmsError(409, 'DUPLICATE', 'a key named %s already exists' % name)
            key = self._new_key(req.boundary, name, key_type, protection, convergent, auto_rotation, period, memo or '')
            self.keys[req.boundary][key['keyTag']] = key
            self.save()
            return self.create_record(key)

    def list_keys(self, req):
        page_no, page_size = int_param(req.query, 'pageNo', 1), int_param(req.query, 'pageSize', 100)
        with self.lock:
            if page_no < 1:
                raise bad_request('pageNo must be 1 or more')
            if not 1 <= page_size <= 200:
                raise bad_request('pageSize must be between 1 and 200')
            keys = self.ordered(req.boundary)
            start = (page_no - 1) * page_size
            return {
                'keyList': [self.list_record(key) for key in keys[start:start + page_size]],
                'currentPageNo': page_no,
                'totalPageNo': int(math.ceil(len(keys) / float(page_size))),
                'totalCount': len(keys),
            }

    def get(self, req):
        with self.lock:
            return self.full_record(self._key(req.boundary, req.tag))

    def enable(self, req):
        with self.lock:
            return self._set_status(self._live_key(req.boundary, req.tag, 'enable'), 'ENABLE')

    def disable(self, req):
        with self.lock:
            return self._set_status(self._live_key(req.boundary, req.tag, 'disable'), 'DISABLE')

    def request_deletion(self, req):
        with self.lock:
            key = self._live_key(req.boundary, req.tag, 'request deletion of')
            key['destroyDate'] = self.now_ms() + DELETION_DELAY_MS
            return self._set_status(key, 'REVOKE')

    def cancel_deletion(self, req):
        """Cancelling brings the key back DISABLE, not ENABLE (doc)."""
        with self.lock:
            key = self._key(req.boundary, req.tag)
            if key['status'] != 'REVOKE':
                raise wrong_state(key, 'cancel deletion of')
            key['destroyDate'] = None
            return self._set_status(key, 'DISABLE')

    def delete(self, req):
        """Destroy at once: only a key already pending deletion (doc)."""
        with self.lock:
            key = self._key(req.boundary, req.tag)
            if key['status'] != 'REVOKE':
                raise wrong_state(key, 'delete')
            del self.keys[req.boundary][key['keyTag']]
            self.save()
            return None

    def rename(self, req):
        boundary, key_tag = req.boundary, req.tag
        with self.lock:
            key = self._live_key(boundary, key_tag, 'rename')
            name = require_type(req.body, 'keyName', str, required=True)
            check_name(name)
            if self._name_in_use(boundary, name, except_tag=key['keyTag']):
                raise KmsError(409, 'DUPLICATE', 'a key named %s already exists' % name)
            if name.lower() == key['keyName'].lower():
                # v3: renaming a key to its own name or a case-only variant is refused.
                raise KmsError(409, 'DUPLICATE', 'the key is already named %s' % key['keyName'])
            key['keyName'] = name
            if 'rename-new-tag' in self.variants:
                # Variant: the tag is "derived from the key name", so a rename gives a new one.
                del self.keys[boundary][key['keyTag']]
                key['keyTag'] = new_tag(boundary)
                key['nrn'] = nrn(boundary, key['keyTag'])
                self.keys[boundary][key['keyTag']] = key
            self.save()
            return {'keyTag': key['keyTag'], 'keyName': name}

    def set_memo(self, req):
        with self.lock:
            key = self._live_key(req.boundary, req.tag, 'change the memo of')
            memo = require_type(req.body, 'memo', str, required=True)
            check_memo(memo)
            key['memo'] = memo
            self.save()
            return {'keyTag': key['keyTag'], 'memo': memo}

    def migrate(self, req):
        """Global key -> isolation key of KR or JPN; the global key is deleted (doc).

        Only a disabled key can be migrated (doc, console guide); an ENABLE or REVOKE key is a
        state error (assumed shape). The key gets a new tag with the target's prefix (doc, v3), answered by the
        call (assumed); it keeps its name and arrives disabled, as it left (assumed).
        """
        boundary, key_tag = req.boundary, req.tag
        with self.lock:
            if boundary != 'global':
                raise bad_request('only global keys can be migrated')
            target = require_type(req.body, 'targetRegion', str, required=True)
            if target not in ('KR', 'JPN'):
                raise bad_request('targetRegion must be KR or JPN')
            key = self._key(boundary, key_tag)
            if key['status'] != 'DISABLE':
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: only a disabled key can be migrated; '
                               'the key is in %s' % key['status'])
            if self._name_in_use(target, key['keyName']):
                raise KmsError(409, 'DUPLICATE', 'an isolation key named %s already exists in %s'
                               % (key['keyName'], target))
            del self.keys[boundary][key['keyTag']]
            key['keyTag'] = new_tag(target)   # v3: an isolation key's tag carries the region prefix
            key['baseUrl'] = self.base_urls.get(target)
            key['nrn'] = nrn(target, key['keyTag'])
            key['keystoreId'] = 1000 + BOUNDARIES.index(target)
            self.keys[target][key['keyTag']] = key
            self.save()
            return {'keyTag': key['keyTag'], 'targetRegion': target}

    # ---- test controls (admin API) -------------------------------------------------------------

    def seed(self, boundary, count, prefix='seed'):
        """Add ``count`` enabled AES256 keys named ``<prefix><n>`` (for paging tests and benchmarks)."""
        with self.lock:
            start = len(self.keys[boundary])
            for number in range(start, start + count):
                name = '%s%05d' % (prefix, number)
                check_name(name)
                key = self._new_key(boundary, name, 'AES256', 'BASIC', False, False, 90, '')
                self.keys[boundary][key['keyTag']] = key
            self.save()
            return count

    def dump(self):
        with self.lock:
            # The admin dump shows the IP ACL and the token generator beside each record, for tests (the API reads
            # them with their own calls).
            return dict((boundary, [dict(self.full_record(key), acl=key_acl(key),
                                         tokenGenerator=key.get('tokenGenerator')) for key in self.ordered(boundary)])
                        for boundary in BOUNDARIES)
