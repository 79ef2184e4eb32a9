# -*- coding: utf-8 -*-
"""The add and edit forms of a cron (z3c.form).

The cron is built by ``collective.cron.builder.build_cron``, as the REST
API and the imports build theirs: the model checks its fields, the builder
checks the user with ``find_user`` (an id or a login).  The constraints of
the form's fields call the same checks, only to show every error at once
and in the user's language (the periodicity error names the field of the
expression that is wrong, the time zone one says "did you mean").  The
"Preview" button shows the next runs of what was typed without saving, and
the page shows them for the stored periodicity too.  Buttons check
plone.protect's token (``enableCSRFProtection``).
"""

from collective.cron import _
from collective.cron import clock
from collective.cron import pause
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.browser.base import DashboardPage
from collective.cron.browser.schema import ICronSchema
from collective.cron.browser.views import PREVIEW_COUNT
from collective.cron.builder import build_cron
from collective.cron.builder import current_user
from collective.cron.builder import may_run_as_anyone
from collective.cron.builder import RunAsRefused
from collective.cron.compat import as_text
from collective.cron.crontab import InvalidCron
from collective.cron.interfaces import ILogStore
from plone.app.z3cform.interfaces import IPloneFormLayer
from plone.z3cform.layout import FormWrapper
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from z3c.form import button
from z3c.form import field
from z3c.form import form
from z3c.form.browser.checkbox import SingleCheckBoxFieldWidget
from z3c.form.interfaces import IErrorViewSnippet
from zope.component import getMultiAdapter
from zope.interface import Invalid

import json

# ---------------------------------------------------------------------------
# Forms


def run_as_message(error):
    """The least-privilege refusal (``RunAsRefused``) in the user's language."""
    mapping = {u"editor": error.editor}
    if error.reason == "system":
        return _(
            u"error_run_as_system",
            default=u'You may not leave "Run as" empty: the system user has '
            u"every permission, and only Managers may choose it. Enter your "
            u'own user id ("${editor}").',
            mapping=mapping,
        )
    if error.reason == "more_rights":
        return _(
            u"error_run_as_more_rights",
            default=u"This cron runs as a user with more rights than you "
            u"have: only a Manager may change it, unless you make it run "
            u'as yourself ("${editor}").',
            mapping=mapping,
        )
    return _(
        u"error_run_as_other",
        default=u"You may not make a cron run as another user: only Managers "
        u'may. Enter your own user id ("${editor}").',
        mapping=mapping,
    )


