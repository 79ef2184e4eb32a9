# -*- coding: utf-8 -*-
"""The queue manager of a site: which job system it uses, and what it shows.

Both engines adapt the site to ``IQueueManager``; :func:`queue_manager` is
the one factory registered for it, so the choice is the integrator's
(zope.conf or environment, ``collective.cron.config``), not the order in
which packages load.  A configuration that cannot work gives an
:class:`UnavailableQueueManager` that says why on the dashboard and queues
nothing: saving crons still works and nothing is lost.

Whatever a queue manager's ``state()`` shows goes to people (dashboard,
REST): :func:`public_state` masks the secrets a queue address can carry (a
Redis password), in the address and in error texts alike.
"""
from collective.cron import config
from collective.cron import logger
from collective.cron.compat import as_text
from collective.cron.compat import urlsplit
from collective.cron.interfaces import IJobEngine
from collective.cron.interfaces import IQueueManager
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.component import queryAdapter
from zope.component import queryUtility
from zope.interface import implementer

import re


# A configured password quoted alone in a text is hidden from this length
# on (a shorter one would turn ordinary words into stars).
MIN_QUOTED_PASSWORD = 4

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_PASSWORD_PARAMETER = re.compile(r"(password=)[^&;,)\s'\"]*", re.IGNORECASE)


def _configured_password():
    """The password of the configured queue URL, or None."""
    try:
        url = config.get_settings()["queue"]
    except Exception:  # a broken configuration has no password to hide
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def mask_secrets(text):
    """``text`` with no queue password left in it, whatever its form.

    Every URL in the text is written as ``config.public_queue`` writes it;
    ``password=...`` parameters and the configured queue's password itself
    (a library may quote it alone in an error; ``MIN_QUOTED_PASSWORD``)
    become ``***``.  None stays None.
    """
    if text is None:
        return None
    text = as_text(text)
    if not text:
        return text
    text = _URL.sub(lambda match: config.public_queue(match.group(0)), text)
    text = _PASSWORD_PARAMETER.sub(r"\1***", text)
    password = _configured_password()
    if password and len(password) >= MIN_QUOTED_PASSWORD:
        text = text.replace(password, u"***")
    return text


def public_state(state):
    """A copy of a queue manager's ``state()`` that people may see."""
    state = dict(state or {})
    for key in ("queue", "error"):
        if state.get(key) is not None:
            state[key] = mask_secrets(state[key])
    return state


_reported = set()


def _report_once(message):
    if message not in _reported:
        _reported.add(message)
        logger.error("%s", message)


@implementer(IQueueManager)
@adapter(ISiteRoot)
def queue_manager(site):
    """The queue manager of the configured engine, or an unavailable one."""
    try:
        settings = config.get_settings()
    except config.ConfigurationError as error:
        message = mask_secrets(error)
        _report_once(message)
        return UnavailableQueueManager(site, message)
    engine = queryUtility(IJobEngine, name=settings["engine"])
    if engine is None:
        message = (
            "collective.cron: the %s engine is not available in this process "
            "(its library is not installed, or its ZCML was not loaded)"
            % settings["engine"]
        )
        _report_once(message)
        return UnavailableQueueManager(site, message)
    return engine.queue_manager(site)


@implementer(IQueueManager)
class UnavailableQueueManager(object):
    """Stands in for a job system that cannot work, and says why."""

    engine = None

    def __init__(self, context, error):
        self.context = context
        self.error = mask_secrets(error)

    def register_job(self, cron_uid, when, trigger="schedule", scheduled=None):
        _report_once(self.error)
        return None

    def remove_job(self, job_id):
        return None

    def remove_jobs(self, cron_uid):
        return None

    def jobs(self, cron_uid=None):
        return []

    def job_status(self, job_id):
        return None

    def is_alive(self, instance):
        return None

    def mark_site(self, active=True):
        return None

    def state(self):
        return {
            "engine": None,
            "queue": None,
            "worker": False,
            "reachable": False,
            "error": self.error,
            "heartbeat": None,
        }


class NoJobSystem(RuntimeError):
    """No IQueueManager is available for the site."""


def queue_for(site):
    """The site's queue manager; raises :class:`NoJobSystem` when there is none."""
    queue = queryAdapter(site, IQueueManager)
    if queue is None:
        raise NoJobSystem(
            "collective.cron: no job system is available: install huey "
            "(Python 3) or plone.app.async (Python 2.7) and check the "
            "<product-config collective.cron> section of zope.conf"
        )
    return queue
