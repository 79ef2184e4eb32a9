# -*- coding: utf-8 -*-
"""Ping URLs: a cron tells a monitoring service (Healthchecks.io, Cronitor,
Uptime Kuma's push monitors...) that a run started, succeeded or failed.

Each cron has three optional URLs (``ping_start``, ``ping_success``,
``ping_fail``).  Contract:

* **What is sent**: an HTTP ``POST`` (both services accept it) with a
  short timeout, tried ``ATTEMPTS`` times with a doubling pause.  The
  start ping has an empty body; success and failure send the run's log
  messages as text (Healthchecks shows them beside the ping).
* **When**: the start ping when the runner starts (the claim's
  transaction, which set the running marker, has committed then); the
  success ping (an OK or WARN run) or the failure ping (FAILURE, or NOTRUN
  because no runner is registered) after the run's own transaction
  commits.  Occurrences that did not run (missed, skipped) send nothing:
  noticing a missing ping is what the monitoring service is for.
* **Once, from the instance that ran**: the run is claimed by one worker,
  its transaction commits once; a run whose commit conflicted and whose
  runner ran again sends its start ping once (remembered per running
  marker in this process).  An aborted run sends nothing.
* **Through the alerts' sender** (``alertsender.Delivery``): one thread per
  process, in commit order; a ping never blocks nor fails a run.
* **Switched off** for the whole site by the alert setting ``pings``
  (a copy of a production site must not ping the production's monitors);
  independent of "Send alerts".

A ping URL makes the server send a request where the URL says: only
http:// and https:// are accepted, and only people who may edit crons
(``collective.cron: Manage crons``) can set one.  They can point it at any
host the server reaches, internal services included: see the deployment
guide.
"""

from collective.cron import alerts
from collective.cron import logger
from collective.cron.alertsender import Delivery
from collective.cron.alertsender import send_committed
from collective.cron.compat import as_text
from collective.cron.pingfields import FIELDS  # noqa: F401 (the fields' names)
from collective.cron.pingfields import KINDS  # noqa: F401
from collective.cron.pingfields import MAX_BODY
from collective.cron.state import get_state
from ZODB.POSException import ConflictError

import collections
import transaction


def enabled():
    """The site-wide switch (alert setting ``pings``, on by default)."""
    return bool(alerts.option(alerts.settings(), "pings"))


def _delivery(url, body):
    delivery = Delivery({})
    delivery.ping(url, body)
    return delivery


def _text(log):
    text = u"\n".join(as_text(message) for message in log.messages)
    return text[:MAX_BODY].encode("utf-8")


# Start pings sent by this process, by running marker: a run whose runner
# runs again after a conflict does not ping its start twice.
_started = collections.deque(maxlen=1000)


def on_started(event):
    """Subscriber of IStartedCronJobEvent: ping ``ping_start`` now (the
    claim that set the running marker has committed)."""
    _safely(_on_started, event)


def _on_started(event):
    url = getattr(event.cron, "ping_start", u"")
    if not url or not enabled():
        return
    state = get_state(event.object, event.cron.uid)
    running = getattr(state, "running", None) if state is not None else None
    key = (event.cron.uid, tuple(running[2]) if running else None)
    if running and key in _started:
        return
    _started.append(key)
    send_committed(_delivery(url, b""))


def on_finished(event):
    """Subscriber of IFinishedCronJobEvent: ping success or failure after
    the run's transaction commits."""
    _safely(_on_finished, event)


def _on_finished(event):
    # cron.py imports this module, and log.py imports cron.py.
    from collective.cron.log import FAILURE
    from collective.cron.log import NOTRUN

    log = event.log
    if log is None or getattr(event, "retrying", False):
        return  # a failed attempt that will be retried: the last one decides
    failed = log.status in (FAILURE, NOTRUN)
    url = getattr(event.cron, "ping_fail" if failed else "ping_success", u"")
    if not url or not enabled():
        return
    delivery = _delivery(url, _text(log))
    transaction.get().addAfterCommitHook(delivery.after_commit)


def _safely(handler, event):
    try:
        handler(event)
    except ConflictError:
        raise
    except Exception:  # a ping never fails a run
        logger.exception(
            "collective.cron: no ping for cron %s", getattr(event.cron, "uid", None)
        )
