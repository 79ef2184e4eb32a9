# -*- coding: utf-8 -*-
"""Test layers for the zc.async engine (Plone 5.2 on Python 2.7).

``ZCASYNC_FIXTURE``
    A Plone site with plone.app.async, collective.cron (its ZCML, its
    ``testing.zcml`` runners and its default profile) and the zcasync
    engine.  The ZODB is a multi-database: the main one and an ``async``
    one that holds the zc.async queue, as in a ``multi_db`` deployment.
``ZCASYNC_INTEGRATION_TESTING``
    Rolled back after each test; jobs can be queued, listed and removed,
    none runs.
``ZCASYNC_FUNCTIONAL_TESTING``
    Each test gets its own copy of both databases and may commit.  No
    worker runs unless the test calls ``self.layer.start_worker()``
    (stopped at the end of the test).  Jobs only see committed data.
``ZCASYNC_WORKER_FUNCTIONAL_TESTING``
    The same with a zc.async dispatcher running from the start of each
    test (polling every ``POLL_INTERVAL`` seconds).

plone.app.async's own layers need two repairs on Plone 5.2:
``plone.testing.zope.ZSERVER_FIXTURE`` is gone (aliased here to the WSGI
server fixture before plone.app.async.testing is imported), and its
``AsyncLayer`` loads a test ZCML that needs packages gone from Plone 5.2
(``ZCAsyncLayer`` does not).

zc.async and plone.app.async are a SyntaxError on Python 3: they are
reached through ``collective.cron.engines.zcasync.modules`` (import_module),
so this file parses everywhere (linters) and only imports on Python 2.7.
"""
import os
import tempfile


# zc.async writes its instance UUID to ./uuid.txt unless told otherwise.
os.environ.setdefault(
    "ZC_ASYNC_UUID",
    os.path.join(tempfile.gettempdir(), "collective.cron-tests-zc.async-uuid.txt"),
)

from plone.testing import zope as zope_testing  # noqa: E402


if not hasattr(zope_testing, "ZSERVER_FIXTURE"):
    zope_testing.ZSERVER_FIXTURE = zope_testing.WSGI_SERVER_FIXTURE

from collective.cron.engines import zcasync  # noqa: E402
from collective.cron.engines.zcasync.modules import plone_app_async  # noqa: E402
from collective.cron.engines.zcasync.modules import zc_async  # noqa: E402
from plone.app.testing import applyProfile  # noqa: E402
from plone.app.testing import FunctionalTesting  # noqa: E402
from plone.app.testing import IntegrationTesting  # noqa: E402
from plone.app.testing import PLONE_FIXTURE  # noqa: E402
from plone.app.testing import PloneSandboxLayer  # noqa: E402
from plone.testing import zodb  # noqa: E402
from zope.component import getUtility  # noqa: E402
from zope.component import provideHandler  # noqa: E402
from zope.component import provideUtility  # noqa: E402

import contextlib  # noqa: E402
import importlib  # noqa: E402
import time  # noqa: E402
import transaction  # noqa: E402


IAsyncDatabase = plone_app_async("interfaces").IAsyncDatabase
IAsyncService = plone_app_async("interfaces").IAsyncService
IQueueReady = plone_app_async("interfaces").IQueueReady
configureQueue = plone_app_async("subscribers").configureQueue
notifyQueueReady = plone_app_async("subscribers").notifyQueueReady
AsyncLayer = plone_app_async("testing").AsyncLayer
IDispatcherActivated = zc_async("interfaces").IDispatcherActivated
agent_installer = zc_async("subscribers").agent_installer


POLL_INTERVAL = 0.2
ASYNC_DB_NAME = "async"


def stack_databases(main=None, name=None, async_base=None):
    """A main and an ``async`` database, each over its base, joined as a multi-database.

    Returns (main database, async database).
    """
    from ZODB.DB import DB
    from ZODB.DemoStorage import DemoStorage

    databases = {}
    async_storage = DemoStorage(
        name="%s:%s" % (name or "test", ASYNC_DB_NAME),
        base=async_base.storage if async_base is not None else None,
    )
    async_db = DB(async_storage, databases=databases, database_name=ASYNC_DB_NAME)
    main_storage = DemoStorage(
        name=name, base=main.storage if main is not None else None
    )
    main_db = DB(
        main_storage,
        databases=databases,
        database_name=main.database_name if main is not None else "unnamed",
    )
    return main_db, async_db


