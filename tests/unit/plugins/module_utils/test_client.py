# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the signed client: signature, retries, error shapes, secrets, endpoints, paging."""

import base64
import hashlib
import hmac
import json

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import (
    KmsApiError, KmsClient, StaticKeys, build_uri, error_from_response, sign,
)
from ansible_collections.ncloud.kms.plugins.module_utils.connection import EndpointError, check_endpoint
from ansible_collections.ncloud.kms.plugins.module_utils.keys import iter_keys
from ansible_collections.ncloud.kms.plugins.module_utils.transport import (
    CONNECT_FAILED, DROPPED, READ_TIMEOUT, TLS_FAILED, TransportError,
)

ACCESS_KEY = 'AKIDTESTACCESS'
SECRET_KEY = 'unit-test-secret-9f8e7d6c5b4a'


def independent_signature(method, uri, timestamp, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    message = (method + ' ' + uri + '\n' + timestamp + '\n' + access_key).encode('utf-8')
    return base64.b64encode(hmac.new(secret_key.encode('utf-8'), message, hashlib.sha256).digest()).decode('ascii')


class FakeResponse(object):
    def __init__(self, status, body=None, headers=None, text=None):
        self.status_code = status
        self.text = text if text is not None else (json.dumps(body) if body is not None else '')
        self.headers = headers or {}
        self.reason = 'Reason %d' % status

    def json(self):
        return json.loads(self.text)


class FakeSession(object):
    """Answers requests from a script of responses or exceptions; records what was sent."""

    def __init__(self, *script):
        self.script = list(script)
        self.sent = []

    def request(self, method, url, data=None, headers=None, **kwargs):
        self.sent.append({'method': method, 'url': url, 'data': data, 'headers': dict(headers), 'kwargs': kwargs})
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(data):
    return FakeResponse(200, {'code': 'SUCCESS', 'data': data})


def gateway_error(status, code, message='boom'):
    return FakeResponse(status, {'error': {'errorCode': code, 'message': message, 'details': 'detail text'}})


class Clock(object):
    def __init__(self, start=1700000000.0):
        self.now = start

    def __call__(self):
        self.now += 1.5
        return self.now


def make_client(session, retries=3, clock=None):
    sleeps = []
    client = KmsClient('https://ocapi.ncloud.com', StaticKeys(ACCESS_KEY, SECRET_KEY, 'test'), session, retries=retries,
                       sleep=sleeps.append, clock=clock or Clock())
    return client, sleeps


# ---- signature ---------------------------------------------------------------------------------------

def test_signature_of_get_with_query_equals_independent_hmac():
    uri = '/kms/v1/keys?pageNo=1&pageSize=200'
    assert sign('GET', uri, '1700000000000', ACCESS_KEY, SECRET_KEY) == independent_signature('GET', uri, '1700000000000')


def test_signature_of_post_with_body_equals_independent_hmac():
    uri = '/kms/v1/keys/abc/memo'
    assert sign('PUT', uri, '1700000000123', ACCESS_KEY, SECRET_KEY) == independent_signature('PUT', uri, '1700000000123')
    assert sign('POST', uri, '1700000000123', ACCESS_KEY, SECRET_KEY) != sign('PUT', uri, '1700000000123', ACCESS_KEY, SECRET_KEY)


def test_sent_url_and_signed_uri_use_the_same_query_bytes():
    session = FakeSession(ok({'keyList': [], 'totalPageNo': 1}))
    client, unused = make_client(session)
    client.request('GET', '/keys', query=(('pageNo', 1), ('pageSize', 200)))
    sent = session.sent[0]
    uri = sent['url'][len('https://ocapi.ncloud.com'):]
    assert uri == '/kms/v1/keys?pageNo=1&pageSize=200'
    headers = sent['headers']
    assert headers['x-ncp-apigw-signature-v2'] == independent_signature('GET', uri, headers['x-ncp-apigw-timestamp'])
    assert headers['x-ncp-iam-access-key'] == ACCESS_KEY


def test_post_body_is_json_with_content_type():
    session = FakeSession(ok({'keyTag': 't'}))
    client, unused = make_client(session)
    client.request('POST', '/keys', body={'keyName': 'abc', 'isAutoRotation': False})
    sent = session.sent[0]
    assert json.loads(sent['data']) == {'keyName': 'abc', 'isAutoRotation': False}
    assert sent['headers']['Content-Type'] == 'application/json'
    assert sent['headers']['x-ncp-apigw-signature-v2'] == independent_signature(
        'POST', '/kms/v1/keys', sent['headers']['x-ncp-apigw-timestamp'])


def test_each_attempt_has_a_fresh_timestamp_and_signature():
    session = FakeSession(gateway_error(503, 500), ok({}))
    client, unused = make_client(session)
    client.request('GET', '/keys/t')
    first, second = [sent['headers'] for sent in session.sent]
    assert first['x-ncp-apigw-timestamp'] != second['x-ncp-apigw-timestamp']
    assert first['x-ncp-apigw-signature-v2'] != second['x-ncp-apigw-signature-v2']


def test_timestamp_is_milliseconds():
    session = FakeSession(ok({}))
    client, unused = make_client(session, clock=lambda: 1700000000.25)
    client.request('GET', '/keys/t')
    assert session.sent[0]['headers']['x-ncp-apigw-timestamp'] == '1700000000250'


def test_build_uri_keeps_parameter_order():
    assert build_uri('/keys', (('pageNo', 2), ('pageSize', 50))) == '/kms/v1/keys?pageNo=2&pageSize=50'
    assert build_uri('/keys/x') == '/kms/v1/keys/x'


# ---- retries -------------------------------------------------------------------------------------------

def test_429_is_retried_up_to_the_bound_then_fails_clearly():
    session = FakeSession(*[gateway_error(429, 410, 'Throttle Limited')] * 4)
    client, sleeps = make_client(session, retries=3)
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys/t')
    assert len(session.sent) == 4
    assert len(sleeps) == 3
    error = caught.value
    assert error.status == 429 and error.code == '410' and error.attempts == 4
    assert 'gave up after 4 attempts' in str(error) and 'Throttle Limited' in str(error)


def test_503_is_retried_up_to_the_bound_then_fails_clearly():
    session = FakeSession(*[gateway_error(503, 500, 'Endpoint Error')] * 3)
    client, sleeps = make_client(session, retries=2)
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys/t')
    assert len(session.sent) == 3 and len(sleeps) == 2
    assert caught.value.status == 503 and 'gave up after 3 attempts' in str(caught.value)


def test_retry_after_is_honoured():
    session = FakeSession(FakeResponse(429, {'error': {'errorCode': 410, 'message': 'x'}}, headers={'Retry-After': '7'}),
                          ok({'k': 1}))
    client, sleeps = make_client(session)
    assert client.request('GET', '/keys/t') == {'k': 1}
    assert sleeps == [7.0]


def test_backoff_is_full_jitter_under_a_growing_cap():
    session = FakeSession(*([gateway_error(503, 500)] * 4 + [ok({})]))
    client, sleeps = make_client(session, retries=5)
    client.request('GET', '/keys/t')
    caps = [0.5, 1.0, 2.0, 4.0]
    assert len(sleeps) == 4
    assert all(0 <= delay <= cap for delay, cap in zip(sleeps, caps))


def test_400_is_not_retried():
    session = FakeSession(FakeResponse(400, {'code': 'INVALID_REQUEST', 'msg': 'keyName is bad', 'data': None}))
    client, sleeps = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('POST', '/keys', body={})
    assert len(session.sent) == 1 and sleeps == []
    assert caught.value.code == 'INVALID_REQUEST' and caught.value.message == 'keyName is bad'
    assert caught.value.maybe_applied is False


def test_connection_refused_is_retried_and_not_counted_as_applied():
    refused = TransportError('ConnectionRefusedError: [Errno 111] Connection refused', CONNECT_FAILED, sent=False)
    session = FakeSession(refused, FakeResponse(409, {'code': 'DUPLICATE', 'msg': 'in use', 'data': None}))
    client, unused = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('POST', '/keys', body={})
    assert caught.value.maybe_applied is False


def test_a_write_after_a_lost_answer_is_marked_maybe_applied():
    dropped = TransportError('RemoteDisconnected: Remote end closed connection without response', DROPPED, sent=True)
    session = FakeSession(dropped, FakeResponse(409, {'code': 'DUPLICATE', 'msg': 'in use', 'data': None}))
    client, unused = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('POST', '/keys', body={})
    assert len(session.sent) == 2
    assert caught.value.maybe_applied is True and caught.value.status == 409


def test_a_non_idempotent_write_is_not_retried_once_it_may_have_been_sent():
    session = FakeSession(TransportError('no answer within 30 seconds', READ_TIMEOUT, sent=True))
    client, sleeps = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('POST', '/keys/t/rotate', idempotent=False)
    assert len(session.sent) == 1 and sleeps == []
    assert caught.value.maybe_applied is True and 'timeout' in str(caught.value)


def test_timeout_is_passed_to_the_transport():
    session = FakeSession(ok({}))
    client = KmsClient('https://x.example', StaticKeys(ACCESS_KEY, SECRET_KEY, 'test'), session, timeout=7, verify='/ca.pem')
    client.request('GET', '/keys/t')
    assert session.sent[0]['kwargs']['timeout'] == 7
    assert session.sent[0]['kwargs']['verify'] == '/ca.pem'


# ---- error shapes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('status, text, code, message_part', [
    (401, json.dumps({'error': {'errorCode': '200', 'message': 'Authentication Failed', 'details': 'bad sig'}}),
     '200', 'Authentication Failed'),
    (429, json.dumps({'error': {'errorCode': 420, 'message': 'Rate Limited'}}), '420', 'Rate Limited'),
    (404, json.dumps({'code': 'NOT_FOUND', 'msg': 'key not found', 'data': None}), 'NOT_FOUND', 'key not found'),
    (422, json.dumps({'code': 'UNPROCESSABLE_ENTITY', 'message': 'Invalid status'}), 'UNPROCESSABLE_ENTITY', 'Invalid status'),
    (502, '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', None, '502 Bad Gateway'),
    (500, '', None, 'Internal'),
    (500, 'plain text failure', None, 'plain text failure'),
    (400, '[1, 2]', None, '[1, 2]'),
])
def test_every_error_shape_parses(status, text, code, message_part):
    parsed_code, message = error_from_response(status, text, 'Internal Server Error')
    assert parsed_code == code
    assert message_part in message


