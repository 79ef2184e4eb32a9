# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""The queue manager of a site on huey, and the crontab queue marker.

Jobs carry plain data only (site path, cron uid, occurrence, trigger, job
id).  Queue changes wait for the ZODB transaction that asked for them and
are dropped with it when it aborts.  The marker (the paths of the sites
that have a crontab) lives in huey's key-value store, beside the jobs.
"""

from collective.cron import clock
from collective.cron import config
from collective.cron import logger
from collective.cron.engines.huey import jobindex
from collective.cron.engines.huey.storage import batch
from collective.cron.engines.huey.storage import get_huey
from collective.cron.engines.huey.storage import KEY_PREFIX
from collective.cron.engines.huey.storage import queue_now
from collective.cron.engines.huey.storage import SITES_KEY
from collective.cron.engines.huey.storage import TASK_NAME
from collective.cron.interfaces import IQueueManager
from huey.api import Task
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.interface import implementer

import datetime
import hashlib
import json
import pytz
import threading
import time
import transaction
import uuid

# A worker silent for this long is taken for dead: the runs it left
# "running" are released and caught up by the reconciler.
ALIVE_SECONDS = 20


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
                # The worker rebuilds what the queue missed once it answers.
                operations_lost.set()
                logger.error(
                    "collective.cron: the queue did not take %d operation(s) (%s); "
                    "the reconciler will queue what is missing once it answers",
                    len(group),
                    error,
                )
        del operations[:]

    def _execute(self, operation):
        try:
            operation.execute()
        except Exception as error:
            logger.error(
                "collective.cron: could not %s (%s); the reconciler will "
                "queue what is missing once the queue answers again",
                operation,
                error,
            )
            raise


_after_commit = AfterCommitOperations()
# Set when queue operations failed after a commit (the queue did not
# answer): the worker then rebuilds the site marks and reconciles.
operations_lost = threading.Event()


class Enqueue(object):
    """Queue one job after the commit.

    A scheduled occurrence is queued once: its ``job:<id>`` key is taken
    first.  With ``replace`` (the reconciler, which found no job listed for
    the cron) a leftover key does not stop it: the job it stood for is gone
    (refused, or taken by a worker that died before running it); a
    duplicate would be skipped by the claim in the ZODB anyway.

    The job is also written under its cron (``jobindex``), so that listing
    a cron's jobs does not read the whole queue.
    """

    def __init__(self, huey, job, replace=False):
        self.huey = huey
        self.job = job
        self.replace = replace

    def execute(self):
        job = self.job
        if job["trigger"] != "manual":
            marker = KEY_PREFIX + "job:" + job["id"]
            if self.replace:
                self.huey.put(marker, job["uid"])
            elif not self.huey.put_if_empty(marker, job["uid"]):
                # Queued already (maybe before the index existed).
                jobindex.add(self.huey, job)
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
        # Listed before its task is written: a worker that takes the task
        # at once removes the entry after the run (``storage.run_task``).
        jobindex.add(self.huey, job)
        if job["when"] > queue_now():
            # Straight into the schedule: through the queue, a worker would
            # move it there, and for that moment it would be listed nowhere.
            self.huey.add_schedule(task)
        else:
            self.huey.enqueue(task)

    def __str__(self):
        return "queue job %s of cron %s" % (self.job["id"], self.job["uid"])


class Revoke(object):
    """Remove one job; ``uid`` (its cron) finds its index entry, else the
    ``job:<id>`` key of a scheduled job gives it."""

    def __init__(self, huey, job_id, site_path=None, uid=None):
        self.huey = huey
        self.job_id = job_id
        self.site_path = site_path
        self.uid = uid

    def execute(self):
        marker = KEY_PREFIX + "job:" + self.job_id
        uid = self.uid
        if uid is None:
            uid = self.huey.get(marker, peek=True)
        self.huey.revoke_by_id(self.job_id)
        self.huey.delete(marker)
        if uid is not None and self.site_path is not None:
            jobindex.remove(self.huey, self.site_path, uid, self.job_id)

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
    # See ``Enqueue``; True for the reconciler's manager.
    replace_leftovers = False

    def __init__(self, context):
        self.context = context
        self.site_path = "/".join(context.getPhysicalPath())
        # job id -> cron uid of the jobs listed, for ``remove_job``.
        self._listed = {}

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
        _after_commit.add(Enqueue(self.huey, job, replace=self.replace_leftovers))
        return job["id"]

    def remove_job(self, job_id):
        uid = self._listed.get(job_id)
        _after_commit.add(Revoke(self.huey, job_id, self.site_path, uid))

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

    def _indexed_jobs(self, cron_uid):
        """The jobs of one cron, from ``jobindex`` (not the whole queue)."""
        jobs = []
        for entry in jobindex.entries(self.huey, self.site_path, cron_uid):
            job = dict(entry, status="pending")
            job.pop("added", None)
            jobs.append(job)
        return jobs

    def jobs(self, cron_uid=None):
        """Every job of the site (the whole queue read), or those of one
        cron (its index entries: one read)."""
        if cron_uid is None:
            stored = self._stored_jobs()
        else:
            stored = self._indexed_jobs(cron_uid)
        jobs = dict((job["id"], job) for job in stored)
        for operation in _after_commit.pending():
            if (
                isinstance(operation, Enqueue)
                and operation.job["site"] == self.site_path
            ):
                jobs[operation.job["id"]] = dict(operation.job)
            elif isinstance(operation, Revoke):
                jobs.pop(operation.job_id, None)
        found = [
            job for job in jobs.values() if cron_uid is None or job["uid"] == cron_uid
        ]
        for job in found:
            self._listed[job["id"]] = job["uid"]
        return sorted(found, key=lambda job: (job["when"], job["id"]))

    def repair_index(self, jobs):
        """Called by the reconciler with every job of the site it read from
        the queue: the per-cron index follows (``jobindex.repair``)."""
        with batch(self.huey):
            return jobindex.repair(self.huey, self.site_path, jobs)

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
        return datetime.datetime.fromtimestamp(float(beat), pytz.utc)

    def mark_site(self, active=True):
        try:
            sites = marked_sites(self.huey)
        except Exception:
            # The queue does not answer: the mark waits for the commit (and
            # the worker marks again every site with crons once it is back).
            sites = None
        if sites is None:
            _after_commit.add(SiteMark(self.huey, self.site_path, active))
        elif active and self.site_path not in sites:
            _after_commit.add(SiteMark(self.huey, self.site_path, True))
        elif not active and self.site_path in sites:
            _after_commit.add(SiteMark(self.huey, self.site_path, False))

    def state(self):
        state = {
            "engine": self.engine,
            "queue": None,
            "worker": _worker_running(),
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


class ReconcilingQueueManager(HueyQueueManager):
    """The reconciler's queue manager: it queues a job only for a cron it
    found without one, so a leftover ``job:<id>`` key is stale."""

    replace_leftovers = True


def _worker_running():
    # The worker module imports this one: looked up when asked.
    from collective.cron.engines.huey.worker import current_worker

    worker = current_worker()
    return worker is not None and worker.running


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
