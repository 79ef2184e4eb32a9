# -*- coding: utf-8 -*-
"""The huey engine with a real worker: SQLite and a real redis-server."""
from collective.cron.compat import PY2
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING
from collective.cron.testing import start_test_worker
from collective.cron.tests.engine_tests import EngineTests

import unittest


class HueyEngineTests(EngineTests):

    engine_name = "huey"

    def start_worker(self):
        return start_test_worker(self.layer)

    def flush_queue(self):
        from collective.cron.engines import huey as engine

        engine.get_huey().flush()


class TestHueySqlite(HueyEngineTests, unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING


class TestHueyRedis(HueyEngineTests, unittest.TestCase):

    layer = COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING

    def test_queue_is_redis(self):
        self.assertTrue(self.queue.state()["queue"].startswith("redis://127.0.0.1:"))


class TestTaskName(unittest.TestCase):
    """Queued jobs name their task; the name outlives module moves, so jobs
    queued by an earlier release still run after an upgrade."""

    def test_lasting_task_name(self):
        from collective.cron.engines import huey as engine

        import os
        import shutil
        import tempfile

        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        huey = engine.make_huey("sqlite:///" + os.path.join(folder, "q.sqlite"))
        task = huey.collective_cron_task.s("/plone", "uid", "2031-01-01T00:00:00+00:00",
                                           "manual", "cc-1")
        message = huey._registry.create_message(task)
        self.assertEqual(message.name, "collective.cron.engines.huey.collective.cron.job")
        self.assertIs(huey._registry.string_to_task(message.name), type(task))


def test_suite():
    """huey is a dependency on Python 3: there these tests never skip (a
    missing huey or redis-server is an error).  Python 2.7 has no huey:
    there this module holds no test, and so no layer to set up (the Redis
    layer would look for a redis-server that env does not ship)."""
    if PY2:
        return unittest.TestSuite()
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
