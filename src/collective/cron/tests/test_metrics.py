# -*- coding: utf-8 -*-
"""@@cron-metrics over real HTTP, with runs made by a real huey worker; the
text is read back with prometheus_client's own parsers."""

from collective.cron.compat import PY2
from collective.cron.health import run_now
from collective.cron.interfaces import ILogStore
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import OK
from collective.cron.metrics import token_matches
from collective.cron.metrics import TOKEN_VARIABLE
from collective.cron.state import get_state
from collective.cron.testing import wait_for
from collective.cron.tests.test_health_view import HealthMixin

import os
import requests
import transaction
import unittest

TOKEN = u"s3cret-scrape-token"


def wait_for_count(test, cron, count):
    """Run ``cron`` now and wait until its state counts ``count`` runs."""
    run_now(test.portal, cron)
    transaction.commit()

    def counted():
        state = get_state(test.portal, cron.uid)
        counters = getattr(state, "counters", None) or {"runs": {}}
        return sum(counters["runs"].values()) >= count

    return wait_for(counted)


class TestMetrics(HealthMixin, unittest.TestCase):
    def setUp(self):
        super(TestMetrics, self).setUp()
        saved = os.environ.get(TOKEN_VARIABLE)
        os.environ[TOKEN_VARIABLE] = TOKEN
        self.addCleanup(self.restore, saved)

    def restore(self, saved):
        if saved is None:
            os.environ.pop(TOKEN_VARIABLE, None)
        else:
            os.environ[TOKEN_VARIABLE] = saved

    def scrape(self, auth=None, token=None, accept=None):
        headers = {}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if accept is not None:
            headers["Accept"] = accept
        return requests.get(
            self.portal_url + "/@@cron-metrics", auth=auth, headers=headers, timeout=30
        )

    def families(self, text, openmetrics=False):
        if openmetrics:
            from prometheus_client.openmetrics.parser import (
                text_string_to_metric_families,
            )
        else:
            from prometheus_client.parser import text_string_to_metric_families
        return dict(
            (family.name, family) for family in text_string_to_metric_families(text)
        )

    def samples(self, family, name=None, **labels):
        return [
            sample.value
            for sample in family.samples
            if (name is None or sample.name == name)
            and all(sample.labels.get(k) == v for k, v in labels.items())
        ]

    def test_runs_durations_and_last_success(self):
        self.start_worker()
        good = self.add_cron(uid=u"good", name=u"collective.cron.test.ok")
        bad = self.add_cron(uid=u"bad", name=u"collective.cron.test.fail")
        self.assertTrue(self.run_and_wait(good, 1))
        self.assertTrue(self.run_and_wait(good, 2))
        self.assertTrue(self.run_and_wait(bad, 1))
        response = self.scrape(token=TOKEN)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        families = self.families(response.text)
        runs = families["collective_cron_runs"]
        self.assertEqual(runs.type, "counter")
        self.assertEqual(self.samples(runs, cron="good", status="ok"), [2.0])
        self.assertEqual(self.samples(runs, cron="good", status="failure"), [0.0])
        self.assertEqual(self.samples(runs, cron="bad", status="failure"), [1.0])
        durations = families["collective_cron_run_duration_seconds"]
        self.assertEqual(durations.type, "histogram")
        count = "collective_cron_run_duration_seconds_count"
        self.assertEqual(self.samples(durations, count, cron="good"), [2.0])
        inf = self.samples(
            durations,
            "collective_cron_run_duration_seconds_bucket",
            cron="good",
            le="+Inf",
        )
        self.assertEqual(inf, [2.0])
        last = families["collective_cron_last_success_timestamp_seconds"]
        self.assertEqual(len(self.samples(last, cron="good")), 1)
        self.assertEqual(self.samples(last, cron="bad"), [])
        self.assertIn("collective_cron_queued_jobs", families)
        ages = self.samples(families["collective_cron_worker_heartbeat_age_seconds"])
        self.assertTrue(ages and ages[0] < 60, ages)
        self.assertEqual(
            self.samples(families["collective_cron_healthy"], status="degraded"), [1.0]
        )
        # The library's global registry never holds a site's metrics.
        from prometheus_client import REGISTRY

        names = [family.name for family in REGISTRY.collect()]
        self.assertFalse([name for name in names if name.startswith("collective_cron")])

    def test_counters_are_monotonic_and_kept_in_the_run_state(self):
        """A cron keeping one log still counts every run; the counts come
        from its run state, not from its logs."""
        self.start_worker()
        good = self.add_cron(uid=u"good", name=u"collective.cron.test.ok", logs_limit=1)
        for count in (1, 2, 3):
            self.assertTrue(
                wait_for_count(self, good, count), "run %d not recorded" % count
            )
        transaction.begin()
        self.assertEqual(len(ILogStore(self.portal).logs(u"good")), 1)
        counters = get_state(self.portal, u"good").counters
        self.assertEqual(counters["runs"], {OK: 3})
        self.assertEqual(counters["duration_count"], 3)
        runs = self.families(self.scrape(token=TOKEN).text)["collective_cron_runs"]
        self.assertEqual(self.samples(runs, cron="good", status="ok"), [3.0])
        # The logs cleared: the counter does not go down.
        ILogStore(self.portal).clear(u"good")
        transaction.commit()
        runs = self.families(self.scrape(token=TOKEN).text)["collective_cron_runs"]
        self.assertEqual(self.samples(runs, cron="good", status="ok"), [3.0])

    def test_a_cron_without_counters_is_counted_from_its_logs(self):
        """A cron of a site not upgraded (logs, no counters) is counted from
        its logs; its next run seeds the counters from them and adds."""
        old = self.add_cron(uid=u"old", name=u"collective.cron.test.ok")
        store = ILogStore(self.portal)
        for status in (OK, FAILURE, OK):
            store.append(u"old", Log(status=status, duration=2.0))
        transaction.commit()
        self.assertIsNone(getattr(get_state(self.portal, u"old"), "counters", None))
        families = self.families(self.scrape(token=TOKEN).text)
        runs = families["collective_cron_runs"]
        self.assertEqual(self.samples(runs, cron="old", status="ok"), [2.0])
        self.assertEqual(self.samples(runs, cron="old", status="failure"), [1.0])
        bucket = self.samples(
            families["collective_cron_run_duration_seconds"],
            "collective_cron_run_duration_seconds_bucket",
            cron="old",
            le="5.0",
        )
        self.assertEqual(bucket, [3.0])
        self.start_worker()
        self.assertTrue(self.run_and_wait(old, 4))
        transaction.begin()
        self.assertEqual(
            get_state(self.portal, u"old").counters["runs"], {OK: 3, FAILURE: 1}
        )
        runs = self.families(self.scrape(token=TOKEN).text)["collective_cron_runs"]
        self.assertEqual(self.samples(runs, cron="old", status="ok"), [3.0])

    def test_openmetrics_when_asked(self):
        self.add_cron(uid=u"good")
        response = self.scrape(token=TOKEN, accept="application/openmetrics-text")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.headers["Content-Type"].startswith("application/openmetrics-text")
        )
        self.assertTrue(response.text.rstrip().endswith("# EOF"))
        families = self.families(response.text, openmetrics=True)
        runs = families["collective_cron_runs"]
        self.assertEqual(
            self.samples(runs, "collective_cron_runs_total", cron="good", status="ok"),
            [0.0],
        )

    def test_permission_or_token(self):
        self.assertEqual(self.scrape().status_code, 401)
        self.assertEqual(self.scrape(token=u"wrong").status_code, 401)
        member = self.scrape(auth=("member", u"secret-password"))
        self.assertEqual(member.status_code, 401)
        self.assertNotIn("collective_cron", member.text)
        self.assertEqual(self.scrape(auth=self.manager()).status_code, 200)
        self.assertEqual(self.scrape(token=TOKEN).status_code, 200)

    def test_no_token_configured_opens_nothing(self):
        os.environ.pop(TOKEN_VARIABLE)
        self.assertEqual(self.scrape(token=u"").status_code, 401)
        self.assertFalse(token_matches(u"", None))
        self.assertFalse(token_matches(u"anything", None))


def test_suite():
    """Runs are made by the huey worker (Python 3); Python 2.7 has no huey:
    there this module holds no test."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
