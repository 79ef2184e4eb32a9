# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""A queue that went away, or came back empty, is rebuilt from the ZODB.

Redis restarted without persistence (or failed over to an empty replica)
loses everything huey kept in it: queued jobs, the schedule, the site
marks, the heartbeats.  The ZODB still has every cron and what each last
handled, so the worker rebuilds the rest (:func:`rebuild`):

* it notices the loss by the queue's epoch key (written by the first
  worker, gone with the data), by the queue answering again after an
  outage, or by queue operations that failed after a commit;
* it marks again every site that has crons (the sites it knew, and those
  it finds in the ZODB), then reconciles them at once: each active cron
  gets its next job, and the occurrences that passed meanwhile follow the
  cron's missed-run policy and are logged (``collective.cron.reconciler``).

While the queue does not answer, huey's consumer threads would log a
traceback several times a second (``OutageFilter`` drops them): the outage
is logged once at WARNING, and once more when the queue answers again
(``QueueWatch``).
"""

from collective.cron import logger
from collective.cron.engines.huey.storage import KEY_PREFIX

import logging
import socket
import sqlite3
import threading
import time

EPOCH_KEY = KEY_PREFIX + "epoch"
# huey's loggers that report a queue that does not answer, with a traceback
# at each attempt.
HUEY_LOGGERS = ("huey.consumer.Worker", "huey.consumer.Scheduler", "huey")


def outage_errors():
    """The exception classes that mean "the queue does not answer"."""
    errors = [socket.error, sqlite3.OperationalError]
    try:
        from redis import exceptions

        errors += [exceptions.ConnectionError, exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - SQLite only
        pass
    return tuple(errors)


class QueueWatch(object):
    """Whether the queue answers; says so once per change, at WARNING."""

    def __init__(self, label):
        self.label = label
        self.lock = threading.Lock()
        self.down_since = None
        self.came_back = False

    def down(self, error):
        with self.lock:
            if self.down_since is not None:
                return
            self.down_since = time.time()
        logger.warning(
            "collective.cron: the job queue %s does not answer (%s); jobs wait "
            "until it is back",
            self.label,
            error,
        )

    def up(self):
        """The queue answered: True (once) when it had been down."""
        with self.lock:
            since, self.down_since = self.down_since, None
            if since is None:
                return False
            self.came_back = True
        logger.warning(
            "collective.cron: the job queue %s answers again after %d s; "
            "checking what it lost",
            self.label,
            time.time() - since,
        )
        return True

    @property
    def is_down(self):
        return self.down_since is not None

    def take_came_back(self):
        with self.lock:
            came_back, self.came_back = self.came_back, False
        return came_back


class OutageFilter(logging.Filter):
    """Drops huey's tracebacks for a queue that does not answer.

    The worker's heartbeat is what decides that the queue is down or back
    (and says so, once each: ``QueueWatch``); a consumer thread may still
    fail on a connection broken before the queue came back, which must not
    count as another outage.  ``dropped`` counts what was left out.
    """

    def __init__(self, watch):
        super(OutageFilter, self).__init__()
        self.watch = watch
        self.errors = outage_errors()
        self.dropped = 0

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and isinstance(error, self.errors):
            self.dropped += 1
            return False
        return True

    def install(self):
        for name in HUEY_LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self):
        for name in HUEY_LOGGERS:
            logging.getLogger(name).removeFilter(self)


def lost_data(huey):
    """True when the queue lost what it held (its epoch key is gone); the
    first call on a new queue writes the key and answers False."""
    if huey.get(EPOCH_KEY, peek=True) is not None:
        return False
    huey.put(EPOCH_KEY, "%f" % time.time())
    return True


def sites_with_crons(db):
    """Paths of the Plone sites in the ZODB that have crons (the sites at
    the root and in the root's folders)."""
    from collective.cron.crontab import Crontab
    from collective.cron.jobrunner import close_site
    from collective.cron.jobrunner import open_site
    from Products.CMFCore.interfaces import ISiteRoot

    import transaction

    paths = []
    connection = db.open()
    try:
        app = connection.root()["Application"]
        candidates = []
        for item in app.objectValues():
            candidates.append(item)
            if not ISiteRoot.providedBy(item) and hasattr(item, "objectValues"):
                try:
                    candidates.extend(item.objectValues())
                except Exception:  # noqa: not a folder after all
                    pass
        for item in candidates:
            if not ISiteRoot.providedBy(item):
                continue
            path = u"/".join(item.getPhysicalPath())
            try:
                site, request = open_site(app, path)
                if Crontab.load(site, read_only=True).crons:
                    paths.append(path)
            except Exception:
                logger.exception(
                    "collective.cron: could not read the crons of %s", path
                )
            finally:
                close_site()
    finally:
        transaction.abort()
        connection.close()
    return paths


def rebuild(huey, db, known_sites, reason):
    """Mark again every site with crons; the caller reconciles them next."""
    from collective.cron.engines.huey.queue import marked_sites
    from collective.cron.engines.huey.queue import SiteMark

    found = set(known_sites) | set(sites_with_crons(db))
    missing = sorted(found - set(marked_sites(huey)))
    for path in missing:
        SiteMark(huey, path, True).execute()
    logger.warning(
        "collective.cron: rebuilding the job queue from the ZODB (%s): "
        "%d site(s) marked again; their crons are reconciled now, and "
        "occurrences that passed meanwhile follow each cron's missed-run "
        "policy",
        reason,
        len(missing),
    )
    return missing
