#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: kms_keys
short_description: Manage many NAVER Cloud Platform KMS keys in one task, as a resource module
version_added: 1.1.0
description:
  - Manages a list of keys (O(config)) in one task, in the way of Ansible's resource modules (O(state) V(merged),
    V(replaced), V(overridden), V(deleted) or V(gathered); results RV(before), RV(after) and RV(changes)).
  - Each entry of O(config) takes the key options of M(ncloud.kms.kms_key), with the same names and rules. Keys are
    found as kms_key finds them, through the collection's one key selector - names regardless of case, an entry
    without O(config[].region) follows its key (global first, else the one isolation boundary that has it; a new key
    goes to the global boundary).
  - V(gathered) reads the keys inside O(scope) and returns them as RV(gathered), a list in exactly the shape O(config)
    takes; fed back as O(config) it gives C(changed=false) with V(merged), V(replaced), and V(overridden) over the same
    O(scope). That is how an existing keystore, made in the console, is adopted.
  - One module run for the whole list. Each boundary is listed once, all of them at the same time; a key's full record
    is read only when an entry gives O(config[].memo), O(config[].auto_rotation) or O(config[].rotation_period) (or
    with V(replaced) and V(overridden), which compare them always), its IP ACL only when an entry gives
    O(config[].ip_acl) or O(config[].allowed_ips) (or with V(replaced) and V(overridden)). A key that needs no change
    costs no call beyond these reads. Reads and writes of different keys run at the same time, 8 at most.
  - Every input rule, and every setting that cannot change on an existing key, is checked for every entry before any
    write; a failure names the entry by its index and name.
  - A write that fails stops the writes of that key only. The task fails after the other keys are done; RV(changes)
    lists every write that took effect and RV(failed_keys) the keys that failed, with NCP's message. Running the task
    again completes the rest.
  - A listed key that is pending deletion has its deletion cancelled (and is enabled again unless the entry says
    O(config[].enabled=false)), with a warning, as kms_key does.
author:
  - ncloud.kms developers (@ncloud-kms)
