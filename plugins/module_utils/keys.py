# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules share about KMS keys: name rules, lookup, the returned record, and the
engine that applies a list of changes to one key (each write guarded by check mode)."""

import datetime
import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.ncloud.kms.plugins.module_utils.client import (
    BASE_URLS, GLOBAL, INVALID_RESPONSE, REGIONS, KmsApiError,
)

NAME_MIN, NAME_MAX = 3, 15
NAME_CHARS = re.compile(r'^[A-Za-z0-9_-]+$')
MEMO_MAX = 100
ROTATION_PERIOD_RANGE = (1, 730)
KEY_TYPES = ['AES256', 'RSA2048', 'ECDSA']
PROTECTIONS = ['BASIC', 'COMMON_HSM']
STATUSES = ['ENABLE', 'DISABLE', 'REVOKE']
MAX_VERSIONS = 100
DAY_MS = 24 * 3600 * 1000
DELETION_DELAY_MS = 72 * 3600 * 1000

# API field -> returned field, and whether the value is a millisecond timestamp.
RECORD_FIELDS = (
    ('keyTag', 'key_tag', False),
    ('keyId', 'key_id', False),
    ('keyName', 'name', False),
    ('keyType', 'key_type', False),
    ('status', 'status', False),
    ('protectionType', 'protection', False),
    ('isConvergent', 'convergent', False),
    ('isAutoRotation', 'auto_rotation', False),
    ('rotationPeriod', 'rotation_period', False),
    ('nextRotationDate', 'next_rotation_date', True),
    ('memo', 'memo', False),
    ('currentVersion', 'current_version', False),
    ('keystoreId', 'keystore_id', False),
    ('registerDate', 'created', True),
    ('destroyDate', 'deletion_date', True),
)


def name_problem(name, option='name'):
    """The broken name rule as a message naming the option, or None for a valid name."""
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return '%s must be %d to %d characters long; %r has %d' % (option, NAME_MIN, NAME_MAX, name, len(name))
    if not NAME_CHARS.match(name):
        return '%s may hold only letters, digits, "-" and "_"; %r has other characters' % (option, name)
    if not name[0].isalpha():
        return '%s must start with a letter; %r starts with %r' % (option, name, name[0])
    return None


def check_name_option(kms_module):
    """Fail the module before any request when its ``name`` option breaks a name rule."""
    name = kms_module.params['name']
    problem = name is not None and name_problem(name)
    if problem:
        kms_module.fail(problem)


def iso_utc(milliseconds):
    """ISO 8601 UTC text for an API timestamp in milliseconds (None stays None)."""
    if milliseconds in (None, ''):
        return None
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=int(milliseconds))
    return moment.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (moment.microsecond // 1000)


def key_record(api_key, region):
    """The returned snake_case record of an API key record; fields the API did not send are left out."""
    record = {}
    for api_name, name, is_date in RECORD_FIELDS:
        if api_name in api_key:
            value = api_key[api_name]
            record[name] = iso_utc(value) if is_date else value
    if 'status' in api_key:
        record['enabled'] = api_key['status'] == 'ENABLE'
    record['region'] = region
    return record


def get_versions(client, key_tag):
    """``(current version, version list)`` of one key (one GET of its versions)."""
    data = client.request('GET', key_path(key_tag, 'versions'))
    versions = data.get('versionList') if isinstance(data, dict) else None
    if not isinstance(versions, list) or not isinstance(data.get('currentVersion'), int):
        raise KmsApiError('the versions answer for key %s has no currentVersion and versionList' % key_tag, status=200,
                          code=INVALID_RESPONSE, method='GET', path=key_path(key_tag, 'versions'))
    return data['currentVersion'], versions


def version_record(api_version):
    """The returned snake_case record of one key version, dates in ISO 8601 UTC."""
    return {'version': api_version.get('version'), 'status': api_version.get('status'),
            'status_date': iso_utc(api_version.get('statusDate')), 'rotated_date': iso_utc(api_version.get('rotatedDate'))}


def describe_key(key):
    if key.get('keyName') is None:
        return 'the key with key_tag %s' % key.get('keyTag')
    return 'key %s (key_tag %s)' % (key['keyName'], key.get('keyTag'))


def key_path(key_tag, action=None):
    path = '/keys/' + quote(str(key_tag), safe='')
    return path + '/' + action if action else path


# Statuses a by-tag read may answer for "no such key": 404 as assumed, or 400 as NCP's
# standardized APIs do. Neither alone proves absence: a listing confirms it.
NOT_FOUND_STATUSES = (404, 400)


def get_key(client, key_tag):
    """The full record of one key by tag, or None when there is none.

    One GET; a 404 or 400 answer costs a listing (until the tag is met) to confirm the absence.
    A 400 for a key that the listing shows is raised as the error it is.
    """
    try:
        key = client.request('GET', key_path(key_tag))
    except KmsApiError as exc:
        if exc.status in NOT_FOUND_STATUSES and not tag_listed(client, key_tag):
            return None
        raise
    if not isinstance(key, dict) or 'keyTag' not in key:
        raise KmsApiError('the answer for key %s is not a key record' % key_tag, status=200,
                          code=INVALID_RESPONSE, method='GET', path=key_path(key_tag))
    return key


def tag_listed(client, key_tag):
    """Whether the boundary's listing holds a key with this tag (reads pages until it is met)."""
    return any(key.get('keyTag') == key_tag for key in client.iter_keys())


