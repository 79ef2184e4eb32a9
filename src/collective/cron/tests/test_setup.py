# -*- coding: utf-8 -*-
"""The profiles install and uninstall cleanly."""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICollectiveCronLayer
from collective.cron.registry import ACTIVATED_RECORD
from collective.cron.registry import CRONS_PREFIX
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.browserlayer.utils import registered_layers
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.utils import get_installer
from zope.component import getUtility

import unittest


class TestInstall(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.installer = get_installer(self.portal, self.layer["request"])

    def test_installed(self):
        self.assertTrue(self.installer.is_product_installed("collective.cron"))

    def test_profile_version(self):
        setup = self.portal.portal_setup
        self.assertEqual(
            setup.getLastVersionForProfile("collective.cron:default"), ("3002",)
        )

    def test_records(self):
        registry = getUtility(IRegistry)
        self.assertEqual(
            ACTIVATED_RECORD, "collective.cron.interfaces.IRegistryCrontab.activated"
        )
        self.assertEqual(
            CRONTAB_RECORD, "collective.cron.interfaces.IRegistryCrontab.crontab"
        )
        self.assertTrue(registry[ACTIVATED_RECORD])
        self.assertEqual(registry[CRONTAB_RECORD], [])

    def test_browserlayer(self):
        self.assertIn(ICollectiveCronLayer, registered_layers())

    def test_permission_roles(self):
        roles = [
            role["name"]
            for role in self.portal.rolesOfPermission("collective.cron: Manage crons")
            if role["selected"] == "SELECTED"
        ]
        self.assertEqual(sorted(roles), ["Manager", "Site Administrator"])


class TestUninstall(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.installer = get_installer(self.portal, self.layer["request"])
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.installer.uninstall_product("collective.cron")

    def test_uninstalled(self):
        self.assertFalse(self.installer.is_product_installed("collective.cron"))

    def test_no_record_left(self):
        registry = getUtility(IRegistry)
        leftovers = [
            name
            for name in registry.records.keys()
            if name.startswith("collective.cron")
        ]
        self.assertEqual(leftovers, [])

    def test_browserlayer_removed(self):
        self.assertNotIn(ICollectiveCronLayer, registered_layers())


class TestUninstallWithCrons(unittest.TestCase):
    """Uninstall removes every per-cron record (issue 11's storage), 2.x
    entries included; a new install starts with an empty crontab."""

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.installer = get_installer(self.portal, self.layer["request"])
        setRoles(self.portal, TEST_USER_ID, ["Manager"])
        self.registry = getUtility(IRegistry)

    def records(self):
        return sorted(
            name
            for name in self.registry.records.keys()
            if name.startswith("collective.cron")
        )

    def test_install_add_uninstall(self):
        crontab = Crontab.load(self.portal)
        for uid in (u"plain", u"caf\xe9", u"\u65e5\u672c", u"\U0001f600"):
            crontab.save_cron(Cron(uid=uid, name=u"x", periodicity=u"@daily"))
        # A 2.x list record, with an entry that cannot be read: the next
        # save moves its crons to their own records and keeps the
        # unreadable entry under the prefix.
        self.registry[CRONTAB_RECORD] = [
            u'{"uid": "old", "name": "x", "periodicity": "@hourly"}',
            u"{this is not json",
        ]
        crontab = Crontab.load(self.portal)
        crontab.save()
        per_cron = [name for name in self.records() if name.startswith(CRONS_PREFIX)]
        self.assertEqual(len(per_cron), 6, per_cron)
        self.installer.uninstall_product("collective.cron")
        self.assertEqual(self.records(), [])
        self.installer.install_product("collective.cron")
        self.assertEqual(list(Crontab.load(self.portal).crons), [])
        self.assertEqual(
            [name for name in self.records() if name.startswith(CRONS_PREFIX)], []
        )
