# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading KMS keys: name rules, paging, the one way to find a key, and the returned records.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

Every function here takes a client (``client.KmsClient``), never a module: writes and their recovery
live in ``base.KmsModule``.
"""

import re
import time

from urllib.parse import quote

from ansible_collections.ncloud.kms.plugins.module_utils.client import INVALID_RESPONSE, KmsApiError, build_uri
from ansible_collections.ncloud.kms.plugins.module_utils.connection import GLOBAL, option_region, other_boundaries

NAME_MIN, NAME_MAX = 3, 15
NAME_CHARS = re.compile(r'^[A-Za-z0-9_-]+$')
MEMO_MAX = 100
ROTATION_PERIOD_RANGE = (1, 730)
KEY_TYPES = ['AES256', 'RSA2048', 'ECDSA']
PROTECTIONS = ['BASIC', 'COMMON_HSM']
STATUSES = ['ENABLE', 'DISABLE', 'REVOKE']
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
    ('isAclEnabled', 'ip_acl', False),       # from the key's ACL (get_acl), read only when asked
    ('allowedIpList', 'allowed_ips', False),
    ('hasTokenGenerator', 'token_generator', False),   # ours, from reading the token generator (get_token_generator)
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
    seconds, millis = divmod(int(milliseconds), 1000)
    moment = time.gmtime(seconds)   # a third of the cost of datetime + strftime: 10,000 keys carry 20,000 dates
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (moment[:6] + (millis,))


def key_record(api_key, region):
    """The returned snake_case record of an API key record; fields the API did not send are left out."""
    record = {}
    for api_name, name, is_date in RECORD_FIELDS:
        if api_name in api_key:
            value = api_key[api_name]
            record[name] = iso_utc(value) if is_date else value
    if 'status' in api_key:
        record['enabled'] = api_key['status'] == 'ENABLE'
    if record.get('rotation_period') == 0 and not api_key.get('isAutoRotation'):
        record['rotation_period'] = None  # a key without automatic rotation reads 0 through API v3: not set
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


def get_acl(client, key_tag):
    """The key's IP ACL, ``{'isAclEnabled': bool, 'allowedIpList': [addresses]}`` (one GET)."""
    data = client.request('GET', key_path(key_tag, 'acl'))
    if not isinstance(data, dict) or not isinstance(data.get('isAclEnabled'), bool):
        raise KmsApiError('the IP ACL answer for key %s has no isAclEnabled' % key_tag, status=200,
                          code=INVALID_RESPONSE, method='GET', path=key_path(key_tag, 'acl'))
    return {'isAclEnabled': data['isAclEnabled'], 'allowedIpList': list(data.get('allowedIpList') or [])}


def read_setting(client, key_tag, action):
    """The data of a GET of one of a key's settings (token generator, latest use), or None when the API answers 404:
    NCP's pages do not say how "the key has none" is answered, so a 404 and no data both mean none."""
    try:
        return client.request('GET', key_path(key_tag, action))
    except KmsApiError as exc:
        if exc.status == 404:
            return None
        raise


def get_token_generator(client, key_tag):
    """The key's token generator (``tokenGeneratorId``, ``status``, dates, ``issuedTokenCount``; one GET), or None when
    it has none (a 404, no data, or an INACTIVE one)."""
    data = read_setting(client, key_tag, 'token-generator')
    if not isinstance(data, dict) or data.get('status', 'ACTIVE') != 'ACTIVE':
        return None
    return data


def use_record(item):
    """The returned record of one use of a key (the latest use, or one activity), or None for none. NCP's page
    puts requestor and api under ``data`` in its table and at the top in its example; both are read. Its
    timestamp is labelled both milliseconds and ISO 8601; both are read."""
    if not isinstance(item, dict) or not item:
        return None
    data = item.get('data') if isinstance(item.get('data'), dict) else item
    requestor = data.get('requestor') or item.get('requestor') or {}
    api = data.get('api') or item.get('api') or {}
    when = item.get('timestamp')
    return {'time': iso_utc(when) if isinstance(when, int) or str(when).isdigit() else when,
            'requestor_type': requestor.get('requestType'), 'requestor_ip': requestor.get('ip'),
            'action': api.get('action'), 'type': api.get('type'), 'result': api.get('result')}


def get_last_use(client, key_tag):
    """The latest use of a key (one GET), or None when it was never used (no data, or a 404)."""
    return use_record(read_setting(client, key_tag, 'last-use-info'))


