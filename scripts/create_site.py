# -*- coding: utf-8 -*-
"""Create the Plone site of the development instance (run by ``make run``).

    [PLONE_SITE_ID=Plone] zconsole run instance/etc/zope.conf scripts/create_site.py

Adds the site (``$PLONE_SITE_ID``, default ``Plone``) with collective.cron installed, and the
``collective.cron:demo`` profile when that profile is registered. Running it
again keeps the site and its data: it only installs collective.cron (and the
demo profile) if they are missing. ``zconsole`` gives the global ``app``.
"""

from __future__ import print_function

from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SpecialUsers import system
from Products.CMFPlone.factory import addPloneSite
from Products.GenericSetup.registry import _profile_registry
from Testing.makerequest import makerequest
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import os
import sys
import transaction

SITE_ID = os.environ.get("PLONE_SITE_ID") or "Plone"
BASE_PROFILES = (
    "plone.app.contenttypes:default",
    "plonetheme.barceloneta:default",
)
ADDON_PROFILE = "collective.cron:default"
DEMO_PROFILE = "collective.cron:demo"


def registered(profile_id):
    try:
        _profile_registry.getProfileInfo(profile_id)
    except KeyError:
        return False
    return True


def installed(site, profile_id):
    version = site.portal_setup.getLastVersionForProfile(profile_id)
    return version not in (None, "unknown")


def main(app):
    app = makerequest(app)
    setRequest(app.REQUEST)
    admin = app.acl_users.getUserById("admin")
    user = admin.__of__(app.acl_users) if admin is not None else system
    newSecurityManager(None, user)

    if not registered(ADDON_PROFILE):
        sys.exit(
            "profile %s is not registered: is collective.cron installed?"
            % ADDON_PROFILE
        )

    created = SITE_ID not in app.objectIds()
    if not created:
        site = app[SITE_ID]
        print("Site /%s exists: keeping it." % SITE_ID)
    else:
        profiles = [p for p in BASE_PROFILES if registered(p)] + [ADDON_PROFILE]
        site = addPloneSite(
            app, SITE_ID, title="collective.cron", extension_ids=profiles
        )
        print("Created site /%s with %s." % (SITE_ID, ", ".join(profiles)))
    setSite(site)

    setup = site.portal_setup
    if not installed(site, ADDON_PROFILE):
        setup.runAllImportStepsFromProfile("profile-" + ADDON_PROFILE)
        print("Applied %s." % ADDON_PROFILE)
    # The demo profile: on a new site, or on an older one once the profile
    # exists (a profile without a version cannot tell that it was applied).
    if registered(DEMO_PROFILE) and not installed(site, DEMO_PROFILE):
        if created or setup.getVersionForProfile(DEMO_PROFILE) != "unknown":
            setup.runAllImportStepsFromProfile("profile-" + DEMO_PROFILE)
            print("Applied %s." % DEMO_PROFILE)
    transaction.commit()


main(app)  # noqa: F821 (defined by zconsole)
