# -*- coding: utf-8 -*-
"""Install and uninstall handlers."""
from collective.cron.logstore import ANNOTATION_KEY
from Products.CMFCore.utils import getToolByName
from Products.CMFPlone.interfaces import INonInstallable
from zope.annotation.interfaces import IAnnotations
from zope.interface import implementer


@implementer(INonInstallable)
class HiddenProfiles(object):
    def getNonInstallableProfiles(self):
        """The uninstall profile is not something to offer in the add-ons panel."""
        return ["collective.cron:uninstall"]


def uninstall(setup_tool):
    """Forget the logs; the uninstall profile removed the registry records."""
    site = getToolByName(setup_tool, "portal_url").getPortalObject()
    annotations = IAnnotations(site)
    if ANNOTATION_KEY in annotations:
        del annotations[ANNOTATION_KEY]
