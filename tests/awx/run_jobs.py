# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs as AWX / AAP runs them, against the emulator that with-emulator.sh started (tests/awx/jobs.sh).

1. The credential type's injectors (extensions/awx/credential_type.yml) are rendered with the emulator's
   credentials into a private data directory's env/envvars, as AWX does (a sandboxed Jinja environment in which an
   input left unset renders as an empty string); the jobs' own environment holds no NCLOUD_* variable, so the
   injectors are the only way the collection can reach the emulator. A credential with every input runs the jobs
   below; one with only the required inputs runs tests/awx/required_inputs.yml twice, its empty NCLOUD_KMS_SITE
   and NCLOUD_KMS_ENDPOINT* taken as unset.
2. ansible-runner runs playbooks/key_lifecycle.yml and playbooks/secrets_in_vars.yml twice each: the first run
   changes keys, the second reports changed=0; status, rc and job events are read from runner's artifacts.
3. Every artifact file is searched for the secret key and for the plaintext the secrets play decrypts: 0
   occurrences, outside artifacts/<id>/command, where runner records the job's environment (env/, the job's
   inputs, holds the injected credential and the extra vars).
4. ansible-navigator runs the same playbook with --ee false --mode stdout.
5. Two runner jobs at once (forks 10) manage disjoint keys, then two jobs manage the same keys (two slices of
   one inventory): no failure, and exactly one key per name.
Prints a FIGURES line and exits non-zero on the first broken expectation.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid

import jinja2.sandbox
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PLAYBOOKS = os.path.join(REPO, 'playbooks')
CREDENTIAL_TYPE = os.path.join(REPO, 'extensions', 'awx', 'credential_type.yml')


def fail(message):
    sys.exit('FAIL: ' + message)


def run(command, env=None, cwd=None):
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    return done.returncode, done.stdout


def job_environment():
    """This process's environment without the credentials: a job gets them from the injectors only."""
    return dict((name, value) for name, value in os.environ.items() if not name.startswith('NCLOUD_'))


def every_input():
    return {'access_key': os.environ['NCLOUD_ACCESS_KEY'], 'secret_key': os.environ['NCLOUD_SECRET_KEY'],
            'site': 'public', 'endpoint': os.environ['NCLOUD_KMS_ENDPOINT'],
            'endpoint_kr': os.environ['NCLOUD_KMS_ENDPOINT_KR'], 'endpoint_jpn': os.environ['NCLOUD_KMS_ENDPOINT_JPN']}


def injected_variables(only_required=False):
    """The credential type's env injectors, rendered as AWX renders them: in a sandboxed Jinja environment where an
    input the credential leaves unset is undefined and prints as an empty string. ``only_required``: a credential
    that sets only the type's required inputs."""
    definition = yaml.safe_load(open(CREDENTIAL_TYPE))
    inputs = every_input()
    fields = set(field['id'] for field in definition['inputs']['fields'])
    if set(inputs) != fields:
        fail('the credential type has the inputs %s, the test renders %s' % (sorted(fields), sorted(inputs)))
    if set(definition['injectors']) != {'env'}:
        fail('the credential type must inject through env only, never extra_vars: %s' % sorted(definition['injectors']))
    if only_required:
        inputs = dict((name, value) for name, value in inputs.items() if name in definition['inputs']['required'])
    environment = jinja2.sandbox.SandboxedEnvironment()   # AWX's: jinja2.Undefined renders as ''
    return dict((name, environment.from_string(template).render(**inputs))
                for name, template in definition['injectors']['env'].items())


