# -*- coding: utf-8 -*-
"""Periodicities in words: cron_descriptor, and the fallback tables without it.

No Plone layer: descriptions are pure computation.
"""

from __future__ import unicode_literals

from collective.cron import periodicity
from collective.cron.compat import text_type
from collective.cron.periodicity.describe import _fallback_describe

import unittest

try:
    import cron_descriptor
except ImportError:  # Python 2.7
    cron_descriptor = None


class DescribeTests(unittest.TestCase):
    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_english(self):
        self.assertEqual(periodicity.describe("*/5 * * * *"), "Every 5 minutes")
        self.assertEqual(periodicity.describe("0 3 * * *"), "At 03:00")
        self.assertEqual(periodicity.describe("@daily"), "At 00:00")
        self.assertEqual(
            periodicity.describe("30 14 * * mon"), "At 14:30, only on Monday"
        )

    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_french_and_german(self):
        self.assertEqual(
            periodicity.describe("*/5 * * * *", "fr"), "Toutes les 5 minutes"
        )
        self.assertEqual(periodicity.describe("*/5 * * * *", "de"), "Alle 5 Minuten")
        # cron_descriptor takes weekday names from the process locale.
        self.assertEqual(
            periodicity.describe("30 2 * * mon", "fr-fr"),
            "À 02:30, uniquement le lundi",
        )
        self.assertEqual(
            periodicity.describe("30 2 * * mon", "de_DE"), "Um 02:30, nur am Montag"
        )

    @unittest.skipIf(cron_descriptor is None, "cron_descriptor is Python 3 only")
    def test_cron_descriptor_failure_falls_back(self):
        original = cron_descriptor.ExpressionDescriptor

        def broken(*args, **kwargs):
            raise RuntimeError("cannot describe")

        cron_descriptor.ExpressionDescriptor = broken
        try:
            self.assertEqual(periodicity.describe("@hourly", "fr"), "Toutes les heures")
            self.assertEqual(periodicity.describe("0 9-17 * * 1-5"), "0 9-17 * * 1-5")
        finally:
            cron_descriptor.ExpressionDescriptor = original

    def test_unknown_locale_is_english(self):
        self.assertEqual(periodicity.describe("* * * * *", "xx"), "Every minute")

    def test_invalid_expression_describes_itself(self):
        self.assertEqual(periodicity.describe("61 * * * *"), "61 * * * *")
        self.assertEqual(periodicity.describe(None), "")

    def test_fallback(self):
        fallback = _fallback_describe
        self.assertEqual(fallback("* * * * *"), "Every minute")
        self.assertEqual(fallback("*/10 * * * *"), "Every 10 minutes")
        self.assertEqual(fallback("@hourly"), "Every hour")
        self.assertEqual(fallback("15 * * * *"), "At 15 minutes past the hour")
        self.assertEqual(fallback("0 */6 * * *"), "Every 6 hours")
        self.assertEqual(fallback("@daily"), "At 00:00")
        self.assertEqual(fallback("@weekly"), "At 00:00, only on Sunday")
        self.assertEqual(fallback("@monthly"), "At 00:00, on day 1 of the month")
        self.assertEqual(
            fallback("@yearly"), "At 00:00, on day 1 of the month, only in January"
        )
        self.assertEqual(fallback("30 4 * * fri"), "At 04:30, only on Friday")
        self.assertEqual(fallback("0 12 * * 7"), "At 12:00, only on Sunday")

    def test_fallback_languages(self):
        fallback = _fallback_describe
        self.assertEqual(fallback("*/10 * * * *", "fr"), "Toutes les 10 minutes")
        self.assertEqual(
            fallback("0 9 1 mar *", "fr"), "À 09:00, le 1 du mois, uniquement en mars"
        )
        self.assertEqual(fallback("30 4 * * fri", "de"), "Um 04:30, nur am Freitag")

    def test_fallback_gives_the_expression_when_it_has_no_words(self):
        fallback = _fallback_describe
        self.assertEqual(fallback("0 9-17 * * 1-5"), "0 9-17 * * 1-5")
        self.assertEqual(fallback("*/5 * * * *", "es"), "*/5 * * * *")

    @unittest.skipIf(cron_descriptor is not None, "only without cron_descriptor")
    def test_without_cron_descriptor(self):
        self.assertEqual(periodicity.describe("@weekly"), "At 00:00, only on Sunday")
        self.assertEqual(periodicity.describe("*/5 * * * *", "de"), "Alle 5 Minuten")

    def test_text_type(self):
        self.assertIsInstance(periodicity.describe("@daily"), text_type)
