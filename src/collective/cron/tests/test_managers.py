# -*- coding: utf-8 -*-
"""The crontab manager, the cron manager and the queue manager lookup.

The managers talk to the site's real job system (huey on an SQLite file on
Python 3, zc.async on Python 2.7) through ``IQueueManager``; jobs of queues
outside the ZODB appear once the transaction commits, so this is a
committing (functional) layer.
"""

from collective.cron import clock
from collective.cron.cronmanager import CronManager
from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import ICrontabManager
from collective.cron.interfaces import IQueueManager
from collective.cron.queue import mask_secrets
from collective.cron.queue import NoJobSystem
from collective.cron.queue import public_state
from collective.cron.queue import queue_for
from collective.cron.queue import queue_manager
from collective.cron.queue import UnavailableQueueManager
from collective.cron.state import get_state
from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
from collective.cron.testing import COLLECTIVE_CRON_INTEGRATION_TESTING
from collective.cron.testing import set_environment
from collective.cron.testing import without_adapter
from Products.CMFCore.interfaces import ISiteRoot
from zope.component import getMultiAdapter

import transaction
import unittest

FAR = u"0 0 1 1 *"


class TestManagers(unittest.TestCase):

    layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]
        self.queue = IQueueManager(self.portal)

    def save(self, *crons):
        crontab = Crontab.load(self.portal)
        for cron in crons:
            crontab.save_cron(cron)
        transaction.commit()
        return crontab

    def jobs(self, cron, trigger=None):
        return [
            job
            for job in self.queue.jobs(cron.uid)
            if trigger is None or job["trigger"] == trigger
        ]

    def test_adapters_are_the_core_managers(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        crontab = Crontab.load(self.portal)
        self.assertIsInstance(
            getMultiAdapter((self.portal, cron), ICronManager), CronManager
        )
        self.assertEqual(
            type(getMultiAdapter((self.portal, crontab), ICrontabManager)).__name__,
            "CrontabManager",
        )

    def test_saving_an_active_cron_queues_its_next_occurrence_once(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=u"*/5 * * * *")
        crontab = self.save(cron)
        jobs = self.jobs(cron)
        self.assertEqual([job["scheduled"] for job in jobs], [cron.next])
        self.assertEqual(get_state(self.portal, cron.uid).expected, cron.next)
        # saving again keeps the one job
        crontab.save()
        transaction.commit()
        self.assertEqual([job["id"] for job in self.jobs(cron)], [jobs[0]["id"]])

    def test_turning_a_cron_off_removes_its_scheduled_jobs_not_manual_runs(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        crontab = self.save(cron)
        CronManager(self.portal, cron).run_now()
        transaction.commit()
        cron.activated = False
        crontab.save_cron(cron)
        transaction.commit()
        self.assertEqual([job["trigger"] for job in self.jobs(cron)], [u"manual"])
        self.assertIsNone(get_state(self.portal, cron.uid).expected)

    def test_deleting_a_cron_removes_all_its_jobs(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        crontab = self.save(cron)
        CronManager(self.portal, cron).run_now()
        transaction.commit()
        self.assertEqual(len(self.jobs(cron)), 2)
        del crontab.crons[cron.uid]
        crontab.save()
        transaction.commit()
        self.assertEqual(self.jobs(cron), [])

    def test_run_now_queues_a_manual_run_and_keeps_the_schedule(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        self.save(cron)
        before = clock.now()
        job_id = CronManager(self.portal, cron).run_now()
        transaction.commit()
        self.assertTrue(job_id)
        [manual] = self.jobs(cron, u"manual")
        self.assertEqual(manual["id"], job_id)
        self.assertGreaterEqual(manual["when"], before.replace(microsecond=0))
        self.assertEqual(
            [job["scheduled"] for job in self.jobs(cron, u"schedule")], [cron.next]
        )

    def test_register_job_with_force_replaces_the_queued_job(self):
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        self.save(cron)
        [first] = self.jobs(cron)
        CronManager(self.portal, cron).register_job(force=True)
        transaction.commit()
        [second] = self.jobs(cron)
        self.assertEqual(second["scheduled"], first["scheduled"])


class TestQueueLookup(unittest.TestCase):

    layer = COLLECTIVE_CRON_INTEGRATION_TESTING

    def setUp(self):
        self.portal = self.layer["portal"]

    def test_without_job_system_a_clear_error_and_the_crontab_is_saved(self):
        without_adapter(self, queue_manager, (ISiteRoot,), IQueueManager)
        with self.assertRaises(NoJobSystem) as raised:
            queue_for(self.portal)
        self.assertIn(u"no job system is available", u"%s" % (raised.exception,))
        cron = Cron(name=u"collective.cron.test.ok", periodicity=FAR)
        Crontab.load(self.portal).save_cron(cron)  # the subscriber only logs
        self.assertIn(cron.uid, Crontab.load(self.portal).crons)

    def test_a_configuration_that_cannot_work_gives_an_unavailable_queue(self):
        set_environment(self, COLLECTIVE_CRON_ENGINE="no-such-engine")
        queue = queue_for(self.portal)
        self.assertIsInstance(queue, UnavailableQueueManager)
        self.assertIsNone(queue.register_job(u"uid", clock.now()))
        state = queue.state()
        self.assertFalse(state["reachable"])
        self.assertIn(u"no-such-engine", state["error"])

    def test_the_state_of_an_unavailable_queue_hides_a_password(self):
        # an address whose host is missing: the error quotes the address
        set_environment(
            self,
            COLLECTIVE_CRON_ENGINE="huey",
            COLLECTIVE_CRON_QUEUE="redis://:s3cret@/0",
        )
        state = queue_for(self.portal).state()
        self.assertIn(u"redis://:***@/0", state["error"])
        self.assertNotIn(u"s3cret", u"%s" % (state,))


class TestMaskSecrets(unittest.TestCase):

    def test_passwords_in_addresses_and_texts(self):
        self.assertEqual(
            mask_secrets(u"redis://:pw@host:6379/0"), u"redis://:***@host:6379/0"
        )
        self.assertEqual(
            mask_secrets(u"redis://user:pw@host/0"), u"redis://user:***@host/0"
        )
        self.assertEqual(mask_secrets(u"redis://pw@host/0"), u"redis://***@host/0")
        self.assertEqual(
            mask_secrets(u"Error connecting to rediss://:p@ss@h:1/2: refused"),
            u"Error connecting to rediss://:***@h:1/2: refused",
        )
        self.assertEqual(
            mask_secrets(u"redis://host/0?password=pw&x=1"),
            u"redis://host/0?password=***&x=1",
        )
        self.assertEqual(mask_secrets(b"redis://:pw@h/0"), u"redis://:***@h/0")
        self.assertIsNone(mask_secrets(None))

    def test_addresses_without_secret_stay(self):
        for text in (
            u"sqlite:////var/queue.sqlite",
            u"redis://localhost:6379/0",
            u"mail me at someone@example.org",
        ):
            self.assertEqual(mask_secrets(text), text)

    def test_public_state_masks_queue_and_error(self):
        state = public_state(
            {
                "engine": "huey",
                "queue": "redis://:pw@h/0",
                "error": "cannot reach redis://:pw@h/0",
                "heartbeat": None,
            }
        )
        self.assertEqual(state["queue"], u"redis://:***@h/0")
        self.assertEqual(state["error"], u"cannot reach redis://:***@h/0")
        self.assertEqual(state["engine"], "huey")
