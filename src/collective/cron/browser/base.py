# -*- coding: utf-8 -*-
"""What every page of the Cron Dashboard is: ``DashboardPage``.

The URL map is the ZCML of this package: each page is a ``browser:page``
with the permission ``collective.cron: Manage crons``, registered *for the
page it hangs below* (``IDashboardPage``, ``ICronPage``, ``ILogsPage``)::

    @@cron-settings                   views.CronDashboard (on the site)
    @@cron-settings/add               forms.AddCronPage
    @@cron-settings/switch|bulk       actions.CrontabSwitch, bulk.BulkActions
    @@cron-settings/export|import     transfer.ExportCrontab, transfer.ImportCrontab
    @@cron-settings/<uid>             views.CronPage (the view "view" of a CronItem)
    @@cron-settings/<uid>/edit        forms.EditCronPage
    @@cron-settings/<uid>/switch|run|delete   actions
    @@cron-settings/<uid>/logs/clear  actions.ClearLogs

``DashboardPage.publishTraverse`` is the whole router: a name is a page
registered for this page, else (on the dashboard) a cron's uid, else a
"not found" page (status 404 in the Plone layout).  A page made below
another one works on the same site, crontab and cron.  Every page checks
the permission again when called, whatever led to it.
"""

from AccessControl import Unauthorized
from collective.cron import _
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.crontab import Crontab
from collective.cron.crontab import STATUS_NAMES
from collective.cron.state import run_overdue
from plone.protect import CheckAuthenticator
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from zope.component import queryMultiAdapter
from zope.interface import implementer
from zope.interface import Interface
from zope.publisher.interfaces import IPublishTraverse

VIEW_NAME = u"@@cron-settings"
CRON_VIEW = u"view"

# Schedules in words, per (expression, language): describing one validates
# it and runs cron_descriptor (~5 ms), 20 times per page of the list, and a
# site has few distinct schedules.  Plain text: safe to keep per process.
_DESCRIBED = {}
DESCRIBED_SIZE = 10000


class IDashboardPart(Interface):
    """A page of the dashboard, or a cron in it: pages below it inherit its data."""


class IDashboardPage(IDashboardPart):
    """``@@cron-settings``: its sub-pages are registered for it."""


class ICronItem(IDashboardPart):
    """A cron of the dashboard (``<uid>``): its page is the view ``view``."""


class ICronPage(IDashboardPart):
    """A cron's page: the cron's sub-pages are registered for it."""


class ILogsPage(IDashboardPart):
    """``<uid>/logs``: ``clear`` is registered for it."""


@implementer(ICronItem)
class CronItem(object):
    """A cron as a step of the URL: what its pages need, and where it hangs."""

    def __init__(self, parent, cron):
        self.__parent__ = parent
        self.__name__ = cron.uid
        self.context = parent.context
        self.crontab = parent.crontab
        self.cron = cron