def test_401_message_points_at_keys_and_clock():
    unused, message = error_from_response(401, json.dumps({'error': {'errorCode': '200', 'message': 'Authentication Failed'}}))
    assert 'secret_key' in message and 'clock' in message and '5 minutes' in message


@pytest.mark.parametrize('response, expected', [
    (FakeResponse(200, text='{"code": "SUCCESS", "data": {'), 'not JSON'),
    (FakeResponse(200, text=''), 'not JSON'),
    (FakeResponse(200, {'code': 'FAIL', 'msg': 'operation failed'}), 'operation failed'),
    (FakeResponse(200, {'code': 'SUCCESS'}), 'no "data" field'),
    (FakeResponse(200, [1, 2]), 'not an object'),
])
def test_malformed_success_answers_become_clear_errors(response, expected):
    client, unused = make_client(FakeSession(response))
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys/t')
    assert expected in str(caught.value)


def test_error_dict_has_status_code_and_message():
    session = FakeSession(FakeResponse(409, {'code': 'DUPLICATE', 'msg': 'a key named x exists', 'data': None}))
    client, unused = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('POST', '/keys', body={})
    assert caught.value.to_dict() == {'status': 409, 'code': 'DUPLICATE', 'message': 'a key named x exists'}
    assert str(caught.value) == 'POST /kms/v1/keys failed: HTTP 409 (NCP error DUPLICATE): a key named x exists'


