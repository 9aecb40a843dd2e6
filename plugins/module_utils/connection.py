# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every ncloud.kms plugin shares, over a module's params or a lookup's options.

``KmsConnection`` takes the option values as a plain dict and a ``fail(message)`` callable, so modules
(``AnsibleModule.fail_json``) and lookups (``AnsibleLookupError``) share one set of rules, one way to
build the signed clients of each boundary, and one HTTP session. The options are documented once, in
the doc fragment ``ncloud.kms.auth`` (plus ``ncloud.kms.auth.plugins`` for a lookup's environment variables).
"""

import os

from ansible_collections.ncloud.kms.plugins.module_utils.client import (
    BASE_URLS, ENDPOINT_ENV, GLOBAL, EndpointError, KmsClient, check_endpoint,
)

try:
    import requests
except ImportError:  # pragma: no cover - reported through HAS_REQUESTS
    requests = None

ENDPOINT_OPTIONS = {GLOBAL: 'endpoint', 'KR': 'endpoint_kr', 'JPN': 'endpoint_jpn'}
TIMEOUT_RANGE = (1, 600)
RETRIES_RANGE = (0, 10)
CONNECTION_OPTIONS = ('access_key', 'secret_key', 'site', 'endpoint', 'endpoint_kr', 'endpoint_jpn', 'timeout',
                      'retries', 'validate_certs', 'ca_path')
CREDENTIAL_ENV = {'access_key': 'NCLOUD_ACCESS_KEY', 'secret_key': 'NCLOUD_SECRET_KEY'}


class KmsConnection(object):
    """Validated connection options and the clients built from them (one HTTP session for all)."""

    def __init__(self, options, fail, given=None):
        self.options = options
        self.fail = fail
        self.given = given or {}
        self._session = None
        self._clients = {}

    def validate(self, regions):
        """Every rule of the connection options, before any request; ``regions`` are the boundaries used."""
        options = self.options
        for option, env in sorted(CREDENTIAL_ENV.items()):
            if not options.get(option):
                self.fail('%s is required: set the option %s or the environment variable %s' % (option, option, env))
        for option, (low, high) in (('timeout', TIMEOUT_RANGE), ('retries', RETRIES_RANGE)):
            if not low <= options[option] <= high:
                self.fail('%s must be between %d and %d; got %d' % (option, low, high, options[option]))
        for region in regions:
            if (options['site'], region) not in BASE_URLS:
                self.fail('region %s is not offered on the %s site: only global keys exist there' % (region, options['site']))
        if options.get('ca_path') and not os.path.isfile(options['ca_path']):
            self.fail('ca_path must name a CA bundle file (PEM); %s is not a file' % options['ca_path'])
        for option in ENDPOINT_OPTIONS.values():
            if options.get(option):
                try:
                    check_endpoint(options[option], option)
                except EndpointError as exc:
                    self.fail(str(exc))

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

    def client(self, region=GLOBAL):
        """The client of one boundary; all clients share one HTTP session."""
        if region not in self._clients:
            if self._session is None:
                self._session = requests.Session()
            options = self.options
            verify = options.get('ca_path') or True if options['validate_certs'] else False
            self._clients[region] = KmsClient(
                self.base_url(region), options['access_key'], options['secret_key'], self._session,
                timeout=options['timeout'], retries=options['retries'], verify=verify,
                endpoint_source=self.endpoint_source(region))
        return self._clients[region]

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None
            self._clients = {}
