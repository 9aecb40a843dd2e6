# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the KMS emulator itself. Requests are signed here, independently of the collection's client."""

import base64
import hashlib
import hmac
import json
import re
import time

import pytest
import requests

from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.server import FAULT_KINDS, Emulator
from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.rules import DELETION_DELAY_MS

ACCESS = 'EMUTESTACCESS'
SECRET = 'emu-test-secret'


@pytest.fixture
def emulator(tmp_path):
    emu = Emulator(access_key=ACCESS, secret_key=SECRET, state_file=str(tmp_path / 'state.json'))
    emu.start()
    yield emu
    emu.stop()


def signed_headers(method, uri, secret=SECRET, skew_ms=0, access=ACCESS):
    timestamp = str(int(time.time() * 1000) + skew_ms)
    message = '%s %s\n%s\n%s' % (method, uri, timestamp, access)
    signature = base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()
    return {'x-ncp-apigw-timestamp': timestamp, 'x-ncp-iam-access-key': access,
            'x-ncp-apigw-signature-v2': signature, 'Content-Type': 'application/json'}


def call(emu, method, uri, body=None, boundary='global', headers=None, **sign_options):
    url = emu.urls()[boundary] + uri
    headers = headers if headers is not None else signed_headers(method, uri, **sign_options)
    return requests.request(method, url, headers=headers, data=json.dumps(body) if body is not None else None, timeout=5)


def create(emu, name='alpha', boundary='global', **fields):
    body = {'keyName': name, 'keyType': 'AES256', 'protectionType': 'BASIC', 'isAutoRotation': False}
    body.update(fields)
    answer = call(emu, 'POST', '/kms/v1/keys', body, boundary=boundary)
    assert answer.status_code == 200, answer.text
    return answer.json()['data']


def admin(emu, method, name, body=None):
    return requests.request(method, emu.urls()['global'] + '/_emulator/' + name, json=body, timeout=5).json()


# ---- signature v2 ---------------------------------------------------------------------------------------

def test_a_correctly_signed_request_is_accepted(emulator):
    answer = call(emulator, 'GET', '/kms/v1/keys?pageNo=1&pageSize=200')
    assert answer.status_code == 200
    assert answer.json() == {'code': 'SUCCESS', 'data': {'keyList': [], 'currentPageNo': 1, 'totalPageNo': 0,
                                                         'totalCount': 0}}


