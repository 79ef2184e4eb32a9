# -*- coding: utf-8 -*-
"""The one way background work retries a transaction after a ConflictError.

Jobs, the reconciler and the restore at start-up write to the ZODB from
worker threads, often on several instances at once.  When two of them
write the same object, the second commit raises a ``ConflictError``; the
work is then done again from the start in a fresh transaction, which sees
what the other one committed.

Why pauses: measured with four workers on ZEO, three immediate retries lost
5 jobs of 20 (the same workers kept colliding); ten retries with a random,
growing pause lost none.  So the default is ten attempts, pauses starting
around 50 ms and doubling up to 2 s, each drawn at random between half and
one and a half times that.
"""
from collective.cron import logger
from ZODB.POSException import ConflictError

import random
import time
import transaction


ATTEMPTS = 10


class TooManyConflicts(Exception):
    """The work conflicted at every attempt; nothing of it was committed."""

    def __init__(self, label, attempts):
        Exception.__init__(
            self, "%s: gave up after %d conflicts" % (label or "transaction", attempts)
        )
        self.label = label
        self.attempts = attempts


def pauses(attempts=ATTEMPTS):
    """Random, growing pauses (seconds), one per attempt."""
    for number in range(attempts):
        yield min(2.0, 0.05 * (2 ** number)) * random.uniform(0.5, 1.5)


def retry_on_conflict(work, attempts=ATTEMPTS, note=None, cleanup=None,
                      manager=None):
    """Call ``work()`` in a transaction and commit it, again after each conflict.

    * ``work`` is called without arguments at each attempt and must do all
      of its reading inside (objects read in an attempt that conflicted are
      stale); its return value is returned once the commit succeeded.
    * ``attempts``: how many times to try; a random, growing pause follows
      each conflict (see the module docstring).  After the last conflict,
      :class:`TooManyConflicts` is raised.
    * ``note``: text for the transaction's note (seen in undo logs) and for
      the log messages of this helper.
    * ``cleanup``: called after every attempt, committed or not (close the
      site, forget the security manager …).
    * ``manager``: the transaction manager, by default the thread's
      ``transaction.manager`` (savepoints taken by ``work`` belong to it).

    Any other exception aborts the transaction and propagates: it is not
    retried.
    """
    manager = manager if manager is not None else transaction.manager
    for number, pause in enumerate(pauses(attempts)):
        manager.begin()
        try:
            result = work()
            if note:
                manager.get().note(note)
            manager.commit()
            return result
        except ConflictError:
            manager.abort()
            logger.info(
                "%s: conflict at attempt %d of %d, retrying",
                note or "collective.cron", number + 1, attempts,
            )
            if number + 1 < attempts:
                time.sleep(pause)
        except BaseException:
            manager.abort()
            raise
        finally:
            if cleanup is not None:
                cleanup()
    logger.error("%s: gave up after %d conflicts", note or "collective.cron", attempts)
    raise TooManyConflicts(note, attempts)
