# -*- coding: utf-8 -*-
"""The fields of the add and edit forms: ``ICronSchema``, its vocabularies, its checks.

The checks are the model's and the builder's own (``periodicity.validate``,
``builder.check_user``...), called here only so that the form shows every
error at once, in the user's language.
"""

from collective.cron import _
from collective.cron import overlap as overlaps
from collective.cron import periodicity
from collective.cron.browser import helpers
from collective.cron.builder import check_depth
from collective.cron.builder import check_user as check_cron_user
from collective.cron.builder import MAX_JSON_DEPTH
from collective.cron.compat import as_text
from collective.cron.crontab import Crontab
from collective.cron.crontab import DEFAULT_LOGS_LIMIT
from collective.cron.crontab import InvalidCron
from collective.cron.crontab import MAX_LOGS_LIMIT
from collective.cron.crontab import MISSED_POLICIES
from collective.cron.listing import Summaries
from zope import schema
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
    # summaries: the names without reading (validating) every cron
    used = set(item.name for item in Summaries(Crontab.load(site)).items)
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


overlap_policies = SimpleVocabulary(
    [
        SimpleTerm(policy, policy, helpers.OVERLAP_LABELS[policy])
        for policy in overlaps.POLICIES
    ]
)


missed_policies = SimpleVocabulary(
    [
        SimpleTerm(policy, policy, helpers.MISSED_LABELS[policy])
        for policy in MISSED_POLICIES
    ]
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
    """The builder's user rule (``find_user``), its error in the user's language."""
    user = (value or u"").strip()
    try:
        check_cron_user(getSite(), user)
    except InvalidCron:
        raise Invalid(
            _(
                u"error_user_not_found",
                default=u'No user "${user}" here: give the id or login '
                u"name of an existing user, or leave the field empty to "
                u"run the cron as the system user.",
                mapping={u"user": user},
            )
        )
    return True


def check_ping(value):
    """A ping URL: http(s) only (``pings.parse``), the error in the user's
    language."""
    from collective.cron import pingfields

    try:
        pingfields.parse(value, "ping")
    except InvalidCron:
        raise Invalid(
            _(
                u"error_ping_url",
                default=u"Give an http:// or https:// address without "
                u"spaces, or leave the field empty.",
            )
        )
    return True


def check_environ(value):
    if not value or not value.strip():
        return True
    try:
        check_depth(value, "environ")
    except InvalidCron:
        raise Invalid(
            _(
                u"error_environ_depth",
                default=u"The parameters are nested too deeply (more than "
                u"${depth} levels of objects and lists).",
                mapping={u"depth": MAX_JSON_DEPTH},
            )
        )
    try:
        data = json.loads(value)
    except ValueError as error:
        raise Invalid(
            _(
                u"error_environ_json",
                default=u"The parameters are not valid JSON: ${error}",
                mapping={u"error": as_text(error)},
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
            u"help_activated",
            default=u"An inactive cron keeps its settings but never runs.",
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
            u"help_run_as",
            default=u"The user id or login the cron runs as: it can do what "
            u"that user may do. Empty: the system user, which has every "
            u"permission; only users allowed to run crons as another user "
            u"(Managers) may leave it empty or choose someone else.",
        ),
        required=False,
        missing_value=u"",
        constraint=check_user,
    )

    environ = schema.Text(
        title=_(u"label_environ", default=u"Parameters"),
        description=_(
            u"help_environ",
            default=u"A JSON object given to the job runner, such as " u'{"days": 30}.',
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
            default=u"What to do with the runs missed while no worker was " u"running.",
        ),
        vocabulary=missed_policies,
        required=True,
        default=u"run_once",
    )

    paused_until = schema.TextLine(
        title=_(u"label_paused_until", default=u"Paused until"),
        description=_(
            u"help_paused_until",
            default=u"Date and time in site time (YYYY-MM-DD HH:MM): the cron "
            u"does not run before then and resumes by itself. Leave empty "
            u"to resume now.",
        ),
        required=False,
        missing_value=u"",
    )

    timeout = schema.Int(
        title=_(u"label_timeout", default=u"Timeout (seconds)"),
        description=_(
            u"help_timeout",
            default=u"A run that takes longer is shown as overdue and its log "
            u"says so; runners that check should_stop() end early. It does not "
            u"kill the run. 0: no timeout.",
        ),
        required=False,
        default=0,
        min=0,
        max=7 * 24 * 3600,
    )

    attempts = schema.Int(
        title=_(u"label_attempts", default=u"Attempts"),
        description=_(
            u"help_attempts",
            default=u"How many times a run that fails (raises an error) is "
            u"tried in all: 1 is no retry, at most 10. Each attempt is logged "
            u"(attempt 2/3 …); the next scheduled run is never delayed, and a "
            u"retry that would come after it is dropped. Alerts wait for the "
            u"last attempt. Runs started by hand are not retried.",
        ),
        required=True,
        default=1,
        min=1,
        max=10,
    )

    retry_delay = schema.Int(
        title=_(u"label_retry_delay", default=u"First retry after (seconds)"),
        description=_(
            u"help_retry_delay",
            default=u"The pause before the second attempt (1 to 3600 s); it "
            u"doubles for each attempt after, give or take 10% at random, "
            u"and never exceeds 6 hours.",
        ),
        required=True,
        default=60,
        min=1,
        max=3600,
    )

    overlap = schema.Choice(
        title=_(
            u"label_overlap", default=u"When a run comes due during the previous one"
        ),
        description=_(
            u"help_overlap",
            default=u"Forbid (the default): the new run is not run and its "
            u"log says why. Queue one: one more run is remembered and starts "
            u"as soon as the running one ends; further ones are not run. "
            u"Allow: runs go on at the same time (the job must bear it). "
            u"Like Kubernetes' Forbid, Replace (without stopping the running "
            u"one) and Allow.",
        ),
        vocabulary=overlap_policies,
        required=True,
        default=u"forbid",
    )

    ping_start = schema.TextLine(
        title=_(u"label_ping_start", default=u"Ping URL: start"),
        description=_(
            u"help_ping_start",
            default=u"Called (HTTP POST) when a run starts, for a monitoring "
            u"service such as Healthchecks.io or Cronitor. Leave empty for none.",
        ),
        required=False,
        missing_value=u"",
        constraint=check_ping,
    )

    ping_success = schema.TextLine(
        title=_(u"label_ping_success", default=u"Ping URL: success"),
        description=_(
            u"help_ping_success",
            default=u"Called when a run ends OK or with warnings; the log "
            u"messages are sent as the body.",
        ),
        required=False,
        missing_value=u"",
        constraint=check_ping,
    )

    ping_fail = schema.TextLine(
        title=_(u"label_ping_fail", default=u"Ping URL: failure"),
        description=_(
            u"help_ping_fail",
            default=u"Called when a run fails (or finds no job runner).",
        ),
        required=False,
        missing_value=u"",
        constraint=check_ping,
    )
