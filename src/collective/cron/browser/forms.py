# -*- coding: utf-8 -*-
"""The add and edit forms of a cron (z3c.form).

Both forms check every field before anything is stored: the periodicity
(the error names the field of the expression that is wrong), the time zone
(with a "did you mean"), the user (must exist in the site or the Zope root),
the parameters (a JSON object).  The "Preview" button shows the next runs of
what was typed without saving, and the page shows them for the stored
periodicity too.  Buttons check plone.protect's token
(``enableCSRFProtection``).
"""
from collective.cron import _
from collective.cron import clock
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.browser.dashboard import DashboardPage
from collective.cron.browser.dashboard import PREVIEW_COUNT
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import DEFAULT_LOGS_LIMIT
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import MAX_LOGS_LIMIT
from collective.cron.crontab import MISSED_POLICIES
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
from zope import schema
from zope.component import getMultiAdapter
from zope.component.hooks import getSite
from zope.globalrequest import getRequest
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.interface import Interface
from zope.interface import Invalid
from zope.interface import provider
from zope.schema.interfaces import IContextSourceBinder
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary

import binascii
import json


# ---------------------------------------------------------------------------
# Vocabularies and checks


def _token(name):
    """A form token for any runner name (tokens must be plain ASCII)."""
    try:
        name.encode("ascii")
    except UnicodeError:
        return "x-" + binascii.hexlify(name.encode("utf-8")).decode("ascii")
    return str(name)


@provider(IContextSourceBinder)
def runner_names(context):
    """The registered job runners, and the names crons use without one."""
    site = getSite()
    request = getRequest()
    factories = helpers.runner_factories(site)
    used = set(cron.name for cron in Crontab.load(site).crons.values())
    terms = []
    for name in sorted(set(factories) | used):
        if name in factories:
            title = helpers.runner_title(factories[name])
            if title:
                label = u"%s \u2014 %s" % (name, translate(title, context=request))
            else:
                label = name
        else:
            label = translate(
                _(
                    u"term_runner_missing",
                    default=u"${name} (no runner registered)",
                    mapping={u"name": name},
                ),
                context=request,
            )
        terms.append(SimpleTerm(name, _token(name), label))
    return SimpleVocabulary(terms)


missed_policies = SimpleVocabulary(
    [SimpleTerm(policy, policy, helpers.MISSED_LABELS[policy]) for policy in MISSED_POLICIES]
)


def _flat(message):
    """``message`` with the messages of its mapping translated already."""
    mapping = dict(message.mapping or {})
    for key, value in mapping.items():
        if isinstance(value, Message):
            mapping[key] = helpers.translated(value)
    return Message(message, mapping=mapping)


def check_periodicity(value):
    try:
        periodicity.validate(value)
    except periodicity.InvalidPeriodicity as error:
        raise Invalid(_flat(error.message_id))
    return True


def check_timezone(value):
    if value and value.strip():
        try:
            periodicity.get_timezone(value.strip())
        except periodicity.InvalidTimezone as error:
            raise Invalid(_flat(error.message_id))
    return True


def check_user(value):
    if value and value.strip():
        if helpers.find_user(getSite(), value.strip()) is None:
            raise Invalid(
                _(
                    u"error_user_not_found",
                    default=u'No user "${user}" here: give the id or login '
                    u"name of an existing user, or leave the field empty to "
                    u"run the cron as a system user.",
                    mapping={u"user": value.strip()},
                )
            )
    return True


def check_environ(value):
    if not value or not value.strip():
        return True
    try:
        data = json.loads(value)
    except ValueError as error:
        raise Invalid(
            _(
                u"error_environ_json",
                default=u"The parameters are not valid JSON: ${error}",
                mapping={u"error": helpers.text(error)},
            )
        )
    if not isinstance(data, dict):
        raise Invalid(
            _(
                u"error_environ_object",
                default=u'The parameters must be a JSON object, such as '
                u'{"folder": "news", "days": 30}.',
            )
        )
    return True


