# -*- coding: utf-8 -*-
"""Moving crons in and out of a site: JSON files and GenericSetup's crons.xml.

JSON (``jsonfile``: the REST API's ``@crons/@export`` and ``@crons/@import``,
the dashboard's export and import pages, any script)::

    data = export_crontab(site)                  # {"activated": ..., "crons": [...]}
    result = import_crontab(site, data)          # replace: the crontab becomes the file
    result = import_crontab(site, data, mode="merge")

GenericSetup (``xmlfile``: an add-on ships default crons in its profile)::

    <crontab>
      <cron uid="my.addon-cleanup" name="my.addon.cleanup"
            periodicity="0 3 * * *" activated="true" logs_limit="20">
        <description>Remove drafts older than a month</description>
        <environ>{"days": 30}</environ>
      </cron>
      <cron uid="my.addon-old-job" remove="true" />
    </crontab>

Every cron of either format is built by ``collective.cron.builder.build_cron``
(the forms and the REST API use it too), so the user of a cron is checked
the same way everywhere.  An import validates the whole file before it
changes anything (``CrontabImportError`` names the cron and the field) and
saves nothing when nothing changed.
"""
from collective.cron.builder import build_cron  # noqa: F401 (moved to builder)
from collective.cron.builder import check_types  # noqa: F401 (moved to builder)
from collective.cron.builder import check_uid  # noqa: F401 (moved to builder)
from collective.cron.builder import check_user  # noqa: F401 (moved to builder)
from collective.cron.builder import FIELDS  # noqa: F401 (moved to builder)
from collective.cron.builder import TEXT_FIELDS  # noqa: F401 (moved to builder)
from collective.cron.exportimport.jsonfile import CrontabImportError  # noqa: F401
from collective.cron.exportimport.jsonfile import export_crontab  # noqa: F401
from collective.cron.exportimport.jsonfile import import_crontab  # noqa: F401
from collective.cron.exportimport.jsonfile import IMPORT_MODES  # noqa: F401
from collective.cron.exportimport.jsonfile import read_crontab_data  # noqa: F401
from collective.cron.exportimport.xmlfile import apply_crons_xml  # noqa: F401
from collective.cron.exportimport.xmlfile import crons_xml  # noqa: F401
from collective.cron.exportimport.xmlfile import export_crons  # noqa: F401
from collective.cron.exportimport.xmlfile import import_crons  # noqa: F401
from collective.cron.exportimport.xmlfile import parse_crons_xml  # noqa: F401
from collective.cron.exportimport.xmlfile import XML_FILENAME  # noqa: F401
