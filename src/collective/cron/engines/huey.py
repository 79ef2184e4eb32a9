# py3-only: huey has no release for Python 2.7; loaded by a ZCML condition.
# -*- coding: utf-8 -*-
"""The huey engine: jobs in an SQLite file (one host) or in Redis (several).

Jobs carry plain data only (site path, cron uid, occurrence, trigger, job
id).  A worker is a huey consumer running as threads inside a Zope server
process (or in ``collective-cron-worker``), with a scheduler that wakes
every 0.2 s, a heartbeat, and the reconciler that every minute makes sure
every active cron has its next job.
"""
from collective.cron import clock
from collective.cron import config
from collective.cron import logger
from collective.cron.engines import base
from collective.cron.interfaces import IQueueManager
from huey import RedisHuey
from huey import SqliteHuey
from huey.api import Task
from huey.consumer import Consumer
from huey.consumer import Scheduler
from huey.storage import SqliteStorage
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.interface import implementer

import contextlib
import datetime
import hashlib
import json
import os
import signal
import threading
import time
import transaction
import uuid


TASK_NAME = "collective.cron.job"
KEY_PREFIX = "collective.cron:"
SITES_KEY = KEY_PREFIX + "sites"
HEARTBEAT_SECONDS = 5
# A worker silent for this long is taken for dead: the runs it left
# "running" are released and caught up by the reconciler.
ALIVE_SECONDS = 20
INSTANCES_KEY = KEY_PREFIX + "instances"
RECONCILE_SECONDS = 60
SCHEDULER_INTERVAL = 0.2
MAX_DELAY = 0.5

_lock = threading.RLock()
_hueys = {}
_database = None
_worker = None


# ---------------------------------------------------------------------------
# The huey instance
# ---------------------------------------------------------------------------


class BatchingSqliteStorage(SqliteStorage):
    """huey's SQLite storage, able to write many operations in one commit.

    Each huey call commits on its own (an fsync each): synchronising a
    crontab of 1000 crons took seconds in commits alone.  Inside
    ``batch()`` the calls of this thread share one SQLite transaction.
    """

    def __init__(self, *args, **kwargs):
        self._batch = threading.local()
        super(BatchingSqliteStorage, self).__init__(*args, **kwargs)

    @contextlib.contextmanager
    def db(self, commit=False, close=False):
        cursor = getattr(self._batch, "cursor", None)
        if cursor is not None:
            yield cursor
            return
        with super(BatchingSqliteStorage, self).db(commit, close) as cursor:
            yield cursor

    @contextlib.contextmanager
    def batch(self):
        with super(BatchingSqliteStorage, self).db(commit=True) as cursor:
            self._batch.cursor = cursor
            try:
                yield
            finally:
                self._batch.cursor = None


@contextlib.contextmanager
def batch(huey):
    """One storage transaction for the operations inside, where supported."""
    batch = getattr(huey.storage, "batch", None)
    if batch is None:
        yield
        return
    with batch():
        yield


def make_huey(queue_url):
    """A huey for a queue URL, with the collective.cron task registered."""
    scheme, details = config.parse_queue_url(queue_url)
    if scheme == "sqlite":
        folder = os.path.dirname(details["filename"])
        if folder and not os.path.isdir(folder):
            os.makedirs(folder)
        huey = SqliteHuey(
            name="collective.cron",
            storage_class=BatchingSqliteStorage,
            filename=details["filename"],
            results=False,
            utc=True,
            timeout=10,
        )
    else:
        from redis import ConnectionPool

        # Time-outs, so that a Redis that went away is reported instead of
        # hanging a request or a worker.
        pool = ConnectionPool.from_url(
            details["url"], socket_connect_timeout=2, socket_timeout=5
        )
        huey = RedisHuey(
            name="collective.cron",
            connection_pool=pool,
            results=False,
            utc=True,
            blocking=True,
            read_timeout=1,
        )
    huey.collective_cron_task = huey.task(name=TASK_NAME, retries=0)(run_task)
    return huey