@pytest.mark.parametrize('sign_options, detail', [
    ({'secret': 'wrong-secret'}, 'signature does not match'),
    ({'skew_ms': -5 * 60 * 1000 - 1000}, 'timestamp is outside the 5 minute window'),
    ({'skew_ms': 6 * 60 * 1000}, 'timestamp is outside the 5 minute window'),
    ({'access': 'OTHERACCESS'}, 'unknown access key'),
])
def test_bad_signatures_are_rejected_with_the_gateway_401(emulator, sign_options, detail):
    uri = '/kms/v1/keys?pageNo=1&pageSize=200'
    headers = signed_headers('GET', uri, **sign_options)
    answer = call(emulator, 'GET', uri, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {'error': {'errorCode': '200', 'message': 'Authentication Failed', 'details': detail}}


def test_a_signature_over_another_path_or_query_is_rejected(emulator):
    headers = signed_headers('GET', '/kms/v1/keys?pageNo=1&pageSize=100')
    answer = call(emulator, 'GET', '/kms/v1/keys?pageNo=1&pageSize=200', headers=headers)
    assert answer.status_code == 401
    headers = signed_headers('POST', '/kms/v1/keys')
    assert call(emulator, 'GET', '/kms/v1/keys', headers=headers).status_code == 401


def test_missing_headers_are_rejected(emulator):
    answer = call(emulator, 'GET', '/kms/v1/keys', headers={})
    assert answer.status_code == 401 and answer.json()['error']['details'] == 'missing signature v2 headers'


def test_a_timestamp_within_the_window_is_accepted(emulator):
    assert call(emulator, 'GET', '/kms/v1/keys', skew_ms=4 * 60 * 1000).status_code == 200


def test_the_emulated_clock_offset_moves_the_window(emulator):
    admin(emulator, 'PUT', 'clock', {'offset_ms': 10 * 60 * 1000})
    assert call(emulator, 'GET', '/kms/v1/keys').status_code == 401
    assert call(emulator, 'GET', '/kms/v1/keys', skew_ms=10 * 60 * 1000).status_code == 200


# ---- create and field rules -----------------------------------------------------------------------------

def test_create_answers_the_fields_of_the_create_key_page(emulator):
    key = create(emulator, 'alpha', isAutoRotation=True, rotationPeriod=30, memo='m')
    assert key['keyName'] == 'alpha' and key['status'] == 'ENABLE' and len(key['keyTag']) == 64
    assert key['isAutoRotation'] is True and key['rotationPeriod'] == 30 and key['memo'] == 'm'
    assert key['nextRotationDate'] - key['registerDate'] == 30 * 24 * 3600 * 1000
    assert not {'currentVersion', 'nrn', 'baseUrl'} & set(key)
    full = call(emulator, 'GET', '/kms/v1/keys/' + key['keyTag']).json()['data']
    assert full['currentVersion'] == 1 and full['baseUrl'] == emulator.urls()['global']
    assert full['nrn'].endswith(key['keyTag'])


@pytest.mark.parametrize('fields, message', [
    ({'keyName': 'ab'}, 'keyName'),
    ({'keyName': 'a' * 16}, 'keyName'),
    ({'keyName': '1abc'}, 'keyName'),
    ({'keyName': 'ab c'}, 'keyName'),
    ({'keyName': 'ab.c'}, 'keyName'),
    ({'keyType': 'DES'}, 'keyType'),
    ({'protectionType': None}, 'protectionType is required'),
    ({'protectionType': 'HSM'}, 'protectionType'),
    ({'isAutoRotation': None}, 'isAutoRotation is required'),
    ({'isAutoRotation': 'yes'}, 'isAutoRotation'),
    ({'keyType': 'RSA2048', 'isConvergent': True}, 'isConvergent'),
    ({'rotationPeriod': 0}, 'rotationPeriod'),
    ({'rotationPeriod': 731}, 'rotationPeriod'),
    ({'rotationPeriod': True}, 'rotationPeriod'),
    ({'memo': 'x' * 101}, 'memo'),
])
def test_create_rejects_bad_fields(emulator, fields, message):
    body = {'keyName': 'alpha', 'keyType': 'AES256', 'protectionType': 'BASIC', 'isAutoRotation': False}
    body.update(fields)
    answer = call(emulator, 'POST', '/kms/v1/keys', body)
    assert answer.status_code == 400
    assert answer.json()['code'] == 'INVALID_REQUEST' and message in answer.json()['msg']
    assert answer.json()['data'] is None


def test_names_are_unique_in_a_boundary_regardless_of_case_but_not_across_boundaries(emulator):
    create(emulator, 'alpha')
    for name in ('alpha', 'ALPHA', 'Alpha'):
        answer = call(emulator, 'POST', '/kms/v1/keys', {'keyName': name, 'keyType': 'AES256',
                                                         'protectionType': 'BASIC', 'isAutoRotation': False})
        assert answer.status_code == 409 and answer.json()['code'] == 'DUPLICATE', name
    create(emulator, 'alpha', boundary='KR')


def test_a_rename_to_a_case_only_variant_or_another_keys_name_in_any_case_is_refused(emulator):
    tag = create(emulator, 'alpha')['keyTag']
    create(emulator, 'beta')
    for name in ('ALPHA', 'alpha', 'Beta'):
        answer = call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': name})
        assert answer.status_code == 409, name
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': 'gamma'}).status_code == 200


def test_tags_say_where_their_key_lives_and_ignore_case(emulator):
    tags = dict((boundary, create(emulator, 'alpha', boundary=boundary)['keyTag']) for boundary in ('global', 'KR', 'JPN'))
    assert re.match('^[0-9a-f]{64}$', tags['global']) and re.match('^kr-[0-9a-f]{64}$', tags['KR'])
    assert re.match('^jpn-[0-9a-f]{64}$', tags['JPN'])
    assert call(emulator, 'GET', '/kms/v1/keys/' + tags['KR'].upper(), boundary='KR').json()['data']['keyTag'] == tags['KR']
    wrong_address = call(emulator, 'GET', '/kms/v1/keys/' + tags['KR'], boundary='global')
    assert wrong_address.status_code == 400 and 'belongs to the KR boundary' in wrong_address.json()['msg']


def test_a_fault_of_the_emulator_itself_is_a_500_that_names_it(emulator, monkeypatch):
    def broken(*args, **kwargs):
        raise ImportError('No module named cryptography')
    monkeypatch.setattr(emulator, 'dispatch', broken)
    answer = call(emulator, 'GET', '/kms/v1/keys?pageNo=1&pageSize=10')
    assert answer.status_code == 500
    assert answer.json() == {'error': {'errorCode': '900', 'message': 'Unexpected Error', 'details':
                                       'the emulator failed: ImportError: No module named cryptography'}}


def test_a_body_that_is_not_json_is_a_400(emulator):
    headers = signed_headers('POST', '/kms/v1/keys')
    answer = requests.post(emulator.urls()['global'] + '/kms/v1/keys', headers=headers, data='{', timeout=5)
    assert answer.status_code == 400 and answer.json()['code'] == 'INVALID_REQUEST'


# ---- state machine --------------------------------------------------------------------------------------

def status_of(emu, tag, boundary='global'):
    answer = call(emu, 'GET', '/kms/v1/keys/' + tag, boundary=boundary)
    return answer.json()['data']['status'] if answer.status_code == 200 else answer.status_code


def post(emu, tag, action, body=None):
    return call(emu, 'POST', '/kms/v1/keys/%s/%s' % (tag, action), body)


def test_enable_disable_and_the_deletion_cycle(emulator):
    tag = create(emulator)['keyTag']
    assert post(emulator, tag, 'disable').json()['data']['status'] == 'DISABLE'
    assert post(emulator, tag, 'enable').json()['data']['status'] == 'ENABLE'
    assert post(emulator, tag, 'request-deletion').json()['data']['status'] == 'REVOKE'
    for action in ('enable', 'disable', 'rotate', 'request-deletion', 'enable-auto-rotation'):
        answer = post(emulator, tag, action)
        assert answer.status_code == 422 and answer.json()['code'] == 'UNPROCESSABLE_ENTITY', action
    assert post(emulator, tag, 'cancel-deletion').json()['data']['status'] == 'DISABLE'
    assert post(emulator, tag, 'cancel-deletion').status_code == 422


def test_delete_only_from_revoke(emulator):
    tag = create(emulator)['keyTag']
    assert call(emulator, 'DELETE', '/kms/v1/keys/' + tag).status_code == 422
    post(emulator, tag, 'request-deletion')
    answer = call(emulator, 'DELETE', '/kms/v1/keys/' + tag)
    assert answer.status_code == 200 and answer.json() == {'code': 'SUCCESS', 'data': None}
    assert status_of(emulator, tag) == 404


def test_a_revoked_key_is_destroyed_72_hours_later(emulator):
    tag = create(emulator)['keyTag']
    post(emulator, tag, 'request-deletion')
    listed = call(emulator, 'GET', '/kms/v1/keys').json()['data']['keyList'][0]
    assert listed['destroyDate'] - int(time.time() * 1000) == pytest.approx(DELETION_DELAY_MS, abs=5000)
    emulator.clock_offset_ms = DELETION_DELAY_MS + 1000
    assert call(emulator, 'GET', '/kms/v1/keys/' + tag, skew_ms=emulator.clock_offset_ms).status_code == 404


def test_rotation_versions_and_auto_rotation(emulator):
    tag = create(emulator)['keyTag']
    assert post(emulator, tag, 'rotate').json()['data']['version'] == 2
    versions = call(emulator, 'GET', '/kms/v1/keys/%s/versions' % tag).json()['data']
    assert versions['currentVersion'] == 2 and [v['version'] for v in versions['versionList']] == [1, 2]
    period = call(emulator, 'PUT', '/kms/v1/keys/%s/rotation-period' % tag, {'rotationPeriod': 10})
    assert period.status_code == 422
    on = post(emulator, tag, 'enable-auto-rotation').json()['data']
    assert set(on) == {'keyTag', 'isAutoRotation', 'rotationPeriod', 'nextRotationDate'} and on['isAutoRotation']
    answer = call(emulator, 'PUT', '/kms/v1/keys/%s/rotation-period' % tag, {'rotationPeriod': 10}).json()['data']
    assert set(answer) == {'keyTag', 'rotationPeriod', 'nextRotationDate'} and answer['rotationPeriod'] == 10
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/rotation-period' % tag, {'rotationPeriod': 731}).status_code == 400
    assert post(emulator, tag, 'disable-auto-rotation').json()['data'] == {'keyTag': tag, 'isAutoRotation': False}
    assert call(emulator, 'GET', '/kms/v1/keys/' + tag).json()['data']['nextRotationDate'] is None
    post(emulator, tag, 'disable')
    assert post(emulator, tag, 'rotate').status_code == 422


def version_status(emu, tag, version, action):
    return call(emu, 'POST', '/kms/v1/keys/%s/versions/%s/%s' % (tag, version, action))


def test_single_versions_are_enabled_and_disabled_but_never_the_current_one(emulator):
    tag = create(emulator)['keyTag']
    post(emulator, tag, 'rotate')
    off = version_status(emulator, tag, 1, 'disable')
    assert off.status_code == 200 and set(off.json()['data']) == {'version', 'status', 'statusDate'}
    assert off.json()['data']['status'] == 'DISABLE'
    assert [v['status'] for v in versions_of(emulator, tag)['versionList']] == ['DISABLE', 'ENABLE']
    again = version_status(emulator, tag, 1, 'disable').json()['data']
    assert again == off.json()['data']          # the status it has: answered unchanged, same date
    current = version_status(emulator, tag, 2, 'disable')
    assert current.status_code == 422 and 'current version' in current.json()['msg']
    assert version_status(emulator, tag, 7, 'enable').status_code == 404
    assert version_status(emulator, tag, 'x', 'enable').status_code == 400
    assert version_status(emulator, tag, 1, 'enable').json()['data']['status'] == 'ENABLE'
    post(emulator, tag, 'disable')
    assert version_status(emulator, tag, 1, 'disable').status_code == 422   # a version of a disabled key: neither


def test_a_disabled_version_neither_decrypts_nor_gives_its_public_key(emulator):
    tag = create(emulator, 'aes')['keyTag']
    old = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'old')}).json()['data']['ciphertext']
    post(emulator, tag, 'rotate')
    version_status(emulator, tag, 1, 'disable')
    refused = crypto_call(emulator, tag, 'decrypt', {'ciphertext': old})
    assert refused.status_code == 422 and 'version 1' in refused.json()['msg']
    other = create(emulator, 'other-aes')['keyTag']
    foreign = crypto_call(emulator, other, 'encrypt', {'plaintext': b64(b'foreign')}).json()['data']['ciphertext']
    mismatched = crypto_call(emulator, tag, 'decrypt', {'ciphertext': foreign})   # another key's version 1
    assert mismatched.status_code == 400 and 'does not match this key' in mismatched.json()['msg']
    version_status(emulator, tag, 1, 'enable')
    assert crypto_call(emulator, tag, 'decrypt', {'ciphertext': old}).json()['data'] == {'plaintext': b64(b'old')}
    rsa = create(emulator, 'rsa', keyType='RSA2048')['keyTag']
    post(emulator, rsa, 'rotate')
    version_status(emulator, rsa, 1, 'disable')
    assert crypto_call(emulator, rsa, 'get-pub-key', {'keyVersion': 1}).status_code == 422
    assert crypto_call(emulator, rsa, 'get-pub-key', {'keyVersion': 2}).status_code == 200


