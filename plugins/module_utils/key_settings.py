# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of one key as a task gives them: their rules, and the writes that bring a key to them.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

``KeySettings`` holds the key options of kms_key, and of each entry of kms_keys' ``config``, so that both modules judge
input and plan writes by one set of rules: ``problem()`` before any request; ``check_existing(key)`` (what cannot change,
a rotation period without rotation) before any write; ``changes(key)``, the writes in order; and for a key that does not
exist ``create_body()``, ``changes_after_create()`` and ``predicted_new_key()``. An option left out (None) is not
compared. Failures raise ``base.ModuleFailure`` with a message that says what to do.
"""

import ipaddress

from ansible_collections.ncloud.kms.plugins.module_utils.base import (
    Change, GeneratorChange, ModuleFailure, status_change,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    KEY_TYPES, MEMO_MAX, PROTECTIONS, ROTATION_PERIOD_RANGE, describe_key, get_acl, iso_utc,
)

DEFAULT_ROTATION_PERIOD = 90   # days, when automatic rotation is turned on without a period (doc)

# option -> (API field, value for a new key): the options that cannot change after creation.
IMMUTABLE = (
    ('key_type', 'keyType', 'AES256'),
    ('protection', 'protectionType', 'BASIC'),
    ('convergent', 'isConvergent', False),
)
NEW_KEY_ACL = {'isAclEnabled': False, 'allowedIpList': []}   # a new key's IP ACL: off, no address (assumed)

# The settings of a key, as an argument spec (kms_key's options, kms_keys' config entries).
SETTING_OPTIONS = dict(
    enabled=dict(type='bool'),
    key_type=dict(type='str', choices=KEY_TYPES),
    protection=dict(type='str', choices=PROTECTIONS),
    convergent=dict(type='bool'),
    auto_rotation=dict(type='bool'),
    rotation_period=dict(type='int'),
    memo=dict(type='str'),
    ip_acl=dict(type='bool'),
    allowed_ips=dict(type='list', elements='str'),
)

# What a new key has, for the settings that can change: what a setting left out goes back to (kms_keys' replaced).
NEW_KEY_SETTINGS = {'enabled': True, 'memo': '', 'auto_rotation': False, 'ip_acl': False, 'allowed_ips': []}


class AclChange(Change):
    """A change of the key's IP ACL. A lost answer is confirmed by reading the ACL; address lists compare as sets."""

    def state_now(self, client, key):
        return get_acl(client, key['keyTag'])

    def holds_on(self, state):
        return all(sorted(state.get(field) or []) == sorted(value) if isinstance(value, list) else state.get(field) == value
                   for field, value in self.sets.items())

    def data_from(self, state):
        return state


def is_ipv4(address):
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return True


def unique(addresses):
    """The addresses in their first order, each once."""
    return [address for index, address in enumerate(addresses) if address not in addresses[:index]]


def deletion_changes(key, destroy_now=False):
    """Schedule a key's deletion (and with ``destroy_now`` destroy it at once); a key pending deletion is only
    destroyed, a key that is not there is no change."""
    changes = []
    if key is not None and key['status'] != 'REVOKE':
        changes.append(Change('request deletion', 'POST', 'request-deletion', sets={'status': 'REVOKE'}))
    if key is not None and destroy_now:
        changes.append(Change('delete now', 'DELETE', None, gone=True))
    return changes