def read_back(client, key):
    """The key as the service holds it now: by tag, else by name (a rename may have changed the tag)."""
    current = get_key(client, key['keyTag'])
    if current is None and key.get('keyName'):
        found = find_key_by_name(client, key['keyName'])
        current = found and get_key(client, found['keyTag'])
    return current


def find_key_by_name(client, name):
    """The list record of the key with this name, reading pages only until it is found."""
    return find_first_named(client, [name])


def find_first_named(client, names):
    """In one listing, the list record of the first of ``names`` that a key has (most wanted first).

    Pages are read only until the first name is met; the later names need the whole listing otherwise.
    """
    seen = {}
    for key in client.iter_keys():
        if key.get('keyName') in names:
            seen.setdefault(key['keyName'], key)
            if names[0] in seen:
                break
    return next((seen[name] for name in names if name in seen), None)


def other_boundaries(site, region):
    """The boundaries of the site other than ``region`` (None is global)."""
    return [other for other in (GLOBAL,) + REGIONS if other != region and (site, other) in BASE_URLS]


def boundary_name(region):
    return 'global' if region is GLOBAL else region


def deletion_date(key, now_ms):
    """When a key in REVOKE is destroyed: the answer's, else 72 hours (doc) after its status changed."""
    if key.get('destroyDate'):
        return key['destroyDate']
    return int(key.get('statusDate') or now_ms) + DELETION_DELAY_MS


def find_key(client, name=None, key_tag=None, full=False):
    """The key addressed by tag (one GET) or by name (list pages, plus one GET when ``full``)."""
    if key_tag is not None:
        return get_key(client, key_tag)
    found = find_key_by_name(client, name)
    if found is not None and full:
        return get_key(client, found['keyTag'])
    return found


class Change(object):
    """One write to a key, and the API fields it leaves on the key (``None``: the key is gone)."""

    def __init__(self, description, method, action, body=None, sets=None, gone=False):
        self.description = description
        self.method = method
        self.action = action
        self.body = body
        self.sets = sets or {}
        self.gone = gone

    def holds_on(self, api_key):
        if self.gone:
            return api_key is None
        return api_key is not None and all(api_key.get(field) == value for field, value in self.sets.items())


def apply_changes(kms_module, client, api_key, changes):
    """Apply ``changes`` in order to the key; return the key record as it is (or would be) after.

    In check mode nothing is sent and the record is predicted from what each change sets.
    Each write goes to the tag the key has at that moment (a rename may answer a new one).
    A write whose earlier attempt may have been applied (lost response) and then failed is
    accepted when a fresh read shows that its effect holds.
    """
    key = dict(api_key)
    for change in changes:
        key.update(change.sets)
        data = kms_module.write(client, change.description, change.method, key_path(key['keyTag'], change.action),
                                body=change.body, recover=lambda exc, change=change: recover_change(client, key, change, exc))
        if change.gone:
            return None
        if isinstance(data, dict):
            key.update(data)
    return key


def recover_change(client, key, change, exc):
    """After a lost answer: the data to go on with when the change holds on the key, else raise ``exc``."""
    current = read_back(client, key)
    if not change.holds_on(current):
        raise exc
    return {'keyTag': current['keyTag']} if current else None
