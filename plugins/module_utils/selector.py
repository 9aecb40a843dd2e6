# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which key a task means: the one home of the key selector, for modules and controller plugins alike.

Internal to ncloud.kms: not an API; names and signatures may change in any release.

A ``KeySelector`` holds what a task gives to choose its key (a name or a tag, the region option, whether the key
cache is used) and answers the three questions every task asks:

* where to look: ``first_region()`` is **the** region rule (a tag's ``kr-``/``jpn-`` prefix names its boundary,
  else the region option, global when unset; a name without region then follows its key, see
  ``keys.locate_names``);
* the key: ``find()`` (and ``find_names()`` for a task that names two keys, ``find_in()`` for one boundary), or a
  clear "not found, looked in ..." (``missing()``);
* what to create: after ``find()``, ``region`` is the boundary the key lives in, or where a new key goes.

``problem()`` is the one validation of a selector, before any request. Modules build theirs from their parameters
(``base.KmsModule``), the plugins from their options (``plugin_utils``), through ``from_options``.
"""

from ansible_collections.ncloud.kms.plugins.module_utils.connection import (
    REGION_CHOICES, UNPREFIXED, option_region, tag_contradiction, tag_region,
)
from ansible_collections.ncloud.kms.plugins.module_utils.keys import (
    LocationWarning, find_key, full_record, locate_names, name_problem,
)

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
