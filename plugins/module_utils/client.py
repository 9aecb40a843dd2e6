# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed HTTP client for the NAVER Cloud Platform KMS API 2.0.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

What is retried, and why (the decision the rest of the collection relies on):

* 429 answers are retried for every request: the gateway throttled the request before
  it reached KMS, so nothing was applied.
* 5xx answers, connection drops and read timeouts are retried for every request that is
  marked ``idempotent`` (the default). All key-management writes are idempotent in
  effect: enable, disable, rename, memo, rotation settings, request/cancel deletion and
  delete set a state, so applying them twice leaves the same key. Create and migrate are
  retried too, because the key name is unique: a create whose response was lost meets
  "name in use" (409) on its retry, and the caller recovers by reading the key by name.
* Only ``rotate`` is not idempotent (each call adds a version): callers pass
  ``idempotent=False`` and it is never retried after its request may have been sent.
* Once an attempt may have reached the service (5xx, dropped connection, read timeout),
  any later error carries ``maybe_applied=True``: the caller must read the key and decide
  whether the write already holds instead of reporting the later error.
* Other 4xx answers are final and never retried.

The secret key and the request signature are never stored on an exception, never
formatted into a message and never logged.
"""

import base64
import hashlib
import hmac
import json
import random
import re
import time
from email.utils import parsedate_to_datetime

from urllib.parse import urlencode, urlsplit

from ansible_collections.ncloud.kms.plugins.module_utils.transport import (
    CONNECT_FAILED, DROPPED, NO_SUCH_HOST, PROXY_FAILED, TLS_FAILED, TransportError,
)

# Transport failures that the same request would meet again: failed at once, never retried.
FINAL_TRANSPORT_KINDS = (TLS_FAILED, NO_SUCH_HOST)


API_PREFIX = '/kms/v1'
SIGNATURE_HEADER = 'x-ncp-apigw-signature-v2'
TIMESTAMP_HEADER = 'x-ncp-apigw-timestamp'
ACCESS_KEY_HEADER = 'x-ncp-iam-access-key'

INVALID_RESPONSE = 'INVALID_RESPONSE'  # our code for a success answer we cannot read, not NCP's
RETRY_AFTER_CAP = 60.0
CLOCK_HINT = ("check access_key and secret_key, and that this controller's clock is within "
              "5 minutes of the real time (NCP rejects signatures with an older or newer timestamp)")


class CryptoError(Exception):
    """A crypto request that cannot be made or did not work; the message never holds a plaintext. Raised by
    ``crypto.py``; declared here so that ``base.main`` knows it without importing crypto into every module."""


class CredentialsError(Exception):
    """No usable key from a credential source, or from any (``credentials.py``): the message names the places looked
    at, never a value. Declared here, beside ``StaticKeys``, so that the usual run never imports credentials.py."""


class StaticKeys(object):
    """An access key and secret key that do not change: the options, the variables or a configure profile (whose
    ``site`` is the one its ncloud_api_url names). ``credentials.ServerRole`` has the same ``current()`` and
    ``source``, for a temporary key."""

    def __init__(self, access_key, secret_key, source, site=None):
        self.access_key = access_key
        self._secret_key = secret_key
        self.source = source
        self.site = site

    def __repr__(self):
        return 'StaticKeys(%s)' % self.source

    def current(self):
        return self.access_key, self._secret_key


class KmsApiError(Exception):
    """One failed KMS request, whatever shape the failure arrived in."""

    def __init__(self, message, status=None, code=None, method=None, path=None,
                 attempts=1, maybe_applied=False):
        super(KmsApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        self.attempts = attempts
        self.maybe_applied = maybe_applied

    def to_dict(self):
        """The structured ``error`` a module returns."""
        return {'status': self.status, 'code': self.code, 'message': self.message}

    def __str__(self):
        where = '%s %s' % (self.method, self.path) if self.method else 'KMS request'
        status = 'HTTP %s' % self.status if self.status else 'no HTTP answer'
        if self.code == INVALID_RESPONSE:
            code = ' (an answer of the wrong shape)'
        else:
            code = ' (NCP error %s)' % self.code if self.code not in (None, '') else ''
        return '%s failed: %s%s: %s' % (where, status, code, self.message)


def sign(method, uri, timestamp_ms, access_key, secret_key):
    """Return the ``x-ncp-apigw-signature-v2`` value for one request.

    ``uri`` is the path from ``/kms/v1`` on, with ``?`` and the query string exactly as sent.
    """
    string_to_sign = '%s %s\n%s\n%s' % (method.upper(), uri, timestamp_ms, access_key)
    digest = hmac.new(secret_key.encode('utf-8'), string_to_sign.encode('utf-8'), hashlib.sha256).digest()
    return base64.b64encode(digest).decode('ascii')


def build_uri(path, query=None):
    """The signed URI: API prefix, path and the query string built once, in the given order."""
    uri = API_PREFIX + path
    if query:
        uri += '?' + urlencode(list(query))
    return uri


# What the gateway's error codes mean (doc): said beside a message that does not say it already.
GATEWAY_CODES = {
    '100': 'bad request', '200': 'authentication failed', '210': 'permission denied', '300': 'not found',
    '400': 'quota exceeded', '410': 'throttle limited', '420': 'rate limited', '430': 'entity too large',
    '500': 'endpoint error', '510': 'endpoint timeout', '900': 'unexpected error',
}


def error_from_response(status, text, reason=None):
    """Return ``(code, message)`` from any error body the gateway or KMS may send."""
    body = None
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    code = message = None
    meaning = None   # what a gateway code means, when the gateway answered
    if isinstance(body, dict):
        gateway = body.get('error')
        if isinstance(gateway, dict):
            code = gateway.get('errorCode')
            meaning = GATEWAY_CODES.get(str(code))
            message = gateway.get('message')
            if gateway.get('details'):
                message = '%s (%s)' % (message or '', gateway['details'])
        elif 'code' in body:
            code = body.get('code')
            message = body.get('msg') or body.get('message')
    if code is not None:
        code = str(code)
    if not message:
        message = summarize_text(text) or reason or 'no error message in the response'
    if meaning and meaning not in message.lower():
        message = "%s (NCP's code %s: %s)" % (message, code, meaning)
    if status == 401:
        message = '%s; %s' % (message, CLOCK_HINT)
    return code, message


def summarize_text(text, limit=200):
    """One line from a body that is not the expected JSON (an HTML error page, say)."""
    if not text:
        return ''
    title = re.search(r'<title[^>]*>(.*?)</title>', text, re.IGNORECASE | re.DOTALL)
    line = title.group(1) if title else re.sub(r'<[^>]+>', ' ', text)
    line = ' '.join(line.split())
    return line[:limit]


def retry_after_seconds(value):
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class KmsClient(object):
    """Signs and sends requests to one KMS boundary (global, KR or JPN)."""

    def __init__(self, base_url, keys, session, timeout=30, retries=5, verify=True,
                 backoff_base=0.5, backoff_cap=10.0, sleep=time.sleep, clock=time.time, endpoint_source=None,
                 boundary='global'):
        self.base_url = base_url
        self.endpoint_source = endpoint_source or "the client's base URL"
        self.boundary = boundary  # the boundary's name, for messages
        self.keys = keys          # current() -> (access key, secret key): StaticKeys, or credentials.ServerRole
        self.access_key = keys.current()[0]   # who signs, for the per-process memories of crypto and selector
        self.session = session
        self.timeout = timeout
        self.retries = retries
        self.verify = verify
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.clock = clock

    def __repr__(self):
        return 'KmsClient(%r)' % self.base_url

    def _headers(self, method, uri, has_body):
        timestamp = str(int(self.clock() * 1000))
        access_key, secret_key = self.keys.current()   # a server role's temporary key is read again when it expires
        headers = {
            TIMESTAMP_HEADER: timestamp,
            ACCESS_KEY_HEADER: access_key,
            SIGNATURE_HEADER: sign(method, uri, timestamp, access_key, secret_key),
            'Accept': 'application/json',
        }
        if has_body:
            headers['Content-Type'] = 'application/json'
        return headers

    def _backoff(self, attempt, retry_after=None):
        if retry_after is not None:
            delay = min(retry_after, RETRY_AFTER_CAP)
        else:
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1))))
        self.sleep(delay)

    def request(self, method, path, query=None, body=None, idempotent=True):
        """Send one API call with retries; return the ``data`` of a successful answer.

        A DELETE answer without ``data`` is a success too (an older reference page shows one).
        """
        answer = self.request_answer(method, path, query, body, idempotent)
        if 'data' not in answer:
            if method == 'DELETE':
                return None
            raise KmsApiError('the answer has no "data" field', status=200, code=INVALID_RESPONSE, method=method,
                              path=build_uri(path, query))
        return answer['data']

    def request_answer(self, method, path, query=None, body=None, idempotent=True):
        """Send one API call with retries; return the whole successful answer (a JSON object)."""
        uri = build_uri(path, query)
        payload = json.dumps(body, separators=(',', ':')) if body is not None else None
        maybe_applied = False
        attempts = self.retries + 1
        last = None
        for attempt in range(1, attempts + 1):
            try:
                headers = self._headers(method, uri, payload is not None)
            except CredentialsError as exc:   # the server role's key expired and cannot be read again
                raise KmsApiError(str(exc), method=method, path=uri, attempts=attempt, maybe_applied=maybe_applied)
            try:
                response = self.session.request(method, self.base_url + uri, data=payload, headers=headers,
                                                timeout=self.timeout, verify=self.verify)
            except TransportError as exc:
                message = describe_transport_error(exc, self.base_url, self.endpoint_source)
                if exc.kind in FINAL_TRANSPORT_KINDS:
                    raise KmsApiError(message, method=method, path=uri, attempts=attempt, maybe_applied=maybe_applied)
                last = KmsApiError(message, method=method, path=uri, attempts=attempt,
                                   maybe_applied=maybe_applied or (exc.sent and method != 'GET'))
                if exc.sent and not idempotent:
                    raise last
                maybe_applied = last.maybe_applied
                if attempt < attempts:
                    self._backoff(attempt)
                continue
            if response.status_code < 400:
                return self._success_answer(response, method, uri, attempt, maybe_applied)
            code, message = error_from_response(response.status_code, response.text, response.reason)
            last = KmsApiError(message, status=response.status_code, code=code, method=method, path=uri,
                               attempts=attempt, maybe_applied=maybe_applied)
            if response.status_code == 429 or (response.status_code >= 500 and idempotent):
                maybe_applied = maybe_applied or (response.status_code >= 500 and method != 'GET')
                if attempt < attempts:
                    self._backoff(attempt, retry_after_seconds(response.headers.get('Retry-After')))
                continue
            if response.status_code >= 500:
                last.maybe_applied = True
            raise last
        if attempts > 1:
            last.message = 'gave up after %d attempts (retries=%d); last answer: %s' % (
                attempts, self.retries, last.message)
        last.attempts = attempts
        raise last

    @staticmethod
    def _success_answer(response, method, uri, attempt, maybe_applied):
        def fail(message):
            return KmsApiError(message, status=response.status_code, code=INVALID_RESPONSE, method=method,
                               path=uri, attempts=attempt, maybe_applied=maybe_applied)
        try:
            body = response.json()
        except ValueError:
            raise fail('the answer is not JSON: %r' % (summarize_text(response.text) or 'empty body'))
        if not isinstance(body, dict):
            raise fail('the answer is JSON but not an object')
        if body.get('code') not in (None, 'SUCCESS'):
            code, message = error_from_response(response.status_code, response.text)
            raise KmsApiError(message, status=response.status_code, code=code, method=method, path=uri,
                              attempts=attempt, maybe_applied=maybe_applied)
        return body


# What OpenSSL says when a TLS client meets a server that answers plain HTTP.
PLAIN_HTTP_SIGNS = ('WRONG_VERSION_NUMBER', 'wrong version number', 'RECORD_LAYER_FAILURE', 'http request',
                    'packet length too long', 'unknown protocol')
CONNECT_REASONS = (
    ('Connection refused', 'connection refused: nothing listens there'),
    ('Network is unreachable', 'the network is unreachable'),
    ('No route to host', 'no route to the host'),
    ('RemoteDisconnected', 'the connection was dropped without an answer'),
    ('Connection aborted', 'the connection was dropped without an answer'),
    ('Connection reset', 'the connection was reset'),
)


def describe_transport_error(exc, base_url, source):
    """One sentence naming the endpoint and what set it, from a TransportError."""
    text = str(exc)
    if exc.kind == TLS_FAILED:
        if any(sign in text for sign in PLAIN_HTTP_SIGNS):
            return ('%s does not speak TLS (it answered in plain HTTP): use http:// for a local emulator on a '
                    'loopback host, or check the host and port; the endpoint is set by %s' % (base_url, source))
        return ('TLS with %s failed (%s): set ca_path to the CA bundle that signed the endpoint certificate, '
                'or validate_certs=false only for testing; the endpoint is set by %s' % (base_url, tls_reason(text), source))
    if exc.kind == NO_SUCH_HOST:
        return ('cannot reach %s: the host name %s does not resolve (check the endpoint for a typo, and this '
                "host's DNS); the endpoint is set by %s" % (base_url, urlsplit(base_url).hostname, source))
    if exc.kind == PROXY_FAILED:
        return ('cannot reach %s through the proxy that https_proxy names (%s); check https_proxy, its credentials '
                'and no_proxy; the endpoint is set by %s' % (base_url, text, source))
    if exc.kind in (CONNECT_FAILED, DROPPED):
        reason = next((said for sign, said in CONNECT_REASONS if sign in text), 'connection failed or was dropped')
        return 'cannot reach %s (%s); the endpoint is set by %s' % (base_url, reason, source)
    return 'no answer from %s within the timeout; the endpoint is set by %s' % (base_url, source)


def tls_reason(text):
    found = re.search(r'\[SSL: [A-Z_]+\][^(\'"]*', text) or re.search(r'certificate verify failed[^(\'"]*', text)
    return found.group(0).strip() if found else 'the TLS handshake failed'
