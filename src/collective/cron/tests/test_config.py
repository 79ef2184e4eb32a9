# -*- coding: utf-8 -*-
"""The engine configuration, and a job system that cannot work."""

from collective.cron import config
from collective.cron.compat import PY2
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING

import logging
import os
import transaction
import unittest


class Environment(object):
    """Set COLLECTIVE_CRON_* variables for one test."""

    def set(self, test, **values):
        for key, value in values.items():
            name = "COLLECTIVE_CRON_" + key.upper()
            previous = os.environ.get(name)
            test.addCleanup(self.restore, name, previous)
            os.environ[name] = value

    def restore(self, name, previous):
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


class TestQueueUrls(unittest.TestCase):

    def test_sqlite(self):
        self.assertEqual(
            config.parse_queue_url("sqlite:////srv/var/q.sqlite"),
            ("sqlite", {"filename": "/srv/var/q.sqlite"}),
        )
        scheme, details = config.parse_queue_url("sqlite:///var/q.sqlite")
        self.assertTrue(details["filename"].endswith("/var/q.sqlite"))
        self.assertTrue(os.path.isabs(details["filename"]))

    def test_redis(self):
        self.assertEqual(
            config.parse_queue_url("redis://127.0.0.1:6379/2"),
            ("redis", {"url": "redis://127.0.0.1:6379/2"}),
        )
        self.assertEqual(config.parse_queue_url("redis://cache")[0], "redis")

    def test_malformed(self):
        for url in (
            "sqlite:///",
            "redis://",
            "redis://host:port/0",
            "redis://host:6379/zero",
            "amqp://host",
            "",
            "/var/q.sqlite",
        ):
            with self.assertRaises(config.ConfigurationError) as caught:
                config.parse_queue_url(url)
            self.assertIn("collective.cron: queue", str(caught.exception))

    def test_password_never_shown(self):
        self.assertEqual(
            config.public_queue("redis://:secret@host:6379/0"),
            "redis://:***@host:6379/0",
        )
        self.assertEqual(
            config.public_queue("redis://user:secret@host:6379/0"),
            "redis://user:***@host:6379/0",
        )
        with self.assertRaises(config.ConfigurationError) as caught:
            config.parse_queue_url("redis://:secret@host:port/0")
        self.assertIn("redis://:***@host:port/0", str(caught.exception))
        self.assertNotIn("secret", str(caught.exception))

    def test_servers_run_workers_scripts_do_not(self):
        self.assertTrue(
            config.looks_like_a_server(["/srv/bin/runwsgi", "etc/zope.ini"])
        )
        self.assertTrue(config.looks_like_a_server(["bin/instance", "fg"]))
        self.assertFalse(config.looks_like_a_server(["bin/instance", "run", "x.py"]))
        self.assertFalse(config.looks_like_a_server(["/srv/bin/zconsole", "run"]))
        self.assertFalse(config.looks_like_a_server(["zope-testrunner"]))


class TestSettings(unittest.TestCase):

    def test_environment_overrides(self):
        Environment().set(
            self, engine="huey", queue="redis://h:1/0", worker="on", threads="3"
        )
        self.assertEqual(
            config.get_settings(),
            {
                "engine": "huey",
                "queue": "redis://h:1/0",
                "worker": True,
                "threads": 3,
                "site_limit": 2,
            },
        )

    def test_errors_name_the_key(self):
        cases = [
            (dict(engine="celery"), "unknown engine 'celery'"),
            (dict(engine="huey", worker="maybe"), "worker must be"),
            (dict(engine="huey", threads="0"), "threads must be"),
            (dict(engine="huey", queue="ftp://x"), "neither sqlite"),
            (dict(engine="huey", site_limit="0"), "site_limit must be"),
        ]
        environment = Environment()
        environment.set(self, engine="", queue="", worker="", threads="", site_limit="")
        for values, message in cases:
            for key in ("engine", "queue", "worker", "threads", "site_limit"):
                os.environ["COLLECTIVE_CRON_" + key.upper()] = values.get(key, "")
            with self.assertRaises(config.ConfigurationError) as caught:
                config.get_settings()
            self.assertIn(message, str(caught.exception))