def acl_call(emu, tag, method, action='acl', body=None):
    return call(emu, method, '/kms/v1/keys/%s/%s' % (tag, action), body)


def test_the_ip_acl_is_read_added_to_removed_from_enabled_and_disabled(emulator):
    tag = create(emulator)['keyTag']
    assert acl_call(emulator, tag, 'GET').json()['data'] == {'keyTag': tag, 'isAclEnabled': False, 'allowedIpList': []}
    added = acl_call(emulator, tag, 'POST', body={'ipList': ['10.0.0.1', '10.0.0.2', '10.0.0.1']}).json()['data']
    assert added == {'keyTag': tag, 'allowedIpList': ['10.0.0.1', '10.0.0.2']}
    removed = acl_call(emulator, tag, 'DELETE', body={'ipList': ['10.0.0.1', '192.0.2.9']}).json()['data']
    assert removed == {'keyTag': tag, 'allowedIpList': ['10.0.0.2']}
    assert acl_call(emulator, tag, 'POST', 'acl/enable').json()['data'] == {'keyTag': tag, 'isAclEnabled': True}
    assert acl_call(emulator, tag, 'GET').json()['data']['isAclEnabled'] is True
    assert 'acl' not in call(emulator, 'GET', '/kms/v1/keys/' + tag).json()['data']     # read through its own call
    assert admin(emulator, 'GET', 'keys')['global'][0]['acl'] == {'isAclEnabled': True, 'allowedIpList': ['10.0.0.2']}
    assert acl_call(emulator, tag, 'POST', 'acl/disable').json()['data'] == {'keyTag': tag, 'isAclEnabled': False}


@pytest.mark.parametrize('body', [{}, {'ipList': []}, {'ipList': '10.0.0.1'}, {'ipList': ['10.0.0.0/24']},
                                  {'ipList': ['2001:db8::1']}, {'ipList': ['*']}, {'ipList': [7]}])
def test_the_ip_acl_takes_a_list_of_ipv4_addresses_only(emulator, body):
    tag = create(emulator)['keyTag']
    for method in ('POST', 'DELETE'):
        answer = acl_call(emulator, tag, method, body=body)
        assert answer.status_code == 400 and answer.json()['code'] == 'INVALID_REQUEST', (method, answer.text)


def test_the_ip_acl_changes_only_on_an_enabled_key_and_reads_in_any_state(emulator):
    tag = create(emulator)['keyTag']
    post(emulator, tag, 'disable')
    for method, action, body in (('POST', 'acl', {'ipList': ['10.0.0.1']}), ('DELETE', 'acl', {'ipList': ['10.0.0.1']}),
                                 ('POST', 'acl/enable', None), ('POST', 'acl/disable', None)):
        assert acl_call(emulator, tag, method, action, body).status_code == 422, action
    assert acl_call(emulator, tag, 'GET').status_code == 200


def test_a_token_generator_is_created_read_replaced_and_discarded(emulator):
    tag = create(emulator)['keyTag']
    assert acl_call(emulator, tag, 'GET', 'token-generator').status_code == 404
    assert acl_call(emulator, tag, 'POST', 'token-set').status_code == 404          # no generator, no tokens
    made = acl_call(emulator, tag, 'POST', 'token-generator')
    assert made.status_code == 200 and made.json()['data'] is None
    assert acl_call(emulator, tag, 'POST', 'token-generator').status_code == 409    # one at a time
    first = acl_call(emulator, tag, 'GET', 'token-generator').json()['data']
    assert set(first) == {'tokenGeneratorId', 'status', 'enabledDate', 'disabledDate', 'issuedTokenCount'}
    assert first['status'] == 'ACTIVE' and first['issuedTokenCount'] == 0
    tokens = acl_call(emulator, tag, 'POST', 'token-set', {'accessTokenHours': 1, 'refreshTokenHours': 'UL'}).json()['data']
    assert set(tokens) == {'refreshToken', 'accessToken'} and tokens['refreshToken'] != tokens['accessToken']
    assert acl_call(emulator, tag, 'GET', 'token-generator').json()['data']['issuedTokenCount'] == 1
    assert acl_call(emulator, tag, 'PUT', 'token-generator').json()['data'] is None
    second = acl_call(emulator, tag, 'GET', 'token-generator').json()['data']
    assert second['tokenGeneratorId'] != first['tokenGeneratorId'] and second['issuedTokenCount'] == 0
    assert acl_call(emulator, tag, 'DELETE', 'token-generator').json()['data'] is None
    assert acl_call(emulator, tag, 'GET', 'token-generator').status_code == 404
    assert 'tokenGenerator' not in call(emulator, 'GET', '/kms/v1/keys/' + tag).json()['data']