@implementer(IPublishTraverse, IDashboardPart)
class DashboardPage(BrowserView):
    """A page of the Cron Dashboard (base class).

    Registered on the site, ``context`` is the site; registered for another
    page (or a ``CronItem``), it takes the site, the crontab and the cron
    from there, so that ``context`` is always the site.
    """

    layout = ViewPageTemplateFile("templates/layout.pt")
    template = None
    # Plone's control-panel menu (every configlet, grouped) above the page:
    # on the dashboard, the way in from Site Setup, like every control
    # panel.  The pages below it lead back through their breadcrumbs and
    # skip the menu, which costs about a third of a page's time.
    control_panel_menu = False
    page_title = _(u"title_dashboard", default=u"Cron Dashboard")

    def __init__(self, context, request):
        parent = context if IDashboardPart.providedBy(context) else None
        site = parent.context if parent is not None else context
        BrowserView.__init__(self, site, request)
        self._crontab = None
        self.cron = None
        self._language = None
        if parent is not None:
            self.__parent__ = parent
            self._crontab = parent.crontab
            self.cron = parent.cron

    @property
    def frame(self):
        """The macro the page is drawn in (``templates/layout.pt``)."""
        name = "menu_frame" if self.control_panel_menu else "plain_frame"
        return self.layout.macros[name]

    # -- traversal -----------------------------------------------------------

    def publishTraverse(self, request, name):
        page = queryMultiAdapter((self, request), name=name)
        if not isinstance(page, DashboardPage):
            page = self.traverse_item(request, name)
        page.__name__ = name
        return page

    def traverse_item(self, request, name):
        """What a name that is no page gives: a page saying "not found"."""
        return NotFoundPage(self, request)

    # -- protection ----------------------------------------------------------

    def check_permission(self):
        if not helpers.may_manage(self.context):
            raise Unauthorized("You are not allowed to manage the crons of this site")

    def check_token(self):
        """Refuse a POST without plone.protect's authenticator (Forbidden)."""
        CheckAuthenticator(self.request)

    @property
    def is_post(self):
        return self.request.get("REQUEST_METHOD", "GET").upper() == "POST"

    # -- data ----------------------------------------------------------------

    @property
    def crontab(self):
        if self._crontab is None:
            self._crontab = Crontab.load(self.context)
        return self._crontab

    @property
    def dashboard_url(self):
        return u"%s/%s" % (self.context.absolute_url(), VIEW_NAME)

    @property
    def site_setup_url(self):
        return u"%s/@@overview-controlpanel" % self.context.absolute_url()

    def cron_url(self, cron=None):
        cron = cron if cron is not None else self.cron
        return u"%s/%s" % (self.dashboard_url, cron.uid)

    @property
    def static_url(self):
        return u"%s/++resource++collective.cron" % self.context.absolute_url()

    @property
    def language(self):
        if self._language is None:
            self._language = helpers.current_language(self.context, self.request)
        return self._language

    @property
    def site_zone_name(self):
        return self.crontab.default_timezone or periodicity.DEFAULT_TIMEZONE

    @property
    def site_zone(self):
        return helpers.zone_for(self.site_zone_name)

    @property
    def read_only(self):
        return self.crontab.read_only

    # -- presentation --------------------------------------------------------

    def time(self, when):
        """``when`` formatted the Plone way (~5 ms a call): many rows of a
        page show the same time (crons sharing a schedule), so each
        distinct time is formatted once per page."""
        if when is None:
            return u""
        formatted = getattr(self, "_times", None)
        if formatted is None:
            formatted = self._times = {}
        text = formatted.get(when)
        if text is None:
            text = formatted[when] = helpers.localized_time(when, self.site_zone)
        return text

    def iso(self, when):
        return helpers.iso(when)

    def relative(self, when):
        return helpers.relative_time(when)

    def duration(self, seconds):
        return helpers.format_duration(seconds, self.language)

    def describe(self, expression):
        key = (expression, self.language)
        text = _DESCRIBED.get(key)
        if text is None:
            text = periodicity.describe(expression, self.language)
            if len(_DESCRIBED) >= DESCRIBED_SIZE:
                _DESCRIBED.clear()
            _DESCRIBED[key] = text
        return text

    def status_label(self, status):
        return helpers.STATUS_LABELS.get(status, STATUS_NAMES.get(status, status))

    def status_class(self, status):
        return helpers.STATUS_CLASSES.get(status, u"secondary")

    def trigger_label(self, trigger):
        return helpers.TRIGGER_LABELS.get(trigger, trigger)

    def missed_label(self, policy):
        return helpers.MISSED_LABELS.get(policy, policy)

    def overlap_label(self, policy):
        return helpers.OVERLAP_LABELS.get(policy, policy)

    def cron_info(self, cron):
        """What the list and the cron's page show of a cron."""
        last = cron.last_log
        next_run = cron.next
        return {
            u"cron": cron,
            u"uid": cron.uid,
            u"url": self.cron_url(cron),
            u"name": cron.name,
            u"description": cron.description,
            u"has_runner": cron.has_runner(self.context),
            u"schedule": self.describe(cron.periodicity),
            u"periodicity": cron.periodicity,
            u"timezone": cron.effective_timezone,
            u"timezone_is_default": not cron.timezone,
            u"activated": cron.activated,
            u"paused": cron.paused,
            u"paused_time": self.time(cron.paused_until) if cron.paused else u"",
            u"paused_iso": self.iso(cron.paused_until) if cron.paused else u"",
            u"overdue": run_overdue(self.context, cron),
            u"next": next_run,
            u"next_time": self.time(next_run),
            u"next_relative": self.relative(next_run),
            u"last": self.log_info(last) if last is not None else None,
        }

    def log_info(self, log, index=None):
        started = log.started or log.date
        return {
            u"index": index,
            u"log": log,
            u"status": log.status,
            u"status_name": STATUS_NAMES.get(log.status, u""),
            u"status_label": self.status_label(log.status),
            u"status_class": self.status_class(log.status),
            u"trigger": self.trigger_label(log.trigger),
            u"started": started,
            u"started_time": self.time(started),
            u"started_relative": self.relative(started),
            u"iso": self.iso(log.date),
            u"scheduled_time": self.time(log.scheduled) if log.scheduled else u"",
            u"duration": self.duration(log.duration),
            u"instance": log.instance,
            u"messages": log.messages,
            u"detail": log.detail,
        }

    # -- answering -----------------------------------------------------------

    def notify(self, message, kind=u"info"):
        IStatusMessage(self.request).add(message, type=kind)

    def redirect(self, url, message=None, kind=u"info"):
        if message is not None:
            self.notify(message, kind)
        self.request.response.redirect(url)
        return u""

    def refuse_read_only(self, url):
        return self.redirect(
            url,
            _(
                u"message_read_only",
                default=u"The crontab is read-only here: nothing was changed.",
            ),
            u"error",
        )

    def render(self):
        return self.template()

    def __call__(self):
        self.check_permission()
        return self.render()


class NotFoundPage(DashboardPage):
    """An unknown cron (or page of a cron): a friendly page, status 404.

    Traversal happens before Zope knows the user, so it never raises: this
    page comes out of it, and only then does the permission check run, so
    that nobody without the permission learns which uids exist.  Every name
    below it leads to it again.
    """

    template = ViewPageTemplateFile("templates/notfound.pt")
    page_title = _(u"title_not_found", default=u"Cron not found")
    uid = None

    def publishTraverse(self, request, name):
        return self

    def __call__(self):
        self.check_permission()
        self.request.response.setStatus(404)
        return self.render()
