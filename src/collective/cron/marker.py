# -*- coding: utf-8 -*-
"""The crontab queue marker: which sites a worker must look after.

A worker serves a queue, not a site: when it starts it must find the sites
whose crons it runs, restore their jobs (``ServerRestartEvent``) and then
reconcile them every minute (``collective.cron.reconciler``).  So each
queue remembers the paths of the sites that have a crontab on it:

* a site is marked when its crontab is synchronised with crons in it and
  unmarked when it has none left (:func:`mark_site`, called by the crontab
  manager through ``IQueueManager.mark_site``);
* the marks live with the queue, because that is what every worker of the
  queue shares: huey keeps them in its storage (written after the commit),
  zc.async in its queue's annotations (in the same transaction);
* a marked site that is gone is forgotten by the worker that finds it gone.

The engine-specific part is an ``ICrontabQueueMarker`` (``sites()``,
``mark(path)``, ``unmark(path)``) in each engine.  What is the same for
every engine is here: when to mark, and :func:`for_each_site`, the walk
over the marked sites, each in its own transaction retried on conflicts.
"""

from collective.cron import logger
from collective.cron.sitecontext import close_site
from collective.cron.sitecontext import open_site
from collective.cron.transactions import retry_on_conflict


def mark_site(queue, crontab):
    """Mark the site of ``queue`` when ``crontab`` has crons, else unmark it."""
    return queue.mark_site(bool(crontab.crons))


def site_path(site):
    """The path a site is marked under (text)."""
    return u"/".join(site.getPhysicalPath())


def for_each_site(db, paths, action, label, attempts=5, on_gone=None):
    """Call ``action(site)`` in each site of ``paths``, as the system user.

    Each site gets its own connection and transaction, committed after
    ``action`` and retried on conflicts (``retry_on_conflict``); ``label``
    names the work in transaction notes and logs ("restart", "reconcile").
    A path that no longer leads to a site is logged and given to
    ``on_gone(path)`` (to unmark it).  An error in one site is logged and
    does not stop the others.  Returns the paths that were done.
    """
    done = []
    for path in paths:
        try:
            found = _in_site(db, path, action, label, attempts)
        except Exception:
            logger.exception("collective.cron: the %s of %s failed", label, path)
            continue
        if found:
            done.append(path)
            continue
        logger.warning("Marked site %s is gone: nothing to %s", path, label)
        if on_gone is not None:
            on_gone(path)
    return done


def _in_site(db, path, action, label, attempts):
    """``action(site)`` in a transaction of its own; False if the site is gone."""
    from AccessControl.SecurityManagement import newSecurityManager
    from AccessControl.SpecialUsers import system

    connection = db.open()

    def work():
        app = connection.root()["Application"]
        if app.unrestrictedTraverse(path.strip("/").split("/"), None) is None:
            return False
        newSecurityManager(None, system)
        site, request = open_site(app, path)
        action(site)
        return True

    try:
        return retry_on_conflict(
            work,
            attempts,
            note=u"collective.cron: %s %s" % (label, path),
            cleanup=close_site,
        )
    finally:
        connection.close()