@pytest.mark.parametrize('body', [{'accessTokenHours': 0}, {'refreshTokenHours': 17521}, {'accessTokenHours': 'ul'},
                                  {'accessTokenHours': True}, {'refreshTokenHours': '72'}])
def test_token_hours_are_1_to_17520_or_ul(emulator, body):
    tag = create(emulator)['keyTag']
    acl_call(emulator, tag, 'POST', 'token-generator')
    answer = acl_call(emulator, tag, 'POST', 'token-set', body)
    assert answer.status_code == 400 and 'between 1 and 17520' in answer.json()['msg']


def test_every_request_is_logged_and_the_latest_crypto_call_is_the_latest_use(emulator):
    tag = create(emulator)['keyTag']
    other = create(emulator, 'other')['keyTag']
    assert acl_call(emulator, other, 'GET', 'last-use-info').json()['data'] is None    # managed, never used
    crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'x')})
    post(emulator, tag, 'enable')      # already enabled: logged, not a use
    assert post(emulator, tag, 'cancel-deletion').status_code == 422    # a refused request is logged too
    last = acl_call(emulator, tag, 'GET', 'last-use-info').json()['data']
    assert last['data']['api'] == {'result': 'SUCCESS', 'action': 'Encrypt', 'type': 'CRYPTO'}
    assert last['data']['requestor']['requestType'] == 'API' and last['data']['kmsKey']['keyTag'] == tag
    assert acl_call(emulator, tag, 'GET', 'last-use-info').json()['data'] == last     # reading is not a use
    log = acl_call(emulator, tag, 'GET', 'activities?pageSize=2').json()['data']
    assert log['totalCount'] == 4 and log['totalPageNo'] == 2 and len(log['activityLogList']) == 2
    assert [a['data']['api']['action'] for a in log['activityLogList']] == ['CancelDeletion', 'Enable']
    page2 = acl_call(emulator, tag, 'GET', 'activities?pageSize=2&pageNo=2').json()['data']['activityLogList']
    assert [a['data']['api']['action'] for a in page2] == ['Encrypt', 'Create']
    assert page2[0]['data']['api']['type'] == 'CRYPTO'


def test_aging_moves_activities_out_of_the_default_24_hour_window(emulator):
    tag = create(emulator)['keyTag']
    crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'x')})
    admin(emulator, 'POST', 'age', {'days': 2})
    assert acl_call(emulator, tag, 'GET', 'activities').json()['data']['totalCount'] == 0
    when = acl_call(emulator, tag, 'GET', 'last-use-info').json()['data']['timestamp']
    assert time.time() * 1000 - when > 2 * 24 * 3600 * 1000 - 60000


def test_rename_and_memo(emulator):
    tag = create(emulator, 'alpha')['keyTag']
    create(emulator, 'beta')
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': 'beta'}).status_code == 409
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': '9x'}).status_code == 400
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': 'gamma'}).json()['data']['keyName'] == 'gamma'
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/memo' % tag, {'memo': 'x' * 101}).status_code == 400
    assert call(emulator, 'PUT', '/kms/v1/keys/%s/memo' % tag, {'memo': ''}).json()['data']['memo'] == ''


def test_unknown_key_and_unknown_operation(emulator):
    answer = call(emulator, 'GET', '/kms/v1/keys/nope')
    assert answer.status_code == 404 and answer.json()['code'] == 'NOT_FOUND'
    answer = call(emulator, 'PATCH', '/kms/v1/keys')
    assert answer.status_code in (404, 501)


# ---- paging ----------------------------------------------------------------------------------------------

def test_paging(emulator):
    emulator.store.seed('global', 450)
    first = call(emulator, 'GET', '/kms/v1/keys?pageNo=1&pageSize=200').json()['data']
    assert (first['totalPageNo'], first['totalCount'], len(first['keyList'])) == (3, 450, 200)
    third = call(emulator, 'GET', '/kms/v1/keys?pageNo=3&pageSize=200').json()['data']
    assert len(third['keyList']) == 50 and third['keyList'][-1]['keyName'] == 'seed00449'
    assert set(third['keyList'][0]) == {'keyId', 'keyTag', 'keyName', 'keyType', 'status', 'protectionType',
                                        'isConvergent', 'registerDate', 'destroyDate'}
    default = call(emulator, 'GET', '/kms/v1/keys').json()['data']
    assert len(default['keyList']) == 100 and default['totalPageNo'] == 5
    for query in ('pageSize=201', 'pageSize=0', 'pageNo=0', 'pageNo=x'):
        assert call(emulator, 'GET', '/kms/v1/keys?' + query).status_code == 400, query


# ---- migration --------------------------------------------------------------------------------------------

def test_migration_moves_a_disabled_global_key_into_the_region(emulator):
    tag = create(emulator, 'alpha')['keyTag']
    post(emulator, tag, 'disable')
    answer = post(emulator, tag, 'migrate', {'targetRegion': 'KR'})
    new_tag = answer.json()['data']['keyTag']
    assert answer.json()['data'] == {'keyTag': new_tag, 'targetRegion': 'KR'}
    assert re.match('^kr-[0-9a-f]{64}$', new_tag), new_tag
    assert status_of(emulator, tag) == 404
    assert call(emulator, 'GET', '/kms/v1/keys/' + tag, boundary='KR').status_code == 404
    moved = call(emulator, 'GET', '/kms/v1/keys/' + new_tag, boundary='KR').json()['data']
    assert moved['keyName'] == 'alpha' and moved['baseUrl'] == emulator.urls()['KR']
    assert moved['status'] == 'DISABLE'


def test_only_a_disabled_key_can_be_migrated(emulator):
    tag = create(emulator, 'alpha')['keyTag']
    refused = post(emulator, tag, 'migrate', {'targetRegion': 'KR'})
    assert refused.status_code == 422 and refused.json()['code'] == 'UNPROCESSABLE_ENTITY'
    assert 'only a disabled key can be migrated' in refused.json()['msg']
    assert status_of(emulator, tag) == 'ENABLE'


def test_migration_rules(emulator):
    create(emulator, 'alpha', boundary='KR')
    tag = create(emulator, 'alpha')['keyTag']
    post(emulator, tag, 'disable')
    conflict = post(emulator, tag, 'migrate', {'targetRegion': 'KR'})
    assert conflict.status_code == 409 and conflict.json()['code'] == 'DUPLICATE'
    assert post(emulator, tag, 'migrate', {'targetRegion': 'US'}).status_code == 400
    assert post(emulator, tag, 'migrate', {}).status_code == 400
    post(emulator, tag, 'request-deletion')
    assert post(emulator, tag, 'migrate', {'targetRegion': 'JPN'}).status_code == 422
    kr_tag = call(emulator, 'GET', '/kms/v1/keys', boundary='KR').json()['data']['keyList'][0]['keyTag']
    answer = call(emulator, 'POST', '/kms/v1/keys/%s/migrate' % kr_tag, {'targetRegion': 'JPN'}, boundary='KR')
    assert answer.status_code == 400


