# -*- coding: utf-8 -*-
"""Not a test: times the first dashboard page and a REST page over HTTP with
many crons (issue 11).  Run:
zope-testrunner --test-path=src -s collective.cron --tests-pattern='^measure_list$'
with CRONS=1000 (default) or 10000."""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.tests.test_restapi import RestApiMixin

import os
import time
import transaction
import unittest


class Measure(RestApiMixin, unittest.TestCase):

    def test_measure(self):
        count = int(os.environ.get("CRONS", "1000"))
        started = time.time()
        crontab = Crontab.load(self.portal)
        for index in range(count):
            crontab.add_cron(
                Cron(
                    uid=u"m%05d" % index,
                    name=u"bench.%d" % index,
                    periodicity=u"* * * * *" if index == 0 else u"0 0 1 1 *",
                )
            )
        crontab.save()
        transaction.commit()
        print("\ncreated %d crons in %.1f s" % (count, time.time() - started))
        for label, url, headers in (
            ("dashboard", self.portal_url + "/@@cron-settings", {}),
            ("rest", self.crons_url, {"Accept": "application/json"}),
        ):
            times = []
            for _ in range(5):
                started = time.time()
                response = self.api.get(url, headers=headers)
                times.append((time.time() - started) * 1000)
                self.assertEqual(response.status_code, 200)
            print(
                "scale crons=%d %s_ms first=%.0f best=%.0f median=%.0f bytes=%d"
                % (
                    count,
                    label,
                    times[0],
                    min(times),
                    sorted(times)[2],
                    len(response.content),
                )
            )

    def test_profile(self):
        """Where the time of one dashboard page goes (in-process)."""
        from plone.app.testing import login
        from plone.app.testing import setRoles
        from plone.app.testing import TEST_USER_ID
        from plone.app.testing import TEST_USER_NAME

        import cProfile
        import pstats

        count = int(os.environ.get("CRONS", "1000"))
        crontab = Crontab.load(self.portal)
        for index in range(count):
            crontab.add_cron(
                Cron(
                    uid=u"p%05d" % index, name=u"b.%d" % index, periodicity=u"0 0 1 1 *"
                )
            )
        crontab.save()
        transaction.commit()
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        login(self.portal, TEST_USER_NAME)
        request = self.layer["request"]
        view = self.portal.restrictedTraverse("@@cron-settings")
        profile = cProfile.Profile()
        profile.enable()
        view()
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
