# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for the KMS clients, on ``requests``: the one file that imports it.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

* ``HttpSession`` is one ``requests.Session`` per connection, shared by the threads of a listing; its adapter
  keeps ``POOL_SIZE`` connections per endpoint and never retries (``client.py`` owns the retry policy and the
  lost-answer rules). urllib3 drops a pooled connection that the server closed before reusing it, so a request is
  never written on a dead socket.
* A request that gets no HTTP answer raises ``TransportError``: ``kind`` says what happened and ``sent`` whether
  the request may have reached the server. Refused, no such host, TLS failure, proxy failure and connect timeout
  were not sent; a read timeout and a dropped or broken answer may have been.
* TLS is verified against ``verify``: a CA bundle path (``ca_path``), ``True`` (then, as requests reads them,
  ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, else the certifi bundle requests ships) or ``False``.
* ``https_proxy`` and ``no_proxy`` are read by requests. Plain ``http://`` endpoints are loopback emulators only
  (``connection.py`` refuses others) and never go through a proxy. No ``~/.netrc`` credentials are added: a KMS
  request carries only its signature headers.
"""

import json
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import disable_warnings
    from urllib3.exceptions import InsecureRequestWarning, NameResolutionError, NewConnectionError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # reported by base.KmsModule and controller.open_connection before any work
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

POOL_SIZE = 8   # connections kept per endpoint; at least keys.PARALLEL_PAGES (a unit test checks)

# TransportError kinds
TLS_FAILED = 'tls'                  # the TLS handshake failed: nothing was sent
CONNECT_FAILED = 'connect'          # no connection (refused, unreachable): nothing was sent
NO_SUCH_HOST = 'no-such-host'       # the endpoint's host name does not resolve: nothing was sent, and never will be
PROXY_FAILED = 'proxy'              # the https_proxy refused or failed the tunnel: nothing reached KMS
CONNECT_TIMEOUT = 'connect-timeout'  # no connection within the timeout: nothing was sent
READ_TIMEOUT = 'read-timeout'       # sent, and no answer within the timeout
DROPPED = 'dropped'                 # sent, and the connection closed or broke before a whole answer

# Words of a name-resolution failure, for resolvers whose error urllib3 does not type
UNRESOLVED_SIGNS = ('Name or service not known', 'nodename nor servname', 'Temporary failure in name resolution',
                    'No address associated with hostname', 'getaddrinfo failed', 'Failed to resolve')


class TransportError(Exception):
    """A request that got no HTTP answer; ``sent`` is True when it may have reached the server."""

    def __init__(self, message, kind, sent):
        super(TransportError, self).__init__(message)
        self.kind = kind
        self.sent = sent


class Response(object):
    """One HTTP answer, read whole."""

    def __init__(self, status_code, reason, headers, content):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers  # get() ignores case
        self.content = content

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        """The body as JSON; ValueError when it is not JSON."""
        return json.loads(self.text)


def no_netrc(request):
    """An auth hook that adds nothing: with one set, requests does not look in ~/.netrc for credentials."""
    return request


def reason_of(exc):
    """The innermost exception requests wrapped (urllib3's reason), for messages free of pool wording."""
    reason = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    return getattr(reason, 'reason', None) or reason


def describe(exc):
    text = str(exc)
    if isinstance(exc, NewConnectionError):     # "HTTPConnection(host=..., port=...): Failed to ...": keep the cause
        text = text.split('): ', 1)[-1]
    return '%s: %s' % (type(exc).__name__, text) if text else type(exc).__name__


def classify(exc):
    """``(kind, sent)`` of an exception that requests raised for one request (timeouts are told apart before)."""
    reason = reason_of(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return TLS_FAILED, False
    if isinstance(exc, requests.exceptions.ProxyError):
        return PROXY_FAILED, False
    if isinstance(reason, NameResolutionError) or any(sign in str(reason) for sign in UNRESOLVED_SIGNS):
        return NO_SUCH_HOST, False
    if isinstance(reason, NewConnectionError):
        return CONNECT_FAILED, False
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return DROPPED, True
    return CONNECT_FAILED, False   # a request requests would not build (bad URL or header): never sent


class HttpSession(object):
    """One requests.Session with a pool per endpoint, shared by threads; no retries of its own."""

    def __init__(self):
        self._session = requests.Session()
        self._session.auth = no_netrc
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
        self._session.mount('https://', adapter)
        self._session.mount('http://', adapter)
        self._insecure_warned = False

    def request(self, method, url, data=None, headers=None, timeout=30, verify=True):
        """Send one request and read its whole answer; raise TransportError when no answer comes."""
        if verify is False and not self._insecure_warned:
            # validate_certs=false is the user's explicit choice: urllib3's warning on every request adds nothing
            disable_warnings(InsecureRequestWarning)
            self._insecure_warned = True
        # a loopback emulator (the only http:// endpoint allowed) is reached directly, whatever http_proxy says
        proxies = {'http': None, 'all': None} if url.startswith('http://') else None
        try:
            answer = self._session.request(method, url, data=data, headers=headers, timeout=(timeout, timeout),
                                           verify=verify, proxies=proxies, allow_redirects=False)
        except requests.exceptions.ReadTimeout as exc:
            raise TransportError('no answer within %s seconds (%s)' % (timeout, describe(reason_of(exc))),
                                 READ_TIMEOUT, True)
        except requests.exceptions.ConnectTimeout as exc:
            raise TransportError('no connection within %s seconds (%s)' % (timeout, describe(reason_of(exc))),
                                 CONNECT_TIMEOUT, False)
        except requests.exceptions.RequestException as exc:
            kind, sent = classify(exc)
            raise TransportError(describe(reason_of(exc)), kind, sent)
        return Response(answer.status_code, answer.reason, answer.headers, answer.content)

    def close(self):
        self._session.close()