# ---- secrets -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('answer', [
    FakeResponse(401, {'error': {'errorCode': '200', 'message': 'Authentication Failed'}}),
    TransportError('RemoteDisconnected', DROPPED, sent=True),
    TransportError('certificate verify failed', TLS_FAILED, sent=False),
    FakeResponse(200, text='not json'),
])
def test_secret_and_signature_never_appear_in_errors(answer):
    session = FakeSession(*[answer] * 4)
    client, unused = make_client(session, retries=1)
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys/t')
    signatures = [sent['headers']['x-ncp-apigw-signature-v2'] for sent in session.sent]
    for text in (str(caught.value), repr(caught.value), json.dumps(caught.value.to_dict()), repr(vars(caught.value)),
                 repr(client)):
        assert SECRET_KEY not in text
        for signature in signatures:
            assert signature not in text


def test_tls_failure_is_not_retried_and_names_ca_path():
    session = FakeSession(TransportError('certificate verify failed', TLS_FAILED, sent=False))
    client, sleeps = make_client(session)
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys/t')
    assert len(session.sent) == 1 and sleeps == []
    assert 'ca_path' in str(caught.value)


# ---- endpoints ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('url', ['http://example.com', 'http://10.0.0.5:8080', 'http://kms.internal/'])
def test_plain_http_to_a_non_loopback_host_is_refused(url):
    with pytest.raises(EndpointError) as caught:
        check_endpoint(url, 'endpoint')
    assert 'plain http://' in str(caught.value) and 'leaks the access key' in str(caught.value)
    assert 'endpoint' in str(caught.value)


