# -*- coding: utf-8 -*-
"""The limits of a cron's fields: each one refused on save with the field
named, accepted at its bound, tolerated (with one warning) in stored data.

Table-driven: hypothesis is not a dependency of the project yet.
"""

from collective.cron import limits
from collective.cron import periodicity
from collective.cron.compat import text_type
from collective.cron.cron import Cron
from collective.cron.cron import InvalidCron
from collective.cron.cron import LIMITS
from collective.cron.crontab import Crontab
from collective.cron.periodicity.validate import FIELDS
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.registry import record_name
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import json
import logging
import time
import unittest
import uuid


def cron(**values):
    values.setdefault("name", u"cleanup")
    values.setdefault("periodicity", u"@daily")
    return Cron(**values)


def nested(depth):
    """Parameters nested ``depth`` levels (the object itself is level 1),
    built without recursion."""
    environ = {}
    inner = environ
    for _level in range(depth - 1):
        inner[u"a"] = {}
        inner = inner[u"a"]
    return environ


def nested_text(depth):
    return u'{"a": ' * (depth - 1) + u"{}" + u"}" * (depth - 1)


def deep_text(depth):
    """The shortest JSON object nested ``depth`` levels (2 characters a level)."""
    return u'{"a":' + u"[" * (depth - 1) + u"]" * (depth - 1) + u"}"


class RefusedTestCase(unittest.TestCase):

    def assertRefused(self, field, values, message=None):
        with self.assertRaises(InvalidCron) as caught:
            cron(**values)
        self.assertEqual(caught.exception.field, field, values.keys())
        if message:
            self.assertIn(message, str(caught.exception))
        return caught.exception


class TestLengths(RefusedTestCase):

    FIELDS = ("uid", "name", "description", "user")

    def test_at_the_limit_is_accepted(self):
        for field in self.FIELDS:
            value = u"\xe9" * LIMITS[field]
            self.assertEqual(getattr(cron(**{field: value}), field), value, field)

    def test_one_more_is_refused(self):
        for field in self.FIELDS:
            self.assertRefused(
                field, {field: u"x" * (LIMITS[field] + 1)}, "at most %d" % LIMITS[field]
            )

    def test_timezone(self):
        self.assertRefused(
            "timezone", {"timezone": u"Europe/" + u"x" * 100}, "too long"
        )

    def test_periodicity(self):
        # every value of every field spelled out: the longest useful one
        full = u" ".join(
            u",".join(str(value) for value in range(low, high + 1))
            for _name, low, high, _names in FIELDS
        )
        self.assertLessEqual(len(full), LIMITS["periodicity"])
        self.assertEqual(cron(periodicity=full).periodicity, full)
        long_list = u",".join([u"5"] * 300) + u" 3 * * *"
        self.assertRefused("periodicity", {"periodicity": long_list}, "too long")

    def test_absurd_periodicity_is_refused_quickly(self):
        # croniter needs about a second for a list this long
        absurd = u",".join(str(i % 60) for i in range(30000)) + u" * * * *"
        started = time.time()
        self.assertRefused("periodicity", {"periodicity": absurd}, "too long")
        with self.assertRaises(periodicity.InvalidPeriodicity):
            periodicity.validate(absurd)
        self.assertLess(time.time() - started, 0.5)

    def test_logs_limit(self):
        self.assertEqual(cron(logs_limit=1).logs_limit, 1)
        self.assertEqual(cron(logs_limit=LIMITS["logs_limit"]).logs_limit, 10000)
        for bad in (0, -1, LIMITS["logs_limit"] + 1):
            self.assertRefused("logs_limit", {"logs_limit": bad})


