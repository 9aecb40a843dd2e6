# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The versions a user reads agree: galaxy.yml is the latest release of changelogs/changelog.yaml, CHANGELOG.rst
has its section, and every plugin's version_added (options' included) is a release of the changelog, none later
than galaxy.yml's, or the next minor version while changelog fragments wait for it (a plugin added since the last
release, which antsibull-changelog lists as new when that version is released)."""

import glob
import os
import re

import yaml

from ansible.module_utils.compat.version import LooseVersion

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')


def read_yaml(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return yaml.safe_load(handle)


def version_added_of(path):
    """Every version_added in a plugin's DOCUMENTATION, the plugin's own first."""
    with open(path) as handle:
        text = handle.read()
    doc = yaml.safe_load(re.search(r"^DOCUMENTATION = r'''(.*?)^'''", text, re.S | re.M).group(1))
    found = [doc.get('version_added')]

    def walk(options):
        for option in (options or {}).values():
            if 'version_added' in option:
                found.append(option['version_added'])
            walk(option.get('suboptions'))
    walk(doc.get('options'))
    return found


def test_galaxy_is_the_latest_release_of_the_changelog_and_changelog_rst_has_it():
    version = str(read_yaml('galaxy.yml')['version'])
    releases = sorted(read_yaml('changelogs', 'changelog.yaml')['releases'], key=LooseVersion)
    assert releases and releases[-1] == version
    with open(os.path.join(ROOT, 'CHANGELOG.rst')) as handle:
        assert re.search(r'^v%s\n=+$' % re.escape(version), handle.read(), re.M)


def next_minor(version):
    major, minor = str(version).split('.')[:2]
    return '%d.%d.0' % (int(major), int(minor) + 1)


def test_every_version_added_is_a_release_no_later_than_galaxy_or_the_next_minor_in_the_making():
    version = LooseVersion(str(read_yaml('galaxy.yml')['version']))
    releases = set(str(release) for release in read_yaml('changelogs', 'changelog.yaml')['releases']
                   if LooseVersion(str(release)) <= version)
    if glob.glob(os.path.join(ROOT, 'changelogs', 'fragments', '*.yml')):
        releases.add(next_minor(version))
    plugins = [path for kind in ('modules', 'lookup', 'vars')
               for path in glob.glob(os.path.join(ROOT, 'plugins', kind, '*.py')) if not path.endswith('__init__.py')]
    assert len(plugins) >= 13
    for path in plugins:
        added = version_added_of(path)
        assert added[0] is not None, '%s has no version_added' % path
        for value in added:
            assert str(value) in releases, (path, value, sorted(releases))
