# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  access_key:
    description:
      - NCP API access key.
      - Taken from the environment variable E(NCLOUD_ACCESS_KEY_ID), else E(NCLOUD_ACCESS_KEY), when not set.
      - "When neither O(access_key) nor O(secret_key) is set here or in their variables, the keys come from a profile
        of the configure file (O(config_file), O(profile)), else from the server role of the NCP VPC server that
        runs the task (O(server_role)): NCP's own order. Setting only one of the two fails."
      - An empty value, here or in a variable, is unset.
    type: str
  secret_key:
    description:
      - NCP API secret key. It signs every request and is never sent, logged or returned.
      - Taken from the environment variable E(NCLOUD_SECRET_ACCESS_KEY), else E(NCLOUD_SECRET_KEY), when not set.
    type: str
  config_file:
    description:
      - The configure file the Ncloud CLI writes (INI text with a C([DEFAULT]) section and named profiles, each with
        C(ncloud_access_key_id), C(ncloud_secret_access_key) and C(ncloud_api_url)), read only when O(access_key) and
        O(secret_key) are not set.
      - When not set, C(~/.ncloud/configure) of the user that runs the task, passed over when it does not exist.
        A file named here, or any file with O(profile) set, must exist.
      - Taken from the environment variable E(NCLOUD_CONFIG_FILE) when not set.
    type: path
  profile:
    description:
      - The profile (section) of O(config_file) to take the keys from; it must hold both keys.
      - When not set, C(DEFAULT), passed over when the file has no such section.
      - "A profile whose C(ncloud_api_url) is on the gov site (C(https://ncloud.apigw.gov-ntruss.com)) selects
        O(site=gov) when O(site) is not set. Any other C(ncloud_api_url) is not used: the KMS endpoints come from
        O(site) and the O(endpoint) options."
      - Taken from the environment variable E(NCLOUD_PROFILE) when not set.
    type: str
  server_role:
    description:
      - When no key is set and no configure profile gives one, take the temporary key of the server role assigned
        to the NCP VPC server that runs the task, from its instance metadata service (metadata v2, else v1; the
        environment variable E(NCLOUD_METADATA_API_ENDPOINT) replaces its address C(http://169.254.169.254)).
        The key is read again when it expires during a long run.
      - The metadata service is given 3 seconds in all; a host without one (a laptop) fails then, with a message
        that names every place looked at.
      - V(false) turns the server role off.
      - Taken from the environment variable E(NCLOUD_KMS_SERVER_ROLE) when not set.
    type: bool
    default: true
  site:
    description:
      - The NCP site. V(gov) offers only global keys.
      - When not set, V(gov) if the configure profile in use names the gov site, else V(public).
      - Taken from the environment variable E(NCLOUD_KMS_SITE) when not set.
    type: str
    choices: [public, gov]
  endpoint:
    description:
      - Base URL of the global boundary, replacing the site's own (for tests and private gateways).
      - Taken from the environment variable E(NCLOUD_KMS_ENDPOINT) when not set.
      - Plain C(http://) is refused except for loopback hosts, because a signed request over plain
        HTTP leaks the access key and a replayable signature.
    type: str
  endpoint_kr:
    description:
      - Base URL of the KR region-isolation boundary, replacing C(https://ocapi-kr.ncloud.com).
      - Taken from the environment variable E(NCLOUD_KMS_ENDPOINT_KR) when not set.
      - Plain C(http://) is refused except for loopback hosts, as for O(endpoint).
    type: str
  endpoint_jpn:
    description:
      - Base URL of the JPN region-isolation boundary, replacing C(https://ocapi-jp.ncloud.com).
      - Taken from the environment variable E(NCLOUD_KMS_ENDPOINT_JPN) when not set.
      - Plain C(http://) is refused except for loopback hosts, as for O(endpoint).
    type: str
  timeout:
    description:
      - Seconds to wait for each HTTP answer (1 to 600).
    type: int
    default: 30
  retries:
    description:
      - How many times a throttled (429), failed (5xx) or dropped request is retried (0 to 10),
        with exponential backoff, full jitter and any C(Retry-After) the API sends.
      - Other errors are never retried.
    type: int
    default: 5
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate. Set V(false) only for testing.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM) to verify the endpoint's certificate with, for private gateways.
      - When not set, requests decides as it always does, in this order, the bundle named by the environment
        variable E(REQUESTS_CA_BUNDLE), then E(CURL_CA_BUNDLE), then the certifi bundle that requests uses.
      - HTTPS requests go through the proxy that E(https_proxy) names, except to the hosts E(no_proxy) lists, as
        requests reads them.
    type: path
  key_cache:
    description:
      - Remember where the key of a name lives (its tag and boundary) in a per-user file, so that the next task
        finds it with one read instead of reading list pages until the name is met. A remembered tag is used
        only when the read confirms the name in the same boundary; anything else falls back to listing.
      - The file (C($XDG_CACHE_HOME/ncloud-kms/keys.json), else C(~/.cache/ncloud-kms/keys.json), mode 0600)
        holds key names, tags, boundaries and endpoints, never a secret. Check mode reads it but never writes it.
      - Taken from the environment variable E(NCLOUD_KMS_KEY_CACHE) when not set.
    type: bool
    default: true
requirements:
  - requests (the Python library; for modules on the host that runs them, which is the controller for
    C(localhost); for the lookup and the vars plugin on the controller)
'''

    # For modules (use both fragments: ncloud.kms.auth and ncloud.kms.auth.modules).
    MODULES = r'''
options: {}
notes:
  - All modules of this collection are in the action group C(ncloud.kms.kms), so
    C(module_defaults) with C(group/ncloud.kms.kms) can set these options once for a play.
  - "For example, a play that reaches NCP through a private gateway sets every connection option once, for all
    the collection's modules: C(module_defaults: {group/ncloud.kms.kms: {access_key: '{{ ncp_access_key }}',
    secret_key: '{{ ncp_secret_key }}', site: public, endpoint: 'https://kms-gateway.example.internal',
    endpoint_kr: 'https://kms-gateway-kr.example.internal', endpoint_jpn: 'https://kms-gateway-jp.example.internal',
    ca_path: /etc/pki/internal-ca.pem, validate_certs: true, timeout: 30, retries: 5, key_cache: false}}).
    Left out, an option takes its default or its environment variable."
  - "A play on a VPC server that keeps its keys in a profile of the Ncloud CLI's file, with the server role as no
    fallback, sets C(module_defaults: {group/ncloud.kms.kms: {config_file: /etc/ncloud/configure, profile: kms-admin,
    server_role: false}})."
  - "With O(access_key) and O(secret_key) set, no other source is read. At C(-vvvv) the result's C(credentials_source)
    says which source signed the requests (an option, a variable, a profile or the server role), never a key."
'''

    # The same options for lookup plugins: the environment variables that get_option reads, merged into the
    # options above (use both fragments: ncloud.kms.auth and ncloud.kms.auth.plugins).
    PLUGINS = r'''
options:
  access_key:
    env:
      - name: NCLOUD_ACCESS_KEY
      - name: NCLOUD_ACCESS_KEY_ID
  secret_key:
    env:
      - name: NCLOUD_SECRET_KEY
      - name: NCLOUD_SECRET_ACCESS_KEY
  config_file:
    env:
      - name: NCLOUD_CONFIG_FILE
    ini:
      - section: ncloud_kms
        key: config_file
  profile:
    env:
      - name: NCLOUD_PROFILE
    ini:
      - section: ncloud_kms
        key: profile
  server_role:
    env:
      - name: NCLOUD_KMS_SERVER_ROLE
    ini:
      - section: ncloud_kms
        key: server_role
  site:
    env:
      - name: NCLOUD_KMS_SITE
  endpoint:
    env:
      - name: NCLOUD_KMS_ENDPOINT
  endpoint_kr:
    env:
      - name: NCLOUD_KMS_ENDPOINT_KR
  endpoint_jpn:
    env:
      - name: NCLOUD_KMS_ENDPOINT_JPN
  key_cache:
    env:
      - name: NCLOUD_KMS_KEY_CACHE
notes:
  - C(module_defaults) does not reach the controller plugins (Ansible runs them on the controller, outside any
    module), so credentials and endpoints set only there are not seen here. Use the environment variables (an
    empty one counts as unset, as AWX renders an input left unset). The M(ncloud.kms.kms_decrypt) lookup also
    takes every option as an argument, for example from variables (C(access_key=ncp_access_key,
    secret_key=ncp_secret_key)); the C(ncloud.kms.kms_vars) vars plugin, which takes no arguments, reads its other
    options from its own environment variables and C(ansible.cfg) section.
  - Ansible takes the last variable set of an option's list, so E(NCLOUD_ACCESS_KEY_ID) is listed after
    E(NCLOUD_ACCESS_KEY) and wins over it, as in NCP's SDK and the modules.
  - "O(config_file), O(profile) and O(server_role) may also be set in the C([ncloud_kms]) section of C(ansible.cfg),
    for example C(profile = kms-reader) there."
'''