@contextlib.contextmanager
def stacking_async_databases(async_base, created):
    """Make plone.testing's ``stackDemoStorage`` stack both databases.

    plone.testing's layers push their demo storage through
    ``zodb.stackDemoStorage``; while this is active they get the main
    database of a multi-database, and ``created['async']`` the other one.
    """
    original = zodb.stackDemoStorage

    def stack(db=None, name=None):
        main_db, async_db = stack_databases(db, name, async_base)
        if async_base is None:
            install_queue(main_db)
        created["async"] = async_db
        return main_db

    zodb.stackDemoStorage = stack
    try:
        yield created
    finally:
        zodb.stackDemoStorage = original


def install_queue(db):
    """Create zc.async's queues in the ``async`` database, as a worker does,
    and what collective.cron keeps there."""
    from zope.app.appsetup.interfaces import DatabaseOpened

    multidb_queue_installer = zc_async("subscribers").multidb_queue_installer
    KEY = zc_async("interfaces").KEY

    multidb_queue_installer(DatabaseOpened(db))
    manager = transaction.TransactionManager()
    connection = db.open(transaction_manager=manager)
    try:
        zcasync.prepare_queue(connection.root()[KEY][zcasync.QUEUE_NAME])
        manager.commit()
    finally:
        manager.abort()
        connection.close()


def profile_exists(profile_id):
    from Products.GenericSetup.registry import _profile_registry

    try:
        _profile_registry.getProfileInfo(profile_id)
    except KeyError:
        return False
    return True


def _package_file(package, name):
    return os.path.exists(os.path.join(os.path.dirname(package.__file__), name))


class ZCAsyncLayer(AsyncLayer):
    """plone.app.async + collective.cron on the zc.async engine.

    Unlike plone.app.async's ``AsyncLayer`` it loads no test ZCML, runs no
    dispatcher of its own and keeps the queue in a real ``async`` database
    (plone.app.async's layer patches the storage stacking for that; this
    one stacks both databases itself).
    """

    defaultBases = (PLONE_FIXTURE,)

    def setUp(self):
        created = {}
        with stacking_async_databases(None, created):
            # PloneSandboxLayer.setUp stacks the databases, then calls
            # setUpZope and setUpPloneSite, which need the async one.
            self._created = created
            PloneSandboxLayer.setUp(self)
        del self._created

    def tearDown(self):
        PloneSandboxLayer.tearDown(self)
        self["asyncDB"].close()
        del self["asyncDB"]

    def setUpZope(self, app, configurationContext):
        async_db = self._created["async"]
        self["asyncDB"] = async_db
        zcasync.install_transactions_manager()

        self.loadZCML(
            "configure.zcml", package=importlib.import_module("plone.app.async")
        )
        # What plone.app.async's single_db_worker.zcml gives a worker.
        provideUtility(async_db, IAsyncDatabase)
        provideHandler(agent_installer, [IDispatcherActivated])
        provideHandler(notifyQueueReady, [IDispatcherActivated])
        provideHandler(configureQueue, [IQueueReady])

        import collective.cron
        import collective.cron.engines.zcasync

        if _package_file(collective.cron, "configure.zcml"):
            self.loadZCML(package=collective.cron)
        if _package_file(collective.cron, "testing.zcml"):
            self.loadZCML(package=collective.cron, name="testing.zcml")
        # Included by collective.cron's configure.zcml too: loaded once.
        self.loadZCML("configure.zcml", package=collective.cron.engines.zcasync)

    def setUpPloneSite(self, portal):
        if profile_exists("collective.cron:default"):
            applyProfile(portal, "collective.cron:default")


ZCASYNC_FIXTURE = ZCAsyncLayer(name="CollectiveCronZCAsyncLayer")


class ZCAsyncIntegrationTesting(IntegrationTesting):
    """Rolled back after each test; jobs never run."""

    defaultBases = (ZCASYNC_FIXTURE,)

    def testSetUp(self):
        zcasync.install_transactions_manager()
        super(ZCAsyncIntegrationTesting, self).testSetUp()


