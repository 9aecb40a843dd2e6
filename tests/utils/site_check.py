# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built documentation site (make docs) in a real browser: headless Chromium loads the index, every plugin page
and every guide from a server on loopback; every page must load with its title, a guide's prose must show no rst
markup as text (backticks, asterisks, roles, directives), no internal link of the built tree
may point at a missing file, and the server must answer no request with 404. Screenshots of the index and of
kms_key's page are written under .tmp/site/ for a person to look at.

    python tests/utils/site_check.py docs/build/html .tmp/site
"""

import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--hide-scrollbars']


class Links(html.parser.HTMLParser):
    """The title and the href/src targets of one page."""

    def __init__(self):
        super(Links, self).__init__()
        self.targets, self.title, self._in_title = [], '', False

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == 'title'
        for name, value in attrs:
            if name in ('href', 'src') and value:
                self.targets.append(value)

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def internal_target(page, target, root):
    """The file an internal link of ``page`` points at, or None for an external link or an anchor."""
    parts = urllib.parse.urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or target.startswith(('#', 'mailto:', 'javascript:')):
        return None
    relative = urllib.parse.unquote(parts.path)
    # an absolute path is the site's own (the theme links its logo to /): served from the site's root
    start = root if relative.startswith('/') else os.path.dirname(page)
    path = os.path.normpath(os.path.join(start, relative.lstrip('/')))
    if not path.startswith(root):
        return None
    return os.path.join(path, 'index.html') if os.path.isdir(path) else path


class Prose(html.parser.HTMLParser):
    """The text a reader sees outside code (pre, code, kbd, script and style): where rst markup that did not render
    shows as literal backticks, asterisks or roles."""

    CODE_TAGS = ('pre', 'code', 'kbd', 'script', 'style', 'tt', 'samp')

    def __init__(self):
        super(Prose, self).__init__()
        self.depth, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.CODE_TAGS:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.CODE_TAGS and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)


# rst that did not render: backticks, strong or emphasis markers, roles, directives and step markers
LITERAL_MARKUP = re.compile(r'`|\*\*|(?:^|\s)\*[A-Za-z]|[A-Za-z]\*(?:\s|$)|:(?:ref|doc|literal|code):|^\.\. |\.\. step:',
                            re.MULTILINE)


def literal_markup(dom):
    """The pieces of a page's prose that look like rst markup left as text."""
    parser = Prose()
    parser.feed(dom)
    return sorted(set(match.group(0).strip() for match in LITERAL_MARKUP.finditer(''.join(parser.text))))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    missing = []

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if len(args) > 1 and str(args[1]) == '404':
            self.missing.append(self.path)


def pages_to_load(root):
    """The index, every plugin page and every guide of the collection."""
    collection = os.path.join(root, 'collections', 'ncloud', 'kms')
    pages = [os.path.join(root, 'index.html')]
    pages += sorted(os.path.join(collection, name) for name in os.listdir(collection) if name.endswith('.html'))
    guides = os.path.join(collection, 'docsite')
    pages += sorted(os.path.join(guides, name) for name in os.listdir(guides) if name.endswith('.html'))
    return pages


def chromium(*arguments):
    done = subprocess.run(['chromium'] + CHROMIUM_FLAGS + list(arguments), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, universal_newlines=True, timeout=120, check=False)
    return done.returncode, done.stdout


def main(root, shots):
    root = os.path.abspath(root)
    if not shutil.which('chromium'):
        sys.exit('FAIL: no chromium (Debian package chromium); tests/utils/site-check.sh installs it')
    broken, checked, titles = [], 0, {}
    for folder, unused, names in os.walk(root):
        for name in names:
            if name.endswith('.html'):
                page = os.path.join(folder, name)
                parser = Links()
                with open(page, encoding='utf-8') as handle:
                    parser.feed(handle.read())
                titles[page] = parser.title.strip()
                for target in parser.targets:
                    path = internal_target(page, target, root)
                    if path:
                        checked += 1
                        if not os.path.exists(path):
                            broken.append('%s -> %s' % (os.path.relpath(page, root), target))
    if broken:
        sys.exit('FAIL: internal links to missing files:\n  ' + '\n  '.join(sorted(set(broken))))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = 'http://127.0.0.1:%d/' % server.server_address[1]
    pages = pages_to_load(root)
    for page in pages:
        url = base + os.path.relpath(page, root)
        code, dom = chromium('--dump-dom', url)
        if code or '<title>' not in dom or titles[page] not in dom:
            sys.exit('FAIL: Chromium did not load %s (exit %d): %s' % (url, code, dom[:300]))
        if '/docsite/' in page and literal_markup(dom):
            sys.exit('FAIL: %s shows rst markup as text: %s' % (url, literal_markup(dom)))
    os.makedirs(shots, exist_ok=True)
    for name, page in (('index', 'index.html'), ('kms_key', 'collections/ncloud/kms/kms_key_module.html')):
        target = os.path.join(os.path.abspath(shots), name + '.png')
        code, unused = chromium('--window-size=1280,1600', '--screenshot=' + target, base + page)
        if code or not os.path.getsize(target):
            sys.exit('FAIL: no screenshot of %s' % page)
    server.shutdown()
    if QuietHandler.missing:
        sys.exit('FAIL: the pages asked for files the site does not have: %s' % sorted(set(QuietHandler.missing)))
    guides = [page for page in pages if '/docsite/' in page]
    print('site: %d pages loaded in headless Chromium (%d guides, no rst markup left as text), %d internal links '
          'checked, no 404; screenshots in %s' % (len(pages), len(guides), checked, shots))


if __name__ == '__main__':
    main(*sys.argv[1:3])
