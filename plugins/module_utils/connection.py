# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where ncloud.kms talks to: the connection options, sites, boundaries, endpoints and their variables.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

This file is the one home of those facts. ``CONNECTION_OPTIONS`` is the table every plugin's connection
options come from: a module's argument spec is built from it (``connection_argument_spec``), a lookup reads
the same names through ``get_option``, and the doc fragment ``ncloud.kms.auth`` (plus ``.plugins`` for the
environment variables of a lookup) is checked against it by a unit test.

``KmsConnection`` takes the option values as a plain dict and a ``fail(message)`` callable, so modules
(``AnsibleModule.fail_json``) and lookups (``AnsibleLookupError``) share one set of rules, one way to build
the signed clients of each boundary, and one HTTP session.
"""

import ipaddress
import os

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.ncloud.kms.plugins.module_utils.client import CredentialsError, KmsClient, StaticKeys
from ansible_collections.ncloud.kms.plugins.module_utils.transport import HttpSession

# ---- boundaries and sites ------------------------------------------------------------------------

GLOBAL = None                 # the global boundary; the region-isolation boundaries are named
REGIONS = ('KR', 'JPN')
BOUNDARIES = (GLOBAL,) + REGIONS
SITES = ('public', 'gov')

BASE_URLS = {
    ('public', GLOBAL): 'https://ocapi.ncloud.com',
    ('public', 'KR'): 'https://ocapi-kr.ncloud.com',
    ('public', 'JPN'): 'https://ocapi-jp.ncloud.com',
    ('gov', GLOBAL): 'https://ocapi.gov-ncloud.com',
}

# boundary -> (option that overrides its endpoint, environment variable of that option)
ENDPOINT_OPTIONS = {GLOBAL: 'endpoint', 'KR': 'endpoint_kr', 'JPN': 'endpoint_jpn'}
ENDPOINT_ENV = {GLOBAL: 'NCLOUD_KMS_ENDPOINT', 'KR': 'NCLOUD_KMS_ENDPOINT_KR', 'JPN': 'NCLOUD_KMS_ENDPOINT_JPN'}

# ---- the connection options: the one table -----------------------------------------------------

# option -> its argument spec, plus 'env' (the environment variables it falls back to) and 'range' (inclusive).
# An option with several variables takes the first one set (NCP's SDK reads NCLOUD_ACCESS_KEY_ID before
# NCLOUD_ACCESS_KEY); an empty variable is unset.
CONNECTION_OPTIONS = {
    'access_key': dict(type='str', no_log=False, env=('NCLOUD_ACCESS_KEY_ID', 'NCLOUD_ACCESS_KEY')),
    'secret_key': dict(type='str', no_log=True, env=('NCLOUD_SECRET_ACCESS_KEY', 'NCLOUD_SECRET_KEY')),
    'config_file': dict(type='path', env=('NCLOUD_CONFIG_FILE',)),
    'profile': dict(type='str', env=('NCLOUD_PROFILE',)),
    'server_role': dict(type='bool', default=True, env=('NCLOUD_KMS_SERVER_ROLE',)),
    'site': dict(type='str', choices=list(SITES), env=('NCLOUD_KMS_SITE',)),
    'endpoint': dict(type='str', env=(ENDPOINT_ENV[GLOBAL],)),
    'endpoint_kr': dict(type='str', env=(ENDPOINT_ENV['KR'],)),
    'endpoint_jpn': dict(type='str', env=(ENDPOINT_ENV['JPN'],)),
    'timeout': dict(type='int', default=30, range=(1, 600)),
    'retries': dict(type='int', default=5, range=(0, 10)),
    'validate_certs': dict(type='bool', default=True),
    'ca_path': dict(type='path'),
    'key_cache': dict(type='bool', default=True, env=('NCLOUD_KMS_KEY_CACHE',)),
}
SPEC_KEYS = ('type', 'default', 'choices', 'no_log')
KEY_OPTIONS = ('access_key', 'secret_key')
RANGED_OPTIONS = ('timeout', 'retries')
DEFAULT_SITE = 'public'   # when neither the task nor the configure profile's ncloud_api_url names one


def connection_argument_spec():
    """The connection options as an ``AnsibleModule`` argument spec (environment fallbacks included)."""
    spec = {}
    for option, facts in CONNECTION_OPTIONS.items():
        spec[option] = dict((key, facts[key]) for key in SPEC_KEYS if key in facts)
        if 'env' in facts:
            spec[option]['fallback'] = (env_fallback, list(facts['env']))
    return spec


def environment_value(variables, environ=None):
    """The value of the first of ``variables`` that is set and not empty (AWX renders a credential input left unset
    as an empty string), and its name; ``(None, None)`` when none is."""
    environ = os.environ if environ is None else environ
    for variable in variables:
        if environ.get(variable):
            return environ[variable], variable
    return None, None


def boundary_name(region):
    return 'global' if region is GLOBAL else region


def other_boundaries(site, region):
    """The boundaries of the site other than ``region`` (None is global)."""
    return [other for other in BOUNDARIES if other != region and (site, other) in BASE_URLS]


def other_region(region):
    """The other region-isolation boundary (a key cannot move between them)."""
    return [other for other in REGIONS if other != region][0]


# ---- endpoints -----------------------------------------------------------------------------------

class EndpointError(ValueError):
    """An endpoint URL that must not be used."""


def is_loopback_host(host):
    if not host:
        return False
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url, option):
    """Validate an endpoint URL (scheme, host, optional port, no path, no white space); return it without a trailing
    slash."""
    url = url or ''
    if any(char.isspace() for char in url):
        raise EndpointError('%s must not contain white space (a space, tab or line break); got %r' % (option, url))
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise EndpointError('%s must be an http(s) URL with a host, such as https://ocapi.ncloud.com; got %r'
                            % (option, url))
    try:
        parts.port
    except ValueError:
        raise EndpointError('%s has a port that is not a number from 0 to 65535; got %r' % (option, url))
    if parts.username is not None or parts.password is not None:
        raise EndpointError('%s must not carry a user or password (the request is signed with access_key); got %r'
                            % (option, url))
    if parts.path not in ('', '/'):
        raise EndpointError('%s must be a scheme, a host and an optional port, with no path (the collection adds '
                            '/kms/v1/...); got %r, whose path is %s' % (option, url, parts.path))
    if parts.query or parts.fragment:
        raise EndpointError('%s must not carry a query string or fragment; got %r' % (option, url))
    if parts.scheme == 'http' and not is_loopback_host(parts.hostname):
        raise EndpointError(
            '%s uses plain http:// to the non-loopback host %s: a signed request over plain HTTP leaks '
            'the access key and a replayable signature, so only https:// is allowed (plain http:// is '
            'accepted for loopback hosts such as a local emulator)' % (option, parts.hostname))
    return url.rstrip('/')


# ---- the connection ------------------------------------------------------------------------------

class KmsConnection(object):
    """Validated connection options and the clients built from them (one HTTP session for all)."""

    def __init__(self, options, fail, given=None, missing_hint='', debug=None):
        self.options = options
        self.fail = fail
        self.given = given or {}
        self.missing_hint = missing_hint  # said after a missing credential (a lookup explains module_defaults)
        self.debug = debug or (lambda message: None)   # -vvvv: which credential source signs, never a key
        self.keys = None     # that source: client.StaticKeys, or credentials.ServerRole (set by validate)
        self._source_said = False
        self._session = None
        self._clients = {}

    def validate(self, regions):
        """Every rule of the connection options, before any request; ``regions`` are the boundaries used."""
        options = self.options
        self.keys = self.find_keys()
        options['site'] = options.get('site') or self.keys.site or DEFAULT_SITE
        if isinstance(self.keys, StaticKeys):
            self.signing_keys()   # says the source at -vvvv (a server role's, once read)
        for option in RANGED_OPTIONS:
            low, high = CONNECTION_OPTIONS[option]['range']
            if not low <= options[option] <= high:
                self.fail('%s must be between %d and %d; got %d' % (option, low, high, options[option]))
        for region in regions:
            if (options['site'], region) not in BASE_URLS:
                self.fail('region %s is not offered on the %s site: only global keys exist there' % (region, options['site']))
        if options.get('ca_path') and not os.path.isfile(options['ca_path']):
            self.fail('ca_path must name a CA bundle file (PEM); %s is not a file' % options['ca_path'])
        for region, option in ENDPOINT_OPTIONS.items():
            if options.get(option):
                try:
                    check_endpoint(options[option], option)
                except EndpointError as exc:
                    self.fail('%s; the endpoint is set by %s' % (exc, self.endpoint_source(region)))

    # ---- credentials: NCP's chain ---------------------------------------------------------------

    def find_keys(self):
        """The first source of NCP's credential chain that gives both keys: the options and their variables (an empty
        option is unset too), else a profile of the configure file, else the server role (credentials.py, imported
        only then). A half-given pair and a broken configure file fail here, before any request; the server role is
        read when the first client is made."""
        options = self.options
        pair = dict((option, self.key_and_source(option)) for option in KEY_OPTIONS)
        given = [option for option in KEY_OPTIONS if pair[option][0]]
        if len(given) == 2:
            return StaticKeys(pair['access_key'][0], pair['secret_key'][0],
                              ' and '.join(pair[option][1] for option in KEY_OPTIONS))
        if given:
            unset = [option for option in KEY_OPTIONS if option not in given][0]
            self.fail('%s is set (by %s) but %s is not: set %s too (the option, or the environment variable %s), or '
                      'neither, to use the configure file or the server role%s'
                      % (given[0], pair[given[0]][1], unset, unset,
                         ' or '.join(CONNECTION_OPTIONS[unset]['env']), self.missing_hint))
        from ansible_collections.ncloud.kms.plugins.module_utils import credentials  # pylint: disable=import-outside-toplevel
        looked = ['the options access_key and secret_key, and the environment variables %s: not set'
                  % ', '.join(CONNECTION_OPTIONS['access_key']['env'] + CONNECTION_OPTIONS['secret_key']['env'])]
        path = os.path.expanduser(options.get('config_file') or credentials.DEFAULT_CONFIG_FILE)
        profile = options.get('profile') or credentials.DEFAULT_PROFILE
        try:
            keys, why = credentials.profile_keys(path, profile, bool(options.get('config_file') or options.get('profile')))
            if keys:
                return keys
            looked.append('the configure file %s (profile %s): %s' % (path, profile, why))
            if not options['server_role']:
                looked.append('the server role: turned off (server_role: false, or NCLOUD_KMS_SERVER_ROLE=false)')
                raise CredentialsError(credentials.no_credentials(looked))
            return credentials.ServerRole(self.http_session, credentials.metadata_endpoint(), looked)
        except CredentialsError as exc:
            self.fail('%s%s' % (exc, self.missing_hint))

    def key_and_source(self, option):
        """A key option's value, and where it came from: the task's option, or the variable that set it."""
        value = self.options.get(option)
        from_environment, variable = environment_value(CONNECTION_OPTIONS[option]['env'])
        if value and (option in self.given or value != from_environment):
            return value, 'the option %s' % option
        return from_environment, 'the environment variable %s' % variable

    def signing_keys(self):
        """The keys' source, once it gave keys (a server role's are read here, the first time); fails saying every
        place looked at when none did. -vvvv hears the source once."""
        try:
            self.keys.current()
        except CredentialsError as exc:
            self.fail('%s%s' % (exc, self.missing_hint))
        if not self._source_said:
            self._source_said = True
            self.debug('ncloud.kms signs requests with the key of %s' % self.keys.source)
        return self.keys

    # ---- boundaries and endpoints ---------------------------------------------------------------

    def other_regions(self):
        """The isolation boundaries of the site (those a name without a region is followed into)."""
        return [region for region in REGIONS if (self.options['site'], region) in BASE_URLS]

    def searched(self, region, by_name_without_region):
        """Where a missing key was looked for, for messages: its boundary, or every boundary of the site when a name
        without region was followed (global first, then the isolation boundaries)."""
        if by_name_without_region and self.other_regions():
            return 'any boundary (global, %s)' % ', '.join(self.other_regions())
        return 'the %s boundary' % boundary_name(region)

    def base_url(self, region=GLOBAL):
        override = self.options.get(ENDPOINT_OPTIONS[region])
        if override:
            return check_endpoint(override, ENDPOINT_OPTIONS[region])
        return BASE_URLS[(self.options['site'], region)]

    def endpoint_source(self, region=GLOBAL):
        """Where a boundary's endpoint comes from, for messages about reaching it."""
        option = ENDPOINT_OPTIONS[region]
        if option in self.given:
            return 'the option %s' % option
        if self.options.get(option):
            return 'the environment variable %s' % ENDPOINT_ENV[region]
        return "the %s site's default (set %s or %s to use another)" % (self.options['site'], option, ENDPOINT_ENV[region])

    def http_session(self):
        """The one HTTP session of the connection (KMS endpoints and the metadata service)."""
        if self._session is None:
            self._session = HttpSession()
        return self._session

    def client(self, region=GLOBAL):
        """The client of one boundary; all clients share one HTTP session and one credential source."""
        if region not in self._clients:
            options = self.options
            verify = options.get('ca_path') or True if options['validate_certs'] else False
            self._clients[region] = KmsClient(
                self.base_url(region), self.signing_keys(), self.http_session(),
                timeout=options['timeout'], retries=options['retries'], verify=verify,
                endpoint_source=self.endpoint_source(region), boundary=boundary_name(region))
        return self._clients[region]

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None
            self._clients = {}
