# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key versions and rotation: rotate now, automatic rotation and its period, the version list, and the test
controls that age keys or add versions. Part of ``store.Store``; uses the key state of ``keystore.KeyStore``."""

from . import crypto
from .rules import (
    BOUNDARIES, DATE_FIELDS, DAY_MS, MAX_VERSIONS, VERSION_FIELDS, KmsError, check_rotation_period, require_type,
    wrong_state,
)


class VersionOps(object):
    """Versions and rotation of the keys a ``KeyStore`` holds."""

    def _add_version(self, key, when):
        key['currentVersion'] += 1
        key['versions'].append({'version': key['currentVersion'], 'status': 'ENABLE', 'statusDate': when,
                                'rotatedDate': when, 'secret': crypto.new_secret()})
        if key['isAutoRotation']:
            key['nextRotationDate'] = when + key['rotationPeriod'] * DAY_MS

    def _catch_up_rotations(self, boundary):
        """Automatic rotation adds a version each time the clock passes nextRotationDate (ENABLE keys only,
        at most 100 versions; assumed: a disabled key is not rotated)."""
        now = self.now_ms()
        for key in self.keys[boundary].values():
            while (key['isAutoRotation'] and key['status'] == 'ENABLE' and key['nextRotationDate']
                   and key['nextRotationDate'] <= now and key['currentVersion'] < MAX_VERSIONS):
                self._add_version(key, key['nextRotationDate'])

    # ---- API operations ----------------------------------------------------------------------------

    def rotate(self, req):
        """Rotation only while ENABLE, at most 100 versions (doc)."""
        with self.lock:
            key = self._key(req.boundary, req.tag)
            if key['status'] != 'ENABLE':
                raise wrong_state(key, 'rotate')
            if key['currentVersion'] >= MAX_VERSIONS:
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: the key has %d versions, the most a key '
                               'can have' % MAX_VERSIONS)
            now = self.now_ms()
            self._add_version(key, now)
            self.save()
            return {'keyTag': key['keyTag'], 'version': key['currentVersion'], 'rotatedDate': now}

    def enable_auto_rotation(self, req):
        return self._set_auto_rotation(req, True)

    def disable_auto_rotation(self, req):
        return self._set_auto_rotation(req, False)

    def _set_auto_rotation(self, req, enabled):
        """On answers keyTag, isAutoRotation, rotationPeriod, nextRotationDate; off only keyTag and isAutoRotation (doc)."""
        with self.lock:
            key = self._live_key(req.boundary, req.tag, 'change auto rotation of')
            key['isAutoRotation'] = enabled
            key['nextRotationDate'] = self.now_ms() + key['rotationPeriod'] * DAY_MS if enabled else None
            self.save()
            if not enabled:
                return {'keyTag': key['keyTag'], 'isAutoRotation': False}
            return {'keyTag': key['keyTag'], 'isAutoRotation': True, 'rotationPeriod': key['rotationPeriod'],
                    'nextRotationDate': key['nextRotationDate']}

    def set_rotation_period(self, req):
        """The period can be set only while auto rotation is on (doc)."""
        with self.lock:
            key = self._live_key(req.boundary, req.tag, 'change the rotation period of')
            period = require_type(req.body, 'rotationPeriod', int, required=True)
            check_rotation_period(period)
            if not key['isAutoRotation']:
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: auto rotation is off')
            key['rotationPeriod'] = period
            key['nextRotationDate'] = self.now_ms() + period * DAY_MS
            self.save()
            return {'keyTag': key['keyTag'], 'rotationPeriod': period, 'nextRotationDate': key['nextRotationDate']}

    def versions(self, req):
        with self.lock:
            key = self._key(req.boundary, req.tag)
            return {'keyTag': key['keyTag'], 'currentVersion': key['currentVersion'],
                    'versionList': [dict((f, v.get(f)) for f in VERSION_FIELDS) for v in key['versions']]}

    def enable_version(self, req):
        return self._set_version_status(req, 'ENABLE')

    def disable_version(self, req):
        return self._set_version_status(req, 'DISABLE')

    def _set_version_status(self, req, status):
        """Enable or disable one version (doc): only a version of an ENABLE key, and never the current version
        disabled. Answers version, status and statusDate, no keyTag (doc). Asking for the status a version
        already has answers it unchanged (assumed: the page names no error for it)."""
        with self.lock:
            key = self._key(req.boundary, req.tag)
            if key['status'] != 'ENABLE':
                raise wrong_state(key, 'enable or disable a version of')
            record = self.version_of(key, req.version)
            if status == 'DISABLE' and record['version'] == key['currentVersion']:
                raise KmsError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status: the current version (%d) cannot be '
                               'disabled' % record['version'])
            if record['status'] != status:
                record['status'] = status
                record['statusDate'] = self.now_ms()
                self.save()
            return {'version': record['version'], 'status': record['status'], 'statusDate': record['statusDate']}

    @staticmethod
    def version_of(key, version):
        """The version record of ``version`` (path text or int); 404 when the key has no such version."""
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise KmsError(400, 'INVALID_REQUEST', 'version must be a number: %s' % version)
        record = next((v for v in key['versions'] if v['version'] == number), None)
        if record is None:
            raise KmsError(404, 'NOT_FOUND', 'key %s has no version %d' % (key['keyTag'], number))
        return record

    # ---- test controls (admin API) -------------------------------------------------------------

    def age(self, days):
        """Every key as if ``days`` had passed: each date moves back, then automatic rotations catch up
        and keys whose deletion date passed are destroyed. The clock that checks signatures is untouched."""
        shift = int(days) * DAY_MS
        if shift < 0:
            raise ValueError('days must be 0 or more')
        with self.lock:
            for boundary in BOUNDARIES:
                for key in self.keys[boundary].values():
                    for field in DATE_FIELDS:
                        if key.get(field):
                            key[field] -= shift
                    for version in key['versions']:
                        version['statusDate'] -= shift
                        version['rotatedDate'] -= shift
                    for activity in key.get('activities') or []:
                        activity['timestamp'] -= shift
                self._housekeeping(boundary)
            self.save()
            return {'aged_days': int(days)}

    def add_versions(self, boundary, name, count):
        """Rotate the key named ``name`` ``count`` times at once, under the API's rules (for the 100-version limit)."""
        with self.lock:
            keys = [key for key in self.ordered(boundary) if key['keyName'] == name]
            if not keys:
                raise KmsError(404, 'NOT_FOUND', 'no key named %s in %s' % (name, boundary))
            request = self.request(boundary, keys[0]['keyTag'])
            for unused in range(int(count)):
                self.rotate(request)
            return {'currentVersion': keys[0]['currentVersion']}
