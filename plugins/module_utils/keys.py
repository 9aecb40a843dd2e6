# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading KMS keys: name rules, paging, the one way to find a key, and the returned records.

Every function here takes a client (``client.KmsClient``), never a module: writes and their recovery
live in ``base.KmsModule``.
"""

import datetime
import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible_collections.ncloud.kms.plugins.module_utils.client import INVALID_RESPONSE, KmsApiError, build_uri

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
PAGE_SIZE = 200

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
    return any(key.get('keyTag') == key_tag for key in iter_keys(client))


# ---- paging --------------------------------------------------------------------------------------

def iter_keys(client):
    """Yield the boundary's key list records page by page (``pageSize=200``); stop when the caller stops."""
    page = 1
    while True:
        query = (('pageNo', page), ('pageSize', PAGE_SIZE))
        keys, total_pages = list_page(client.request_answer('GET', '/keys', query=query), build_uri('/keys', query))
        yield from keys
        last = page >= total_pages if total_pages is not None else len(keys) < PAGE_SIZE
        if last:
            return
        page += 1


def list_page(answer, uri):
    """``(keys, total pages or None)`` of one list answer, in either shape the reference shows.

    The example nests ``keyList`` and the paging fields in ``data``; the field table writes
    ``data.KeyList`` and puts the paging fields beside ``data``.
    """
    data = answer.get('data')
    places = [data, answer] if isinstance(data, dict) else [answer]
    keys = first_field(places, ('keyList', 'KeyList'))
    if not isinstance(keys, list):
        raise KmsApiError('the key list answer has no keyList', status=200, code=INVALID_RESPONSE,
                          method='GET', path=uri)
    total = first_field(places, ('totalPageNo',))
    try:
        total = int(total) if total is not None else None
    except (TypeError, ValueError):
        total = None
    return keys, total


def first_field(places, names):
    for place in places:
        for name in names:
            if place.get(name) is not None:
                return place[name]
    return None


# ---- finding a key -------------------------------------------------------------------------------

# Per process: (endpoint, access key, name) -> list record, for callers that ask to remember (crypto).
_REMEMBERED_NAMES = {}


def find_key(client, name=None, key_tag=None, full=False, trust_tag=False, remember=False):
    """The one way to find a key: by tag, else by name, or None.

    - By tag: one GET (a miss is confirmed by listing); with ``trust_tag`` no call at all, the record is
      just the tag (the crypto call that follows checks it).
    - By name: list pages only until the name is met. ``full`` reads the found key's full record (one more GET).
    - ``remember``: a name found once is not listed again in this process.
    """
    if key_tag is not None:
        return {'keyTag': key_tag} if trust_tag else get_key(client, key_tag)
    remembered = (client.base_url, client.access_key, name)
    if remember and remembered in _REMEMBERED_NAMES:
        return _REMEMBERED_NAMES[remembered]
    found = find_named(client, [name]).get(name)
    if found is not None and remember:
        _REMEMBERED_NAMES[remembered] = found
    return full_record(client, found) if full else found


def find_named(client, names):
    """In one listing, the list record of each of ``names`` that a key has; pages are read until all are met."""
    found = {}
    for key in iter_keys(client):
        if key.get('keyName') in names:
            found.setdefault(key['keyName'], key)
            if len(found) == len(names):
                break
    return found


def full_record(client, found):
    """The full record of a key found in a listing (one GET), or None."""
    return found and get_key(client, found['keyTag'])


def read_back(client, key):
    """The key as the service holds it now: by tag, else by name (a rename may have changed the tag)."""
    current = get_key(client, key['keyTag'])
    if current is None and key.get('keyName'):
        current = find_key(client, name=key['keyName'], full=True)
    return current


def deletion_date(key, now_ms):
    """When a key in REVOKE is destroyed: the answer's, else 72 hours (doc) after its status changed."""
    if key.get('destroyDate'):
        return key['destroyDate']
    return int(key.get('statusDate') or now_ms) + DELETION_DELAY_MS
