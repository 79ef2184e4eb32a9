# -*- coding: utf-8 -*-
"""The zc.async worker of a process: its dispatcher, start-up and shutdown.

A process runs jobs when it has a zc.async dispatcher.  ``start_worker``
starts one the way plone.app.async's ``single_db_worker.zcml`` does (the
queue database, the queue, the dispatcher polling every 2 s, its agent and
the 'default' quota), so that a server with the worker on
(``collective.cron.config``) runs its crons without any plone.app.async
ZCML in zope.conf; an instance that includes ``single_db_worker.zcml`` (or
``multi_db_worker.zcml``) has its dispatcher already, and it is used as it
is.  ``zconsole run`` scripts and tests never start one unless asked.

When the dispatcher's queue is ready (plone.app.async's ``IQueueReady``)
``queue_ready`` remembers which instance this is, restores the queue of
every marked site and starts the reconciler.  SIGTERM and SIGINT stop the
dispatcher cleanly (``install_stop_handlers``), so a restarted worker takes
over at once.  A job starts 0-2 s after its time (measured p50 1.0 s, p95
1.8 s).
"""

from collective.cron import logger
from collective.cron import state
from collective.cron.engines import signals
from collective.cron.engines.base import JobEngine
from collective.cron.engines.zcasync.marker import marked_sites
from collective.cron.engines.zcasync.modules import plone_app_async
from collective.cron.engines.zcasync.modules import zc_async
from collective.cron.engines.zcasync.queue import ZCAsyncQueueManager
from collective.cron.engines.zcasync.reconciler import restart_sites
from collective.cron.engines.zcasync.reconciler import start_reconciler
from collective.cron.engines.zcasync.reconciler import stop_reconciler
from collective.cron.engines.zcasync.reconciler import wait_for_restarts
from collective.cron.engines.zcasync.storage import async_database
from collective.cron.engines.zcasync.storage import prepare_queue
from collective.cron.engines.zcasync.storage import QUEUE_NAME
from collective.cron.engines.zcasync.storage import queue_section
from collective.cron.engines.zcasync.zpublisher import install_transactions_manager
from zope.component import getGlobalSiteManager
from zope.component import queryUtility

import threading
import time
import transaction

# As plone.app.async's workers: the dispatcher looks for due jobs every 2 s.
POLL_INTERVAL = 2
# Seconds start_worker waits for the dispatcher to activate.
ACTIVATION_TIMEOUT = 10
PING_SECONDS = 60
PING_DEATH_SECONDS = 5 * 60
# Seconds a stopping worker waits for its dispatcher; keep it under the
# process manager's kill timeout (often 10 s).
SHUTDOWN_TIMEOUT = 5

_lock = threading.RLock()
# The subscribers start_worker registered (and stop_worker removes).
_registered = []


def current_dispatcher():
    """This process's zc.async dispatcher (running or not), or None."""
    return zc_async("dispatcher").get(default=None)


def current_worker():
    """This process's dispatcher while its thread runs (activating or
    activated), else None."""
    dispatcher = current_dispatcher()
    if dispatcher is None:
        return None
    thread = getattr(dispatcher, "thread", None)
    if thread is None:
        # Not started by a threaded installer: trust its own flag.
        return dispatcher if dispatcher.activated else None
    return dispatcher if thread.is_alive() else None


# ---------------------------------------------------------------------------
# Start
# ---------------------------------------------------------------------------


def configure_dispatcher(event):
    """``IDispatcherActivated``: a sign of life every minute, as the dashboard
    expects of a worker (plone.app.async's own subscriber pings every two
    minutes); declared dead after five, as plone.app.async does."""
    plone_app_async("subscribers").set_ping_intervals(
        event.object, PING_SECONDS, PING_DEATH_SECONDS
    )


def _worker_subscribers():
    """(handler, event interface) pairs of plone.app.async's single_db_worker.zcml
    (with our ``configure_dispatcher``)."""
    dispatcher_activated = zc_async("interfaces").IDispatcherActivated
    queue_ready_event = plone_app_async("interfaces").IQueueReady
    subscribers = plone_app_async("subscribers")
    return [
        (zc_async("subscribers").agent_installer, dispatcher_activated),
        (configure_dispatcher, dispatcher_activated),
        (subscribers.notifyQueueReady, dispatcher_activated),
        (subscribers.configureQueue, queue_ready_event),
    ]


