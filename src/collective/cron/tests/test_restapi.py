# -*- coding: utf-8 -*-
"""The @crons REST API through real HTTP: shared helpers, access and routing.

The other ``test_restapi_*`` modules test one endpoint each, with the
``RestApiMixin`` of this module.
"""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.testing import COLLECTIVE_CRON_RESTAPI_FUNCTIONAL_TESTING
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.app.testing import TEST_USER_ID
from plone.app.testing import TEST_USER_NAME
from plone.app.testing import TEST_USER_PASSWORD
from zope.globalrequest import getRequest

import requests
import transaction
import unittest

try:
    from plone.restapi.testing import RelativeSession
except ImportError:  # plone.restapi's test dependencies are not installed
    from six.moves.urllib.parse import urljoin

    class RelativeSession(requests.Session):
        """URLs relative to a base, as plone.restapi.testing's session."""

        def __init__(self, base_url, test=None):
            super(RelativeSession, self).__init__()
            self.base_url = base_url if base_url.endswith(u"/") else base_url + u"/"

        def request(self, method, url, **kwargs):
            if not url.startswith((u"http://", u"https://")):
                url = urljoin(self.base_url, url.lstrip(u"/"))
            return super(RelativeSession, self).request(method, url, **kwargs)


USE_RESTAPI = u"plone.restapi: Use REST API"
PASSWORD = u"secret-password"


class RestApiMixin(object):
    """A site with plone.restapi, sessions per user, crons to play with."""

    layer = COLLECTIVE_CRON_RESTAPI_FUNCTIONAL_TESTING

    def setUp(self):
        self.app = self.layer[u"app"]
        self.portal = self.layer[u"portal"]
        self.portal_url = self.portal.absolute_url()
        self.crons_url = self.portal_url + u"/@crons"
        self.portal.acl_users.userFolderAddUser(
            u"siteadmin", PASSWORD, [u"Site Administrator"], []
        )
        self.portal.acl_users.userFolderAddUser(u"member", PASSWORD, [u"Member"], [])
        transaction.commit()
        self.api = self.session(SITE_OWNER_NAME, SITE_OWNER_PASSWORD)

    def session(self, user=None, password=PASSWORD):
        session = RelativeSession(self.portal_url)
        self.addCleanup(session.close)
        # Writes need a JSON content type (issue 10, point 10).
        session.headers.update(
            {u"Accept": u"application/json", u"Content-Type": u"application/json"}
        )
        if user is not None:
            session.auth = (user, password)
        return session

    def add_cron(self, **values):
        values.setdefault(u"name", u"collective.cron.test.ok")
        values.setdefault(u"periodicity", u"@daily")
        cron = Cron(**values)
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        return cron

    def crontab(self):
        """The crontab as the server left it."""
        transaction.begin()
        # plone.registry >= 2 (Plone 6.2) caches values on the request; the
        # test's request lives as long as the test, the server's did not.
        request = getRequest()
        if request is not None and getattr(request, u"other", None) is not None:
            request.other.pop(u"_plone_registry_cache", None)
        return Crontab.load(self.portal)

    def assertError(self, response, status, type_=None, field=None):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers[u"Content-Type"], u"application/json")
        error = response.json()[u"error"]
        self.assertTrue(error[u"message"])
        if type_ is not None:
            self.assertEqual(error[u"type"], type_)
        if field is not None:
            self.assertEqual(error.get(u"field"), field, error)
        return error