# ---- request log, faults, persistence -----------------------------------------------------------------------

def test_every_api_request_is_logged(emulator):
    create(emulator)
    call(emulator, 'GET', '/kms/v1/keys', boundary='KR')
    call(emulator, 'GET', '/kms/v1/keys', headers={})
    log = admin(emulator, 'GET', 'requests')
    assert log['count'] == 3 and log['writes'] == 1
    assert [(e['method'], e['path'], e['boundary'], e['status']) for e in log['requests']] == [
        ('POST', '/kms/v1/keys', 'global', 200), ('GET', '/kms/v1/keys', 'KR', 200), ('GET', '/kms/v1/keys', 'global', 401)]
    admin(emulator, 'DELETE', 'requests')
    assert admin(emulator, 'GET', 'requests')['count'] == 0


def test_a_mark_reads_the_requests_after_it_and_survives_a_cleared_log(emulator):
    # The test helpers mark the log (since=end answers only "next") and read what followed, in GETs a lookup can send.
    create(emulator, 'before')
    mark = admin(emulator, 'GET', 'requests?since=end')
    assert mark['count'] == 0 and mark['requests'] == [] and mark['next'] == 1
    create(emulator, 'after')
    call(emulator, 'GET', '/kms/v1/keys')
    after = admin(emulator, 'GET', 'requests?since=%d' % mark['next'])
    assert (after['count'], after['writes'], after['next']) == (2, 1, 3)
    assert [e['method'] for e in after['requests']] == ['POST', 'GET']
    assert admin(emulator, 'GET', 'requests')['count'] == 3
    # a log cleared after the mark: what was logged since the clear, numbered on
    admin(emulator, 'DELETE', 'requests')
    call(emulator, 'GET', '/kms/v1/keys')
    cleared = admin(emulator, 'GET', 'requests?since=%d' % mark['next'])
    assert (cleared['count'], cleared['next'], cleared['requests'][0]['number']) == (1, 4, 3)
    assert admin(emulator, 'GET', 'requests?since=x') == {'error': "invalid literal for int() with base 10: 'x'"}
    # a mark from before a restart (an emulator that has logged less): the whole log
    assert admin(emulator, 'GET', 'requests?since=99')['count'] == 1


def test_scripted_faults(emulator):
    admin(emulator, 'PUT', 'faults', {'script': [{'fault': '503'}, {'fault': '429-retry-after'}, {'fault': '429'},
                                                 {'fault': 'drop'}], 'retry_after': 2})
    first = call(emulator, 'GET', '/kms/v1/keys')
    assert first.status_code == 503 and first.json()['error']['errorCode'] == '500'
    second = call(emulator, 'GET', '/kms/v1/keys')
    assert second.status_code == 429 and second.headers['Retry-After'] == '2'
    third = call(emulator, 'GET', '/kms/v1/keys')
    assert third.status_code == 429 and 'Retry-After' not in third.headers
    with pytest.raises(requests.exceptions.ConnectionError):
        call(emulator, 'GET', '/kms/v1/keys')
    assert call(emulator, 'GET', '/kms/v1/keys').status_code == 200
    assert admin(emulator, 'GET', 'faults')['counts'] == {'503': 1, '429-retry-after': 1, '429': 1, 'drop': 1}


def test_a_lost_response_applies_the_write(emulator):
    admin(emulator, 'PUT', 'faults', {'script': [{'fault': 'lost', 'method': 'POST', 'path': '/keys$'}]})
    assert call(emulator, 'GET', '/kms/v1/keys').status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        create(emulator, 'alpha')
    assert [key['keyName'] for key in admin(emulator, 'GET', 'keys')['global']] == ['alpha']


def test_random_faults_follow_the_seed(emulator):
    def run():
        admin(emulator, 'PUT', 'faults', {'error_rate': 0.5, 'seed': 7})
        return [call(emulator, 'GET', '/kms/v1/keys').status_code for unused in range(20)]
    first = run()
    assert first == run()
    assert 503 in first and 200 in first


def test_added_latency_is_in_the_logged_arrival_and_answer_times(emulator):
    admin(emulator, 'PUT', 'faults', {'latency_ms': 200})
    started = time.time()
    call(emulator, 'GET', '/kms/v1/keys')
    assert time.time() - started >= 0.2
    # make bench reads a task's round trips from these two times
    entry = admin(emulator, 'GET', 'requests')['requests'][-1]
    assert started <= entry['time'] and entry['answered'] - entry['time'] >= 0.2


def test_unknown_fault_settings_are_refused(emulator):
    assert 'unknown fault settings' in admin(emulator, 'PUT', 'faults', {'eror_rate': 1})['error']


def test_keys_survive_a_restart_with_a_state_file(tmp_path):
    state = str(tmp_path / 'keys.json')
    first = Emulator(access_key=ACCESS, secret_key=SECRET, state_file=state)
    first.start()
    try:
        tag = create(first, 'keeper')['keyTag']
    finally:
        first.stop()
    second = Emulator(access_key=ACCESS, secret_key=SECRET, state_file=state)
    second.start()
    try:
        assert status_of(second, tag) == 'ENABLE'
        assert create(second, 'another')['keyId'] == 2
    finally:
        second.stop()


def test_reset_clears_keys_log_and_faults(emulator):
    create(emulator)
    admin(emulator, 'PUT', 'faults', {'error_rate': 1.0})
    admin(emulator, 'POST', 'reset')
    assert admin(emulator, 'GET', 'keys')['global'] == []
    assert call(emulator, 'GET', '/kms/v1/keys').status_code == 200


def test_a_scripted_override_changes_what_is_applied(emulator):
    admin(emulator, 'PUT', 'faults', {'script': [{'fault': 'lost', 'method': 'POST', 'path': '/keys$',
                                                  'override': {'keyType': 'ECDSA'}}]})
    with pytest.raises(requests.exceptions.ConnectionError):
        create(emulator, 'alpha')
    assert [key['keyType'] for key in admin(emulator, 'GET', 'keys')['global']] == ['ECDSA']


def test_the_log_keeps_the_signature_each_request_carried(emulator):
    call(emulator, 'GET', '/kms/v1/keys')
    entry = admin(emulator, 'GET', 'requests')['requests'][0]
    assert len(entry['signature']) == 44 and entry['signature'].endswith('=')


def test_wrong_shape_answers_a_list_for_a_record(emulator):
    admin(emulator, 'PUT', 'faults', {'script': [{'fault': 'wrong-shape'}]})
    answer = call(emulator, 'GET', '/kms/v1/keys')
    assert answer.json() == {'code': 'SUCCESS', 'data': ['not', 'a', 'record']}


# ---- variants: where NCP's reference contradicts itself ------------------------------------------------------

