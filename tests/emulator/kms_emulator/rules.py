# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules every part of the emulated store shares: limits, field lists, errors and input checks.

Follows ``ncloud-kms-api.md`` (the project's summary of the NCP API reference). Where the summary marks
a fact as assumed, the assumption is implemented as stated there and named in a comment.
"""

import collections
import re
import uuid

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
HIDDEN_FIELDS = ('versions', 'acl', 'tokenGenerator', 'activities')   # read through their own operations
DATE_FIELDS = ('registerDate', 'statusDate', 'nextRotationDate', 'destroyDate')
VERSION_FIELDS = ('version', 'status', 'statusDate', 'rotatedDate')  # a version's secret and key pair stay inside
MAX_DATA_BYTES = 32 * 1024      # encrypt: plaintext of one request (doc: 32 KB; assumed: for all items of an array)
MAX_RSA_BYTES = 190             # encrypt with an RSA2048 key (doc)
MAX_CONTEXT_BYTES = 50          # context (doc)
ENCRYPTING_TYPES = ('AES256', 'RSA2048')
PUBLIC_KEY_TYPES = ('RSA2048', 'ECDSA')
MAX_SIGN_BYTES = 8 * 1024       # sign and verify: data (doc)
CUSTOM_KEY_BITS = (128, 256, 512)   # create-custom-key: bits (doc; default 256)
MAX_BATCH_ITEMS = 100           # re-encrypt: items of one array request (assumed, from v3's batch endpoints)
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


# Tags as NCP issues them (doc, API v3): 64 lowercase hex characters; region-isolation keys carry a prefix.
TAG_PREFIXES = {'global': '', 'KR': 'kr-', 'JPN': 'jpn-'}


def new_tag(boundary='global'):
    return TAG_PREFIXES[boundary] + uuid.uuid4().hex + uuid.uuid4().hex


def tag_boundary(tag):
    """The boundary a tag's prefix names, or None for a tag without one."""
    return next((boundary for boundary, prefix in TAG_PREFIXES.items() if prefix and tag.startswith(prefix)), None)


def nrn(boundary, tag):
    return 'nrn:PUB:KMS::%d:Key/%s' % (1000 + BOUNDARIES.index(boundary), tag)


# One API request as a store operation sees it: the boundary it reached, the key tag in its path (or None),
# its query parameters and its JSON body. Every operation of the route table takes one.
# version: the {version} of a per-version path (keys/{tag}/versions/{version}/...), else None.
Request = collections.namedtuple('Request', 'boundary tag query body version', defaults=(None,))


def int_param(query, name, default):
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError:
        raise bad_request('%s must be an integer' % name)
