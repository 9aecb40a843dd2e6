# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: API calls, per-task overhead, scaling, parallelism, latency and secrets in group_vars, against the emulator.

Timings are medians of repeated runs, reported as ratios to a baseline measured in the same run
(a play of ``ansible.builtin.ping`` tasks), because absolute times on shared machines drift. Where valgrind is
installed, the last section counts the instructions behind the overhead and scaling figures, which do not drift.
Prints a table, writes the same figures as JSON under tests/bench/results/, and exits 0: the tests,
not the benchmark, assert call counts.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'emulator'))

from kms_emulator.server import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Emulator  # noqa: E402  pylint: disable=wrong-import-position

# The floor of a task on requests: a module that imports AnsibleModule and requests and makes one GET to the
# emulator (unsigned: the emulator answers 401, which is an answer all the same). A no-change kms_key task is
# measured against it (target <= 1.10) and against ping beside it.
FLOOR_MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
import requests


def main():
    module = AnsibleModule(argument_spec=dict(url=dict(type='str', required=True)), supports_check_mode=True)
    answer = requests.get(module.params['url'] + '/kms/v1/keys', timeout=30)
    module.exit_json(changed=False, status=answer.status_code)


main()
"""
FLOOR_TARGET = 1.10      # a no-change kms_key task against the floor, by instructions and in the 50-task play
INFO_TASK_TARGET = 2.5   # kms_key_info of 10,000 keys as a registered task against a one-task ping play
KEYSTORE_TARGET = 2.0    # a no-change kms_keys task over 100 keys against one no-change kms_key task

# Minimum API calls from the kms_key and kms_key_migrate issues (one list page per boundary).
SCENARIOS = (
    # title, module, options, minimum calls, what the minimum is
    ('create', 'kms_key', {'name': 'bench-key', 'memo': 'm1'}, 4, 'list + a list in KR and JPN + create'),
    ('no change by name', 'kms_key', {'name': 'bench-key'}, 1, 'list'),
    ('no change by tag', 'kms_key', {'key_tag': '{tag}'}, 1, 'get'),
    ('memo change', 'kms_key', {'name': 'bench-key', 'memo': 'm2'}, 3, 'list + get + put'),
    ('rotation change', 'kms_key', {'name': 'bench-key', 'auto_rotation': True, 'rotation_period': 30}, 4,
     'list + get + enable rotation + period'),
    ('disable', 'kms_key', {'name': 'bench-key', 'enabled': False}, 2, 'list + disable'),
    ('pending deletion', 'kms_key', {'name': 'bench-key', 'state': 'absent'}, 2, 'list + request deletion'),
    ('cancel deletion', 'kms_key', {'name': 'bench-key'}, 3, 'list + cancel + enable'),
    ('force delete', 'kms_key', {'name': 'bench-key', 'state': 'absent', 'force_delete': True}, 3,
     'list + request deletion + delete'),
    ('create for migration', 'kms_key', {'name': 'bench-mig', 'enabled': False}, 5,
     'list + a list in KR and JPN + create + disable'),
    ('migrate', 'kms_key_migrate', {'name': 'bench-mig', 'target_region': 'KR'}, 4,
     'global list + target list + migrate + read'),
    ('create in use', 'kms_key', {'name': 'bench-live'}, 4, 'list + a list in KR and JPN + create'),
    ('migrate enabled', 'kms_key_migrate', {'name': 'bench-live', 'target_region': 'KR', 'disable_for_migration': True},
     6, 'global list + target list + disable + migrate + read + enable'),
    ('migrate no-op', 'kms_key_migrate', {'name': 'bench-mig', 'target_region': 'KR'}, 2,
     'global list + target list'),
    ('info, all keys', 'kms_key_info', {}, 1, 'list'),
)


class Bench(object):
    def __init__(self, repeats):
        self.repeats = repeats
        self.work = tempfile.mkdtemp(prefix='ncloud-kms-bench-')
        collections = os.path.join(self.work, 'collections', 'ansible_collections', 'ncloud')
        os.makedirs(collections)
        os.symlink(REPO, os.path.join(collections, 'kms'))
        self.emulator = Emulator()
        urls = self.emulator.start()
        os.makedirs(os.path.join(self.work, 'library'))
        self.write(os.path.join('library', 'kms_floor.py'), FLOOR_MODULE)
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(self.work, 'collections'),
                        ANSIBLE_LIBRARY=os.path.join(self.work, 'library'),
                        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', NCLOUD_KMS_ENDPOINT=urls['global'],
                        NCLOUD_KMS_ENDPOINT_KR=urls['KR'], NCLOUD_KMS_ENDPOINT_JPN=urls['JPN'],
                        NCLOUD_ACCESS_KEY=DEFAULT_ACCESS_KEY, NCLOUD_SECRET_KEY=DEFAULT_SECRET_KEY,
                        ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_HOST_KEY_CHECKING='false',
                        # the figures below are without the key cache (its own folder, never the user's)
                        NCLOUD_KMS_KEY_CACHE='false', XDG_CACHE_HOME=os.path.join(self.work, 'cache'))
        self.inventory = self.write('inventory.ini', '[local]\nlocalhost ansible_connection=local '
                                    'ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
        self.results = {}
        # the floor's task, with the endpoint written in (a template would add controller work kms_key does not do)
        self.floor_task = '      kms_floor:\n        url: %s' % urls['global']
        self.floor_options = {'url': urls['global']}

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    # ---- running ansible -----------------------------------------------------------------------

    def run(self, command, check=True, env=None):
        started = time.perf_counter()
        done = subprocess.run(command, env=env or self.env, cwd=self.work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        elapsed = time.perf_counter() - started
        if check and done.returncode != 0:
            raise SystemExit('benchmark command failed: %s\n%s' % (' '.join(command), done.stdout[-3000:]))
        return elapsed, done.stdout

    def adhoc(self, module, options=None):
        """The ad-hoc command that runs ``module`` (a full name) on localhost."""
        return ([os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-i', self.inventory, '-m', module]
                + (['-a', json.dumps(options)] if options else []))

    def module(self, module, options):
        return self.run(self.adhoc('ncloud.kms.' + module, options))

    def playbook(self, path, forks=1, inventory=None):
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                   inventory or self.inventory, '-f', str(forks), path]
        return self.run(command)[0]

    def taking_turns(self, actions):
        """``{label: (median seconds, API calls per run)}`` of each ``(label, action)``, the actions taking turns for
        ``repeats`` rounds: a machine that speeds up or slows down during the bench then weighs on the ping baseline
        and on what is compared with it alike. (Timed one after the other, all the pings and then all the kms_key
        runs, the same code measured 1.13x, 1.21x and 1.34x ping on one day.) An action returns its own seconds, so
        that what it does before starting its clock (a reset) is not counted."""
        times = dict((label, []) for label, unused in actions)
        calls = dict((label, 0) for label, unused in actions)
        self.calls()
        for unused in range(self.repeats):
            for label, action in actions:
                times[label].append(action())
                calls[label] += len(self.calls())
        return dict((label, (statistics.median(times[label]), calls[label] // self.repeats)) for label in times)

    def calls(self):
        with self.emulator.log_lock:
            entries = list(self.emulator.requests)
            self.emulator.requests = []
            self.emulator.peak_in_flight = 0
        return entries

    def reset(self):
        self.emulator.store.reset()
        self.emulator.set_faults({})
        self.calls()

    # ---- 1. API calls per scenario --------------------------------------------------------------

    def api_calls(self):
        self.reset()
        rows = []
        tag = None
        for title, module, options, minimum, what in SCENARIOS:
            options = dict((k, v.format(tag=tag) if isinstance(v, str) else v) for k, v in options.items())
            self.calls()
            unused, output = self.module(module, options)
            count = len(self.calls())
            if title == 'create':
                tag = json.loads(output.split('=>', 1)[1])['key']['key_tag']
            rows.append({'scenario': title, 'module': module, 'calls': count, 'minimum': minimum, 'minimum_is': what})
        self.results['api_calls'] = rows

    # ---- 2. per-task overhead ----------------------------------------------------------------------

    def loop_playbook(self, name, task, count=50, gather=False):
        text = ('- hosts: localhost\n  gather_facts: %s\n  tasks:\n    - name: %s\n%s\n'
                '      loop: "{{ range(%d) | list }}"\n') % (gather, name, task, count)
        return self.write(name + '.yml', text)

    def overhead(self):
        self.reset()
        self.module('kms_key', {'name': 'bench-same'})
        ping = self.loop_playbook('ping50', '      ansible.builtin.ping:')
        floor = self.loop_playbook('floor50', self.floor_task)
        no_change = self.loop_playbook('nochange50', '      ncloud.kms.kms_key:\n        name: bench-same')
        creates = self.loop_playbook('create50', '      ncloud.kms.kms_key:\n        name: "bench-{{ item }}"')

        def create_fifty():
            # the 50 creates start from an emulator that holds only bench-same, as the no-change play finds it
            self.reset()
            self.module('kms_key', {'name': 'bench-same'})
            self.calls()
            return self.playbook(creates)
        timed = self.taking_turns([('ping', lambda: self.playbook(ping)), ('floor', lambda: self.playbook(floor)),
                                   ('no_change', lambda: self.playbook(no_change)), ('create', create_fifty)])
        ping_time, floor_time, no_change_time, create_time = (
            timed[label][0] for label in ('ping', 'floor', 'no_change', 'create'))
        self.results['overhead'] = {
            'ping_50_tasks_s': ping_time, 'floor_50_tasks_s': floor_time, 'kms_key_no_change_50_tasks_s': no_change_time,
            'kms_key_create_50_tasks_s': create_time,
            'floor_vs_ping': floor_time / ping_time, 'no_change_vs_floor': no_change_time / floor_time,
            'no_change_vs_ping': no_change_time / ping_time, 'create_vs_ping': create_time / ping_time,
            'target_no_change_vs_floor': FLOOR_TARGET,
            'import_requests_ms': import_time_ms('requests'),
            'import_module_ms': import_time_ms('ansible_collections.ncloud.kms.plugins.modules.kms_key',
                                               os.path.join(self.work, 'collections')),
        }

    # ---- 3. scaling with account size ---------------------------------------------------------------

    def scaling(self):
        # One ad-hoc command each; the baseline is one ad-hoc ping (the same start-up cost).
        ping_command = self.adhoc('ansible.builtin.ping')
        # kms_key_info as a play runs it: one task that registers the list (the ad-hoc command also prints it whole)
        ping_task = self.write('ping1.yml', '- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                               '    - ansible.builtin.ping:\n')
        info_task = self.write('info1.yml', '- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                               '    - ncloud.kms.kms_key_info:\n      register: every_key\n')
        rows = []
        for size in (10, 1000, 10000):
            self.reset()
            self.emulator.store.seed('global', size - 1)
            unused, output = self.module('kms_key', {'name': 'bench-last'})
            tag = json.loads(output.split('=>', 1)[1])['key']['key_tag']
            # the key cache on: a first run remembers the tag, then each run is one read
            cached = {'name': 'bench-last', 'key_cache': True}
            self.module('kms_key', cached)
            timed = self.taking_turns([
                ('ping', lambda: self.run(ping_command)[0]),
                ('by_name', lambda: self.module('kms_key', {'name': 'bench-last'})[0]),
                ('by_name_cached', lambda: self.module('kms_key', cached)[0]),
                ('by_tag', lambda: self.module('kms_key', {'key_tag': tag})[0]),
                ('info_all', lambda: self.module('kms_key_info', {})[0]),
                ('ping_task', lambda: self.playbook(ping_task)),
                ('info_all_task', lambda: self.playbook(info_task)),
            ])
            row = {'keys': size, 'expected_by_name_calls': -(-size // 200)}
            for label in ('by_name', 'by_name_cached', 'by_tag', 'info_all'):
                row[label + '_calls'] = timed[label][1]
                row[label + '_vs_ping'] = timed[label][0] / timed['ping'][0]
            row['info_all_task_vs_ping'] = timed['info_all_task'][0] / timed['ping_task'][0]
            row['target_info_all_task_vs_ping'] = INFO_TASK_TARGET
            rows.append(row)
        self.results['scaling'] = rows

    # ---- 4. throughput under parallelism --------------------------------------------------------------

    def parallel(self):
        hosts = ''.join('b%03d\n' % number for number in range(200))
        inventory = self.write('hosts200.ini', '[keys]\n%s\n[keys:vars]\nansible_connection=local\n'
                               'ansible_python_interpreter="{{ ansible_playbook_python }}"\n' % hosts)
        play = self.write('per_host.yml', '- hosts: keys\n  gather_facts: false\n  tasks:\n'
                          '    - name: One key per host\n      ncloud.kms.kms_key:\n'
                          '        name: "{{ inventory_hostname }}"\n')
        row = {}
        for forks in (1, 20):
            self.reset()
            seconds = self.playbook(play, forks=forks, inventory=inventory)
            row['forks_%d_tasks_per_s' % forks] = 200 / seconds
            row['forks_%d_peak_concurrent_requests' % forks] = self.emulator.peak_in_flight
            row['forks_%d_keys' % forks] = len(self.emulator.store.keys['global'])
        row['speedup_20_vs_1'] = row['forks_20_tasks_per_s'] / row['forks_1_tasks_per_s']
        self.results['parallel'] = row

    # ---- 5. latency ---------------------------------------------------------------------------------------

    def latency(self):
        self.reset()
        self.module('kms_key', {'name': 'bench-same', 'memo': 'same'})
        play = self.loop_playbook('latency20', '      ncloud.kms.kms_key:\n        name: bench-same\n'
                                  '        memo: same', count=20)
        names = ('bench-new%d' % number for number in range(1000))
        api_seconds = {0: [], 50: []}

        def at(latency, action):
            def timed():
                self.emulator.set_faults({'latency_ms': latency})
                return action()
            return timed

        def create(latency):
            # a create: a global list, then the KR and JPN lists at the same time, then the create. Its calls' wall
            # time is read from the emulator's log (first arrival to last answer): the process's start-up, which
            # drifts with the machine by more than a round trip, is not in it.
            self.calls()
            seconds = self.module('kms_key', {'name': next(names)})[0]
            with self.emulator.log_lock:
                entries = list(self.emulator.requests)
            api_seconds[latency].append(max(e['answered'] for e in entries) - min(e['time'] for e in entries))
            return seconds
        timed = self.taking_turns([
            ('play_0ms', at(0, lambda: self.playbook(play))), ('play_50ms', at(50, lambda: self.playbook(play))),
            ('create_0ms', at(0, lambda: create(0))), ('create_50ms', at(50, lambda: create(50)))])
        self.emulator.set_faults({})
        row = {'latency_0ms_s': timed['play_0ms'][0], 'latency_50ms_s': timed['play_50ms'][0],
               'calls_per_task': timed['play_0ms'][1] / 20.0,
               'create_0ms_s': timed['create_0ms'][0], 'create_50ms_s': timed['create_50ms'][0],
               'create_calls': timed['create_50ms'][1],
               'create_api_0ms_s': statistics.median(api_seconds[0]), 'create_api_50ms_s': statistics.median(api_seconds[50])}
        row['create_added_rtt'] = (row['create_api_50ms_s'] - row['create_api_0ms_s']) / 0.05
        row['slowdown'] = row['latency_50ms_s'] / row['latency_0ms_s']
        row['added_ms_per_task'] = (row['latency_50ms_s'] - row['latency_0ms_s']) * 1000 / 20
        self.results['latency'] = row

    # ---- 6. secrets in group_vars: the vars plugin against the lookup -------------------------------------

    def secrets(self, hosts=50, count=100):
        """A play over ``hosts`` hosts whose one task reads ``count`` secrets, kept in group_vars once as a
        kms_vars file and once as lookups; the decrypt calls of each, and the play's time."""
        self.reset()
        self.module('kms_key', {'name': 'bench-vars'})
        sys.path.insert(0, os.path.join(self.work, 'collections'))
        from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsClient, StaticKeys
        from ansible_collections.ncloud.kms.plugins.module_utils.crypto import KmsCrypto
        from ansible_collections.ncloud.kms.plugins.module_utils.transport import HttpSession
        client = KmsClient(self.env['NCLOUD_KMS_ENDPOINT'], StaticKeys(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 'bench'),
                           HttpSession())
        key = [k for k in client.request('GET', '/keys', query=[('pageNo', 1), ('pageSize', 200)])['keyList']
               if k['keyName'] == 'bench-vars'][0]
        sealed = KmsCrypto(client).encrypt(key, [('secret-%03d' % n).encode() for n in range(count)])
        names = ['secret_%03d' % n for n in range(count)]
        row = {'hosts': hosts, 'secrets': count}
        for form in ('vars_plugin', 'lookup'):
            folder = os.path.join(self.work, 'secrets-' + form)
            os.makedirs(os.path.join(folder, 'group_vars'))
            with open(os.path.join(folder, 'hosts.ini'), 'w') as handle:
                handle.write('[app]\n' + ''.join('h%03d\n' % n for n in range(hosts)) +
                             '[app:vars]\nansible_connection=local\n'
                             'ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
            if form == 'vars_plugin':
                lines = ['%s: %s' % (name, text) for name, text in zip(names, sealed)]
                vars_file = 'all.ncpkms-vars'
            else:
                lines = ['%s: "{{ lookup(\'ncloud.kms.kms_decrypt\', \'%s\', key_name=\'bench-vars\') }}"' % (name, text)
                         for name, text in zip(names, sealed)]
                vars_file = 'all.yml'
            with open(os.path.join(folder, 'group_vars', vars_file), 'w') as handle:
                handle.write('\n'.join(lines) + '\n')
            play = os.path.join(folder, 'play.yml')
            with open(play, 'w') as handle:
                handle.write('- hosts: app\n  gather_facts: false\n  tasks:\n    - name: Use every secret\n'
                             '      ansible.builtin.assert:\n        that: (%s) | length == %d\n        quiet: true\n'
                             % (' ~ '.join(names), count * len('secret-000')))
            self.calls()
            env = dict(self.env, ANSIBLE_VARS_ENABLED='host_group_vars,ncloud.kms.kms_vars',
                       NCLOUD_KMS_VARS_KEY_NAME='bench-vars')
            start = time.perf_counter()
            subprocess.check_output([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                                     os.path.join(folder, 'hosts.ini'), '-f', '5', play], env=env, cwd=folder)
            row[form + '_s'] = time.perf_counter() - start
            row[form + '_decrypt_calls'] = sum(1 for entry in self.calls() if entry['path'].endswith('/decrypt'))
        row['envelope_100mb_peak_mb'] = envelope_peak_mb(self.work)
        self.results['secrets'] = row

    # ---- 7. instructions behind sections 2 and 3 -----------------------------------------------------------

    # ---- 8. a keystore in one task (kms_keys) -------------------------------------------------------------

    def keystore_plays(self, size):
        """The plays of section 8 for ``size`` keys named ks-0000...: kms_keys with the list (entries with a memo: one
        read a key; without: the listing alone), the same list with 10 memos changed (two versions, run in turn so
        that each run changes 10 keys), a loop of kms_key tasks over the list, and one kms_key task."""
        names = ['ks-%04d' % number for number in range(size)]

        def config(memo_of_first_ten=None, memo=True):
            return [dict({'name': name, 'region': 'global'},
                         **({'memo': memo_of_first_ten if memo_of_first_ten and index < 10 else 'keystore'} if memo else {}))
                    for index, name in enumerate(names)]
        plays = {}
        for label, entries in (('with_memo', config()), ('listing_only', config(memo=False)),
                               ('changed_a', config('version a')), ('changed_b', config('version b'))):
            plays[label] = self.write('keys_%s_%d.yml' % (label, size), (
                '- hosts: localhost\n  gather_facts: false\n  vars:\n    keystore: %s\n  tasks:\n'
                '    - ncloud.kms.kms_keys:\n        config: "{{ keystore }}"\n') % json.dumps(entries))
        plays['loop'] = self.write('keys_loop_%d.yml' % size, (
            '- hosts: localhost\n  gather_facts: false\n  vars:\n    keystore: %s\n  tasks:\n'
            '    - ncloud.kms.kms_key:\n        name: "{{ item.name }}"\n        region: global\n'
            '        memo: "{{ item.memo }}"\n      loop: "{{ keystore }}"\n') % json.dumps(config()))
        plays['one_key'] = self.write('keys_one_%d.yml' % size, (
            '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ncloud.kms.kms_key:\n'
            '        name: ks-0000\n'))
        return plays

    def keystore(self):
        """kms_keys over 100 and 1,000 keys taking turns with ping, one no-change kms_key task and (100 keys) a loop
        of kms_key tasks over the same list; API calls per run; instructions where valgrind is installed."""
        ping = self.write('ping_one.yml', '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n')
        rows = [self.keystore_row(size, ping) for size in (100, 1000)]
        self.results['keystore'] = {'rows': rows, 'target_vs_one_key': KEYSTORE_TARGET,
                                    'instructions': self.keystore_instructions()}

    def keystore_row(self, size, ping):
        """One size's plays taking turns: seconds, API calls and ratios of each."""
        self.reset()
        plays = self.keystore_plays(size)
        self.playbook(plays['with_memo'])
        self.calls()
        turn = ['b']

        def changed():
            turn[0] = 'a' if turn[0] == 'b' else 'b'   # each run changes the 10 memos the run before set
            return self.playbook(plays['changed_' + turn[0]])
        actions = [('ping', lambda: self.playbook(ping))]
        actions += [(label, lambda label=label: self.playbook(plays[label]))
                    for label in ('one_key', 'with_memo', 'listing_only')]
        actions.append(('changed_10', changed))
        if size == 100:
            actions.append(('loop', lambda: self.playbook(plays['loop'])))
        timed = self.taking_turns(actions)
        row = {'keys': size, 'pages': -(-size // 200)}
        for label, (seconds, calls) in timed.items():
            row[label + '_s'], row[label + '_calls'] = seconds, calls
            row[label + '_vs_one_key'] = seconds / timed['one_key'][0]
            row[label + '_vs_ping'] = seconds / timed['ping'][0]
        return row

    def keystore_instructions(self):
        """Millions of instructions of the no-change plays of 100 keys (with a memo) and of one kms_key task."""
        if not shutil.which('valgrind') or not shutil.which('callgrind_annotate'):
            return {'skipped': 'valgrind is not installed'}
        self.reset()
        plays = self.keystore_plays(100)
        self.playbook(plays['with_memo'])
        playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        env = dict(self.env, PYTHONHASHSEED='0',
                   ANSIBLE_CONFIG=self.write('polling-once-a-second.cfg', '[defaults]\ninternal_poll_interval = 1\n'))
        counted = self.callgrind_each([(label, [sys.executable, playbook, '-i', self.inventory, plays[label]], True)
                                       for label in ('with_memo', 'one_key')], env)
        return {'kms_keys_100_total': counted['with_memo']['total'], 'kms_key_one_total': counted['one_key']['total']}

    def instructions(self):
        """Instructions (valgrind's callgrind), where timings drift by more than the effects measured: they repeat
        within 0.1% whatever else the machine does. Section 2's figure: one ping run and one no-change kms_key run
        (each the task's AnsiballZ file, kept and run again alone, with the part Python spends compiling source),
        and the 50-task plays, from plays of 1 and 3 tasks (a loop's tasks after the first cost the same). Section
        3's: ad-hoc kms_key_info of 10,000 keys, and how much of it is the module's own process."""
        if not shutil.which('valgrind') or not shutil.which('callgrind_annotate'):
            self.results['instructions'] = {'skipped': 'valgrind is not installed'}
            return
        self.reset()
        self.module('kms_key', {'name': 'bench-same'})
        jobs = [(label, [sys.executable, self.kept_payload(label, module, options)], False) for label, module, options in (
            ('ping', 'ansible.builtin.ping', None), ('floor', 'kms_floor', self.floor_options),
            ('kms_key', 'ncloud.kms.kms_key', {'name': 'bench-same'}))]
        playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        for label, task in (('ping', '      ansible.builtin.ping:'), ('floor', self.floor_task),
                            ('kms_key', '      ncloud.kms.kms_key:\n        name: bench-same')):
            for count in (1, 3):
                play = self.loop_playbook('%s%d' % (label, count), task, count=count)
                jobs.append(('%s_%d' % (label, count), [sys.executable, playbook, '-i', self.inventory, play], True))
        # ansible's controller looks for results every millisecond while a task runs: under valgrind, which runs a
        # module some 50 times slower, those looks would outweigh the work counted. Once a second, they do not.
        env = dict(self.env, PYTHONHASHSEED='0',
                   ANSIBLE_CONFIG=self.write('polling-once-a-second.cfg', '[defaults]\ninternal_poll_interval = 1\n'))
        counted = self.callgrind_each(jobs, env)
        self.emulator.store.seed('global', 9999)
        info_task = self.write('info1.yml', '- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                               '    - ncloud.kms.kms_key_info:\n      register: every_key\n')
        counted.update(self.callgrind_each([
            ('info_task', [sys.executable, playbook, '-i', self.inventory, info_task], True),
            ('adhoc_ping', [sys.executable] + self.adhoc('ansible.builtin.ping'), True),
            ('adhoc_info', [sys.executable] + self.adhoc('ncloud.kms.kms_key_info'), True)], env))
        row = dict(('%s_%s' % (label, part), value) for label, parts in counted.items() for part, value in parts.items())
        for label in ('ping', 'floor', 'kms_key'):
            per_task = (row[label + '_3_total'] - row[label + '_1_total']) / 2
            row[label + '_play_per_task'] = per_task
            row[label + '_play_50'] = row[label + '_1_total'] + 49 * per_task
        self.results['instructions'] = row

    def callgrind_each(self, jobs, env):
        """``{label: counts}`` of each ``(label, command, children)``, two at a time (valgrind runs on one core)."""
        with ThreadPoolExecutor(2) as pool:
            return dict(zip([label for label, unused, unused in jobs],
                            pool.map(lambda job: self.callgrind(*(job + (env,))), jobs)))

    def callgrind(self, label, command, children, env):
        """Millions of instructions of ``command``: ``total`` (with every process it starts when ``children``),
        ``module`` (its AnsiballZ processes) and, run alone, ``compiling`` (inside Python's compile(); None when
        Python has no symbols)."""
        folder = tempfile.mkdtemp(prefix='callgrind-%s-' % label, dir=self.work)
        subprocess.run(['valgrind', '--tool=callgrind', '--trace-children=%s' % ('yes' if children else 'no'),
                        '--callgrind-out-file=' + os.path.join(folder, 'out.%p')] + command, cwd=self.work, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        outputs = [os.path.join(folder, name) for name in os.listdir(folder)]   # one a process
        counts = {'total': 0, 'module': 0}
        for path in outputs:
            command_line, total = callgrind_summary(path)
            counts['total'] += total / 1e6
            counts['module'] += total / 1e6 if 'AnsiballZ_' in command_line else 0
        if not children:
            counts['compiling'] = callgrind_compiling(outputs[0])
        return counts

    def kept_payload(self, label, module, options):
        """The AnsiballZ file of one ad-hoc run of ``module``, kept (ANSIBLE_KEEP_REMOTE_FILES) in a folder of its own."""
        folder = os.path.join(self.work, 'kept-' + label)
        self.run(self.adhoc(module, options), env=dict(self.env, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=folder))
        for directory, unused, files in os.walk(folder):
            for name in files:
                if name.startswith('AnsiballZ_'):
                    return os.path.join(directory, name)
        raise SystemExit('no AnsiballZ file kept under %s' % folder)

    def close(self):
        self.emulator.stop()
        shutil.rmtree(self.work, ignore_errors=True)


ENVELOPE_RUN = r'''
import os, resource, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.ncloud.kms.plugins.module_utils.envelope import Envelope, seal
src, sealed, opened = sys.argv[2:5]
data_key = os.urandom(32)
with open(sealed, 'wb') as out:
    seal(src, data_key, 'ncpkms:v1:QUJD', out)
with open(opened, 'wb') as out:
    Envelope(sealed).open_to(data_key, out)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
'''


def envelope_peak_mb(work):
    """Peak memory (MB) of a process that seals a 100 MB file into an envelope and opens it again, as the modules do."""
    src = os.path.join(work, 'envelope-100mb.bin')
    with open(src, 'wb') as out:
        for unused in range(100):
            out.write(os.urandom(1024 * 1024))
    peak = subprocess.check_output([sys.executable, '-c', ENVELOPE_RUN, os.path.join(work, 'collections'), src,
                                    src + '.ncpkms', src + '.out'], universal_newlines=True)
    for path in (src, src + '.ncpkms', src + '.out'):
        os.remove(path)
    return int(peak)


def callgrind_summary(path):
    """(command line, instructions) of one callgrind output file."""
    command_line = ''
    with open(path) as handle:
        for line in handle:
            if line.startswith('cmd:'):
                command_line = line
            elif line.startswith(('summary:', 'totals:')):
                return command_line, int(line.split()[1])
    raise SystemExit('no total in %s' % path)


def callgrind_compiling(path):
    """Millions of instructions inside the outermost compile() frame (recursive frames carry a quote mark)."""
    annotated = subprocess.check_output(['callgrind_annotate', '--inclusive=yes', path], universal_newlines=True)
    match = re.search(r'^\s*([\d,]+) \([\d.]+%\)\s+\S*bltinmodule\.c:builtin_compile(?:\s|$)', annotated, re.M)
    return int(match.group(1).replace(',', '')) / 1e6 if match else None


def import_time_ms(module, path=None):
    """Median wall time of importing one module in a fresh interpreter, in milliseconds."""
    code = ('import sys, time\n%s\nstart = time.perf_counter()\nimport %s\nprint((time.perf_counter() - start) * 1000)'
            % ('sys.path.insert(0, %r)' % path if path else '', module))
    runs = [float(subprocess.check_output([sys.executable, '-c', code], universal_newlines=True)) for unused in range(5)]
    return statistics.median(runs)


def report(results):
    lines = ['## ncloud.kms benchmark, %s, %s' % (results['date'], results['machine']), '']
    lines += ['### 1. API calls per scenario', '', '| scenario | module | calls | minimum |', '|---|---|---|---|']
    lines += ['| %(scenario)s | %(module)s | %(calls)d | %(minimum)d (%(minimum_is)s) |' % row for row in results['api_calls']]
    o = results['overhead']
    lines += ['', '### 2. Per-task overhead (50-task plays taking turns, median of %d; baseline: 50 ping tasks = 1.00)' % results['repeats'],
              '', '| play | ratio to the floor | ratio to ping |', '|---|---|---|',
              '| 50 x ansible.builtin.ping | | 1.00 |',
              '| 50 x the floor (AnsibleModule, requests, one GET) | 1.00 | %.2f |' % o['floor_vs_ping'],
              '| 50 x kms_key, no change | %.2f (target <= %.2f) | %.2f |' % (
                  o['no_change_vs_floor'], o['target_no_change_vs_floor'], o['no_change_vs_ping']),
              '| 50 x kms_key, create | | %.2f |' % o['create_vs_ping'], '',
              'Import in a fresh interpreter: requests %.0f ms, the kms_key module with its module_utils %.0f ms '
              '(requests included); per task, ping %.0f ms, the floor %.0f ms and kms_key without change %.0f ms.'
              % (o['import_requests_ms'], o['import_module_ms'], o['ping_50_tasks_s'] * 20, o['floor_50_tasks_s'] * 20,
                 o['kms_key_no_change_50_tasks_s'] * 20)]
    lines += ['', '### 3. Scaling with account size (one ad-hoc task, ratio to one ad-hoc ping in the same rounds; "info, task": a '
              'one-task play that registers the list, ratio to a one-task ping play)', '',
              '| keys | by name: calls (ceil(N/200)) | by name | by name, cache: calls | by name, cache | by tag: calls '
              '| by tag | info, all: calls | info, all (ad hoc, printed) | info, all (task; target <= %.1f) |' % INFO_TASK_TARGET,
              '|---|---|---|---|---|---|---|---|---|---|']
    lines += ['| %d | %d (%d) | %.2f | %d | %.2f | %d | %.2f | %d | %.2f | %.2f |' % (
        r['keys'], r['by_name_calls'], r['expected_by_name_calls'], r['by_name_vs_ping'], r['by_name_cached_calls'],
        r['by_name_cached_vs_ping'], r['by_tag_calls'], r['by_tag_vs_ping'], r['info_all_calls'], r['info_all_vs_ping'],
        r['info_all_task_vs_ping'])
        for r in results['scaling']]
    p = results['parallel']
    lines += ['', '### 4. Throughput: 200 hosts, one key each', '', '| forks | tasks/s | peak concurrent requests |',
              '|---|---|---|',
              '| 1 | %.1f | %d |' % (p['forks_1_tasks_per_s'], p['forks_1_peak_concurrent_requests']),
              '| 20 | %.1f | %d |' % (p['forks_20_tasks_per_s'], p['forks_20_peak_concurrent_requests']),
              '', 'forks 20 vs 1: %.2fx' % p['speedup_20_vs_1']]
    lat = results['latency']
    lines += ['', '### 5. Latency: 20 no-change tasks (%.0f calls each), emulator adding 50 ms per request' % lat['calls_per_task'],
              '', 'slowdown %.2fx; %.0f ms added per task (%.0f ms per call)' % (
                  lat['slowdown'], lat['added_ms_per_task'], lat['added_ms_per_task'] / lat['calls_per_task']),
              '', 'A create (%d calls) at 50 ms: %.1f round trips of wall time added to its calls (first request to last '
              'answer, from the emulator\'s log; the KR and JPN lists run at the same time)'
              % (lat['create_calls'], lat['create_added_rtt'])]
    sec = results['secrets']
    lines += ['', '### 6. Secrets in group_vars: %(hosts)d hosts, one task reading %(secrets)d secrets (5 forks)' % sec,
              '', '| kept as | decrypt calls | play time |', '|---|---|---|',
              '| a kms_vars file (`group_vars/all.ncpkms-vars`) | %d | %.1f s |'
              % (sec['vars_plugin_decrypt_calls'], sec['vars_plugin_s']),
              '| lookups (`group_vars/all.yml`) | %d | %.1f s |' % (sec['lookup_decrypt_calls'], sec['lookup_s']),
              '', 'Envelope: a process that seals a 100 MB file and opens it again peaks at %d MB (the file is never '
              'held in memory).'
              % sec['envelope_100mb_peak_mb']]
    lines += ['', '### 7. Instructions (valgrind\'s callgrind; the 50-task play from plays of 1 and 3 tasks)', '']
    lines += instruction_lines(results['instructions'])
    lines += keystore_lines(results['keystore'])
    return '\n'.join(lines)


def keystore_lines(section):
    rows, target = section['rows'], section['target_vs_one_key']
    lines = ['', '### 8. A keystore in one task: kms_keys, no change and 10 changed (one-task plays taking turns; '
             'ratios to one no-change kms_key task and to ping)', '',
             '| keys | play | API calls (listing pages + reads) | ratio to one kms_key task | ratio to ping |',
             '|---|---|---|---|---|']
    for row in rows:
        for label, what, aim in (
                ('one_key', 'one kms_key task, no change', ''),
                ('with_memo', 'kms_keys, no change, entries with a memo', ' (target <= %.1f)' % target),
                ('listing_only', 'kms_keys, no change, entries without memo', ''),
                ('changed_10', 'kms_keys, 10 memos changed', ''),
                ('loop', 'a loop of kms_key tasks over the list', '')):
            if label + '_s' in row:
                lines.append('| %d | %s | %d (%d pages) | %.2f%s | %.2f |' % (
                    row['keys'], what, row[label + '_calls'], row['pages'], row[label + '_vs_one_key'], aim,
                    row[label + '_vs_ping']))
    first = rows[0]
    if 'loop_s' in first:
        lines += ['', 'kms_keys over %d keys is %.0fx faster than the loop of kms_key tasks.'
                  % (first['keys'], first['loop_s'] / first['with_memo_s'])]
    counted = section['instructions']
    if 'skipped' in counted:
        lines += ['', 'Instructions: skipped, %s.' % counted['skipped']]
    else:
        lines += ['', 'Instructions: kms_keys over 100 keys %.0f M, one kms_key task %.0f M (%.2fx).' % (
            counted['kms_keys_100_total'], counted['kms_key_one_total'],
            counted['kms_keys_100_total'] / counted['kms_key_one_total'])]
    return lines


def instruction_lines(row):
    if 'skipped' in row:
        return ['Skipped: %s.' % row['skipped']]

    def millions(value):
        return 'unknown (a Python without symbols)' if value is None else '%.0f M' % value
    ping_module, info_module = row['adhoc_ping_module'], row['adhoc_info_module']

    def against(part, target=None):
        """The row of one measure: ping, the floor, kms_key, its ratio to the floor (and target) and to ping."""
        ping, floor, kms_key = (row['%s_%s' % (label, part)] for label in ('ping', 'floor', 'kms_key'))
        aim = ' (target <= %.2f)' % target if target else ''
        return '%s | %s | %s | %.2f%s | %.2f |' % (
            millions(ping), millions(floor), millions(kms_key), kms_key / floor, aim, kms_key / ping)
    return [
        '| run | ansible.builtin.ping | the floor | kms_key, no change | ratio to the floor | ratio to ping |',
        '|---|---|---|---|---|---|',
        '| one module run alone | ' + against('total', FLOOR_TARGET),
        '| of which compiling Python source | %s | %s | %s | | |' % (
            millions(row['ping_compiling']), millions(row['floor_compiling']), millions(row['kms_key_compiling'])),
        '| a play, per task after the first | ' + against('play_per_task'),
        '| the 50-task play of section 2 | ' + against('play_50', FLOOR_TARGET),
        '',
        '| run | ansible.builtin.ping | kms_key_info of 10,000 keys | ratio |', '|---|---|---|---|',
        '| a one-task play that registers the list (as users run it) | %s | %s | %.2f (target <= %.1f) |' % (
            millions(row['ping_1_total']), millions(row['info_task_total']),
            row['info_task_total'] / row['ping_1_total'], INFO_TASK_TARGET),
        '| ad hoc, printing 4.5 MB of JSON (ansible-core\'s own cost; reported beside) | %s | %s | %.2f |' % (
            millions(row['adhoc_ping_total']), millions(row['adhoc_info_total']),
            row['adhoc_info_total'] / row['adhoc_ping_total']),
        '| of which the module process | %s | %s | |' % (millions(ping_module), millions(info_module))]


SECTIONS = ('api_calls', 'overhead', 'scaling', 'parallel', 'latency', 'secrets', 'instructions', 'keystore')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=3, help='runs per timing; the median is reported')
    parser.add_argument('--only', help='comma-separated sections: ' + ','.join(SECTIONS))
    args = parser.parse_args()
    bench = Bench(args.repeats)
    sections = args.only.split(',') if args.only else list(SECTIONS)
    try:
        for section in sections:
            getattr(bench, section)()
    finally:
        bench.close()
    results = dict(bench.results, date=datetime.datetime.utcnow().strftime('%Y-%m-%d'), repeats=args.repeats,
                   machine='%s, %d cores, Python %s' % (platform.machine(), os.cpu_count(), platform.python_version()))
    folder = os.path.join(HERE, 'results')
    os.makedirs(folder, exist_ok=True)
    stamp = datetime.datetime.utcnow().strftime('%Y%m%dT%H%M%SZ')
    for name in ('bench-%s.json' % stamp, 'latest.json'):
        with open(os.path.join(folder, name), 'w') as handle:
            json.dump(results, handle, indent=2)
    if set(sections) >= set(SECTIONS):
        text = report(results)
        with open(os.path.join(folder, 'latest.md'), 'w') as handle:
            handle.write(text + '\n')
        print(text)
    else:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
