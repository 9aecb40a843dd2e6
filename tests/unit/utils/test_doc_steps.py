# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs stage's runner (tests/utils/doc_steps.py): which blocks are steps, and that a step that fails, or prints
other than its page shows, fails the page."""

import os

import pytest

from ansible_collections.ncloud.kms.tests.unit.utils.load import load_file

RUNNER = load_file(os.path.join(os.path.dirname(__file__), '..', '..', 'utils', 'doc_steps.py'), 'doc_steps')

PAGE = """Title
=====

.. step: write hello.txt

.. code:: text

   hello from the page

Some prose, not a step:

.. code:: sh

   exit 1

.. step: run

.. code:: sh
   :name: a-named-block

   export GREETING="$(cat hello.txt)"
   mkdir sub && cd sub

.. step: run

::

   echo "$GREETING in $(basename "$PWD")"

.. step: output

.. code:: text

   hello from the page in sub
   ...
"""


def page(tmp_path, text):
    path = tmp_path / 'page.rst'
    path.write_text(text)
    return str(path)


def test_only_marked_blocks_are_steps_in_order(tmp_path):
    steps = RUNNER['steps_of'](page(tmp_path, PAGE))
    kinds = [(step.kind, step.target) for step in steps]
    assert kinds == [('write', 'hello.txt'), ('run', None), ('run', None), ('output', None)]
    assert steps[1].text.startswith('export GREETING=') and ':name:' not in steps[1].text


def test_variables_and_the_folder_carry_over_and_the_output_matches(tmp_path, capsys):
    path = page(tmp_path, PAGE)
    assert RUNNER['run_page'](path, RUNNER['steps_of'](path), keep=False)
    assert 'the output matches' in capsys.readouterr().out


@pytest.mark.parametrize('change, why', [
    ('hello from the page in sub', 'the previous step did not print what the page shows'),
    ('echo "$GREETING in', 'exited 127'),
])
def test_a_step_that_fails_or_prints_otherwise_fails_the_page(tmp_path, capsys, change, why):
    broken = PAGE.replace(change, 'goodbye' if change.startswith('hello') else 'no-such-command "$GREETING in')
    path = page(tmp_path, broken)
    assert not RUNNER['run_page'](path, RUNNER['steps_of'](path), keep=False)
    printed = capsys.readouterr().out
    assert 'FAIL: page.rst:' in printed and why in printed


def test_a_step_marked_to_fail_must_fail(tmp_path):
    path = page(tmp_path, ".. step: run fails\n\n.. code:: sh\n\n   true\n")
    assert not RUNNER['run_page'](path, RUNNER['steps_of'](path), keep=False)


def test_a_marker_without_a_code_block_or_misspelt_is_refused(tmp_path):
    with pytest.raises(ValueError):
        RUNNER['steps_of'](page(tmp_path, ".. step: run\n\nJust prose.\n"))
    with pytest.raises(ValueError):
        RUNNER['steps_of'](page(tmp_path, ".. step: runs\n\n.. code:: sh\n\n   true\n"))


def test_a_variable_one_step_unsets_stays_unset(tmp_path, monkeypatch):
    monkeypatch.setenv('DOC_STEPS_PROBE', 'from the runner')
    text = (".. step: run\n\n.. code:: sh\n\n   test -n \"$DOC_STEPS_PROBE\"\n   unset DOC_STEPS_PROBE\n\n"
            ".. step: run\n\n.. code:: sh\n\n   test -z \"${DOC_STEPS_PROBE:-}\"\n")
    path = page(tmp_path, text)
    assert RUNNER['run_page'](path, RUNNER['steps_of'](path), keep=False)


def test_a_shell_variable_carries_over_as_in_the_readers_shell(tmp_path):
    text = (".. step: run\n\n.. code:: sh\n\n   client=/opt/client\n\n"
            ".. step: run\n\n.. code:: sh\n\n   test \"$client\" = /opt/client\n")
    path = page(tmp_path, text)
    assert RUNNER['run_page'](path, RUNNER['steps_of'](path), keep=False)
