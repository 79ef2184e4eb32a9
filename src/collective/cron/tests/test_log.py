# -*- coding: utf-8 -*-
"""Log: JSON round trips, statuses, messages and the logs of 2.x."""

from collective.cron import legacy
from collective.cron.cron import InvalidCron
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import NOTRUN
from collective.cron.log import OK
from collective.cron.log import STATUS_NAMES
from collective.cron.log import WARN

import datetime
import json
import os
import pytz
import time
import unittest

UTC = pytz.utc


class TestLog(unittest.TestCase):

    def test_round_trip(self):
        log = Log(
            date=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            status=WARN,
            messages=[u"caf\xe9", u"two"],
            started=datetime.datetime(2026, 1, 2, 3, 4, 0, tzinfo=UTC),
            duration=5.25,
            trigger=u"manual",
            instance=u"host:1234",
            scheduled=datetime.datetime(2026, 1, 2, 3, 4, 0, tzinfo=UTC),
            detail=u"Traceback ...",
        )
        data = json.loads(json.dumps(log.dump()))
        self.assertEqual(data["date"], "2026-01-02T03:04:05+00:00")
        self.assertEqual(data["status"], 2)
        self.assertEqual(Log.load(data), log)
        self.assertEqual(Log.load(json.dumps(data)).messages, [u"caf\xe9", u"two"])

    def test_statuses(self):
        self.assertEqual((FAILURE, OK, WARN, NOTRUN), (0, 1, 2, 3))
        for given, expected in [(0, 0), ("1", 1), ("warn", 2), ("NOTRUN", 3)]:
            self.assertEqual(Log(status=given).status, expected)

    def test_unknown_status(self):
        for bad in (7, "great", None, True):
            with self.assertRaises(InvalidCron) as caught:
                Log(status=bad)
            self.assertEqual(caught.exception.field, "status")
            self.assertIn("Unknown log status", str(caught.exception))

    def test_2x_log_naive_local_date(self):
        data = {"date": "2012-06-01 10:30:00", "status": 1, "messages": ["done"]}
        log = Log.load(data, local_timezone="Europe/Paris")
        self.assertEqual(log.date, datetime.datetime(2012, 6, 1, 8, 30, tzinfo=UTC))
        self.assertEqual(log.status, OK)
        self.assertEqual(log.messages, [u"done"])
        self.assertEqual(log.trigger, u"schedule")

    def test_2x_log_server_local_time(self):
        previous = os.environ.get("TZ")
        os.environ["TZ"] = "America/New_York"
        time.tzset()
        try:
            log = Log.load({"date": "2012-01-01 10:00:00", "status": 0})
        finally:
            if previous is None:
                del os.environ["TZ"]
            else:
                os.environ["TZ"] = previous
            time.tzset()
        self.assertEqual(log.date, datetime.datetime(2012, 1, 1, 15, 0, tzinfo=UTC))

    def test_messages_normalised(self):
        self.assertEqual(Log(status=1, messages=u"one").messages, [u"one"])
        self.assertEqual(Log(status=1, messages=None).messages, [])
        self.assertEqual(
            Log(status=1, messages=[b"bytes", 3]).messages, [u"bytes", u"3"]
        )

    def test_unreadable_date(self):
        with self.assertRaises(InvalidCron) as caught:
            Log.load({"date": "yesterday", "status": 1})
        self.assertEqual(caught.exception.field, "date")

    def test_3x_dates_with_any_offset(self):
        log = Log.load({"date": "2026-01-02T04:04:05+01:00", "status": "OK"})
        self.assertEqual(log.date, datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
        self.assertIs(log.date.tzinfo, UTC)
        log = Log.load({"date": "2026-01-02T03:04:05.250Z", "status": "OK"})
        self.assertEqual(
            log.date, datetime.datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)
        )

    def test_statuses_keep_the_integers_of_2x(self):
        self.assertEqual(
            [STATUS_NAMES[value] for value in range(4)], list(legacy.STATUSES)
        )