class TestCharacters(RefusedTestCase):

    def test_control_characters_are_refused(self):
        cases = [
            ("name", u"clean\x00up"),
            ("name", u"clean\nup"),
            ("name", u"clean\tup"),
            ("name", u"clean\x85up"),  # C1 (next line)
            ("name", u"clean\ufffeup"),
            ("uid", u"abc\x1b[31m"),
            ("user", u"admin\x00"),
            ("timezone", u"UTC\x00"),
            ("periodicity", u"0\x00 3 * * *"),
            ("description", u"one\x00two"),
            ("description", u"bell\x07"),
            ("description", u"del\x7f"),
            ("description", u"lone \ud800 surrogate"),
        ]
        for field, value in cases:
            error = self.assertRefused(field, {field: value}, "control character")
            self.assertIn(u"U+", str(error))

    def test_printable_text_is_accepted(self):
        name = u"caf\xe9 \u65e5\u672c \U0001f600"
        self.assertEqual(cron(name=name, uid=name).uid, name)

    def test_description_keeps_tabs_and_line_breaks(self):
        text = u"first line\n\tindented"
        self.assertEqual(cron(description=text).description, text)

    def test_description_line_breaks_are_normalised(self):
        # a form sends \r\n; crons.xml would read it back as \n
        self.assertEqual(cron(description=u"a\r\nb\rc").description, u"a\nb\nc")

    def test_error_names_the_position(self):
        error = self.assertRefused("name", {"name": u"ab\x00"})
        self.assertIn(u"(U+0000) at position 3", str(error))


class TestParameters(RefusedTestCase):

    def test_keys(self):
        enough = dict((u"k%d" % i, i) for i in range(LIMITS["environ_keys"]))
        self.assertEqual(len(cron(environ=enough).environ), LIMITS["environ_keys"])
        enough[u"one more"] = 1
        self.assertRefused("environ", {"environ": enough}, "at most 100")

    def test_size(self):
        # {"t":"..."} is 8 characters around the text
        text = u"x" * (LIMITS["environ_chars"] - 8)
        self.assertEqual(cron(environ={u"t": text}).environ, {u"t": text})
        self.assertRefused(
            "environ", {"environ": {u"t": text + u"x"}}, "10001 characters"
        )

    def test_huge_text_is_not_parsed(self):
        text = json.dumps({u"t": u"x" * (10 * LIMITS["environ_chars"])})
        self.assertRefused("environ", {"environ": text}, "too long")

    def test_depth(self):
        depth = LIMITS["environ_depth"]
        self.assertEqual(cron(environ=nested(depth)).environ, nested(depth))
        self.assertEqual(cron(environ=nested_text(depth)).environ, nested(depth))
        for environ in (nested(depth + 1), nested_text(depth + 1)):
            self.assertRefused("environ", {"environ": environ}, "nested more than 10")
        self.assertRefused(
            "environ", {"environ": {u"list": [[[[[[[[[[1]]]]]]]]]]}}, "nested"
        )

    def test_deeply_nested_parameters_name_environ(self):
        # deeper than Python's recursion limit: a RecursionError before
        for environ in (nested(100000), deep_text(40000)):
            self.assertRefused("environ", {"environ": environ}, "nested")
        whole = u'{"name": "x", "periodicity": "@daily", "environ": %s}' % (
            deep_text(40000),
        )
        with self.assertRaises(InvalidCron) as caught:
            Cron.load(whole)
        self.assertEqual(caught.exception.field, "environ")

    def test_values_that_are_not_json(self):
        cases = [
            {u"a": set([1])},
            {u"a": object()},
            {u"a": float("nan")},
            {u"a": float("inf")},
            {1: u"a number as a name"},
            {u"bad\x00name": 1},
            {u"a": [u"NUL \x00 in a text"]},
        ]
        for environ in cases:
            self.assertRefused("environ", {"environ": environ})

    def test_texts_may_hold_line_breaks(self):
        environ = {u"template": u"Hello\n\tworld\r\n", u"n": [1, 2.5, None, True]}
        self.assertEqual(cron(environ=environ).environ, environ)


class TestTable(unittest.TestCase):

    def test_one_table(self):
        # the pages and the documentation read these names
        self.assertEqual(
            list(LIMITS),
            [
                "uid",
                "name",
                "description",
                "user",
                "timezone",
                "periodicity",
                "environ_keys",
                "environ_chars",
                "environ_depth",
                "logs_limit",
            ],
        )
        self.assertEqual(LIMITS["periodicity"], periodicity.MAX_LENGTH)
        self.assertIs(limits.LIMITS, LIMITS)


