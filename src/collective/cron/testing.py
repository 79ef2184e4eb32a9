# -*- coding: utf-8 -*-
"""Test layers and helpers for collective.cron and for add-ons that use it.

``COLLECTIVE_CRON_INTEGRATION_TESTING`` (transactions rolled back) and
``COLLECTIVE_CRON_FUNCTIONAL_TESTING`` (committing, for real HTTP and for
jobs that run in another thread) share one fixture, so a test run pays for
one Plone site set-up.  ``collective.cron.clock`` is the controllable
clock: ``freeze()``/``advance()`` instead of sleeping for a schedule.
"""
from collective.cron import clock
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer

import os


# Tests never run a job worker unless a test starts one.
os.environ.setdefault("COLLECTIVE_CRON_WORKER", "off")


class CollectiveCronLayer(PloneSandboxLayer):

    defaultBases = (PLONE_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import collective.cron

        self.loadZCML(package=collective.cron)
        self.loadZCML(package=collective.cron, name="testing.zcml")

    def setUpPloneSite(self, portal):
        applyProfile(portal, "collective.cron:default")

    def testTearDown(self):
        clock.reset()


COLLECTIVE_CRON_FIXTURE = CollectiveCronLayer()

COLLECTIVE_CRON_INTEGRATION_TESTING = IntegrationTesting(
    bases=(COLLECTIVE_CRON_FIXTURE,), name="CollectiveCronLayer:IntegrationTesting"
)

COLLECTIVE_CRON_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(COLLECTIVE_CRON_FIXTURE,), name="CollectiveCronLayer:FunctionalTesting"
)
