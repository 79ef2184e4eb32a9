# -*- coding: utf-8 -*-
"""``@@cron-settings/alerts``: the site-wide alert settings.

A ``plone.app.registry`` edit form over ``IAlertSettings`` in the
dashboard's layout.  A site installed before alerts existed has no records
yet: the page then shows the defaults, and the first save (a POST with
plone.protect's token) registers them; nothing is written on a GET.
"""

from collective.cron import _
from collective.cron import alerts
from collective.cron.browser.base import DashboardPage
from collective.cron.interfaces import IAlertSettings
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.app.z3cform.interfaces import IPloneFormLayer
from plone.z3cform.layout import FormWrapper
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from z3c.form import button
from zope.interface import implementer
from zope.schema import getFieldsInOrder


@implementer(IAlertSettings)
class Defaults(object):
    """The schema's defaults, shown before the records exist."""

    def __init__(self):
        for name, field in getFieldsInOrder(IAlertSettings):
            setattr(self, name, field.default)


class AlertSettingsForm(RegistryEditForm):
    schema = IAlertSettings
    schema_prefix = alerts.ALERTS_PREFIX
    # plone.app.z3cform then renders plone.protect's token in the form.
    enableCSRFProtection = True
    label = _(u"Alerts")
    description = _(
        u"Who is told when a cron fails, recovers or is not run: once per "
        u"change, not at every run."
    )

    def getContent(self):
        if self.request.get("REQUEST_METHOD") == "POST":
            # Registers the records a site lacks (settings added later).
            return alerts.ensure_records()
        # The saved values over the defaults: a setting added after the
        # site's records were registered shows its default, not "off".
        shown = Defaults()
        proxy = alerts.settings()
        for name, field in getFieldsInOrder(IAlertSettings):
            value = getattr(proxy, name, None) if proxy is not None else None
            if value is not None:
                setattr(shown, name, value)
        return shown

    @button.buttonAndHandler(_(u"Save"), name="save")
    def handleSave(self, action):
        self.page.check_token()
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        self.applyChanges(data)
        IStatusMessage(self.request).addStatusMessage(
            _(u"Alert settings saved."), "info"
        )
        self.request.response.redirect(self.request.getURL())

    @button.buttonAndHandler(_(u"Cancel"), name="cancel")
    def handleCancel(self, action):
        self.request.response.redirect(self.page.dashboard_url)


class AlertSettingsPage(FormWrapper, DashboardPage):
    """The form in the dashboard's layout."""

    index = ViewPageTemplateFile("templates/alerts.pt")
    request_layer = IPloneFormLayer
    form = AlertSettingsForm
    page_title = _(u"Alerts")

    def __init__(self, context, request):
        DashboardPage.__init__(self, context, request)
        self.form_instance = self.form(self.context, request)
        self.form_instance.__name__ = self.__name__
        self.form_instance.page = self

    def __call__(self):
        self.check_permission()
        return FormWrapper.__call__(self)
