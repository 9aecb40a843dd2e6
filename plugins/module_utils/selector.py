# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which key a task means: the one home of every rule of finding keys, for modules and controller plugins alike.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

Here, and nowhere else: the region option and the tag prefixes, the name rules, the rule for finding keys by name
(``locate_names``: names regardless of case, a name without region followed into the boundary that has it, the key
cache, the conflicts) and by tag (``find_key``), the key selector, and the same rules for many names at once from
listings read once (``Listings``, kms_keys). ``keys.py`` only reads.

A ``KeySelector`` holds what a task gives to choose its key (a name or a tag, the region option, whether the key
cache is used) and answers the three questions every task asks:

* where to look: ``first_region()`` is **the** region rule (a tag's ``kr-``/``jpn-`` prefix names its boundary,
  else the region option, global when unset; a name without region then follows its key, see
  ``locate_names``);
* the key: ``find()`` (and ``find_names()`` for a task that names two keys, ``find_in()`` for one boundary), or a
  clear "not found, looked in ..." (``missing()``);
* what to create: after ``find()``, ``region`` is the boundary the key lives in, or where a new key goes.

``problem()`` is the one validation of a selector, before any request. Modules build theirs from their parameters
(``base.KmsModule``), the plugins from their options (``plugin_utils``), through ``from_options``.
"""

import fnmatch
import re

from ansible_collections.ncloud.kms.plugins.module_utils.client import KmsApiError
from ansible_collections.ncloud.kms.plugins.module_utils.connection import GLOBAL, REGIONS, boundary_name, other_boundaries
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    NOT_FOUND_STATUSES, all_keys, at_once, describe_key, find_named, find_named_each, full_record, get_key, key_path,
)

# ---- the region rule and the name rules ------------------------------------------------------------------

# The region option: unset follows the key (global first, else the one isolation boundary that has it);
# 'global' restricts a task to the global boundary; KR and JPN select an isolation boundary.
REGION_CHOICES = ['global'] + list(REGIONS)

# Tags say where their key lives (doc, API v3): region-isolation tags carry a prefix; case is ignored.
TAG_PREFIXES = {'KR': 'kr-', 'JPN': 'jpn-'}
UNPREFIXED = 'unprefixed'   # a tag without a region prefix: a global key, or an older key of any boundary


def tag_region(key_tag):
    """The isolation boundary a tag's prefix names, or UNPREFIXED."""
    lowered = key_tag.lower()
    return next((region for region, prefix in TAG_PREFIXES.items() if lowered.startswith(prefix)), UNPREFIXED)


def option_region(option):
    """The boundary a region option names (None and 'global' are both the global boundary)."""
    return GLOBAL if option in (None, 'global') else option


def tag_contradiction(key_tag, option):
    """The message when a region option contradicts a tag's prefix, else None."""
    prefixed = tag_region(key_tag)
    if option is None or prefixed == UNPREFIXED or option == prefixed:
        return None
    return ('region %s contradicts key_tag %s, whose prefix %s names a key of the %s boundary: leave out region '
            '(the prefix says where the key lives) or give the tag of the %s key'
            % (option, key_tag, TAG_PREFIXES[prefixed], prefixed, option))


NAME_MIN, NAME_MAX = 3, 15
NAME_CHARS = re.compile(r'^[A-Za-z0-9_-]+$')


def name_problem(name, option='name'):
    """The broken name rule as a message naming the option, or None for a valid name."""
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return '%s must be %d to %d characters long; %r has %d' % (option, NAME_MIN, NAME_MAX, name, len(name))
    if not NAME_CHARS.match(name):
        return '%s may hold only letters, digits, "-" and "_"; %r has other characters' % (option, name)
    if not name[0].isalpha():
        return '%s must start with a letter; %r starts with %r' % (option, name, name[0])
    return None


# ---- finding keys by name: the one rule ---------------------------------------------------------------

# Per process: (global endpoint, access key, region option, names) -> (found, region), for callers that ask to
# remember (the lookup).
_REMEMBERED_NAMES = {}


