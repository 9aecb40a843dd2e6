# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP front of the emulator: one listener per boundary (global, KR, JPN) over one shared store.

Every ``/kms/v1`` request is checked like the API Gateway does (signature v2 over
``METHOD URI``, timestamp and access key; 5-minute window), passes through fault injection
and is recorded in the request log. ``/latest/...`` is the instance metadata service of a VPC server with a server
role (``metadata.py``): its temporary keys sign requests until they expire. ``/_emulator/...`` is an unsigned admin
API for tests: request log, key dump, reset, seeding, faults, the emulated clock offset and the metadata service.
"""

import base64
import hashlib
import hmac
import json
import random
import re
import ssl
import threading
import time

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl, urlsplit
except ImportError:  # pragma: no cover - the emulator needs Python 3
    raise

from .metadata import MetadataService
from .rules import BOUNDARIES, VARIANTS, KmsError, Request
from .store import Store

DEFAULT_ACCESS_KEY = 'EMULATORACCESSKEY0001'
DEFAULT_SECRET_KEY = 'emulator-secret-key-0123456789abcdef'
TIMESTAMP_WINDOW_MS = 5 * 60 * 1000
API_PREFIX = '/kms/v1'

FAULT_DEFAULTS = {
    'error_rate': 0.0,          # share of requests answered with error_status
    'error_status': 503,
    'throttle_rate': 0.0,       # share answered 429
    'retry_after_share': 0.5,   # share of the 429s that carry Retry-After
    'retry_after': 1,           # seconds in Retry-After
    'drop_rate': 0.0,           # share of connections closed without an answer
    'lost_response_rate': 0.0,  # share of writes applied whose answer never arrives
    'latency_ms': 0,            # added to every API request
    'hang_seconds': 0,          # with the "hang" scripted fault
    'seed': None,
    'script': [],               # scripted faults, each used once: [{"fault": one of FAULT_KINDS or an HTTP status,
                                #   "method": .., "path": regex, "override": {body fields}}]
}

# Every fault kind, declared once: (when, status, raw body). "before" faults are answered instead of the request;
# "after" faults apply the request first and then answer wrongly (or not at all). A scripted fault may also be
# any HTTP status as text ("503"), answered before the request with the gateway's error body.
FAULT_KINDS = {
    'drop': ('before', None, None),             # the connection is closed without an answer
    'hang': ('before', None, None),             # no answer for hang_seconds, then closed
    '429': ('before', 429, None),               # throttled
    '429-retry-after': ('before', 429, None),   # throttled, with Retry-After
    'lost': ('after', None, None),              # applied; the connection is closed without an answer
    'malformed-json': ('after', 200, b'{"code": "SUCCESS", "data": {'),
    'html': ('after', 502, b'<html><head><title>502 Bad Gateway</title></head><body>x</body></html>'),
    'empty': ('after', 200, b''),
    'fail-code': ('after', 200, b'{"code": "FAIL", "msg": "operation failed", "data": null}'),
    'no-data': ('after', 200, b'{"code": "SUCCESS"}'),
    'wrong-shape': ('after', 200, b'{"code": "SUCCESS", "data": ["not", "a", "record"]}'),
}

# The API: one row per operation (method, path pattern, Store method). The method takes a rules.Request.
ROUTES = (
    ('POST', r'/keys', 'create'),
    ('GET', r'/keys', 'list_keys'),
    ('GET', r'/keys/(?P<tag>[^/]+)', 'get'),
    ('DELETE', r'/keys/(?P<tag>[^/]+)', 'delete'),
    ('POST', r'/keys/(?P<tag>[^/]+)/enable', 'enable'),
    ('POST', r'/keys/(?P<tag>[^/]+)/disable', 'disable'),
    ('POST', r'/keys/(?P<tag>[^/]+)/request-deletion', 'request_deletion'),
    ('POST', r'/keys/(?P<tag>[^/]+)/cancel-deletion', 'cancel_deletion'),
    ('PUT', r'/keys/(?P<tag>[^/]+)/name', 'rename'),
    ('PUT', r'/keys/(?P<tag>[^/]+)/memo', 'set_memo'),
    ('POST', r'/keys/(?P<tag>[^/]+)/rotate', 'rotate'),
    ('POST', r'/keys/(?P<tag>[^/]+)/enable-auto-rotation', 'enable_auto_rotation'),
    ('POST', r'/keys/(?P<tag>[^/]+)/disable-auto-rotation', 'disable_auto_rotation'),
    ('PUT', r'/keys/(?P<tag>[^/]+)/rotation-period', 'set_rotation_period'),
    ('GET', r'/keys/(?P<tag>[^/]+)/versions', 'versions'),
    ('POST', r'/keys/(?P<tag>[^/]+)/versions/(?P<version>[^/]+)/enable', 'enable_version'),
    ('POST', r'/keys/(?P<tag>[^/]+)/versions/(?P<version>[^/]+)/disable', 'disable_version'),
    ('POST', r'/keys/(?P<tag>[^/]+)/migrate', 'migrate'),
    ('GET', r'/keys/(?P<tag>[^/]+)/acl', 'get_acl'),
    ('POST', r'/keys/(?P<tag>[^/]+)/acl', 'add_acl_ips'),
    ('DELETE', r'/keys/(?P<tag>[^/]+)/acl', 'delete_acl_ips'),
    ('POST', r'/keys/(?P<tag>[^/]+)/acl/enable', 'enable_acl'),
    ('POST', r'/keys/(?P<tag>[^/]+)/acl/disable', 'disable_acl'),
    ('GET', r'/keys/(?P<tag>[^/]+)/token-generator', 'get_token_generator'),
    ('POST', r'/keys/(?P<tag>[^/]+)/token-generator', 'create_token_generator'),
    ('PUT', r'/keys/(?P<tag>[^/]+)/token-generator', 'replace_token_generator'),
    ('DELETE', r'/keys/(?P<tag>[^/]+)/token-generator', 'discard_token_generator'),
    ('POST', r'/keys/(?P<tag>[^/]+)/token-set', 'issue_token_set'),
    ('GET', r'/keys/(?P<tag>[^/]+)/last-use-info', 'last_use_info'),
    ('GET', r'/keys/(?P<tag>[^/]+)/activities', 'activities'),
    ('POST', r'/keys/(?P<tag>[^/]+)/encrypt', 'encrypt'),
    ('POST', r'/keys/(?P<tag>[^/]+)/decrypt', 'decrypt'),
    ('POST', r'/keys/(?P<tag>[^/]+)/get-pub-key', 'public_key'),
    ('POST', r'/keys/(?P<tag>[^/]+)/sign', 'sign'),
    ('POST', r'/keys/(?P<tag>[^/]+)/verify', 'verify'),
    ('POST', r'/keys/(?P<tag>[^/]+)/create-custom-key', 'create_custom_key'),
    ('POST', r'/keys/(?P<tag>[^/]+)/re-encrypt', 're_encrypt'),
    ('POST', r'/keys/(?P<tag>[^/]+)/reencrypt', 'reencrypt'),   # the reference writes the path both ways
)
# POSTs that change nothing (crypto): not counted as writes in the request log.
READ_ONLY_POSTS = re.compile(r'/(encrypt|decrypt|get-pub-key|sign|verify|create-custom-key|re-?encrypt)$')
# gateway-errors variant: KMS-level failures in the gateway's shape, with numeric codes (doc: typed Integer).
GATEWAY_CODES = {'INVALID_REQUEST': (100, 'Bad Request'), 'NOT_FOUND': (300, 'Not Found'),
                 'DUPLICATE': (100, 'Bad Request'), 'UNPROCESSABLE_ENTITY': (100, 'Bad Request')}
COMPILED_ROUTES = [(method, re.compile('^' + pattern + '$'), name) for method, pattern, name in ROUTES]

# The unsigned admin API under /_emulator/ (tests and demos): (method, name) -> Emulator method taking the request's
# arguments (a GET's query parameters, the JSON body of the others).
ADMIN_ROUTES = {
    ('GET', 'health'): 'admin_health',
    ('GET', 'requests'): 'admin_requests',
    ('DELETE', 'requests'): 'admin_clear_requests',
    ('GET', 'signatures'): 'admin_signatures',
    ('GET', 'keys'): 'admin_keys',
    ('POST', 'reset'): 'admin_reset',
    ('POST', 'seed'): 'admin_seed',
    ('PUT', 'faults'): 'admin_set_faults',
    ('GET', 'faults'): 'admin_faults',
    ('POST', 'age'): 'admin_age',
    ('POST', 'rotate'): 'admin_rotate',
    ('PUT', 'variants'): 'admin_set_variants',
    ('GET', 'variants'): 'admin_variants',
    ('PUT', 'clock'): 'admin_clock',
    ('PUT', 'metadata'): 'admin_set_metadata',
    ('GET', 'metadata'): 'admin_metadata',
    ('GET', 'metadata-keys'): 'admin_metadata_keys',
}


class GatewayError(Exception):
    """A gateway-level failure: ``{"error": {"errorCode", "message", "details"}}`` (doc)."""

    def __init__(self, status, error_code, message, details=None):
        super(GatewayError, self).__init__(message)
        self.status = status
        self.body = {'error': {'errorCode': error_code, 'message': message, 'details': details or message}}


def expected_signature(secret_key, method, uri, timestamp, access_key):
    message = '%s %s\n%s\n%s' % (method, uri, timestamp, access_key)
    digest = hmac.new(secret_key.encode('utf-8'), message.encode('utf-8'), hashlib.sha256).digest()
    return base64.b64encode(digest).decode('ascii')


class Emulator(object):
    """The state shared by the three listeners: store, credentials, faults, clock and request log."""

    def __init__(self, access_key=DEFAULT_ACCESS_KEY, secret_key=DEFAULT_SECRET_KEY, state_file=None, variants=()):
        self.access_key = access_key
        self.secret_key = secret_key
        self.clock_offset_ms = 0
        self.start_variants = check_variants(variants)
        self.variants = set(self.start_variants)  # shared with the store; changed in place only
        self.store = Store(clock=self.now, state_file=state_file, variants=self.variants)
        self.metadata = MetadataService(clock=self.now)   # /latest/... on every listener: the server role's keys
        self.log_lock = threading.Lock()
        self.requests = []
        self.logged = 0  # requests logged since the start, never reset: GET requests?since=N reads those after N
        self.signatures = set()  # every signature received since the last reset, kept when the log is cleared
        self.in_flight = 0
        self.peak_in_flight = 0
        self.faults = dict(FAULT_DEFAULTS)
        self.fault_counts = {}
        self.random = random.Random()
        self.servers = {}
        self.threads = []

    def now(self):
        return time.time() + self.clock_offset_ms / 1000.0

    # ---- variants, request log and faults ------------------------------------------------------

    def set_variants(self, names):
        wanted = check_variants(names)
        self.variants.clear()
        self.variants.update(wanted)

    def error_answer(self, exc):
        """Status and body of a KMS-level failure, in the shape the variants ask for."""
        status, code = exc.status, exc.code
        if status == 404 and 'notfound-400' in self.variants:
            # NCP's "standardized" APIs answer 400 to a lookup of something that does not exist.
            status, code = 400, 'INVALID_REQUEST'
        if 'gateway-errors' in self.variants:
            number, title = GATEWAY_CODES.get(code, (100, 'Bad Request'))
            return status, {'error': {'errorCode': number, 'message': title, 'details': exc.msg}}
        return status, {'code': code, 'msg': exc.msg, 'data': None}

    def success_answer(self, name, data):
        """The body of a successful answer, in the shape the variants ask for."""
        if name == 'delete' and 'delete-no-data' in self.variants:
            return {'code': 'SUCCESS'}
        if name == 'list_keys' and 'list-table' in self.variants:
            body = dict((field, value) for field, value in data.items() if field != 'keyList')
            body.update({'code': 'SUCCESS', 'data': {'KeyList': data['keyList']}})
            return body
        return {'code': 'SUCCESS', 'data': data}

    def record(self, entry):
        with self.log_lock:
            entry['number'] = self.logged
            self.logged += 1
            self.requests.append(entry)
            if entry.get('signature'):
                self.signatures.add(entry['signature'])

    def enter(self):
        with self.log_lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self):
        with self.log_lock:
            self.in_flight -= 1

    def set_faults(self, config):
        unknown = set(config) - set(FAULT_DEFAULTS)
        if unknown:
            raise ValueError('unknown fault settings: %s' % ', '.join(sorted(unknown)))
        with self.log_lock:
            self.faults = dict(FAULT_DEFAULTS, **config)
            self.faults['script'] = list(self.faults['script'] or [])
            self.fault_counts = {}
            self.random = random.Random(self.faults['seed'])

    def pick_fault(self, method, path):
        """The fault for this request: a matching scripted one first, then the random rates."""
        with self.log_lock:
            faults = self.faults
            for index, entry in enumerate(faults['script']):
                if entry.get('method', method) == method and re.search(entry.get('path', ''), path):
                    del faults['script'][index]
                    return self._count(entry['fault'], entry)
            draw = self.random.random
            if faults['drop_rate'] and draw() < faults['drop_rate']:
                return self._count('drop')
            if faults['error_rate'] and draw() < faults['error_rate']:
                return self._count(str(faults['error_status']))
            if faults['throttle_rate'] and draw() < faults['throttle_rate']:
                with_header = draw() < faults['retry_after_share']
                return self._count('429-retry-after' if with_header else '429')
            if method != 'GET' and faults['lost_response_rate'] and draw() < faults['lost_response_rate']:
                return self._count('lost')
            return None, {}

    def _count(self, fault, entry=None):
        """The fault's name, and the scripted entry it came from (its ``override`` is merged into the
        request body before the request is applied: another writer winning a race)."""
        self.fault_counts[fault] = self.fault_counts.get(fault, 0) + 1
        return fault, entry or {}

    # ---- signature check -------------------------------------------------------------------------

    def authenticate(self, method, uri, headers):
        timestamp = headers.get('x-ncp-apigw-timestamp')
        access_key = headers.get('x-ncp-iam-access-key')
        signature = headers.get('x-ncp-apigw-signature-v2')
        if not (timestamp and access_key and signature):
            raise GatewayError(401, '200', 'Authentication Failed', 'missing signature v2 headers')
        try:
            skew = abs(int(self.now() * 1000) - int(timestamp))
        except ValueError:
            raise GatewayError(401, '200', 'Authentication Failed', 'invalid timestamp')
        if skew >= TIMESTAMP_WINDOW_MS:
            raise GatewayError(401, '200', 'Authentication Failed', 'timestamp is outside the 5 minute window')
        secret_key = self.secret_key_of(access_key)
        expected = expected_signature(secret_key, method, uri, timestamp, access_key)
        if not hmac.compare_digest(expected, signature):
            raise GatewayError(401, '200', 'Authentication Failed', 'signature does not match')

    def secret_key_of(self, access_key):
        """The secret key of the emulator's access key, or of a temporary key of the server role until its
        Expiration."""
        if access_key == self.access_key:
            return self.secret_key
        temporary = self.metadata.secret_of(access_key)
        if temporary is None:
            raise GatewayError(401, '200', 'Authentication Failed', 'unknown access key')
        if temporary[1]:
            raise GatewayError(401, '200', 'Authentication Failed', 'the temporary access key has expired')
        return temporary[0]

    # ---- dispatch ----------------------------------------------------------------------------------

    def dispatch(self, boundary, method, path, query, body):
        for route_method, pattern, name in COMPILED_ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                groups = match.groupdict()
                request = Request(boundary, groups.get('tag'), query, body, groups.get('version'))
                try:
                    data = getattr(self.store, name)(request)
                except KmsError:
                    self.store.record_use(boundary, request.tag, name, succeeded=False)
                    raise
                made = data.get('keyTag') if name == 'create' and isinstance(data, dict) else None
                self.store.record_use(boundary, made or request.tag, name, succeeded=True)
                return name, data
        raise GatewayError(404, '300', 'Not Found', 'no operation %s %s' % (method, path))

    # ---- admin operations (ADMIN_ROUTES) -------------------------------------------------------------

    def admin_health(self, arguments):
        return {'ok': True, 'urls': self.store.base_urls}

    def admin_requests(self, arguments):
        """The request log. ``since=N`` keeps the requests logged from number N on, ``since=end`` none: ``next`` of
        such an answer marks where a test's steps start, without clearing the log, in a GET that a lookup can send."""
        with self.log_lock:
            since = self.logged if arguments.get('since') == 'end' else int(arguments.get('since', 0))
            if since > self.logged:
                since = 0  # a mark from before this emulator started: its whole log follows the mark
            entries = [entry for entry in self.requests if entry['number'] >= since]
            following = self.logged
        return {'count': len(entries), 'writes': sum(1 for e in entries if e['write']),
                'peak_in_flight': self.peak_in_flight, 'requests': entries, 'next': following}

    def admin_clear_requests(self, arguments):
        with self.log_lock:
            self.requests = []
            self.peak_in_flight = self.in_flight
        return {'count': 0}

    def admin_signatures(self, arguments):
        with self.log_lock:
            return {'signatures': sorted(self.signatures)}

    def admin_keys(self, arguments):
        return self.store.dump()

    def admin_reset(self, arguments):
        self.store.reset()
        self.set_faults({})
        self.set_variants(self.start_variants)
        self.clock_offset_ms = 0
        self.metadata.reset()
        with self.log_lock:
            self.requests = []
            self.signatures = set()
        return {'reset': True}

    def admin_seed(self, arguments):
        seeded = self.store.seed(admin_boundary(arguments), int(arguments['count']), arguments.get('prefix', 'seed'))
        return {'seeded': seeded}

    def admin_set_faults(self, arguments):
        self.set_faults(arguments)
        return {'faults': self.faults}

    def admin_faults(self, arguments):
        return {'faults': self.faults, 'counts': self.fault_counts}

    def admin_age(self, arguments):
        return self.store.age(arguments['days'])

    def admin_rotate(self, arguments):
        return self.store.add_versions(admin_boundary(arguments), arguments['name'], arguments.get('count', 1))

    def admin_set_variants(self, arguments):
        self.set_variants(arguments.get('variants') or [])
        return {'variants': sorted(self.variants)}

    def admin_variants(self, arguments):
        return {'variants': sorted(self.variants), 'known': list(VARIANTS)}

    def admin_clock(self, arguments):
        self.clock_offset_ms = int(arguments['offset_ms'])
        return {'offset_ms': self.clock_offset_ms}

    def admin_set_metadata(self, arguments):
        return self.metadata.configure(arguments)

    def admin_metadata(self, arguments):
        return self.metadata.state()

    def admin_metadata_keys(self, arguments):
        """Every temporary secret key issued since the reset: the secrets scan searches the output for them."""
        return {'secret_keys': self.metadata.secret_keys()}

    # ---- listeners ---------------------------------------------------------------------------------

    def start(self, host='127.0.0.1', port=0, tls_cert=None, tls_key=None):
        """Start the three listeners (ports ``port``, ``port+1``, ``port+2``, or free ones for 0)."""
        scheme = 'https' if tls_cert else 'http'
        for offset, boundary in enumerate(BOUNDARIES):
            server = ThreadingHTTPServer((host, port + offset if port else 0), make_handler(self, boundary))
            server.daemon_threads = True
            if tls_cert:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(tls_cert, tls_key)
                server.socket = context.wrap_socket(server.socket, server_side=True)
            self.servers[boundary] = server
            thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                                      name='kms-emulator-%s' % boundary)
            thread.daemon = True
            thread.start()
            self.threads.append(thread)
        self.store.base_urls = self.urls(scheme, host)
        return self.store.base_urls

    def urls(self, scheme='http', host='127.0.0.1'):
        return dict((boundary, '%s://%s:%d' % (scheme, host, server.server_address[1]))
                    for boundary, server in self.servers.items())

    def stop(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers = {}


def admin_boundary(body):
    boundary = body.get('boundary', 'global')
    if boundary not in BOUNDARIES:
        raise ValueError('boundary must be one of %s' % ', '.join(BOUNDARIES))
    return boundary


def check_variants(names):
    unknown = set(names or ()) - set(VARIANTS)
    if unknown:
        raise ValueError('unknown variants: %s (known: %s)' % (', '.join(sorted(unknown)), ', '.join(VARIANTS)))
    return set(names or ())


def make_handler(emulator, boundary):
    class Handler(KmsRequestHandler):
        pass
    Handler.emulator = emulator
    Handler.boundary = boundary
    return Handler


class KmsRequestHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'ncloud-kms-emulator'
    # TCP_NODELAY: the status line and headers go out in one write and the body in another; with Nagle's
    # algorithm the body waits for the client's delayed ACK (40 ms on Linux), a stall NCP does not have.
    disable_nagle_algorithm = True
    emulator = None
    boundary = None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the request log is kept in memory for tests."""

    def do_GET(self):
        self.handle_any('GET')

    def do_POST(self):
        self.handle_any('POST')

    def do_PUT(self):
        self.handle_any('PUT')

    def do_DELETE(self):
        self.handle_any('DELETE')

    def read_body(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        if not raw:
            return {}
        try:
            body = json.loads(raw.decode('utf-8'))
        except ValueError:
            raise KmsError(400, 'INVALID_REQUEST', 'the body is not valid JSON')
        if not isinstance(body, dict):
            raise KmsError(400, 'INVALID_REQUEST', 'the body must be a JSON object')
        return body

    def send_json(self, status, body, headers=None, raw=None, content_type='application/json'):
        payload = raw if raw is not None else json.dumps(body).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def drop(self):
        """Close the connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def handle_any(self, method):
        parts = urlsplit(self.path)
        if parts.path.startswith('/_emulator/'):
            # a GET's parameters are in its query, the other methods' in their JSON body
            arguments = dict(parse_qsl(parts.query)) if method == 'GET' else self.read_body_safely()
            return self.handle_admin(method, parts.path[len('/_emulator/'):], arguments)
        if parts.path.startswith('/latest/'):
            self.read_body_safely()
            status, body, content_type = self.emulator.metadata.answer(method, parts.path, self.headers)
            return self.send_json(status, None, raw=body, content_type=content_type)
        emulator = self.emulator
        emulator.enter()
        entry = {'method': method, 'path': self.path, 'boundary': self.boundary, 'status': None,
                 'write': method != 'GET' and not READ_ONLY_POSTS.search(parts.path), 'time': time.time(),
                 # kept so that tests can search their captured output for every signature sent
                 'signature': self.headers.get('x-ncp-apigw-signature-v2')}
        # Logged on arrival, before any answer is sent: a client that reads the log right after its answer
        # must find its own request there. The status is filled in once the request is handled.
        emulator.record(entry)
        try:
            entry['status'] = self.handle_api(method, parts, entry)
        finally:
            entry['answered'] = time.time()
            emulator.leave()

    def read_body_safely(self):
        try:
            return self.read_body()
        except KmsError:
            return {}

    def handle_api(self, method, parts, entry):
        emulator = self.emulator
        if emulator.faults['latency_ms']:
            time.sleep(emulator.faults['latency_ms'] / 1000.0)
        fault, scripted = emulator.pick_fault(method, parts.path)
        entry['fault'] = fault
        early = self.answer_early_fault(fault)
        if early is not None:
            return early
        try:
            body = self.read_body()
            body.update(scripted.get('override') or {})
            emulator.authenticate(method, self.path, self.headers)
            if not parts.path.startswith(API_PREFIX + '/'):
                raise GatewayError(404, '300', 'Not Found', 'unknown path')
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            name, data = emulator.dispatch(self.boundary, method, parts.path[len(API_PREFIX):], query, body)
        except GatewayError as exc:
            self.send_json(exc.status, exc.body)
            return exc.status
        except KmsError as exc:
            status, answer = emulator.error_answer(exc)
            self.send_json(status, answer)
            return status
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Input no rule foresaw: a 400 in NCP's shape, never a dropped connection (which a client would
            # take for an unreachable endpoint and retry).
            status, answer = emulator.error_answer(KmsError(400, 'INVALID_REQUEST', 'malformed request: %s' % exc))
            self.send_json(status, answer)
            return status
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # A fault of the emulator itself (a missing package, a bug): the gateway's 500 "Unexpected Error", whose
            # details name it, so the client reports the cause instead of a dropped connection.
            error = GatewayError(500, '900', 'Unexpected Error', 'the emulator failed: %s: %s' % (type(exc).__name__, exc))
            self.send_json(error.status, error.body)
            return error.status
        if fault == 'lost':
            self.drop()
            return 'lost'
        return self.answer_success(fault, emulator.success_answer(name, data))

    def answer_early_fault(self, fault):
        """Faults answered before the request is applied; None when the request goes on."""
        if fault is None or FAULT_KINDS.get(fault, ('before',))[0] == 'after':
            return None
        self.read_body_safely()
        if fault == 'drop':
            self.drop()
            return 'dropped'
        if fault == 'hang':
            time.sleep(self.emulator.faults['hang_seconds'] or 30)
            self.drop()
            return 'hung'
        if fault.startswith('429'):
            headers = {'Retry-After': str(self.emulator.faults['retry_after'])} if fault == '429-retry-after' else {}
            self.send_json(429, {'error': {'errorCode': '410', 'message': 'Throttle Limited',
                                           'details': 'too many requests'}}, headers=headers)
            return 429
        status = int(fault)
        self.send_json(status, {'error': {'errorCode': '500', 'message': 'Endpoint Error',
                                          'details': 'injected fault'}})
        return status

    def answer_success(self, fault, answer):
        """The answer of an applied request: as it is, or as an "after" fault spoils it."""
        if fault is None:
            self.send_json(200, answer)
            return 200
        unused, status, raw = FAULT_KINDS[fault]
        self.send_json(status, None, raw=raw, content_type='text/html' if fault == 'html' else 'application/json')
        return status

    # ---- admin API (unsigned, not logged) ------------------------------------------------------------

    def handle_admin(self, method, name, arguments):
        emulator = self.emulator
        try:
            operation = ADMIN_ROUTES.get((method, name))
            if operation is None:
                return self.send_json(404, {'error': 'no admin operation %s %s' % (method, name)})
            answer = getattr(emulator, operation)(arguments)
        except (ValueError, KeyError, TypeError, KmsError) as exc:
            return self.send_json(400, {'error': str(exc)})
        return self.send_json(200, answer)