def get_huey(queue_url=None):
    """The process-wide huey of the configured queue (one per URL)."""
    if queue_url is None:
        queue_url = config.get_settings()["queue"]
    with _lock:
        huey = _hueys.get(queue_url)
        if huey is None:
            huey = _hueys[queue_url] = make_huey(queue_url)
        return huey


def set_database(db):
    """The ZODB the jobs open (given at start-up, or by tests)."""
    global _database
    _database = db


def get_database():
    if _database is not None:
        return _database
    import Zope2

    return Zope2.DB


def run_task(site_path, cron_uid, scheduled_iso, trigger, job_id):
    """The huey task: one run of a cron, from plain data."""
    huey = _current_task_huey()
    try:
        return base.execute_job(
            get_database(), site_path, cron_uid, scheduled_iso, trigger, job_id
        ) and None
    finally:
        if huey is not None:
            try:
                huey.delete(KEY_PREFIX + "job:" + job_id)
            except Exception:
                logger.exception("collective.cron: could not clear job %s", job_id)


def _current_task_huey():
    with _lock:
        if len(_hueys) == 1:
            return list(_hueys.values())[0]
    try:
        return get_huey()
    except config.ConfigurationError:
        return None


def job_id_for(site_path, cron_uid, scheduled, trigger):
    """Scheduled jobs get a stable id (the same occurrence is queued once);
    every manual run gets a new one."""
    if trigger == "manual":
        return "cc-" + uuid.uuid4().hex
    text = "|".join([site_path, cron_uid, clock.to_iso(scheduled), trigger])
    return "cc-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------------------
# Queue operations after commit
# ---------------------------------------------------------------------------


class AfterCommitOperations(threading.local):
    """Queue changes wait for the ZODB transaction that asked for them.

    One after-commit hook per transaction runs them in order; an aborted
    transaction drops them.  While the transaction is open they are visible
    to ``jobs()``, so a manager that queues then lists sees its own work.
    """

    def __init__(self):
        self.transaction = None
        self.operations = []

    def current(self):
        txn = transaction.get()
        if self.transaction is not txn:
            self.transaction = txn
            self.operations = []
            txn.addAfterCommitHook(self._run, (self.operations,))
        return self.operations

    def add(self, operation):
        self.current().append(operation)

    def pending(self):
        txn = transaction.get()
        return list(self.operations) if self.transaction is txn else []

    def _run(self, committed, operations):
        if not committed:
            return
        groups = []
        for operation in operations:
            if groups and groups[-1][0] is operation.huey:
                groups[-1][1].append(operation)
            else:
                groups.append((operation.huey, [operation]))
        for huey, group in groups:
            try:
                with batch(huey):
                    for operation in group:
                        self._execute(operation)
            except Exception as error:
                logger.error(
                    "collective.cron: the queue did not take %d operation(s) (%s); "
                    "the reconciler will queue what is missing once it answers",
                    len(group), error,
                )
        del operations[:]

    def _execute(self, operation):
        try:
            operation.execute()
        except Exception as error:
            logger.error(
                "collective.cron: could not %s (%s); the reconciler will "
                "queue what is missing once the queue answers again",
                operation, error,
            )
            raise


_after_commit = AfterCommitOperations()


class Enqueue(object):
    def __init__(self, huey, job):
        self.huey = huey
        self.job = job

    def execute(self):
        job = self.job
        if job["trigger"] != "manual":
            marker = KEY_PREFIX + "job:" + job["id"]
            if not self.huey.put_if_empty(marker, job["uid"]):
                return
        if self.huey.is_revoked(Task(id=job["id"])):
            # A job removed earlier under the same id left a revocation.
            self.huey.restore_by_id(job["id"])
        task = self.huey.collective_cron_task.s(
            job["site"],
            job["uid"],
            clock.to_iso(job["scheduled"]),
            job["trigger"],
            job["id"],
            eta=job["when"],
            id=job["id"],
        )
        if job["when"] > clock.as_utc(datetime.datetime.utcnow()):
            # Straight into the schedule: through the queue, a worker would
            # move it there, and for that moment it would be listed nowhere.
            self.huey.add_schedule(task)
        else:
            self.huey.enqueue(task)

    def __str__(self):
        return "queue job %s of cron %s" % (self.job["id"], self.job["uid"])