def get_activities(client, key_tag, since_ms, until_ms, limit):
    """The key's activity log between two times (ms), newest first as NCP lists it, at most ``limit`` items:
    pages of up to 100, read until the limit or the last page."""
    found = []
    page_no = 1
    page_size = min(100, limit)   # the same on every page, or the pages would not line up
    while len(found) < limit:
        query = (('timestampFrom', since_ms), ('timestampTo', until_ms), ('pageNo', page_no), ('pageSize', page_size))
        data = client.request('GET', key_path(key_tag, 'activities'), query=query) or {}
        items = data.get('activityLogList') or []
        found.extend(use_record(item) for item in items)
        if not items or page_no >= (data.get('totalPageNo') or page_no):
            break
        page_no += 1
    return found[:limit]


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

def iter_keys(client, first_page=1):
    """Yield the boundary's key list records page by page (``pageSize=200``); stop when the caller stops."""
    page = first_page
    while True:
        query = (('pageNo', page), ('pageSize', PAGE_SIZE))
        keys, total_pages = list_page(list_answer(client, query), build_uri('/keys', query))
        yield from keys
        last = page >= total_pages if total_pages is not None else len(keys) < PAGE_SIZE
        if last:
            return
        page += 1


PARALLEL_PAGES = 4   # list pages read at the same time by a full listing (each with the client's retry policy)


def all_keys(client):
    """Every key of the boundary, in the API's order. The first page gives the page count; the other pages are
    read at the same time, ``PARALLEL_PAGES`` at a time. Without a page count, pages are read one by one."""
    first_query = (('pageNo', 1), ('pageSize', PAGE_SIZE))
    keys, total_pages = list_page(list_answer(client, first_query), build_uri('/keys', first_query))
    if total_pages is None:
        return keys if len(keys) < PAGE_SIZE else keys + list(iter_keys(client, first_page=2))
    queries = [(('pageNo', page), ('pageSize', PAGE_SIZE)) for page in range(2, total_pages + 1)]
    if not queries:
        return keys
    from concurrent.futures import ThreadPoolExecutor  # only for a listing of more than one page
    with ThreadPoolExecutor(max_workers=min(PARALLEL_PAGES, len(queries))) as pool:
        pages = list(pool.map(lambda query: list_page(list_answer(client, query), build_uri('/keys', query))[0], queries))
    for page in pages:
        keys.extend(page)
    return keys


def list_answer(client, query):
    """One list page's whole answer. A 403 means an account allowed to read none of the boundary's keys (doc, v3),
    not an empty boundary: said so, naming the boundary."""
    try:
        return client.request_answer('GET', '/keys', query=query)
    except KmsApiError as exc:
        if exc.status == 403:
            exc.message = ('the %s boundary refused to list its keys (403): this account (a sub-account, for example) '
                           'may read none of the keys there. Give it permission to read keys in that boundary, or '
                           'address the key by key_tag. %s' % (getattr(client, 'boundary', 'global'), exc.message))
        raise


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

# Per process: (global endpoint, access key, region option, names) -> (found, region), for callers that ask to
# remember (the lookup).
_REMEMBERED_NAMES = {}


def find_key(client, name=None, key_tag=None, full=False, trust_tag=False):
    """The key in one boundary by tag, else by name, or None.

    - By tag: one GET (a miss is confirmed by listing); with ``trust_tag`` no call at all, the record is
      just the tag (the crypto call that follows checks it).
    - By name (regardless of case): list pages only until the name is met. ``full`` reads the found key's full
      record (one more GET).
    """
    if key_tag is not None:
        return {'keyTag': key_tag} if trust_tag else get_key(client, key_tag)
    found = find_named(client, [name]).get(name)
    return full_record(client, found) if full else found


def locate_names(client_of, names, option, site, remember=False, cache=None):
    """The one rule for finding a task's key by name: ``({name asked: list record}, region, warnings)``.

    ``option`` is the region option: KR or JPN look there, 'global' only in the global boundary, and unset
    follows the key (``follow_names``): global first, else the one isolation boundary of the site that has it,
    else nothing (a new key goes to the global boundary). ``warnings`` say where a key was found away from the
    global boundary, and when a stored name differs from the asked one only in case (NCP treats them as one name).
    ``remember``: a name found once is not looked for again in this process (the lookup's workers).
    ``cache`` (a ``key_cache.KeyCache``): a single name is first tried at the tag remembered for it (one read),
    and what the listing found is remembered.
    """
    memory = (client_of(GLOBAL).base_url, client_of(GLOBAL).access_key, option, tuple(names))
    if remember and memory in _REMEMBERED_NAMES:
        found, region = _REMEMBERED_NAMES[memory]
        return found, region, []
    cached = cache is not None and len(names) == 1 and cached_key(client_of, cache, names[0], option)
    if cached:
        found, region = {names[0]: cached[0]}, cached[1]
    elif option is None:
        found, region = follow_names(client_of, names, other_boundaries(site, GLOBAL))
    else:
        region = option_region(option)
        found = find_named(client_of(region), names)
    if cache is not None and len(names) == 1 and not cached:
        remember_in_cache(client_of, cache, names[0], found.get(names[0]), region)
    if found and remember:
        _REMEMBERED_NAMES[memory] = (found, region)
    return found, region, location_warnings(found, region, option)


