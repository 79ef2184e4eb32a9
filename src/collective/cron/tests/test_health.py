# -*- coding: utf-8 -*-
"""``health``: secrets never leave it, and "run now" says why it did not run.

The engine box and ``GET @crons`` show ``engine_state`` (see test_dashboard
and test_restapi_crons, each with a queue URL holding a password); here the
masking rule itself and the reasons of ``run_now``.
"""

from collective.cron import health
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IQueueManager
from collective.cron.queue import queue_manager
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.testing import set_environment
from collective.cron.testing import without_adapter
from collective.cron.testing import zcasync_available
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import getGlobalSiteManager

import os
import shutil
import tempfile
import unittest


class TestMaskSecrets(unittest.TestCase):

    def test_url_password(self):
        self.assertEqual(
            health.mask_secrets(u"redis://u:pw@host:6379/0 is down"),
            u"redis://u:***@host:6379/0 is down",
        )

    def test_password_without_user(self):
        self.assertEqual(
            health.mask_secrets(u"redis://:pw@host/0"), u"redis://:***@host/0"
        )

    def test_password_parameter(self):
        self.assertEqual(
            health.mask_secrets(u"connect(password=pw, host=h)"),
            u"connect(password=***, host=h)",
        )

    def test_configured_password_quoted_alone(self):
        # A client library may quote the password without its URL.
        set_environment(self, COLLECTIVE_CRON_QUEUE="redis://u:longsecret@h:6379/0")
        self.assertEqual(
            health.mask_secrets(u"AUTH longsecret refused"), u"AUTH *** refused"
        )

    def test_nothing_to_hide(self):
        self.assertEqual(
            health.mask_secrets(u"sqlite:///var/cron.sqlite"),
            u"sqlite:///var/cron.sqlite",
        )
        self.assertIsNone(health.mask_secrets(None))


class TestRunNow(unittest.TestCase):
    """Each reason of ``run_now`` from the real managers and a real queue.

    The layer's job system is real (huey on SQLite on Python 3, zc.async in
    the ZODB on Python 2.7); each test breaks it the way a site can be
    broken: no job system registered, a queue that cannot be opened, a
    configuration that cannot work.
    """

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        self.cron = Cron(name=u"collective.cron.test.ok", periodicity=u"@daily")
        Crontab.load(self.portal).save_cron(self.cron)

    def reason(self):
        with self.assertRaises(health.RunNowError) as raised:
            health.run_now(self.portal, self.cron)
        return raised.exception

    def test_queued(self):
        job_id = health.run_now(self.portal, self.cron)
        manual = [
            job["id"]
            for job in IQueueManager(self.portal).jobs(self.cron.uid)
            if job["trigger"] == u"manual"
        ]
        self.assertEqual(manual, [job_id])

    def test_no_job_system(self):
        # The add-on's ZCML registers the queue manager; without it, none.
        without_adapter(self, queue_manager, (ISiteRoot,), IQueueManager)
        error = self.reason()
        self.assertEqual(error.reason, u"unavailable")
        self.assertEqual(error.message, health.NO_JOB_SYSTEM)

    def break_the_queue(self):
        """Make the configured queue fail to open; the error it will give."""
        if zcasync_available():
            # plone.app.async's multi-database ZCML names a database that
            # this Zope does not have.
            from collective.cron.engines.zcasync.modules import plone_app_async
            from ZODB.DB import DB
            from ZODB.DemoStorage import DemoStorage

            elsewhere = DB(DemoStorage(), database_name="async")
            self.addCleanup(elsewhere.close)
            provided = plone_app_async("interfaces").IAsyncDatabase
            registry = getGlobalSiteManager()
            registry.registerUtility(elsewhere, provided)
            self.addCleanup(registry.unregisterUtility, elsewhere, provided)
            return u"'async'"
        # An SQLite queue whose folder cannot be made: a file is in its way.
        blocker = os.path.join(tempfile.mkdtemp(prefix="collective.cron-"), "file")
        self.addCleanup(shutil.rmtree, os.path.dirname(blocker))
        with open(blocker, "w") as stream:
            stream.write("not a folder")
        folder = os.path.join(blocker, "queue")
        set_environment(
            self, COLLECTIVE_CRON_QUEUE="sqlite:///" + os.path.join(folder, "q.sqlite")
        )
        return u"[Errno 20] Not a directory: %r" % (folder,)

    def test_failure_says_why(self):
        expected = self.break_the_queue()
        error = self.reason()
        self.assertEqual(error.reason, u"failed")
        self.assertEqual(error.message, expected)

    def test_nothing_queued_hides_the_password(self):
        # A huey queue URL that cannot work: an unavailable job system,
        # which queues nothing and says why, without the password.
        set_environment(
            self,
            COLLECTIVE_CRON_ENGINE="huey",
            COLLECTIVE_CRON_QUEUE="redis://u:longsecret@h:port/0",
        )
        error = self.reason()
        self.assertEqual(error.reason, u"not_queued")
        self.assertEqual(
            error.message,
            u"collective.cron: queue 'redis://u:***@h:port/0': "
            u"the port 'port' is not a number",
        )