def find_key(client, name=None, key_tag=None, full=False, trust_tag=False):
    """The key in one boundary by tag, else by name, or None.

    - By tag: one GET (a miss is confirmed by listing); with ``trust_tag`` no call at all, the record is
      just the tag (the crypto call that follows checks it).
    - By name (regardless of case): list pages only until the name is met. ``full`` reads the found key's full
      record (one more GET).
    """
    if key_tag is not None:
        return {'keyTag': key_tag} if trust_tag else get_key(client, key_tag)
    found = find_named(client, [name]).get(name)
    return full_record(client, found) if full else found


def locate_names(client_of, names, option, site, remember=False, cache=None):
    """The one rule for finding a task's key by name: ``({name asked: list record}, region, warnings)``.

    ``option`` is the region option: KR or JPN look there, 'global' only in the global boundary, and unset
    follows the key (``follow_names``): global first, else the one isolation boundary of the site that has it,
    else nothing (a new key goes to the global boundary). ``warnings`` say where a key was found away from the
    global boundary, and when a stored name differs from the asked one only in case (NCP treats them as one name).
    ``remember``: a name found once is not looked for again in this process (the lookup's workers).
    ``cache`` (a ``key_cache.KeyCache``): a single name is first tried at the tag remembered for it (one read),
    and what the listing found is remembered.
    """
    memory = (client_of(GLOBAL).base_url, client_of(GLOBAL).access_key, option, tuple(names))
    if remember and memory in _REMEMBERED_NAMES:
        found, region = _REMEMBERED_NAMES[memory]
        return found, region, []
    cached = cache is not None and len(names) == 1 and cached_key(client_of, cache, names[0], option)
    if cached:
        found, region = {names[0]: cached[0]}, cached[1]
    elif option is None:
        found, region = follow_names(client_of, names, other_boundaries(site, GLOBAL))
    else:
        region = option_region(option)
        found = find_named(client_of(region), names)
    if cache is not None and len(names) == 1 and not cached:
        remember_in_cache(client_of, cache, names[0], found.get(names[0]), region)
    if found and remember:
        _REMEMBERED_NAMES[memory] = (found, region)
    return found, region, location_warnings(found, region, option)


def cached_key(client_of, cache, name, option):
    """``(full record, region)`` of the key the cache remembers for a name, when one read confirms it: the answer
    carries the same name (regardless of case) in the same boundary, at the same endpoint. Else None.

    Only an entry of the boundary the region rule looks in first is used: global for a task without region
    (a global key of that name would win over an isolation one), the named boundary otherwise.
    """
    entry = cache.get(client_of(GLOBAL).base_url, name)
    if entry is None:
        return None
    tag, region, endpoint = entry
    if region != option_region(option):
        return None
    client = client_of(region)
    if client.base_url != endpoint:
        return None
    try:
        key = client.request('GET', key_path(tag))
    except KmsApiError as exc:
        if exc.status in NOT_FOUND_STATUSES:
            return None
        raise
    if not isinstance(key, dict) or str(key.get('keyName')).lower() != name.lower() or 'keyTag' not in key:
        return None
    return key, region


def remember_in_cache(client_of, cache, name, key, region):
    if key is None:
        cache.drop(client_of(GLOBAL).base_url, name)
    else:
        cache.put(client_of(GLOBAL).base_url, name, key, region, client_of(region).base_url)


class LocationWarning(str):
    """A warning that the region rule found a name's key away from the global boundary (a task that changes nothing
    may leave it unsaid: kms_key on the re-run of a create-then-migrate playbook)."""


def location_warnings(found, region, option):
    warnings = []
    if found and option is None and region is not GLOBAL:
        key = next(iter(found.values()))
        warnings.append(LocationWarning(
            'no key named %s in the global boundary; the %s boundary has it (key_tag %s), so this task uses that key. '
            'Give region: %s to say so, or region: global to use only global keys'
            % (key['keyName'], region, key['keyTag'], region)))
    for asked, key in found.items():
        if key.get('keyName') != asked:
            warnings.append(case_warning(asked, key))
    return warnings


