# py3-only: huey has no release for Python 2.7.
# -*- coding: utf-8 -*-
"""One cron's jobs are listed without reading the whole queue (``jobindex``).

On the real huey queues (SQLite, and a real redis-server): what
``jobs(uid)`` gives must be what the whole queue holds for that cron after
saves, edits, deletions, manual runs and runs by a worker; listing one
cron reads no task; a forged entry is never unpickled; the reconciler
adds the entries of tasks queued before the index and drops those of
tasks that were lost.
"""

from collective.cron.crontab import Cron
from collective.cron.crontab import Crontab
from collective.cron.interfaces import ICronManager
from collective.cron.interfaces import IQueueManager
from collective.cron.testing import huey_available
from collective.cron.testing import wait_for
from zope.component import getMultiAdapter

import os
import pickle
import shutil
import tempfile
import time
import transaction
import unittest

FAR = u"0 0 1 1 *"


class CreatesAFile(object):
    """Unpickling this creates the file at ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


class JobIndexTests(object):
    def setUp(self):
        from collective.cron.engines.huey.storage import get_huey

        self.portal = self.layer["portal"]
        self.huey = get_huey()
        self.site_path = "/".join(self.portal.getPhysicalPath())
        crontab = Crontab.load(self.portal)
        for number in range(12):
            crontab.add_cron(
                Cron(
                    uid=u"cron-%02d-café" % number,
                    name=u"collective.cron.test.ok",
                    periodicity=FAR if number % 2 else u"*/5 * * * *",
                )
            )
        crontab.save()
        transaction.commit()

    def tearDown(self):
        from collective.cron.engines import huey as engine

        engine.stop_worker(graceful=True)

    def queue(self):
        return IQueueManager(self.portal)

    def assertIndexMatchesQueue(self):
        """Every cron's listing equals the whole queue's jobs of that cron."""
        queue = self.queue()
        whole = queue.jobs()
        uids = set(job["uid"] for job in whole) | set(
            Crontab.load(self.portal).crons.keys()
        )
        for uid in uids:
            expected = [job for job in whole if job["uid"] == uid]
            self.assertEqual(self.queue().jobs(uid), expected, uid)
        return whole

    def test_saves_edits_deletions_and_manual_runs(self):
        whole = self.assertIndexMatchesQueue()
        self.assertEqual(len(whole), 12)
        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"cron-03-café"]
        cron.periodicity = u"0 3 * * *"
        crontab.save_cron(cron)
        transaction.commit()
        crontab = Crontab.load(self.portal)
        crontab.remove_cron(u"cron-04-café")
        crontab.save()
        transaction.commit()
        crontab = Crontab.load(self.portal)
        paused = crontab.crons[u"cron-05-café"]
        paused.activated = False
        crontab.save_cron(paused)
        manual = crontab.crons[u"cron-06-café"]
        getMultiAdapter((self.portal, manual), ICronManager).run_now()
        transaction.commit()
        whole = self.assertIndexMatchesQueue()
        self.assertEqual(self.queue().jobs(u"cron-04-café"), [])
        self.assertEqual(self.queue().jobs(u"cron-05-café"), [])
        triggers = sorted(job["trigger"] for job in self.queue().jobs(u"cron-06-café"))
        self.assertEqual(triggers, [u"manual", u"schedule"])
        self.assertEqual(len(whole), 11)

    def test_a_run_removes_its_entry(self):
        from collective.cron.testing import start_test_worker

        crontab = Crontab.load(self.portal)
        cron = crontab.crons[u"cron-07-café"]
        getMultiAdapter((self.portal, cron), ICronManager).run_now()
        transaction.commit()
        self.assertEqual(len(self.queue().jobs(cron.uid)), 2)
        start_test_worker(self.layer)
        left = wait_for(lambda: len(self.queue().jobs(cron.uid)) == 1)
        self.assertTrue(left, self.queue().jobs(cron.uid))
        self.assertEqual(self.queue().jobs(cron.uid)[0]["trigger"], u"schedule")
        self.assertIndexMatchesQueue()

    def test_listing_one_cron_reads_no_task(self):
        read = []
        for name in ("pending", "scheduled"):
            real = getattr(self.huey, name)

            def spy(*args, **kwargs):
                read.append(1)
                return real(*args, **kwargs)

            setattr(self.huey, name, spy)
            self.addCleanup(delattr, self.huey, name)
        jobs = self.queue().jobs(u"cron-01-café")
        self.assertEqual(len(jobs), 1)
        self.assertEqual(read, [])
        self.queue().jobs()
        self.assertEqual(len(read), 2)  # the spies do see a whole read

    def test_a_forged_entry_is_never_unpickled(self):
        from collective.cron.engines.huey import jobindex

        folder = tempfile.mkdtemp(prefix="collective.cron-forged-")
        self.addCleanup(shutil.rmtree, folder, True)
        path = os.path.join(folder, "pwned")
        payload = pickle.dumps(CreatesAFile(path))
        group = jobindex.cron_key(self.site_path, u"cron-01-café")
        if jobindex._is_redis(self.huey):
            key = jobindex._redis_key(group)
            self.huey.storage.conn.hset(key, "cc-forged", payload)
        else:
            self.huey.storage.put_data(jobindex.PREFIX + group + ":cc-forged", payload)
        jobs = self.queue().jobs(u"cron-01-café")
        self.assertEqual(len(jobs), 1)
        self.assertNotEqual(jobs[0]["id"], "cc-forged")
        self.assertFalse(os.path.exists(path))
        self.queue().repair_index(self.queue().jobs())
        self.assertFalse(os.path.exists(path))

    def test_the_reconciler_repairs_the_index(self):
        from collective.cron.engines.huey import jobindex
        from collective.cron.reconciler import reconcile_site

        # Tasks queued before the index existed: no entries.
        for job in self.queue().jobs():
            jobindex.remove(self.huey, self.site_path, job["uid"], job["id"])
        self.assertEqual(self.queue().jobs(u"cron-02-café"), [])
        # An entry whose task was lost (taken by a worker that died), and
        # one written a moment ago (its task may still be on its way).
        lost = dict(
            self.queue().jobs()[0], id="cc-lost", uid=u"cron-02-café", status=None
        )
        jobindex.add(self.huey, lost)
        entry = jobindex.entries(self.huey, self.site_path, u"cron-02-café")[0]
        self.assertEqual(entry["id"], "cc-lost")
        jobindex.add(self.huey, dict(lost, id="cc-recent"))
        # The lost one was written two minutes ago.
        jobindex.add(self.huey, lost, added=time.time() - 2 * jobindex.REPAIR_AGE)
        self.assertEqual(reconcile_site(self.portal, self.queue()), 0)
        transaction.commit()
        ids = [job["id"] for job in self.queue().jobs(u"cron-02-café")]
        self.assertNotIn("cc-lost", ids)
        self.assertIn("cc-recent", ids)
        jobindex.remove(self.huey, self.site_path, u"cron-02-café", "cc-recent")
        self.assertIndexMatchesQueue()


if huey_available():
    from collective.cron.testing import COLLECTIVE_CRON_FUNCTIONAL_TESTING
    from collective.cron.testing import COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING

    class TestJobIndexSqlite(JobIndexTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_FUNCTIONAL_TESTING

    class TestJobIndexRedis(JobIndexTests, unittest.TestCase):
        layer = COLLECTIVE_CRON_HUEY_REDIS_FUNCTIONAL_TESTING


def test_suite():
    return unittest.defaultTestLoader.loadTestsFromName(__name__)
