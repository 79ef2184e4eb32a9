# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""The huey worker of a process: consumer threads, heartbeat, reconciler, signals.

A worker is a huey consumer running as threads inside a Zope server
process (or in ``collective-cron-worker``), with a scheduler that wakes
every 0.2 s, a heartbeat every 5 s, and the reconciler that at start-up and
then every minute makes sure every active cron of the marked sites has its
next job.  SIGTERM and SIGINT stop it gracefully (``install_stop_handlers``).
"""

from collective.cron import config
from collective.cron import jobrunner
from collective.cron import logger
from collective.cron import reconciler
from collective.cron import state
from collective.cron.engines import signals
from collective.cron.engines.base import JobEngine
from collective.cron.engines.huey import recovery
from collective.cron.engines.huey.queue import ALIVE_SECONDS
from collective.cron.engines.huey.queue import HueyQueueManager
from collective.cron.engines.huey.queue import marked_sites
from collective.cron.engines.huey.queue import operations_lost
from collective.cron.engines.huey.queue import ReconcilingQueueManager
from collective.cron.engines.huey.queue import SiteMark
from collective.cron.engines.huey.storage import get_huey
from collective.cron.engines.huey.storage import INSTANCES_KEY
from collective.cron.engines.huey.storage import KEY_PREFIX
from collective.cron.engines.huey.storage import set_database
from collective.cron.transactions import retry_on_conflict
from collective.cron.transactions import TooManyConflicts
from huey.consumer import Consumer
from huey.consumer import Scheduler

import json
import threading
import time
import transaction

HEARTBEAT_SECONDS = 5
RECONCILE_SECONDS = 60
SCHEDULER_INTERVAL = 0.2
MAX_DELAY = 0.5

_lock = threading.RLock()
_worker = None


class FastScheduler(Scheduler):
    """huey's scheduler, waking more often than its 1 s minimum."""

    def __init__(self, huey, stop_flag, interval, periodic):
        super(FastScheduler, self).__init__(huey, stop_flag, interval, periodic)
        self.interval = SCHEDULER_INTERVAL


class InProcessConsumer(Consumer):
    """A consumer living as threads of another process.

    It leaves the process's signals alone (the server owns them; we stop it
    from our own handlers) and never runs huey's periodic tasks.
    """

    scheduler_class = FastScheduler

    def _set_signal_handlers(self):
        pass


class Worker(object):
    """Consumer threads plus the heartbeat and reconciler thread."""

    def __init__(self, huey, db, threads=1, shutdown_timeout=8.0):
        self.huey = huey
        self.db = db
        self.instance = state.instance_id()
        self.consumer = InProcessConsumer(
            huey,
            workers=threads,
            periodic=False,
            initial_delay=0.05,
            backoff=1.15,
            max_delay=MAX_DELAY,
            check_worker_health=True,
            shutdown_timeout=shutdown_timeout,
        )
        self.stop_event = threading.Event()
        self.thread = None
        self.running = False
        self.watch = recovery.QueueWatch(config.public_queue(self._queue_name()))
        self.outage_filter = recovery.OutageFilter(self.watch)
        # Every site this worker saw marked: marked again if the queue
        # loses its marks (``recovery``).
        self.known_sites = set()

    @property
    def queue_down(self):
        return self.watch.is_down

    def start(self):
        set_database(self.db)
        self.outage_filter.install()
        self._check_secret()
        if self.beat():
            try:
                recovery.lost_data(self.huey)  # writes the epoch of a new queue
            except Exception as error:
                self.watch.down(error)
        self.consumer.start()
        self.running = True
        self.thread = threading.Thread(
            target=self._keep_alive, name="collective.cron reconciler"
        )
        self.thread.daemon = True
        self.thread.start()
        logger.info(
            "collective.cron: worker %s started (%d thread(s)) on %s",
            self.instance,
            len(self.consumer.worker_threads),
            config.public_queue(self._queue_name()),
        )

    def _check_secret(self):
        where = getattr(self.huey, "collective_cron_secret", "setting")
        if where != "setting" and self.huey.storage.__class__.__name__.startswith(
            "Redis"
        ):
            logger.warning(
                "collective.cron: the Redis queue's payloads are signed with "
                "this instance's own secret (%s): every instance sharing the "
                "queue must have the same 'secret' setting (zope.conf or "
                "COLLECTIVE_CRON_SECRET), or they refuse each other's jobs",
                where,
            )

    def _queue_name(self):
        storage = self.huey.storage
        return (
            getattr(storage, "filename", None)
            and ("sqlite:///" + storage.filename)
            or "redis"
        )

    def beat(self):
        now = "%f" % time.time()
        try:
            self.huey.put(KEY_PREFIX + "heartbeat:" + self.instance, now)
            self.huey.put(KEY_PREFIX + "heartbeat", now)
            if self.instance not in known_instances(self.huey):
                register_instance(self.huey, self.instance)
        except Exception as error:
            # Said once when the queue goes away, not at every heartbeat.
            self.watch.down(error)
            return False
        self.watch.up()
        return True

    def rebuild_reason(self):
        """Why the queue must be rebuilt from the ZODB now, or None."""
        reasons = []
        if recovery.lost_data(self.huey):
            reasons.append("the queue lost its data (restarted empty?)")
        if self.watch.take_came_back():
            reasons.append("the queue answers again after an outage")
        if operations_lost.is_set():
            operations_lost.clear()
            reasons.append("queue operations failed after a commit")
        return "; ".join(reasons) or None

    def dead_instances(self):
        """Other workers of this queue whose heartbeat stopped."""
        dead = []
        for instance in known_instances(self.huey):
            if instance == self.instance:
                continue
            beat = self.huey.get(KEY_PREFIX + "heartbeat:" + instance, peek=True)
            if beat is None or time.time() - float(beat) >= ALIVE_SECONDS:
                dead.append(instance)
        return dead

    def _keep_alive(self):
        next_reconcile = 0
        reported = False
        while not self.stop_event.is_set():
            alive = self.beat()
            dead = []
            if alive:
                try:
                    dead = self.dead_instances()
                except Exception:
                    dead = []
            if dead:
                # Runs they left "running" are released now, not in a minute.
                logger.warning(
                    "collective.cron: worker(s) %s stopped answering; "
                    "catching up their jobs",
                    ", ".join(dead),
                )
                next_reconcile = 0
            if alive:
                try:
                    reason = self.rebuild_reason()
                    if reason:
                        recovery.rebuild(self.huey, self.db, self.known_sites, reason)
                        next_reconcile = 0
                except Exception as error:
                    self.watch.down(error)
                    alive = False
            if alive and time.time() >= next_reconcile:
                try:
                    self.known_sites.update(reconcile_all(self.huey, self.db))
                    for instance in dead:
                        forget_instance(self.huey, instance)
                    next_reconcile = time.time() + RECONCILE_SECONDS
                    reported = False
                except Exception as error:
                    if not reported:
                        logger.exception(
                            "collective.cron: reconciling failed: %s", error
                        )
                        reported = True
                    next_reconcile = time.time() + 5
            try:
                self.consumer.check_worker_health()
            except Exception:
                logger.exception("collective.cron: worker health check failed")
            self.stop_event.wait(HEARTBEAT_SECONDS)

    def stop(self, graceful=True):
        if not self.running:
            return
        self.running = False
        self.stop_event.set()
        self.consumer.stop(graceful=graceful)
        if self.thread is not None:
            self.thread.join(5)
        self.outage_filter.remove()
        try:
            self.huey.delete(KEY_PREFIX + "heartbeat:" + self.instance)
            forget_instance(self.huey, self.instance)
        except Exception:  # noqa: the queue may be gone; nothing to clean then
            pass
        logger.info("collective.cron: worker %s stopped", self.instance)


