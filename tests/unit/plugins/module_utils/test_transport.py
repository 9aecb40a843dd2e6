# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library HTTP transport: keep-alive, a dead pooled connection, and what each failure says about
whether the request may have reached the server (the retry decisions of client.py rest on it)."""

import socket
import threading

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.transport import (
    CONNECT_FAILED, DROPPED, READ_TIMEOUT, HttpSession, TransportError, proxy_for,
)

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


@pytest.mark.parametrize('environment, scheme, host, expected', [
    ({}, 'https', 'ocapi.ncloud.com', None),
    ({'https_proxy': 'http://proxy.example:3128'}, 'https', 'ocapi.ncloud.com', ('proxy.example', 3128, None)),
    ({'HTTPS_PROXY': 'proxy.example'}, 'https', 'ocapi.ncloud.com', ('proxy.example', 8080, None)),
    ({'https_proxy': 'http://u%40x:p%3Aw@proxy.example:3128'}, 'https', 'ocapi.ncloud.com',
     ('proxy.example', 3128, 'Basic dUB4OnA6dw==')),
    ({'https_proxy': 'http://proxy.example:3128', 'no_proxy': '.ncloud.com'}, 'https', 'ocapi.ncloud.com', None),
    ({'https_proxy': 'http://proxy.example:3128', 'http_proxy': 'http://proxy.example:3128'}, 'http', '127.0.0.1', None),
])
def test_the_proxy_variables_are_read_as_curl_reads_them(monkeypatch, environment, scheme, host, expected):
    for name in ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert proxy_for(scheme, host, 443) == expected


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
    """A CONNECT-only proxy that relays one tunnel and remembers the request line it got."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.request_lines = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        client, unused = self.listener.accept()
        head = b''
        while b'\r\n\r\n' not in head:
            head += client.recv(4096)
        self.request_lines.append(head.split(b'\r\n')[0].decode())
        host, port = head.split()[1].decode().rsplit(':', 1)
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


def test_https_goes_through_the_proxy_in_a_tunnel_and_verifies_the_endpoint(monkeypatch, tmpdir):
    import ssl
    cert_file, key_file = make_certificate(tmpdir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = RawServer(['answer'], tls=context)
    proxy = ConnectProxy()
    for name in ('no_proxy', 'NO_PROXY', 'HTTPS_PROXY'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('https_proxy', 'http://127.0.0.1:%d' % proxy.port)
    answer = HttpSession().request('GET', 'https://127.0.0.1:%d/kms/v1/keys' % server.port, timeout=5, verify=cert_file)
    assert answer.status_code == 200
    assert proxy.request_lines == ['CONNECT 127.0.0.1:%d HTTP/1.0' % server.port]
    assert server.requests == ['GET /kms/v1/keys HTTP/1.1']