options:
  config:
    description:
      - The keys. Required with every O(state) but V(gathered), which takes none.
      - Two entries for one key (names equal regardless of case, in one boundary; an entry without region may mean
        a key of any boundary) fail before any request.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The key's name (3 to 15 letters, digits, C(-) or C(_), starting with a letter); equal names regardless
            of case are one key.
        type: str
        required: true
      region:
        description:
          - Where the key lives, V(global), V(KR) or V(JPN), as M(ncloud.kms.kms_key)'s O(ncloud.kms.kms_key#module:region).
            Unset follows the key.
        type: str
        choices: [global, KR, JPN]
      enabled:
        description:
          - V(true) enables the key, V(false) disables it. Left out, not compared (V(replaced) - V(true)).
        type: bool
      key_type:
        description:
          - V(AES256), V(RSA2048) or V(ECDSA). Cannot change on an existing key; compared only when given.
        type: str
        choices: [AES256, RSA2048, ECDSA]
      protection:
        description:
          - V(BASIC) or V(COMMON_HSM). Cannot change on an existing key; compared only when given.
        type: str
        choices: [BASIC, COMMON_HSM]
      convergent:
        description:
          - Deterministic encryption (AES256 only). Cannot change on an existing key; compared only when given.
        type: bool
      auto_rotation:
        description:
          - Automatic rotation on or off. Left out, not compared (V(replaced) - V(false)).
        type: bool
      rotation_period:
        description:
          - Days between automatic rotations, 1 to 730; needs automatic rotation on.
        type: int
      memo:
        description:
          - The key's memo, at most 100 characters. Left out, not compared (V(replaced) - empty).
        type: str
      ip_acl:
        description:
          - The IP ACL on or off (NCP changes it on an enabled key only). Left out, not compared (V(replaced) - off).
        type: bool
      allowed_ips:
        description:
          - Exactly the IPv4 addresses the IP ACL allows. Left out, not compared (V(replaced) - none).
        type: list
        elements: str
  state:
    description:
      - V(merged) creates the listed keys that do not exist and applies the settings each entry gives; settings an
        entry leaves out are not compared; keys not listed are left alone.
      - V(replaced) is V(merged), and the settings an entry leaves out that can change go back to what a new key
        has (O(config[].memo) empty, O(config[].auto_rotation=false), O(config[].enabled=true), the IP ACL off with
        no address). O(config[].key_type), O(config[].protection) and O(config[].convergent) are compared only when
        given.
      - V(overridden) is V(replaced), and every key inside O(scope) that O(config) does not list is disabled, or with
        O(unlisted=delete) scheduled for deletion (72 hours, cancellable); an unlisted key pending deletion is no
        change. Keys outside O(scope) are never touched. It needs an explicit O(scope).
      - V(deleted) schedules the listed keys for deletion; a key already pending deletion or gone is no change. Its
        entries take O(config[].name) and O(config[].region) only.
      - V(gathered) changes nothing and returns the keys inside O(scope) as RV(gathered). Keys pending deletion are
        left out and named in a warning.
    type: str
    default: merged
    choices: [merged, replaced, overridden, deleted, gathered]
  scope:
    description:
      - The keys V(overridden) and V(gathered) look at. Keys outside it are never touched.
    type: dict
    suboptions:
      regions:
        description:
          - The boundaries, V(global), V(KR), V(JPN). Default every boundary of the site.
        type: list
        elements: str
        choices: [global, KR, JPN]
      names:
        description:
          - Shell-style patterns of key names (C(app-*), C(db-?), C([ab]*)), matched regardless of case. Default
            every name.
        type: list
        elements: str
  unlisted:
    description:
      - With V(overridden), what happens to a key inside O(scope) that O(config) does not list - V(disable) it, or
        V(delete) it (schedule its deletion). Only with V(overridden).
    type: str
    choices: [disable, delete]
    default: disable
extends_documentation_fragment:
  - ncloud.kms.auth
  - ncloud.kms.auth.modules
attributes:
  check_mode:
    support: full
    description: Makes no write and returns the same RV(changes) the real run would make, and RV(after) as it would be.
  diff_mode:
    support: full
    description: Shows each key before and after, by boundary and name.
notes:
  - Ansible's resource-module convention (network collections' C(config) and C(state)) applied to KMS keys.
  - The IP ACL and token generator options of kms_key that are not here (C(purge_allowed_ips),
    C(token_generator)) stay with M(ncloud.kms.kms_key); O(config[].allowed_ips) is always the whole list.
'''

EXAMPLES = r'''
- name: Gather every key into a list that config takes (adopt a keystore made in the console)
  ncloud.kms.kms_keys:
    state: gathered
  register: keystore

- name: Write the list into a vars file to commit
  ansible.builtin.copy:
    content: "{{ {'kms_keystore': keystore.gathered} | to_nice_yaml }}"
    dest: group_vars/all/kms_keystore.yml
    mode: '0644'

- name: Make sure these keys exist with these settings; settings left out are not compared
  ncloud.kms.kms_keys:
    config:
      - name: app-data
        auto_rotation: true
        rotation_period: 30
        memo: Encrypts application data
      - name: release-sign
        key_type: ECDSA
        protection: COMMON_HSM
        enabled: false
      - name: lookup-idx
        convergent: true
      - name: kr-payments
        region: KR
        ip_acl: true
        allowed_ips: [10.0.1.15, 10.0.1.16]

- name: The app-* keys of the global boundary are exactly these; any other app-* key is scheduled for deletion
  ncloud.kms.kms_keys:
    state: overridden
    scope:
      regions: [global]
      names: ['app-*']
    unlisted: delete
    config:
      - name: app-data
      - name: app-logs
        memo: Encrypts log archives

