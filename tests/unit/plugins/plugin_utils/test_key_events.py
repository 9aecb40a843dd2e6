# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kms_key_events source against the emulator: every event kind with its actor, the baseline, the checkpoint
across restarts (nothing lost, nothing twice), the cost of a poll, an API failure reported as an event, and its
arguments refused before any request."""

import asyncio
import json
import os

import pytest

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS, KmsConnection
from ansible_collections.ncloud.kms.plugins.plugin_utils.key_events import EVENT_TYPES, KeyWatcher
from ansible_collections.ncloud.kms.tests.emulator.kms_emulator.server import Emulator
from ansible_collections.ncloud.kms.tests.unit.utils.load import load_file

ACCESS, SECRET = 'AKEVENTS0001', 'events-secret-0123456789'
SOURCE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'extensions', 'eda', 'plugins', 'event_source',
                      'kms_key_events.py')


@pytest.fixture(scope='module')
def emulator():
    running = Emulator(access_key=ACCESS, secret_key=SECRET)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def kms(emulator):
    emulator.admin_reset({})
    return Kms(emulator)


class Kms(object):
    """The emulator through the collection's connection: what the watcher uses, and a way to change keys."""

    def __init__(self, emulator):
        self.emulator = emulator
        urls = emulator.urls()
        self.options = dict((option, facts.get('default')) for option, facts in CONNECTION_OPTIONS.items())
        self.options.update(access_key=ACCESS, secret_key=SECRET, endpoint=urls['global'], endpoint_kr=urls['KR'],
                            endpoint_jpn=urls['JPN'], key_cache=False, retries=0, server_role=False)
        self.connection = self.connect()

    def connect(self):
        def fail(message):
            raise AssertionError(message)
        connection = KmsConnection(dict(self.options), fail)
        connection.validate([None])
        return connection

    def watcher(self, **kwargs):
        kwargs.setdefault('regions', [None, 'KR', 'JPN'])
        return KeyWatcher(self.connect(), **kwargs)

    def api(self, method, path, body=None, region=None):
        return self.connection.client(region).request(method, '/keys' + path, body=body)

    def create(self, name, region=None, **body):
        return self.api('POST', '', dict({'keyName': name, 'keyType': 'AES256', 'protectionType': 'BASIC',
                                          'isAutoRotation': False}, **body),
                        region)['keyTag']

    def calls(self):
        return [(entry['method'], entry['path'].split('?')[0]) for entry in self.emulator.requests]

    def clear(self):
        self.emulator.admin_clear_requests({})


def polled(watcher):
    events = watcher.poll()
    watcher.commit()
    return events


def kinds(events):
    return [(event['type'], event['key']['name']) for event in events]


def test_the_first_poll_without_a_checkpoint_is_a_baseline(kms):
    kms.create('app-one')
    watcher = kms.watcher()
    assert polled(watcher) == []
    assert polled(watcher) == []


def test_report_existing_raises_created_for_every_key_of_the_scope(kms):
    kms.create('app-one')
    kms.create('db-one', region='KR')
    events = polled(kms.watcher(report_existing=True, patterns=['app-*']))
    assert kinds(events) == [('created', 'app-one')]
    assert events[0]['key']['region'] == 'global' and events[0]['key']['current_version'] == 1


def test_each_change_made_through_the_api_is_one_event_with_its_actor(kms):
    tag = kms.create('app-one')
    other = kms.create('app-two')
    watcher = kms.watcher()
    polled(watcher)
    kms.create('app-three')
    kms.api('POST', '/%s/disable' % tag)
    kms.api('PUT', '/%s/name' % other, {'keyName': 'app-renamed'})
    events = polled(watcher)
    assert sorted(kinds(events)) == [('created', 'app-three'), ('disabled', 'app-one'), ('renamed', 'app-renamed')]
    renamed = [event for event in events if event['type'] == 'renamed'][0]
    assert renamed['previous_name'] == 'app-two'
    for event in events:
        assert event['actor'] == {'type': 'api', 'id': 'emulator-user', 'address': '127.0.0.1'}
        assert event['time'].endswith('Z')
    kms.api('POST', '/%s/enable' % tag)
    assert kinds(polled(watcher)) == [('enabled', 'app-one')]


def test_deletion_scheduled_with_its_date_then_cancelled_then_destroyed(kms):
    tag = kms.create('app-one')
    watcher = kms.watcher()
    polled(watcher)
    kms.api('POST', '/%s/request-deletion' % tag)
    scheduled = polled(watcher)
    assert kinds(scheduled) == [('deletion_scheduled', 'app-one')]
    assert scheduled[0]['deletion_date'].endswith('Z') and scheduled[0]['key']['status'] == 'REVOKE'
    kms.api('POST', '/%s/cancel-deletion' % tag)
    assert kinds(polled(watcher)) == [('deletion_cancelled', 'app-one')]
    kms.api('POST', '/%s/request-deletion' % tag)
    kms.api('DELETE', '/%s' % tag)
    destroyed = polled(watcher)
    assert kinds(destroyed) == [('destroyed', 'app-one')] and 'actor' not in destroyed[0]


def test_a_rotation_through_the_api_and_a_migration(kms):
    rotated = kms.create('app-one')
    moved = kms.create('app-two')
    watcher = kms.watcher()
    polled(watcher)
    kms.api('POST', '/%s/rotate' % rotated)
    kms.api('POST', '/%s/disable' % moved)
    kms.api('POST', '/%s/migrate' % moved, {'targetRegion': 'JPN'})
    events = dict((event['type'], event) for event in polled(watcher))
    assert sorted(events) == ['migrated', 'rotated']
    assert events['rotated']['previous_version'] == 1 and events['rotated']['key']['current_version'] == 2
    assert events['rotated']['actor']['type'] == 'api'
    assert events['migrated']['from_region'] == 'global' and events['migrated']['key']['region'] == 'JPN'


