# -*- coding: utf-8 -*-
"""Refuse a too large or too deeply nested body of an ``@crons`` write
before anything parses it.

plone.restapi's JWT plugin (``plone.restapi.pas.plugin``) parses every
``application/json`` body while the publisher authenticates the request,
before any service is looked up; JSON nested a few thousand levels deep then
raises ``RecursionError`` there, and the client gets a 500.  On ``IPubStart``
(before traversal and authentication) the body of an ``@crons`` write is
checked with the builder's limits (``MAX_IMPORT_BYTES``, ``MAX_JSON_DEPTH``),
without parsing it.  A refused body is replaced by ``{}`` and the reason is
kept in the request: the service, once the user is authorised, answers 400
in its usual error format (``CronsService.body``); an anonymous request still
gets 401.
"""

from collective.cron.builder import check_depth
from collective.cron.builder import check_size
from collective.cron.builder import MAX_IMPORT_BYTES
from collective.cron.crontab import InvalidCron

import io

# Key, in ``request.other``, of the ``InvalidCron`` of a refused body.
BODY_ERROR = "collective.cron.body_error"

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def is_crons_write(request):
    environ = request.environ
    if environ.get("REQUEST_METHOD", "GET").upper() not in WRITE_METHODS:
        return False
    return "@crons" in (environ.get("PATH_INFO") or "").split("/")


def check_body(event):
    """``IPubStart`` subscriber: check an ``@crons`` write's body unparsed."""
    request = event.request
    if not is_crons_write(request):
        return
    stdin = getattr(request, "stdin", None)
    try:
        start = stdin.tell()
        body = stdin.read(MAX_IMPORT_BYTES + 1)
        stdin.seek(start)
    except (AttributeError, IOError, ValueError):
        return  # no body, or one that cannot be read twice: left as it is
    try:
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        check_size(max(len(body), length))
        check_depth(body)
    except InvalidCron as error:
        request.other[BODY_ERROR] = error
        request.stdin = io.BytesIO(b"{}")
        request.environ["CONTENT_LENGTH"] = "2"


def body_error(request):
    """The ``InvalidCron`` of a body refused by ``check_body``, or None."""
    return request.other.get(BODY_ERROR)
