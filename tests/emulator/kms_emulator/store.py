# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key stores of the emulated NCP KMS API 2.0: one per boundary (global, KR, JPN).

Follows ``ncloud-kms-api.md`` (the project's summary of the NCP API reference): field rules,
the ENABLE/DISABLE/REVOKE state machine, versions, paging and migration. Where the summary marks
a fact as assumed, the assumption is implemented as stated there and named in a comment.
No HTTP here: ``server.py`` maps requests to these methods.
"""

import base64
import binascii
import json
import math
import os
import re
import threading
import time
import uuid

from . import crypto

BOUNDARIES = ('global', 'KR', 'JPN')
KEY_TYPES = ('AES256', 'RSA2048', 'ECDSA')
PROTECTIONS = ('BASIC', 'COMMON_HSM')
NAME_RULE = re.compile(r'^[A-Za-z][A-Za-z0-9_-]{2,14}$')
DELETION_DELAY_MS = 72 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000
MAX_VERSIONS = 100
LIST_FIELDS = ('keyId', 'keyTag', 'keyName', 'keyType', 'status', 'protectionType', 'isConvergent',
               'registerDate', 'destroyDate')
# The Create Key page's answer: no currentVersion, nrn or baseUrl (read those with get).
CREATE_FIELDS = ('keyId', 'keyTag', 'keyName', 'keyType', 'protectionType', 'isConvergent', 'isAutoRotation',
                 'rotationPeriod', 'nextRotationDate', 'memo', 'status', 'keystoreId', 'registerDate')
HIDDEN_FIELDS = ('versions',)
DATE_FIELDS = ('registerDate', 'statusDate', 'nextRotationDate', 'destroyDate')
VERSION_FIELDS = ('version', 'status', 'statusDate', 'rotatedDate')  # a version's secret and key pair stay inside
MAX_DATA_BYTES = 32 * 1024      # encrypt: plaintext of one request (doc: 32 KB; assumed: for all items of an array)
MAX_RSA_BYTES = 190             # encrypt with an RSA2048 key (doc)
MAX_CONTEXT_BYTES = 50          # context (doc)
ENCRYPTING_TYPES = ('AES256', 'RSA2048')
PUBLIC_KEY_TYPES = ('RSA2048', 'ECDSA')
# Where NCP's reference contradicts itself, the emulator answers one way by default and the other
# way under a named variant (server.py renders the wire-level ones; rename-new-tag lives here).
VARIANTS = ('list-table', 'notfound-400', 'delete-no-data', 'rename-new-tag', 'gateway-errors')


class KmsError(Exception):
    """A KMS-level failure: ``{"code", "msg", "data": null}`` with an HTTP status (assumed shape)."""

    def __init__(self, status, code, msg):
        super(KmsError, self).__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg


def bad_request(msg):
    return KmsError(400, 'INVALID_REQUEST', msg)


def wrong_state(key, action):
    return KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: cannot %s a key in %s' % (action, key['status']))


def require_type(body, field, kind, required=False):
    if field not in body or body[field] is None:
        if required:
            raise bad_request('%s is required' % field)
        return None
    value = body[field]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad_request('%s must be an integer' % field)
    if kind is not int and not isinstance(value, kind):
        raise bad_request('%s must be of type %s' % (field, kind.__name__))
    return value


def check_name(name):
    if not isinstance(name, str) or not NAME_RULE.match(name):
        raise bad_request('keyName must be 3-15 characters of letters, digits, "-" or "_", starting with a letter')


def check_memo(memo):
    if not isinstance(memo, str) or len(memo) > 100:
        raise bad_request('memo must be a string of at most 100 characters')


def check_rotation_period(period):
    if not 1 <= period <= 730:
        raise bad_request('rotationPeriod must be between 1 and 730 days')


def new_tag():
    return uuid.uuid4().hex + uuid.uuid4().hex


def nrn(boundary, tag):
    return 'nrn:PUB:KMS::%d:Key/%s' % (1000 + BOUNDARIES.index(boundary), tag)


class Store(object):
    """All keys of all boundaries, guarded by one lock; optionally persisted to a JSON file."""

    def __init__(self, base_urls=None, clock=time.time, state_file=None, variants=None):
        self.lock = threading.RLock()
        self.variants = variants if variants is not None else set()
        self.clock = clock
        self.base_urls = base_urls or {}
        self.state_file = state_file
        self.keys = dict((boundary, {}) for boundary in BOUNDARIES)
        self.next_key_id = 1
        if state_file and os.path.exists(state_file):
            self._load()

    # ---- persistence and housekeeping ------------------------------------------------------------

    def _load(self):
        with open(self.state_file) as handle:
            saved = json.load(handle)
        self.next_key_id = saved['next_key_id']
        for boundary in BOUNDARIES:
            self.keys[boundary] = dict((key['keyTag'], key) for key in saved['keys'].get(boundary, []))

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
            self.keys = dict((boundary, {}) for boundary in BOUNDARIES)
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

    def _catch_up_rotations(self, boundary):
        """Automatic rotation adds a version each time the clock passes nextRotationDate (ENABLE keys only,
        at most 100 versions; assumed: a disabled key is not rotated)."""
        now = self.now_ms()
        for key in self.keys[boundary].values():
            while (key['isAutoRotation'] and key['status'] == 'ENABLE' and key['nextRotationDate']
                   and key['nextRotationDate'] <= now and key['currentVersion'] < MAX_VERSIONS):
                self._add_version(key, key['nextRotationDate'])

    def _housekeeping(self, boundary):
        self._purge(boundary)
        self._catch_up_rotations(boundary)

    def _add_version(self, key, when):
        key['currentVersion'] += 1
        key['versions'].append({'version': key['currentVersion'], 'status': 'ENABLE', 'statusDate': when,
                                'rotatedDate': when, 'secret': crypto.new_secret()})
        if key['isAutoRotation']:
            key['nextRotationDate'] = when + key['rotationPeriod'] * DAY_MS

    def ordered(self, boundary):
        self._housekeeping(boundary)
        return sorted(self.keys[boundary].values(), key=lambda key: key['keyId'])

    def _key(self, boundary, key_tag):
        self._housekeeping(boundary)
        key = self.keys[boundary].get(key_tag)
        if key is None:
            raise KmsError(404, 'NOT_FOUND', 'key not found: %s' % key_tag)
        return key

    def _name_in_use(self, boundary, name, except_tag=None):
        return any(key['keyName'] == name and key['keyTag'] != except_tag for key in self.ordered(boundary))

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

    # ---- operations (each under the lock, each saving the state after a write) -----------------------

    def create(self, boundary, body):
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
            if self._name_in_use(boundary, name):
                raise KmsError(409, 'DUPLICATE', 'a key named %s already exists' % name)
            key = self._new_key(boundary, name, key_type, protection, convergent, auto_rotation, period, memo or '')
            self.keys[boundary][key['keyTag']] = key
            self.save()
            return self.create_record(key)

    def _new_key(self, boundary, name, key_type, protection, convergent, auto_rotation, period, memo):
        now = self.now_ms()
        key_id = self.next_key_id
        self.next_key_id += 1
        tag = new_tag()
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

    def list_keys(self, boundary, page_no, page_size):
        with self.lock:
            if page_no < 1:
                raise bad_request('pageNo must be 1 or more')
            if not 1 <= page_size <= 200:
                raise bad_request('pageSize must be between 1 and 200')
            keys = self.ordered(boundary)
            start = (page_no - 1) * page_size
            return {
                'keyList': [self.list_record(key) for key in keys[start:start + page_size]],
                'currentPageNo': page_no,
                'totalPageNo': int(math.ceil(len(keys) / float(page_size))),
                'totalCount': len(keys),
            }

    def get(self, boundary, key_tag):
        with self.lock:
            return self.full_record(self._key(boundary, key_tag))

    def _set_status(self, key, status):
        key['status'] = status
        key['statusDate'] = self.now_ms()
        self.save()
        return {'keyTag': key['keyTag'], 'status': status, 'statusDate': key['statusDate']}

    def enable(self, boundary, key_tag):
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] == 'REVOKE':
                raise wrong_state(key, 'enable')
            return self._set_status(key, 'ENABLE')

    def disable(self, boundary, key_tag):
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] == 'REVOKE':
                raise wrong_state(key, 'disable')
            return self._set_status(key, 'DISABLE')

    def request_deletion(self, boundary, key_tag):
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] == 'REVOKE':
                raise wrong_state(key, 'request deletion of')
            key['destroyDate'] = self.now_ms() + DELETION_DELAY_MS
            return self._set_status(key, 'REVOKE')

    def cancel_deletion(self, boundary, key_tag):
        """Cancelling brings the key back DISABLE, not ENABLE (doc)."""
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] != 'REVOKE':
                raise wrong_state(key, 'cancel deletion of')
            key['destroyDate'] = None
            return self._set_status(key, 'DISABLE')

    def delete(self, boundary, key_tag):
        """Destroy at once: only a key already pending deletion (doc)."""
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] != 'REVOKE':
                raise wrong_state(key, 'delete')
            del self.keys[boundary][key_tag]
            self.save()
            return None

    def _live_key(self, boundary, key_tag, action):
        key = self._key(boundary, key_tag)
        if key['status'] == 'REVOKE':
            raise wrong_state(key, action)
        return key

    def rename(self, boundary, key_tag, body):
        with self.lock:
            key = self._live_key(boundary, key_tag, 'rename')
            name = require_type(body, 'keyName', str, required=True)
            check_name(name)
            if self._name_in_use(boundary, name, except_tag=key_tag):
                raise KmsError(409, 'DUPLICATE', 'a key named %s already exists' % name)
            key['keyName'] = name
            if 'rename-new-tag' in self.variants:
                # Variant: the tag is "derived from the key name", so a rename gives a new one.
                del self.keys[boundary][key_tag]
                key['keyTag'] = new_tag()
                key['nrn'] = nrn(boundary, key['keyTag'])
                self.keys[boundary][key['keyTag']] = key
            self.save()
            return {'keyTag': key['keyTag'], 'keyName': name}

    def set_memo(self, boundary, key_tag, body):
        with self.lock:
            key = self._live_key(boundary, key_tag, 'change the memo of')
            memo = require_type(body, 'memo', str, required=True)
            check_memo(memo)
            key['memo'] = memo
            self.save()
            return {'keyTag': key_tag, 'memo': memo}

    def rotate(self, boundary, key_tag):
        """Rotation only while ENABLE, at most 100 versions (doc)."""
        with self.lock:
            key = self._key(boundary, key_tag)
            if key['status'] != 'ENABLE':
                raise wrong_state(key, 'rotate')
            if key['currentVersion'] >= MAX_VERSIONS:
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: the key has %d versions, the most a key '
                               'can have' % MAX_VERSIONS)
            now = self.now_ms()
            self._add_version(key, now)
            self.save()
            return {'keyTag': key_tag, 'version': key['currentVersion'], 'rotatedDate': now}

    # ---- test controls (admin API) -------------------------------------------------------------

    def age(self, days):
        """Every key as if ``days`` had passed: each date moves back, then automatic rotations catch up
        and keys whose deletion date passed are destroyed. The clock that checks signatures is untouched."""
        shift = int(days) * DAY_MS
        if shift < 0:
            raise ValueError('days must be 0 or more')
        with self.lock:
            for boundary in BOUNDARIES:
                for key in self.keys[boundary].values():
                    for field in DATE_FIELDS:
                        if key.get(field):
                            key[field] -= shift
                    for version in key['versions']:
                        version['statusDate'] -= shift
                        version['rotatedDate'] -= shift
                self._housekeeping(boundary)
            self.save()
            return {'aged_days': int(days)}

    def add_versions(self, boundary, name, count):
        """Rotate the key named ``name`` ``count`` times at once, under the API's rules (for the 100-version limit)."""
        with self.lock:
            keys = [key for key in self.ordered(boundary) if key['keyName'] == name]
            if not keys:
                raise KmsError(404, 'NOT_FOUND', 'no key named %s in %s' % (name, boundary))
            for unused in range(int(count)):
                self.rotate(boundary, keys[0]['keyTag'])
            return {'currentVersion': keys[0]['currentVersion']}

    def set_auto_rotation(self, boundary, key_tag, enabled):
        """On answers keyTag, isAutoRotation, rotationPeriod, nextRotationDate; off only keyTag and isAutoRotation (doc)."""
        with self.lock:
            key = self._live_key(boundary, key_tag, 'change auto rotation of')
            key['isAutoRotation'] = enabled
            key['nextRotationDate'] = self.now_ms() + key['rotationPeriod'] * DAY_MS if enabled else None
            self.save()
            if not enabled:
                return {'keyTag': key_tag, 'isAutoRotation': False}
            return {'keyTag': key_tag, 'isAutoRotation': True, 'rotationPeriod': key['rotationPeriod'],
                    'nextRotationDate': key['nextRotationDate']}

    def set_rotation_period(self, boundary, key_tag, body):
        """The period can be set only while auto rotation is on (doc)."""
        with self.lock:
            key = self._live_key(boundary, key_tag, 'change the rotation period of')
            period = require_type(body, 'rotationPeriod', int, required=True)
            check_rotation_period(period)
            if not key['isAutoRotation']:
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: auto rotation is off')
            key['rotationPeriod'] = period
            key['nextRotationDate'] = self.now_ms() + period * DAY_MS
            self.save()
            return {'keyTag': key_tag, 'rotationPeriod': period, 'nextRotationDate': key['nextRotationDate']}

    def versions(self, boundary, key_tag):
        with self.lock:
            key = self._key(boundary, key_tag)
            return {'keyTag': key_tag, 'currentVersion': key['currentVersion'],
                    'versionList': [dict((f, v.get(f)) for f in VERSION_FIELDS) for v in key['versions']]}

    def migrate(self, boundary, key_tag, body):
        """Global key -> isolation key of KR or JPN; the global key is deleted (doc).

        Only a disabled key can be migrated (doc, console guide); an ENABLE or REVOKE key is a
        state error (assumed shape). Assumed (summary): the key keeps its name and keyTag in the
        target boundary and arrives disabled, as it left.
        """
        with self.lock:
            if boundary != 'global':
                raise bad_request('only global keys can be migrated')
            target = require_type(body, 'targetRegion', str, required=True)
            if target not in ('KR', 'JPN'):
                raise bad_request('targetRegion must be KR or JPN')
            key = self._key(boundary, key_tag)
            if key['status'] != 'DISABLE':
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: only a disabled key can be migrated; '
                               'the key is in %s' % key['status'])
            if self._name_in_use(target, key['keyName']):
                raise KmsError(409, 'DUPLICATE', 'an isolation key named %s already exists in %s'
                               % (key['keyName'], target))
            del self.keys[boundary][key_tag]
            key['baseUrl'] = self.base_urls.get(target)
            key['nrn'] = nrn(target, key_tag)
            key['keystoreId'] = 1000 + BOUNDARIES.index(target)
            self.keys[target][key_tag] = key
            self.save()
            return {'keyTag': key_tag, 'targetRegion': target}

    # ---- crypto (doc: encrypt, decrypt, get-pub-key; see crypto.py for the construction) ------------------

    def _usable_key(self, boundary, key_tag, action, types):
        key = self._key(boundary, key_tag)
        if key['status'] != 'ENABLE':
            raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: cannot %s with a key in %s' % (action, key['status']))
        if key['keyType'] not in types:
            raise bad_request('a %s key cannot %s' % (key['keyType'], action))
        return key

    @staticmethod
    def _items(body, field):
        """The base64 items of a string-or-array field, and whether an array was sent."""
        value = body.get(field)
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(item, str) and item for item in items):
            raise bad_request('%s must be a non-empty string or an array of non-empty strings' % field)
        return items, isinstance(value, list)

    @staticmethod
    def _b64(text, field):
        try:
            return base64.b64decode(text.encode('ascii'), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise bad_request('%s must be base64' % field)

    def _context(self, key, body):
        context = body.get('context')
        if context in (None, ''):
            if key['isConvergent']:
                raise bad_request('context is required for a convergent key')
            return b''
        if not isinstance(context, str):
            raise bad_request('context must be a base64 string')
        raw = self._b64(context, 'context')
        if len(raw) > MAX_CONTEXT_BYTES:
            raise bad_request('context must be at most %d bytes' % MAX_CONTEXT_BYTES)
        return raw

    @staticmethod
    def _secret(key, version):
        record = next((v for v in key['versions'] if v['version'] == version), None)
        if record is None:
            return None
        if not record.get('secret'):
            record['secret'] = crypto.new_secret()  # a key from an older state file
        return record['secret']

    def encrypt(self, boundary, key_tag, body):
        with self.lock:
            key = self._usable_key(boundary, key_tag, 'encrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(body, 'plaintext')
            plaintexts = [self._b64(item, 'plaintext') for item in items]
            limit = MAX_RSA_BYTES if key['keyType'] == 'RSA2048' else MAX_DATA_BYTES
            if key['keyType'] == 'RSA2048' and any(len(p) > limit for p in plaintexts):
                raise KmsError(413, 'INVALID_REQUEST', 'plaintext must be at most %d bytes for an RSA2048 key' % limit)
            if sum(len(p) for p in plaintexts) > MAX_DATA_BYTES:
                raise KmsError(413, 'INVALID_REQUEST', 'plaintext must be at most %d bytes' % MAX_DATA_BYTES)
            context = self._context(key, body)
            version = key['currentVersion']
            secret = self._secret(key, version)
            sealed = [crypto.seal(secret, version, p, context, key['isConvergent']) for p in plaintexts]
            self.save()
            return {'ciphertext': sealed if is_array else sealed[0]}

    def decrypt(self, boundary, key_tag, body):
        with self.lock:
            key = self._usable_key(boundary, key_tag, 'decrypt', ENCRYPTING_TYPES)
            items, is_array = self._items(body, 'ciphertext')
            context = self._context(key, body)
            opened = []
            for item in items:
                parsed = crypto.parse(item)
                secret = parsed and self._secret(key, parsed[0])
                plaintext = secret and crypto.unseal(secret, parsed[1], context)
                if plaintext is None:
                    raise bad_request('decryption failed: the ciphertext does not match this key, version and context')
                opened.append(base64.b64encode(plaintext).decode('ascii'))
            return {'plaintext': opened if is_array else opened[0]}

    def public_key(self, boundary, key_tag, body):
        with self.lock:
            key = self._usable_key(boundary, key_tag, 'give a public key', PUBLIC_KEY_TYPES)
            version = body.get('keyVersion') or key['currentVersion']
            record = next((v for v in key['versions'] if v['version'] == version), None)
            if record is None:
                raise bad_request('keyVersion %s does not exist' % version)
            if not record.get('publicKey'):
                make = crypto.rsa_public_pem if key['keyType'] == 'RSA2048' else crypto.ecdsa_public_pem
                record['publicKey'] = make()
                self.save()
            return {'publicKey': record['publicKey']}

    def dump(self):
        with self.lock:
            return dict((boundary, [self.full_record(key) for key in self.ordered(boundary)])
                        for boundary in BOUNDARIES)
