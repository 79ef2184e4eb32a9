# -*- coding: utf-8 -*-
"""Least privilege of run-as users (issue 10, point 7), the one rule in
``builder.check_run_as``: a Site Administrator's cron runs as themselves; a
Manager may choose anyone, the system user too.  Over real HTTP, as the
REST API and the forms are what Site Administrators use.
"""

from collective.cron.crontab import Crontab
from collective.cron.tests.test_restapi import RestApiMixin
from plone.app.testing import SITE_OWNER_NAME

import json
import transaction
import unittest


class TestRunAsOverRest(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestRunAsOverRest, self).setUp()
        self.admin = self.session(u"siteadmin")

    def post(self, session, **values):
        values.setdefault(u"name", u"collective.cron.test.ok")
        values.setdefault(u"periodicity", u"@daily")
        return session.post(u"@crons", data=json.dumps(values))

    def test_site_administrator_runs_as_themselves_by_default(self):
        response = self.post(self.admin, uid=u"mine")
        self.assertEqual(response.status_code, 201, response.text)
        transaction.begin()
        self.assertEqual(Crontab.load(self.portal).crons[u"mine"].user, u"siteadmin")

    def test_site_administrator_may_not_choose_the_system_user(self):
        response = self.post(self.admin, uid=u"sys", user=u"")
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()[u"error"][u"field"], u"user")
        transaction.begin()
        self.assertNotIn(u"sys", Crontab.load(self.portal).crons)

    def test_site_administrator_may_not_choose_another_user(self):
        response = self.post(self.admin, uid=u"other", user=SITE_OWNER_NAME)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()[u"error"][u"field"], u"user")

    def test_site_administrator_may_not_edit_a_system_cron(self):
        self.add_cron(uid=u"sys", user=u"")
        response = self.admin.patch(
            u"@crons/sys", data=json.dumps({u"periodicity": u"@hourly"})
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()[u"error"][u"field"], u"user")
        # ... unless the edit makes it run as themselves.
        response = self.admin.patch(
            u"@crons/sys", data=json.dumps({u"user": u"siteadmin"})
        )
        self.assertEqual(response.status_code, 204, response.text)

    def test_manager_keeps_the_system_user(self):
        response = self.post(self.api, uid=u"sys", user=u"")
        self.assertEqual(response.status_code, 201, response.text)
        response = self.post(self.api, uid=u"def")
        transaction.begin()
        self.assertEqual(Crontab.load(self.portal).crons[u"def"].user, u"")

    def test_import_is_checked_too(self):
        data = {
            u"crons": [
                {u"uid": u"x", u"name": u"n", u"periodicity": u"@daily", u"user": u""}
            ]
        }
        response = self.admin.post(u"@crons/@import", data=json.dumps(data))
        self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(response.json()[u"error"][u"field"], u"user")


class TestRestLimits(RestApiMixin, unittest.TestCase):
    def test_form_post_is_refused(self):
        session = self.session(SITE_OWNER_NAME, self.owner_password())
        response = session.post(
            u"@crons",
            data=u"name=x",
            headers={u"Content-Type": u"application/x-www-form-urlencoded"},
        )
        self.assertEqual(response.status_code, 415, response.text)
        self.assertEqual(response.json()[u"error"][u"type"], u"UnsupportedMediaType")

    def test_import_without_mode_merges(self):
        self.add_cron(uid=u"stays")
        data = {u"crons": [{u"uid": u"new", u"name": u"n", u"periodicity": u"@daily"}]}
        response = self.api.post(u"@crons/@import", data=json.dumps(data))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()[u"mode"], u"merge")
        transaction.begin()
        self.assertIn(u"stays", Crontab.load(self.portal).crons)

    def owner_password(self):
        from plone.app.testing import SITE_OWNER_PASSWORD

        return SITE_OWNER_PASSWORD
