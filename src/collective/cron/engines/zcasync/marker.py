# -*- coding: utf-8 -*-
"""The crontab queue marker of the zc.async engine.

The paths of the sites that have a crontab, kept on the queue itself, so
that every worker that starts (plone.app.async's ``IQueueReady``) restores
the queue of each of them.
"""
from collective.cron.engines.zcasync.storage import get_queue
from collective.cron.engines.zcasync.storage import queue_section
from collective.cron.engines.zcasync.storage import site_path

import datetime
import pytz


def mark_site(site, queue=None):
    """Remember that ``site`` has a crontab: workers restore it at start-up.

    Writes only when the site was not marked yet.
    """
    queue = queue if queue is not None else get_queue(site)
    path = site_path(site)
    sites = queue_section(queue, "sites")
    if sites is not None and path in sites:
        return False
    sites = queue_section(queue, "sites", create=True)
    sites[path] = datetime.datetime.now(pytz.utc)
    return True


def unmark_site(site, queue=None):
    """Forget ``site`` (its crontab is gone, or the add-on uninstalled)."""
    queue = queue if queue is not None else get_queue(site)
    sites = queue_section(queue, "sites")
    path = site_path(site)
    if sites is None or path not in sites:
        return False
    del sites[path]
    return True


def marked_sites(queue=None):
    """Paths (text) of the marked sites, in order."""
    queue = queue if queue is not None else get_queue()
    sites = queue_section(queue, "sites")
    return list(sites.keys()) if sites is not None else []