def test_variants_are_chosen_at_start_and_through_the_admin_api(tmp_path):
    emu = Emulator(access_key=ACCESS, secret_key=SECRET, variants=['list-table'])
    emu.start()
    try:
        assert admin(emu, 'GET', 'variants')['variants'] == ['list-table']
        assert admin(emu, 'PUT', 'variants', {'variants': ['delete-no-data', 'notfound-400']})['variants'] == [
            'delete-no-data', 'notfound-400']
        admin(emu, 'POST', 'reset')
        assert admin(emu, 'GET', 'variants')['variants'] == ['list-table']
        assert 'unknown variants: nope' in admin(emu, 'PUT', 'variants', {'variants': ['nope']})['error']
    finally:
        emu.stop()
    with pytest.raises(ValueError):
        Emulator(variants=['nope'])


def test_the_command_line_takes_repeated_variants():
    from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.__main__ import parse_args
    assert parse_args(['--variant', 'list-table', '--variant', 'rename-new-tag']).variant == [
        'list-table', 'rename-new-tag']
    with pytest.raises(SystemExit):
        parse_args(['--variant', 'nope'])


def test_a_busy_port_is_said_plainly_before_any_banner(emulator, tmp_path, capsys):
    from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.__main__ import main
    banner = tmp_path / 'banner.txt'
    banner.write_text('BANNER: the emulator listens')
    busy = emulator.servers['global'].server_address[1]
    assert main(['--port', str(busy), '--banner', str(banner)]) == 1
    out, err = capsys.readouterr()
    assert 'BANNER' not in out
    assert 'a port of %d to %d on 127.0.0.1 is in use' % (busy, busy + 2) in err and 'KMS_EMULATOR_PORT' in err


def test_list_table_puts_keylist_capitalised_and_paging_beside_data(emulator):
    admin(emulator, 'PUT', 'variants', {'variants': ['list-table']})
    create(emulator, 'alpha')
    body = call(emulator, 'GET', '/kms/v1/keys?pageNo=1&pageSize=200').json()
    assert set(body) == {'code', 'data', 'currentPageNo', 'totalPageNo', 'totalCount'}
    assert set(body['data']) == {'KeyList'} and body['data']['KeyList'][0]['keyName'] == 'alpha'
    assert (body['currentPageNo'], body['totalPageNo'], body['totalCount']) == (1, 1, 1)


def test_notfound_400_answers_an_unknown_tag_with_400(emulator):
    admin(emulator, 'PUT', 'variants', {'variants': ['notfound-400']})
    answer = call(emulator, 'GET', '/kms/v1/keys/nope')
    assert answer.status_code == 400 and answer.json()['code'] == 'INVALID_REQUEST'


def test_delete_no_data_answers_without_a_data_field(emulator):
    admin(emulator, 'PUT', 'variants', {'variants': ['delete-no-data']})
    tag = create(emulator)['keyTag']
    post(emulator, tag, 'request-deletion')
    assert call(emulator, 'DELETE', '/kms/v1/keys/' + tag).json() == {'code': 'SUCCESS'}


def test_rename_new_tag_gives_the_key_a_new_tag(emulator):
    admin(emulator, 'PUT', 'variants', {'variants': ['rename-new-tag']})
    tag = create(emulator, 'alpha')['keyTag']
    answer = call(emulator, 'PUT', '/kms/v1/keys/%s/name' % tag, {'keyName': 'gamma'}).json()['data']
    assert answer['keyName'] == 'gamma' and answer['keyTag'] != tag and len(answer['keyTag']) == 64
    assert status_of(emulator, tag) == 404
    assert call(emulator, 'GET', '/kms/v1/keys/' + answer['keyTag']).json()['data']['keyName'] == 'gamma'


def test_gateway_errors_carry_numeric_codes(emulator):
    admin(emulator, 'PUT', 'variants', {'variants': ['gateway-errors']})
    create(emulator, 'alpha')
    duplicate = call(emulator, 'POST', '/kms/v1/keys', {'keyName': 'alpha', 'keyType': 'AES256',
                                                        'protectionType': 'BASIC', 'isAutoRotation': False})
    assert duplicate.status_code == 409
    assert duplicate.json() == {'error': {'errorCode': 100, 'message': 'Bad Request',
                                          'details': 'a key named alpha already exists'}}
    missing = call(emulator, 'GET', '/kms/v1/keys/nope').json()['error']
    assert missing['errorCode'] == 300 and missing['details'] == 'key not found: nope'


# ---- rotation over time --------------------------------------------------------------------------------------

def versions_of(emu, tag):
    return call(emu, 'GET', '/kms/v1/keys/%s/versions' % tag).json()['data']


def test_aging_moves_every_date_back_and_catches_up_automatic_rotations(emulator):
    manual = create(emulator, 'manual')
    auto = create(emulator, 'auto', isAutoRotation=True, rotationPeriod=30)
    off = create(emulator, 'off', isAutoRotation=True, rotationPeriod=30)
    post(emulator, off['keyTag'], 'disable')
    assert admin(emulator, 'POST', 'age', {'days': 100}) == {'aged_days': 100}
    day = 24 * 3600 * 1000
    now = int(time.time() * 1000)
    aged = versions_of(emulator, manual['keyTag'])
    assert aged['currentVersion'] == 1 and now - aged['versionList'][0]['rotatedDate'] == pytest.approx(100 * day, abs=60000)
    rotated = versions_of(emulator, auto['keyTag'])
    assert rotated['currentVersion'] == 4  # at 30, 60 and 90 days
    assert [now - v['rotatedDate'] for v in rotated['versionList']] == pytest.approx(
        [100 * day, 70 * day, 40 * day, 10 * day], abs=60000)
    full = call(emulator, 'GET', '/kms/v1/keys/' + auto['keyTag']).json()['data']
    assert full['nextRotationDate'] - now == pytest.approx(20 * day, abs=60000)
    assert versions_of(emulator, off['keyTag'])['currentVersion'] == 1
    assert call(emulator, 'GET', '/kms/v1/keys').status_code == 200  # signatures still use the real clock


def test_aging_destroys_keys_whose_deletion_date_passed(emulator):
    tag = create(emulator)['keyTag']
    post(emulator, tag, 'request-deletion')
    admin(emulator, 'POST', 'age', {'days': 3})
    assert status_of(emulator, tag) == 404


def test_a_key_has_at_most_100_versions(emulator):
    tag = create(emulator, 'many')['keyTag']
    assert admin(emulator, 'POST', 'rotate', {'name': 'many', 'count': 99}) == {'currentVersion': 100}
    refused = post(emulator, tag, 'rotate')
    assert refused.status_code == 422 and '100 versions' in refused.json()['msg']
    assert versions_of(emulator, tag)['currentVersion'] == 100


# ---- crypto ----------------------------------------------------------------------------------------------------

def b64(data):
    return base64.b64encode(data).decode('ascii')


def crypto_call(emu, tag, op, body):
    return call(emu, 'POST', '/kms/v1/keys/%s/%s' % (tag, op), body)