class PrivateDataDir(object):
    """A private data directory laid out as AWX lays it out for one job."""

    def __init__(self, work, name, collections, extravars=None, hosts=None, only_required=False):
        self.path = os.path.join(work, name)
        os.makedirs(os.path.join(self.path, 'env'))
        shutil.copytree(PLAYBOOKS, os.path.join(self.path, 'project'))
        for playbook in ('parallel_keys.yml', 'required_inputs.yml'):
            shutil.copy(os.path.join(REPO, 'tests', 'awx', playbook), os.path.join(self.path, 'project'))
        os.makedirs(os.path.join(self.path, 'inventory'))
        with open(os.path.join(self.path, 'inventory', 'hosts'), 'w') as handle:
            handle.write('[all]\n%s\n[all:vars]\nansible_connection=local\nansible_python_interpreter=%s\n'
                         % ('\n'.join(hosts or ['localhost']), sys.executable))
        envvars = injected_variables(only_required)
        # AWX's own variables for the job (not the credential's): where the collection is, and a key cache of
        # the job's own (a job runs in its own home).
        envvars.update(ANSIBLE_COLLECTIONS_PATH=collections, XDG_CACHE_HOME=os.path.join(self.path, 'cache'))
        self.write('env/envvars', envvars)
        self.write('env/settings', {'suppress_ansible_output': False, 'job_timeout': 600})
        self.write('env/extravars', extravars or {})

    def write(self, name, data):
        with open(os.path.join(self.path, name), 'w') as handle:
            yaml.safe_dump(data, handle)

    def run(self, playbook, ident, forks=1, limit=None):
        command = [os.path.join(BIN, 'ansible-runner'), 'run', self.path, '-p', playbook, '--ident', ident,
                   '--forks', str(forks)]
        if limit:
            command += ['--limit', limit]
        code, output = run(command, env=job_environment())
        return Job(self.path, ident, code, output)


class Job(object):
    def __init__(self, path, ident, code, output):
        self.artifacts = os.path.join(path, 'artifacts', ident)
        self.code, self.output = code, output

    def read(self, name):
        with open(os.path.join(self.artifacts, name)) as handle:
            return handle.read().strip()

    def events(self):
        for name in sorted(glob.glob(os.path.join(self.artifacts, 'job_events', '*.json'))):
            with open(name) as handle:
                yield json.load(handle)

    def changed(self):
        """The play recap's changed count (job events of no_log tasks hide their results)."""
        stats = [event['event_data'] for event in self.events() if event.get('event') == 'playbook_on_stats']
        if len(stats) != 1:
            fail('%s: %d playbook_on_stats events' % (self.artifacts, len(stats)))
        return sum(stats[0].get('changed', {}).values())

    def failed(self):
        return sum(1 for event in self.events() if event.get('event') in ('runner_on_failed', 'runner_on_unreachable')
                   and not event.get('event_data', {}).get('ignore_errors'))

    def check(self, title):
        status, rc = self.read('status'), self.read('rc')
        if status != 'successful' or rc != '0' or self.failed():
            fail('%s: status %s, rc %s, %d failed task(s)\n%s' % (title, status, rc, self.failed(), self.output[-3000:]))
        return self.changed()


def install_collection(work):
    collections = os.path.join(work, 'collections')
    code, output = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', work, '--force'])
    tarball = glob.glob(os.path.join(work, 'ncloud-kms-*.tar.gz'))
    if code or not tarball:
        fail('the collection did not build:\n' + output)
    code, output = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', tarball[0], '-p', collections,
                        '--force'], env=dict(job_environment(), ANSIBLE_COLLECTIONS_PATH=collections))
    if code:
        fail('the collection did not install:\n' + output)
    return collections


def twice(directory, playbook):
    first = directory.run(playbook, playbook + '-first').check(playbook + ', first run')
    second = directory.run(playbook, playbook + '-second').check(playbook + ', second run')
    if first == 0 or second != 0:
        fail('%s: the first run changed %d task(s), the second %d' % (playbook, first, second))
    return first


def scan(directory, needles):
    """Occurrences of each needle in every artifact file runner wrote (stdout, job events, ...) but
    artifacts/<id>/command, which records the job's environment (as env/envvars, the job's input, does)."""
    found, files, where = dict((what, 0) for what in needles), 0, []
    for root, unused, names in os.walk(directory.path):
        for name in names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, directory.path)
            if not relative.startswith('artifacts') or name == 'command':
                continue  # env/ holds the job's inputs (the injected credential, the extra vars)
            files += 1
            text = open(path, encoding='utf-8', errors='replace').read()
            for what, value in needles.items():
                found[what] += text.count(value)
                if value in text:
                    where.append(relative)
    if where:
        print('secrets found in: %s' % ', '.join(sorted(set(where))))
    return found, files


def emulator_keys():
    with urllib.request.urlopen(os.environ['KMS_EMULATOR_ADMIN'] + '/keys') as answer:
        return json.load(answer)


