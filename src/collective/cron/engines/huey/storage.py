# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""The huey of a queue URL: SQLite (one host) or Redis (several hosts).

One huey per URL and process, with collective.cron's one task registered
on it (``run_task``: one run of a cron, from plain data).  Also the keys
collective.cron keeps in huey's key-value store, and the ZODB the jobs
open.
"""

from collective.cron import concurrency
from collective.cron import config
from collective.cron import logger
from collective.cron.engines.base import run_job
from collective.cron.engines.huey import jobindex
from collective.cron.engines.huey.signing import CheckedSerializer
from collective.cron.engines.huey.signing import SigningRedisHuey
from collective.cron.engines.huey.signing import SigningSqliteHuey
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage

import contextlib
import datetime
import os
import pytz
import threading

TASK_NAME = "collective.cron.job"
# huey names a queued job's task "<module of its function>.<name>": the
# module of the days when this engine was one module, so that jobs queued
# before an upgrade still find their task.
TASK_MODULE = "collective.cron.engines.huey"
KEY_PREFIX = "collective.cron:"
SITES_KEY = KEY_PREFIX + "sites"
INSTANCES_KEY = KEY_PREFIX + "instances"

_lock = threading.RLock()
_hueys = {}
_database = None


def queue_now():
    """huey's time (aware UTC): real time, even when the schedule's clock
    (``collective.cron.clock``) is frozen by a test, because huey's scheduler
    runs on real time."""
    return datetime.datetime.now(pytz.utc)


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
    """A huey for a queue URL, with the collective.cron task registered.

    Its payloads are signed with the queue's secret (``signing``).
    """
    scheme, details = config.parse_queue_url(queue_url)
    secret, where = config.queue_secret(queue_url)
    serializer = CheckedSerializer(secret)
    if scheme == "sqlite":
        folder = os.path.dirname(details["filename"])
        if folder and not os.path.isdir(folder):
            os.makedirs(folder)
        huey = SigningSqliteHuey(
            name="collective.cron",
            serializer=serializer,
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
        huey = SigningRedisHuey(
            name="collective.cron",
            serializer=serializer,
            connection_pool=pool,
            results=False,
            utc=True,
            blocking=True,
            read_timeout=1,
        )
    huey.collective_cron_secret = where
    huey.collective_cron_task = huey.task(name=TASK_NAME, retries=0)(_task_function())
    return huey


def _task_function():
    """``run_task`` under the task's lasting name (``TASK_MODULE``)."""

    def task(site_path, cron_uid, scheduled_iso, trigger, job_id):
        return run_task(site_path, cron_uid, scheduled_iso, trigger, job_id)

    task.__module__ = TASK_MODULE
    return task


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


@concurrency.per_site(lambda delay: RetryTask(delay=delay))
def run_task(site_path, cron_uid, scheduled_iso, trigger, job_id):
    """The huey task: one run of a cron, from plain data."""
    huey = _current_task_huey()
    # Taken from the queue: no longer one of the cron's queued jobs, as
    # huey's queue says, whatever the run does next (its log may be read
    # before this function returns).
    _clear(huey, jobindex.remove, site_path, cron_uid, job_id)
    try:
        return (
            run_job(get_database(), site_path, cron_uid, scheduled_iso, trigger, job_id)
            and None
        )
    finally:
        _clear(huey, _delete_job_key, job_id)


def _delete_job_key(huey, job_id):
    huey.delete(KEY_PREFIX + "job:" + job_id)


def _clear(huey, remove, *args):
    """``remove(huey, *args)``; a queue that does not answer is logged, it
    never stops the run (the reconciler repairs the index)."""
    if huey is None:
        return
    try:
        remove(huey, *args)
    except Exception:
        logger.exception("collective.cron: could not clear job %s", args[-1])


def _current_task_huey():
    with _lock:
        if len(_hueys) == 1:
            return list(_hueys.values())[0]
    try:
        return get_huey()
    except config.ConfigurationError:
        return None
