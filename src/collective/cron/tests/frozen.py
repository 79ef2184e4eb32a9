# -*- coding: utf-8 -*-
"""A frozen clock and crons every five minutes: what the run tests share.

``test_jobrunner`` (the rules of one run) and ``test_runs`` (runs against
saves, interrupted runs, labels) drive the claim and the run by hand on the
layer's real ZODB.  They need the same start: the clock frozen far ahead
of the real time, so that markers written "now" are newer than the process
(``state.PROCESS_STARTED``) whatever the day the tests run, and crons every
five minutes in UTC, so that occurrences are ``at(5)``, ``at(10)`` …
"""

from collective.cron import claim
from collective.cron import clock
from collective.cron import run
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IJobRunner
from collective.cron.interfaces import ILogStore
from zope.component import getGlobalSiteManager
from zope.interface import Interface

import datetime
import pytz

START = datetime.datetime(2040, 1, 15, 10, 0, tzinfo=pytz.utc)
EVERY_5 = u"*/5 * * * *"


def at(minutes):
    """START plus ``minutes``."""
    return START + datetime.timedelta(minutes=minutes)


def register_runner(test, factory, name):
    """Register a job runner for the length of ``test``."""
    registry = getGlobalSiteManager()
    registry.registerAdapter(factory, (Interface, Interface), IJobRunner, name)
    test.addCleanup(
        registry.unregisterAdapter, factory, (Interface, Interface), IJobRunner, name
    )


class FrozenCrons(object):
    """Mixin for a ``unittest.TestCase`` whose layer has a ``portal``.

    ``runner`` is the job runner the crons of :meth:`add_cron` use unless
    told otherwise.
    """

    runner = u"collective.cron.test.record"

    def setUp(self):
        self.portal = self.layer["portal"]
        clock.freeze(START)
        self.addCleanup(clock.reset)

    def add_cron(self, **kwargs):
        kwargs.setdefault("name", self.runner)
        kwargs.setdefault("periodicity", EVERY_5)
        kwargs.setdefault("timezone", u"UTC")
        cron = Cron(**kwargs)
        Crontab.load(self.portal).save_cron(cron)
        return cron

    def claim(self, cron, scheduled, trigger=u"schedule", job_id=None):
        return claim.claim_occurrence(self.portal, cron.uid, scheduled, trigger, job_id)

    def run_claimed(self, cron, claimed, job_id=None):
        return run.run_claimed(
            self.portal, cron.uid, claimed["scheduled"], claimed["trigger"], job_id
        )

    def logs(self, cron):
        return ILogStore(self.portal).logs(cron.uid)
