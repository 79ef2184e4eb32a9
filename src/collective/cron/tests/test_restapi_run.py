# -*- coding: utf-8 -*-
"""POST @crons/<uid>/run: queue a run now."""

from collective.cron.compat import PY2
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IQueueManager
from collective.cron.tests.test_restapi import RestApiMixin
from Products.CMFPlone.interfaces import IPloneSiteRoot
from zope.component import getGlobalSiteManager
from zope.interface import implementer

import unittest

ASKED = []


@implementer(ICronManager)
class FakeCronManager(object):
    """Stands for the job system's cron manager; ``job_id`` is the answer."""

    job_id = u"job-42"

    def __init__(self, site, cron):
        self.cron = cron

    def register_job(self, force=False):
        return None

    def remove_jobs(self):
        return None

    def run_now(self):
        ASKED.append(self.cron.uid)
        if isinstance(self.job_id, Exception):
            raise self.job_id
        return self.job_id


def no_job_system(site):
    return None


class TestRun(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestRun, self).setUp()
        self.add_cron(uid=u"u1")
        del ASKED[:]

    def use(self, factory, required, provided):
        gsm = getGlobalSiteManager()
        gsm.registerAdapter(factory, required, provided)
        self.addCleanup(gsm.unregisterAdapter, factory, required, provided)

    def fake_cron_manager(self, job_id):
        FakeCronManager.job_id = job_id
        self.addCleanup(setattr, FakeCronManager, u"job_id", u"job-42")
        self.use(FakeCronManager, (IPloneSiteRoot, ICron), ICronManager)

    def test_run(self):
        self.fake_cron_manager(u"job-42")
        response = self.api.post(u"@crons/u1/run")
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(
            response.json(),
            {
                u"@id": self.crons_url + u"/u1/run",
                u"cron": {
                    u"@id": self.crons_url + u"/u1",
                    u"uid": u"u1",
                    u"name": u"collective.cron.test.ok",
                },
                u"job_id": u"job-42",
            },
        )
        self.assertEqual(ASKED, [u"u1"])

    def test_run_of_an_inactive_cron_is_asked_too(self):
        # Running a paused cron by hand is what "run now" is for.
        self.fake_cron_manager(u"job-1")
        self.api.patch(u"@crons", json={u"activated": False})
        self.assertEqual(self.api.post(u"@crons/u1/run").status_code, 202)
        self.assertEqual(ASKED, [u"u1"])

    def test_no_job_system(self):
        self.use(no_job_system, (IPloneSiteRoot,), IQueueManager)
        response = self.api.post(u"@crons/u1/run")
        error = self.assertError(response, 503, u"ServiceUnavailable")
        self.assertIn(u"No job system", error[u"message"])

    def test_job_system_refuses(self):
        self.fake_cron_manager(None)
        response = self.api.post(u"@crons/u1/run")
        self.assertError(response, 503, u"ServiceUnavailable")
        self.assertEqual(ASKED, [u"u1"])

    def test_job_system_fails(self):
        self.fake_cron_manager(IOError(u"queue unreachable"))
        response = self.api.post(u"@crons/u1/run")
        error = self.assertError(response, 503, u"ServiceUnavailable")
        self.assertIn(u"queue unreachable", error[u"message"])

    @unittest.skipIf(PY2, u"huey runs on Python 3, where it is a dependency")
    def test_run_with_the_real_job_system(self):
        response = self.api.post(u"@crons/u1/run")
        self.assertEqual(response.status_code, 202, response.text)
        job_id = response.json()[u"job_id"]
        self.crontab()
        jobs = IQueueManager(self.portal).jobs(u"u1")
        manual = [job for job in jobs if job[u"trigger"] == u"manual"]
        self.assertEqual([job[u"id"] for job in manual], [job_id])