class Revoke(object):
    def __init__(self, huey, job_id):
        self.huey = huey
        self.job_id = job_id

    def execute(self):
        self.huey.revoke_by_id(self.job_id)
        self.huey.delete(KEY_PREFIX + "job:" + self.job_id)

    def __str__(self):
        return "remove job %s" % (self.job_id,)


# ---------------------------------------------------------------------------
# The queue manager
# ---------------------------------------------------------------------------


@implementer(IQueueManager)
@adapter(ISiteRoot)
class HueyQueueManager(object):
    """The job system of a site, on huey."""

    engine = "huey"

    def __init__(self, context):
        self.context = context
        self.site_path = "/".join(context.getPhysicalPath())

    @property
    def huey(self):
        return get_huey()

    def register_job(self, cron_uid, when, trigger="schedule", scheduled=None):
        when = clock.as_utc(when)
        scheduled = clock.as_utc(scheduled) if scheduled is not None else when
        job = {
            "id": job_id_for(self.site_path, cron_uid, scheduled, trigger),
            "site": self.site_path,
            "uid": cron_uid,
            "when": when,
            "scheduled": scheduled,
            "trigger": trigger,
            "status": "pending",
        }
        _after_commit.add(Enqueue(self.huey, job))
        return job["id"]

    def remove_job(self, job_id):
        _after_commit.add(Revoke(self.huey, job_id))

    def remove_jobs(self, cron_uid):
        for job in self.jobs(cron_uid):
            self.remove_job(job["id"])

    def _stored_jobs(self):
        huey = self.huey
        tasks = list(huey.pending()) + list(huey.scheduled())
        jobs = []
        for task in tasks:
            if getattr(task, "name", None) != TASK_NAME:
                continue
            args = tuple(task.args or ())
            if len(args) != 5 or args[0] != self.site_path:
                continue
            if huey.is_revoked(task):
                continue
            eta = task.eta
            jobs.append(
                {
                    "id": task.id,
                    "site": args[0],
                    "uid": args[1],
                    "when": clock.as_utc(eta) if eta is not None else clock.now(),
                    "scheduled": clock.from_iso(args[2]),
                    "trigger": args[3],
                    "status": "pending",
                }
            )
        return jobs

    def jobs(self, cron_uid=None):
        jobs = dict((job["id"], job) for job in self._stored_jobs())
        for operation in _after_commit.pending():
            if isinstance(operation, Enqueue) and operation.job["site"] == self.site_path:
                jobs[operation.job["id"]] = dict(operation.job)
            elif isinstance(operation, Revoke):
                jobs.pop(operation.job_id, None)
        found = [
            job for job in jobs.values() if cron_uid is None or job["uid"] == cron_uid
        ]
        return sorted(found, key=lambda job: (job["when"], job["id"]))

    def job_status(self, job_id):
        for job in self.jobs():
            if job["id"] == job_id:
                return job["status"]
        return None

    def is_alive(self, instance):
        beat = self.huey.get(KEY_PREFIX + "heartbeat:" + instance, peek=True)
        if beat is None:
            return False
        return time.time() - float(beat) < ALIVE_SECONDS

    def heartbeat(self):
        """The newest heartbeat of any worker of this queue (aware UTC) or None."""
        beat = self.huey.get(KEY_PREFIX + "heartbeat", peek=True)
        if beat is None:
            return None
        return clock.as_utc(datetime.datetime.utcfromtimestamp(float(beat)))

    def mark_site(self, active=True):
        sites = marked_sites(self.huey)
        if active and self.site_path not in sites:
            _after_commit.add(SiteMark(self.huey, self.site_path, True))
        elif not active and self.site_path in sites:
            _after_commit.add(SiteMark(self.huey, self.site_path, False))

    def state(self):
        state = {
            "engine": self.engine,
            "queue": None,
            "worker": _worker is not None and _worker.running,
            "reachable": False,
            "error": None,
            "heartbeat": None,
        }
        try:
            settings = config.get_settings()
            state["queue"] = config.public_queue(settings["queue"])
            huey = self.huey
            huey.storage.queue_size()
            state["reachable"] = True
            state["heartbeat"] = self.heartbeat()
        except Exception as error:
            state["error"] = u"%s" % (error,)
        return state


