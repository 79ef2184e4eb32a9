# -*- coding: utf-8 -*-
"""What a zc.async worker does for collective.cron besides running jobs.

When its queue gets ready it fires a ``ServerRestartEvent`` for every
marked site (in a thread of its own: ``restart_sites``), then reconciles
every marked site each minute while the dispatcher runs
(``start_reconciler``): each active cron gets its next job if none is
queued, and missed runs are caught up (``collective.cron.reconciler.reconcile_site``).
"""
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from collective.cron import logger
from collective.cron import jobrunner
from collective.cron import reconciler
from collective.cron.transactions import retry_on_conflict
from collective.cron.transactions import TooManyConflicts
from collective.cron.engines.zcasync.marker import marked_sites
from collective.cron.engines.zcasync.modules import zc_async
from collective.cron.engines.zcasync.queue import ZCAsyncQueueManager
from collective.cron.engines.zcasync.storage import queue_in
from collective.cron.engines.zcasync.storage import site_path

import threading
import transaction


# Seconds between two reconciliations of every marked site by a worker.
RECONCILE_SECONDS = 60
RECONCILER = "collective.cron reconciler"

_threads = []
_threads_lock = threading.Lock()
_reconciler_stop = threading.Event()


def _start_thread(target, name, *args):
    thread = threading.Thread(target=target, args=args, name=name)
    thread.setDaemon(True)
    with _threads_lock:
        _threads[:] = [known for known in _threads if known.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def restart_sites(paths):
    """Fire ``ServerRestartEvent`` for the sites at ``paths``, in a new thread."""
    return _start_thread(_restart_sites, "collective.cron restart", list(paths))


def start_reconciler(interval=RECONCILE_SECONDS):
    """Reconcile every marked site each ``interval`` seconds while a worker runs.

    The reconciler queues the next job of any active cron that lost it and
    catches up missed runs (``collective.cron.reconciler.reconcile_site``).
    """
    with _threads_lock:
        for thread in _threads:
            if thread.name == RECONCILER and thread.is_alive():
                return thread
    _reconciler_stop.clear()
    return _start_thread(_reconcile_loop, RECONCILER, interval)


def stop_reconciler():
    _reconciler_stop.set()


def wait_for_restarts(timeout=30):
    """Wait for the restart threads (and the reconciler once stopped).

    Returns the threads still alive after ``timeout`` seconds.
    """
    with _threads_lock:
        threads = [
            thread
            for thread in _threads
            if thread.name != RECONCILER or _reconciler_stop.is_set()
        ]
    for thread in threads:
        thread.join(timeout)
    with _threads_lock:
        _threads[:] = [thread for thread in _threads if thread.is_alive()]
    return [thread for thread in threads if thread.is_alive()]


def _worker_running():
    dispatcher = zc_async("dispatcher").get(default=None)
    return dispatcher is not None and bool(dispatcher.activated)


def _reconcile_loop(interval):
    while not _reconciler_stop.wait(interval):
        if not _worker_running():
            break
        try:
            _in_each_site(None, _reconcile, u"reconcile")
        except Exception:  # noqa: the next round tries again
            logger.exception("collective.cron: reconciling the marked sites failed")


def _restart(site):
    from collective.cron.events import ServerRestartEvent
    from zope.event import notify

    notify(ServerRestartEvent(site))
    logger.info("Crons of %s restored after start-up", site_path(site))


def _reconcile(site):
    reconciler.reconcile_site(site, ZCAsyncQueueManager(site))


def _restart_sites(paths):
    _in_each_site(paths, _restart, u"restart")


def _marked_paths(app):
    """The marked sites, read from a fresh connection (``app``'s)."""
    queue = queue_in(app._p_jar)
    return marked_sites(queue) if queue is not None else []


def _in_each_site(paths, action, label, attempts=5):
    """Call ``action(site)`` for each site as the system user, one
    transaction per site, retried on conflicts.  ``paths`` None: the marked
    sites.  A site that fails is logged and the others still get their turn."""
    import Zope2

    manager = transaction.manager
    if paths is None:
        app = Zope2.app()
        try:
            paths = _marked_paths(app)
        finally:
            manager.abort()
            app._p_jar.close()
    for path in paths:
        app = Zope2.app()
        try:
            found = retry_on_conflict(
                lambda: _in_site(app, path, action),
                attempts=attempts,
                note=u"collective.cron: %s %s" % (label, path),
                cleanup=jobrunner.close_site,
                manager=manager,
            )
        except TooManyConflicts:
            logger.warning("The %s of %s kept conflicting; given up", label, path)
            continue
        except Exception:
            logger.exception("The %s of %s failed", label, path)
            continue
        finally:
            manager.abort()
            app._p_jar.close()
        if not found:
            logger.warning("Marked site %s is gone: nothing to %s", path, label)


def _in_site(app, path, action):
    """``action(site)`` for the site at ``path`` as the system user; False
    when there is no such site."""
    if app.unrestrictedTraverse(path.strip("/").split("/"), None) is None:
        return False
    newSecurityManager(None, system)
    site, request = jobrunner.open_site(app, path)
    action(site)
    return True