def cached_key(client_of, cache, name, option):
    """``(full record, region)`` of the key the cache remembers for a name, when one read confirms it: the answer
    carries the same name (regardless of case) in the same boundary, at the same endpoint. Else None.

    Only an entry of the boundary the region rule looks in first is used: global for a task without region
    (a global key of that name would win over an isolation one), the named boundary otherwise.
    """
    entry = cache.get(client_of(GLOBAL).base_url, name)
    if entry is None:
        return None
    tag, region, endpoint = entry
    if region != option_region(option):
        return None
    client = client_of(region)
    if client.base_url != endpoint:
        return None
    try:
        key = client.request('GET', key_path(tag))
    except KmsApiError as exc:
        if exc.status in NOT_FOUND_STATUSES:
            return None
        raise
    if not isinstance(key, dict) or str(key.get('keyName')).lower() != name.lower() or 'keyTag' not in key:
        return None
    return key, region


def remember_in_cache(client_of, cache, name, key, region):
    if key is None:
        cache.drop(client_of(GLOBAL).base_url, name)
    else:
        cache.put(client_of(GLOBAL).base_url, name, key, region, client_of(region).base_url)


class LocationWarning(str):
    """A warning that the region rule found a name's key away from the global boundary (a task that changes nothing
    may leave it unsaid: kms_key on the re-run of a create-then-migrate playbook)."""


def location_warnings(found, region, option):
    warnings = []
    if found and option is None and region is not GLOBAL:
        key = next(iter(found.values()))
        warnings.append(LocationWarning(
            'no key named %s in the global boundary; the %s boundary has it (key_tag %s), so this task uses that key. '
            'Give region: %s to say so, or region: global to use only global keys'
            % (key['keyName'], region, key['keyTag'], region)))
    for asked, key in found.items():
        if key.get('keyName') != asked:
            warnings.append(case_warning(asked, key))
    return warnings


def case_warning(asked, key):
    """What a task is told when the name it gives differs from the key's only in case."""
    return ('the task names %s and the key is stored as %s: NCP treats them as one name (names are unique regardless '
            'of case), so this task uses key_tag %s and renames nothing' % (asked, key['keyName'], key['keyTag']))


def find_named(client, names):
    """In one listing, the list record of each of ``names`` that a key has, keyed by the name asked for. Names
    match regardless of case, as NCP keeps them unique (doc, v3). Pages are read until all are met."""
    wanted = dict((name.lower(), name) for name in names)
    found = {}
    for key in iter_keys(client):
        asked = wanted.get(str(key.get('keyName')).lower())
        if asked is not None:
            found.setdefault(asked, key)
            if len(found) == len(wanted):
                break
    return found


def find_named_each(clients, names, keep_errors=False):
    """``find_named`` in each client's boundary, the listings at the same time; in the clients' order. The
    clients are made by the caller, before the threads. ``keep_errors``: an API error is returned in its place."""
    def look(client):
        try:
            return find_named(client, names)
        except KmsApiError as exc:
            if not keep_errors:
                raise
            return exc
    if not clients:
        return []
    from concurrent.futures import ThreadPoolExecutor  # only on this path: a task that finds its key needs no thread
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(look, clients))


class KeyConflict(Exception):
    """The name a task gave is in more than one place it could mean."""


def follow_names(client_of, names, regions):
    """``({name: list record}, region)``: the names in the global boundary; when none is there, in the one
    isolation boundary of ``regions`` that has one (those listings run at the same time); when none has it,
    ``({}, GLOBAL)``. Two isolation boundaries holding a name: ``KeyConflict``."""
    found = find_named(client_of(GLOBAL), names)
    if found or not regions:
        return found, GLOBAL
    results = find_named_each([client_of(region) for region in regions], names)
    holders = [(region, named) for region, named in zip(regions, results) if named]
    if len(holders) > 1:
        raise KeyConflict('no key named %s in the global boundary, but the %s boundaries each have one (%s): give '
                          'region to say which key this task is about'
                          % (names[0], ' and '.join(region for region, unused in holders),
                             ', '.join('%s in %s' % (describe_key(next(iter(named.values()))), region)
                                       for region, named in holders)))
    return (holders[0][1], holders[0][0]) if holders else ({}, GLOBAL)


def full_record(client, found):
    """The full record of a key found in a listing (one GET), or None; a record read in full already is kept."""
    if found and 'currentVersion' in found:
        return found
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
