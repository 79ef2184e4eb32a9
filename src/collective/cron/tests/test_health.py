# -*- coding: utf-8 -*-
"""``health``: secrets never leave it, and "run now" says why it did not run.

The engine box and ``GET @crons`` show ``engine_state`` (see test_dashboard
and test_restapi_crons, each with a queue URL holding a password); here the
masking rule itself and the reasons of ``run_now``.
"""
from collective.cron import health
from collective.cron.crontab import Cron
from collective.cron.interfaces import ICron
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from Products.CMFPlone.interfaces import IPloneSiteRoot
from zope.component import getGlobalSiteManager
from zope.interface import implementer

import os
import unittest


class TestMaskSecrets(unittest.TestCase):

    def test_url_password(self):
        self.assertEqual(
            health.mask_secrets(u"redis://u:pw@host:6379/0 is down"),
            u"redis://u:***@host:6379/0 is down",
        )

    def test_password_without_user(self):
        self.assertEqual(health.mask_secrets(u"redis://:pw@host/0"), u"redis://:***@host/0")

    def test_password_parameter(self):
        self.assertEqual(
            health.mask_secrets(u"connect(password=pw, host=h)"),
            u"connect(password=***, host=h)",
        )

    def test_configured_password_quoted_alone(self):
        # A client library may quote the password without its URL.
        before = os.environ.get("COLLECTIVE_CRON_QUEUE")
        os.environ["COLLECTIVE_CRON_QUEUE"] = "redis://u:longsecret@h:6379/0"
        if before is None:
            self.addCleanup(os.environ.pop, "COLLECTIVE_CRON_QUEUE")
        else:
            self.addCleanup(os.environ.__setitem__, "COLLECTIVE_CRON_QUEUE", before)
        self.assertEqual(
            health.mask_secrets(u"AUTH longsecret refused"), u"AUTH *** refused"
        )

    def test_nothing_to_hide(self):
        self.assertEqual(
            health.mask_secrets(u"sqlite:///var/cron.sqlite"), u"sqlite:///var/cron.sqlite"
        )
        self.assertIsNone(health.mask_secrets(None))


@implementer(ICronManager)
class FakeCronManager(object):
    answer = None

    def __init__(self, site, cron):
        self.cron = cron

    def run_now(self):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@implementer(IQueueManager)
class FakeQueue(object):
    def __init__(self, site):
        self.site = site

    def state(self):
        return {"engine": "fake", "reachable": False, "error": "stopped at redis://u:pw@h/0"}


class TestRunNow(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        self.cron = Cron(name=u"collective.cron.test.ok", periodicity=u"@daily")

    def use(self, factory, required, provided):
        # For IPloneSiteRoot: the real adapters are registered for ISiteRoot
        # and must stay registered once the test removes its own.
        gsm = getGlobalSiteManager()
        gsm.registerAdapter(factory, required, provided)
        self.addCleanup(gsm.unregisterAdapter, factory, required, provided)

    def answer(self, value):
        """A job system whose cron manager answers ``value`` to run_now."""
        self.use(FakeQueue, (IPloneSiteRoot,), IQueueManager)
        FakeCronManager.answer = value
        self.addCleanup(setattr, FakeCronManager, "answer", None)
        self.use(FakeCronManager, (IPloneSiteRoot, ICron), ICronManager)

    def reason(self):
        with self.assertRaises(health.RunNowError) as raised:
            health.run_now(self.portal, self.cron)
        return raised.exception

    def test_queued(self):
        self.answer(u"job-1")
        self.assertEqual(health.run_now(self.portal, self.cron), u"job-1")

    def test_no_job_system(self):
        self.use(lambda site: None, (IPloneSiteRoot,), IQueueManager)
        error = self.reason()
        self.assertEqual(error.reason, u"unavailable")
        self.assertEqual(error.message, health.NO_JOB_SYSTEM)

    def test_failure_hides_the_password(self):
        self.answer(IOError(u"cannot reach redis://u:pw@host/0"))
        error = self.reason()
        self.assertEqual(error.reason, u"failed")
        self.assertEqual(error.message, u"cannot reach redis://u:***@host/0")

    def test_nothing_queued(self):
        self.answer(None)
        error = self.reason()
        self.assertEqual(error.reason, u"not_queued")
        self.assertEqual(error.message, u"stopped at redis://u:***@h/0")
