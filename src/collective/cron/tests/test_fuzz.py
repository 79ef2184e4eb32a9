# -*- coding: utf-8 -*-
"""Fuzzing with hypothesis (issue 10, point 11): random periodicities, time
zones, parameters, JSON imports and crons.xml files through the public
functions (``periodicity.validate``, ``builder.build_cron``,
``exportimport``) and through REST over real HTTP.

The property everywhere: either the input is accepted, or it is refused
with a clear error (``ValueError`` / ``InvalidCron`` naming its field, a
4xx with a message over REST) -- never another exception, never a 500, and
a refused input changes nothing.

Examples per property: ``COLLECTIVE_CRON_FUZZ_EXAMPLES`` (200 by default,
so that the suite stays quick; the fault suite sets 10000).  hypothesis is
a test dependency on Python 3 (setup.py's ``test`` extra); it is not
installed on Python 2.7, where this module holds only one skipped test.
"""

from collective.cron.compat import PY2
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.tests.test_restapi import RestApiMixin

import json
import os
import unittest

try:
    from hypothesis import given
    from hypothesis import HealthCheck
    from hypothesis import settings
    from hypothesis import strategies as st
except ImportError:
    if not PY2:  # a test dependency on Python 3: its absence is an error
        raise
    st = None

EXAMPLES = int(os.environ.get("COLLECTIVE_CRON_FUZZ_EXAMPLES") or 200)


if st is None:

    class TestFuzz(unittest.TestCase):
        @unittest.skip("hypothesis is not installed on Python 2.7")
        def test_fuzz(self):
            pass  # pragma: no cover

