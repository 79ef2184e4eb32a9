# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""Forged queue payloads are refused, logged and never unpickled.

Whoever can write into the Redis database or the SQLite file must not run
code in Plone: a pickle whose ``__reduce__`` creates a file is written
straight into the real storage (as a queued task, a scheduled task, the
site marks, a heartbeat); listing the queue, reading its state and running
a worker over it must leave no such file, and the worker goes on running
genuine jobs.
"""

from collective.cron import crontab as models
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import huey_available
from collective.cron.testing import wait_for

import datetime
import logging
import os
import pickle
import pytz
import shutil
import tempfile
import transaction
import unittest


class CreatesAFile(object):
    """Unpickling this creates the file at ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class Errors(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class SigningTests(object):
    def setUp(self):
        from collective.cron.engines.huey import signing
        from collective.cron.engines.huey.storage import get_huey

        self.portal = self.layer["portal"]
        self.huey = get_huey()
        self.folder = tempfile.mkdtemp(prefix="collective.cron-forged-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.errors = Errors()
        logger = logging.getLogger("collective.cron")
        logger.addHandler(self.errors)
        self.addCleanup(logger.removeHandler, self.errors)
        signing.refusals.reported_at = None
        self.refused_before = signing.refusals.count

    def forged(self, name):
        """A pickle that creates ``name`` when unpickled, and its path."""
        path = os.path.join(self.folder, name)
        return pickle.dumps(CreatesAFile(path)), path

    def test_the_payload_is_armed(self):
        # What the other tests write would create its file if unpickled.
        payload, path = self.forged("armed")
        pickle.loads(payload).close()
        self.assertTrue(os.path.exists(path))

    def test_forged_payloads_do_nothing(self):
        from collective.cron.engines.huey import signing
        from collective.cron.engines.huey.storage import KEY_PREFIX
        from collective.cron.engines.huey.storage import SITES_KEY
        from collective.cron.testing import start_test_worker

        storage = self.huey.storage
        paths = []
        unsigned, path = self.forged("queued")
        storage.enqueue(unsigned)
        paths.append(path)
        scheduled, path = self.forged("scheduled")
        storage.add_to_schedule(scheduled, datetime.datetime(2000, 1, 1))
        paths.append(path)
        payload, path = self.forged("badly-signed")
        # signed, but with another key
        storage.enqueue(payload + b":" + b"0" * 40)
        paths.append(path)
        payload, path = self.forged("marks")
        storage.put_data(SITES_KEY, payload)
        paths.append(path)
        payload, path = self.forged("heartbeat")
        storage.put_data(KEY_PREFIX + "heartbeat", payload)
        paths.append(path)

        # What web requests read: the queue listing, its state.
        queue = IQueueManager(self.portal)
        self.assertEqual(queue.jobs(), [])
        state = queue.state()
        self.assertTrue(state["reachable"])
        self.assertIsNone(state["heartbeat"])
        # A worker takes every payload off the queue and runs a genuine job.
        start_test_worker(self.layer)
        cron = Cron(
            uid=u"genuine", name=u"collective.cron.test.record", periodicity=u"@yearly"
        )
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        queue = IQueueManager(self.portal)
        queue.register_job(cron.uid, datetime.datetime.now(pytz.utc), trigger=u"manual")
        transaction.commit()
        logs = wait_for(lambda: ILogStore(self.portal).logs(cron.uid))
        self.assertEqual([log.status for log in logs], [models.OK])
        self.assertTrue(wait_for(lambda: storage.queue_size() == 0, timeout=10))
        # (the genuine cron's next job stays scheduled)
        self.assertTrue(
            wait_for(lambda: scheduled not in storage.scheduled_items(), timeout=10)
        )
        self.assertEqual([path for path in paths if os.path.exists(path)], [])
        # Refused (the queued, scheduled, and badly signed tasks at least)
        # and said, without the payload.
        self.assertGreaterEqual(signing.refusals.count - self.refused_before, 3)
        said = [m for m in self.errors.messages if "without a valid signature" in m]
        self.assertTrue(said)
        self.assertFalse(any(self.folder in message for message in said))

    def tearDown(self):
        from collective.cron.engines import huey as engine
        from collective.cron.engines.huey.storage import KEY_PREFIX
        from collective.cron.engines.huey.storage import SITES_KEY

        engine.stop_worker(graceful=True)
        # The forged values are no state for the next tests of the layer.
        for key in (SITES_KEY, KEY_PREFIX + "heartbeat"):
            self.huey.delete(key)


if huey_available():
    from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
    from collective.cron.testing import COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING

    class TestSigningSqlite(SigningTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    class TestSigningRedis(SigningTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
