# -*- coding: utf-8 -*-
"""The huey engine with a real worker: SQLite and a real redis-server."""
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING
from collective.cron.testing import huey_available
from collective.cron.testing import redis_required
from collective.cron.testing import redis_server_binary
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


@unittest.skipUnless(huey_available(), "huey runs on Python 3")
class TestHueySqlite(HueyEngineTests, unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING


@unittest.skipUnless(
    huey_available() and (redis_server_binary() or redis_required()),
    "redis-server is not installed",
)
class TestHueyRedis(HueyEngineTests, unittest.TestCase):

    layer = COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING

    def test_queue_is_redis(self):
        self.assertTrue(self.queue.state()["queue"].startswith("redis://127.0.0.1:"))