class CapturedLogs(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class TestStoredData(unittest.TestCase):
    """Crons stored before the limits existed load, run and save unchanged;
    only a change that keeps breaking a limit is refused."""

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.registry = getUtility(IRegistry)
        self.uid = uuid.uuid4().hex
        self.stored = {
            u"uid": self.uid,
            u"name": u"n" * 300,
            u"periodicity": u",".join([u"5"] * 300) + u" 3 * * *",
            u"description": u"old\x00data",
            u"environ": dict((u"k%d" % i, i) for i in range(150)),
            u"user": u"",
            u"activated": True,
            u"logs_limit": 5,
        }
        self.good = Cron(name=u"other", periodicity=u"@hourly")
        self.registry[CRONTAB_RECORD] = [
            text_type(json.dumps(self.stored)),
            text_type(json.dumps(self.good.dump(include_logs=False))),
        ]
        self.captured = CapturedLogs()
        limits.logger.addHandler(self.captured)
        self.addCleanup(limits.logger.removeHandler, self.captured)

    def warnings(self):
        return [message for message in self.captured.messages if self.uid in message]

    def test_read_with_one_warning_per_field(self):
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[self.uid]
        self.assertEqual(cron.name, self.stored[u"name"])
        self.assertEqual(len(cron.environ), 150)
        self.assertEqual(
            sorted(cron.tolerated), ["description", "environ", "name", "periodicity"]
        )
        self.assertIsNotNone(cron.next)
        self.assertEqual(len(self.warnings()), 4)
        Crontab.load(self.portal)
        self.assertEqual(Crontab.load_cron(self.uid, self.portal).name, cron.name)
        self.assertEqual(len(self.warnings()), 4)

    def test_saved_again_unchanged(self):
        crontab = Crontab.load(self.portal)
        crontab.crons[self.uid].activated = False
        self.assertTrue(crontab.save())
        # the first write moved the 2.x record's crons to records of their own
        stored = json.loads(self.registry[record_name(self.uid)])
        self.assertFalse(stored[u"activated"])
        self.assertEqual(stored[u"name"], self.stored[u"name"])

    def test_a_change_that_still_breaks_a_limit_is_refused(self):
        before = list(self.registry[CRONTAB_RECORD])
        crontab = Crontab.load(self.portal)
        crontab.crons[self.uid].name += u"x"
        with self.assertRaises(InvalidCron) as caught:
            crontab.save()
        self.assertEqual(caught.exception.field, "name")
        self.assertEqual(list(self.registry[CRONTAB_RECORD]), before)

    def test_an_edit_is_built_strictly(self):
        cron = Crontab.load(self.portal).crons[self.uid]
        with self.assertRaises(InvalidCron) as caught:
            Cron.load(cron.dump(include_logs=False))
        self.assertEqual(caught.exception.field, "name")

    def test_a_refused_save_cron_changes_nothing(self):
        before = list(self.registry[CRONTAB_RECORD])
        crontab = Crontab.load(self.portal)
        added = Cron(name=u"new", periodicity=u"@daily")
        added.user = u"admin\x00"
        with self.assertRaises(InvalidCron) as caught:
            crontab.save_cron(added)
        self.assertEqual(caught.exception.field, "user")
        self.assertEqual(list(crontab.crons), [self.uid, self.good.uid])
        self.assertIsNone(added.crontab)

        replacing = Cron(uid=self.good.uid, name=u"other", periodicity=u"@daily")
        replacing.description = u"x" * 3000
        kept = crontab.crons[self.good.uid]
        with self.assertRaises(InvalidCron):
            crontab.save_cron(replacing)
        self.assertIs(crontab.crons[self.good.uid], kept)
        self.assertEqual(list(crontab.crons), [self.uid, self.good.uid])
        self.assertEqual(list(self.registry[CRONTAB_RECORD]), before)
