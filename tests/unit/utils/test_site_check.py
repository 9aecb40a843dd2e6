# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site check's eye for rst markup that did not render: it sees it in prose, and leaves code alone."""

import os

import pytest

from ansible_collections.ncloud.kms.tests.unit.utils.load import load_file

SITE_CHECK = load_file(os.path.join(os.path.dirname(__file__), '..', '..', 'utils', 'site_check.py'), 'site_check')


@pytest.mark.parametrize('prose, seen', [
    ('<p>Run ``make demo`` first.</p>', ['`']),
    ('<p>This is **very** important.</p>', ['**']),
    ('<p>This is *very* important.</p>', ['*v', 'y*']),
    ('<p>See :ref:`the guide`.</p>', [':ref:', '`']),
    ('<p>.. step: run</p>', ['..']),
])
def test_markup_left_as_text_is_seen(prose, seen):
    assert SITE_CHECK['literal_markup']('<html><body>%s</body></html>' % prose) == seen


def test_code_and_plain_prose_are_left_alone():
    dom = ('<html><body><p>Keys named <code>app-*</code> match; 3 * 4 keys.</p>'
           '<pre>echo `date` **bold** ``x``</pre></body></html>')
    assert SITE_CHECK['literal_markup'](dom) == []