def known_instances(huey):
    raw = huey.get(INSTANCES_KEY, peek=True)
    try:
        return list(json.loads(raw)) if raw else []
    except ValueError:
        return []


def _update_instances(huey, change):
    """Read-modify-write of the list of workers, checked and retried: two
    workers starting together must not drop each other."""
    for attempt in range(10):
        instances = set(known_instances(huey))
        wanted = change(set(instances))
        if wanted == instances:
            return
        huey.put(INSTANCES_KEY, json.dumps(sorted(wanted)))
        time.sleep(0.05 * (attempt + 1))
        if change(set(known_instances(huey))) == set(known_instances(huey)):
            return


def register_instance(huey, instance):
    _update_instances(huey, lambda instances: instances | set([instance]))


def forget_instance(huey, instance):
    _update_instances(huey, lambda instances: instances - set([instance]))


def reconcile_all(huey, db):
    """Reconcile every marked site (its own transaction each, with retries).

    A site that is gone is forgotten; one that keeps conflicting is left
    for the next round.  Returns the paths of the sites found.
    """
    found_paths = []
    for path in marked_sites(huey):
        connection = db.open()
        try:
            found = retry_on_conflict(
                lambda: _reconcile(connection, path),
                attempts=5,
                note=u"collective.cron: reconcile %s" % path,
                cleanup=jobrunner.close_site,
            )
        except TooManyConflicts:
            logger.warning(
                "collective.cron: reconciling %s kept conflicting; the next "
                "round tries again",
                path,
            )
            continue
        finally:
            transaction.abort()
            connection.close()
        if not found:
            logger.warning("collective.cron: site %s is gone, forgetting it", path)
            SiteMark(huey, path, False).execute()
        else:
            found_paths.append(path)
    return found_paths


def _reconcile(connection, path):
    """Reconcile the site at ``path``; False when there is no such site."""
    app = connection.root()["Application"]
    try:
        site, request = jobrunner.open_site(app, path)
    except (KeyError, AttributeError):
        return False
    reconciler.reconcile_site(site, ReconcilingQueueManager(site))
    return True


def start_worker(db, settings=None, install_signal_handlers=False):
    """Start this process's worker (once); returns it."""
    global _worker
    settings = settings or config.get_settings()
    with _lock:
        if _worker is not None and _worker.running:
            return _worker
        huey = get_huey(settings["queue"])
        _worker = Worker(huey, db, threads=settings["threads"])
        _worker.start()
    if install_signal_handlers:
        install_stop_handlers()
    return _worker


def stop_worker(graceful=True):
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop(graceful=graceful)


def current_worker():
    return _worker


def install_stop_handlers():
    """SIGTERM and SIGINT finish the jobs in flight, then stop the process
    (``collective.cron.engines.signals``: the handler itself only sets a
    flag; a thread logs and stops the worker)."""
    signals.install_stop_handlers(_stop_current, "huey worker")


def _stop_current():
    """Stop this process's worker and leave it current (stopped): the main
    thread, interrupted next, forgets it (``stop_worker``); until then
    ``collective-cron-worker`` keeps waiting instead of exiting mid-stop."""
    worker = current_worker()
    if worker is not None:
        worker.stop(graceful=True)


class HueyEngine(JobEngine):
    """The huey engine, registered as the ``IJobEngine`` utility "huey"."""

    name = "huey"
    make_queue_manager = staticmethod(HueyQueueManager)
    start = staticmethod(start_worker)
    stop = staticmethod(stop_worker)
    current = staticmethod(current_worker)


engine = HueyEngine()
