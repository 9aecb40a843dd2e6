# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the emulator: ``python -m kms_emulator --port 0`` (from tests/emulator).

Prints one JSON line with the base URL of each boundary once the listeners are up, then
serves until interrupted (SIGINT/SIGTERM) or until ``--parent-pid`` is gone.
"""

import argparse
import errno
import json
import os
import signal
import sys
import time

from .server import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Emulator
from .rules import VARIANTS


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='kms_emulator', description='Local NCP KMS API 2.0 emulator')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0,
                        help='port of the global boundary; KR and JPN use the next two. 0 picks free ports')
    parser.add_argument('--state', help='JSON file that keeps the keys between runs')
    parser.add_argument('--access-key', default=os.environ.get('NCLOUD_ACCESS_KEY', DEFAULT_ACCESS_KEY))
    parser.add_argument('--secret-key-file', help='file holding the secret key to accept '
                        '(default: $NCLOUD_SECRET_KEY, else the built-in test secret)')
    parser.add_argument('--seed-keys', type=int, default=0, help='create this many keys in the global boundary')
    parser.add_argument('--tls-cert', help='serve HTTPS with this certificate (PEM)')
    parser.add_argument('--tls-key', help='private key of --tls-cert (PEM)')
    parser.add_argument('--env-file', help='write export lines for the endpoint variables to this file')
    parser.add_argument('--variant', action='append', default=[], choices=VARIANTS,
                        help='answer where NCP\'s reference contradicts itself the other way (repeatable): '
                        'list-table, notfound-400, delete-no-data, rename-new-tag, gateway-errors')
    parser.add_argument('--parent-pid', type=int, help='stop when this process is gone')
    parser.add_argument('--banner', help='a text file printed once the listeners are up (make emulator)')
    return parser.parse_args(argv)


def secret_key(args):
    if args.secret_key_file:
        with open(args.secret_key_file) as handle:
            return handle.read().strip()
    return os.environ.get('NCLOUD_SECRET_KEY', DEFAULT_SECRET_KEY)


def write_env_file(path, urls):
    with open(path, 'w') as handle:
        handle.write('export NCLOUD_KMS_ENDPOINT=%s\n' % urls['global'])
        handle.write('export NCLOUD_KMS_ENDPOINT_KR=%s\n' % urls['KR'])
        handle.write('export NCLOUD_KMS_ENDPOINT_JPN=%s\n' % urls['JPN'])


def parent_alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def missing_requirement():
    """What this Python lacks to run the emulator (its signing keys need cryptography), or None."""
    try:
        import cryptography  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        return ('kms_emulator: this Python (%s) has no cryptography package, which the emulator\'s signing keys need. '
                'Start it from the project\'s environment (make emulator does), or install ansible-core or '
                'cryptography into this Python.\n' % sys.executable)
    return None


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if missing_requirement():
        sys.stderr.write(missing_requirement())
        return 2
    emulator = Emulator(access_key=args.access_key, secret_key=secret_key(args), state_file=args.state,
                        variants=args.variant)
    try:
        urls = emulator.start(args.host, args.port, args.tls_cert, args.tls_key)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        emulator.stop()
        sys.stderr.write('kms_emulator: a port of %d to %d on %s is in use (another emulator, or another program, '
                         'listens there). Stop it, or choose other ports: --port N uses N, N+1 and N+2 '
                         '(make emulator: KMS_EMULATOR_PORT=N make emulator).\n' % (args.port, args.port + 2, args.host))
        return 1
    if args.seed_keys:
        emulator.store.seed('global', args.seed_keys)
    if args.env_file:
        write_env_file(args.env_file, urls)
    if args.banner:
        with open(args.banner) as handle:
            print(handle.read(), flush=True)
    print(json.dumps({'urls': urls, 'admin': urls['global'] + '/_emulator/', 'pid': os.getpid(),
                      'variants': sorted(emulator.variants)}), flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *unused: stopping.append(True))
    try:
        while not stopping and (args.parent_pid is None or parent_alive(args.parent_pid)):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    emulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
