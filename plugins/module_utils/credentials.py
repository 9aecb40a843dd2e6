# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential sources after the options and their variables: a profile of the configure file, then the server
role of a VPC server. ``connection.KmsConnection`` walks the chain in NCP's order (its SDK's
``DefaultCredentialsChain``) and imports this file only when the options and variables give no key.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

* The configure file is the INI text the Ncloud CLI writes (``~/.ncloud/configure``): a ``[DEFAULT]`` section and
  named profiles, each with ``ncloud_access_key_id``, ``ncloud_secret_access_key`` and ``ncloud_api_url``. Lines
  before any section belong to ``DEFAULT`` (NCP's Go SDK reads a file without sections). Sections never inherit
  from ``DEFAULT``: a profile is used whole or not at all.
* The server role's temporary key comes from the instance metadata service: metadata v2 (a token from
  ``PUT /latest/api/token``) first, then v1; ``NCLOUD_METADATA_API_ENDPOINT`` replaces its address; every read of
  it waits ``METADATA_WAIT`` seconds in all. The key is read again once its ``Expiration`` is near.

Every source says where it is (``source``) for messages and ``-vvvv``; no message, exception or source ever holds a
key, and no metadata answer body is ever quoted.
"""

import datetime
import json
import os
import threading
import time

from ansible_collections.ncloud.kms.plugins.module_utils.client import CredentialsError, StaticKeys
from ansible_collections.ncloud.kms.plugins.module_utils.transport import CONNECT_TIMEOUT, READ_TIMEOUT, TransportError

DEFAULT_CONFIG_FILE = '~/.ncloud/configure'
DEFAULT_PROFILE = 'DEFAULT'
ACCESS_KEY_FIELD = 'ncloud_access_key_id'
SECRET_KEY_FIELD = 'ncloud_secret_access_key'
API_URL_FIELD = 'ncloud_api_url'
GOV_API_HOST = 'gov-ntruss.com'   # the gov site's API gateway, https://ncloud.apigw.gov-ntruss.com

METADATA_ENDPOINT = 'http://169.254.169.254'
METADATA_ENDPOINT_VARIABLE = 'NCLOUD_METADATA_API_ENDPOINT'
METADATA_WAIT = 3.0          # seconds for one read of the role's key, all requests together (NCP's SDK waits 3)
TOKEN_PATH = '/latest/api/token'
TOKEN_TTL_HEADER = 'X-NCP-METADATA-TOKEN-TTL-SECONDS'
TOKEN_HEADER = 'X-NCP-METADATA-TOKEN'
TOKEN_TTL = 300              # seconds a metadata v2 token lives: a read of the key takes three requests
ROLE_PATH = '/latest/meta-data/iam/security-credentials'
RENEW_BEFORE = 60.0          # seconds before its Expiration that a temporary key is read again (at most)


# ---- the configure file --------------------------------------------------------------------------

def read_profiles(path):
    """The sections of a configure file: {profile: {field: value}}. Raises CredentialsError naming the file and the
    line of text it cannot read (never the line itself: it may hold a key)."""
    try:
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8-sig')
    except OSError as exc:
        raise CredentialsError('the configure file %s cannot be read: %s' % (path, exc.strerror or exc))
    except UnicodeDecodeError:
        raise CredentialsError('the configure file %s is not UTF-8 text' % path)
    profiles = {}
    section = profiles.setdefault(DEFAULT_PROFILE, {})
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']') and line[1:-1].strip():
            section = profiles.setdefault(line[1:-1].strip(), {})
        elif '=' in line and line.split('=', 1)[0].strip():
            field, value = line.split('=', 1)
            section[field.strip().lower()] = value.strip()
        else:
            raise CredentialsError('the configure file %s has a line that is neither [profile] nor name = value '
                                   '(line %d)' % (path, number))
    return profiles


def profile_keys(path, profile, explicit):
    """``(keys, None)``: the keys of ``profile`` in the configure file at ``path`` (their ``site`` is the one its
    ncloud_api_url names, or None); or ``(None, why)`` when the chain goes on to the server role.

    ``explicit``: the task named the file or the profile, so a missing one fails; else a missing file, or a file
    without the DEFAULT profile, is passed over. A profile without both keys fails.
    """
    if not os.path.exists(path):
        if explicit:
            raise CredentialsError('the configure file %s (profile %s) does not exist' % (path, profile))
        return None, 'no such file'
    profiles = read_profiles(path)
    fields = profiles.get(profile) or {}
    if profile not in profiles or (not fields and not explicit):   # an empty section named on purpose: no keys
        named = sorted(name for name, values in profiles.items() if values)
        if explicit:
            raise CredentialsError('the profile %s is not in the configure file %s (its profiles: %s)'
                                   % (profile, path, ', '.join(named) or 'none'))
        return None, 'it has no %s profile' % profile
    missing = [field for field in (ACCESS_KEY_FIELD, SECRET_KEY_FIELD) if not fields.get(field)]
    if missing:
        raise CredentialsError('the profile %s of the configure file %s has no %s: a profile needs both %s and %s'
                               % (profile, path, ' and no '.join(missing), ACCESS_KEY_FIELD, SECRET_KEY_FIELD))
    site = 'gov' if GOV_API_HOST in (fields.get(API_URL_FIELD) or '').lower() else None
    source = 'the profile %s of the configure file %s' % (profile, path)
    return StaticKeys(fields[ACCESS_KEY_FIELD], fields[SECRET_KEY_FIELD], source, site), None


# ---- the server role -----------------------------------------------------------------------------

def metadata_endpoint(environ=None):
    """The metadata service's address: NCLOUD_METADATA_API_ENDPOINT (empty means unset), else NCP's."""
    value = (environ if environ is not None else os.environ).get(METADATA_ENDPOINT_VARIABLE) or METADATA_ENDPOINT
    if not value.startswith(('http://', 'https://')) or any(char.isspace() for char in value):
        raise CredentialsError('%s must be an http(s) URL such as %s; got %r'
                               % (METADATA_ENDPOINT_VARIABLE, METADATA_ENDPOINT, value))
    return value.rstrip('/')


def parse_expiration(text):
    """Seconds since the epoch of an RFC 3339 time (``2026-12-07T05:00:00Z``, fractions and offsets allowed)."""
    text = (text or '').strip().replace('z', 'Z')
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    if '.' in text:   # Python before 3.11 reads at most 6 digits of a fraction
        head, tail = text.split('.', 1)
        digits = len(tail) - len(tail.lstrip('0123456789'))
        text = '%s.%s%s' % (head, tail[:digits][:6].ljust(6, '0'), tail[digits:])
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


class ServerRole(object):
    """The temporary key of this server's role, read from the metadata service when first needed and again when it
    nears its Expiration. Shared by the threads of a run (a lock)."""

    site = None   # the site is the task's (or the public one)

    def __init__(self, session, endpoint, looked, wait=METADATA_WAIT, clock=time.time):
        self.session = session    # a callable: the connection's transport.HttpSession
        self.endpoint = endpoint
        self.looked = looked      # where the chain looked before (for the message when the role fails too)
        self.wait = wait
        self.clock = clock
        self.role = None
        self.version = None
        self.token_status = None
        self.reads = 0
        self._keys = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self):
        return 'ServerRole(%s)' % self.endpoint

    @property
    def source(self):
        if self.role is None:
            return 'the server role, from the metadata service at %s' % self.endpoint
        return 'the server role %s, from the metadata service at %s (%s)' % (self.role, self.endpoint, self.version)

    def current(self):
        with self._lock:
            if self._keys is None or self.clock() >= self._renew_at:
                self._keys = self.read()
            return self._keys

    def read(self):
        """One read of the role's temporary key: v2 (token) first, then v1."""
        deadline = self.clock() + self.wait
        token = self.token(deadline)
        self.version = 'metadata v2' if token else 'metadata v1'
        headers = {TOKEN_HEADER: token} if token else {}
        status, body = self.get(ROLE_PATH, headers, deadline)
        role = body.decode('utf-8', 'replace').strip() if status == 200 else ''
        if status in (401, 403) and not token:
            self.fail('it gave no metadata v2 token (HTTP %s) and refused metadata v1 (HTTP %d): not an NCP VPC '
                      'server, or its metadata service is off' % (self.token_status, status))
        if status == 404 or (status == 200 and not role):
            self.fail('no role is assigned to this server (%s answered %s)' % (ROLE_PATH, status))
        if status != 200 or '\n' in role or '/' in role:
            self.fail('%s answered HTTP %d, not a role id' % (ROLE_PATH, status))
        self.role = role
        status, body = self.get('%s/%s' % (ROLE_PATH, role), headers, deadline)
        if status != 200:
            self.fail('the temporary key of the role %s could not be read (HTTP %d)' % (role, status))
        self.reads += 1
        return self.keys_from(body)

    def keys_from(self, body):
        try:
            answer = json.loads(body.decode('utf-8'))
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self.fail('the temporary key of the role %s is not a JSON object' % self.role)
        if answer.get('Code') not in (None, 'Success'):
            said = answer.get('Message') or answer.get('Code')
            self.fail('the metadata service did not issue a key for the role %s: %s' % (self.role, said))
        missing = [field for field in ('AccessKeyId', 'SecretAccessKey', 'Expiration') if not answer.get(field)]
        if missing:
            self.fail('the temporary key of the role %s has no %s' % (self.role, ', '.join(missing)))
        try:
            expires = parse_expiration(answer['Expiration'])
        except ValueError:
            self.fail('the temporary key of the role %s has an Expiration that is not an RFC 3339 time: %r'
                      % (self.role, answer['Expiration']))
        now = self.clock()
        self._renew_at = expires - min(RENEW_BEFORE, max(0.0, expires - now) / 10.0)
        return answer['AccessKeyId'], answer['SecretAccessKey']

    def token(self, deadline):
        """A metadata v2 token, or None when the service answers the token request with an error (v1 only)."""
        status, body = self.request('PUT', TOKEN_PATH, {TOKEN_TTL_HEADER: str(TOKEN_TTL)}, deadline)
        self.token_status = status
        token = body.decode('utf-8', 'replace').strip() if status == 200 else ''
        return token or None

    def get(self, path, headers, deadline):
        return self.request('GET', path, headers, deadline)

    def request(self, method, path, headers, deadline):
        remaining = deadline - self.clock()
        if remaining <= 0:
            self.fail('no answer from the metadata service within %g seconds' % self.wait)
        try:
            response = self.session().request(method, self.endpoint + path, headers=headers, timeout=remaining)
        except TransportError as exc:
            if exc.kind in (CONNECT_TIMEOUT, READ_TIMEOUT):
                why = 'no answer within %g seconds' % self.wait
            else:
                why = 'cannot reach it (%s)' % exc
            self.fail('%s: not an NCP VPC server, or its metadata service is off' % why)
        return response.status_code, response.content

    def fail(self, why):
        raise CredentialsError(no_credentials(self.looked + ['%s: %s' % (self.source, why)]))


def no_credentials(looked):
    """The failure when no source gave a key: every place looked at, in order."""
    return 'no NCP credentials found; looked, in this order, at %s' % '; '.join(looked)