def _register_worker_subscribers():
    """Register what a worker ZCML would have, unless it did already."""
    registry = getGlobalSiteManager()
    known = set(
        (registration.handler, tuple(registration.required))
        for registration in registry.registeredHandlers()
    )
    for handler, event in _worker_subscribers():
        if (handler, (event,)) not in known:
            registry.registerHandler(handler, (event,))
            _registered.append((handler, event))


def _unregister_worker_subscribers():
    registry = getGlobalSiteManager()
    while _registered:
        handler, event = _registered.pop()
        registry.unregisterHandler(handler, (event,))


def configured_by_plone_app_async():
    """Whether zope.conf includes plone.app.async's own set-up ZCML."""
    return queryUtility(plone_app_async("interfaces").IInitAsync) is not None


def _queue_database(db):
    """The database of the queue: plone.app.async's ``IAsyncDatabase`` if
    something registered it (a worker or instance ZCML, a test layer), else
    ``db``, registered as such (and as ``IDatabase``) as a single-database
    worker does."""
    database = async_database()
    if database is not None:
        return database
    from ZODB.interfaces import IDatabase

    registry = getGlobalSiteManager()
    if queryUtility(IDatabase) is None:
        registry.registerUtility(db, IDatabase)
    if queryUtility(IDatabase, name=db.database_name) is None:
        registry.registerUtility(db, IDatabase, name=db.database_name)
    registry.registerUtility(db, plone_app_async("interfaces").IAsyncDatabase)
    return db


def start_worker(
    db, settings=None, install_signal_handlers=False, poll_interval=POLL_INTERVAL
):
    """Start this process's zc.async dispatcher on ``db`` (once); return it.

    ``settings`` are not needed (zc.async has no queue URL nor threads
    setting of ours: its agent runs one job at a time, as plone.app.async's
    'default' quota says).  Returns once the dispatcher activated itself
    (in its own thread; ``queue_ready`` has run then).

    An instance whose zope.conf configures plone.app.async (one of its
    ``*_instance.zcml`` / ``*_worker.zcml``, which register ``IInitAsync``)
    keeps plone.app.async's rule: its worker ZCML alone decides which
    processes run jobs, so nothing is started here (None is returned unless
    that ZCML started a dispatcher).
    """
    from zope.app.appsetup.interfaces import DatabaseOpened

    install_transactions_manager()
    with _lock:
        dispatcher = current_worker()
        if dispatcher is None and configured_by_plone_app_async():
            logger.info(
                "collective.cron: plone.app.async is configured in this instance: "
                "its worker ZCML decides which processes run jobs"
            )
            return None
        if dispatcher is None:
            if current_dispatcher() is not None:
                # A dispatcher that stopped: make room for the new one.
                zc_async("dispatcher").pop(current_dispatcher().UUID)
            _register_worker_subscribers()
            event = DatabaseOpened(_queue_database(db))
            subscribers = zc_async("subscribers")
            subscribers.queue_installer(event)
            subscribers.ThreadedDispatcherInstaller(poll_interval=poll_interval)(event)
            dispatcher = current_dispatcher()
            _wait_for_activation(dispatcher, ACTIVATION_TIMEOUT)
    if install_signal_handlers:
        install_stop_handlers()
    return dispatcher


def _wait_for_activation(dispatcher, timeout):
    """Return once the dispatcher polled the queue once (in its own thread):
    its first poll activates it there.  A huey worker has started, too, when
    ``start_worker`` returns."""
    deadline = time.time() + timeout
    while dispatcher.thread.is_alive() and not (
        dispatcher.activated and len(dispatcher.polls)
    ):
        if time.time() > deadline:
            logger.warning(
                "collective.cron: the zc.async worker did not activate in %s s; "
                "it goes on trying",
                timeout,
            )
            return
        time.sleep(0.02)
    logger.info(
        "collective.cron: zc.async worker %s started (polling every %s s)",
        state.instance_id(),
        dispatcher.poll_interval,
    )


# ---------------------------------------------------------------------------
# The queue is ready
# ---------------------------------------------------------------------------


