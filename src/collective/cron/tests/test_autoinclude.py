# -*- coding: utf-8 -*-
"""The add-on loads by its entry points alone, as on a real site.

The test layers load collective.cron's ZCML themselves, so they would pass
even if a real Plone never found the add-on.  Here a real Zope instance is
made (``mkwsgiinstance``) and started in another process the way
``runwsgi``/``zconsole`` start it: only Plone's own ZCML is loaded, which
includes its add-ons through z3c.autoinclude (Plone 5.2, Python 2.7 and 3)
or plone.autoinclude (Plone 6).  The add-on's profile, its control panel
view and its job system adapter must all be there.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CHECK = """
import sys
from Zope2.Startup.run import make_wsgi_app
make_wsgi_app({}, sys.argv[1])
from Products.GenericSetup.registry import _profile_registry
from zope.component import getSiteManager
from collective.cron.interfaces import IQueueManager
info = _profile_registry.getProfileInfo("collective.cron:default")
print("profile: " + info["id"])
registry = getSiteManager()
views = [a.name for a in registry.registeredAdapters() if a.name == "cron-settings"]
print("views: %d" % len(views))
queues = [a for a in registry.registeredAdapters() if a.provided is IQueueManager]
print("queue managers: %d" % len(queues))
"""


class TestEntryPoints(unittest.TestCase):
    """A Zope process with no ZCML of ours loaded by hand finds the add-on."""

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="collective.cron-autoinclude-")
        self.environment = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
            COLLECTIVE_CRON_WORKER="off",
        )

    def tearDown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def python(self, *arguments):
        process = subprocess.Popen(
            [sys.executable] + list(arguments),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.environment,
            cwd=self.folder,
        )
        output = process.communicate()[0].decode("utf-8", "replace")
        self.assertEqual(process.returncode, 0, output)
        return output

    def test_plone_loads_the_addon_by_its_entry_points(self):
        instance = os.path.join(self.folder, "instance")
        self.python(
            "-c",
            "import sys; from Zope2.utilities.mkwsgiinstance import main; "
            "sys.argv = ['mkwsgiinstance', '-d', %r, '-u', 'admin:admin']; main()"
            % instance,
        )
        output = self.python("-c", CHECK, os.path.join(instance, "etc", "zope.conf"))
        self.assertIn("profile: collective.cron:default", output)
        self.assertIn("views: 1", output)
        self.assertIn("queue managers: 1", output)
