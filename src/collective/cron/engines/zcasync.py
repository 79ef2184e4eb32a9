# py2-only: zc.async is a SyntaxError on Python 3
# -*- coding: utf-8 -*-
"""The zc.async engine: plone.app.async's queue as collective.cron's job system.

Loaded only where zc.async is installed (Plone 5.2 on Python 2.7), through
``engines/zcasync.zcml``.  What it provides:

* ``ZCAsyncQueueManager``, the ``IQueueManager`` of a site: jobs are queued
  with plone.app.async's ``IAsyncService`` at ``begin_after=when`` and carry
  plain data only (the site, found again by its path, the cron uid, the ISO
  text of the occurrence, the trigger); their metadata lives in the job's
  annotations, their id is the job's oid in the queue's database;
* the crontab queue marker (``mark_site``, ``unmark_site``,
  ``marked_sites``): the paths of the sites that have a crontab, kept next
  to the queue so that every worker that starts (plone.app.async's
  ``IQueueReady``) fires a ``ServerRestartEvent`` for each of them;
* in worker processes, a reconciler thread that every minute makes sure
  each active cron of the marked sites has its next job, and a SIGTERM /
  SIGINT handler that stops the dispatcher cleanly (so that a restarted
  worker takes over at once);
* ``install_transactions_manager``: plone.app.async's job runner calls
  ``Zope2.zpublisher_transactions_manager``, which Zope 4 never sets.

A process runs jobs when it has a zc.async dispatcher, i.e. when its
zope.conf includes plone.app.async's ``single_db_worker.zcml`` (or
``multi_db_worker.zcml``); processes that only queue jobs include
``single_db_instance.zcml``.  The dispatcher polls every 2 seconds there:
a job starts 0-2 s after its time (measured p50 1.0 s, p95 1.8 s).  Beware:
``zconsole run`` scripts load the same ZCML, so they start a dispatcher too.
"""
from AccessControl.SecurityManagement import getSecurityManager
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import setSecurityManager
from AccessControl.SpecialUsers import nobody
from BTrees.OOBTree import OOBTree
from collective.cron import logger
from collective.cron.interfaces import IQueueManager
from plone.app.async.interfaces import IAsyncDatabase
from plone.app.async.interfaces import IAsyncService
from plone.app.async.interfaces import IQueueReady
from Products.CMFPlone.interfaces import IPloneSiteRoot
from ZODB.utils import p64
from ZODB.utils import u64
from zope.component import adapter
from zope.component import getUtility
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite
from zope.interface import implementer

import datetime
import pytz
import signal
import threading
import transaction
import zc.async.dispatcher
import zc.async.interfaces
import zc.async.threadlocal
import zc.async.queue


ENGINE = "zcasync"
QUEUE_NAME = ""  # plone.app.async's default queue
# The job annotation holding a cron job's metadata (plain data only).
ANNOTATION = "collective.cron"
# Attribute of the zc.async queue holding what collective.cron remembers
# there: {"sites": {path: marked at}, "instances": {instance id: uuid text}}.
QUEUE_DATA = "_collective_cron"

PENDING = "pending"
RUNNING = "running"
FINISHED = "finished"
_STATUSES = {
    zc.async.interfaces.PENDING: PENDING,
    zc.async.interfaces.ASSIGNED: RUNNING,
    zc.async.interfaces.ACTIVE: RUNNING,
    zc.async.interfaces.CALLBACKS: RUNNING,
    zc.async.interfaces.COMPLETED: FINISHED,
}


class QueueUnavailable(RuntimeError):
    """plone.app.async is not set up in this process; the message says how."""


# ---------------------------------------------------------------------------
# Transactions for plone.app.async's job runner
# ---------------------------------------------------------------------------


class TransactionsManager(object):
    """The begin/commit/abort object plone.app.async's job runner expects.

    ``plone.app.async.service._executeAsUser`` calls
    ``Zope2.zpublisher_transactions_manager``, which ZServer used to set and
    Zope 4 never does; this one drives the thread's transaction.
    """

    def begin(self):
        transaction.begin()

    def commit(self):
        if transaction.isDoomed():
            transaction.abort()
        else:
            transaction.commit()

    def abort(self):
        transaction.abort()

    def isDoomed(self):
        return transaction.isDoomed()

    def recordMetaData(self, object, request):
        pass