class TestAccess(RestApiMixin, unittest.TestCase):
    """Only people with "collective.cron: Manage crons" reach @crons."""

    def setUp(self):
        super(TestAccess, self).setUp()
        self.cron = self.add_cron(uid=u"u1")

    def requests(self):
        return [
            (u"get", u"@crons", None),
            (u"get", u"@crons/u1", None),
            (u"get", u"@crons/u1/logs", None),
            (u"get", u"@crons/@export", None),
            (u"post", u"@crons", {u"name": u"x", u"periodicity": u"@daily"}),
            (u"post", u"@crons/u1/run", None),
            (u"post", u"@crons/@import", {u"crons": []}),
            (u"patch", u"@crons", {u"activated": False}),
            (u"patch", u"@crons/u1", {u"activated": False}),
            (u"delete", u"@crons/u1/logs", None),
            (u"delete", u"@crons/u1", None),
        ]

    def assertRefused(self, session):
        for method, url, body in self.requests():
            response = getattr(session, method)(url, json=body)
            self.assertIn(response.status_code, (401, 403), u"%s %s" % (method, url))
            self.assertEqual(response.json()[u"type"], u"Unauthorized")
        crontab = self.crontab()
        self.assertEqual(list(crontab.crons), [u"u1"])
        self.assertTrue(crontab.activated)

    def test_anonymous_is_refused(self):
        self.assertRefused(self.session())

    def test_member_is_refused(self):
        self.assertRefused(self.session(u"member"))

    def test_site_administrator_may(self):
        session = self.session(u"siteadmin")
        self.assertEqual(session.get(u"@crons").status_code, 200)
        self.add_cron(uid=u"own", user=u"siteadmin")
        response = session.patch(u"@crons/own", json={u"activated": False})
        self.assertEqual(response.status_code, 204)
        self.assertFalse(self.crontab().crons[u"own"].activated)
        # u1 runs as the system user: more rights than a Site Administrator
        response = session.patch(u"@crons/u1", json={u"activated": False})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()[u"error"][u"field"], u"user")
        self.assertTrue(self.crontab().crons[u"u1"].activated)

    def test_site_manager_may(self):
        session = self.session(TEST_USER_NAME, TEST_USER_PASSWORD)
        from plone.app.testing import setRoles

        setRoles(self.portal, TEST_USER_ID, [u"Manager"])
        transaction.commit()
        self.assertEqual(session.get(u"@crons").status_code, 200)

    def test_without_restapi_profile_managers_still_may(self):
        # A site without plone.restapi's profile: "Use REST API" is only
        # given to Manager (the default of a Zope permission).
        self.portal.manage_permission(USE_RESTAPI, [u"Manager"], acquire=False)
        transaction.commit()
        self.assertEqual(self.api.get(u"@crons").status_code, 200)
        response = self.session(u"siteadmin").get(u"@crons")
        self.assertEqual(response.status_code, 401)


class TestRouting(RestApiMixin, unittest.TestCase):
    def test_unknown_paths_are_not_found(self):
        self.add_cron(uid=u"u1")
        for method, url in [
            (u"get", u"@crons/u1/nothing"),
            (u"get", u"@crons/u1/logs/0"),
            (u"post", u"@crons/u1"),
            (u"post", u"@crons/u1/logs"),
            (u"patch", u"@crons/u1/logs"),
            (u"delete", u"@crons"),
            (u"delete", u"@crons/@export"),
        ]:
            response = getattr(self.api, method)(url, json={})
            self.assertError(response, 404, u"NotFound")

    def test_unknown_cron_is_not_found(self):
        for method, url in [
            (u"get", u"@crons/nope"),
            (u"get", u"@crons/nope/logs"),
            (u"patch", u"@crons/nope"),
            (u"delete", u"@crons/nope"),
            (u"delete", u"@crons/nope/logs"),
            (u"post", u"@crons/nope/run"),
        ]:
            response = getattr(self.api, method)(url, json={u"activated": False})
            error = self.assertError(response, 404, u"NotFound")
            self.assertIn(u"nope", error[u"message"])

    def test_body_that_is_not_json(self):
        response = self.api.post(
            u"@crons",
            data=u"{not json",
            headers={u"Content-Type": u"application/json"},
        )
        self.assertError(response, 400, u"DeserializationError")
        response = self.api.post(u"@crons", json=[u"a", u"list"])
        self.assertError(response, 400, u"DeserializationError")
        self.assertEqual(len(self.crontab().crons), 0)