def queue_ready(event):
    """A zc.async worker started in this process (plone.app.async's IQueueReady).

    Runs in the dispatcher's thread, inside the transaction that activates
    it: remembers which instance this dispatcher is, then, once that
    commits, fires a ``ServerRestartEvent`` for every marked site (in a
    thread of its own) and starts the reconciler.
    """
    install_transactions_manager()
    queue = event.object
    if getattr(queue, "name", QUEUE_NAME) != QUEUE_NAME:
        return
    instance = state.instance_id()
    prepare_queue(queue)
    dispatcher = current_dispatcher()
    if dispatcher is not None:
        # One entry per dispatcher: the previous process of this instance
        # (same UUID, another pid) is forgotten.
        instances = queue_section(queue, "instances")
        uuid = str(dispatcher.UUID)
        for known_instance, known in list(instances.items()):
            if known == uuid and known_instance != instance:
                del instances[known_instance]
        if instances.get(instance) != uuid:
            instances[instance] = uuid
    paths = marked_sites(queue)

    def start(committed):
        if not committed:
            return
        if paths:
            restart_sites(paths)
        start_reconciler()

    transaction.get().addAfterCommitHook(start)


# ---------------------------------------------------------------------------
# Stop
# ---------------------------------------------------------------------------


def stop_dispatcher(timeout=SHUTDOWN_TIMEOUT):
    """Stop this process' zc.async dispatcher and wait for it.

    The dispatcher deactivates itself in the queue on its way out, so a
    worker restarted at once takes over (a dispatcher that just vanished
    blocks its successor until it is declared dead, 5 minutes with
    plone.app.async's settings).  Jobs still running are handed back to
    the queue by zc.async and run again.
    """
    stop_reconciler()
    dispatcher = current_dispatcher()
    if dispatcher is None or dispatcher.thread is None or not dispatcher.activated:
        return False
    dispatcher.reactor.callFromThread(dispatcher.reactor.stop)
    dispatcher.thread.join(timeout)
    return not dispatcher.thread.is_alive()


def stop_worker(graceful=True):
    """Stop the dispatcher ``start_worker`` started, and forget it.

    ``graceful`` waits up to ``SHUTDOWN_TIMEOUT`` seconds for it, else one
    second.  Returns whether a dispatcher stopped.
    """
    with _lock:
        dispatcher = current_dispatcher()
        timeout = SHUTDOWN_TIMEOUT if graceful else 1
        stopped = stop_dispatcher(timeout)
        if dispatcher is not None:
            _stop_job_threads(dispatcher, timeout)
            zc_async("subscribers").restore_signal_handlers(dispatcher)
            if dispatcher.thread is None or not dispatcher.thread.is_alive():
                zc_async("dispatcher").pop(dispatcher.UUID)
        _unregister_worker_subscribers()
    wait_for_restarts()
    if stopped:
        logger.info("collective.cron: zc.async worker %s stopped", state.instance_id())
    return stopped


def _stop_job_threads(dispatcher, timeout):
    """End the threads the dispatcher's agents ran jobs in (their pools
    outlive the stopped reactor), as zc.async's own test tear-down does."""
    threads = []
    for pools in dispatcher.queues.values():
        for pool in pools.values():
            threads.extend(pool.threads)
            pool.setSize(0)
    for thread in threads:
        thread.join(timeout)


def install_stop_handlers():
    """SIGTERM and SIGINT stop the dispatcher well, then the process.

    Neither waitress nor Zope handle SIGTERM, and zc.async's own handler
    exits without waiting for the dispatcher to deactivate.  The handler
    only sets a flag (``collective.cron.engines.signals``); a thread stops
    the dispatcher.  Called from the main thread only.
    """
    signals.install_stop_handlers(stop_dispatcher, "zc.async worker")


def graceful_shutdown_on_start(event):
    """Subscriber for ``IProcessStarting``: where plone.app.async's worker
    ZCML started a dispatcher, SIGTERM/SIGINT stop it well too."""
    if current_dispatcher() is not None:
        install_stop_handlers()


class ZCAsyncEngine(JobEngine):
    """The zc.async engine, registered as the ``IJobEngine`` utility "zcasync"."""

    name = "zcasync"
    make_queue_manager = staticmethod(ZCAsyncQueueManager)
    start = staticmethod(start_worker)
    stop = staticmethod(stop_worker)
    current = staticmethod(current_worker)


engine = ZCAsyncEngine()