def test_encrypt_and_decrypt_round_trip_with_random_ciphertexts(emulator):
    tag = create(emulator, 'aes')['keyTag']
    first = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'secret')}).json()['data']['ciphertext']
    second = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'secret')}).json()['data']['ciphertext']
    assert first.startswith('ncpkms:v1:') and first != second
    assert crypto_call(emulator, tag, 'decrypt', {'ciphertext': first}).json()['data'] == {'plaintext': b64(b'secret')}


def test_arrays_keep_their_order_and_are_not_logged_as_writes(emulator):
    tag = create(emulator, 'aes')['keyTag']
    admin(emulator, 'DELETE', 'requests')
    sealed = crypto_call(emulator, tag, 'encrypt', {'plaintext': [b64(b'a'), b64(b'b')]}).json()['data']['ciphertext']
    opened = crypto_call(emulator, tag, 'decrypt', {'ciphertext': list(reversed(sealed))}).json()['data']['plaintext']
    assert opened == [b64(b'b'), b64(b'a')]
    assert admin(emulator, 'GET', 'requests')['writes'] == 0


def test_convergent_keys_need_a_context_and_are_deterministic(emulator):
    tag = create(emulator, 'conv', isConvergent=True)['keyTag']
    assert crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'x')}).status_code == 400
    body = {'plaintext': b64(b'x'), 'context': b64(b'tenant=1')}
    one = crypto_call(emulator, tag, 'encrypt', body).json()['data']['ciphertext']
    assert crypto_call(emulator, tag, 'encrypt', body).json()['data']['ciphertext'] == one
    other = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'x'), 'context': b64(b'tenant=2')})
    assert other.json()['data']['ciphertext'] != one


def test_the_context_and_the_key_must_match(emulator):
    tag = create(emulator, 'aes')['keyTag']
    other = create(emulator, 'other')['keyTag']
    sealed = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b's'), 'context': b64(b'c1')}).json()['data']['ciphertext']
    for target, context in ((tag, b'c2'), (tag, None), (other, b'c1')):
        body = {'ciphertext': sealed}
        if context:
            body['context'] = b64(context)
        answer = crypto_call(emulator, target, 'decrypt', body)
        assert answer.status_code == 400 and 'decryption failed' in answer.json()['msg']


def test_old_versions_still_decrypt_after_a_rotation(emulator):
    tag = create(emulator, 'aes')['keyTag']
    old = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'old')}).json()['data']['ciphertext']
    post(emulator, tag, 'rotate')
    new = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b'new')}).json()['data']['ciphertext']
    assert old.startswith('ncpkms:v1:') and new.startswith('ncpkms:v2:')
    assert crypto_call(emulator, tag, 'decrypt', {'ciphertext': [old, new]}).json()['data']['plaintext'] == [b64(b'old'), b64(b'new')]
    assert 'secret' not in json.dumps(versions_of(emulator, tag))


def test_disabled_and_deleted_keys_are_refused(emulator):
    tag = create(emulator, 'aes')['keyTag']
    sealed = crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b's')}).json()['data']['ciphertext']
    post(emulator, tag, 'disable')
    assert crypto_call(emulator, tag, 'decrypt', {'ciphertext': sealed}).status_code == 422
    post(emulator, tag, 'request-deletion')
    assert crypto_call(emulator, tag, 'encrypt', {'plaintext': b64(b's')}).status_code == 422


def test_the_limits(emulator):
    aes = create(emulator, 'aes')['keyTag']
    rsa = create(emulator, 'rsa', keyType='RSA2048')['keyTag']
    ecdsa = create(emulator, 'ecd', keyType='ECDSA')['keyTag']
    assert crypto_call(emulator, aes, 'encrypt', {'plaintext': b64(b'x' * 32768)}).status_code == 200
    assert crypto_call(emulator, aes, 'encrypt', {'plaintext': b64(b'x' * 32769)}).status_code == 413
    assert crypto_call(emulator, aes, 'encrypt', {'plaintext': [b64(b'x' * 20000)] * 2}).status_code == 413
    assert crypto_call(emulator, aes, 'encrypt', {'plaintext': b64(b'x'), 'context': b64(b'c' * 51)}).status_code == 400
    assert crypto_call(emulator, rsa, 'encrypt', {'plaintext': b64(b'x' * 190)}).status_code == 200
    assert crypto_call(emulator, rsa, 'encrypt', {'plaintext': b64(b'x' * 191)}).status_code == 413
    assert crypto_call(emulator, ecdsa, 'encrypt', {'plaintext': b64(b'x')}).status_code == 400
    assert crypto_call(emulator, aes, 'encrypt', {'plaintext': 'not base64!'}).status_code == 400


def test_public_keys_are_pem_and_stable_per_version(emulator):
    rsa = create(emulator, 'rsa', keyType='RSA2048')['keyTag']
    ecdsa = create(emulator, 'ecd', keyType='ECDSA')['keyTag']
    aes = create(emulator, 'aes')['keyTag']
    first = crypto_call(emulator, rsa, 'get-pub-key', {}).json()['data']['publicKey']
    assert first.startswith('-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA')
    assert crypto_call(emulator, rsa, 'get-pub-key', {'keyVersion': 1}).json()['data']['publicKey'] == first
    ec = crypto_call(emulator, ecdsa, 'get-pub-key', {}).json()['data']['publicKey']
    assert ec.startswith('-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE')
    assert crypto_call(emulator, aes, 'get-pub-key', {}).status_code == 400


