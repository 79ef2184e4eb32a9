# -*- coding: utf-8 -*-
"""@crons: the listing, one cron, add, edit, delete and the global switch."""

from collective.cron import clock
from collective.cron import crontab as models
from collective.cron.crontab import Log
from collective.cron.interfaces import ILogStore
from collective.cron.interfaces import IModifiedCrontabEvent
from collective.cron.tests.test_restapi import PASSWORD
from collective.cron.tests.test_restapi import RestApiMixin
from zope.component import getGlobalSiteManager

import datetime
import pytz
import transaction
import unittest

NOW = datetime.datetime(2030, 1, 15, 10, 0, tzinfo=pytz.utc)


class SaveCounter(object):
    """Counts crontab saves (the server thread fires them too)."""

    def __init__(self, test):
        self.count = 0
        gsm = getGlobalSiteManager()
        gsm.registerHandler(self.saved, (IModifiedCrontabEvent,))
        test.addCleanup(gsm.unregisterHandler, self.saved, (IModifiedCrontabEvent,))

    def saved(self, event):
        self.count += 1


class TestListing(RestApiMixin, unittest.TestCase):
    def test_empty(self):
        response = self.api.get(u"@crons")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers[u"Content-Type"], u"application/json")
        data = response.json()
        self.assertEqual(data[u"@id"], self.crons_url)
        self.assertTrue(data[u"activated"])
        self.assertEqual(data[u"items"], [])
        self.assertEqual(data[u"items_total"], 0)
        self.assertNotIn(u"batching", data)
        self.assertEqual(
            sorted(data[u"engine"]),
            [
                u"available",
                u"engine",
                u"error",
                u"heartbeat",
                u"queue",
                u"reachable",
                u"worker",
            ],
        )

    def test_crons_with_next_run_and_last_status(self):
        clock.freeze(NOW)
        self.add_cron(uid=u"u1", periodicity=u"0 3 * * *", description=u"Nightly")
        self.add_cron(uid=u"u2", periodicity=u"@hourly", activated=False)
        ILogStore(self.portal).append(
            u"u1", Log(date=NOW - datetime.timedelta(hours=7), status=models.WARN)
        )
        transaction.commit()
        items = self.api.get(u"@crons").json()[u"items"]
        self.assertEqual([item[u"uid"] for item in items], [u"u1", u"u2"])
        first, second = items
        self.assertEqual(first[u"@id"], self.crons_url + u"/u1")
        self.assertEqual(first[u"name"], u"collective.cron.test.ok")
        self.assertEqual(first[u"description"], u"Nightly")
        self.assertEqual(first[u"periodicity"], u"0 3 * * *")
        self.assertTrue(first[u"schedule"])
        self.assertEqual(first[u"next"], u"2030-01-16T03:00:00+00:00")
        self.assertEqual(first[u"last_status"], u"WARN")
        self.assertEqual(first[u"last_run"], u"2030-01-15T03:00:00+00:00")
        self.assertTrue(first[u"active"])
        self.assertIsNone(second[u"next"])
        self.assertIsNone(second[u"last_status"])
        self.assertFalse(second[u"active"])

    def test_global_switch_off_means_no_next_run(self):
        self.add_cron(uid=u"u1")
        crontab = self.crontab()
        crontab.activated = False
        crontab.save()
        transaction.commit()
        data = self.api.get(u"@crons").json()
        self.assertFalse(data[u"activated"])
        self.assertIsNone(data[u"items"][0][u"next"])
        self.assertFalse(data[u"items"][0][u"active"])
        self.assertTrue(data[u"items"][0][u"activated"])

    def test_batching(self):
        for index in range(5):
            self.add_cron(uid=u"u%d" % index)
        data = self.api.get(u"@crons?b_size=2&b_start=2").json()
        self.assertEqual(data[u"items_total"], 5)
        self.assertEqual([item[u"uid"] for item in data[u"items"]], [u"u2", u"u3"])
        self.assertEqual(data[u"@id"], self.crons_url)
        batching = data[u"batching"]
        self.assertEqual(batching[u"@id"], self.crons_url + u"?b_size=2&b_start=2")
        self.assertEqual(batching[u"first"], self.crons_url + u"?b_start=0&b_size=2")
        self.assertEqual(batching[u"next"], self.crons_url + u"?b_start=4&b_size=2")
        self.assertEqual(batching[u"prev"], self.crons_url + u"?b_start=0&b_size=2")
        self.assertEqual(batching[u"last"], self.crons_url + u"?b_start=4&b_size=2")

    def test_engine_state_without_job_system(self):
        from collective.cron.interfaces import IQueueManager
        from Products.CMFPlone.interfaces import IPloneSiteRoot

        gsm = getGlobalSiteManager()
        gsm.registerAdapter(no_job_system, (IPloneSiteRoot,), IQueueManager)
        self.addCleanup(
            gsm.unregisterAdapter, no_job_system, (IPloneSiteRoot,), IQueueManager
        )
        engine = self.api.get(u"@crons").json()[u"engine"]
        self.assertFalse(engine[u"available"])
        self.assertFalse(engine[u"reachable"])
        self.assertIn(u"No job system", engine[u"error"])

    def test_engine_state_hides_the_queue_password(self):
        from collective.cron.interfaces import IQueueManager
        from Products.CMFPlone.interfaces import IPloneSiteRoot

        secret_url = u"redis://cron:s3cr3t@redis.example.org:6379/0"

        class SecretQueue(object):
            def __init__(self, site):
                self.site = site

            def state(self):
                return {
                    u"engine": u"huey",
                    u"queue": secret_url,
                    u"worker": False,
                    u"reachable": False,
                    u"error": u"Cannot connect to %s" % secret_url,
                    u"heartbeat": None,
                }

        gsm = getGlobalSiteManager()
        gsm.registerAdapter(SecretQueue, (IPloneSiteRoot,), IQueueManager)
        self.addCleanup(
            gsm.unregisterAdapter, SecretQueue, (IPloneSiteRoot,), IQueueManager
        )
        response = self.api.get(u"@crons")
        self.assertNotIn(u"s3cr3t", response.text)
        engine = response.json()[u"engine"]
        self.assertTrue(engine[u"available"])
        self.assertEqual(engine[u"queue"], u"redis://cron:***@redis.example.org:6379/0")
        self.assertEqual(
            engine[u"error"],
            u"Cannot connect to redis://cron:***@redis.example.org:6379/0",
        )


