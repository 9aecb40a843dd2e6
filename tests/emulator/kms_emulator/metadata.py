# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance metadata service of an NCP VPC server, as far as its server role goes (reference "Role Data",
compute-vmetadata-roledata; "metadata version", compute-vmetadata-version; ../shared/ncloud-kms-api.md):

* ``PUT /latest/api/token`` with ``X-NCP-METADATA-TOKEN-TTL-SECONDS`` answers a metadata v2 token, sent back as
  ``X-NCP-METADATA-TOKEN``; a service set to v2 only refuses requests without one (401, as other clouds' "v2 only"
  setting does: assumed), and one set to v1 only has no token route (404);
* ``GET /latest/meta-data/iam/security-credentials`` answers the role id, with no trailing newline (404: no role);
* ``GET /latest/meta-data/iam/security-credentials/{roleId}`` answers a new temporary key, JSON with ``AccessKeyId``,
  ``SecretAccessKey`` and ``Expiration`` (RFC 3339), which the emulator's signature check accepts until then;
* ``GET /latest/meta-data/iam/info`` answers ``roleId``, ``roleName``, ``roleType`` and ``createTime``.

Tests set it through the admin API (``PUT /_emulator/metadata``, which also starts its request log and count of keys
issued anew; keys issued before stay valid until they expire): the role (null: none), the versions it answers, the
keys' lifetime, and a delay before every answer (a slow service). A missing service is a closed port.
"""

import json
import re
import secrets
import threading
import time

DEFAULTS = {
    'role': 'kms-automation-role',   # the role id; None: no role is assigned to the server
    'versions': ['v1', 'v2'],        # what the service answers: ['v2'] refuses v1, ['v1'] has no token route
    'lifetime': 3600,                # seconds a temporary key is valid
    'delay': 0.0,                    # seconds before every answer
}
ROLE_PATH = '/latest/meta-data/iam/security-credentials'
MAX_TOKEN_TTL = 21600


def rfc3339(moment):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(moment))


class MetadataService(object):
    """The role, the tokens and the temporary keys issued; ``clock`` is the emulator's."""

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.settings = dict(DEFAULTS)
            self.tokens = {}        # token -> expires
            self.keys = {}          # access key -> (secret key, expires)
            self.log = []           # {'method', 'path', 'token': sent or not, 'status'}, since the last configure
            self.issued = 0         # temporary keys issued since the last configure

    def configure(self, settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise ValueError('unknown metadata settings: %s' % ', '.join(sorted(unknown)))
        if not set(settings.get('versions', ['v1'])) <= {'v1', 'v2'}:
            raise ValueError('versions may hold v1 and v2')
        with self.lock:
            self.settings = dict(DEFAULTS, **settings)
            self.log = []
            self.issued = 0
        return self.state()

    def state(self):
        with self.lock:
            now = self.clock()
            return {'settings': self.settings, 'requests': list(self.log), 'issued': self.issued,
                    'valid': sum(1 for unused, expires in self.keys.values() if expires > now)}

    def secret_keys(self):
        with self.lock:
            return [secret for secret, unused in self.keys.values()]

    # ---- the signature check's question ----------------------------------------------------------

    def secret_of(self, access_key):
        """``(secret key, expired)`` of a temporary key the service issued, or None for an unknown access key."""
        with self.lock:
            issued = self.keys.get(access_key)
        if issued is None:
            return None
        return issued[0], self.clock() >= issued[1]

    # ---- the service -----------------------------------------------------------------------------

    def answer(self, method, path, headers):
        """``(status, body bytes, content type)`` of one request."""
        delay = float(self.settings['delay'] or 0)
        if delay:
            time.sleep(delay)
        status, body = self.route(method, path, headers)
        with self.lock:
            self.log.append({'method': method, 'path': path, 'token': bool(headers.get('X-NCP-METADATA-TOKEN')),
                             'status': status})
        if isinstance(body, dict):
            return status, json.dumps(body).encode('utf-8'), 'application/json'
        return status, body.encode('utf-8'), 'text/plain'

    def route(self, method, path, headers):
        settings = self.settings
        if path == '/latest/api/token':
            if method != 'PUT' or 'v2' not in settings['versions']:
                return 404, 'Not Found'
            return self.new_token(headers.get('X-NCP-METADATA-TOKEN-TTL-SECONDS'))
        if method != 'GET':
            return 405, 'Method Not Allowed'
        refused = self.refuse_token(headers.get('X-NCP-METADATA-TOKEN'))
        if refused:
            return refused
        role = settings['role']
        if path == ROLE_PATH:
            return (200, role) if role else (404, 'Not Found')
        if path == '/latest/meta-data/iam/info' and role:
            return 200, {'roleId': role, 'roleName': role, 'roleType': 'Server', 'createTime': rfc3339(0)}
        match = re.match('^%s/(?P<role>[^/]+)$' % ROLE_PATH, path)
        if match and role and match.group('role') == role:
            return 200, self.new_key()
        return 404, 'Not Found'

    def new_token(self, ttl):
        try:
            ttl = int(ttl)
        except (TypeError, ValueError):
            return 400, 'X-NCP-METADATA-TOKEN-TTL-SECONDS must be a number of seconds'
        if not 1 <= ttl <= MAX_TOKEN_TTL:
            return 400, 'X-NCP-METADATA-TOKEN-TTL-SECONDS must be 1 to %d' % MAX_TOKEN_TTL
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = self.clock() + ttl
        return 200, token

    def refuse_token(self, token):
        """The answer to a request whose token is missing where v2 is required, or unknown or expired; else None."""
        if not token:
            return None if 'v1' in self.settings['versions'] else (401, 'Unauthorized')
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None or self.clock() >= expires:
            return 401, 'Unauthorized'
        return None

    def new_key(self):
        access_key = 'STS' + secrets.token_hex(8).upper()
        secret_key = secrets.token_urlsafe(30)
        expires = self.clock() + float(self.settings['lifetime'])
        with self.lock:
            self.keys[access_key] = (secret_key, expires)
            self.issued += 1
        return {'Code': 'Success', 'LastUpdated': rfc3339(self.clock()), 'Type': 'STS', 'AccessKeyId': access_key,
                'SecretAccessKey': secret_key, 'Expiration': rfc3339(expires)}