class ICronSchema(Interface):
    """The fields of the add and edit forms."""

    name = schema.Choice(
        title=_(u"label_runner", default=u"Job runner"),
        description=_(
            u"help_runner",
            default=u"What the cron does: add-ons register job runners under "
            u"a name.",
        ),
        source=runner_names,
        required=True,
    )

    description = schema.Text(
        title=_(u"label_description", default=u"Description"),
        description=_(
            u"help_description", default=u"What this cron is for, for people."
        ),
        required=False,
        missing_value=u"",
    )

    activated = schema.Bool(
        title=_(u"label_activated", default=u"Active"),
        description=_(
            u"help_activated", default=u"An inactive cron keeps its settings but never runs."
        ),
        required=False,
        default=True,
    )

    periodicity = schema.TextLine(
        title=_(u"label_periodicity", default=u"Periodicity"),
        description=_(
            u"help_periodicity",
            default=u"Five fields: minute, hour, day of month, month, day of "
            u'week, such as "*/15 * * * *" (every 15 minutes) or '
            u'"30 2 * * 1-5" (02:30 on weekdays); or @hourly, @daily, '
            u"@weekly, @monthly, @yearly.",
        ),
        required=True,
        constraint=check_periodicity,
    )

    timezone = schema.TextLine(
        title=_(u"label_timezone", default=u"Time zone"),
        description=_(
            u"help_timezone",
            default=u'The zone the periodicity is read in, such as '
            u'"Europe/Paris". Empty: the time zone of the site.',
        ),
        required=False,
        missing_value=u"",
        constraint=check_timezone,
    )

    user = schema.TextLine(
        title=_(u"label_user", default=u"Run as"),
        description=_(
            u"help_user",
            default=u"The user the cron runs as. Empty: a system user with "
            u"the Manager role.",
        ),
        required=False,
        missing_value=u"",
        constraint=check_user,
    )

    environ = schema.Text(
        title=_(u"label_environ", default=u"Parameters"),
        description=_(
            u"help_environ",
            default=u"A JSON object given to the job runner, such as "
            u'{"days": 30}.',
        ),
        required=False,
        default=u"{}",
        missing_value=u"",
        constraint=check_environ,
    )

    logs_limit = schema.Int(
        title=_(u"label_logs_limit", default=u"Logs kept"),
        description=_(
            u"help_logs_limit",
            default=u"How many logs of this cron are kept; older ones go.",
        ),
        required=True,
        default=DEFAULT_LOGS_LIMIT,
        min=1,
        max=MAX_LOGS_LIMIT,
    )

    missed = schema.Choice(
        title=_(u"label_missed", default=u"Missed runs"),
        description=_(
            u"help_missed",
            default=u"What to do with the runs missed while no worker was "
            u"running.",
        ),
        vocabulary=missed_policies,
        required=True,
        default=u"run_once",
    )


# ---------------------------------------------------------------------------
# Forms


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
        """A cron from the form data (InvalidCron when the model refuses)."""
        uid = self.cron.uid if self.cron is not None else None
        environ = data.get("environ") or u"{}"
        return Cron(
            uid=uid,
            name=data["name"],
            description=data.get("description") or u"",
            activated=bool(data.get("activated")),
            periodicity=data["periodicity"],
            timezone=(data.get("timezone") or u"").strip(),
            user=(data.get("user") or u"").strip(),
            environ=environ,
            logs_limit=data["logs_limit"],
            missed=data.get("missed") or u"run_once",
        )

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
        except InvalidCron as error:
            self.set_error(error.field, helpers.text(error))
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
        return helpers.text(value).strip()

    def preview(self):
        """The next runs of the periodicity in the form, or None."""
        expression = self.widget_value("periodicity")
        if not expression:
            return None
        zone_name = self.widget_value("timezone") or (
            self.crontab.default_timezone if self.crontab else u""
        ) or periodicity.DEFAULT_TIMEZONE
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
        }


# ---------------------------------------------------------------------------
# The pages around the forms


class CronFormPage(FormWrapper, DashboardPage):
    """A form in the dashboard's layout, with the preview of the next runs."""

    index = ViewPageTemplateFile("templates/form.pt")
    request_layer = IPloneFormLayer

    def __init__(self, context, request, crontab=None, cron=None):
        FormWrapper.__init__(self, context, request)
        self._crontab = crontab
        self.cron = cron
        self._language = None
        self.form_instance.crontab = self.crontab
        self.form_instance.cron = cron

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
