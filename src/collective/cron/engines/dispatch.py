# -*- coding: utf-8 -*-
"""Choose the queue manager of a site from the configured engine.

Both engines adapt the site to IQueueManager; this factory is the one
registered, so the choice is the integrator's (zope.conf or environment),
not the order in which packages load.  A configuration that cannot work
gives a queue manager that says why on the dashboard and queues nothing,
so saving crons still works and nothing is lost.
"""
from collective.cron import config
from collective.cron import logger
from collective.cron.interfaces import IQueueManager
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import adapter
from zope.interface import implementer


_reported = set()


def _report_once(message):
    if message not in _reported:
        _reported.add(message)
        logger.error("%s", message)


@implementer(IQueueManager)
@adapter(ISiteRoot)
def queue_manager(site):
    try:
        settings = config.get_settings()
    except config.ConfigurationError as error:
        _report_once(str(error))
        return UnavailableQueueManager(site, str(error))
    if settings["engine"] == "huey":
        try:
            from collective.cron.engines.huey import HueyQueueManager
        except ImportError as error:
            message = "collective.cron: the huey engine cannot load: %s" % (error,)
            _report_once(message)
            return UnavailableQueueManager(site, message)
        return HueyQueueManager(site)
    try:
        from collective.cron.engines.zcasync import ZCAsyncQueueManager
    except (ImportError, SyntaxError) as error:
        message = "collective.cron: the zcasync engine cannot load: %s" % (error,)
        _report_once(message)
        return UnavailableQueueManager(site, message)
    return ZCAsyncQueueManager(site)


@implementer(IQueueManager)
class UnavailableQueueManager(object):
    """Stands in for a job system that cannot work, and says why."""

    engine = None

    def __init__(self, context, error):
        self.context = context
        self.error = error

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