def no_job_system(site):
    return None


class TestGet(RestApiMixin, unittest.TestCase):
    def test_cron(self):
        clock.freeze(NOW)
        self.add_cron(
            uid=u"u1",
            periodicity=u"0 3 * * *",
            timezone=u"Europe/Paris",
            environ={u"days": 30},
            user=u"siteadmin",
            logs_limit=5,
        )
        for status in (models.OK, models.FAILURE):
            ILogStore(self.portal).append(
                u"u1", Log(date=NOW, status=status, messages=[u"m"])
            )
        transaction.commit()
        response = self.api.get(u"@crons/u1")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data[u"@id"], self.crons_url + u"/u1")
        self.assertEqual(data[u"environ"], {u"days": 30})
        self.assertEqual(data[u"user"], u"siteadmin")
        self.assertEqual(data[u"logs_limit"], 5)
        self.assertEqual(data[u"timezone"], u"Europe/Paris")
        self.assertEqual(data[u"effective_timezone"], u"Europe/Paris")
        self.assertEqual(data[u"missed"], u"run_once")
        self.assertTrue(data[u"has_runner"])
        # 03:00 in Paris is 02:00 UTC in winter
        self.assertEqual(data[u"next"], u"2030-01-16T02:00:00+00:00")
        self.assertEqual(len(data[u"next_runs"]), 5)
        self.assertEqual(data[u"next_runs"][1], u"2030-01-17T02:00:00+00:00")
        self.assertEqual(data[u"last_status"], u"FAILURE")
        self.assertEqual(data[u"last_log"][u"status"], u"FAILURE")
        self.assertEqual(data[u"last_log"][u"messages"], [u"m"])
        self.assertEqual(
            data[u"logs"], {u"@id": self.crons_url + u"/u1/logs", u"items_total": 2}
        )

    def test_cron_without_runner(self):
        self.add_cron(uid=u"u1", name=u"no.such.runner")
        data = self.api.get(u"@crons/u1").json()
        self.assertFalse(data[u"has_runner"])
        self.assertIsNone(data[u"last_log"])


