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
  through an after-commit hook, on a daemon thread: e-mail through the
  site's MailHost settings, and a webhook: a JSON POST whose
  ``X-Cron-Signature`` header is ``sha256=<HMAC-SHA256 of the body with
  the secret>``, tried ``webhook_attempts`` times with a doubling pause.
  An aborted run sends nothing.
"""

from collective.cron import _
from collective.cron import logger
from collective.cron import pingfields
from collective.cron.compat import as_text
from collective.cron.compat import HTTPError
from collective.cron.compat import Request
from collective.cron.compat import urlopen
from collective.cron.interfaces import IAlertSettings
from collective.cron.log import FAILURE
from collective.cron.log import NOTRUN
from collective.cron.state import get_state
from collective.cron.state import instance_id
from email.header import Header
from email.mime.text import MIMEText
from plone.registry.interfaces import IRegistry
from ZODB.POSException import ConflictError
from zope.component import queryUtility
from zope.i18n import translate
from zope.i18nmessageid import Message

import collections
import hashlib
import hmac
import json
import threading
import time
import transaction

ALERTS_PREFIX = "collective.cron.alerts"
SIGNATURE_HEADER = "X-Cron-Signature"
# First pause (seconds) between two webhook attempts; it doubles.
WEBHOOK_BACKOFF = 1.0
WEBHOOK_TIMEOUT = 10


def settings(site=None):
    """The alert settings (a registry proxy), or None before the records
    exist (a site not yet upgraded): then no alert is sent."""
    registry = queryUtility(IRegistry)
    if registry is None:
        return None
    try:
        return registry.forInterface(IAlertSettings, prefix=ALERTS_PREFIX)
    except KeyError:
        pass
    # Settings added after the site's records were registered: the records
    # there still decide, the new ones read as their defaults (``option``)
    # until the alerts page is saved once (``ensure_records``).
    if ALERTS_PREFIX + ".enabled" not in registry.records:
        return None
    return registry.forInterface(IAlertSettings, prefix=ALERTS_PREFIX, check=False)


def option(config, name):
    """Setting ``name`` of ``config`` (:func:`settings`), its default where
    ``config`` is None or its record is missing."""
    value = getattr(config, name, None) if config is not None else None
    return IAlertSettings[name].default if value is None else value


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


def payload(site, cron, log, kind, alert):
    """The alert as plain JSON-ready data (the webhook body, the mail)."""
    return {
        "event": kind,
        "site": "/".join(site.getPhysicalPath()),
        "site_url": site.absolute_url(),
        "cron": {
            "uid": cron.uid,
            "name": cron.name,
            "title": cron.description or cron.name,
        },
        "status": log.status_name,
        "failures": alert["failures"],
        "date": log.date.isoformat() if log.date is not None else None,
        "messages": [as_text(message) for message in log.messages],
        "instance": instance_id(),
    }


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
    if not (config.emails or config.webhook_url):
        return
    site, cron, log = event.object, event.cron, event.log
    state = get_state(site, cron.uid, create=True)
    notrun_before = log.status != NOTRUN and _notrun_before(cron)
    kind, alert = decide(
        getattr(state, "alert", None), log.status, notrun_before, config
    )
    if kind is not None:
        delivery = Delivery(payload(site, cron, log, kind, alert))
        if config.webhook_url:
            delivery.webhook(
                config.webhook_url, config.webhook_secret, config.webhook_attempts
            )
        if config.emails:
            delivery.mail(site, list(config.emails))
        transaction.get().addAfterCommitHook(delivery.after_commit)
    # Remembered only once the alert is on its way (an error above leaves
    # the state as it was: the next run decides again).
    if getattr(state, "alert", None) != alert:
        state.alert = alert


SUBJECTS = {
    "failure": _(u"Cron failing: ${title}"),
    "recovery": _(u"Cron recovered: ${title}"),
    "notrun": _(u"Cron not run: ${title}"),
}


def site_language():
    """The site's default language (alerts leave outside any request, so
    there is no browser language to follow)."""
    registry = queryUtility(IRegistry)
    language = registry.get("plone.default_language") if registry else None
    return language or "en"


def mail_text(data, language):
    """(subject, body) of the alert e-mail for ``data`` (:func:`payload`),
    translated into ``language``."""

    def tr(message, **mapping):
        if mapping:
            message = Message(message, mapping=mapping)
        return translate(message, target_language=language)

    cron = data["cron"]
    subject = u"[cron] " + tr(SUBJECTS[data["event"]], title=cron["title"])
    lines = [
        subject,
        u"",
        tr(_(u"Site: ${url}"), url=data["site_url"]),
        tr(_(u"Cron: ${name} (${uid})"), name=cron["name"], uid=cron["uid"]),
        tr(_(u"Status: ${status}"), status=data["status"]),
        tr(_(u"Date: ${date}"), date=data["date"] or u""),
        tr(_(u"Failures in a row: ${count}"), count=data["failures"]),
        u"",
    ]
    return subject, u"\n".join(lines + list(data["messages"]))


def signature(body, secret):
    """``sha256=<hex>``: HMAC-SHA256 of the body bytes with the secret."""
    digest = hmac.new(
        as_text(secret or u"").encode("utf-8"), body, hashlib.sha256
    ).hexdigest()
    return "sha256=" + digest


# Alerts leave in the order their transactions committed, one at a time, from
# one daemon thread per process: a claim's "not run" and the run's "recovery"
# a moment later must not reach a receiver the other way round (a thread per
# alert let them race).
_outbox = collections.deque()
_outbox_ready = threading.Condition()
_sender = []


def _post(delivery):
    with _outbox_ready:
        _outbox.append(delivery)
        if not _sender or not _sender[0].is_alive():
            thread = threading.Thread(
                target=_send_in_order, name="collective.cron alerts"
            )
            thread.daemon = True
            _sender[:] = [thread]
            thread.start()
        _outbox_ready.notify()


def _send_in_order():
    while True:
        with _outbox_ready:
            while not _outbox:
                _outbox_ready.wait()
            delivery = _outbox.popleft()
        try:
            delivery.send()
        except Exception:  # the sender must outlive any alert
            logger.exception("collective.cron: alert not sent")


class Delivery(object):
    """One alert on its way: plain data only, sent after the commit by the
    process's alert thread, in commit order."""

    def __init__(self, data):
        self.data = data
        self.body = json.dumps(data, sort_keys=True).encode("utf-8")
        self.targets = []

    def webhook(self, url, secret, attempts):
        self.targets.append(("webhook", (url, secret, max(1, int(attempts or 1)))))

    def mail(self, site, recipients):
        """Prepare the mail now (the MailHost and the registry are ZODB
        objects, not to be touched from another thread).  Broken mail
        settings are logged; the other channels still go."""
        try:
            self._prepare_mail(site, recipients)
        except ConflictError:
            raise
        except Exception:
            logger.exception("collective.cron: alert e-mail not prepared")

    def _prepare_mail(self, site, recipients):
        mailhost = getattr(site, "MailHost", None)
        registry = queryUtility(IRegistry)
        sender = registry.get("plone.email_from_address") if registry else None
        if mailhost is None or not sender:
            logger.warning(
                "collective.cron: alert e-mail not sent: the site has no "
                "mail settings (MailHost, sender address)"
            )
            return
        subject, text = mail_text(self.data, site_language())
        message = MIMEText(text.encode("utf-8"), "plain", "utf-8")
        message["Subject"] = Header(subject, "utf-8")
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        self.targets.append(
            ("mail", (mailhost._makeMailer(), sender, recipients, message.as_string()))
        )

    def after_commit(self, committed):
        if not committed or not self.targets:
            return
        _post(self)

    def send(self):
        for kind, arguments in self.targets:
            try:
                getattr(self, "_send_" + kind)(*arguments)
            except Exception:  # an alert that cannot leave is logged, never raised
                logger.exception("collective.cron: alert by %s failed", kind)

    def _send_mail(self, mailer, sender, recipients, message):
        mailer.send(sender, recipients, message)

    def _send_webhook(self, url, secret, attempts):
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.body, secret),
        }
        return http_post(
            "webhook",
            url,
            self.body,
            headers,
            attempts,
            WEBHOOK_TIMEOUT,
            WEBHOOK_BACKOFF,
        )

    def ping(self, url, body):
        """A ping URL of a cron (``collective.cron.pings``)."""
        self.targets.append(("ping", (url, body)))

    def _send_ping(self, url, body):
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        return http_post(
            "ping",
            url,
            body,
            headers,
            pingfields.ATTEMPTS,
            pingfields.TIMEOUT,
            pingfields.BACKOFF,
        )


def http_post(what, url, body, headers, attempts, timeout, backoff):
    """POST ``body`` to ``url``, ``attempts`` times at most with a doubling
    pause; whether it was delivered.  Only http(s) URLs are called."""
    if not url.lower().startswith(("http://", "https://")):
        logger.error("collective.cron: %s not sent: %s is no http(s) URL", what, url)
        return False
    headers = dict(headers, **{"User-Agent": "collective.cron"})
    pause = backoff
    for attempt in range(1, attempts + 1):
        try:
            response = urlopen(
                Request(url, data=body, headers=headers), timeout=timeout
            )
            response.close()
            return True
        except HTTPError as error:
            problem = "HTTP %s" % (error.code,)
        except Exception as error:  # the receiver is down: try again
            problem = "%s: %s" % (type(error).__name__, error)
        logger.warning(
            "collective.cron: %s attempt %d/%d failed (%s)",
            what,
            attempt,
            attempts,
            problem,
        )
        if attempt < attempts:
            time.sleep(pause)
            pause *= 2
    return False


def send_committed(delivery):
    """Send ``delivery`` now, in order with the others: for an alert about a
    transaction that has committed already (a run's start: its claim)."""
    if delivery.targets:
        _post(delivery)


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
