# -*- coding: utf-8 -*-
"""One dict→Cron path (``builder.build_cron``) and its user rule, for every way in.

The user of a cron is a user id or a login, found by ``users.find_user``
(the rule the run uses): a login that differs from the id must be accepted
by the builder, the JSON import and crons.xml alike (the dashboard's form
and the REST API are tested in their own modules), and an unknown user must
be refused with an error that names the field ``user``.
"""
from collective.cron import exportimport
from collective.cron.builder import build_cron
from collective.cron.crontab import Crontab
from collective.cron.crontab import InvalidCron
from collective.cron.exportimport import CrontabImportError
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.users import find_user

import unittest

USER_ID = u"jane-id"
LOGIN = u"jane@example.org"


def add_user_with_login(site):
    """A user whose login (an e-mail) is not its id, as on e-mail-login sites."""
    site.acl_users.source_users.addUser(USER_ID, LOGIN, u"secret-Passw0rd")


class BuilderTestCase(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer[u"portal"]
        add_user_with_login(self.portal)
        self.assertEqual(find_user(self.portal, LOGIN).getId(), USER_ID)

    def values(self, **values):
        values.setdefault(u"uid", u"u1")
        values.setdefault(u"name", u"collective.cron.test.ok")
        values.setdefault(u"periodicity", u"@daily")
        return values


class TestBuildCron(BuilderTestCase):

    def test_login_is_accepted(self):
        cron = build_cron(self.values(user=LOGIN), site=self.portal)
        self.assertEqual(cron.user, LOGIN)

    def test_id_is_accepted(self):
        self.assertEqual(build_cron(self.values(user=USER_ID), site=self.portal).user, USER_ID)

    def test_unknown_user_names_the_field(self):
        with self.assertRaises(InvalidCron) as raised:
            build_cron(self.values(user=u"ghost"), site=self.portal)
        self.assertEqual(raised.exception.field, u"user")
        self.assertIn(u"ghost", str(raised.exception))

    def test_edit_keeps_what_is_not_given(self):
        cron = build_cron(self.values(description=u"kept"), site=self.portal)
        edited = build_cron({u"activated": False}, current=cron, site=self.portal)
        self.assertEqual((edited.uid, edited.description), (cron.uid, u"kept"))
        self.assertFalse(edited.activated)

    def test_model_errors_name_their_field(self):
        with self.assertRaises(InvalidCron) as raised:
            build_cron(self.values(periodicity=u"61 * * * *"), site=self.portal)
        self.assertEqual(raised.exception.field, u"periodicity")
        with self.assertRaises(InvalidCron) as raised:
            build_cron(self.values(uid=u"a/b"))
        self.assertEqual(raised.exception.field, u"uid")


class TestJsonImport(BuilderTestCase):

    def test_login_is_accepted(self):
        exportimport.import_crontab(self.portal, {u"crons": [self.values(user=LOGIN)]})
        self.assertEqual(Crontab.load(self.portal).crons[u"u1"].user, LOGIN)

    def test_unknown_user_names_the_field(self):
        with self.assertRaises(CrontabImportError) as raised:
            exportimport.import_crontab(
                self.portal, {u"crons": [self.values(user=u"ghost")]}
            )
        self.assertEqual(raised.exception.field, u"user")
        self.assertIn(u"ghost", str(raised.exception))
        self.assertEqual(list(Crontab.load(self.portal).crons), [])


class TestCronsXml(BuilderTestCase):

    def apply(self, user):
        body = (
            u'<crontab><cron uid="u1" name="collective.cron.test.ok" '
            u'periodicity="@daily" user="%s"/></crontab>' % user
        )
        return exportimport.apply_crons_xml(self.portal, body.encode(u"utf-8"))

    def test_login_is_accepted(self):
        self.apply(LOGIN)
        self.assertEqual(Crontab.load(self.portal).crons[u"u1"].user, LOGIN)

    def test_unknown_user_names_the_field(self):
        with self.assertRaises(CrontabImportError) as raised:
            self.apply(u"ghost")
        self.assertEqual(raised.exception.field, u"user")
        self.assertIn(u'<cron uid="u1">', str(raised.exception))
        self.assertIn(u"ghost", str(raised.exception))
        self.assertEqual(list(Crontab.load(self.portal).crons), [])
