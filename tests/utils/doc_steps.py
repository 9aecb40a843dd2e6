# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the steps of the guides (make test's docs stage): every code block of docs/docsite/rst/*.rst that a step
marker precedes, in order, page by page, against the running emulator. A marker is an rst comment, which Sphinx does
not render:

  .. step: run             the next code block is a shell step: it runs with bash (errexit, pipefail) in the page's
                           work folder, with the variables (set or unset) and the folder the page's earlier steps
                           left, as in the reader's shell; it must exit 0
  .. step: run fails       the same, and it must fail (a "what can go wrong" step)
  .. step: write FILE      the next code block is the content of FILE (a playbook, a vars file), relative to the work
                           folder
  .. step: output          the next code block lists what the previous run step prints: each of its lines (stripped,
                           "..." lines skipped) must appear in that output

tests/utils/doc_steps.sh builds and installs the collection and starts the emulator; this file reads the pages and
runs their steps: ``doc_steps.py [--list] PAGE...``. A failing step names its page and line, and shows its output.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile

MARKER = re.compile(r'^\s*\.\. step: (run(?: fails)?|write (\S+)|output)\s*$')
CODE = re.compile(r'^(\s*)\.\. (?:code|code-block):: *\S*\s*$')


class Step(object):
    def __init__(self, page, line, kind, text, target=None):
        self.page, self.line, self.kind, self.text, self.target = page, line, kind, text, target

    def where(self):
        return '%s:%d' % (os.path.basename(self.page), self.line)


def block_after(lines, start):
    """``(line number, text)`` of the code block after ``start`` (a ``.. code::`` directive or a ``::`` paragraph)."""
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines):
        raise ValueError('a step marker at the end of the page')
    head = lines[index]
    directive = CODE.match(head)
    if not directive and not head.rstrip().endswith('::'):
        raise ValueError('a step marker must precede a code block; line %d is %r' % (index + 1, head.strip()))
    indent = len(head) - len(head.lstrip())
    index += 1
    while directive and index < len(lines) and lines[index].strip().startswith(':') and \
            len(lines[index]) - len(lines[index].lstrip()) > indent:
        index += 1   # the directive's options
    body = []
    first = None
    while index < len(lines):
        line = lines[index]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip() and first is None:
            first = index + 1
        body.append(line)
        index += 1
    content = list(body)
    while content and not content[-1].strip():
        content.pop()
    while content and not content[0].strip():
        content.pop(0)
    margin = min(len(line) - len(line.lstrip()) for line in content if line.strip())
    return first, '\n'.join(line[margin:] for line in content) + '\n'


def steps_of(page):
    with open(page) as handle:
        lines = handle.read().splitlines()
    steps = []
    for number, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            if line.lstrip().startswith('.. step'):
                raise ValueError('%s:%d: not a step marker (run, run fails, write FILE, output): %r'
                                 % (page, number + 1, line))
            continue
        first, text = block_after(lines, number + 1)
        kind = 'write' if marker.group(2) else marker.group(1)
        steps.append(Step(page, first, kind, text, marker.group(2)))
    return steps


def run_page(page, steps, keep):
    """Run one page's steps in a fresh folder; the variables and folder one step leaves are the next one's."""
    work = tempfile.mkdtemp(prefix='doc-%s-' % os.path.basename(page)[:-4])
    state = os.path.join(work, '.step-environment')
    exported = subprocess.run(['bash', '-c', 'export -p'], stdout=subprocess.PIPE, universal_newlines=True, check=True)
    with open(state, 'w') as handle:   # each step starts from this file alone: what one unsets stays unset
        handle.write('%scd %s\n' % (exported.stdout, shlex.quote(work)))
    output = ''
    for step in steps:
        if step.kind == 'write':
            target = os.path.join(work, step.target)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'w') as handle:
                handle.write(step.text)
            print('  %s: wrote %s' % (step.where(), step.target))
            continue
        if step.kind == 'output':
            missing = [line.strip() for line in step.text.splitlines()
                       if line.strip() and line.strip() != '...' and line.strip() not in output]
            if missing:
                return fail(step, 'the previous step did not print what the page shows:\n  %s' % '\n  '.join(missing),
                            output)
            print('  %s: the output matches' % step.where())
            continue
        # allexport: a variable a step sets (client=...) is kept for the next steps, as in the reader's shell
        script = ('set -eo pipefail\nsource %s\nset -ua\n%s\nset +ua\n{ export -p; echo "cd $(printf %%q "$PWD")"; } > %s\n'
                  % (shlex.quote(state), step.text, shlex.quote(state)))
        done = subprocess.run(['env', '-i', 'bash', '-c', script], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        output = done.stdout
        expected_failure = step.kind == 'run fails'
        if (done.returncode != 0) != expected_failure:
            return fail(step, 'exited %d%s' % (done.returncode, ' (the page shows it failing)' if expected_failure
                                               else ''), output)
        print('  %s: %s (exit %d)' % (step.where(), step.text.splitlines()[0][:90], done.returncode))
    if not keep:
        subprocess.run(['rm', '-rf', work], check=False)
    return True


def fail(step, why, output):
    print('FAIL: %s: the step\n%s%s\n--- its output ---\n%s' % (step.where(), indent(step.text), why, output[-4000:]))
    return False


def indent(text):
    return ''.join('    %s\n' % line for line in text.splitlines())


def main(argv):
    listing = '--list' in argv
    pages = [page for page in argv if not page.startswith('--')]
    total, ran, failed = 0, 0, []
    for page in pages:
        steps = steps_of(page)
        if not steps:
            continue
        total, ran = total + len(steps), ran + 1
        print('=== %s: %d steps' % (os.path.basename(page), len(steps)))
        if listing:
            for step in steps:
                print('  %s: %s' % (step.where(), step.kind))
            continue
        if os.environ.get('KMS_DOCS_RESET'):
            subprocess.run(os.environ['KMS_DOCS_RESET'], shell=True, check=True, stdout=subprocess.DEVNULL)
        if not run_page(page, steps, keep=bool(os.environ.get('KMS_DOCS_KEEP'))):
            failed.append(page)
    print('docs: %d steps on %d pages' % (total, ran))
    print('%d passed, %d failed' % (ran - len(failed), len(failed)))
    return 1 if failed or not total else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
