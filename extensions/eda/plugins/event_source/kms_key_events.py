# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ncloud.kms.kms_key_events: an Event-Driven Ansible source that polls the NCP KMS keys of a scope and puts one event
on the queue per change (created, enabled, disabled, renamed, deletion_scheduled, deletion_cancelled, destroyed,
rotated, migrated, rotation_due; error when NCP fails, the source backing off instead of dying).

Arguments (all optional):
  delay               seconds between polls (default 60; doubled after each failed poll, up to 10 minutes)
  scope               regions (global, KR, JPN; default every boundary of the site) and names (shell-style patterns)
  state_file          the checkpoint: after a restart, what changed while the source was down is reported once, and
                      no change is reported twice. Without it, the first poll is a baseline that raises no events.
  report_existing     true: the first poll without a checkpoint raises "created" for every key of the scope
  rotation_due_days   raise rotation_due once per version when the current version is older than this
  reads_per_poll      keys re-read per poll besides those the listing shows changed (default 10): a rotation made
                      through the API is seen within keys / reads_per_poll polls
  access_key, secret_key, config_file, profile, server_role, site, endpoint, endpoint_kr, endpoint_jpn, timeout,
  retries, validate_certs, ca_path: as the modules take them, with the same environment variables and credential chain

Example:
  sources:
    - ncloud.kms.kms_key_events:
        delay: 60
        scope: {regions: [global, KR], names: ['app-*']}
        state_file: /var/lib/eda/ncloud-kms-keys.json
        rotation_due_days: 90
"""

import asyncio
import os
import sys

MAX_BACKOFF = 600.0
ARGUMENTS = ('delay', 'scope', 'state_file', 'report_existing', 'rotation_due_days', 'reads_per_poll')


def import_collection():
    """Make ``ansible_collections.ncloud.kms`` importable: ansible-rulebook runs this file by path."""
    root = os.path.abspath(__file__)
    for unused in range(8):   # <root>/ansible_collections/ncloud/kms/extensions/eda/plugins/event_source/<file>
        root = os.path.dirname(root)
    if os.path.isdir(os.path.join(root, 'ansible_collections')) and root not in sys.path:
        sys.path.insert(0, root)


import_collection()

# pylint: disable=wrong-import-position
from ansible_collections.ncloud.kms.plugins.module_utils.client import CryptoError, KmsApiError  # noqa: E402
from ansible_collections.ncloud.kms.plugins.module_utils.connection import CONNECTION_OPTIONS  # noqa: E402
from ansible_collections.ncloud.kms.plugins.module_utils.connection import environment_value  # noqa: E402
from ansible_collections.ncloud.kms.plugins.module_utils.selector import (  # noqa: E402
    REGION_CHOICES, KeyConflict, option_region, pattern_problem,
)
from ansible_collections.ncloud.kms.plugins.plugin_utils.controller import open_connection  # noqa: E402
from ansible_collections.ncloud.kms.plugins.plugin_utils.key_events import KeyWatcher  # noqa: E402


class SourceError(Exception):
    """A problem of the source's arguments or connection: the message names the argument and the rule."""


def refuse(message):
    raise SourceError('ncloud.kms.kms_key_events: %s' % message)


def option_of(args):
    """``get_option`` over the source's arguments: an argument, else its environment variable, else the default."""
    def get(name):
        facts = CONNECTION_OPTIONS[name]
        value = args.get(name)
        if value is None or value == '':
            value = environment_value(facts.get('env', ()))[0]
            if value is None:
                value = facts.get('default')
        if facts['type'] == 'bool' and isinstance(value, str):
            value = value.lower() in ('1', 'true', 'yes', 'on')
        if facts['type'] == 'int' and isinstance(value, str):
            value = int(value)
        return False if name == 'key_cache' else value
    return get


def number(args, name, default, low, integer=False):
    value = args.get(name, default)
    if value is None:
        return None
    try:
        value = int(value) if integer else float(value)
    except (TypeError, ValueError):
        refuse('%s must be a number; got %r' % (name, value))
    if value < low:
        refuse('%s must be at least %s; got %s' % (name, low, value))
    return value


def scope_of(args):
    scope = args.get('scope') or {}
    if not isinstance(scope, dict) or set(scope) - {'regions', 'names'}:
        refuse('scope takes regions and names; got %r' % (scope,))
    for region in scope.get('regions') or []:
        if region not in REGION_CHOICES:
            refuse('scope.regions may hold %s; got %r' % (', '.join(REGION_CHOICES), region))
    for pattern in scope.get('names') or []:
        if pattern_problem(pattern):
            refuse(pattern_problem(pattern))
    return scope


def make_watcher(args):
    """The watcher of the arguments, every rule checked before any request."""
    unknown = set(args) - set(ARGUMENTS) - set(CONNECTION_OPTIONS)
    if unknown:
        refuse('unknown arguments %s (it takes %s and the connection options)'
               % (', '.join(sorted(unknown)), ', '.join(ARGUMENTS)))
    scope = scope_of(args)
    regions = [option_region(region) for region in scope.get('regions') or []]
    connection = open_connection(option_of(args), refuse, given=args, regions=regions or [None])
    regions = regions or [None] + connection.other_regions()
    return KeyWatcher(connection, regions, scope.get('names'), state_file=args.get('state_file'),
                      rotation_due_days=number(args, 'rotation_due_days', None, 1, integer=True),
                      report_existing=bool(args.get('report_existing')),
                      reads_per_poll=number(args, 'reads_per_poll', 10, 0, integer=True))


def error_event(exc, failures):
    event = {'type': 'error', 'message': str(exc), 'failures': failures}
    if isinstance(exc, KmsApiError):
        event['error'] = exc.to_dict()
    return event


async def main(queue, args):
    """Poll every ``delay`` seconds; put each event on ``queue``; checkpoint once they are queued."""
    delay = number(args, 'delay', 60, 0.1)
    watcher = make_watcher(args)
    loop = asyncio.get_running_loop()
    failures = 0
    while True:
        try:
            events = await loop.run_in_executor(None, watcher.poll)
        except (KmsApiError, CryptoError, KeyConflict, SourceError) as exc:
            failures += 1
            await queue.put(error_event(exc, failures))
            await asyncio.sleep(min(delay * 2 ** failures, max(delay, MAX_BACKOFF)))
            continue
        failures = 0
        for event in events:
            await queue.put(event)
        watcher.commit()
        await asyncio.sleep(delay)


if __name__ == '__main__':
    class PrintQueue(object):
        """Print the events: a manual run against the environment's credentials and endpoints."""

        async def put(self, event):
            print(event)

    asyncio.run(main(PrintQueue(), {'delay': 10}))