def install_transactions_manager():
    """Set ``Zope2.zpublisher_transactions_manager`` unless something did.

    Called at start-up (``IDatabaseOpenedWithRoot``), when a worker's queue
    is ready (``IQueueReady``) and by the test layers; safe to call again.
    """
    import Zope2

    if getattr(Zope2, "zpublisher_transactions_manager", None) is None:
        Zope2.zpublisher_transactions_manager = TransactionsManager()
    return Zope2.zpublisher_transactions_manager


def transactions_manager_on_start(event):
    """Subscriber for ``IDatabaseOpenedWithRoot``."""
    install_transactions_manager()


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------


def site_path(site):
    return "/".join(site.getPhysicalPath())


def queue_connection(site):
    """The connection to the database of the queue, from the site's connection.

    plone.app.async's start-up registers that database (``IAsyncDatabase``:
    the main one with ``single_db_*.zcml``, ``async`` with ``multi_db_*``);
    without it, the site's own database, as ``single_db_instance.zcml`` would.
    """
    if site is None or getattr(site, "_p_jar", None) is None:
        raise QueueUnavailable("no site with a database connection to reach the queue")
    database = queryUtility(IAsyncDatabase)
    if database is None:
        return site._p_jar
    return site._p_jar.get_connection(database.database_name)


def get_queue(site=None, create=True):
    """The zc.async queue jobs of ``site`` (default: the current site) go to.

    Created in the current transaction when no worker created it yet, unless
    ``create`` is false (reading must not write: a page that only looks
    would then be a write on GET); None then.
    """
    site = site if site is not None else getSite()
    connection = queue_connection(site)
    root = connection.root()
    queues = root.get(zc.async.interfaces.KEY)
    if queues is None and not create:
        return None
    if queues is None:
        queues = root[zc.async.interfaces.KEY] = zc.async.queue.Queues()
        connection.add(queues)
        logger.info("zc.async queues created in database %r", connection.db().database_name)
    queue = queues.get(QUEUE_NAME)
    if queue is None and not create:
        return None
    if queue is None:
        queue = queues[QUEUE_NAME] = zc.async.queue.Queue()
        connection.add(queue)
        logger.info("zc.async queue %r created", QUEUE_NAME)
    return queue


def _queue_data(queue, create=False):
    data = getattr(queue, QUEUE_DATA, None)
    if data is None and create:
        data = OOBTree()
        setattr(queue, QUEUE_DATA, data)
    return data


def prepare_queue(queue):
    """Create what collective.cron keeps in the queue, once for all.

    Done when a worker's queue gets ready, so that later writes (marking a
    site) change only this container, never the busy queue object itself.
    """
    for name in ("sites", "instances"):
        _queue_section(queue, name, create=True)
    return _queue_data(queue)


def _queue_section(queue, name, create=False):
    data = _queue_data(queue, create=create)
    if data is None:
        return None
    section = data.get(name)
    if section is None and create:
        section = data[name] = OOBTree()
    return section


# ---------------------------------------------------------------------------
# The crontab queue marker
# ---------------------------------------------------------------------------


def mark_site(site, queue=None):
    """Remember that ``site`` has a crontab: workers restore it at start-up.

    Writes only when the site was not marked yet.
    """
    queue = queue if queue is not None else get_queue(site)
    path = site_path(site)
    sites = _queue_section(queue, "sites")
    if sites is not None and path in sites:
        return False
    sites = _queue_section(queue, "sites", create=True)
    sites[path] = datetime.datetime.now(pytz.utc)
    return True


def unmark_site(site, queue=None):
    """Forget ``site`` (its crontab is gone, or the add-on uninstalled)."""
    queue = queue if queue is not None else get_queue(site)
    sites = _queue_section(queue, "sites")
    path = site_path(site)
    if sites is None or path not in sites:
        return False
    del sites[path]
    return True


def marked_sites(queue=None):
    """Paths (text) of the marked sites, in order."""
    queue = queue if queue is not None else get_queue()
    sites = _queue_section(queue, "sites")
    return list(sites.keys()) if sites is not None else []


# ---------------------------------------------------------------------------
# The job a worker runs
# ---------------------------------------------------------------------------


