# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for the KMS clients, on Python's standard library (``http.client`` and ``ssl``).

The clients need little of HTTP: keep-alive to at most three hosts, a timeout, TLS verification and the proxy
variables. Importing ``requests`` for that cost about 100 ms in every module run, most of what a no-change task
costs beyond ansible-core's own start-up.

* ``HttpSession`` keeps idle connections per endpoint. Threads share it (a listing fetches pages four at a
  time): a thread takes an idle connection or opens one, and gives it back after a complete answer.
* A pooled connection that the server has closed is dropped before reuse, so a request is never written on a
  dead socket (that would turn "not sent" into "may have been applied").
* A request that gets no HTTP answer raises ``TransportError``, whose ``kind`` says what happened and whose
  ``sent`` says whether the request may have reached the server.
* TLS is verified against the bundle given as ``verify``, else the bundle that ``REQUESTS_CA_BUNDLE`` or
  ``CURL_CA_BUNDLE`` names (the conventions users of requests and curl already set), else the system's CA store
  (``SSL_CERT_FILE`` names another bundle); ``verify=False`` turns verification off.
* ``https_proxy`` and ``no_proxy`` are honoured as curl reads them (a CONNECT tunnel). Plain ``http://``
  endpoints are loopback emulators only (connection.py refuses others), so they never go through a proxy.
"""

import base64
import http.client
import json
import os
import select
import socket
import ssl
import threading

from urllib.parse import unquote, urlsplit

# TransportError kinds
TLS_FAILED = 'tls'                  # the TLS handshake failed: nothing was sent
CONNECT_FAILED = 'connect'          # no connection (refused, no such host, proxy refused): nothing was sent
CONNECT_TIMEOUT = 'connect-timeout'  # no connection within the timeout: nothing was sent
READ_TIMEOUT = 'read-timeout'       # sent, and no answer within the timeout
DROPPED = 'dropped'                 # sent, and the connection closed or broke before a whole answer


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
        self.headers = headers  # an http.client.HTTPMessage: get() ignores case
        self.content = content

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        """The body as JSON; ValueError when it is not JSON."""
        return json.loads(self.text)


def describe(exc):
    return '%s: %s' % (type(exc).__name__, exc) if str(exc) else type(exc).__name__


def tls_context(verify):
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if not isinstance(verify, str):
        verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or None
    return ssl.create_default_context(cafile=verify)


def proxy_for(scheme, host, port):
    """(host, port, Proxy-Authorization or None) of the proxy for an https endpoint, or None."""
    if scheme != 'https' or not any(name.lower() == 'https_proxy' for name in os.environ):
        return None
    from urllib.request import getproxies_environment, proxy_bypass_environment  # only when a proxy is set
    proxies = getproxies_environment()
    if not proxies.get('https') or proxy_bypass_environment('%s:%d' % (host, port), proxies):
        return None
    proxy = urlsplit(proxies['https'] if '://' in proxies['https'] else 'http://' + proxies['https'])
    authorization = None
    if proxy.username:
        credentials = '%s:%s' % (unquote(proxy.username), unquote(proxy.password or ''))
        authorization = 'Basic ' + base64.b64encode(credentials.encode('utf-8')).decode('ascii')
    return proxy.hostname, proxy.port or 8080, authorization


def is_dropped(connection):
    """True when an idle connection can no longer carry a request (the server closed it, or sent something)."""
    if connection.sock is None:
        return True
    try:
        readable = select.select([connection.sock], [], [], 0)[0]
    except (OSError, ValueError):
        return True
    return bool(readable)


class HttpSession(object):
    """Keep-alive HTTP/1.1 connections per endpoint, shared by threads."""

    def __init__(self):
        self._idle = {}     # (scheme, host, port, verify) -> idle connections
        self._contexts = {}
        self._lock = threading.Lock()

    def request(self, method, url, data=None, headers=None, timeout=30, verify=True):
        """Send one request and read its whole answer; raise TransportError when no answer comes."""
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        pool = (parts.scheme, parts.hostname, port, verify)
        connection = self._take(pool) or self._connect(pool, timeout)
        target = parts.path + ('?' + parts.query if parts.query else '')
        body = data.encode('utf-8') if isinstance(data, str) else data
        try:
            connection.sock.settimeout(timeout)
            connection.request(method, target, body=body, headers=headers or {})
            answer = connection.getresponse()
            content = answer.read()
        except socket.timeout as exc:
            connection.close()
            raise TransportError('no answer within %s seconds (%s)' % (timeout, describe(exc)), READ_TIMEOUT, True)
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            raise TransportError(describe(exc), DROPPED, True)
        if answer.will_close:
            connection.close()
        else:
            self._give_back(pool, connection)
        return Response(answer.status, answer.reason, answer.headers, content)

    def _take(self, pool):
        with self._lock:
            idle = self._idle.get(pool, [])
            while idle:
                connection = idle.pop()
                if not is_dropped(connection):
                    return connection
                connection.close()
        return None

    def _give_back(self, pool, connection):
        with self._lock:
            self._idle.setdefault(pool, []).append(connection)

    def _connect(self, pool, timeout):
        scheme, host, port, verify = pool
        try:
            if scheme != 'https':
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            else:
                proxy = proxy_for(scheme, host, port)
                context = self._context(verify)
                if proxy:
                    connection = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=timeout, context=context)
                    connection.set_tunnel(host, port, headers={'Proxy-Authorization': proxy[2]} if proxy[2] else None)
                else:
                    connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
            connection.connect()
        except ssl.SSLError as exc:
            raise TransportError(describe(exc), TLS_FAILED, False)
        except socket.timeout as exc:
            raise TransportError('no connection within %s seconds (%s)' % (timeout, describe(exc)), CONNECT_TIMEOUT, False)
        except OSError as exc:
            raise TransportError(describe(exc), CONNECT_FAILED, False)
        return connection

    def _context(self, verify):
        with self._lock:
            if verify not in self._contexts:
                self._contexts[verify] = tls_context(verify)
            return self._contexts[verify]

    def close(self):
        with self._lock:
            pools, self._idle = self._idle, {}
        for idle in pools.values():
            for connection in idle:
                connection.close()
