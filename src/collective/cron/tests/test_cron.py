# -*- coding: utf-8 -*-
"""Cron: JSON round trips, validation of every field, 2.x crons, next run."""

from collective.cron import clock
from collective.cron.builder import FIELDS
from collective.cron.cron import Cron
from collective.cron.cron import DEFAULT_LOGS_LIMIT
from collective.cron.cron import InvalidCron
from collective.cron.crontab import Crontab
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import OK
from collective.cron.log import WARN

import datetime
import json
import pytz
import unittest

UTC = pytz.utc


class TestCron(unittest.TestCase):

    def test_defaults(self):
        cron = Cron(name=u"cleanup", periodicity=u"*/5 * * * *")
        self.assertEqual(len(cron.uid), 32)
        self.assertTrue(cron.activated)
        self.assertEqual(cron.environ, {})
        self.assertEqual(cron.logs_limit, DEFAULT_LOGS_LIMIT)
        self.assertEqual(cron.missed, u"run_once")
        self.assertEqual(cron.effective_timezone, u"UTC")

    def test_round_trip(self):
        cron = Cron(
            uid=u"abc",
            name=u"cleanup",
            periodicity=u"@daily",
            activated=False,
            user=u"admin",
            environ={u"folder": u"/news", u"days": 3},
            logs_limit=3,
            timezone=u"Europe/Paris",
            description=u"Removes old news",
            missed=u"skip",
            logs=[Log(status=1, messages=[u"ok"])],
        )
        data = json.loads(json.dumps(cron.dump()))
        # every field a file or a request may set (builder.FIELDS), and the logs
        self.assertEqual(sorted(data), sorted(list(FIELDS) + ["logs"]))
        again = Cron.load(data)
        self.assertEqual(again, cron)
        self.assertEqual(again.dump(), cron.dump())
        self.assertEqual(again.logs[0].messages, [u"ok"])
        self.assertNotIn("logs", cron.dump(include_logs=False))

    def test_2x_cron(self):
        text = json.dumps(
            {
                "uid": "e9f6a1c2",
                "name": "mycronjob",
                "user": "admin",
                "activated": True,
                "periodicity": "*/1 * * * *",
                "logs_limit": 5,
                "environ": {"a": 1},
                "logs": [
                    {"date": "2013-02-03 04:05:06", "status": 2, "messages": ["w"]},
                    {"date": "2013-02-03 04:06:06", "status": 0, "messages": ["boom"]},
                ],
            }
        )
        cron = Cron.load(text, local_timezone="UTC")
        self.assertEqual(cron.uid, u"e9f6a1c2")
        self.assertEqual(cron.timezone, u"")
        self.assertEqual(cron.missed, u"run_once")
        self.assertEqual([log.status for log in cron.logs], [WARN, FAILURE])
        self.assertEqual(
            cron.logs[0].date, datetime.datetime(2013, 2, 3, 4, 5, 6, tzinfo=UTC)
        )

    def test_2x_logs_newest_first(self):
        # collective.cron 2.x kept a cron's logs newest first
        text = json.dumps(
            {
                "uid": "4f1c3b7e-2d9a-4a4e-b3f0-8c1d2e3f4a5b",
                "name": "my.site.sync",
                "user": "admin",
                "activated": True,
                "periodicity": "0 * * * *",
                "logs_limit": 3,
                "environ": {},
                "logs": [
                    {"date": "2014-05-02 12:00:03", "status": 1, "messages": []},
                    {
                        "date": "2014-05-02 11:00:02",
                        "status": 0,
                        "messages": ["Traceback ...", "IOError: timeout"],
                    },
                    {
                        "date": "2014-05-02 10:00:01",
                        "status": 2,
                        "messages": ["2 items skipped"],
                    },
                ],
            }
        )
        cron = Cron.load(text, local_timezone="Europe/Paris")
        newest = datetime.datetime(2014, 5, 2, 10, 0, 3, tzinfo=UTC)
        self.assertEqual([log.date.hour for log in cron.logs], [8, 9, 10])
        self.assertEqual([log.status for log in cron.logs], [WARN, FAILURE, OK])
        self.assertEqual(cron.last_log.date, newest)
        self.assertEqual(cron.last_log.status, OK)
        self.assertEqual(cron.last_run, newest)
        self.assertEqual(cron.last_status, "OK")
        # what 3 writes (dump) is oldest first and reads back the same
        again = Cron.load(cron.dump())
        self.assertEqual([log.status for log in again.logs], [WARN, FAILURE, OK])
        self.assertEqual(again.last_log, cron.last_log)

    def test_last_log_by_date_not_position(self):
        old = Log(date=datetime.datetime(2020, 1, 1, tzinfo=UTC), status=FAILURE)
        new = Log(date=datetime.datetime(2021, 1, 1, tzinfo=UTC), status=OK)
        for logs in ([old, new], [new, old]):
            cron = Cron(name=u"x", periodicity=u"@daily", logs=logs)
            self.assertIs(cron.last_log, new)
            self.assertEqual(cron.logs, [old, new])
        cron = Cron(name=u"x", periodicity=u"@daily")
        self.assertIsNone(cron.last_log)
        self.assertIsNone(cron.last_run)
        self.assertIsNone(cron.last_status)

    def test_invalid_periodicity_names_field(self):
        with self.assertRaises(InvalidCron) as caught:
            Cron(name=u"x", periodicity=u"61 * * * *")
        self.assertEqual(caught.exception.field, "periodicity")
        self.assertIn("minute", str(caught.exception))

    def test_invalid_values(self):
        cases = [
            (dict(name=u"", periodicity=u"@daily"), "name"),
            (dict(name=u"x", periodicity=u"@daily", environ=u"[1, 2]"), "environ"),
            (dict(name=u"x", periodicity=u"@daily", environ=u"{broken"), "environ"),
            (dict(name=u"x", periodicity=u"@daily", environ=[1]), "environ"),
            (dict(name=u"x", periodicity=u"@daily", logs_limit=0), "logs_limit"),
            (dict(name=u"x", periodicity=u"@daily", logs_limit=u"many"), "logs_limit"),
            (
                dict(name=u"x", periodicity=u"@daily", timezone=u"Mars/Olympus"),
                "timezone",
            ),
            (dict(name=u"x", periodicity=u"@daily", missed=u"twice"), "missed"),
        ]
        for kwargs, field in cases:
            with self.assertRaises(InvalidCron) as caught:
                Cron(**kwargs)
            self.assertEqual(caught.exception.field, field, kwargs)

    def test_environ_from_json_text(self):
        cron = Cron(name=u"x", periodicity=u"@daily", environ=u'{"a": [1, 2]}')
        self.assertEqual(cron.environ, {u"a": [1, 2]})

    def test_broken_json(self):
        with self.assertRaises(InvalidCron):
            Cron.load(u"{not json")
        with self.assertRaises(InvalidCron):
            Cron.load(u"[1, 2]")

    def test_next_uses_timezone_and_clock(self):
        clock.freeze(datetime.datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
        self.addCleanup(clock.reset)
        cron = Cron(name=u"x", periodicity=u"0 3 * * *", timezone=u"Europe/Paris")
        # 03:00 in Paris in summer is 01:00 UTC, the next day
        self.assertEqual(cron.next, datetime.datetime(2026, 7, 2, 1, 0, tzinfo=UTC))
        cron.activated = False
        self.assertIsNone(cron.next)

    def test_crontab_switch_stops_next(self):
        clock.freeze(datetime.datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
        self.addCleanup(clock.reset)
        crontab = Crontab()
        cron = crontab.add_cron(Cron(name=u"x", periodicity=u"@hourly"))
        self.assertIsNotNone(cron.next)
        crontab.activated = False
        self.assertIsNone(cron.next)

    def test_timezone_falls_back_to_crontab(self):
        crontab = Crontab()
        crontab.default_timezone = u"America/New_York"
        cron = crontab.add_cron(Cron(name=u"x", periodicity=u"@hourly"))
        self.assertEqual(cron.effective_timezone, u"America/New_York")
        cron.timezone = u"Asia/Tokyo"
        self.assertEqual(cron.effective_timezone, u"Asia/Tokyo")
