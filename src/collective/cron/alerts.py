# -*- coding: utf-8 -*-
"""Alerts: tell people when a cron fails, recovers or is not run.

Contract:

* **What**: a subscriber of ``IFinishedCronJobEvent`` (fired once per
  recorded run, in the run's own transaction) compares the run with the
  last state it alerted about, kept in the cron's run state
  (``CronState.alert``: ``"ok"`` / ``"failing"`` / ``"notrun"`` and the
  failures in a row).  Kinds: ``failure`` (the N-th failure in a row, N =
  ``failures``; every further one only with ``every_failure``),
  ``recovery`` (an OK or WARN run after an alerted failure or not-run),
  ``notrun`` (the run was not run, or occurrences were logged as missed or
  skipped).  Once per change of state: no storm.
* **At once for occurrences not run**: the claim fires
  ``INotRunCronJobEvent`` when it writes NOTRUN logs (missed occurrences,
  a late one under the ``skip`` policy, one skipped while the previous run
  was still going), so the alert leaves then, not at the next run.
* **Once, from one instance**: the state is written in the transaction
  that records the run or the NOTRUN logs (each is committed exactly
  once); a conflict aborts it and its alert with it, the retry decides
  again.
* **After commit, never blocking it**: the alert leaves as plain data
  through an after-commit hook (``collective.cron.alertsender``): e-mail
  through the site's MailHost settings, and a webhook: a JSON POST whose
  ``X-Cron-Signature`` header is ``sha256=<HMAC-SHA256 of the body with
  the secret>``, tried ``webhook_attempts`` times with a doubling pause.
  An aborted run sends nothing.
* **Overdue runs** (``collective.cron.overdue``): an ``overdue`` alert
  once per run past its timeout, while it runs or when it ends.
"""

from collective.cron import clock
from collective.cron import logger
from collective.cron import overdue
from collective.cron import timeouts
from collective.cron.alertschema import ALERTS_PREFIX  # noqa: F401
from collective.cron.alertschema import option
from collective.cron.alertschema import settings
from collective.cron.alertsender import Delivery
from collective.cron.alertsender import mail_text  # noqa: F401 (the alert mail)
from collective.cron.alertsender import send_committed
from collective.cron.alertsender import signature  # noqa: F401
from collective.cron.alertsender import SIGNATURE_HEADER  # noqa: F401
from collective.cron.alertsender import SUBJECTS  # noqa: F401
from collective.cron.compat import as_text
from collective.cron.interfaces import IAlertSettings
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.state import get_state
from collective.cron.state import instance_id
from plone.registry.interfaces import IRegistry
from ZODB.POSException import ConflictError
from zope.component import queryUtility

import transaction


def decide(previous, status, notrun_before, config):
    """(kind or None, new alert state) for a run of ``status``.

    ``previous`` is ``{"state": ..., "failures": n}`` (or None),
    ``notrun_before`` whether NOTRUN logs came just before this run.
    Pure: the whole once-per-change rule, tested on its own.
    """
    previous = dict(previous or {"state": "ok", "failures": 0})
    was = previous.get("state") or "ok"
    failures = int(previous.get("failures") or 0)
    kind = None
    if status == FAILURE:
        failures += 1
        reached = failures >= config.failures
        if reached and (config.every_failure or was != "failing"):
            kind = "failure"
        # Below the threshold the state does not change: reaching it alerts.
        return kind, {"state": "failing" if reached else was, "failures": failures}
    if status == NOTRUN:
        if not config.on_notrun:
            # Not alerted, so no state to recover from either.
            return None, previous
        if was != "notrun":
            kind = "notrun"
        return kind, {"state": "notrun", "failures": failures}
    if was in ("failing", "notrun"):
        kind = "recovery" if config.on_recovery else None
    elif notrun_before and config.on_notrun:
        kind = "notrun"
    return kind, {"state": "ok", "failures": 0}


def _notrun_before(cron):
    """Whether the log just before the newest one (this run's) is a NOTRUN:
    occurrences missed or skipped since the previous run."""
    logs = cron.logs
    return len(logs) >= 2 and logs[-2].status == NOTRUN


def _about(site, cron, kind):
    """What every alert about a cron starts with: the event, site and cron."""
    return {
        "event": kind,
        "site": "/".join(site.getPhysicalPath()),
        "site_url": site.absolute_url(),
        "cron": {
            "uid": cron.uid,
            "name": cron.name,
            "title": cron.description or cron.name,
        },
    }


def payload(site, cron, log, kind, alert):
    """The alert as plain JSON-ready data (the webhook body, the mail)."""
    data = _about(site, cron, kind)
    data.update(
        {
            "status": log.status_name,
            "failures": alert["failures"],
            "date": log.date.isoformat() if log.date is not None else None,
            "messages": [as_text(message) for message in log.messages],
            "instance": instance_id(),
        }
    )
    return data