class CronForm(form.Form):
    """What the add and edit forms share."""

    fields = field.Fields(ICronSchema)
    fields["activated"].widgetFactory = SingleCheckBoxFieldWidget
    enableCSRFProtection = True
    ignoreContext = True
    crontab = None
    cron = None

    @property
    def dashboard_url(self):
        return u"%s/@@cron-settings" % self.context.absolute_url()

    def updateWidgets(self):
        super(CronForm, self).updateWidgets()
        self.widgets["description"].rows = 3
        self.widgets["environ"].rows = 6
        self.widgets["periodicity"].placeholder = u"*/15 * * * *"
        site_zone = (self.crontab.default_timezone if self.crontab else u"") or u"UTC"
        self.widgets["timezone"].placeholder = site_zone
        user = self.widgets["user"]
        is_post = self.request.get("REQUEST_METHOD", "GET").upper() == "POST"
        if self.cron is None and not user.value and not is_post:
            editor = current_user()
            if not may_run_as_anyone(self.context, editor):
                # Least privilege: a new cron runs as whoever adds it.
                user.value = editor.getId()

    def update(self):
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            return super(CronForm, self).update()
        # Buttons act on a POST only: a link never saves anything.
        form.BaseForm.update(self)
        self.updateActions()

    def updateActions(self):
        super(CronForm, self).updateActions()
        self.actions["save"].addClass("btn btn-primary context")
        self.actions["preview"].addClass("btn btn-secondary standalone")
        self.actions["cancel"].addClass("btn btn-secondary standalone")

    def set_error(self, name, message):
        """Show ``message`` on the widget of field ``name``."""
        widget = self.widgets.get(name)
        if widget is None:
            self.status = message
            return
        error = Invalid(message)
        snippet = getMultiAdapter(
            (error, self.request, widget, widget.field, self, self.getContent()),
            IErrorViewSnippet,
        )
        snippet.update()
        widget.error = snippet
        self.widgets.errors += (snippet,)

    def build(self, data):
        """A cron from the form data (InvalidCron when it is refused)."""
        values = {
            "name": data["name"],
            "description": data.get("description") or u"",
            "activated": bool(data.get("activated")),
            "periodicity": data["periodicity"],
            "timezone": data.get("timezone") or u"",
            "user": data.get("user") or u"",
            "environ": data.get("environ") or u"{}",
            "logs_limit": data["logs_limit"],
            "missed": data.get("missed") or u"run_once",
            "paused_until": data.get("paused_until") or None,
            "timeout": data.get("timeout") or 0,
            "attempts": data.get("attempts") or 1,
            "retry_delay": data.get("retry_delay") or 60,
            "overlap": data.get("overlap") or u"forbid",
            "ping_start": data.get("ping_start") or u"",
            "ping_success": data.get("ping_success") or u"",
            "ping_fail": data.get("ping_fail") or u"",
        }
        try:
            cron = build_cron(values, current=self.cron, site=self.context)
        except InvalidCron as error:
            if error.field != "paused_until":
                raise
            raise InvalidCron(
                helpers.translated(
                    _(
                        u"error_paused_until",
                        default=u"Write a date and time as YYYY-MM-DD HH:MM "
                        u"(site time), at most ten years ahead.",
                    )
                ),
                "paused_until",
            )
        if values["paused_until"] and not cron.paused:
            raise InvalidCron(
                helpers.translated(
                    _(
                        u"error_paused_until_past",
                        default=u"This time is already past: give a later one, "
                        u"or leave the field empty to resume now.",
                    )
                ),
                "paused_until",
            )
        return cron

    def notify(self, message, kind=u"info"):
        IStatusMessage(self.request).add(message, type=kind)

    @button.buttonAndHandler(_(u"button_save", default=u"Save"), name="save")
    def handle_save(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        try:
            cron = self.build(data)
        except RunAsRefused as error:
            self.set_error("user", helpers.translated(run_as_message(error)))
            self.status = self.formErrorsMessage
            return
        except InvalidCron as error:
            self.set_error(error.field, as_text(error))
            self.status = self.formErrorsMessage
            return
        if self.crontab.read_only:
            self.status = _(
                u"message_read_only",
                default=u"The crontab is read-only here: nothing was changed.",
            )
            return
        previous = self.cron
        self.crontab.save_cron(cron)
        if previous is not None and cron.logs_limit < previous.logs_limit:
            ILogStore(self.context).trim(cron.uid, cron.logs_limit)
        self.notify(self.saved_message(cron))
        if not cron.has_runner(self.context):
            self.notify(
                _(
                    u"warning_no_runner",
                    default=u'No job runner is registered under the name '
                    u'"${name}": the cron logs "not run" until an add-on '
                    u"provides one.",
                    mapping={u"name": cron.name},
                ),
                u"warning",
            )
        self.request.response.redirect(u"%s/%s" % (self.dashboard_url, cron.uid))

    @button.buttonAndHandler(_(u"button_preview", default=u"Preview"), name="preview")
    def handle_preview(self, action):
        data, errors = self.extractData()
        if errors:
            self.status = self.formErrorsMessage
            return
        self.status = _(
            u"message_preview",
            default=u"Here are the next runs of this periodicity; nothing was "
            u"saved yet.",
        )

    @button.buttonAndHandler(_(u"button_cancel", default=u"Cancel"), name="cancel")
    def handle_cancel(self, action):
        if self.cron is not None:
            url = u"%s/%s" % (self.dashboard_url, self.cron.uid)
        else:
            url = self.dashboard_url
        self.request.response.redirect(url)

    def saved_message(self, cron):
        return _(u"message_changes_saved", default=u"Changes saved.")

    # -- what the page shows around the form ---------------------------------

    def widget_value(self, name):
        widget = self.widgets.get(name) if self.widgets is not None else None
        if widget is None:
            return u""
        value = widget.value
        if isinstance(value, (list, tuple)):
            value = value[0] if value else u""
        return as_text(value).strip()

    def preview(self):
        """The next runs of the periodicity in the form, or None."""
        expression = self.widget_value("periodicity")
        if not expression:
            return None
        zone_name = (
            self.widget_value("timezone")
            or (self.crontab.default_timezone if self.crontab else u"")
            or periodicity.DEFAULT_TIMEZONE
        )
        try:
            normal = periodicity.validate(expression)
            zone = periodicity.get_timezone(zone_name)
            runs = periodicity.next_occurrences(
                normal, clock.now(), zone_name, count=PREVIEW_COUNT
            )
        except (ValueError, periodicity.InvalidTimezone):
            return None
        language = helpers.current_language(self.context, self.request)
        return {
            u"expression": normal,
            u"description": periodicity.describe(normal, language),
            u"timezone": zone_name,
            u"runs": [
                {
                    u"time": helpers.localized_time(run, zone),
                    u"iso": helpers.iso(run),
                    u"relative": helpers.relative_time(run),
                }
                for run in runs
            ],
        }

    def missing_runner(self):
        """The chosen runner name when no runner is registered under it."""
        token = self.widget_value("name")
        if not token:
            return None
        widget = self.widgets["name"]
        try:
            name = widget.terms.getValue(token)
        except (LookupError, AttributeError):
            return None
        if name in helpers.runner_factories(self.context):
            return None
        return name


class AddCronForm(CronForm):
    """Add a cron."""

    label = _(u"title_add_cron", default=u"Add a cron")

    def saved_message(self, cron):
        return _(
            u"message_cron_added",
            default=u"${name} was added.",
            mapping={u"name": cron.name},
        )


class EditCronForm(CronForm):
    """Edit a cron."""

    ignoreContext = False

    @property
    def label(self):
        return _(
            u"title_edit_cron",
            default=u"Edit ${name}",
            mapping={u"name": self.cron.name},
        )

    def getContent(self):
        cron = self.cron
        return {
            "name": cron.name,
            "description": cron.description,
            "activated": cron.activated,
            "periodicity": cron.periodicity,
            "timezone": cron.timezone,
            "user": cron.user,
            "environ": json.dumps(cron.environ, indent=2, sort_keys=True),
            "logs_limit": cron.logs_limit,
            "missed": cron.missed,
            "paused_until": pause.local_text(
                cron.paused_until, self.crontab.default_timezone
            ),
            "timeout": cron.timeout,
            "attempts": cron.attempts,
            "retry_delay": cron.retry_delay,
            "overlap": cron.overlap,
            "ping_start": cron.ping_start,
            "ping_success": cron.ping_success,
            "ping_fail": cron.ping_fail,
        }


# ---------------------------------------------------------------------------
# The pages around the forms


class CronFormPage(FormWrapper, DashboardPage):
    """A form in the dashboard's layout, with the preview of the next runs."""

    index = ViewPageTemplateFile("templates/form.pt")
    request_layer = IPloneFormLayer

    def __init__(self, context, request):
        # The site, crontab and cron come from the page above (base.py);
        # then the form, as FormWrapper.__init__ makes it.
        DashboardPage.__init__(self, context, request)
        self.form_instance = self.form(self.context, request)
        self.form_instance.__name__ = self.__name__
        self.form_instance.crontab = self.crontab
        self.form_instance.cron = self.cron

    @property
    def page_title(self):
        return self.form_instance.label

    def __call__(self):
        self.check_permission()
        return FormWrapper.__call__(self)

    def preview(self):
        return self.form_instance.preview()

    def missing_runner(self):
        return self.form_instance.missing_runner()

    @property
    def has_runners(self):
        return bool(helpers.runner_factories(self.context))


class AddCronPage(CronFormPage):
    """``@@cron-settings/add``."""

    form = AddCronForm


class EditCronPage(CronFormPage):
    """``@@cron-settings/<uid>/edit``."""

    form = EditCronForm
