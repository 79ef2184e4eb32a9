# -*- coding: utf-8 -*-
"""Crontab, Cron and Log: JSON round trips, validation and 2.x data."""
from collective.cron import clock
from collective.cron import crontab as models
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import Log

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
            status=models.WARN,
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
        self.assertEqual(
            (models.FAILURE, models.OK, models.WARN, models.NOTRUN), (0, 1, 2, 3)
        )
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
        self.assertEqual(log.status, models.OK)
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
        self.assertEqual(Log(status=1, messages=[b"bytes", 3]).messages, [u"bytes", u"3"])

    def test_unreadable_date(self):
        with self.assertRaises(InvalidCron) as caught:
            Log.load({"date": "yesterday", "status": 1})
        self.assertEqual(caught.exception.field, "date")


class TestCron(unittest.TestCase):

    def test_defaults(self):
        cron = Cron(name=u"cleanup", periodicity=u"*/5 * * * *")
        self.assertEqual(len(cron.uid), 32)
        self.assertTrue(cron.activated)
        self.assertEqual(cron.environ, {})
        self.assertEqual(cron.logs_limit, models.DEFAULT_LOGS_LIMIT)
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
        self.assertEqual(
            sorted(data),
            sorted(
                [
                    "uid", "name", "activated", "periodicity", "timezone", "user",
                    "environ", "logs_limit", "description", "missed", "logs",
                ]
            ),
        )
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
        self.assertEqual([log.status for log in cron.logs], [models.WARN, models.FAILURE])
        self.assertEqual(
            cron.logs[0].date, datetime.datetime(2013, 2, 3, 4, 5, 6, tzinfo=UTC)
        )

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
            (dict(name=u"x", periodicity=u"@daily", timezone=u"Mars/Olympus"), "timezone"),
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


class TestCrontab(unittest.TestCase):

    def test_round_trip(self):
        crontab = Crontab(activated=False)
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"1"))
        crontab.add_cron(Cron(name=u"b", periodicity=u"*/2 * * * *", uid=u"2"))
        data = json.loads(json.dumps(crontab.dump()))
        again = Crontab.from_dump(data)
        self.assertFalse(again.activated)
        self.assertEqual(list(again.crons), [u"1", u"2"])
        self.assertEqual(again.dump(), crontab.dump())
        self.assertIs(again.crons[u"1"].crontab, again)

    def test_from_dump_validates_every_cron(self):
        data = {"crons": [{"name": "a", "periodicity": "@daily"},
                          {"name": "b", "periodicity": "every day"}]}
        with self.assertRaises(InvalidCron):
            Crontab.from_dump(data)

    def test_remove(self):
        crontab = Crontab()
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily", uid=u"1"))
        cron = crontab.remove_cron(u"1")
        self.assertIsNone(cron.crontab)
        self.assertEqual(len(crontab.crons), 0)

    def test_by_name(self):
        crontab = Crontab()
        crontab.add_cron(Cron(name=u"a", periodicity=u"@daily"))
        crontab.add_cron(Cron(name=u"a", periodicity=u"@hourly"))
        crontab.add_cron(Cron(name=u"b", periodicity=u"@hourly"))
        self.assertEqual(len(crontab.by_name(u"a")), 2)
