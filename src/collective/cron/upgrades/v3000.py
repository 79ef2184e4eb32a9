# -*- coding: utf-8 -*-
"""Upgrade a site from collective.cron 2.x to 3 (profile version 3000).

collective.cron 2.x kept its crontab in two registry records whose names
3 keeps (``...IRegistryCrontab.activated`` and ``...IRegistryCrontab.crontab``),
one JSON text per cron with its logs inside, dates in naive local time and
statuses as integers.  This step:

1. applies the 3 profile (records, permission, browser layer) without
   losing the stored values: registering a schema again resets a value
   that does not validate (2.x on Python 2 may hold byte strings), so the
   values are read first and written back as text;
2. loads the crontab, which reads the 2.x JSON (dates from the site's
   ``plone.portal_timezone``, else the server's zone, to UTC; integer
   statuses: the readers are in ``legacy.py``) and keeps every cron with
   its uid;
3. saves it: the logs move to the log store, the registry entries lose
   their ``logs``, and the save asks the job system to queue every active
   cron.

Entries that cannot be read are logged and kept untouched in the registry.
Running the step again changes nothing more.
"""

from collective.cron import logger
from collective.cron.registry import ACTIVATED_RECORD
from collective.cron.registry import CRONTAB_RECORD
from collective.cron.compat import as_text
from collective.cron.crontab import Crontab
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from zope.component import getUtility
from zope.component.hooks import getSite
from zope.component.hooks import setSite


PROFILE = "profile-collective.cron:default"


def _stored_values(registry):
    """The 2.x values, whatever field the records were made with."""
    crons = None
    activated = None
    if CRONTAB_RECORD in registry.records:
        value = registry.records[CRONTAB_RECORD].value
        if value is not None:
            crons = [as_text(item) for item in value if item is not None]
    if ACTIVATED_RECORD in registry.records:
        activated = registry.records[ACTIVATED_RECORD].value
    return crons, activated


def upgrade_to_3000(setup_tool):
    """Upgrade step (GenericSetup handler)."""
    site = getToolByName(setup_tool, "portal_url").getPortalObject()
    if getSite() is not site:
        setSite(site)
    registry = getUtility(IRegistry)
    crons, activated = _stored_values(registry)

    setup_tool.runAllImportStepsFromProfile(PROFILE, ignore_dependencies=True)

    if crons is not None and list(registry[CRONTAB_RECORD] or []) != crons:
        registry[CRONTAB_RECORD] = crons
    if activated is not None and registry[ACTIVATED_RECORD] != bool(activated):
        registry[ACTIVATED_RECORD] = bool(activated)

    crontab = Crontab.load(site)
    moved = sum(len(cron.pending_logs) for cron in crontab.crons.values())
    crontab.save()
    logger.info(
        "collective.cron upgraded to 3: %d crons kept, %d logs moved to the log "
        "store, %d unreadable entries left as they were%s",
        len(crontab.crons),
        moved,
        len(crontab.unreadable),
        "" if crontab.activated else " (the crontab is switched off)",
    )
