# -*- coding: utf-8 -*-
"""Step 3002 on a real site (portal_setup, the registry, the log store):
a site installed before alerts existed gets the alert settings records,
and every cron gets the run counters the metrics read."""

from collective.cron import alerts
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.log import FAILURE
from collective.cron.log import Log
from collective.cron.log import OK
from collective.cron.state import get_state
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import unittest

PROFILE = u"collective.cron:default"


class TestUpgradeTo3002(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        self.setup = self.portal.portal_setup
        self.registry = getUtility(IRegistry)

    def remove_alert_records(self):
        for name in list(self.registry.records.keys()):
            if name.startswith(alerts.ALERTS_PREFIX + "."):
                del self.registry.records[name]
        self.assertIsNone(alerts.settings())

    def upgrade(self):
        self.setup.setLastVersionForProfile(PROFILE, u"3001")
        steps = [s for s in self.setup.listUpgrades(PROFILE) if not isinstance(s, list)]
        self.assertEqual([step[u"dest"] for step in steps], [(u"3002",)])
        self.setup.upgradeProfile(PROFILE)
        self.assertEqual(self.setup.getLastVersionForProfile(PROFILE), (u"3002",))

    def test_missing_records_are_registered_with_alerts_off(self):
        self.remove_alert_records()
        self.upgrade()
        config = alerts.settings()
        self.assertIsNotNone(config)
        self.assertFalse(config.enabled)
        self.assertEqual(config.failures, 1)
        self.assertEqual(config.webhook_attempts, 3)
        self.assertEqual(config.emails, [])
        # and the settings can be written as the alerts page does
        config.enabled = True
        self.assertTrue(alerts.settings().enabled)

    def test_existing_settings_are_kept(self):
        config = alerts.settings()
        config.enabled = True
        config.failures = 4
        config.emails = ["ops@example.org"]
        self.upgrade()
        config = alerts.settings()
        self.assertEqual(
            (config.enabled, config.failures, config.emails),
            (True, 4, ["ops@example.org"]),
        )

    def test_crons_get_counters_from_their_logs(self):
        cron = Cron(uid=u"old", name=u"collective.cron.test.ok", periodicity=u"@daily")
        Crontab.load(self.portal).save_cron(cron)
        store = ILogStore(self.portal)
        for status in (OK, FAILURE, OK):
            store.append(u"old", Log(status=status, duration=0.2))
        self.assertIsNone(getattr(get_state(self.portal, u"old"), "counters", None))
        self.upgrade()
        counters = get_state(self.portal, u"old").counters
        self.assertEqual(counters["runs"], {OK: 2, FAILURE: 1})
        self.assertEqual(counters["duration_count"], 3)
        self.assertIsNotNone(counters["last_success"])
        # Run again, it counts nothing twice.
        self.upgrade()
        self.assertEqual(get_state(self.portal, u"old").counters["runs"][OK], 2)


class TestSchemaName(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def test_the_schema_keeps_its_public_name(self):
        """Moved to ``alertschema``; add-ons and registry.xml import it from
        ``interfaces``, which must give the same schema."""
        from collective.cron import alertschema
        from collective.cron import interfaces

        self.assertIs(interfaces.IAlertSettings, alertschema.IAlertSettings)
        self.assertIs(interfaces._web_address, alertschema._web_address)
        self.assertIn("webhook_url", interfaces.IAlertSettings.names())
