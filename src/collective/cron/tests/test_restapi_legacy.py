# -*- coding: utf-8 -*-
"""A cron of collective.cron 2.x (logs newest first, in local time, inside
the registry record) as REST and the dashboard show it: both tell the same
last run and status (``Cron.last_log`` / ``last_run`` / ``last_status`` is
the one derivation), over real HTTP.
"""

from collective.cron.registry import CRONTAB_RECORD
from collective.cron.tests.test_restapi import RestApiMixin
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import json
import lxml.html
import transaction
import unittest


def legacy_cron():
    """As 2.x wrote it: logs newest first, naive local times, int statuses."""
    return json.dumps(
        {
            "uid": "0f6c",
            "name": "collective.cron.test.ok",
            "user": "admin",
            "activated": True,
            "periodicity": "0 3 * * *",
            "logs_limit": 5,
            "environ": {},
            "logs": [
                {"date": "2013-07-03 03:00:01", "status": 0, "messages": ["x"]},
                {"date": "2013-01-02 03:00:01", "status": 2, "messages": ["w"]},
                {"date": "2013-01-01 03:00:01", "status": 1, "messages": []},
            ],
        }
    )


class TestLegacyLastRun(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestLegacyLastRun, self).setUp()
        registry = getUtility(IRegistry)
        registry["plone.portal_timezone"] = u"Europe/Paris"
        registry[CRONTAB_RECORD] = [u"%s" % legacy_cron()]
        transaction.commit()

    def dashboard_last(self):
        page = self.api.get(
            self.portal_url + u"/@@cron-settings", headers={u"Accept": u"text/html"}
        )
        self.assertEqual(page.status_code, 200)
        cell = lxml.html.fromstring(page.text).xpath(
            u'//td[contains(@class, "cron-last")]'
        )[0]
        status = [
            name[len(u"cron-status-") :]
            for name in cell.xpath(u".//span")[0].get(u"class").split()
            if name.startswith(u"cron-status-")
        ]
        return status[0], cell.xpath(u".//time/@datetime")[0]

    def test_rest_and_dashboard_agree(self):
        data = self.api.get(u"@crons/0f6c").json()
        # 2013-07-03 03:00:01 in Paris (summer time) is 01:00:01 UTC
        self.assertEqual(data[u"last_status"], u"FAILURE")
        self.assertEqual(data[u"last_run"], u"2013-07-03T01:00:01+00:00")
        self.assertEqual(data[u"last_log"][u"status"], u"FAILURE")
        self.assertEqual(data[u"last_log"][u"messages"], [u"x"])
        listed = self.api.get(u"@crons").json()[u"items"]
        self.assertEqual(
            [(item[u"last_status"], item[u"last_run"]) for item in listed],
            [(u"FAILURE", u"2013-07-03T01:00:01+00:00")],
        )
        status, when = self.dashboard_last()
        self.assertEqual(status, data[u"last_status"])
        self.assertEqual(when[:19], data[u"last_run"][:19])

    def test_logs_newest_first(self):
        logs = self.api.get(u"@crons/0f6c/logs").json()[u"items"]
        self.assertEqual(
            [(log[u"status"], log[u"date"]) for log in logs],
            [
                (u"FAILURE", u"2013-07-03T01:00:01+00:00"),
                (u"WARN", u"2013-01-02T02:00:01+00:00"),
                (u"OK", u"2013-01-01T02:00:01+00:00"),
            ],
        )
