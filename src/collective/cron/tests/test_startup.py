# -*- coding: utf-8 -*-
"""A worker starts and stops through the engine's ``IJobEngine`` utility.

The same tests run on huey (Python 3) and on zc.async (Python 2.7), with a
real worker that runs a real job: through the interface directly, and
through the start-up subscriber a server process fires (``startup.py``),
which names no engine.  This module stays valid Python 3: the zc.async
layers come from ``collective.cron.testing_zcasync`` only where zc.async
imports.
"""
from collective.cron import config
from collective.cron.compat import PY2
from collective.cron import crontab as models
from collective.cron import startup
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IJobEngine
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import wait_for
from collective.cron.tests.test_config import Environment
from zope.component import getGlobalSiteManager
from zope.component import getUtility
from zope.processlifetime import DatabaseOpenedWithRoot
from zope.processlifetime import ProcessStarting

import datetime
import logging
import pytz
import signal
import transaction
import unittest


if PY2:  # pragma: no cover - Python 2.7
    from collective.cron.testing_zcasync import ZCASYNC_FUNCTIONAL_TESTING
else:
    ZCASYNC_FUNCTIONAL_TESTING = None


class CapturedErrors(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self, logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class StartupTests(object):
    """Mixed into one class per engine, which sets ``layer`` and ``engine_name``."""

    engine_name = None
    other_engine = None

    def setUp(self):
        self.portal = self.layer["portal"]
        self.engine = getUtility(IJobEngine, name=self.engine_name)
        self.addCleanup(self.engine.stop_worker)
        for number in (signal.SIGTERM, signal.SIGINT):
            self.addCleanup(signal.signal, number, signal.getsignal(number))

    def database(self):
        return self.layer["zodbDB"]

    def add_cron(self):
        cron = Cron(name=u"collective.cron.test.record", periodicity=u"0 0 1 1 *")
        Crontab.load(self.portal).save_cron(cron)
        transaction.commit()
        return cron

    def run_a_job(self, cron):
        """Queue a job of ``cron`` due now; its log once a worker ran it."""
        queue = IQueueManager(self.portal)
        queue.register_job(cron.uid, datetime.datetime.now(pytz.utc), trigger=u"manual")
        transaction.commit()
        return wait_for(lambda: ILogStore(self.portal).logs(cron.uid))

    def fire_start_up(self):
        """What a server process does before serving."""
        startup.remember_database(DatabaseOpenedWithRoot(self.database()))
        self.addCleanup(startup._database.__delitem__, slice(None))
        startup.start_worker(ProcessStarting())

    def test_engine_utility(self):
        self.assertEqual(self.engine.name, self.engine_name)
        queue = self.engine.queue_manager(self.portal)
        self.assertEqual(queue.engine, self.engine_name)
        self.assertEqual(type(queue), type(IQueueManager(self.portal)))

    def test_start_and_stop_through_the_interface(self):
        cron = self.add_cron()
        self.assertIsNone(self.engine.current_worker())
        worker = self.engine.start_worker(self.database(), config.get_settings())
        self.assertIs(wait_for(self.engine.current_worker, timeout=10), worker)
        # started once per process
        self.assertIs(self.engine.start_worker(self.database(), config.get_settings()), worker)
        self.assertTrue(IQueueManager(self.portal).state()["worker"])
        logs = self.run_a_job(cron)
        self.assertEqual([log.status for log in logs], [models.OK])
        self.engine.stop_worker(graceful=True)
        self.assertIsNone(self.engine.current_worker())
        transaction.begin()
        self.assertFalse(IQueueManager(self.portal).state()["worker"])
        # and it starts again
        self.assertIsNotNone(self.engine.start_worker(self.database(), config.get_settings()))
        self.assertIsNotNone(wait_for(self.engine.current_worker, timeout=10))

    def test_a_server_starts_the_configured_engine(self):
        Environment().set(self, worker="on")
        cron = self.add_cron()
        before = signal.getsignal(signal.SIGTERM)
        self.fire_start_up()
        self.assertIsNotNone(wait_for(self.engine.current_worker, timeout=10))
        # SIGTERM now stops the worker gracefully
        self.assertIsNot(signal.getsignal(signal.SIGTERM), before)
        self.assertEqual([log.status for log in self.run_a_job(cron)], [models.OK])

    def test_no_worker_when_off(self):
        Environment().set(self, worker="off")
        self.fire_start_up()
        self.assertIsNone(self.engine.current_worker())

    def test_an_engine_not_installed_is_said(self):
        Environment().set(self, worker="on", engine=self.other_engine)
        errors = CapturedErrors()
        logger = logging.getLogger("collective.cron")
        logger.addHandler(errors)
        self.addCleanup(logger.removeHandler, errors)
        self.fire_start_up()
        self.assertIsNone(self.engine.current_worker())
        self.assertTrue(
            any("%s engine is not available" % self.other_engine in message
                for message in errors.messages),
            errors.messages,
        )


class TestHueyStartup(StartupTests, unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING
    engine_name = "huey"
    other_engine = "zcasync"


class TestZCAsyncStartup(StartupTests, unittest.TestCase):

    layer = ZCASYNC_FUNCTIONAL_TESTING
    engine_name = "zcasync"
    other_engine = "huey"

    def test_set_up_as_a_single_db_worker(self):
        """What plone.app.async's single_db_worker.zcml gives a worker, with a
        sign of life every minute; its subscribers go when it stops."""
        from collective.cron.engines.zcasync import get_queue
        from collective.cron.engines.zcasync import worker

        dispatcher = self.engine.start_worker(self.database(), config.get_settings())
        # (activated in the dispatcher's thread: wait for that commit)
        activated = wait_for(
            lambda: dispatcher.UUID in get_queue(self.portal).dispatchers
            and get_queue(self.portal).dispatchers[dispatcher.UUID].activated
        )
        self.assertTrue(activated)
        queue = get_queue(self.portal)
        agents = queue.dispatchers[dispatcher.UUID]
        self.assertEqual(agents.ping_interval, datetime.timedelta(seconds=60))
        self.assertEqual(list(agents.keys()), ["main"])
        self.assertIn("default", queue.quotas)
        handlers = getGlobalSiteManager().registeredHandlers
        self.assertIn(worker.configure_dispatcher, [each.handler for each in handlers()])
        self.engine.stop_worker()
        self.assertNotIn(worker.configure_dispatcher, [each.handler for each in handlers()])


    def test_plone_app_async_configuration_decides(self):
        """An instance that includes plone.app.async's own ZCML (which
        registers an IInitAsync utility) keeps its rule: only its worker
        ZCML starts dispatchers."""
        from collective.cron.engines.zcasync.modules import plone_app_async
        from zope.interface import directlyProvides

        class Initializer(object):
            def init(self):
                pass

        initializer = Initializer()
        directlyProvides(initializer, plone_app_async("interfaces").IInitAsync)
        registry = getGlobalSiteManager()
        registry.registerUtility(initializer, plone_app_async("interfaces").IInitAsync)
        self.addCleanup(
            registry.unregisterUtility, initializer,
            plone_app_async("interfaces").IInitAsync,
        )
        Environment().set(self, worker="on")
        self.fire_start_up()
        self.assertIsNone(self.engine.start_worker(self.database(), config.get_settings()))
        self.assertIsNone(self.engine.current_worker())


def test_suite():
    """The engine of the running Python: zc.async on 2.7 (the test env
    installs it), huey on 3 (a dependency there); never a silent skip."""
    engine_tests = TestZCAsyncStartup if PY2 else TestHueyStartup
    return unittest.defaultTestLoader.loadTestsFromTestCase(engine_tests)
