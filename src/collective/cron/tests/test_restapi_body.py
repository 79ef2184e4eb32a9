# -*- coding: utf-8 -*-
"""Hostile bodies on every @crons write, over real HTTP: a 400 naming the
problem, nothing changed, never a 500.

JSON nested thousands of levels deep used to give a 500 (RecursionError)
before any service ran: plone.restapi's JWT plugin parses every JSON body
while the publisher authenticates (see ``collective.cron.restapi.body``).
"""

from collective.cron.builder import MAX_IMPORT_BYTES
from collective.cron.tests.test_restapi import RestApiMixin

import unittest

WRITES = (
    (u"post", u"@crons"),
    (u"post", u"@crons/@import"),
    (u"post", u"@crons/@import?mode=replace"),
    (u"post", u"@crons/u1/run"),
    (u"patch", u"@crons"),
    (u"patch", u"@crons/u1"),
    (u"delete", u"@crons/u1"),
    (u"delete", u"@crons/u1/logs"),
)


def nested(levels):
    """A cron whose parameters hold ``levels`` nested lists."""
    return (
        u'{"name": "x", "periodicity": "@daily", "environ": {"a": %s}}'
        % (u"[" * levels + u"]" * levels)
    ).encode("utf-8")


class TestHostileBodies(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestHostileBodies, self).setUp()
        self.add_cron(uid=u"u1")
        self.before = self.crontab().dump()

    def assertUnchanged(self):
        self.assertEqual(self.crontab().dump(), self.before)

    def test_deep_json_is_a_400_on_every_write(self):
        for levels in (40, 5000, 200000):
            for method, url in WRITES:
                response = getattr(self.api, method)(url, data=nested(levels))
                error = self.assertError(response, 400, u"BadRequest")
                self.assertIn(u"nested too deeply", error[u"message"], (method, url))
                self.assertIn(u"32", error[u"message"])
        self.assertUnchanged()

    def test_deep_json_in_a_string_is_not_nesting(self):
        text = u"[{" * 500
        body = (
            u'{"name": "x", "periodicity": "@daily", "description": "%s"}' % text
        ).encode("utf-8")
        response = self.api.post(u"@crons", data=body)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()[u"description"], text)

    def test_too_large_is_a_400(self):
        body = b'{"name": "' + b"x" * (MAX_IMPORT_BYTES + 10) + b'"}'
        for method, url in ((u"post", u"@crons"), (u"post", u"@crons/@import")):
            response = getattr(self.api, method)(url, data=body)
            error = self.assertError(response, 400, u"BadRequest")
            self.assertIn(u"too large", error[u"message"])
        self.assertUnchanged()

    def test_deep_json_from_anonymous_is_still_a_401(self):
        response = self.session().post(u"@crons", data=nested(5000))
        self.assertEqual(response.status_code, 401, response.text)
        self.assertUnchanged()

    def test_deep_json_from_a_member_is_still_refused(self):
        response = self.session(u"member").post(u"@crons", data=nested(5000))
        self.assertIn(response.status_code, (401, 403), response.text)
        self.assertUnchanged()