def run_queued_job(site, cron_uid, scheduled_iso, trigger):
    """What every queued cron job calls (through plone.app.async's runner).

    Keep this name and signature: queued jobs refer to it.  plone.app.async
    gives the site (traversed again from its path in the worker); the run
    itself, with its own connection and transactions, is
    ``collective.cron.engines.base.execute_job``.
    """
    from collective.cron.engines.base import execute_job

    job = zc.async.threadlocal.local.getJob()
    job_id = job_id_of(job) if job is not None else None
    execute_job(
        site._p_jar.db(), site_path(site), cron_uid, scheduled_iso, trigger, job_id=job_id
    )


def job_id_of(job):
    return str(u64(job._p_oid))


def _as_utc(when):
    if when.tzinfo is None:
        return pytz.utc.localize(when)
    return when.astimezone(pytz.utc)


# ---------------------------------------------------------------------------
# The queue manager
# ---------------------------------------------------------------------------


@implementer(IQueueManager)
@adapter(IPloneSiteRoot)
class ZCAsyncQueueManager(object):
    """The job system of a site on plone.app.async / zc.async.

    Jobs live in the ZODB: queueing and removing happen in the current
    transaction and vanish with it when it aborts.  Only jobs queued for
    this site (by path) are listed or touched, even though every site of
    the database shares the queue.
    """

    engine = ENGINE
    job_function = staticmethod(run_queued_job)

    def __init__(self, context):
        self.context = context
        self.path = site_path(context)

    @property
    def queue(self):
        return get_queue(self.context)

    # -- queueing ------------------------------------------------------

    def register_job(self, cron_uid, when, trigger="schedule", scheduled=None):
        when = _as_utc(when)
        scheduled = _as_utc(scheduled) if scheduled is not None else when
        if trigger != "manual":
            # One job per occurrence: queueing the same one again (after a
            # run and by the synchronisation, say) gives the queued job.
            for data in self.jobs(cron_uid):
                if (data["trigger"] == trigger and data["scheduled"] == scheduled
                        and data["status"] == "pending"):
                    return data["id"]
        queue = self.queue
        job = self._queue_call(
            queue, when, self.job_function, cron_uid, scheduled.isoformat(), trigger
        )
        job.annotations[ANNOTATION] = {
            "site": self.path,
            "uid": cron_uid,
            "when": when.isoformat(),
            "scheduled": scheduled.isoformat(),
            "trigger": trigger,
        }
        return job_id_of(job)

    def _queue_call(self, queue, when, func, *args):
        """Queue ``func(site, *args)`` through plone.app.async at ``when``.

        Queued as nobody in particular: the job wrapper picks the cron's
        user itself, and a user removed later must not break the job.
        plone.app.async's 'default' quota (one job at a time) is used once
        a worker created it.
        """
        service = getUtility(IAsyncService)
        quotas = ("default",) if "default" in queue.quotas else ()
        previous_site = getSite()
        previous_user = getSecurityManager()
        setSite(self.context)
        newSecurityManager(None, nobody)
        try:
            return service.queueJobInQueueWithDelay(
                None, when, queue, quotas, func, self.context, *args
            )
        finally:
            setSecurityManager(previous_user)
            setSite(previous_site)

    def remove_job(self, job_id):
        job = self._job(job_id)
        if job is None or job.status != zc.async.interfaces.PENDING:
            return False
        job.parent.remove(job)
        return True

    def remove_jobs(self, cron_uid):
        removed = 0
        queue = self.queue
        for job in list(queue):
            info = self._info(job)
            if info is not None and info["uid"] == cron_uid:
                queue.remove(job)
                removed += 1
        return removed

    def mark_site(self, active=True):
        """Mark (or unmark) this site for the restore at every worker start."""
        if active:
            return mark_site(self.context, self.queue)
        return unmark_site(self.context, self.queue)

    # -- reading -------------------------------------------------------

    def jobs(self, cron_uid=None):
        """Jobs of this site that did not finish: pending, then running."""
        result = []
        queue = get_queue(self.context, create=False)
        if queue is None:
            return result
        for job in self._unfinished(queue):
            data = self._describe(job)
            if data is None or (cron_uid is not None and data["uid"] != cron_uid):
                continue
            result.append(data)
        return sorted(result, key=lambda data: (data["when"], data["id"]))

    def job_status(self, job_id):
        job = self._job(job_id)
        if job is None:
            return None
        return _STATUSES.get(job.status)

    def is_alive(self, instance):
        """Whether the dispatcher of the process ``instance`` pings.

        Workers register their instance id when their queue gets ready;
        a process that never ran a worker here is unknown (None).
        """
        from collective.cron.engines.base import instance_id

        if instance == instance_id():
            return True
        try:
            queue = self.queue
        except QueueUnavailable:
            return None
        instances = _queue_section(queue, "instances")
        uuid = instances.get(instance) if instances is not None else None
        if uuid is None:
            return None
        for key, agents in queue.dispatchers.items():
            if str(key) == uuid:
                return bool(agents.activated) and not agents.dead
        return False

    def state(self):
        dispatcher = zc.async.dispatcher.get(default=None)
        state = {
            "engine": ENGINE,
            "queue": u"plone.app.async (zc.async queue %r)" % (QUEUE_NAME,),
            "worker": bool(dispatcher is not None and dispatcher.activated),
            "reachable": False,
            "error": None,
            "heartbeat": None,
        }
        try:
            queue = get_queue(self.context, create=False)
        except QueueUnavailable as error:
            state["error"] = u"%s" % (error,)
            return state
        if queue is None:
            state["error"] = (
                u"the zc.async queue does not exist yet: it is created when a "
                u"worker starts or a job is queued"
            )
            return state
        state["queue"] = u"plone.app.async: zc.async queue %r in database %r, %d jobs" % (
            QUEUE_NAME,
            queue._p_jar.db().database_name,
            len(queue),
        )
        state["reachable"] = True
        pings = [
            agents.last_ping.value
            for agents in queue.dispatchers.values()
            if agents.activated and agents.last_ping.value is not None
        ]
        pings += [
            agents.activated
            for agents in queue.dispatchers.values()
            if isinstance(agents.activated, datetime.datetime)
        ]
        if pings:
            state["heartbeat"] = _as_utc(max(pings))
        if not [
            agents
            for agents in queue.dispatchers.values()
            if agents.activated and not agents.dead
        ]:
            state["error"] = u"no zc.async worker is running: jobs wait until one starts"
        return state

    # -- helpers -------------------------------------------------------

    def _job(self, job_id):
        """The job with this id, if it is one of this site's cron jobs."""
        try:
            oid = p64(int(job_id))
        except (TypeError, ValueError):
            return None
        try:
            connection = self.queue._p_jar
            job = connection.get(oid)
            info = self._info(job)
        except Exception:  # noqa: a gone or packed oid is just "no such job"
            return None
        return job if info is not None else None

    def _info(self, job):
        annotations = getattr(job, "annotations", None)
        if annotations is None:
            return None
        info = annotations.get(ANNOTATION)
        if info is None or info.get("site") != self.path:
            return None
        return info

    def _describe(self, job):
        info = self._info(job)
        if info is None:
            return None
        return {
            "id": job_id_of(job),
            "uid": info["uid"],
            "when": _as_utc(job.begin_after),
            "scheduled": _from_iso(info["scheduled"]),
            "trigger": info["trigger"],
            "status": _STATUSES.get(job.status, PENDING),
        }

    def _unfinished(self, queue):
        for job in queue:
            yield job
        for agents in queue.dispatchers.values():
            for agent in agents.values():
                for job in agent:
                    yield job