def test_rotation_due_once_per_version(kms):
    import time
    tag = kms.create('app-one')
    later = [0]   # days the watcher's clock runs ahead of the emulator's
    watcher = kms.watcher(rotation_due_days=30, clock=lambda: int(time.time() * 1000) + later[0] * 86400000)
    polled(watcher)
    later[0] = 31
    due = polled(watcher)
    assert kinds(due) == [('rotation_due', 'app-one')] and due[0]['age_days'] == 31
    assert polled(watcher) == []
    later[0] = 0   # the clocks agree again: the new version is young
    kms.api('POST', '/%s/rotate' % tag)
    assert kinds(polled(watcher)) == [('rotated', 'app-one')]


def test_a_restart_reports_what_changed_while_down_once_and_never_twice(kms, tmp_path):
    state = str(tmp_path / 'keys.json')
    tag = kms.create('app-one')
    assert polled(kms.watcher(state_file=state)) == []
    kms.api('POST', '/%s/disable' % tag)
    first = kms.watcher(state_file=state)          # restarted: reads the checkpoint
    events = first.poll()
    assert kinds(events) == [('disabled', 'app-one')]
    # stopped before the events were queued (no commit): the next start reports them again, nothing is lost
    again = kms.watcher(state_file=state)
    assert kinds(polled(again)) == [('disabled', 'app-one')]
    assert polled(kms.watcher(state_file=state)) == []
    assert json.load(open(state))['keys']['global/1']['status'] == 'DISABLE'


def test_a_poll_without_change_lists_each_boundary_once_and_reads_a_bounded_batch(kms):
    for number in range(5):
        kms.create('app-%d' % number)
    watcher = kms.watcher(reads_per_poll=2)
    polled(watcher)
    kms.clear()
    assert polled(watcher) == []
    calls = kms.calls()
    assert sorted(call for call in calls if call[1] == '/kms/v1/keys') == [('GET', '/kms/v1/keys')] * 3
    assert len([call for call in calls if call[1] != '/kms/v1/keys']) == 2   # the rolling batch: 2 key reads


def test_every_event_kind_is_declared():
    assert EVENT_TYPES == ('created', 'enabled', 'disabled', 'renamed', 'deletion_scheduled', 'deletion_cancelled',
                           'destroyed', 'rotated', 'migrated', 'rotation_due', 'error')


# ---- the source, as ansible-rulebook runs it -------------------------------------------------------------

def source():
    return load_file(SOURCE, 'kms_key_events')   # as ansible-rulebook runs it: by path


class Queue(object):
    """Keeps events; ends the source after ``count`` of them."""

    def __init__(self, count):
        self.events, self.count = [], count

    async def put(self, event):
        self.events.append(event)
        if len(self.events) >= self.count:
            raise asyncio.CancelledError


def run_source(args, count):
    queue = Queue(count)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(source()['main'](queue, args))
    return queue.events


def source_args(kms, **args):
    urls = kms.emulator.urls()
    return dict(dict(access_key=ACCESS, secret_key=SECRET, endpoint=urls['global'], endpoint_kr=urls['KR'],
                     endpoint_jpn=urls['JPN'], retries=0, server_role=False, delay=0.1), **args)


def test_an_api_failure_is_an_event_and_the_source_goes_on(kms):
    kms.create('app-one')
    kms.emulator.set_faults({'script': [{'fault': '503', 'method': 'GET', 'path': '/keys$'}]})
    events = run_source(source_args(kms, report_existing=True), 2)
    assert events[0]['type'] == 'error' and events[0]['error']['status'] == 503 and events[0]['failures'] == 1
    assert kinds(events[1:]) == [('created', 'app-one')]


@pytest.mark.parametrize('args, message', [
    ({'every': 5}, 'unknown arguments every'),
    ({'scope': {'regions': ['US']}}, 'scope.regions may hold global, KR, JPN'),
    ({'scope': {'names': ['a b']}}, 'scope.names takes shell-style patterns'),
    ({'delay': 0}, 'delay must be at least 0.1'),
    ({'rotation_due_days': 'soon'}, 'rotation_due_days must be a number'),
    ({'endpoint': 'http://kms.example.com'}, 'endpoint uses plain http:// to the non-loopback host'),
])
def test_bad_arguments_fail_before_any_request(kms, args, message):
    kms.clear()
    with pytest.raises(Exception) as caught:
        asyncio.run(source()['main'](Queue(1), source_args(kms, **args)))
    assert message in str(caught.value)
    assert kms.calls() == []


def test_an_error_event_holds_no_secret(kms):
    events = run_source(source_args(kms, secret_key='not-the-secret'), 1)
    assert events[0]['type'] == 'error' and events[0]['error']['status'] == 401
    assert 'not-the-secret' not in json.dumps(events) and SECRET not in json.dumps(events)


def test_the_watcher_gives_up_nothing_on_failure(kms):
    kms.create('app-one')
    watcher = kms.watcher()
    polled(watcher)
    kms.emulator.set_faults({'script': [{'fault': '503', 'method': 'GET', 'path': '/keys$'}]})
    with pytest.raises(KmsApiError):
        watcher.poll()
    assert watcher.state['polled_at'] is not None and watcher.pending is None