else:
    from collective.cron import periodicity
    from collective.cron.builder import build_cron
    from collective.cron.builder import FIELDS
    from collective.cron.exportimport import import_crontab
    from collective.cron.exportimport.xmlfile import apply_crons_xml

    import pytz
    import transaction

    FUZZ = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )

    # Texts close to what a periodicity holds, and anything at all.
    CRON_CHARS = u"0123456789*/,-@ LW#?abcdefghijklmnopqrstuvwxyzJFMASOND\t\n\x00\xe9"
    cron_text = st.one_of(
        st.lists(st.text(alphabet=CRON_CHARS, max_size=8), min_size=0, max_size=7).map(
            u" ".join
        ),
        st.sampled_from(
            [u"@daily", u"@hourly", u"@weekly", u"@reboot", u"@every", u"* * * * *"]
        ),
        st.text(max_size=40),
        st.text(alphabet=u"9", min_size=400, max_size=800),
    )
    timezone = st.one_of(
        st.sampled_from(sorted(pytz.all_timezones)[::20]),
        st.text(max_size=40),
        st.none(),
    )
    json_scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
    )
    json_value = st.recursive(
        json_scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=10), inner, max_size=4),
        ),
        max_leaves=40,
    )

    def nest(levels):
        value = []
        for _ in range(levels):
            value = [value]
        return value

    # Around and over the nesting limit (32); far deeper bodies are in
    # test_restapi_body (json.dumps itself recurses).
    deep = st.integers(min_value=28, max_value=200).map(nest)
    field_value = {
        "uid": st.one_of(st.text(max_size=120), json_scalar),
        "name": st.one_of(
            st.just(u"collective.cron.test.ok"), st.text(max_size=300), json_scalar
        ),
        "activated": st.one_of(st.booleans(), json_scalar),
        "periodicity": st.one_of(cron_text, json_scalar),
        "timezone": st.one_of(timezone, json_scalar),
        "user": st.one_of(st.just(u""), st.text(max_size=30), json_scalar),
        "environ": st.one_of(
            st.dictionaries(st.text(max_size=20), json_value, max_size=6),
            json_value,
            deep.map(lambda value: {u"a": value}),
        ),
        "logs_limit": st.one_of(st.integers(), json_scalar),
        "description": st.one_of(st.text(max_size=100), json_scalar),
        "missed": st.one_of(st.sampled_from([u"run_once", u"skip"]), json_scalar),
    }
    cron_data = st.fixed_dictionaries(
        {},
        optional=dict(
            (name, strategy) for name, strategy in field_value.items() if name != "uid"
        ),
    )

    def valid_base():
        return {u"name": u"collective.cron.test.ok", u"periodicity": u"@daily"}

    def assertClearError(test, error):
        """A refusal says what and, for a cron field, which one."""
        test.assertIsInstance(error, ValueError)
        test.assertTrue(u"%s" % (error,))
        field = getattr(error, "field", None)
        if field is not None:
            test.assertTrue(u"%s" % (field,))

    class TestPeriodicity(unittest.TestCase):
        """``periodicity.validate``: a normal form that is stable, or a
        ``ValueError`` with a message."""

        @FUZZ
        @given(cron_text)
        def test_validate(self, text):
            try:
                normal = periodicity.validate(text)
            except ValueError as error:
                assertClearError(self, error)
                return
            self.assertEqual(periodicity.validate(normal), normal)

    class TestBuilder(unittest.TestCase):
        """``build_cron`` (no site): a cron, or ``InvalidCron`` naming one
        of the fields."""

        @FUZZ
        @given(cron_data)
        def test_build(self, data):
            values = valid_base()
            values.update(data)
            try:
                cron = build_cron(values)
            except InvalidCron as error:
                assertClearError(self, error)
                self.assertIn(error.field, FIELDS + ("environ",), error)
                return
            # what was built loads back the same
            again = build_cron(dict(cron.dump(include_logs=False)))
            self.assertEqual(again, cron)

    class SiteFuzz(unittest.TestCase):
        layer = COLLECTIVE_CRON_INTEGRATION_TESTING

        def setUp(self):
            self.portal = self.layer["portal"]

        def state(self):
            return json.dumps(Crontab.load(self.portal).dump(), sort_keys=True)

        def assertRefusedChangesNothing(self, apply):
            before = self.state()
            try:
                apply()
            except InvalidCron as error:
                assertClearError(self, error)
                self.assertEqual(self.state(), before)

    class TestJsonImport(SiteFuzz):
        """``import_crontab`` with random files, in both modes."""

        @FUZZ
        @given(
            st.one_of(
                st.fixed_dictionaries(
                    {"crons": st.lists(cron_data, max_size=4)},
                    optional={"activated": json_scalar},
                ),
                st.fixed_dictionaries(
                    {
                        "crons": st.lists(
                            st.fixed_dictionaries(
                                {"uid": field_value["uid"]},
                                optional=dict(
                                    (name, value)
                                    for name, value in field_value.items()
                                    if name != "uid"
                                ),
                            ),
                            max_size=4,
                        )
                    }
                ),
                json_value,
            ),
            st.sampled_from([u"merge", u"replace", u"other"]),
        )
        def test_import(self, data, mode):
            self.assertRefusedChangesNothing(
                lambda: import_crontab(self.portal, data, mode=mode, editor=None)
            )

    xml_attribute = st.one_of(
        st.text(alphabet=u"abcxyz<>&\"' \xe9\x01", max_size=12),
        st.sampled_from([u"true", u"false", u"@daily", u"* * * * *", u"u1"]),
    )
    xml_cron = st.builds(
        lambda uid, items, text: u'<cron uid="%s" %s>%s</cron>'
        % (
            uid,
            u" ".join(u'%s="%s"' % (name, value) for name, value in items),
            text,
        ),
        xml_attribute,
        st.lists(
            st.tuples(st.sampled_from(list(FIELDS) + [u"remove", u"x"]), xml_attribute),
            max_size=5,
        ),
        st.one_of(
            st.just(u""),
            st.builds(
                lambda name, value: u"<%s>%s</%s>" % (name, value, name),
                st.sampled_from([u"environ", u"description", u"param"]),
                xml_attribute,
            ),
        ),
    )
    crons_xml = st.one_of(
        st.lists(xml_cron, max_size=4).map(
            lambda crons: u'<?xml version="1.0"?><crontab>%s</crontab>'
            % u"".join(crons)
        ),
        st.text(max_size=200),
        st.binary(max_size=200),
    )

    class TestCronsXml(SiteFuzz):
        """``apply_crons_xml`` with random crons.xml texts."""

        @FUZZ
        @given(crons_xml)
        def test_apply(self, body):
            self.assertRefusedChangesNothing(
                lambda: apply_crons_xml(self.portal, body, editor=None)
            )

    class TestRest(RestApiMixin, unittest.TestCase):
        """POST @crons, PATCH @crons/<uid> and POST @crons/@import over real
        HTTP: 2xx, or a 4xx with a message and nothing changed; never 5xx."""

        def setUp(self):
            super(TestRest, self).setUp()
            self.add_cron(uid=u"u1")

        def state(self):
            return json.dumps(self.crontab().dump(), sort_keys=True)

        def check(self, response, before):
            self.assertLess(response.status_code, 500, response.text)
            if response.status_code >= 400:
                error = response.json()[u"error"]
                self.assertTrue(error[u"message"])
                self.assertEqual(self.state(), before)

        @FUZZ
        @given(cron_data, st.sampled_from([u"post", u"patch", u"import"]))
        def test_writes(self, data, how):
            before = self.state()
            if how == u"post":
                values = valid_base()
                values.update(data)
                response = self.api.post(u"@crons", data=json.dumps(values))
            elif how == u"patch":
                response = self.api.patch(u"@crons/u1", data=json.dumps(data))
            else:
                body = json.dumps({u"crons": [dict(data, uid=u"u2")]})
                response = self.api.post(u"@crons/@import", data=body)
            self.check(response, before)

        # Bodies go as bytes: ``requests`` 2.31 counts a text body's
        # Content-Length in characters while urllib3 sends it as UTF-8, so
        # the tail of a non-ASCII one would be read as the start of the
        # next request (a garbage method, which Zope answers with a 500
        # before any service runs).
        @FUZZ
        @given(
            st.one_of(
                st.text(max_size=200).map(lambda text: text.encode("utf-8")),
                st.binary(max_size=200),
            )
        )
        def test_any_body(self, body):
            before = self.state()
            response = self.api.post(u"@crons", data=body)
            self.check(response, before)
            transaction.begin()