class ZCAsyncFunctionalTesting(FunctionalTesting):
    """Committing tests on private copies of both databases.

    ``start_worker()`` starts a real zc.async dispatcher on the test's
    databases (plone.app.async's worker subscribers install the agent and
    the 'default' quota, then fire ``IQueueReady``); ``stop_worker()`` stops
    it, as does the end of the test.
    """

    defaultBases = (ZCASYNC_FIXTURE,)
    worker = False
    poll_interval = POLL_INTERVAL

    def testSetUp(self):
        created = {}
        with stacking_async_databases(self["asyncDB"], created):
            super(ZCAsyncFunctionalTesting, self).testSetUp()
        self["asyncDB"] = created["async"]
        provideUtility(created["async"], IAsyncDatabase)
        zcasync.install_transactions_manager()
        if self.worker:
            self.start_worker()

    def testTearDown(self):
        try:
            self.stop_worker()
            zcasync.wait_for_restarts()
        finally:
            async_db = self["asyncDB"]
            super(ZCAsyncFunctionalTesting, self).testTearDown()
            async_db.close()
            del self["asyncDB"]
            provideUtility(self["asyncDB"], IAsyncDatabase)

    # -- the worker ----------------------------------------------------

    def start_worker(self, poll_interval=None, wait=10):
        """Start a zc.async dispatcher in this process; wait until it polled.

        Then begins a new transaction, so that the test sees the worker's
        changes (its own writes would conflict with them otherwise):
        commit what the test changed before.
        """
        from zope.app.appsetup.interfaces import DatabaseOpened

        dispatchers = zc_async("dispatcher")
        ThreadedDispatcherInstaller = zc_async("subscribers").ThreadedDispatcherInstaller
        if dispatchers.get(default=None) is not None:
            raise RuntimeError("a zc.async dispatcher is running already")
        installer = ThreadedDispatcherInstaller(
            poll_interval=poll_interval or self.poll_interval
        )
        installer(DatabaseOpened(self["zodbDB"]))
        dispatcher = dispatchers.get()
        deadline = time.time() + wait
        while time.time() < deadline:
            if dispatcher.activated and len(dispatcher.polls):
                break
            time.sleep(0.02)
        else:
            raise RuntimeError("the zc.async dispatcher did not start in %s s" % wait)
        transaction.begin()
        return dispatcher

    def stop_worker(self):
        """Stop this process' dispatcher (if any), the reconciler, and wait
        for their threads."""
        dispatchers = zc_async("dispatcher")
        tear_down_dispatcher = zc_async("testing").tear_down_dispatcher

        zcasync.stop_reconciler()
        dispatcher = dispatchers.get(default=None)
        if dispatcher is None:
            return False
        try:
            tear_down_dispatcher(dispatcher)
        finally:
            dispatchers.pop(dispatcher.UUID)
            zcasync.wait_for_restarts()
        return True


class ZCAsyncWorkerFunctionalTesting(ZCAsyncFunctionalTesting):
    """Functional tests with a zc.async worker from the start of each test."""

    worker = True


ZCASYNC_INTEGRATION_TESTING = ZCAsyncIntegrationTesting(
    name="CollectiveCronZCAsyncLayer:IntegrationTesting"
)
ZCASYNC_FUNCTIONAL_TESTING = ZCAsyncFunctionalTesting(
    name="CollectiveCronZCAsyncLayer:FunctionalTesting"
)
ZCASYNC_WORKER_FUNCTIONAL_TESTING = ZCAsyncWorkerFunctionalTesting(
    name="CollectiveCronZCAsyncLayer:WorkerFunctionalTesting"
)


def wait_for(condition, timeout=20, interval=0.1):
    """Poll ``condition()`` in fresh transactions until it is true.

    Returns its last value (falsy after ``timeout`` seconds).
    """
    deadline = time.time() + timeout
    while True:
        transaction.begin()  # see what the worker committed
        value = condition()
        if value or time.time() >= deadline:
            return value
        time.sleep(interval)


def queue_plain_job(site, when, func, *args):
    """Queue ``func(site, *args)`` with plone.app.async, as any add-on would."""
    service = getUtility(IAsyncService)
    return service.queueJobInQueueWithDelay(
        None, when, zcasync.get_queue(site), (), func, site, *args
    )


def job_object(site, job_id):
    """The zc.async job with this id (any job of the queue's database)."""
    from ZODB.utils import p64

    return zcasync.get_queue(site)._p_jar.get(p64(int(job_id)))


def job_completed(site, job_id):
    return job_object(site, job_id).status == zc_async("interfaces").COMPLETED