def case_warning(asked, key):
    """What a task is told when the name it gives differs from the key's only in case."""
    return ('the task names %s and the key is stored as %s: NCP treats them as one name (names are unique regardless '
            'of case), so this task uses key_tag %s and renames nothing' % (asked, key['keyName'], key['keyTag']))


class KeyConflict(Exception):
    """The name a task gave is in more than one place it could mean."""


def follow_names(client_of, names, regions):
    """``({name: list record}, region)``: the names in the global boundary; when none is there, in the one
    isolation boundary of ``regions`` that has one (those listings run at the same time); when none has it,
    ``({}, GLOBAL)``. Two isolation boundaries holding a name: ``KeyConflict``."""
    found = find_named(client_of(GLOBAL), names)
    if found or not regions:
        return found, GLOBAL
    results = find_named_each([client_of(region) for region in regions], names)
    return one_holder(names[0], [(region, named) for region, named in zip(regions, results) if named])


def one_holder(name, holders):
    """Where a name the global boundary lacks lives: ``(named, region)`` of the one isolation boundary among
    ``holders`` (``[(region, {name: list record})]``, those that have it), ``({}, GLOBAL)`` when none does (a new
    key goes there). Two holders: ``KeyConflict``."""
    if len(holders) > 1:
        raise KeyConflict('no key named %s in the global boundary, but the %s boundaries each have one (%s): give '
                          'region to say which key this task is about'
                          % (name, ' and '.join(region for region, unused in holders),
                             ', '.join('%s in %s' % (describe_key(next(iter(named.values()))), region)
                                       for region, named in holders)))
    return (holders[0][1], holders[0][0]) if holders else ({}, GLOBAL)


# The options that address one key (doc fragment ncloud.kms.key_selector), as an argument spec.
KEY_SELECTOR = dict(
    name=dict(type='str'),
    key_tag=dict(type='str', no_log=False),
    region=dict(type='str', choices=REGION_CHOICES),
)


# A secrets file's own settings, under its top-level ncpkms mapping (the kms_vars format; kms_reencrypt reads it too).
FILE_SETTINGS = ('key_name', 'key_tag', 'region', 'context')


def file_settings_problem(settings):
    """What is wrong with a file's ncpkms mapping (None when the file has none), or None."""
    if settings is not None and not isinstance(settings, dict):
        return 'ncpkms must be a mapping (key_name or key_tag, region, context)'
    unknown = sorted(set(settings or {}) - set(FILE_SETTINGS))
    if unknown:
        return 'ncpkms holds unknown settings %s; it takes key_name, key_tag, region and context' % ', '.join(unknown)
    return None


def with_file_settings(get, settings):
    """The option getter ``get`` with a file's ncpkms mapping over it: a file that names its key (key_name or
    key_tag) names both, and its region and context win over the task's."""
    settings = settings or {}
    names_key = 'key_name' in settings or 'key_tag' in settings

    def option(name):
        if name in ('key_name', 'key_tag') and names_key or name in ('region', 'context') and name in settings:
            return settings.get(name)
        return get(name)
    return option


def key_selector(name_option='name', region=True):
    """The key-selector options: ``name`` (or ``key_name`` for the crypto plugins), ``key_tag``, ``region``."""
    spec = dict((option, dict(facts)) for option, facts in KEY_SELECTOR.items() if region or option != 'region')
    spec[name_option] = spec.pop('name')
    return spec


