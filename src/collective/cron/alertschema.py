# -*- coding: utf-8 -*-
"""The schema of the site-wide alert settings (``IAlertSettings``).

Its own small module so that ``interfaces.py`` stays about the machinery;
``collective.cron.interfaces.IAlertSettings`` is still the public name
(registry.xml, add-ons and the alerts page import it from there).
"""

from collective.cron import _
from plone.registry.interfaces import IRegistry
from zope import schema
from zope.component import queryUtility
from zope.interface import Interface

ALERTS_PREFIX = "collective.cron.alerts"


def _web_address(value):
    """A webhook is called over HTTP(S): no file:, ftp: or other schemes."""
    from zope.interface import Invalid

    if value and not value.lower().startswith(("http://", "https://")):
        raise Invalid(_(u"Use an http:// or https:// address."))
    return True


class IAlertSettings(Interface):
    """Site-wide alerts (records ``collective.cron.alerts.*``).

    Read and written with ``registry.forInterface(IAlertSettings,
    prefix=ALERTS_PREFIX)`` (``collective.cron.alerts``); edited on the
    dashboard's alerts page.  An alert is sent once per change of a cron's
    state (failing, recovered, not run), unless ``every_failure``.
    """

    enabled = schema.Bool(
        title=_(u"Send alerts"),
        description=_(u"When off, no alert is sent, whatever is chosen below."),
        default=False,
        required=False,
    )

    failures = schema.Int(
        title=_(u"Failures in a row before an alert"),
        description=_(
            u"1 alerts at the first failure; 3 waits for three failed runs in a row."
        ),
        default=1,
        min=1,
        max=1000,
        required=True,
    )

    every_failure = schema.Bool(
        title=_(u"Alert at every failure"),
        description=_(
            u"Otherwise a failing cron alerts once, and again only after it recovered."
        ),
        default=False,
        required=False,
    )

    on_recovery = schema.Bool(
        title=_(u"Alert when a failing cron recovers"),
        default=True,
        required=False,
    )

    on_notrun = schema.Bool(
        title=_(u"Alert when an occurrence is missed or not run"),
        default=True,
        required=False,
    )

    emails = schema.List(
        title=_(u"E-mail recipients"),
        description=_(u"One address per line; sent through the site's mail settings."),
        value_type=schema.ASCIILine(title=_(u"E-mail address")),
        default=[],
        missing_value=[],
        required=False,
    )

    webhook_url = schema.URI(
        title=_(u"Webhook URL"),
        description=_(
            u"Receives a JSON POST for each alert, signed in the "
            u"X-Cron-Signature header (HMAC-SHA256 of the body with the secret)."
        ),
        constraint=_web_address,
        required=False,
    )

    webhook_secret = schema.TextLine(
        title=_(u"Webhook secret"),
        description=_(u"Shared with the receiver, which checks the signature."),
        required=False,
    )

    webhook_attempts = schema.Int(
        title=_(u"Webhook attempts"),
        description=_(
            u"How many times a failed delivery is tried, with a growing pause."
        ),
        default=3,
        min=1,
        max=10,
        required=True,
    )

    # Added after 3002: a site whose records predate them reads their
    # defaults (``alerts.option``) until the alerts page is saved once.

    on_overdue = schema.Bool(
        title=_(u"Alert when a run goes past its timeout"),
        description=_(
            u"Once per run, while it is still running (checked every minute), "
            u"or when it ends if it ended before the check."
        ),
        default=True,
        required=False,
    )

    on_no_worker = schema.Bool(
        title=_(u"Alert when no worker is alive"),
        description=_(
            u"When no worker has shown a sign of life for longer than the "
            u"shortest period of the active crons, and again when one is back. "
            u"Noticed when @@cron-health is polled (see the deployment guide)."
        ),
        default=True,
        required=False,
    )

    pings = schema.Bool(
        title=_(u"Call the crons' ping URLs"),
        description=_(
            u"Each cron may have ping URLs (start, success, failure) for a "
            u"monitoring service such as Healthchecks.io or Cronitor. Turn "
            u"this off on a copy of the site so that it does not ping the "
            u"monitors of the original. Independent of \"Send alerts\"."
        ),
        default=True,
        required=False,
    )


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
