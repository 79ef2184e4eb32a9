# -*- coding: utf-8 -*-
"""What the ``@crons`` services share: path parameters, look-ups, errors.

Each HTTP method is one ``Service`` subclass that lists its routes: the
path segments after ``@crons`` (a literal like ``"logs"``, or ``UID`` for a
cron's uid) and the method that answers.  Expected failures are raised as
``ServiceError`` (or ``InvalidCron`` for bad input) and answered in
plone.restapi's error format::

    {"error": {"type": "BadRequest", "message": "...", "field": "periodicity"}}
"""

from collective.cron.builder import check_depth
from collective.cron.builder import check_size
from collective.cron.builder import check_types
from collective.cron.builder import FIELDS
from collective.cron.compat import as_text
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.restapi.body import body_error
from collective.cron.restapi.serializers import crons_url
from plone.restapi.deserializer import json_body
from plone.restapi.exceptions import DeserializationError
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.interfaces import ISerializeToJsonSummary
from plone.restapi.services import Service
from zope.component import getMultiAdapter
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import plone.protect.interfaces

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")

UID = object()  # a route segment that is a cron's uid

# Keys of GET answers that a client may send back in a POST or PATCH: they
# are ignored, so that "GET, change a value, PATCH it all" works.
READ_ONLY_KEYS = (
    "active",
    "paused",
    "overdue",
    "schedule",
    "next",
    "next_runs",
    "last_status",
    "last_run",
    "last_log",
    "logs",
    "has_runner",
    "effective_timezone",
    "history",
    "audit",
)


class ServiceError(Exception):
    """An answer other than success, in plone.restapi's error format."""

    def __init__(self, status, type_, message, **extra):
        super(ServiceError, self).__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.extra = extra


@implementer(IPublishTraverse)
class CronsService(Service):
    """Base of the ``@crons`` services (one subclass per HTTP method)."""

    # ((segment, ...), method name); the first matching route answers.
    routes = ()

    def __init__(self, context, request):
        super(CronsService, self).__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self

    # -- dispatching -----------------------------------------------------

    def match(self):
        for pattern, method in self.routes:
            if len(pattern) != len(self.params):
                continue
            uids = []
            for expected, given in zip(pattern, self.params):
                if expected is UID:
                    uids.append(given)
                elif expected != given:
                    break
            else:
                return getattr(self, method), uids
        return None, None

    def reply(self):
        handler, arguments = self.match()
        try:
            self.check_content_type()
            refused = body_error(self.request)
            if refused is not None:
                # too large or too deep for the publisher (restapi/body.py)
                raise refused
            if handler is None:
                raise ServiceError(
                    404,
                    "NotFound",
                    "No such resource: %s"
                    % "/".join(["@crons"] + [as_text(p) for p in self.params]),
                )
            return handler(*arguments)
        except ServiceError as error:
            return self.error(error.status, error.type, error.message, **error.extra)
        except InvalidCron as error:
            extra = {}
            for name in ("field", "position", "uid"):
                value = getattr(error, name, None)
                if value is not None:
                    extra[name] = value
            return self.error(400, "BadRequest", as_text(error), **extra)
        except DeserializationError as error:
            return self.error(400, "DeserializationError", as_text(error))

    def error(self, status, type_, message, **extra):
        self.request.response.setStatus(status)
        data = {"type": type_, "message": message}
        data.update(extra)
        return {"error": data}

    # -- helpers ---------------------------------------------------------

    def crontab(self):
        return Crontab.load(self.context)

    def cron(self, crontab, uid):
        cron = crontab.crons.get(uid)
        if cron is None:
            raise ServiceError(
                404,
                "NotFound",
                "No cron with uid '%s' in this crontab (GET %s lists them)"
                % (uid, crons_url(self.context)),
            )
        return cron

    def serialize(self, obj, summary=False):
        interface = ISerializeToJsonSummary if summary else ISerializeToJson
        return getMultiAdapter((obj, self.request), interface)()

    def check_content_type(self):
        """Writes need ``Content-Type: application/json`` (415 otherwise).

        A cross-site HTML form can only send form encodings or text/plain:
        requiring JSON keeps a forged POST from a browser with a session
        cookie from changing crons (plone.protect's token is off for REST).
        """
        method = self.request.get("REQUEST_METHOD", "GET").upper()
        if method not in WRITE_METHODS:
            return
        content_type = (self.request.getHeader("Content-Type") or "").lower()
        if content_type.split(";")[0].strip() != "application/json":
            raise ServiceError(
                415,
                "UnsupportedMediaType",
                "%s needs the header Content-Type: application/json (got %s)"
                % (method, as_text(content_type) or "none"),
            )

    def raw_body(self):
        """The request body as bytes, refused over ``MAX_IMPORT_BYTES``."""
        body = self.request.get("BODY") or b""
        if not isinstance(body, bytes):
            body = as_text(body).encode("utf-8")
        check_size(len(body))
        return body

    def body(self):
        """The JSON body, a dict (``DeserializationError`` otherwise).

        Too large (``MAX_IMPORT_BYTES``) or too deeply nested
        (``MAX_JSON_DEPTH``) bodies are refused before parsing, by
        ``restapi.body`` before the publisher authenticates (plone.restapi's
        JWT plugin parses JSON bodies then) and here again.
        """
        body = self.raw_body()
        check_depth(body)
        return json_body(self.request)

    def cron_fields(self, data):
        """The fields of a cron in a request body, checked.

        Keys of a GET answer that cannot be set are ignored; other unknown
        keys are refused (a typo should not be silently dropped).
        """
        values = {}
        for key, value in data.items():
            if key.startswith("@") or key in READ_ONLY_KEYS:
                continue
            if key not in FIELDS:
                raise InvalidCron(
                    "Unknown field '%s': a cron has %s" % (key, ", ".join(FIELDS)),
                    key,
                )
            values[key] = value
        check_types(values)
        return values

    def disable_csrf(self):
        # Writes through the REST API authenticate with a header, not a
        # cookie form: plone.restapi's own write services do the same.
        if "IDisableCSRFProtection" in dir(plone.protect.interfaces):
            alsoProvides(self.request, plone.protect.interfaces.IDisableCSRFProtection)

    def prefers_representation(self):
        return self.request.getHeader("Prefer") == "return=representation"
