# -*- coding: utf-8 -*-
"""How alerts leave: e-mail, webhook and ping URLs, after the commit.

``collective.cron.alerts`` (and ``pings``, ``overdue``) decide *whether*
to alert, inside a transaction; a :class:`Delivery` carries the alert as
plain data and leaves after that transaction commits (``after_commit``),
or at once for a transaction that committed already
(:func:`send_committed`).  Deliveries leave in the order their
transactions committed, one at a time, from one daemon thread per
process: e-mail through the site's MailHost settings (prepared in the
transaction: ZODB objects are not touched from the thread), a webhook (a
JSON POST whose ``X-Cron-Signature`` header is ``sha256=<HMAC-SHA256 of
the body with the secret>``), a ping (a POST of text).  Each HTTP call is
tried a few times with a doubling pause; nothing here ever raises into a
run.
"""

from collective.cron import _
from collective.cron import logger
from collective.cron import pingfields
from collective.cron.compat import as_text
from collective.cron.compat import HTTPError
from collective.cron.compat import Request
from collective.cron.compat import urlopen
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

SIGNATURE_HEADER = "X-Cron-Signature"
# First pause (seconds) between two webhook attempts; it doubles.
WEBHOOK_BACKOFF = 1.0
WEBHOOK_TIMEOUT = 10


SUBJECTS = {
    "failure": _(u"Cron failing: ${title}"),
    "recovery": _(u"Cron recovered: ${title}"),
    "notrun": _(u"Cron not run: ${title}"),
    "overdue": _(u"Cron overdue: ${title}"),
    "no_worker": _(u"No cron worker alive: ${title}"),
    "worker_back": _(u"A cron worker is back: ${title}"),
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

    # Alerts about the workers are about the site, not one cron.
    cron = data.get("cron") or {}
    title = cron.get("title") or data["site"]
    subject = u"[cron] " + tr(SUBJECTS[data["event"]], title=title)
    lines = [subject, u"", tr(_(u"Site: ${url}"), url=data["site_url"])]
    if cron:
        lines.append(
            tr(_(u"Cron: ${name} (${uid})"), name=cron["name"], uid=cron["uid"])
        )
    lines += [
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
