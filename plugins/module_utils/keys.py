# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading KMS keys: plain API reads (a key, its settings, pages of the listing, names in a listing) and the
returned records. Which key a task means (names, regions, the cache) is decided in selector.py.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

Every function here takes a client (``client.KmsClient``), never a module: writes and their recovery
live in ``base.KmsModule``.
"""

import time

from urllib.parse import quote

from ansible_collections.ncloud.kms.plugins.module_utils.client import INVALID_RESPONSE, KmsApiError, build_uri

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


# ---- reading keys by name (the rules of which key a task means are in selector.py) ----------------

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
    return at_once(lambda client: find_named(client, names), clients, len(clients), keep_errors)


PARALLEL_KEYS = 8   # reads and writes of different keys at the same time (kms_keys): the HTTP pool's size per endpoint


def at_once(work, items, bound=PARALLEL_KEYS, keep_errors=False):
    """``[work(item)]`` in the items' order, at most ``bound`` at the same time (each call with the client's retry
    policy). ``keep_errors``: an exception is returned in its place instead of raised, for the caller to report
    with the item it belongs to."""
    def guarded(item):
        try:
            return work(item)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            if not keep_errors:
                raise
            return exc
    if len(items) < 2:
        return [guarded(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor  # only on this path: a task that finds its key needs no thread
    with ThreadPoolExecutor(max_workers=min(bound, len(items))) as pool:
        return list(pool.map(guarded, items))


def full_record(client, found):
    """The full record of a key found in a listing (one GET), or None; a record read in full already is kept."""
    if found and 'currentVersion' in found:
        return found
    return found and get_key(client, found['keyTag'])


def read_back(client, key):
    """The key as the service holds it now: by tag, else by name (a rename may have changed the tag)."""
    current = get_key(client, key['keyTag'])
    if current is None and key.get('keyName'):
        current = full_record(client, find_named(client, [key['keyName']]).get(key['keyName']))
    return current


def deletion_date(key, now_ms):
    """When a key in REVOKE is destroyed: the answer's, else 72 hours (doc) after its status changed."""
    if key.get('destroyDate'):
        return key['destroyDate']
    return int(key.get('statusDate') or now_ms) + DELETION_DELAY_MS
