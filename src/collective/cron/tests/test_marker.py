# -*- coding: utf-8 -*-
"""The walk of every worker over the marked sites (``marker.for_each_site``)."""
from AccessControl.SpecialUsers import system
from collective.cron.marker import for_each_site
from collective.cron.marker import site_path
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

import transaction
import unittest


KEY = "collective.cron.test.visits"


class TestForEachSite(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.path = site_path(self.portal)
        transaction.commit()

    def visit(self, site):
        from AccessControl import getSecurityManager

        self.seen.append((getSite() is not None, getSecurityManager().getUser().getUserName()))
        IAnnotations(site)[KEY] = IAnnotations(site).get(KEY, 0) + 1

    def test_each_site_is_done_in_a_committed_transaction_as_the_system_user(self):
        self.seen, gone = [], []
        done = for_each_site(self.layer["zodbDB"], [self.path, u"/no-such-site"],
                             self.visit, u"visit", on_gone=gone.append)
        self.assertEqual(done, [self.path])
        self.assertEqual(gone, [u"/no-such-site"])
        self.assertEqual(self.seen, [(True, system.getUserName())])
        self.assertIsNone(getSite())
        transaction.begin()
        self.assertEqual(IAnnotations(self.portal)[KEY], 1)

    def test_an_error_in_one_site_does_not_stop_the_others(self):
        calls = []

        def broken(site):
            calls.append(site_path(site))
            raise ValueError("broken")

        done = for_each_site(self.layer["zodbDB"], [self.path, self.path], broken, u"x")
        self.assertEqual((done, calls), ([], [self.path, self.path]))