class SiteMark(object):
    def __init__(self, huey, path, active):
        self.huey = huey
        self.path = path
        self.active = active

    def execute(self):
        sites = set(marked_sites(self.huey))
        if self.active:
            sites.add(self.path)
        else:
            sites.discard(self.path)
        self.huey.put(SITES_KEY, json.dumps(sorted(sites)))

    def __str__(self):
        return "mark site %s" % (self.path,)


def marked_sites(huey):
    """Paths of the sites that have a crontab on this queue."""
    raw = huey.get(SITES_KEY, peek=True)
    if not raw:
        return []
    try:
        return list(json.loads(raw))
    except ValueError:
        return []


# ---------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------


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
        self.instance = base.instance_id()
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
        self.queue_down = False

    def start(self):
        set_database(self.db)
        self.beat()
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

    def _queue_name(self):
        storage = self.huey.storage
        return getattr(storage, "filename", None) and (
            "sqlite:///" + storage.filename
        ) or "redis"

    def beat(self):
        now = "%f" % time.time()
        try:
            self.huey.put(KEY_PREFIX + "heartbeat:" + self.instance, now)
            self.huey.put(KEY_PREFIX + "heartbeat", now)
            if self.instance not in known_instances(self.huey):
                register_instance(self.huey, self.instance)
        except Exception as error:
            # Said once when the queue goes away, not at every heartbeat.
            if not self.queue_down:
                logger.error(
                    "collective.cron: the job queue does not answer (%s); jobs "
                    "wait until it is back", error,
                )
            self.queue_down = True
            return False
        if self.queue_down:
            logger.info("collective.cron: the job queue answers again")
            self.queue_down = False
        return True

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
                    "catching up their jobs", ", ".join(dead),
                )
                next_reconcile = 0
            if alive and time.time() >= next_reconcile:
                try:
                    reconcile_all(self.huey, self.db)
                    for instance in dead:
                        forget_instance(self.huey, instance)
                    next_reconcile = time.time() + RECONCILE_SECONDS
                    reported = False
                except Exception as error:
                    if not reported:
                        logger.exception("collective.cron: reconciling failed: %s", error)
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
    """Reconcile every marked site (its own transaction each, with retries)."""
    from ZODB.POSException import ConflictError

    for path in marked_sites(huey):
        connection = db.open()
        try:
            for pause in base.attempts_pauses(5):
                try:
                    transaction.begin()
                    app = connection.root()["Application"]
                    try:
                        site, request = base.open_site(app, path)
                    except (KeyError, AttributeError):
                        logger.warning(
                            "collective.cron: site %s is gone, forgetting it", path
                        )
                        SiteMark(huey, path, False).execute()
                        transaction.abort()
                        break
                    base.reconcile_site(site, HueyQueueManager(site))
                    transaction.get().note(u"collective.cron: reconcile %s" % path)
                    transaction.commit()
                    break
                except ConflictError:
                    transaction.abort()
                    time.sleep(pause)
                finally:
                    base.close_site()
        finally:
            transaction.abort()
            connection.close()


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
    """SIGTERM and SIGINT finish the jobs in flight, then stop the process.

    Neither waitress nor Zope handles SIGTERM (the process would die with
    its jobs), and Zope closes the database before atexit runs: so the
    worker is stopped here, in the signal handler, while the database is
    still open.
    """

    def handler(signum, frame):
        logger.info("collective.cron: signal %s, stopping the worker", signum)
        stop_worker(graceful=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
