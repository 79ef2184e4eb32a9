# py3-only: loaded by the instances of the fault suite (huey engine).
# -*- coding: utf-8 -*-
"""Job runners of the fault suite: they sleep, and say so outside the ZODB.

Each execution appends a ``start`` line before sleeping and an ``end`` line
after, to the journal file named by ``COLLECTIVE_CRON_FAULTS_JOURNAL``.  The
journal is outside the ZODB on purpose: a runner executed twice for one
occurrence (a conflict retry that re-runs it, a worker killed mid-run) shows
there even when the ZODB keeps a single log, the way a job's side effects
outside the ZODB (a mail, a file, a call to another service) would happen
twice.
"""

from AccessControl.SecurityManagement import getSecurityManager
from collective.cron.crontab import Runner
from zope.component.hooks import getSite

import datetime
import json
import os
import sys
import time
import uuid

JOURNAL_VARIABLE = "COLLECTIVE_CRON_FAULTS_JOURNAL"


def occurrence():
    """The occurrence (ISO text) and trigger the job system is running.

    The runner API does not hand them to a runner; the job system's frame
    that called ``run()`` holds them as ``scheduled``/``trigger`` locals
    (today ``run_claimed``).  Reading them keeps the journal independent
    of the logs it is compared with.
    """
    frame = sys._getframe(1)
    while frame is not None:
        scheduled = frame.f_locals.get("scheduled")
        if isinstance(scheduled, datetime.datetime):
            trigger = frame.f_locals.get("trigger")
            return scheduled.isoformat(), trigger if isinstance(trigger, str) else None
        frame = frame.f_back
    return None, None


def who():
    """The user the runner runs as and its roles on the site: the
    privilege scenario checks that no run has more rights than its saver."""
    user = getSecurityManager().getUser()
    site = getSite()
    try:
        roles = sorted(user.getRolesInContext(site)) if site is not None else []
    except Exception:  # noqa: the system user has no roles list everywhere
        roles = []
    return user.getId(), roles


def journal(**entry):
    path = os.environ.get(JOURNAL_VARIABLE)
    if not path:
        return
    entry["pid"] = os.getpid()
    entry["time"] = time.time()
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    # One write of one short line with O_APPEND: lines of several
    # processes do not interleave.
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)


class Sleep(Runner):
    """Sleeps ``seconds`` (default 1), journaling the start and the end."""

    def run(self):
        seconds = float(self.environ.get("seconds", 1))
        scheduled, trigger = occurrence()
        execution = uuid.uuid4().hex
        user, roles = who()
        common = dict(
            uid=self.cron.uid,
            scheduled=scheduled,
            trigger=trigger,
            execution=execution,
            user=user,
            roles=roles,
        )
        journal(event="start", **common)
        time.sleep(max(0.0, seconds))
        journal(event="end", **common)
        self.log(u"slept %s seconds" % seconds)