class KeySelector(object):
    """The key a task means, and the rules that find it."""

    def __init__(self, name, key_tag, region, name_option, key_cache, warn, writable_cache=True):
        self.name = name
        self.key_tag = key_tag
        self.region_option = region        # as given: None, 'global', 'KR' or 'JPN'
        self.name_option = name_option     # 'name' (kms_key and the key modules) or 'key_name' (crypto, plugins)
        self.key_cache = key_cache
        self.writable_cache = writable_cache   # check mode reads the cache but never writes it
        self.warn = warn                       # warn(message): what the region rule found on the way
        self.warn_location = None   # where a LocationWarning goes instead of warn, when a task defers it
        self.region = self.first_region()  # where the key lives, or a new key goes: find() settles it

    @classmethod
    def from_options(cls, get, name_option='name', **kwargs):
        """The selector of a module's parameters or a plugin's options; ``get(option)`` gives None for an option
        the plugin does not have."""
        return cls(get(name_option), get('key_tag'), get('region'), name_option, bool(get('key_cache')), **kwargs)

    def identity(self):
        """What tells two selectors apart (the vars plugin groups its values by key)."""
        return self.name, self.key_tag, self.region_option

    # ---- where to look ---------------------------------------------------------------------------------

    def problem(self, exactly_one=False):
        """What is wrong with the selector, or None; checked before any request. ``exactly_one``: a name or a tag
        must be given, not both (modules leave that to AnsibleModule's required_one_of and mutually_exclusive)."""
        if exactly_one and (self.name is None) == (self.key_tag is None):
            return 'exactly one of %s and key_tag is needed: the key that encrypted the values' % self.name_option
        if self.name is not None and name_problem(self.name, self.name_option):
            return name_problem(self.name, self.name_option)
        if self.key_tag:
            return tag_contradiction(self.key_tag, self.region_option)
        return None

    def first_region(self):
        """The region rule: where the key is looked for first. A tag's prefix names its boundary; else the region
        option (global when unset; a name may then be followed into an isolation boundary)."""
        if self.key_tag and tag_region(self.key_tag) != UNPREFIXED:
            return tag_region(self.key_tag)
        return option_region(self.region_option)

    def follows_key(self):
        """True when the task names its key without a region: the name is followed into the boundary that has it."""
        return self.key_tag is None and self.region_option is None

    def searched(self, connection):
        """Where the key was looked for, for messages."""
        return connection.searched(self.region, self.follows_key())

    # ---- the key ---------------------------------------------------------------------------------------

    def find(self, connection, full=False, trust_tag=False, remember=False, if_missing=None):
        """The key, or None; sets ``region``. By tag: one read in the boundary of its prefix or the region option
        (``trust_tag``: no read at all, the crypto call that follows checks the tag). By name: the region rule,
        the key cache when it is on; ``full`` reads a key found in a listing in full (one more read).
        ``if_missing(message)`` is called when there is no such key (a module's ``key_missing``)."""
        if self.key_tag is not None:
            self.region = self.first_region()
            key = find_key(connection.client(self.region), key_tag=self.key_tag, trust_tag=trust_tag)
        else:
            found = self.find_names(connection, [self.name], remember=remember).get(self.name)
            key = full_record(connection.client(self.region), found) if full else found
        if key is None and if_missing is not None:
            if_missing(self.missing(connection))
        return key

    def find_names(self, connection, names, remember=False):
        """``{name asked: list record}`` of several names in one listing by the region rule (kms_key with
        rename_from); sets ``region``; what the rule found on the way is said through ``warn``. ``remember``: a name
        found once is not looked for again in this process (the lookup's workers)."""
        found, self.region, warnings = locate_names(connection.client, names, self.region_option,
                                                    connection.options['site'], remember=remember, cache=self.cache())
        for warning in warnings:
            (self.warn_location if self.warn_location and isinstance(warning, LocationWarning) else self.warn)(warning)
        return found

    def warn_if_elsewhere(self, connection, outcome):
        """After ``find`` missed a name in the boundary a region option names: say so when another boundary of the
        site has it (``outcome``: what the task does instead). Without region, ``find`` looked everywhere already."""
        if self.name is None or self.region_option is None:
            return
        here = boundary_name(self.region)
        regions = other_boundaries(connection.options['site'], self.region)
        answers = find_named_each([connection.client(region) for region in regions], [self.name], keep_errors=True)
        for region, answer in zip(regions, answers):
            key = answer if isinstance(answer, Exception) else answer.get(self.name)
            if isinstance(key, Exception):
                self.warn('no key named %s in the %s boundary; looking for it in %s failed too: %s'
                          % (self.name, here, boundary_name(region), key))
            elif key is not None:
                hint = 'leave out region or give region: global' if region is None else 'give region: %s' % region
                self.warn('no key named %s in the %s boundary, but the %s boundary has one (key_tag %s): %s. To manage '
                          'that key, %s.' % (self.name, here, boundary_name(region), key['keyTag'], outcome, hint))

    def find_in(self, client, name=None, full=False):
        """The key in the one boundary of ``client``, by tag, else by name (``name`` overrides the selector's: the
        stored name of a key found elsewhere), or None. For a task that looks in boundaries of its own choosing
        (kms_key_migrate), or confirms a key another writer made."""
        if name is None and self.key_tag is not None:
            return find_key(client, key_tag=self.key_tag)
        return find_key(client, name=name or self.name, full=full)

    def cache(self):
        if not self.key_cache:
            return None
        from ansible_collections.ncloud.kms.plugins.module_utils.key_cache import KeyCache  # only when it is on
        return KeyCache(writable=self.writable_cache)

    # ---- a missing key ---------------------------------------------------------------------------------

    def describe(self):
        """'key NAME' or 'key TAG'."""
        return 'key %s' % (self.name if self.key_tag is None else self.key_tag)

    def missing(self, connection):
        """The key is not there, and where it was looked for. A key module says 'key NAME was not found in WHERE';
        a crypto module or plugin 'no key named NAME in WHERE' or 'no key has key_tag TAG in WHERE'."""
        if self.name_option == 'name':
            return '%s was not found in %s' % (self.describe(), self.searched(connection))
        what = 'no key named %s' % self.name if self.key_tag is None else 'no key has key_tag %s' % self.key_tag
        return '%s in %s' % (what, self.searched(connection))


