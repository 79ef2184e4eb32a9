# -*- coding: utf-8 -*-
"""Commit a piece of background work, retried when it conflicts.

The engines' workers write to the ZODB outside any request (reconciling a
site, restoring its queue after a start): nothing retries a conflict for
them, so they call ``commit_with_retries``.
"""
from collective.cron.engines.base import attempts_pauses
from ZODB.POSException import ConflictError

import time
import transaction


def commit_with_retries(work, attempts=5, note=None, manager=None):
    """Call ``work()`` in a new transaction and commit; return its result.

    A ``ConflictError`` (from ``work`` or from the commit) aborts the
    transaction and calls ``work()`` again in a fresh one, after a random,
    growing pause, up to ``attempts`` times in all; then that conflict is
    raised.  Any other error aborts and is raised at once.  ``note`` is
    added to the transaction's description; ``manager`` defaults to the
    thread's transaction manager.
    """
    manager = manager if manager is not None else transaction.manager
    pauses = list(attempts_pauses(attempts))
    for number, pause in enumerate(pauses):
        manager.begin()
        try:
            result = work()
            if note:
                manager.get().note(note)
            manager.commit()
            return result
        except ConflictError:
            manager.abort()
            if number + 1 == len(pauses):
                raise
            time.sleep(pause)
        except BaseException:
            manager.abort()
            raise
