# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted stand-in for ``client.KmsClient`` shared by the unit tests: it answers from a script and
records every request, so a test can assert the exact calls (or that none was made)."""


class ScriptedClient(object):
    """Answers requests from a list of ``(method, path, answer)``; ``('LIST', None, [keys])`` answers one list
    page (all of those keys, the last page). An answer that is an exception is raised. Records each call."""

    base_url = 'https://kms.test'
    access_key = 'AKTEST'

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []
        self.bodies = []   # the body of each request, in the order of calls
        self.queries = []  # and its query

    def next_answer(self, method, path):
        assert self.script, 'unexpected request %s %s after %s' % (method, path, self.calls)
        expected_method, expected_path, answer = self.script.pop(0)
        assert (method, path) == (expected_method, expected_path), (method, path, self.calls)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def request(self, method, path, query=None, body=None, idempotent=True):
        self.calls.append('%s %s' % (method, path))
        self.bodies.append(body)
        self.queries.append(query)
        return self.next_answer(method, path)

    def request_answer(self, method, path, query=None, body=None, idempotent=True):
        assert (method, path) == ('GET', '/keys'), 'only list pages are read whole: %s %s' % (method, path)
        self.calls.append('LIST')
        self.bodies.append(body)
        self.queries.append(query)
        keys = self.next_answer('LIST', None)
        return {'code': 'SUCCESS', 'data': {'keyList': keys, 'totalPageNo': 1}}