@pytest.mark.parametrize('url, expected', [
    ('http://127.0.0.1:8080/', 'http://127.0.0.1:8080'),
    ('http://localhost:1', 'http://localhost:1'),
    ('http://[::1]:9', 'http://[::1]:9'),
    ('https://ocapi.ncloud.com', 'https://ocapi.ncloud.com'),
])
def test_https_and_loopback_http_are_accepted(url, expected):
    assert check_endpoint(url, 'endpoint') == expected


@pytest.mark.parametrize('url, rule', [
    ('ocapi.ncloud.com', 'http(s) URL with a host'),
    ('ftp://x', 'http(s) URL with a host'),
    ('https://', 'http(s) URL with a host'),
    ('', 'http(s) URL with a host'),
    ('https://x?y=1', 'query string'),
    ('http://127.0.0.1:8080/api', 'no path'),
    ('https://ocapi.ncloud.com/kms/v1', 'no path'),
    ('http://127.0.0.1:8080 ', 'white space'),
    (' http://127.0.0.1:8080', 'white space'),
    ('http://127.0.0.1 :8080', 'white space'),
    ('http://127.0.0.1:80a', 'port'),
    ('http://127.0.0.1:99999', 'port'),
    ('https://user:pw@ocapi.ncloud.com', 'user or password'),
])
def test_malformed_endpoints_are_refused_naming_the_option_and_the_rule(url, rule):
    with pytest.raises(EndpointError) as caught:
        check_endpoint(url, 'endpoint_kr')
    assert str(caught.value).startswith('endpoint_kr ') and rule in str(caught.value)


# ---- paging -----------------------------------------------------------------------------------------------

def page(names, number, total):
    return ok({'keyList': [{'keyName': n, 'keyTag': n + '-tag'} for n in names], 'currentPageNo': number,
               'totalPageNo': total, 'totalCount': 999})


def test_paging_reads_every_page_with_page_size_200():
    session = FakeSession(page(['a', 'b'], 1, 3), page(['c'], 2, 3), page(['d'], 3, 3))
    client, unused = make_client(session)
    assert [key['keyName'] for key in iter_keys(client)] == ['a', 'b', 'c', 'd']
    assert [sent['url'].split('?')[1] for sent in session.sent] == [
        'pageNo=1&pageSize=200', 'pageNo=2&pageSize=200', 'pageNo=3&pageSize=200']


