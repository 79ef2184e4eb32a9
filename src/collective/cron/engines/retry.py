# -*- coding: utf-8 -*-
"""Commit a piece of background work, retried when it conflicts.

The engines' workers write to the ZODB outside any request (reconciling a
site, restoring its queue after a start): nothing retries a conflict for
them, so they call ``retry_on_conflict``.  Its signature is the one of the
core's shared helper (``collective.cron.transactions``), which replaces
this module once both are in one tree.
"""
from collective.cron.engines.base import attempts_pauses
from ZODB.POSException import ConflictError

import time
import transaction


class TooManyConflicts(Exception):
    """The work conflicted at every attempt; nothing of it was committed."""

    def __init__(self, label, attempts):
        Exception.__init__(
            self, "%s: gave up after %d conflicts" % (label or "transaction", attempts)
        )
        self.label = label
        self.attempts = attempts


def retry_on_conflict(work, attempts=10, note=None, cleanup=None, manager=None):
    """Call ``work()`` in a new transaction and commit; return its result.

    A ``ConflictError`` (from ``work`` or from the commit) aborts the
    transaction and calls ``work()`` again in a fresh one, after a random,
    growing pause, up to ``attempts`` times in all; then
    ``TooManyConflicts`` is raised.  Any other error aborts and propagates
    at once.  ``note`` goes to the transaction's description; ``cleanup``
    is called after every attempt; ``manager`` defaults to the thread's
    transaction manager.
    """
    manager = manager if manager is not None else transaction.manager
    for number, pause in enumerate(attempts_pauses(attempts)):
        manager.begin()
        try:
            result = work()
            if note:
                manager.get().note(note)
            manager.commit()
            return result
        except ConflictError:
            manager.abort()
            if number + 1 < attempts:
                time.sleep(pause)
        except BaseException:
            manager.abort()
            raise
        finally:
            if cleanup is not None:
                cleanup()
    raise TooManyConflicts(note, attempts)
