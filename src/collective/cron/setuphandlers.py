# -*- coding: utf-8 -*-
"""Install and uninstall handlers."""

from collective.cron import audit
from collective.cron import logger
from collective.cron.interfaces import IQueueManager
from collective.cron.logstore import ANNOTATION_KEY
from collective.cron.queue import mask_secrets
from collective.cron.registry import CRONS_END
from collective.cron.registry import CRONS_PREFIX
from collective.cron.state import STATE_KEY
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from Products.CMFPlone.interfaces import INonInstallable
from ZODB.POSException import ConflictError
from zope.annotation.interfaces import IAnnotations
from zope.component import getUtility
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles(object):
    def getNonInstallableProfiles(self):
        """The uninstall profile is not something to offer in the add-ons panel."""
        return ["collective.cron:uninstall"]


def uninstall(setup_tool):
    """Remove what the add-on left outside the registry records.

    The uninstall profile removed the records of ``IRegistryCrontab`` (the
    switch and the 2.x list record, with any 2.x cron still in it).  Here:
    the per-cron records (``collective.cron.crons.*``, whose names only
    the crontab knows, so no profile can list them), every
    job of the site in the job queue and the site's mark on it (so no
    worker runs or restores a cron of this site any more; for queues
    outside the ZODB this happens when the transaction commits), then the
    run states, the log store and the audit trail, whose classes would be broken objects
    in the database once the package is removed.
    """
    site = getToolByName(setup_tool, "portal_url").getPortalObject()
    remove_queued_jobs(site)
    remove_cron_records()
    annotations = IAnnotations(site)
    for key in (STATE_KEY, ANNOTATION_KEY, audit.ANNOTATION_KEY, audit.DELETED_KEY):
        if key in annotations:
            del annotations[key]


def remove_cron_records(registry=None):
    """Delete every per-cron record (``CRONS_PREFIX``), unreadable 2.x
    entries kept there included; the number removed."""
    registry = registry if registry is not None else getUtility(IRegistry)
    records = registry.records
    names = list(records.keys(CRONS_PREFIX, CRONS_END))
    for name in names:
        del records[name]
    return len(names)


def remove_queued_jobs(site):
    """Remove every job of ``site`` from its queue and unmark the site.

    A queue that does not answer is logged, not fatal: uninstalling must
    work while the queue is down; a job left behind finds no crontab and
    is dropped ("cron is gone") by the worker that takes it.
    """
    queue = IQueueManager(site, None)
    if queue is None:
        return 0
    removed = 0
    try:
        for job in queue.jobs():
            queue.remove_job(job["id"])
            removed += 1
        queue.mark_site(False)
    except ConflictError:
        raise
    except Exception as error:
        logger.error(
            "collective.cron: uninstall could not clear the job queue (%s: %s)",
            error.__class__.__name__,
            mask_secrets(error),
        )
    return removed