- name: Reset the listed keys' mutable settings to what the list gives (others to a new key's)
  ncloud.kms.kms_keys:
    state: replaced
    config: "{{ kms_keystore }}"

- name: Schedule the deletion of two retired keys (72 hours, cancellable)
  ncloud.kms.kms_keys:
    state: deleted
    config:
      - name: old-billing
      - name: old-reports
        region: JPN
'''

RETURN = r'''
gathered:
  description:
    - With V(gathered), the keys inside O(scope) in the shape O(config) takes (every setting, O(config[].region)
      included; O(config[].rotation_period) only when automatic rotation is on), by boundary then name.
  returned: when state is gathered
  type: list
  elements: dict
  sample:
    - {name: app-data, region: global, enabled: true, key_type: AES256, protection: BASIC, convergent: false,
       auto_rotation: true, rotation_period: 30, memo: Encrypts application data, ip_acl: false, allowed_ips: []}
before:
  description:
    - The keys the task looked at, before the run, in the O(config) shape with each key's C(key_tag) and C(status);
      the settings not read (see the description) are left out.
  returned: unless state is gathered
  type: list
  elements: dict
  sample:
    - {name: app-data, region: global, key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4,
       status: ENABLE, enabled: true, key_type: AES256, protection: BASIC, convergent: false}
after:
  description:
    - The same keys after the run (in check mode, as they would be; a key check mode would create has a null
      C(key_tag)), and the keys the run created.
  returned: unless state is gathered
  type: list
  elements: dict
  sample:
    - {name: app-data, region: global, key_tag: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4,
       status: DISABLE, enabled: false, key_type: AES256, protection: BASIC, convergent: false}
changes:
  description: One item per write made (or that check mode would make), in order per key.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The key's name.
      type: str
      sample: app-data
    region:
      description: Its boundary, C(global), C(KR) or C(JPN).
      type: str
      sample: global
    key_tag:
      description: Its tag before the write (null for a key check mode would create).
      type: str
      sample: 3b4c4f4e2b1f43e0a3e4d9b1c2f0a7d6b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4
    action:
      description: What was done, as M(ncloud.kms.kms_key) names its actions (C(create key), C(disable), C(set memo), ...).
      type: str
      sample: disable
failed_keys:
  description: When writes failed, each key whose writes stopped, with NCP's message.
  returned: on failure after writes began
  type: list
  elements: dict
  sample:
    - {name: app-logs, region: global, msg: 'POST /kms/v1/keys/.../disable failed: HTTP 503 ...'}
actions:
  description: The writes as text, C(<boundary>/<name> - <action>).
  returned: always
  type: list
  elements: str
  sample: ['global/app-data - disable']
