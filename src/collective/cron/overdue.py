# -*- coding: utf-8 -*-
"""Overdue runs noticed while they run: one ``IRunOverdueEvent`` per run.

A run past its timeout (``collective.cron.timeouts``) is shown as overdue
while it runs and gets a WARN when it ends.  People who do not watch the
dashboard learn it from an alert, sent by ``collective.cron.alerts`` on
the event fired here.

Contract:

* **Who checks**: the reconciler (:func:`check`, called at the end of
  ``reconcile_site``, every minute in every worker).  It looks at the
  running markers of the active crons that have a timeout.
* **Nothing written where the run writes**: a write to the cron's state or
  log book while it runs would make the run's own commit conflict.  What
  was alerted is kept in a record of its own, the ``ALERTED_KEY`` BTree in
  the site's annotations: ``uid -> (marker key, marker start)``, written
  only by this check (once per overdue run, and once more to forget it
  after the run ended).  The run never writes it, so it never conflicts
  with the run.
* **Once, from one instance**: the event fires in the reconciler's
  transaction together with the write of the record; two workers that
  check at the same time conflict on the record and the retry sees it.
  The alert leaves after that commit (``alerts``), so an aborted check
  sends nothing.
* **A run that ended before a check saw it** (a timeout of 10 s, a run of
  30 s, a check every minute) is alerted when it ends, by the alert
  subscriber of the run (:func:`alerted_during`, read only).  A check and
  the end of the run in the very same moment may both alert: a rare second
  alert rather than a missed one.
"""

from collective.cron import clock
from collective.cron import timeouts
from collective.cron.events import CronJobEvent
from collective.cron.interfaces import ICronJobEvent
from collective.cron.state import get_state
from collective.cron.utils import annotation_tree
from zope.event import notify
from zope.interface import Attribute
from zope.interface import implementer

import transaction

ALERTED_KEY = "collective.cron.overdue"


class IRunOverdueEvent(ICronJobEvent):
    """A run of ``cron`` went past its timeout and is still running."""

    started = Attribute("When the run was claimed (aware UTC)")
    now = Attribute("When the check saw it (aware UTC)")


@implementer(IRunOverdueEvent)
class RunOverdueEvent(CronJobEvent):
    def __init__(self, site, cron, started, now):
        super(RunOverdueEvent, self).__init__(site, cron)
        self.started = started
        self.now = now


def _marker(state):
    running = getattr(state, "running", None) if state is not None else None
    if not running:
        return None
    return (tuple(running[2]), clock.to_iso(running[1]))


def check(site, crontab, active, now=None):
    """Fire ``RunOverdueEvent`` for each run of ``active`` (crons or
    summaries of ``crontab``) that went past its timeout and was not
    alerted yet; forget the runs that ended.  Returns the events fired."""
    now = now or clock.now()
    tree = annotation_tree(site, ALERTED_KEY)
    fired = []
    for item in active:
        state = get_state(site, item.uid)
        marker = _marker(state)
        if marker is None:
            continue
        if tree is not None and tree.get(item.uid) == marker:
            continue
        cron = crontab.crons.get(item.uid)  # a summary has no timeout
        if cron is None or not timeouts.is_overdue(cron.timeout, state.running[1], now):
            continue
        if tree is None:
            tree = annotation_tree(site, ALERTED_KEY, create=True)
        tree[item.uid] = marker
        event = RunOverdueEvent(site, cron, state.running[1], now)
        notify(event)
        fired.append(event)
    if tree is not None:
        for uid in list(tree.keys()):
            if _marker(get_state(site, uid)) != tree[uid]:
                del tree[uid]
    return fired


def alerted_during(site, cron, log):
    """Whether the check alerted about the run that wrote ``log`` while it
    ran.  Read only, as committed now (the run's own transaction calls it,
    whose view of the database is as old as its start).  The record is
    this run's when it was claimed less than a timeout before it started:
    an earlier overdue run ended more than a timeout after its claim."""
    if log.started is None or not cron.timeout:
        return False
    entry = _committed_entry(site, cron.uid)
    if entry is None:
        return False
    claimed = clock.from_iso(entry[1])
    gap = (clock.as_utc(log.started) - claimed).total_seconds()
    return 0 <= gap < cron.timeout


def _committed_entry(site, uid):
    """The record of ``uid`` as committed now, read through a connection of
    its own: the run's connection sees the database as it was when the
    run's transaction began, before the check wrote it."""
    jar = getattr(site, "_p_jar", None)
    oid = getattr(site, "_p_oid", None)
    if jar is None or oid is None:
        tree = annotation_tree(site, ALERTED_KEY)
        return tree.get(uid) if tree is not None else None
    manager = transaction.TransactionManager()
    connection = jar.db().open(transaction_manager=manager)
    try:
        manager.begin()
        tree = annotation_tree(connection.get(oid), ALERTED_KEY)
        return tree.get(uid) if tree is not None else None
    finally:
        manager.abort()
        connection.close()
