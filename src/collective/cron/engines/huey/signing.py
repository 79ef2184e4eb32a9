# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""Signed queue payloads: nothing read from the queue is unpickled unchecked.

huey keeps its tasks (and every value put in its key-value store) as
pickles, and every Zope process reads them: whoever could write into the
Redis database or the SQLite file would run code in Plone.  So every
payload is signed with HMAC (huey's own ``SignedSerializer``) under the
deployment's secret (``collective.cron.config.queue_secret``), and a
payload whose signature does not match is refused, logged and never
unpickled: a task is dropped, a value reads as absent.
"""

from collective.cron import logger
from huey import RedisHuey
from huey import SqliteHuey
from huey.serializer import SignedSerializer

import threading
import time

SALT = "collective.cron"
# Refusals are logged at most this often (a flood of forged payloads must
# not flood the log); the count of those not logged is given with the next.
REPORT_SECONDS = 60


class RefusedPayload(ValueError):
    """A queue payload without a valid signature."""


class Refusals(object):
    """Counts refused payloads and logs them, at most once a minute."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.unreported = 0
        self.reported_at = None

    def refused(self, reason):
        with self.lock:
            self.count += 1
            self.unreported += 1
            now = time.time()
            if self.reported_at is not None and now - self.reported_at < REPORT_SECONDS:
                return
            count, self.unreported, self.reported_at = self.unreported, 0, now
        logger.error(
            "collective.cron: refused %d queue payload(s) without a valid "
            "signature (%s); not unpickled. Either someone wrote into the "
            "queue, or the instances of this queue do not share one secret "
            "(see 'Securing the queue' in docs/deployment.rst)",
            count,
            reason,
        )


refusals = Refusals()


class CheckedSerializer(SignedSerializer):
    """huey's signed serializer; a bad signature raises ``RefusedPayload``
    before anything is unpickled, and is counted and logged."""

    def __init__(self, secret):
        super(CheckedSerializer, self).__init__(secret=secret, salt=SALT)

    def _deserialize(self, data):
        try:
            message = self._unsign(data)
        except (ValueError, TypeError) as error:
            refusals.refused(
                "bad signature" if "mismatch" in str(error) else "unsigned"
            )
            raise RefusedPayload(str(error)[:80])
        return super(SignedSerializer, self)._deserialize(message)


class SigningHuey(object):
    """Mixed into huey's classes: a refused payload is skipped, not raised.

    A refused task is dropped (it was taken off the queue), a refused value
    (a heartbeat, the site marks, a revocation) reads as absent.
    """

    def dequeue(self):
        try:
            return super(SigningHuey, self).dequeue()
        except RefusedPayload:
            return None

    def _deserialize_all(self, messages):
        tasks = []
        for message in messages:
            try:
                tasks.append(self.deserialize_task(message))
            except RefusedPayload:
                continue
            except Exception:
                logger.exception("collective.cron: a queued task cannot be read")
        return tasks

    def get(self, key, peek=False):
        try:
            return super(SigningHuey, self).get(key, peek=peek)
        except RefusedPayload:
            return None

    def _check_revoked(self, data, timestamp=None, peek=True):
        try:
            return super(SigningHuey, self)._check_revoked(data, timestamp, peek)
        except RefusedPayload:
            return False, False


class SigningSqliteHuey(SigningHuey, SqliteHuey):
    pass


class SigningRedisHuey(SigningHuey, RedisHuey):
    def flush(self):
        """Everything goes, the per-cron job index too (its hashes live
        beside huey's keys: ``jobindex``)."""
        from collective.cron.engines.huey import jobindex

        super(SigningRedisHuey, self).flush()
        jobindex.flush(self)
