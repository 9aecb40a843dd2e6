# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What changed in a keystore between two looks: the engine of the ``ncloud.kms.kms_key_events`` event source.

Internal to ncloud.kms: not an API; names and signatures may change in any release. Controller code only.

``KeyWatcher.poll()`` lists the boundaries of its scope (each once, all at the same time), reads a key only where the
listing shows a change, where an automatic rotation is due, or in a bounded rolling batch (``reads_per_poll``, so that
a rotation made through the API is seen within ``keys / reads_per_poll`` polls), reads the versions only of a key whose
current version moved, and the activity log only of a key that raised an event. It returns the events and keeps the
new state aside; ``commit()`` makes that state the checkpoint (and writes ``state_file``) once the caller has queued the
events, so a restart reports what changed while it was down once, and a change is never reported twice.
"""

import datetime
import json
import os
import re
import tempfile
import time

from ansible_collections.ncloud.kms.plugins.module_utils.connection import GLOBAL, boundary_name
from ansible_collections.ncloud.kms.plugins.module_utils.keys import get_key, get_versions, key_path
from ansible_collections.ncloud.kms.plugins.module_utils.selector import Listings

EVENT_TYPES = ('created', 'enabled', 'disabled', 'renamed', 'deletion_scheduled', 'deletion_cancelled', 'destroyed',
               'rotated', 'migrated', 'rotation_due', 'error')
# the API action an event comes from, as the activity log names it (compared without case or separators)
ACTIONS = {'created': 'create', 'enabled': 'enable', 'disabled': 'disable', 'renamed': 'rename',
           'deletion_scheduled': 'requestdeletion', 'deletion_cancelled': 'canceldeletion', 'rotated': 'rotate',
           'migrated': 'migrate'}
STATUS_EVENTS = {('DISABLE', 'ENABLE'): 'enabled', ('ENABLE', 'DISABLE'): 'disabled',
                 ('ENABLE', 'REVOKE'): 'deletion_scheduled', ('DISABLE', 'REVOKE'): 'deletion_scheduled',
                 ('REVOKE', 'DISABLE'): 'deletion_cancelled', ('REVOKE', 'ENABLE'): 'deletion_cancelled'}
STATE_VERSION = 1
DAY_MS = 24 * 3600 * 1000


def iso_time(ms):
    if ms is None:
        return None
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def identity(region, record):
    """What stays the same through a rename: the key's id in its boundary (the tag when the listing has no id)."""
    return '%s/%s' % (boundary_name(region), record.get('keyId') or record.get('keyTag'))