def _from_iso(text):
    from collective.cron.clock import from_iso

    return from_iso(text)


# ---------------------------------------------------------------------------
# Start-up: a worker's queue is ready; then the reconciler, every minute
# ---------------------------------------------------------------------------

# Seconds between two reconciliations of every marked site by a worker.
RECONCILE_SECONDS = 60

_threads = []
_threads_lock = threading.Lock()
_reconciler_stop = threading.Event()


@adapter(IQueueReady)
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
    from collective.cron.engines.base import instance_id

    prepare_queue(queue)
    dispatcher = zc.async.dispatcher.get(default=None)
    if dispatcher is not None:
        # One entry per dispatcher: the previous process of this instance
        # (same UUID, another pid) is forgotten.
        instances = _queue_section(queue, "instances")
        uuid = str(dispatcher.UUID)
        for instance, known in list(instances.items()):
            if known == uuid and instance != instance_id():
                del instances[instance]
        if instances.get(instance_id()) != uuid:
            instances[instance_id()] = uuid
    paths = marked_sites(queue)

    def start(committed):
        if not committed:
            return
        if paths:
            restart_sites(paths)
        start_reconciler()

    transaction.get().addAfterCommitHook(start)


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
    catches up missed runs (``collective.cron.engines.base.reconcile_site``).
    """
    with _threads_lock:
        for thread in _threads:
            if thread.name == "collective.cron reconciler" and thread.is_alive():
                return thread
    _reconciler_stop.clear()
    return _start_thread(_reconcile_loop, "collective.cron reconciler", interval)


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
            if thread.name != "collective.cron reconciler" or _reconciler_stop.is_set()
        ]
    for thread in threads:
        thread.join(timeout)
    with _threads_lock:
        _threads[:] = [thread for thread in _threads if thread.is_alive()]
    return [thread for thread in threads if thread.is_alive()]


def _worker_running():
    dispatcher = zc.async.dispatcher.get(default=None)
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
    from collective.cron.engines.base import reconcile_site

    reconcile_site(site, ZCAsyncQueueManager(site))


def _restart_sites(paths):
    _in_each_site(paths, _restart, u"restart")


def _marked_paths(app):
    """The marked sites, read from a fresh connection (``app``'s)."""
    database = queryUtility(IAsyncDatabase)
    connection = app._p_jar
    if database is not None:
        connection = connection.get_connection(database.database_name)
    queues = connection.root().get(zc.async.interfaces.KEY)
    if queues is None or QUEUE_NAME not in queues:
        return []
    return marked_sites(queues[QUEUE_NAME])


def _in_each_site(paths, action, label, attempts=5):
    """Call ``action(site)`` for each site as the system user, one
    transaction per site, retried on conflicts.  ``paths`` None: the marked
    sites."""
    from AccessControl.SecurityManagement import noSecurityManager
    from AccessControl.SpecialUsers import system
    from collective.cron.engines.base import attempts_pauses
    from collective.cron.engines.base import close_site
    from collective.cron.engines.base import open_site
    from ZODB.POSException import ConflictError

    import time
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
        for pause in attempts_pauses(attempts):
            manager.begin()
            app = Zope2.app()
            try:
                if app.unrestrictedTraverse(path.strip("/").split("/"), None) is None:
                    logger.warning("Marked site %s is gone: nothing to %s", path, label)
                    break
                newSecurityManager(None, system)
                site, request = open_site(app, path)
                action(site)
                manager.get().note(u"collective.cron: %s %s" % (label, path))
                manager.commit()
                break
            except ConflictError:
                manager.abort()
                logger.info("Conflict during the %s of %s, retrying", label, path)
                time.sleep(pause)
            except Exception:
                manager.abort()
                logger.exception("The %s of %s failed", label, path)
                break
            finally:
                manager.abort()
                close_site()
                noSecurityManager()
                app._p_jar.close()


# ---------------------------------------------------------------------------
# Shutdown
# ---------------------------------------------------------------------------

# Seconds a stopping worker waits for its dispatcher; keep it under the
# process manager's kill timeout (often 10 s).
SHUTDOWN_TIMEOUT = 5


def stop_dispatcher(timeout=SHUTDOWN_TIMEOUT):
    """Stop this process' zc.async dispatcher and wait for it.

    The dispatcher deactivates itself in the queue on its way out, so a
    worker restarted at once takes over (a dispatcher that just vanished
    blocks its successor until it is declared dead, 5 minutes with
    plone.app.async's settings).  Jobs still running are handed back to
    the queue by zc.async and run again.
    """
    stop_reconciler()
    dispatcher = zc.async.dispatcher.get(default=None)
    if dispatcher is None or dispatcher.thread is None or not dispatcher.activated:
        return False
    dispatcher.reactor.callFromThread(dispatcher.reactor.stop)
    dispatcher.thread.join(timeout)
    return not dispatcher.thread.is_alive()


def graceful_shutdown_on_start(event):
    """Subscriber for ``IProcessStarting``: stop the worker well on SIGTERM/SIGINT.

    Neither waitress nor Zope handle SIGTERM, and zc.async's own handler
    exits without waiting for the dispatcher to deactivate.  Installed from
    the main thread, after plone.app.async started the dispatcher.
    """
    if zc.async.dispatcher.get(default=None) is None:
        return

    def handler(signum, frame):
        logger.info("Signal %d: stopping the zc.async worker", signum)
        stop_dispatcher()
        raise KeyboardInterrupt()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, handler)