def on_finished(event):
    """Subscriber of IFinishedCronJobEvent: decide, remember, send after commit.

    Runs inside the run's transaction: whatever goes wrong here (bad mail
    settings, say) is logged and never fails the run (conflicts excepted:
    the whole run is retried, alert decision included).
    """
    try:
        _on_finished(event)
    except ConflictError:
        raise
    except Exception:
        logger.exception(
            "collective.cron: no alert for cron %s", getattr(event.cron, "uid", None)
        )


def on_not_run(event):
    """Subscriber of INotRunCronJobEvent: the same decision as for a run,
    made in the claim's transaction (which wrote the NOTRUN logs), so the
    alert leaves when the occurrence is missed, not at the next run."""
    on_finished(event)


def _on_finished(event):
    config = settings(event.object)
    if config is None or not config.enabled or event.log is None:
        return
    if getattr(event, "retrying", False):
        return  # a failed attempt that will be retried: the last one decides
    if not (config.emails or config.webhook_url):
        return
    site, cron, log = event.object, event.cron, event.log
    state = get_state(site, cron.uid, create=True)
    notrun_before = log.status != NOTRUN and _notrun_before(cron)
    kind, alert = decide(
        getattr(state, "alert", None), log.status, notrun_before, config
    )
    if kind is not None:
        _deliver(site, config, payload(site, cron, log, kind, alert))
    if (
        option(config, "on_overdue")
        and log.started is not None
        and timeouts.is_overdue(cron.timeout, log.started, log.date)
        and not overdue.alerted_during(site, cron, log)
    ):
        # Ended past its timeout before a check saw it running (overdue.py).
        data = payload(site, cron, log, "overdue", alert)
        _deliver(site, config, data)
    # Remembered only once the alert is on its way (an error above leaves
    # the state as it was: the next run decides again).
    if getattr(state, "alert", None) != alert:
        state.alert = alert


def _channels(site, config, data):
    """A delivery of ``data`` (:func:`payload`) by the configured channels."""
    delivery = Delivery(data)
    if config.webhook_url:
        delivery.webhook(
            config.webhook_url, config.webhook_secret, config.webhook_attempts
        )
    if config.emails:
        delivery.mail(site, list(config.emails))
    return delivery


def _deliver(site, config, data):
    """Send ``data`` by the configured channels after the current
    transaction commits."""
    transaction.get().addAfterCommitHook(_channels(site, config, data).after_commit)


def on_overdue(event):
    """Subscriber of ``overdue.IRunOverdueEvent`` (the reconciler's check,
    in its transaction): an ``overdue`` alert after that commit."""
    try:
        config = settings(event.object)
        if config is None or not config.enabled or not option(config, "on_overdue"):
            return
        if not (config.emails or config.webhook_url):
            return
        site, cron = event.object, event.cron
        state = get_state(site, cron.uid)
        seconds = int((event.now - clock.as_utc(event.started)).total_seconds())
        data = _about(site, cron, "overdue")
        data.update(
            {
                "status": "RUNNING",
                "failures": int(
                    (getattr(state, "alert", None) or {}).get("failures", 0)
                ),
                "date": clock.to_iso(event.now),
                "messages": [
                    u"Running for %d s, longer than its timeout of %d s"
                    % (seconds, cron.timeout)
                ],
                "instance": instance_id(),
            }
        )
        _deliver(site, config, data)
    except ConflictError:
        raise
    except Exception:
        logger.exception("collective.cron: no overdue alert for %s", event.cron.uid)


def on_workers(event):
    """Subscriber of ``workerwatch.IWorkersChangedEvent`` (fired after the
    change committed): a ``no_worker`` or ``worker_back`` alert now."""
    try:
        config = settings(event.object)
        if config is None or not (config.emails or config.webhook_url):
            return
        site = event.object
        if event.kind == "no_worker":
            since = clock.to_iso(event.heartbeat) if event.heartbeat else u"-"
            message = (
                u"No worker has shown a sign of life for %d s or more "
                u"(last heartbeat: %s): crons do not run" % (event.threshold, since)
            )
        else:
            message = u"A worker is alive again"
        data = {
            "event": event.kind,
            "site": "/".join(site.getPhysicalPath()),
            "site_url": site.absolute_url(),
            "cron": None,
            "status": "NO_WORKER" if event.kind == "no_worker" else "OK",
            "failures": 0,
            "date": clock.to_iso(clock.now()),
            "messages": [message],
            "instance": instance_id(),
        }
        send_committed(_channels(site, config, data))
    except ConflictError:
        raise
    except Exception:
        logger.exception("collective.cron: no alert about the workers")


def ensure_records():
    """The settings proxy, registering the records first where a site
    installed before alerts existed lacks them (called on a POST only)."""
    registry = queryUtility(IRegistry)
    if registry is not None and any(
        ALERTS_PREFIX + "." + name not in registry.records
        for name in IAlertSettings.names()
    ):
        # Keeps the values already saved.
        registry.registerInterface(IAlertSettings, prefix=ALERTS_PREFIX)
    return settings()