class TestAdd(RestApiMixin, unittest.TestCase):
    def test_add(self):
        saves = SaveCounter(self)
        response = self.api.post(
            u"@crons",
            json={
                u"name": u"collective.cron.test.record",
                u"periodicity": u"*/15 * * * *",
                u"environ": {u"days": 30},
                u"description": u"Every quarter of an hour",
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        uid = data[u"uid"]
        self.assertEqual(response.headers[u"Location"], self.crons_url + u"/" + uid)
        self.assertEqual(data[u"@id"], self.crons_url + u"/" + uid)
        self.assertEqual(data[u"environ"], {u"days": 30})
        self.assertTrue(data[u"activated"])
        self.assertEqual(data[u"logs_limit"], models.DEFAULT_LOGS_LIMIT)
        cron = self.crontab().crons[uid]
        self.assertEqual(cron.periodicity, u"*/15 * * * *")
        self.assertEqual(cron.description, u"Every quarter of an hour")
        self.assertEqual(saves.count, 1)

    def test_add_with_uid_and_every_field(self):
        body = {
            u"uid": u"nightly",
            u"name": u"collective.cron.test.ok",
            u"activated": False,
            u"periodicity": u"@daily",
            u"timezone": u"Europe/Berlin",
            u"user": u"siteadmin",
            u"environ": {u"a": [1, 2]},
            u"logs_limit": 3,
            u"description": u"d",
            u"missed": u"skip",
            u"paused_until": u"2030-01-15T10:00:00+00:00",
            u"timeout": 600,
            u"attempts": 3,
            u"retry_delay": 30,
            u"overlap": u"allow",
            u"ping_start": u"https://hc-ping.com/uuid/start",
            u"ping_success": u"https://hc-ping.com/uuid",
            u"ping_fail": u"https://hc-ping.com/uuid/fail",
        }
        response = self.api.post(u"@crons", json=body)
        self.assertEqual(response.status_code, 201, response.text)
        dumped = self.crontab().crons[u"nightly"].dump(include_logs=False)
        self.assertEqual(dict(dumped), body)

    def test_a_get_answer_can_be_posted_back(self):
        self.add_cron(uid=u"u1")
        data = self.api.get(u"@crons/u1").json()
        data[u"uid"] = u"copy"
        response = self.api.post(u"@crons", json=data)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(list(self.crontab().crons), [u"u1", u"copy"])

    def assertRefused(self, body, field, status=400):
        saves = SaveCounter(self)
        before = self.crontab().dump()
        response = self.api.post(u"@crons", json=body)
        error = self.assertError(response, status, field=field)
        self.assertEqual(self.crontab().dump(), before)
        self.assertEqual(saves.count, 0)
        return error

    def test_bad_periodicity(self):
        error = self.assertRefused(
            {u"name": u"n", u"periodicity": u"61 * * * *"}, u"periodicity"
        )
        self.assertEqual(error[u"type"], u"BadRequest")
        self.assertIn(u"minute", error[u"message"])

    def test_bad_environ(self):
        error = self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"environ": u"{nope"}, u"environ"
        )
        self.assertIn(u"JSON", error[u"message"])
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"environ": [1, 2]}, u"environ"
        )

    def test_other_bad_values(self):
        self.assertRefused({u"periodicity": u"@daily"}, u"name")
        self.assertRefused({u"name": u"n"}, u"periodicity")
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"timezone": u"Mars/Base"},
            u"timezone",
        )
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"logs_limit": 0}, u"logs_limit"
        )
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"logs_limit": u"5"},
            u"logs_limit",
        )
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"activated": u"yes"},
            u"activated",
        )
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"missed": u"all"}, u"missed"
        )
        self.assertRefused({u"name": 3, u"periodicity": u"@daily"}, u"name")
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"uid": u"a/b"}, u"uid"
        )
        self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"uid": u"@export"}, u"uid"
        )

    def test_unknown_user(self):
        error = self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"user": u"ghost"}, u"user"
        )
        self.assertIn(u"ghost", error[u"message"])

    def test_login_of_a_user(self):
        # A login that is not the user's id: found as the run finds it.
        self.portal.acl_users.source_users.addUser(
            u"jane-id", u"jane@example.org", PASSWORD
        )
        transaction.commit()
        response = self.api.post(
            u"@crons",
            json={
                u"name": u"n",
                u"periodicity": u"@daily",
                u"user": u"jane@example.org",
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()[u"user"], u"jane@example.org")
        uid = response.json()[u"uid"]
        self.assertEqual(self.crontab().crons[uid].user, u"jane@example.org")
        response = self.api.patch(u"@crons/" + uid, json={u"user": u"jane-id"})
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(self.crontab().crons[uid].user, u"jane-id")

    def test_unknown_field(self):
        error = self.assertRefused(
            {u"name": u"n", u"periodicity": u"@daily", u"periodicty": u"@hourly"},
            u"periodicty",
        )
        self.assertIn(u"Unknown field", error[u"message"])

    def test_uid_taken(self):
        self.add_cron(uid=u"u1")
        error = self.assertRefused(
            {u"uid": u"u1", u"name": u"n", u"periodicity": u"@daily"},
            u"uid",
            status=409,
        )
        self.assertEqual(error[u"type"], u"Conflict")


class TestEdit(RestApiMixin, unittest.TestCase):
    def setUp(self):
        super(TestEdit, self).setUp()
        self.add_cron(uid=u"u1", periodicity=u"@daily", environ={u"a": 1})

    def test_edit(self):
        response = self.api.patch(
            u"@crons/u1", json={u"periodicity": u"0 4 * * 1-5", u"environ": {u"b": 2}}
        )
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.text, u"")
        cron = self.crontab().crons[u"u1"]
        self.assertEqual(cron.periodicity, u"0 4 * * 1-5")
        self.assertEqual(cron.environ, {u"b": 2})
        self.assertEqual(cron.name, u"collective.cron.test.ok")

    def test_edit_keeps_the_logs(self):
        ILogStore(self.portal).append(u"u1", Log(status=models.OK))
        transaction.commit()
        self.api.patch(u"@crons/u1", json={u"description": u"x"})
        transaction.begin()
        self.assertEqual(ILogStore(self.portal).count(u"u1"), 1)

    def test_representation(self):
        response = self.api.patch(
            u"@crons/u1",
            json={u"activated": False},
            headers={u"Prefer": u"return=representation"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.json()[u"activated"])
        self.assertIsNone(response.json()[u"next"])

    def test_nothing_changed_saves_nothing(self):
        saves = SaveCounter(self)
        response = self.api.patch(u"@crons/u1", json={u"periodicity": u"@daily"})
        self.assertEqual(response.status_code, 204)
        self.assertEqual(saves.count, 0)

    def assertRefused(self, body, field):
        saves = SaveCounter(self)
        response = self.api.patch(u"@crons/u1", json=body)
        self.assertError(response, 400, u"BadRequest", field)
        cron = self.crontab().crons[u"u1"]
        self.assertEqual(cron.periodicity, u"@daily")
        self.assertEqual(cron.environ, {u"a": 1})
        self.assertEqual(saves.count, 0)

    def test_bad_values_change_nothing(self):
        self.assertRefused({u"periodicity": u"0 25 * * *"}, u"periodicity")
        self.assertRefused({u"description": u"ok", u"environ": u"[1]"}, u"environ")
        self.assertRefused({u"user": u"ghost"}, u"user")
        self.assertRefused({u"uid": u"other"}, u"uid")
        self.assertRefused({u"name": u""}, u"name")


class TestDelete(RestApiMixin, unittest.TestCase):
    def test_delete(self):
        self.add_cron(uid=u"u1")
        self.add_cron(uid=u"u2")
        ILogStore(self.portal).append(u"u1", Log(status=models.OK))
        transaction.commit()
        response = self.api.delete(u"@crons/u1")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(list(self.crontab().crons), [u"u2"])
        self.assertEqual(ILogStore(self.portal).count(u"u1"), 0)


class TestSwitch(RestApiMixin, unittest.TestCase):
    def test_off_and_on(self):
        self.add_cron(uid=u"u1")
        response = self.api.patch(u"@crons", json={u"activated": False})
        self.assertEqual(response.status_code, 204)
        self.assertFalse(self.crontab().activated)
        response = self.api.patch(
            u"@crons",
            json={u"activated": True},
            headers={u"Prefer": u"return=representation"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()[u"activated"])
        self.assertEqual(response.json()[u"items"][0][u"uid"], u"u1")
        self.assertTrue(self.crontab().activated)

    def test_same_value_saves_nothing(self):
        saves = SaveCounter(self)
        self.assertEqual(
            self.api.patch(u"@crons", json={u"activated": True}).status_code, 204
        )
        self.assertEqual(saves.count, 0)

    def test_bad_bodies(self):
        for body, field in [
            ({}, u"activated"),
            ({u"activated": u"no"}, u"activated"),
            ({u"activated": False, u"crons": []}, u"crons"),
        ]:
            response = self.api.patch(u"@crons", json=body)
            self.assertError(response, 400, u"BadRequest", field)
        self.assertTrue(self.crontab().activated)