def verify_locally(public_pem, key_type, data, signature):
    """An independent check of the emulator's signature: RSASSA-PSS (SHA-256, MGF1 SHA-256, 32-byte salt) or
    ECDSA with SHA-256, with the cryptography package."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    public = serialization.load_pem_public_key(public_pem.encode())
    raw = base64.b64decode(signature.split(':', 2)[2])
    try:
        if key_type == 'RSA2048':
            public.verify(raw, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        else:
            public.verify(raw, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@pytest.mark.parametrize('key_type', ['RSA2048', 'ECDSA'])
def test_sign_and_verify_with_real_keys_and_versioned_signatures(emulator, key_type):
    tag = create(emulator, 'sig', keyType=key_type)['keyTag']
    signature = crypto_call(emulator, tag, 'sign', {'data': b64(b'release 1.0')}).json()['data']['signature']
    assert signature.startswith('ncpkms:v1:')
    public = crypto_call(emulator, tag, 'get-pub-key', {}).json()['data']['publicKey']
    assert verify_locally(public, key_type, b'release 1.0', signature)
    assert not verify_locally(public, key_type, b'release 1.1', signature)
    verify = crypto_call(emulator, tag, 'verify', {'data': b64(b'release 1.0'), 'signature': signature})
    assert verify.json()['data'] == {'valid': True}
    assert crypto_call(emulator, tag, 'verify', {'data': b64(b'release 1.1'), 'signature': signature}).json()['data'] == {'valid': False}
    # after a rotation the old signature still verifies with its version; new ones carry v2
    post(emulator, tag, 'rotate')
    again = crypto_call(emulator, tag, 'sign', {'data': b64(b'release 1.0')}).json()['data']['signature']
    assert again.startswith('ncpkms:v2:')
    assert crypto_call(emulator, tag, 'verify', {'data': b64(b'release 1.0'), 'signature': signature}).json()['data']['valid']
    # a disabled version fails verify (doc)
    post(emulator, tag, 'versions/1/disable')
    assert crypto_call(emulator, tag, 'verify', {'data': b64(b'release 1.0'), 'signature': signature}).status_code == 422


def test_sign_limits_and_key_types(emulator):
    rsa = create(emulator, 'rsa', keyType='RSA2048')['keyTag']
    aes = create(emulator, 'aes')['keyTag']
    assert crypto_call(emulator, rsa, 'sign', {'data': b64(b'x' * 8192)}).status_code == 200
    assert crypto_call(emulator, rsa, 'sign', {'data': b64(b'x' * 8193)}).status_code == 413
    assert crypto_call(emulator, aes, 'sign', {'data': b64(b'x')}).status_code == 400
    assert crypto_call(emulator, rsa, 'verify', {'data': b64(b'x'), 'signature': 'no-prefix'}).status_code == 400
    post(emulator, rsa, 'disable')
    assert crypto_call(emulator, rsa, 'sign', {'data': b64(b'x')}).status_code == 422


def test_create_custom_key_gives_a_data_key_sealed_under_the_current_version(emulator):
    tag = create(emulator, 'aes')['keyTag']
    answer = crypto_call(emulator, tag, 'create-custom-key', {'requestPlainKey': True}).json()['data']
    assert len(base64.b64decode(answer['plaintext'])) == 32 and answer['key_version'] == 1
    assert answer['ciphertext'].startswith('ncpkms:v1:')
    opened = crypto_call(emulator, tag, 'decrypt', {'ciphertext': answer['ciphertext']}).json()['data']['plaintext']
    assert opened == answer['plaintext']
    hidden = crypto_call(emulator, tag, 'create-custom-key', {'bits': 128}).json()['data']
    assert 'plaintext' not in hidden
    assert len(base64.b64decode(crypto_call(emulator, tag, 'decrypt', {'ciphertext': hidden['ciphertext']})
                                .json()['data']['plaintext'])) == 16
    assert crypto_call(emulator, tag, 'create-custom-key', {'bits': 100}).status_code == 400


@pytest.mark.parametrize('path', ['re-encrypt', 'reencrypt'])
def test_re_encrypt_brings_ciphertexts_to_the_current_version(emulator, path):
    tag = create(emulator, 'aes')['keyTag']
    old = crypto_call(emulator, tag, 'encrypt', {'plaintext': [b64(b'a'), b64(b'b')]}).json()['data']['ciphertext']
    post(emulator, tag, 'rotate')
    single = crypto_call(emulator, tag, path, {'ciphertext': old[0]}).json()['data']['newCiphertext']
    assert single.startswith('ncpkms:v2:')
    both = crypto_call(emulator, tag, path, {'ciphertext': old}).json()['data']['newCiphertext']
    assert [c[:10] for c in both] == ['ncpkms:v2:'] * 2
    opened = crypto_call(emulator, tag, 'decrypt', {'ciphertext': both}).json()['data']['plaintext']
    assert opened == [b64(b'a'), b64(b'b')]
    assert crypto_call(emulator, tag, path, {'ciphertext': [old[0]] * 101}).status_code == 400
    post(emulator, tag, 'versions/1/disable')
    assert crypto_call(emulator, tag, path, {'ciphertext': old[0]}).status_code == 422


def test_signatures_survive_a_cleared_log_until_a_reset(emulator):
    call(emulator, 'GET', '/kms/v1/keys')
    admin(emulator, 'DELETE', 'requests')
    assert len(admin(emulator, 'GET', 'signatures')['signatures']) == 1
    admin(emulator, 'POST', 'reset')
    assert admin(emulator, 'GET', 'signatures')['signatures'] == []


def test_every_route_and_admin_row_names_an_operation():
    from ansible_collections.ncloud.kms.tests.emulator.kms_emulator import server, store
    assert all(callable(getattr(store.Store, name, None)) for unused, unused2, name in server.ROUTES)
    assert all(callable(getattr(server.Emulator, name, None)) for name in server.ADMIN_ROUTES.values())
    assert len(set(name for unused, unused2, name in server.ROUTES)) == len(server.ROUTES)


@pytest.mark.parametrize('fault', sorted(kind for kind, facts in FAULT_KINDS.items() if facts[0] == 'after'))
def test_every_after_fault_applies_the_request_then_answers_wrongly(emulator, fault):
    admin(emulator, 'PUT', 'faults', {'script': [{'fault': fault, 'method': 'POST', 'path': '/keys$'}]})
    try:
        body = {'keyName': 'after', 'keyType': 'AES256', 'protectionType': 'BASIC', 'isAutoRotation': False}
        status = call(emulator, 'POST', '/kms/v1/keys', body).status_code
    except requests.exceptions.ConnectionError:
        status = None  # lost: applied, no answer
    assert [key['keyName'] for key in admin(emulator, 'GET', 'keys')['global']] == ['after']
    assert status == FAULT_KINDS[fault][1]


GARBAGE_BODIES = [
    b'not json', b'[1, 2]', b'{"keyName": 12, "memo": [], "rotationPeriod": "x", "targetRegion": 7}',
    b'{"plaintext": "!!!", "context": 5}', b'{"ciphertext": "ncpkms:v1:YWJ"}', b'{"ciphertext": ["ncpkms:v1:YWJjZA"]}',
    b'{"ciphertext": "ncpkms:vX:abc"}', b'{"plaintext": ["", 3]}', b'{"keyVersion": "x", "context": "@@@"}',
]
BODY_OPERATIONS = ('create', 'rename', 'set_memo', 'set_rotation_period', 'migrate', 'encrypt', 'decrypt')


@pytest.mark.parametrize('body', GARBAGE_BODIES)
def test_garbage_to_every_operation_is_answered_never_dropped(emulator, body):
    from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.server import ROUTES
    tags = {'AES256': create(emulator, 'garbage-aes')['keyTag'], 'RSA2048': create(emulator, 'garbage-rsa', keyType='RSA2048')['keyTag']}
    for method, pattern, name in ROUTES:
        tag = tags['RSA2048' if name == 'public_key' else 'AES256']
        uri = '/kms/v1' + pattern.replace('(?P<tag>[^/]+)', tag).replace('(?P<version>[^/]+)', '1')
        headers = signed_headers(method, uri)
        answer = requests.request(method, emulator.urls()['global'] + uri, headers=headers, data=body, timeout=5)
        assert answer.status_code < 500, (name, answer.status_code, answer.text)
        assert answer.json().get('code') is not None, (name, answer.text)
        if name in BODY_OPERATIONS:
            assert 400 <= answer.status_code < 500, (name, answer.status_code, answer.text)