class KeyWatcher(object):
    """The keys of a scope, looked at again on every ``poll()``; ``clock`` gives milliseconds."""

    def __init__(self, connection, regions, patterns=None, state_file=None, rotation_due_days=None,
                 report_existing=False, reads_per_poll=10, clock=lambda: int(time.time() * 1000)):
        self.connection = connection
        self.regions = list(regions)
        self.patterns = patterns
        self.state_file = state_file
        self.rotation_due_days = rotation_due_days
        self.report_existing = report_existing
        self.reads_per_poll = reads_per_poll
        self.clock = clock
        self.state = self.load()
        self.pending = None   # the state of the last poll, until commit()

    # ---- the checkpoint ----------------------------------------------------------------------------

    def load(self):
        """The saved state, or an empty one (the first poll is then a baseline)."""
        if not self.state_file or not os.path.exists(self.state_file):
            return {'version': STATE_VERSION, 'polled_at': None, 'keys': {}, 'cursor': 0}
        with open(self.state_file) as handle:
            state = json.load(handle)
        if not isinstance(state, dict) or state.get('version') != STATE_VERSION:
            raise ValueError('state_file %s is not a checkpoint of ncloud.kms.kms_key_events' % self.state_file)
        return state

    def commit(self):
        """The last poll's state becomes the checkpoint (written to ``state_file`` at once, whole)."""
        if self.pending is None:
            return
        self.state, self.pending = self.pending, None
        if not self.state_file:
            return
        folder = os.path.dirname(os.path.abspath(self.state_file))
        handle, temp = tempfile.mkstemp(dir=folder, prefix='.kms_key_events.')
        with os.fdopen(handle, 'w') as out:
            json.dump(self.state, out, sort_keys=True)
        os.replace(temp, self.state_file)

    # ---- one look ----------------------------------------------------------------------------------

    def poll(self):
        """The events since the checkpoint; call ``commit()`` once they are queued."""
        now = self.clock()
        listings = Listings(self.connection, self.regions)
        listed = dict((identity(region, record), (record, region))
                      for record, region in listings.in_scope(self.regions, self.patterns))
        before = self.state['keys']
        baseline = self.state['polled_at'] is None
        keys, cursor = {}, self.state.get('cursor', 0)
        rolling = self.rolling_batch(sorted(listed), cursor)
        for ident, (record, region) in sorted(listed.items()):
            old = before.get(ident)
            keys[ident] = self.snapshot(record, region, old, now, ident in rolling)
        quiet = baseline and not self.report_existing   # a first look without a checkpoint only learns the keys
        events = [] if quiet else self.changes(before, keys)
        due = self.rotations_due(keys, now)
        events.extend([] if quiet else due)
        self.add_actors(events, self.state['polled_at'])
        self.pending = {'version': STATE_VERSION, 'polled_at': now, 'keys': keys,
                        'cursor': (cursor + self.reads_per_poll) % max(len(listed), 1)}
        return events

    def rolling_batch(self, idents, cursor):
        if not idents or not self.reads_per_poll:
            return set()
        count = min(self.reads_per_poll, len(idents))
        return set(idents[(cursor + step) % len(idents)] for step in range(count))

    def snapshot(self, record, region, old, now, in_batch):
        """What is kept of a key: the listing's fields, and its versions where a read was due."""
        key = {'name': record.get('keyName'), 'key_tag': record.get('keyTag'), 'region': boundary_name(region),
               'status': record.get('status'), 'deletion_date': record.get('destroyDate')}
        for field in ('current_version', 'rotated_at', 'auto_rotation', 'next_rotation', 'due_reported'):
            key[field] = (old or {}).get(field)
        changed = old is None or any(old.get(field) != key[field] for field in ('name', 'key_tag', 'status'))
        rotation_due = key['auto_rotation'] and key['next_rotation'] is not None and now >= key['next_rotation']
        if changed or rotation_due or in_batch:
            self.read_versions(key, region)
        return key

    def read_versions(self, key, region):
        client = self.connection.client(region)
        full = get_key(client, key['key_tag'])
        if full is None:
            return
        key['auto_rotation'] = bool(full.get('isAutoRotation'))
        key['next_rotation'] = full.get('nextRotationDate')
        current = full.get('currentVersion')
        if current is not None and current != key['current_version']:
            number, versions = get_versions(client, key['key_tag'])
            made = [v.get('rotatedDate') for v in versions if v.get('version') == number]
            key['current_version'], key['rotated_at'] = number, made[0] if made else None

    # ---- compare -----------------------------------------------------------------------------------

    def changes(self, before, after):
        events = []
        appeared = dict((ident, key) for ident, key in after.items() if ident not in before)
        gone = dict((ident, key) for ident, key in before.items() if ident not in after)
        for ident, key in gone.items():
            target = self.migrated_to(key, appeared)
            if target:
                appeared.pop(target)
                events.append(self.event('migrated', after[target], from_region=key['region']))
            else:
                events.append(self.event('destroyed', key))
        for ident, key in sorted(appeared.items()):
            events.append(self.event('created', key))
        for ident, key in sorted(after.items()):
            old = before.get(ident)
            if old is None:
                continue
            if old['name'] != key['name']:
                events.append(self.event('renamed', key, previous_name=old['name']))
            kind = STATUS_EVENTS.get((old['status'], key['status']))
            if kind:
                events.append(self.event(kind, key))
            if (old.get('current_version') and key.get('current_version')
                    and key['current_version'] > old['current_version']):
                events.append(self.event('rotated', key, previous_version=old['current_version']))
        return events

    @staticmethod
    def migrated_to(key, appeared):
        """The id of the isolation key that a vanished global key became (the same name, new in KR or JPN)."""
        if key['region'] != boundary_name(GLOBAL):
            return None
        return next((ident for ident, new in sorted(appeared.items())
                     if new['region'] != key['region'] and str(new['name']).lower() == str(key['name']).lower()), None)

    def rotations_due(self, keys, now):
        """A key whose current version is older than rotation_due_days, once per version."""
        if not self.rotation_due_days:
            return []
        events = []
        for key in keys.values():
            age = now - key['rotated_at'] if key.get('rotated_at') else None
            if (age is not None and age >= self.rotation_due_days * DAY_MS and key['status'] == 'ENABLE'
                    and key.get('due_reported') != key['current_version']):
                key['due_reported'] = key['current_version']
                events.append(self.event('rotation_due', key, age_days=age // DAY_MS))
        return events

    @staticmethod
    def event(kind, key, **extra):
        public = dict((field, key.get(field)) for field in ('name', 'key_tag', 'region', 'status', 'current_version'))
        public['rotated_at'] = iso_time(key.get('rotated_at'))
        event = {'type': kind, 'key': public}
        if kind == 'deletion_scheduled':
            extra['deletion_date'] = iso_time(key.get('deletion_date'))
        event.update(extra)
        return event

    # ---- who did it --------------------------------------------------------------------------------

    def add_actors(self, events, since):
        """``actor`` and ``time`` of each event from its key's activity log (one read per key that raised events)."""
        read = {}
        for event in events:
            key = event['key']
            if event['type'] in ('destroyed', 'rotation_due') or not key.get('key_tag'):
                continue
            where = (key['region'], key['key_tag'])
            if where not in read:
                read[where] = self.activities(key, since)
            wanted = ACTIONS.get(event['type'])
            match = next((item for item in read[where] if action_of(item) == wanted), None)
            if match:
                requestor = (match.get('data') or {}).get('requestor') or {}
                event['actor'] = {'type': str(requestor.get('requestType') or '').lower() or None,
                                  'id': requestor.get('id'), 'address': requestor.get('ip')}
                event['time'] = iso_time(match.get('timestamp'))

    def activities(self, key, since):
        region = None if key['region'] == 'global' else key['region']
        query = [('pageNo', 1), ('pageSize', 100)]
        if since:
            query.append(('timestampFrom', since - 60000))
        data = self.connection.client(region).request('GET', key_path(key['key_tag'], 'activities'), query=query)
        items = data.get('activityLogList') if isinstance(data, dict) else None
        return items if isinstance(items, list) else []


def action_of(item):
    action = ((item.get('data') or {}).get('api') or {}).get('action') or ''
    return re.sub(r'[^a-z]', '', str(action).lower())
