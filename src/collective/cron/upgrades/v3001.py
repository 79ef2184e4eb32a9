# -*- coding: utf-8 -*-
"""Profile version 3001: one registry record per cron.

Up to 3000 the crontab was one list record
(``collective.cron.interfaces.IRegistryCrontab.crontab``, one JSON text per
cron), so every edit rewrote every cron.  This step loads the crontab
(the 2.x record and any per-cron records) and saves it: every cron gets a
record of its own (``collective.cron.registry.record_name``) keeping its
uid, parameters and order, 2.x logs move to the log store, unreadable
entries are kept in records of their own, and the list record is emptied
but stays registered, so that a 2.x ``registry.xml`` import still has a
field to write to (crons imported there later are picked up by the next
write).  A crontab already migrated is left as it is.
"""

from collective.cron import logger
from collective.cron.crontab import Crontab
from collective.cron.registry import CRONTAB_RECORD
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite


def upgrade_to_3001(setup_tool):
    """Upgrade step (GenericSetup handler)."""
    site = getToolByName(setup_tool, "portal_url").getPortalObject()
    if getSite() is not site:
        setSite(site)
    registry = getUtility(IRegistry)
    if CRONTAB_RECORD not in registry.records or not registry[CRONTAB_RECORD]:
        logger.info("collective.cron 3001: the crontab has one record per cron")
        return
    crontab = Crontab.load(site)
    moved = sum(len(cron.pending_logs) for cron in crontab.crons.values())
    crontab.save()
    logger.info(
        "collective.cron 3001: %d crons in one record each, %d logs moved to "
        "the log store, %d unreadable entries kept",
        len(crontab.crons),
        moved,
        len(crontab.unreadable),
    )