'''

from ansible_collections.ncloud.kms.plugins.module_utils.base import (
    CreateKey, KmsModule, ModuleFailure, like_for_like, status_change,
)
from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import BOUNDARIES, GLOBAL, boundary_name
from ansible_collections.ncloud.kms.plugins.module_utils.key_settings import (
    IMMUTABLE, NEW_KEY_SETTINGS, SETTING_OPTIONS, KeySettings, deletion_changes,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import at_once, get_acl, get_key
from ansible_collections.ncloud.kms.plugins.module_utils.selector import (
    REGION_CHOICES, KeyConflict, Listings, name_problem, option_region, pattern_problem,
)

CONFIG_OPTIONS = dict(name=dict(type='str', required=True), region=dict(type='str', choices=REGION_CHOICES),
                      **SETTING_OPTIONS)
WRITING_STATES = ('merged', 'replaced', 'overridden', 'deleted')
COMPARES_ALL = ('replaced', 'overridden')   # the states that compare every mutable setting


class Entry(KeySettings):
    """A config entry: the settings it gives, and how messages name it (``config[INDEX] (NAME)``)."""

    def __init__(self, label, options, warn, check_mode):
        super(Entry, self).__init__(options, warn, check_mode)
        self.label = label


class Plan(object):
    """One key of the run: the entry that names it (None for an unlisted key of overridden), where it is, the key as
    found (None: to create), the writes, and what happened."""

    def __init__(self, entry, name, region, key=None):
        self.entry, self.name, self.region, self.key = entry, name, region, key
        self.changes, self.create_body = [], None
        self.done, self.after, self.error = [], key, None

    def label(self):
        return '%s/%s' % (boundary_name(self.region), self.name)


class KmsKeys(KmsModule):
    empty_result = {'changes': []}

    argument_spec = dict(
        config=dict(type='list', elements='dict', options=CONFIG_OPTIONS),
        state=dict(type='str', default='merged', choices=['merged', 'replaced', 'overridden', 'deleted', 'gathered']),
        scope=dict(type='dict', options=dict(regions=dict(type='list', elements='str', choices=REGION_CHOICES),
                                             names=dict(type='list', elements='str'))),
        unlisted=dict(type='str', default='disable', choices=['disable', 'delete']),
    )

    # ---- options -------------------------------------------------------------------------------

    def validate(self):
        p = self.params
        if p['state'] in WRITING_STATES and p['config'] is None:
            self.fail('config is required with state=%s: the keys to manage (config: [] lists none)' % p['state'])
        if p['state'] == 'gathered' and p['config'] is not None:
            self.fail('config goes with merged, replaced, overridden and deleted; gathered reads the keys of scope')
        if p['state'] == 'overridden' and p['scope'] is None:
            self.fail('state=overridden needs an explicit scope (regions and names): it disables or deletes every key '
                      'inside scope that config does not list, so it never assumes the whole account')
        if p['state'] != 'overridden' and 'unlisted' not in self.omitted:
            self.fail('unlisted goes with state=overridden (what happens to the keys of scope that config does not '
                      'list); state is %s' % p['state'])
        for pattern in self.scope_option('names') or []:
            problem = pattern_problem(pattern)
            if problem:
                self.fail(problem)
        self.entries = [self.entry(index, options) for index, options in enumerate(p['config'] or [])]
        self.check_duplicates()

    def scope_option(self, name):
        return (self.params['scope'] or {}).get(name)

    def entry(self, index, options):
        """A config entry's settings, with its rules checked; with replaced and overridden, the mutable settings it
        leaves out are a new key's."""
        label = 'config[%d] (%s)' % (index, options['name'])
        problem = name_problem(options['name'])
        if self.params['state'] == 'deleted':
            given = sorted(option for option in SETTING_OPTIONS if options.get(option) is not None)
            if given:
                problem = 'state=deleted takes name and region only; the entry gives %s' % ', '.join(given)
        if self.params['state'] in COMPARES_ALL:
            options = dict(options, **dict((option, value) for option, value in NEW_KEY_SETTINGS.items()
                                           if options.get(option) is None))
        entry = Entry(label, options, lambda message: self.module.warn('%s: %s' % (label, message)), self.check_mode)
        problem = problem or entry.problem()
        if problem:
            self.fail('%s: %s' % (label, problem))
        return entry

    def check_duplicates(self):
        seen = []
        for entry in self.entries:
            name, region = entry.get('name').lower(), entry.get('region')
            for other in seen:
                if other.get('name').lower() == name and (region is None or other.get('region') in (None, region)):
                    self.fail('%s and %s name one key (names are equal regardless of case in one boundary, and an '
                              'entry without region may mean a key of any boundary): give it one entry'
                              % (other.label, entry.label))
            seen.append(entry)

    def site_regions(self):
        return [GLOBAL] + self.connection.other_regions()

    def scope_regions(self):
        given = self.scope_option('regions')
        return self.site_regions() if given is None else list(dict.fromkeys(option_region(r) for r in given))

    def regions(self):
        """Every boundary the run lists: the scope's (overridden, gathered), an entry's region, and with an entry
        that follows its key every boundary of the site. Checked against the site before any request."""
        wanted = set()
        if self.params['state'] in ('overridden', 'gathered'):
            wanted.update(self.scope_regions())
        for options in self.params['config'] or []:
            if options.get('region') is None:
                wanted.update(self.site_regions())
            else:
                wanted.add(option_region(options['region']))
        return [region for region in BOUNDARIES if region in wanted]

    # ---- find ----------------------------------------------------------------------------------

    def find(self):
        """Every boundary listed once (at the same time); each entry's key by the one region rule; the reads each
        comparison needs (full record, IP ACL), at the same time."""
        listings = Listings(self.connection, self.regions())
        plans = []
        for entry in self.entries:
            try:
                key, region = listings.locate(entry.get('name'), entry.get('region'), self.module.warn)
            except KeyConflict as exc:
                raise ModuleFailure('%s: %s' % (entry.label, exc))
            plans.append(Plan(entry, key['keyName'] if key else entry.get('name'), region, key))
        if self.params['state'] in ('overridden', 'gathered'):
            listed = set(plan.key['keyTag'] for plan in plans if plan.key)
            plans += [Plan(None, key['keyName'], region, key)
                      for key, region in listings.in_scope(self.scope_regions(), self.scope_option('names'))
                      if key['keyTag'] not in listed]
        self.read_settings(plans)
        return plans

    def read_settings(self, plans):
        """The full record and IP ACL of the keys whose comparison needs them (gathered: every key it returns)."""
        gathered = self.params['state'] == 'gathered'

        def read(plan):
            key, wants = plan.key, plan.entry
            if gathered or wants is not None and wants.needs_full_record():
                key = get_key(self.client(plan.region), key['keyTag']) or key
            if gathered or wants is not None and wants.acl_asked():
                key = dict(key, **get_acl(self.client(plan.region), key['keyTag']))
            return key
        existing = [plan for plan in plans if plan.key is not None and (not gathered or plan.key['status'] != 'REVOKE')]
        for plan, key in zip(existing, at_once(read, existing)):
            plan.key = plan.after = key

    # ---- compare -------------------------------------------------------------------------------

    def plan_writes(self, plans):
        """Each key's writes, every rule checked for every key before any write."""
        state = self.params['state']
        for plan in plans:
            try:
                if plan.entry is None:
                    plan.changes = self.unlisted_changes(plan.key)
                elif state == 'deleted':
                    plan.changes = deletion_changes(plan.key)
                elif plan.key is None:
                    plan.create_body = plan.entry.create_body()
                    plan.changes = plan.entry.changes_after_create()
                else:
                    plan.entry.check_existing(plan.key)
                    if plan.key['status'] == 'REVOKE':
                        self.module.warn(plan.entry.pending_deletion_warning(plan.key, 'state=%s' % state))
                    plan.changes = plan.entry.changes(plan.key)
            except ModuleFailure as exc:
                raise ModuleFailure('%s: %s' % (plan.entry.label if plan.entry else plan.label(), exc))

    def unlisted_changes(self, key):
        """overridden: a key of scope that config does not list is disabled, or scheduled for deletion."""
        if self.params['unlisted'] == 'delete':
            return deletion_changes(key)
        return [status_change('disable', 'DISABLE')] if key['status'] == 'ENABLE' else []

    # ---- act -----------------------------------------------------------------------------------

    def act(self, plans):
        """Each key's writes in order, different keys at the same time; a failure stops that key's writes only."""
        def write(plan):
            client = self.client(plan.region)
            key = plan.key
            if plan.create_body is not None:
                body = plan.create_body
                key = self.send(client, CreateKey(body), done=plan.done.append) or plan.entry.predicted_new_key(body)
                key = plan.entry.with_new_key_settings(key)
            plan.after = self.apply(client, key, plan.changes, done=plan.done.append) if plan.changes else key
        busy = [plan for plan in plans if plan.create_body is not None or plan.changes]
        for plan, error in zip(busy, at_once(write, busy, keep_errors=True)):
            plan.error = error
        for plan in plans:
            for description in plan.done:
                self.count_change('%s - %s' % (plan.label(), description))

    # ---- result --------------------------------------------------------------------------------

    def run(self):
        plans = self.find()
        if self.params['state'] == 'gathered':
            return self.gathered(plans), None, None
        self.plan_writes(plans)
        self.act(plans)
        shown = [plan for plan in plans if plan.key is not None or plan.done]
        result = {'changes': [change for plan in plans for change in changes_of(plan)],
                  'before': [entry_record(plan.key, plan.region) for plan in shown if plan.key is not None],
                  'after': [entry_record(plan.after, plan.region) for plan in shown if plan.after is not None]}
        failed = [plan for plan in plans if plan.error is not None]
        if failed:
            self.fail('%d of %d keys failed; the writes that took effect are in changes, and running the task again '
                      'completes the rest: %s' % (len(failed), len(plans), '; '.join(
                          '%s: %s' % (plan.label(), plan.error) for plan in failed)),
                      failed_keys=[failed_key(plan) for plan in failed], **result)
        return result, {'keys': diff_side(shown, 'before')}, {'keys': diff_side(shown, 'after')}

    def gathered(self, plans):
        pending = sorted(plan.label() for plan in plans if plan.key['status'] == 'REVOKE')
        if pending:
            self.module.warn('gathered leaves out the keys pending deletion: %s' % ', '.join(pending))
        order = dict((region, index) for index, region in enumerate(BOUNDARIES))
        keep = sorted((plan for plan in plans if plan.key['status'] != 'REVOKE'),
                      key=lambda plan: (order[plan.region], plan.key['keyName'].lower()))
        return {'gathered': [config_entry(plan.key, plan.region) for plan in keep], 'changes': []}


def config_entry(key, region):
    """A key in the shape config takes (every setting that was read), as gathered returns it."""
    entry = {'name': key['keyName'], 'region': boundary_name(region), 'enabled': key['status'] == 'ENABLE'}
    for option, field, unused in IMMUTABLE:
        if field in key:
            entry[option] = key[field]
    if 'isAutoRotation' in key:
        entry['auto_rotation'] = bool(key['isAutoRotation'])
        if key['isAutoRotation'] and key.get('rotationPeriod'):
            entry['rotation_period'] = key['rotationPeriod']
    if 'memo' in key or 'currentVersion' in key:
        entry['memo'] = key.get('memo') or ''
    if 'isAclEnabled' in key:
        entry['ip_acl'] = bool(key['isAclEnabled'])
        entry['allowed_ips'] = sorted(key.get('allowedIpList') or [])
    return entry


def entry_record(key, region):
    """before and after: the config shape with the key's tag and status."""
    return dict(config_entry(key, region), key_tag=key.get('keyTag'), status=key.get('status'))


def changes_of(plan):
    tag = plan.key.get('keyTag') if plan.key else None
    return [{'name': plan.name, 'region': boundary_name(plan.region), 'key_tag': tag, 'action': description}
            for description in plan.done]


def diff_side(plans, side):
    """One side of the diff: each key by boundary and name; a key on both sides shows the fields both carry."""
    records = {}
    for plan in plans:
        before = entry_record(plan.key, plan.region) if plan.key is not None else {}
        after = entry_record(plan.after, plan.region) if plan.after is not None else {}
        record = like_for_like(before, after)[side]
        if record:
            records[plan.label()] = record
    return records


def failed_key(plan):
    failure = {'name': plan.name, 'region': boundary_name(plan.region), 'msg': str(plan.error)}
    if isinstance(plan.error, KmsApiError):
        failure['error'] = plan.error.to_dict()
    return failure


def main():
    KmsKeys.main()


if __name__ == '__main__':
    main()
