# -*- coding: utf-8 -*-
"""Least privilege (issue 10, point 7) over real HTTP: Site Administrator
against Manager, on what makes a cron run (REST ``run``, the dashboard's
bulk "Activate" / "Run now") and on what stops it.

Creating, editing and importing are in ``test_privilege``; the dashboard's
pages one by one in ``test_dashboard_privilege``.  Here a real WSGI server
answers ``requests`` sessions, with Basic auth and the page's CSRF token.
"""

from collective.cron.interfaces import IQueueManager
from collective.cron.tests.test_restapi import PASSWORD
from collective.cron.tests.test_restapi import RestApiMixin

import lxml.html
import transaction
import unittest


class TestRunAsOverHttp(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestRunAsOverHttp, self).setUp()
        self.portal.acl_users.userFolderAddUser(u"boss", PASSWORD, [u"Manager"], [])
        transaction.commit()
        # Saved by a script (nobody logged in), as after an upgrade from 2.x.
        self.add_cron(uid=u"mine", user=u"siteadmin", activated=False)
        self.add_cron(uid=u"system", user=u"", activated=False)
        self.add_cron(uid=u"boss", user=u"boss", activated=False)
        self.admin = self.session(u"siteadmin")
        self.boss = self.session(u"boss")

    def manual_runs(self):
        self.crontab()
        return sorted(
            job[u"uid"]
            for job in IQueueManager(self.portal).jobs()
            if job[u"trigger"] == u"manual"
        )

    def active(self):
        return sorted(
            uid for uid, cron in self.crontab().crons.items() if cron.activated
        )

    def bulk(self, session, button, *uids):
        """Post the dashboard's bulk form as a browser would (token and all)."""
        url = self.portal_url + u"/@@cron-settings"
        page = session.get(url, headers={u"Accept": u"text/html"})
        self.assertEqual(page.status_code, 200)
        token = lxml.html.fromstring(page.text).xpath(
            u'//form[@id="cron-bulk"]//input[@name="_authenticator"]/@value'
        )[0]
        data = [(u"uids:list", uid) for uid in uids]
        data += [(u"_authenticator", token), (button, u"1")]
        return session.post(
            url + u"/bulk",
            data=data,
            headers={
                u"Accept": u"text/html",
                u"Content-Type": u"application/x-www-form-urlencoded",
            },
        )

    # -- REST --------------------------------------------------------------

    def test_rest_run_of_a_cron_with_more_rights_is_refused(self):
        for uid in (u"system", u"boss"):
            response = self.admin.post(u"@crons/%s/run" % uid)
            error = self.assertError(response, 403, u"Forbidden", u"user")
            self.assertIn(u"rights you do not have", error[u"message"])
        self.assertEqual(self.manual_runs(), [])

    def test_rest_run_of_own_cron(self):
        response = self.admin.post(u"@crons/mine/run")
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.manual_runs(), [u"mine"])

    def test_rest_manager_runs_any_cron(self):
        for uid in (u"system", u"boss"):
            response = self.boss.post(u"@crons/%s/run" % uid)
            self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.manual_runs(), [u"boss", u"system"])

    def test_rest_turning_on_a_cron_with_more_rights_is_refused(self):
        response = self.admin.patch(u"@crons/system", json={u"activated": True})
        self.assertError(response, 400, u"BadRequest", u"user")
        self.assertEqual(self.active(), [])

    # -- the dashboard -------------------------------------------------------

    def test_bulk_activate_over_http(self):
        response = self.bulk(
            self.admin, u"form.button.activate", u"mine", u"system", u"boss"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(u"Left as they were (2)", response.text)
        self.assertEqual(self.active(), [u"mine"])
        self.bulk(self.boss, u"form.button.activate", u"system", u"boss")
        self.assertEqual(self.active(), [u"boss", u"mine", u"system"])

    def test_bulk_run_over_http(self):
        response = self.bulk(self.admin, u"form.button.run", u"mine", u"boss")
        self.assertIn(u"Crons queued to run now: 1.", response.text)
        self.assertEqual(self.manual_runs(), [u"mine"])

    def test_bulk_deactivate_is_allowed(self):
        self.bulk(self.boss, u"form.button.activate", u"system", u"boss")
        response = self.bulk(self.admin, u"form.button.deactivate", u"system")
        self.assertIn(u"Crons turned off: 1.", response.text)
        self.assertEqual(self.active(), [u"boss"])