def concurrency(work, collections):
    hosts = ['key-host-%02d' % number for number in range(1, 11)]
    jobs = [PrivateDataDir(work, 'job-%s' % prefix, collections, extravars={'key_prefix': prefix}, hosts=hosts)
            for prefix in ('jobA', 'jobB')]
    slices = [PrivateDataDir(work, 'slice-%d' % number, collections, extravars={'key_prefix': 'slice'}, hosts=hosts)
              for number in (1, 2)]
    for title, directories in (('two jobs with disjoint keys', jobs), ('two jobs with the same keys', slices)):
        results = [None, None]

        def start(index, directory):
            results[index] = directory.run('parallel_keys.yml', 'parallel', forks=10)
        threads = [threading.Thread(target=start, args=(index, directory)) for index, directory in enumerate(directories)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        for index, job in enumerate(results):
            job.check('%s, job %d' % (title, index + 1))
    names = [key['keyName'] for key in emulator_keys()['global']]
    for prefix in ('jobA', 'jobB', 'slice'):
        wanted = ['%s-%02d' % (prefix, number) for number in range(1, 11)]
        if sorted(name for name in names if name.startswith(prefix + '-')) != wanted:
            fail('after the concurrent jobs, the keys of %s are %s' % (prefix, sorted(n for n in names if n.startswith(prefix))))
    return len(names)


def navigator(work, collections):
    directory = PrivateDataDir(work, 'navigator', collections)
    env = dict(job_environment(), **yaml.safe_load(open(os.path.join(directory.path, 'env', 'envvars'))))
    code, output = run([os.path.join(BIN, 'ansible-navigator'), 'run', 'project/key_lifecycle.yml', '--ee', 'false',
                        '--mode', 'stdout', '-i', 'inventory/hosts', '--pae', 'false', '--lf', os.path.join(work, 'navigator.log')],
                       env=env, cwd=directory.path)
    if code or 'PLAY RECAP' not in output or 'failed=0' not in output:
        fail('ansible-navigator run --ee false --mode stdout failed (rc %d):\n%s' % (code, output[-3000:]))


def main():
    work = tempfile.mkdtemp(prefix='ncloud-kms-awx-')
    try:
        collections = install_collection(work)
        marker = 'plaintext-%s' % uuid.uuid4().hex
        directory = PrivateDataDir(work, 'lifecycle', collections,
                                   extravars={'db_password': marker, 'secrets_dir': os.path.join(work, 'secrets')})
        changed = [twice(directory, 'key_lifecycle.yml'), twice(directory, 'secrets_in_vars.yml')]
        with open(os.path.join(work, 'secrets', 'app.conf')) as handle:
            if 'password = %s' % marker not in handle.read():
                fail('the deployed config does not hold the decrypted password')
        found, files = scan(directory, {'secret key': os.environ['NCLOUD_SECRET_KEY'], 'plaintext': marker})
        if sum(found.values()):
            fail('secrets in the job artifacts: %s' % found)
        if os.environ['NCLOUD_SECRET_KEY'] not in open(os.path.join(directory.path, 'env', 'envvars')).read():
            fail('env/envvars does not hold the injected secret key: the injectors were not used')
        required = PrivateDataDir(work, 'required', collections, only_required=True, extravars={'emulator': {
            'global': os.environ['NCLOUD_KMS_ENDPOINT'], 'KR': os.environ['NCLOUD_KMS_ENDPOINT_KR'],
            'JPN': os.environ['NCLOUD_KMS_ENDPOINT_JPN']}})
        envvars = yaml.safe_load(open(os.path.join(required.path, 'env', 'envvars')))
        unset = sorted(name for name, value in envvars.items() if value == '')
        if unset != ['NCLOUD_KMS_ENDPOINT', 'NCLOUD_KMS_ENDPOINT_JPN', 'NCLOUD_KMS_ENDPOINT_KR', 'NCLOUD_KMS_SITE']:
            fail('a credential with only the required inputs rendered these variables empty: %s' % unset)
        changed.append(twice(required, 'required_inputs.yml'))
        navigator(work, collections)
        keys = concurrency(work, collections)
        print('FIGURES awx: runner jobs changed %s on the first runs and 0 on the second (the last with a credential of '
              'only the required inputs); %d artifact files searched: '
              '%d occurrences of the secret key or the plaintext; navigator --ee false passed; 4 concurrent jobs '
              '(forks 10), %d keys, one per name' % (changed, files, sum(found.values()), keys))
    finally:
        if os.environ.get('KEEP_AWX_WORK'):
            print('kept %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