# ---- many keys at once (kms_keys) ------------------------------------------------------------------------

# What a name pattern may hold: the characters of a key name, and the shell wildcards * ? [...] (and ! inside []).
PATTERN_CHARS = re.compile(r'^[A-Za-z0-9_*?\[\]!-]+$')


def pattern_problem(pattern, option='scope.names'):
    """What is wrong with a name pattern, or None."""
    if not pattern or not PATTERN_CHARS.match(pattern):
        return ('%s takes shell-style patterns of key names (letters, digits, "-", "_" and the wildcards *, ? and '
                '[...]); %r can match no key name' % (option, pattern))
    if pattern.count('[') != pattern.count(']'):
        return '%s pattern %r has an unclosed [...]' % (option, pattern)
    return None


def name_matches(name, patterns):
    """Whether a key name matches any of the shell-style patterns, regardless of case (None matches every name)."""
    return patterns is None or any(fnmatch.fnmatchcase(str(name).lower(), pattern.lower()) for pattern in patterns)


class Listings(object):
    """Every key of some boundaries, each listed once and all at the same time, to answer the region rule for many
    names without another request (kms_keys). ``regions``: the boundaries to list (None is global)."""

    def __init__(self, connection, regions):
        self.regions = list(regions)
        clients = [connection.client(region) for region in self.regions]
        self.records = dict(zip(self.regions, at_once(all_keys, clients, len(clients))))
        self.by_name = dict((region, dict((str(key.get('keyName')).lower(), key) for key in records))
                            for region, records in self.records.items())

    def locate(self, name, option, warn):
        """``(list record or None, region)`` of a name by the one region rule: a region option looks there; unset,
        the global boundary first, else the one isolation boundary listed here that has it (a new key goes to the
        global boundary); two of them: ``KeyConflict``. A stored name that differs only in case is said."""
        if option is not None:
            region = option_region(option)
            key = self.by_name[region].get(name.lower())
        else:
            key, region = self.by_name[GLOBAL].get(name.lower()), GLOBAL
            if key is None:
                holders = [(other, {name: self.by_name[other][name.lower()]}) for other in self.regions
                           if other is not GLOBAL and name.lower() in self.by_name[other]]
                named, region = one_holder(name, holders)
                key = named.get(name)
        if key is not None and key.get('keyName') != name:
            warn(case_warning(name, key))
        return key, region

    def in_scope(self, regions, patterns):
        """``[(list record, region)]`` of the listed keys in those boundaries whose names match the patterns."""
        return [(key, region) for region in regions for key in self.records[region]
                if name_matches(key.get('keyName'), patterns)]