class KeySettings(object):
    """The settings one task (or one kms_keys entry) gives a key. ``options`` maps each option of ``SETTING_OPTIONS``
    (and ``name``, ``purge_allowed_ips``, ``token_generator`` where the task has them) to its value, None when left
    out. ``warn`` takes a warning; ``check_mode`` only words the token generator warning."""

    def __init__(self, options, warn, check_mode=False):
        self.options = options
        self.warn = warn
        self.check_mode = check_mode

    def get(self, option):
        return self.options.get(option)

    # ---- input rules -----------------------------------------------------------------------------

    def problem(self):
        """The first broken input rule, as a message naming the option, or None."""
        if self.get('convergent') and self.get('key_type') not in (None, 'AES256'):
            return 'convergent=true is only allowed with key_type=AES256; got key_type=%s' % self.get('key_type')
        period = self.get('rotation_period')
        if period is not None and not ROTATION_PERIOD_RANGE[0] <= period <= ROTATION_PERIOD_RANGE[1]:
            return 'rotation_period must be between %d and %d days; got %d' % (ROTATION_PERIOD_RANGE + (period,))
        if period is not None and self.get('auto_rotation') is False:
            return ('rotation_period needs auto_rotation=true: the period applies only to automatic rotation, and the '
                    'task sets auto_rotation: false')
        if self.get('memo') is not None and len(self.get('memo')) > MEMO_MAX:
            return 'memo must be at most %d characters; got %d' % (MEMO_MAX, len(self.get('memo')))
        for address in self.get('allowed_ips') or []:
            if not is_ipv4(address):
                return ('allowed_ips must hold IPv4 addresses such as 10.0.1.15 (NCP\'s IP ACL takes no CIDR, IPv6 or '
                        '"*"); got %r' % address)
        return None

    def acl_asked(self):
        return self.get('ip_acl') is not None or self.get('allowed_ips') is not None

    def needs_full_record(self):
        """Whether comparing needs the key's full record (memo and rotation are not in the listing)."""
        return any(self.get(option) is not None for option in ('memo', 'auto_rotation', 'rotation_period'))

    # ---- an existing key: what cannot change, then the writes --------------------------------------

    def check_existing(self, key):
        """Fail before any write when the key cannot take these settings."""
        for option, field, unused in IMMUTABLE:
            wanted = self.get(option)
            if wanted is not None and field in key and key[field] != wanted:
                raise ModuleFailure('%s cannot change after creation: key %s (%s) has %s=%s, the task asks for %s. '
                                    'Create a new key instead.'
                                    % (option, key['keyName'], key['keyTag'], option, key[field], wanted))
        self.check_rotation_period(key)

    def check_rotation_period(self, key):
        """A period alone is valid when the key rotates automatically (or the task turns that on)."""
        if self.get('rotation_period') is None or self.get('auto_rotation') is True or (key and key.get('isAutoRotation')):
            return
        which = ('%s has auto rotation off' % describe_key(key)) if key else 'a new key has auto rotation off'
        raise ModuleFailure('rotation_period needs auto_rotation=true: the period applies only to automatic rotation, '
                            '%s and the task does not turn it on (add auto_rotation: true)' % which)

    def pending_deletion_warning(self, key, cancelled_by):
        """What a task is told when the key it keeps is pending deletion (``cancelled_by``: the task's words)."""
        return ('%s was pending deletion (to be destroyed %s); %s cancels the deletion%s'
                % (describe_key(key), iso_utc(key.get('destroyDate')) or 'in 72 hours', cancelled_by,
                   '' if self.get('enabled') is False else ' and enables it again'))

    def changes(self, key):
        """The writes, in order, that bring ``key`` (an API record, with its ACL and token generator where the task
        gives those options) to these settings."""
        changes = []
        status = key['status']
        enabled = self.get('enabled')
        if status == 'REVOKE':
            changes.append(Change('cancel deletion', 'POST', 'cancel-deletion', sets={'status': 'DISABLE', 'destroyDate': None}))
            status = 'DISABLE'
            enabled = enabled is not False
        name = self.get('name')
        if name is not None and key['keyName'].lower() != name.lower():
            changes.append(Change('rename', 'PUT', 'name', body={'keyName': name}, sets={'keyName': name}))
        if enabled is True and status != 'ENABLE':
            changes.append(status_change('enable', 'ENABLE'))
        changes.extend(self.changes_while(key, 'ENABLE' if enabled is True else status))
        if enabled is False and status == 'ENABLE':
            changes.append(status_change('disable', 'DISABLE'))
        return changes + self.memo_and_rotation_changes(key)

    def memo_and_rotation_changes(self, key):
        changes = []
        memo = self.get('memo')
        if memo is not None and (key.get('memo') or '') != memo:
            changes.append(Change('set memo', 'PUT', 'memo', body={'memo': memo}, sets={'memo': memo}))
        if self.get('auto_rotation') is True and not key.get('isAutoRotation'):
            # A period of 0 (or none) means not set: NCP then rotates every 90 days.
            period = {} if key.get('rotationPeriod') else {'rotationPeriod': DEFAULT_ROTATION_PERIOD}
            changes.append(Change('enable auto rotation', 'POST', 'enable-auto-rotation',
                                  sets=dict(period, isAutoRotation=True)))
        if self.get('auto_rotation') is False and key.get('isAutoRotation'):
            changes.append(Change('disable auto rotation', 'POST', 'disable-auto-rotation',
                                  sets={'isAutoRotation': False, 'nextRotationDate': None}))
        period = self.get('rotation_period')
        if period is not None and key.get('rotationPeriod') != period:
            changes.append(Change('set rotation period', 'PUT', 'rotation-period',
                                  body={'rotationPeriod': period}, sets={'rotationPeriod': period}))
        return changes

    def changes_while(self, key, status):
        """The IP ACL and token generator changes, made while the key is ``status`` (before a disable of the same
        task, after an enable): NCP changes them on an enabled key only, so any other status fails before any write."""
        changes = self.acl_changes(key) + self.generator_changes(key)
        if changes and status != 'ENABLE':
            raise ModuleFailure('%s is %s, and NCP changes the IP ACL and the token generator of an enabled key only: '
                                'give enabled: true in the same task (they are then set after the key is enabled)'
                                % (describe_key(key), status))
        return changes

    def generator_changes(self, key):
        wanted = self.get('token_generator')
        if wanted is None or wanted == key['hasTokenGenerator']:
            return []
        if wanted:
            return [GeneratorChange('create token generator', 'POST', True)]
        self.warn('token_generator: false discards the token generator of %s: every token it issued stops working, '
                  'irreversibly%s' % (describe_key(key), ' (check mode: it would)' if self.check_mode else ''))
        return [GeneratorChange('discard token generator', 'DELETE', False)]

    def acl_changes(self, key):
        """Addresses added (one call), removed (one call), then the ACL turned on; or turned off first. Adding before
        removing never leaves the list emptier on the way than at the end."""
        if not self.acl_asked():
            return []
        given_list = self.get('allowed_ips')
        current = key['allowedIpList']
        given = unique(given_list or [])
        purge = self.get('purge_allowed_ips') is not False
        wanted = current if given_list is None else given if purge else unique(current + given)
        added = [address for address in wanted if address not in current]
        kept = [address for address in current + added if address in wanted]
        removed = [address for address in current if address not in wanted]
        turn_on = self.get('ip_acl') is True and not key['isAclEnabled']
        if turn_on and not wanted and given_list != []:
            raise ModuleFailure('ip_acl: true with no address listed applies NCP\'s "All Deny": no address could call '
                                'the key\'s token-auth APIs. List the addresses in allowed_ips, or give allowed_ips: [] '
                                'to deny all on purpose')
        changes = []
        if self.get('ip_acl') is False and key['isAclEnabled']:
            changes.append(AclChange('disable IP ACL', 'POST', 'acl/disable', sets={'isAclEnabled': False}))
        if added:
            changes.append(AclChange('allow %s' % ', '.join(added), 'POST', 'acl', body={'ipList': added},
                                     sets={'allowedIpList': current + added}))
        if removed:
            changes.append(AclChange('disallow %s' % ', '.join(removed), 'DELETE', 'acl', body={'ipList': removed},
                                     sets={'allowedIpList': kept}))
        if turn_on:
            changes.append(AclChange('enable IP ACL', 'POST', 'acl/enable', sets={'isAclEnabled': True}))
        return changes

    # ---- a new key -------------------------------------------------------------------------------

    def create_body(self):
        body = {'keyName': self.get('name'), 'isAutoRotation': bool(self.get('auto_rotation'))}
        for option, field, default in IMMUTABLE:
            body[field] = default if self.get(option) is None else self.get(option)
        if self.get('rotation_period') is not None:
            body['rotationPeriod'] = self.get('rotation_period')
        if self.get('memo') is not None:
            body['memo'] = self.get('memo')
        return body

    def changes_after_create(self):
        """The writes after the create (ACL, token generator, then a disable), decided before the create."""
        self.check_rotation_period(None)
        new_settings = dict(NEW_KEY_ACL, hasTokenGenerator=False)
        later = self.acl_changes(new_settings) + self.generator_changes(new_settings)
        if self.get('enabled') is False:
            later.append(status_change('disable', 'DISABLE'))
        return later

    def with_new_key_settings(self, key):
        """A just-created key with the ACL and token generator a new key has, where the task gives those options."""
        if self.acl_asked():
            key = dict(key, **NEW_KEY_ACL)
        if self.get('token_generator') is not None:
            key = dict(key, hasTokenGenerator=False)
        return key

    @staticmethod
    def predicted_new_key(body):
        """A new key as check mode reports it: the fields a create answer carries, unknowable ones null."""
        key = dict.fromkeys(('keyTag', 'keyId', 'nextRotationDate', 'keystoreId', 'registerDate'))
        key.update(body)
        key.setdefault('memo', '')
        key.setdefault('rotationPeriod', DEFAULT_ROTATION_PERIOD)
        key['status'] = 'ENABLE'
        return key
