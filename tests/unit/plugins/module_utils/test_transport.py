# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport on requests: keep-alive, a dead pooled connection, what each failure says about whether the
request may have reached the server (the retry decisions of client.py rest on it), https_proxy and no_proxy
through a CONNECT proxy on loopback, and a host name that does not resolve."""

import base64
import socket
import ssl
import threading
import time

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils import keys
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError, KmsClient, StaticKeys
from ansible_collections.ncloud.kms.plugins.module_utils.transport import (
    CONNECT_FAILED, DROPPED, NO_SUCH_HOST, POOL_SIZE, PROXY_FAILED, READ_TIMEOUT, HttpSession, TransportError,
)

PROXY_VARIABLES = ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY',
                   'no_proxy', 'NO_PROXY')
UNRESOLVABLE = 'kms-endpoint.invalid'   # RFC 2606: .invalid never resolves

ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'


class RawServer(object):
    """A one-thread TCP server whose behaviour per connection is a list of steps: 'answer' (read a request,
    send ANSWER), 'close', 'read-then-close', 'read-then-wait'."""

    def __init__(self, *connections, **options):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(5)
        if options.get('tls'):
            self.listener = options['tls'].wrap_socket(self.listener, server_side=True)
        self.port = self.listener.getsockname()[1]
        self.connections = list(connections)
        self.accepted = 0
        self.requests = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def read_request(self, conn):
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, unused, body = data.partition(b'\r\n\r\n')
        length = [int(line.split(b':')[1]) for line in head.split(b'\r\n') if line.lower().startswith(b'content-length')]
        while length and len(body) < length[0]:
            body += conn.recv(65536)
        self.requests.append(head.split(b'\r\n')[0].decode() + (' ' + body.decode() if body else ''))
        return head

    def serve(self):
        for steps in self.connections:
            conn, unused = self.listener.accept()
            self.accepted += 1
            for step in steps:
                if step == 'answer' and self.read_request(conn) is not None:
                    conn.sendall(ANSWER)
                elif step == 'read-then-wait':
                    self.read_request(conn)
                    threading.Event().wait(2)
                elif step == 'read-then-close':
                    self.read_request(conn)
            conn.close()

    def url(self, path='/kms/v1/keys'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)


def test_answers_on_one_connection_are_kept_alive():
    server = RawServer(['answer', 'answer', 'answer'])
    session = HttpSession()
    answers = [session.request('GET', server.url('/kms/v1/keys?pageNo=%d' % page), timeout=5) for page in (1, 2, 3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].json() == {} and answers[0].headers.get('content-type') == 'application/json'
    assert server.accepted == 1
    assert server.requests == ['GET /kms/v1/keys?pageNo=1 HTTP/1.1', 'GET /kms/v1/keys?pageNo=2 HTTP/1.1',
                               'GET /kms/v1/keys?pageNo=3 HTTP/1.1']


def test_a_pooled_connection_the_server_closed_is_not_reused():
    # The server answers once and closes; the next request must go out on a new connection, not fail as dropped.
    server = RawServer(['answer'], ['answer'])
    session = HttpSession()
    session.request('GET', server.url(), timeout=5)
    threading.Event().wait(0.2)   # the server's close reaches the client
    answer = session.request('POST', server.url(), data='{"keyName":"a"}', timeout=5)
    assert answer.status_code == 200 and server.accepted == 2
    assert server.requests[1] == 'POST /kms/v1/keys HTTP/1.1 {"keyName":"a"}'


def test_nothing_listening_is_a_connect_failure_not_sent():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(TransportError) as caught:
        HttpSession().request('POST', 'http://127.0.0.1:%d/kms/v1/keys' % port, data='{}', timeout=5)
    assert caught.value.kind == CONNECT_FAILED and caught.value.sent is False
    assert 'Connection refused' in str(caught.value)


@pytest.mark.parametrize('behaviour, timeout, kind, said', [
    ('read-then-close', 5, DROPPED, 'RemoteDisconnected'),     # the connection closed after the request
    ('read-then-wait', 0.3, READ_TIMEOUT, 'no answer within'),  # no answer within the timeout
])
def test_a_request_that_reached_the_server_without_an_answer_may_be_applied(behaviour, timeout, kind, said):
    server = RawServer([behaviour])
    with pytest.raises(TransportError) as caught:
        HttpSession().request('POST', server.url(), data='{}', timeout=timeout)
    assert caught.value.kind == kind and caught.value.sent is True
    assert said in str(caught.value)


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'127.0.0.1')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u'127.0.0.1'))]), False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = directory.join('cert.pem'), directory.join('key.pem')
    cert_file.write_binary(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_binary(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return str(cert_file), str(key_file)


class ConnectProxy(object):
    """A CONNECT-only proxy on loopback that relays its tunnels and remembers each request line and its
    Proxy-Authorization; with ``credentials`` ('user:password') it answers 407 to any other."""

    def __init__(self, credentials=None):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self.expected = 'Basic ' + base64.b64encode(credentials.encode()).decode() if credentials else None
        self.request_lines = []
        self.authorizations = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            client, unused = self.listener.accept()
            head = b''
            while b'\r\n\r\n' not in head:
                head += client.recv(4096)
            lines = head.decode().split('\r\n')
            self.request_lines.append(lines[0])
            authorization = [line.split(':', 1)[1].strip() for line in lines[1:]
                             if line.lower().startswith('proxy-authorization:')]
            self.authorizations.append(authorization[0] if authorization else None)
            if self.expected and self.authorizations[-1] != self.expected:
                client.sendall(b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n'
                               b'Content-Length: 0\r\n\r\n')
                client.close()
                continue
            host, port = lines[0].split()[1].rsplit(':', 1)
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.relay, args=(source, target), daemon=True).start()

    @staticmethod
    def relay(source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass


@pytest.fixture
def tls_server(tmpdir):
    """(server, CA file): a RawServer answering once over TLS with a certificate for 127.0.0.1."""
    cert_file, key_file = make_certificate(tmpdir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return RawServer(['answer'], tls=context), cert_file


@pytest.fixture
def no_proxy_variables(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize('credentials', [None, 'u@x:p:w'])
def test_https_goes_through_the_proxy_in_a_tunnel_and_verifies_the_endpoint(no_proxy_variables, tls_server, credentials):
    server, ca_file = tls_server
    proxy = ConnectProxy(credentials)
    userinfo = 'u%40x:p%3Aw@' if credentials else ''
    no_proxy_variables.setenv('https_proxy', 'http://%s127.0.0.1:%d' % (userinfo, proxy.port))
    answer = HttpSession().request('GET', 'https://127.0.0.1:%d/kms/v1/keys' % server.port, timeout=5, verify=ca_file)
    assert answer.status_code == 200
    assert [line.rsplit(' ', 1)[0] for line in proxy.request_lines] == ['CONNECT 127.0.0.1:%d' % server.port]
    assert proxy.authorizations == [proxy.expected]   # the credentials of the URL, percent-decoded, or none
    assert server.requests == ['GET /kms/v1/keys HTTP/1.1']


def test_a_proxy_that_refuses_the_credentials_fails_as_not_sent(no_proxy_variables, tls_server):
    server, ca_file = tls_server
    proxy = ConnectProxy('user:right')
    no_proxy_variables.setenv('https_proxy', 'http://user:wrong@127.0.0.1:%d' % proxy.port)
    with pytest.raises(TransportError) as caught:
        HttpSession().request('POST', 'https://127.0.0.1:%d/kms/v1/keys' % server.port, data='{}', timeout=5,
                              verify=ca_file)
    assert caught.value.kind == PROXY_FAILED and caught.value.sent is False
    assert '407' in str(caught.value) and 'wrong' not in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize('no_proxy', ['127.0.0.1', '127.0.0.0/8', 'example.com,127.0.0.1'])
def test_a_no_proxy_entry_bypasses_the_proxy(no_proxy_variables, tls_server, no_proxy):
    server, ca_file = tls_server
    proxy = ConnectProxy()
    no_proxy_variables.setenv('https_proxy', 'http://127.0.0.1:%d' % proxy.port)
    no_proxy_variables.setenv('no_proxy', no_proxy)
    answer = HttpSession().request('GET', 'https://127.0.0.1:%d/kms/v1/keys' % server.port, timeout=5, verify=ca_file)
    assert answer.status_code == 200 and server.requests == ['GET /kms/v1/keys HTTP/1.1']
    assert proxy.request_lines == []


def test_a_loopback_emulator_over_plain_http_is_reached_directly(no_proxy_variables):
    server = RawServer(['answer'])
    proxy = ConnectProxy()
    for name in ('http_proxy', 'all_proxy'):
        no_proxy_variables.setenv(name, 'http://127.0.0.1:%d' % proxy.port)
    assert HttpSession().request('GET', server.url(), timeout=5).status_code == 200
    assert proxy.request_lines == [] and server.requests == ['GET /kms/v1/keys HTTP/1.1']


def test_the_ca_bundle_variable_is_read_as_requests_reads_it(no_proxy_variables, tls_server):
    server, ca_file = tls_server
    no_proxy_variables.setenv('REQUESTS_CA_BUNDLE', ca_file)
    assert HttpSession().request('GET', 'https://127.0.0.1:%d/kms/v1/keys' % server.port, timeout=5).status_code == 200


def test_a_host_name_that_does_not_resolve_is_not_sent(no_proxy_variables):
    with pytest.raises(TransportError) as caught:
        HttpSession().request('POST', 'https://%s/kms/v1/keys' % UNRESOLVABLE, data='{}', timeout=5)
    assert caught.value.kind == NO_SUCH_HOST and caught.value.sent is False


def test_a_host_name_that_does_not_resolve_fails_at_once_naming_the_host(no_proxy_variables):
    # retries=5 would take about 13 s of backoff (and six lookups) if the name were treated as transient
    sleeps = []
    client = KmsClient('https://%s' % UNRESOLVABLE, StaticKeys('AK', 'SK', 'test'), HttpSession(), retries=5,
                       sleep=sleeps.append, endpoint_source='the option endpoint')
    started = time.monotonic()
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys')
    assert time.monotonic() - started < 2
    assert caught.value.attempts == 1 and sleeps == []
    assert str(caught.value).endswith(
        'cannot reach https://%s: the host name %s does not resolve (check the endpoint for a typo, and this '
        "host's DNS); the endpoint is set by the option endpoint" % (UNRESOLVABLE, UNRESOLVABLE))


def test_the_pool_holds_what_a_listing_reads_at_once():
    assert POOL_SIZE >= keys.PARALLEL_PAGES
