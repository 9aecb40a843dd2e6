# -*- coding: utf-8 -*-
# Copyright: ncloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key settings beyond the lifecycle: the IP ACL (read, add addresses, remove addresses, enable, disable), the
token generator (create, read, replace, discard) and token sets. Part of ``store.Store``; uses the key state of
``keystore.KeyStore``.

Rules (doc, pages ``security-kms2-*``): enabling the ACL applies "All Deny" until addresses are listed. Assumed
(v3 states it): the ACL changes only on an ``ENABLE`` key, and takes IPv4 addresses only (v3 also takes CIDR and
``*``). Reading it works in any state. Adding an address already listed, or removing one not listed, changes
nothing and is not an error (assumed: no page names an error for it).

Token generator (doc): replacing or discarding it voids every token it issued, irreversibly; a token set is a
refresh and an access token (hours 1-17520 or ``"UL"``, defaults 72 and 2160). Assumed: reading a key's generator
when it has none answers 404 ``NOT_FOUND``; creating one while one exists answers 409; a token set needs an
``ACTIVE`` generator and an ``ENABLE`` key. Tokens are opaque strings here (JWT-shaped, never valid JWTs).
"""

import base64
import ipaddress
import os

from .rules import KmsError, bad_request, wrong_state

TOKEN_HOURS = (1, 17520)
DEFAULT_HOURS = {'accessTokenHours': 72, 'refreshTokenHours': 2160}


def key_acl(key):
    """The ACL kept on an emulated key (keys from an older state file have none yet)."""
    return key.setdefault('acl', {'isAclEnabled': False, 'allowedIpList': []})


def ip_list(body):
    """The ``ipList`` of a body: a non-empty array of IPv4 addresses."""
    addresses = body.get('ipList')
    if not isinstance(addresses, list) or not addresses:
        raise bad_request('ipList is required: an array of IPv4 addresses')
    for address in addresses:
        try:
            if not isinstance(address, str):
                raise TypeError(address)
            ipaddress.IPv4Address(address)
        except (ValueError, TypeError):
            raise bad_request('ipList holds %r, which is not an IPv4 address' % (address,))
    return addresses


def token_hours(body, field):
    """``accessTokenHours`` / ``refreshTokenHours``: 1 to 17520, or "UL" (unlimited); the default when absent."""
    value = body.get(field, DEFAULT_HOURS[field])
    if value == 'UL':
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not TOKEN_HOURS[0] <= value <= TOKEN_HOURS[1]:
        raise bad_request('%s must be between %d and %d, or "UL"; got %r' % ((field,) + TOKEN_HOURS + (value,)))
    return value


def opaque_token(kind):
    """A JWT-shaped string that carries nothing: header.payload.signature of random bytes."""
    parts = [base64.urlsafe_b64encode(os.urandom(size)).decode('ascii').rstrip('=') for size in (12, 48, 32)]
    return 'eyJ%s.%s.%s' % (kind, parts[1], parts[2])


class SettingsOps(object):
    """The IP ACL, token generator and token sets of the keys a ``KeyStore`` holds."""

    def _acl_key(self, req, action):
        key = self._key(req.boundary, req.tag)
        if key['status'] != 'ENABLE':
            raise wrong_state(key, action)
        return key

    def get_acl(self, req):
        with self.lock:
            key = self._key(req.boundary, req.tag)
            acl = key_acl(key)
            return {'keyTag': key['keyTag'], 'isAclEnabled': acl['isAclEnabled'],
                    'allowedIpList': list(acl['allowedIpList'])}

    def add_acl_ips(self, req):
        with self.lock:
            key = self._acl_key(req, 'change the IP ACL of')
            acl = key_acl(key)
            for address in ip_list(req.body):
                if address not in acl['allowedIpList']:
                    acl['allowedIpList'].append(address)
            self.save()
            return {'keyTag': key['keyTag'], 'allowedIpList': list(acl['allowedIpList'])}

    def delete_acl_ips(self, req):
        with self.lock:
            key = self._acl_key(req, 'change the IP ACL of')
            acl = key_acl(key)
            removed = set(ip_list(req.body))
            acl['allowedIpList'] = [address for address in acl['allowedIpList'] if address not in removed]
            self.save()
            return {'keyTag': key['keyTag'], 'allowedIpList': list(acl['allowedIpList'])}

    def enable_acl(self, req):
        return self._set_acl(req, True)

    def disable_acl(self, req):
        return self._set_acl(req, False)

    def _set_acl(self, req, enabled):
        with self.lock:
            key = self._acl_key(req, '%s the IP ACL of' % ('enable' if enabled else 'disable'))
            key_acl(key)['isAclEnabled'] = enabled
            self.save()
            return {'keyTag': key['keyTag'], 'isAclEnabled': enabled}

    # ---- token generator and token sets ------------------------------------------------------------

    def _generator(self, key):
        generator = key.get('tokenGenerator')
        if not generator or generator['status'] != 'ACTIVE':
            raise KmsError(404, 'NOT_FOUND', 'key %s has no token generator' % key['keyTag'])
        return generator

    def _new_generator(self, key):
        self.next_generator_id = getattr(self, 'next_generator_id', 0) + 1
        key['tokenGenerator'] = {'tokenGeneratorId': self.next_generator_id, 'status': 'ACTIVE',
                                 'enabledDate': self.now_ms(), 'disabledDate': None, 'issuedTokenCount': 0}

    def get_token_generator(self, req):
        with self.lock:
            return dict(self._generator(self._key(req.boundary, req.tag)))

    def create_token_generator(self, req):
        with self.lock:
            key = self._acl_key(req, 'create a token generator for')
            if key.get('tokenGenerator') and key['tokenGenerator']['status'] == 'ACTIVE':
                raise KmsError(409, 'DUPLICATE', 'key %s has a token generator already' % key['keyTag'])
            self._new_generator(key)
            self.save()
            return None

    def replace_token_generator(self, req):
        """Voids every token the generator issued (doc)."""
        with self.lock:
            key = self._acl_key(req, 'replace the token generator of')
            self._generator(key)
            self._new_generator(key)
            self.save()
            return None

    def discard_token_generator(self, req):
        """Voids every token the generator issued (doc)."""
        with self.lock:
            key = self._acl_key(req, 'discard the token generator of')
            generator = self._generator(key)
            generator.update(status='INACTIVE', disabledDate=self.now_ms())
            self.save()
            return None

    def issue_token_set(self, req):
        with self.lock:
            key = self._acl_key(req, 'issue tokens for')
            generator = self._generator(key)
            token_hours(req.body, 'accessTokenHours')
            token_hours(req.body, 'refreshTokenHours')
            generator['issuedTokenCount'] += 1
            self.save()
            return {'refreshToken': opaque_token('R'), 'accessToken': opaque_token('A')}