def test_paging_stops_when_the_caller_has_what_it_wants():
    session = FakeSession(page(['a', 'b'], 1, 3), page(['c'], 2, 3), page(['d'], 3, 3))
    client, unused = make_client(session)
    for key in iter_keys(client):
        if key['keyName'] == 'c':
            break
    assert len(session.sent) == 2


def test_paging_of_an_empty_boundary_is_one_call():
    session = FakeSession(ok({'keyList': [], 'currentPageNo': 1, 'totalPageNo': 0, 'totalCount': 0}))
    client, unused = make_client(session)
    assert list(iter_keys(client)) == []
    assert len(session.sent) == 1


@pytest.mark.parametrize('data', [None, [], 'text', {'keyList': 'x'}])
def test_a_key_list_answer_of_the_wrong_shape_is_a_clear_error(data):
    client, unused = make_client(FakeSession(ok(data)))
    with pytest.raises(KmsApiError) as caught:
        list(iter_keys(client))
    assert caught.value.code == 'INVALID_RESPONSE' and 'keyList' in str(caught.value)
    assert caught.value.status == 200 and 'HTTP 200 (an answer of the wrong shape)' in str(caught.value)


# ---- every variant the reference documents ----------------------------------------------------------------

def table_page(names, total=None):
    """The field table's shape: data.KeyList, paging fields beside data (total pages left out when None)."""
    body = {'code': 'SUCCESS', 'data': {'KeyList': [{'keyName': n, 'keyTag': n + '-tag'} for n in names]},
            'currentPageNo': 1, 'totalCount': 999}
    if total is not None:
        body['totalPageNo'] = total
    return FakeResponse(200, body)


def test_the_table_shape_is_listed_and_paged_by_its_total():
    session = FakeSession(table_page(['a'], 2), table_page(['b'], 2))
    client, unused = make_client(session)
    assert [key['keyName'] for key in iter_keys(client)] == ['a', 'b']
    assert len(session.sent) == 2


@pytest.mark.parametrize('shape', ['example', 'table'])
def test_without_a_total_a_page_shorter_than_the_page_size_is_the_last(shape):
    names = ['k%03d' % n for n in range(200)]

    def answer(chunk):
        if shape == 'table':
            return table_page(chunk)
        return ok({'keyList': [{'keyName': n, 'keyTag': n} for n in chunk]})
    session = FakeSession(answer(names), answer(['last']))
    client, unused = make_client(session)
    assert len(list(iter_keys(client))) == 201
    assert len(session.sent) == 2


@pytest.mark.parametrize('answer', [
    FakeResponse(200, {'code': 'SUCCESS', 'data': None}),
    FakeResponse(200, {'code': 'SUCCESS'}),
])
def test_delete_succeeds_with_null_data_or_no_data(answer):
    client, unused = make_client(FakeSession(answer))
    assert client.request('DELETE', '/keys/t') is None


def test_a_numeric_gateway_code_is_shown_as_the_ncp_error():
    client, unused = make_client(FakeSession(FakeResponse(401, {'error': {'errorCode': 200, 'message': 'Auth'}})))
    with pytest.raises(KmsApiError) as caught:
        client.request('GET', '/keys')
    assert 'HTTP 401 (NCP error 200): Auth' in str(caught.value)


@pytest.mark.parametrize('body, expected', [
    ({'error': {'errorCode': '200', 'message': 'Authentication Failed'}}, 'Authentication Failed; check access_key'),
    ({'error': {'errorCode': '200', 'message': 'Unauthorized'}}, "Unauthorized (NCP's code 200: authentication failed)"),
    ({'error': {'errorCode': 210, 'message': 'Forbidden'}}, "Forbidden (NCP's code 210: permission denied)"),
])
def test_a_gateway_code_is_said_in_words_when_its_message_does_not(body, expected):
    unused, message = error_from_response(401, json.dumps(body), 'Reason 401')
    assert message.startswith(expected)
