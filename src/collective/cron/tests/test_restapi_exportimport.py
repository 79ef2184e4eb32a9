# -*- coding: utf-8 -*-
"""GET @crons/@export and POST @crons/@import: the whole crontab as JSON."""

from collective.cron import crontab as models
from collective.cron.crontab import Log
from collective.cron.interfaces import ILogStore
from collective.cron.tests.test_restapi import RestApiMixin

import transaction
import unittest


class TestExportImport(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestExportImport, self).setUp()
        self.add_cron(uid=u"a", environ={u"x": 1})
        self.add_cron(uid=u"b", periodicity=u"@hourly")
        ILogStore(self.portal).append(u"a", Log(status=models.OK))
        transaction.commit()

    def test_export(self):
        response = self.api.get(u"@crons/@export")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(sorted(data), [u"activated", u"crons"])
        self.assertEqual([cron[u"uid"] for cron in data[u"crons"]], [u"a", u"b"])
        self.assertEqual(data[u"crons"][0][u"environ"], {u"x": 1})
        self.assertNotIn(u"logs", data[u"crons"][0])

    def test_export_then_import_changes_nothing(self):
        exported = self.api.get(u"@crons/@export").json()
        response = self.api.post(u"@crons/@import", json=exported)
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        self.assertEqual(data[u"unchanged"], [u"a", u"b"])
        self.assertFalse(data[u"saved"])
        self.assertEqual(data[u"mode"], u"merge")

    def test_replace(self):
        exported = self.api.get(u"@crons/@export").json()
        exported[u"crons"] = [
            dict(exported[u"crons"][0], periodicity=u"@weekly"),
            {
                u"uid": u"c",
                u"name": u"collective.cron.test.ok",
                u"periodicity": u"@daily",
            },
        ]
        exported[u"activated"] = False
        response = self.api.post(u"@crons/@import?mode=replace", json=exported)
        self.assertEqual(response.status_code, 200, response.text)
        data = response.json()
        self.assertEqual(
            (data[u"added"], data[u"updated"], data[u"removed"], data[u"unchanged"]),
            ([u"c"], [u"a"], [u"b"], []),
        )
        self.assertTrue(data[u"saved"])
        self.assertFalse(data[u"activated"])
        crontab = self.crontab()
        self.assertEqual(list(crontab.crons), [u"a", u"c"])
        self.assertEqual(crontab.crons[u"a"].periodicity, u"@weekly")
        self.assertFalse(crontab.activated)
        self.assertEqual(ILogStore(self.portal).count(u"a"), 1)

    def test_merge(self):
        body = {u"crons": [{u"uid": u"c", u"name": u"n", u"periodicity": u"@daily"}]}
        response = self.api.post(u"@crons/@import?mode=merge", json=body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()[u"mode"], u"merge")
        self.assertEqual(list(self.crontab().crons), [u"a", u"b", u"c"])

    def test_invalid_file_changes_nothing(self):
        body = {
            u"activated": False,
            u"crons": [
                {u"uid": u"c", u"name": u"n", u"periodicity": u"@daily"},
                {
                    u"uid": u"d",
                    u"name": u"n",
                    u"periodicity": u"@daily",
                    u"environ": u"{x",
                },
            ],
        }
        response = self.api.post(u"@crons/@import", json=body)
        error = self.assertError(response, 400, u"BadRequest", u"environ")
        self.assertEqual(error[u"position"], 2)
        self.assertEqual(error[u"uid"], u"d")
        self.assertIn(u"#2 (uid d)", error[u"message"])
        crontab = self.crontab()
        self.assertEqual(list(crontab.crons), [u"a", u"b"])
        self.assertTrue(crontab.activated)

    def test_bad_mode(self):
        response = self.api.post(u"@crons/@import?mode=append", json={u"crons": []})
        self.assertError(response, 400, u"BadRequest", u"mode")
        self.assertEqual(list(self.crontab().crons), [u"a", u"b"])