class CapturedErrors(logging.Handler):
    def __init__(self, level=logging.ERROR):
        logging.Handler.__init__(self, level)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class TestBrokenJobSystem(unittest.TestCase):
    """A configuration that cannot work loses no cron and says why."""

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.errors = CapturedErrors()
        logger = logging.getLogger("collective.cron")
        logger.addHandler(self.errors)
        self.addCleanup(logger.removeHandler, self.errors)

    def test_unknown_engine(self):
        Environment().set(self, engine="celery")
        queue = IQueueManager(self.portal)
        state = queue.state()
        self.assertFalse(state["reachable"])
        self.assertIn("unknown engine", state["error"])
        crontab = Crontab.load(self.portal)
        crontab.save_cron(Cron(name=u"x", periodicity=u"@daily", uid=u"kept"))
        self.assertIn(u"kept", Crontab.load(self.portal).crons)
        self.assertTrue(
            any("unknown engine" in message for message in self.errors.messages)
        )

    @unittest.skipIf(PY2, "huey runs on Python 3, where it is a dependency")
    def test_unreachable_redis(self):
        Environment().set(self, engine="huey", queue="redis://127.0.0.1:1/0")
        queue = IQueueManager(self.portal)
        state = queue.state()
        self.assertFalse(state["reachable"])
        self.assertTrue(state["error"])
        crontab = Crontab.load(self.portal)
        crontab.save_cron(Cron(name=u"x", periodicity=u"@daily", uid=u"kept"))
        # the queue operations fail after the commit, are logged, lose nothing
        transaction.commit()
        self.assertIn(u"kept", Crontab.load(self.portal).crons)
        self.assertTrue(
            any("did not answer" in message for message in self.errors.messages)
        )


@unittest.skipIf(PY2, "huey runs on Python 3, where it is a dependency")
class TestQueueDown(unittest.TestCase):
    """A worker whose queue went away says so once, and again when it is back."""

    def test_said_once(self):
        from collective.cron.engines import huey as engine

        errors = CapturedErrors(logging.WARNING)
        logger = logging.getLogger("collective.cron")
        logger.addHandler(errors)
        self.addCleanup(logger.removeHandler, errors)
        worker = engine.Worker(engine.make_huey("redis://127.0.0.1:1/0"), db=None)
        self.assertFalse(worker.beat())
        self.assertFalse(worker.beat())
        self.assertFalse(worker.beat())
        said = [message for message in errors.messages if "does not answer" in message]
        self.assertEqual(len(said), 1)


class TestQueueSecret(unittest.TestCase):
    """The secret that signs the queue's payloads (``config.queue_secret``)."""

    def setUp(self):
        import shutil
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="collective.cron-secret-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.url = "sqlite:///" + os.path.join(self.folder, "q", "queue.sqlite")
        Environment().set(self, secret="")

    def test_generated_beside_the_sqlite_queue(self):
        import stat

        secret, where = config.queue_secret(self.url)
        self.assertEqual(where, os.path.join(self.folder, "q", "queue.sqlite.secret"))
        self.assertGreaterEqual(len(secret), 32)
        self.assertEqual(stat.S_IMODE(os.stat(where).st_mode), 0o600)
        # kept: every process of this queue reads the same one
        self.assertEqual(config.queue_secret(self.url), (secret, where))

    def test_setting_wins(self):
        Environment().set(self, secret="  a secret of the whole cluster ")
        self.assertEqual(
            config.queue_secret(self.url), ("a secret of the whole cluster", "setting")
        )
        self.assertFalse(os.path.exists(os.path.join(self.folder, "q")))

    def test_too_short(self):
        Environment().set(self, secret="short")
        with self.assertRaises(config.ConfigurationError) as raised:
            config.queue_secret(self.url)
        self.assertIn("secret must be at least 16 characters", str(raised.exception))

    def test_redis_without_setting_uses_the_instance_var_folder(self):
        self.assertEqual(
            config.secret_file("redis://127.0.0.1:6379/0"),
            os.path.join(config.instance_home(), "var", config.SECRET_FILE),
        )
