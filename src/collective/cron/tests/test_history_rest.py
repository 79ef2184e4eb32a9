# -*- coding: utf-8 -*-
"""GET @crons/<uid>: its run history's figures (``history``) and its audit
trail (``audit``); GET @crons/@audit: who deleted which cron (issue 12)."""

from collective.cron import runhistory
from collective.cron.interfaces import ILogStore
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import WARN
from collective.cron.tests.test_restapi import RestApiMixin

import datetime
import json
import pytz
import transaction
import unittest

START = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=pytz.utc)


class TestHistory(RestApiMixin, unittest.TestCase):
    def add_logs(self, uid, runs):
        store = ILogStore(self.portal)
        for index, (status, duration) in enumerate(runs):
            started = START + datetime.timedelta(hours=index)
            store.append(
                uid,
                Log(
                    date=started,
                    started=started,
                    status=status,
                    duration=duration,
                    messages=[],
                ),
                100,
            )
        transaction.commit()

    def test_figures(self):
        self.add_cron(uid=u"h")
        # 20 runs of 1..20 s (the 5th failed, the 6th warned), one NOTRUN
        runs = [(OK, float(seconds)) for seconds in range(1, 21)]
        runs[4] = (FAILURE, 5.0)
        runs[5] = (WARN, 6.0)
        runs.append((NOTRUN, None))
        self.add_logs(u"h", runs)
        response = self.api.get(u"@crons/h")
        self.assertEqual(response.status_code, 200, response.text)
        history = response.json()[u"history"]
        self.assertEqual(history[u"runs"], 20)
        self.assertEqual(history[u"notrun"], 1)
        self.assertEqual(history[u"success_rate"], 95.0)
        self.assertEqual(history[u"average"], 10.5)
        self.assertEqual(history[u"p95"], 19.0)
        last = history[u"last_runs"]
        self.assertEqual(len(last), 21)
        self.assertEqual(
            last[0],
            {
                u"date": u"2026-12-02T04:00:00+00:00",
                u"status": u"NOTRUN",
                u"duration": None,
                u"trigger": u"schedule",
            },
        )
        self.assertEqual(last[-1][u"date"], u"2026-12-01T08:00:00+00:00")
        self.assertEqual(last[-1][u"duration"], 1.0)

    def test_the_page_and_rest_share_one_computation(self):
        from collective.cron.browser import history

        self.assertIs(history.figures, runhistory.figures)
        self.assertIs(history.percentile, runhistory.percentile)

    def test_last_runs_are_bounded(self):
        self.add_cron(uid=u"h")
        self.add_logs(u"h", [(OK, 1.0)] * (runhistory.SHOWN + 5))
        history = self.api.get(u"@crons/h").json()[u"history"]
        self.assertEqual(history[u"runs"], runhistory.SHOWN + 5)
        self.assertEqual(len(history[u"last_runs"]), runhistory.SHOWN)

    def test_no_runs_yet(self):
        self.add_cron(uid=u"h")
        history = self.api.get(u"@crons/h").json()[u"history"]
        self.assertEqual(
            history,
            {
                u"runs": 0,
                u"notrun": 0,
                u"success_rate": None,
                u"average": None,
                u"p95": None,
                u"last_runs": [],
            },
        )

    def test_the_listing_stays_light(self):
        self.add_cron(uid=u"h")
        item = self.api.get(u"@crons").json()[u"items"][0]
        self.assertNotIn(u"history", item)
        self.assertNotIn(u"audit", item)


class TestAudit(RestApiMixin, unittest.TestCase):
    def test_changes_through_rest_are_in_the_trail(self):
        admin = self.api
        response = admin.post(
            u"@crons",
            data=json.dumps(
                {
                    u"uid": u"t",
                    u"name": u"collective.cron.test.ok",
                    u"periodicity": u"@daily",
                    u"environ": {u"token": u"abc"},
                }
            ),
        )
        self.assertEqual(response.status_code, 201, response.text)
        response = admin.patch(
            u"@crons/t", data=json.dumps({u"periodicity": u"@hourly"})
        )
        self.assertIn(response.status_code, (200, 204), response.text)
        audit = admin.get(u"@crons/t").json()[u"audit"]
        self.assertEqual(
            [entry[u"action"] for entry in audit], [u"changed", u"created"]
        )
        self.assertEqual(audit[0][u"actor"], u"admin")
        self.assertEqual(
            audit[0][u"changes"],
            [{u"field": u"periodicity", u"old": u"@daily", u"new": u"@hourly"}],
        )
        self.assertNotIn(u"abc", json.dumps(audit))

    def test_who_deleted_it(self):
        self.add_cron(uid=u"d")
        response = self.session(u"siteadmin").delete(u"@crons/d")
        self.assertIn(response.status_code, (200, 204), response.text)
        deleted = self.api.get(u"@crons/@audit").json()
        self.assertEqual(deleted[u"@id"], self.crons_url + u"/@audit")
        (entry,) = deleted[u"items"]
        self.assertEqual(entry[u"uid"], u"d")
        self.assertEqual(entry[u"actor"], u"siteadmin")
        self.assertEqual(entry[u"action"], u"deleted")
        self.assertEqual(entry[u"name"], u"collective.cron.test.ok")

    def test_permission_checked_like_the_cron(self):
        self.add_cron(uid=u"p")
        for url in (u"@crons/p", u"@crons/@audit"):
            response = self.session(u"member").get(url)
            self.assertIn(response.status_code, (401, 403), response.text)
            self.assertNotIn(u"audit", response.text.replace(u"@audit", u""))
            response = self.session(u"siteadmin").get(url)
            self.assertEqual(response.status_code, 200, response.text)
