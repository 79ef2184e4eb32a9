# -*- coding: utf-8 -*-
"""The Cron Dashboard: the Classic UI control panel ``@@cron-settings``.

``base.py`` is what every page is (and the URL map); ``views.py`` the
pages that show (the list, a cron); ``actions.py`` the pages that change
something (confirm, then POST), ``bulk.py`` the buttons of the list;
``forms.py`` the add and edit forms, their fields in ``schema.py``;
``transfer.py`` the JSON export and import; ``helpers.py`` what the pages
share (dates in the user's language, statuses, runners).  The job system's
state and "run now" come from ``collective.cron.health``, crons from
``collective.cron.builder``.
"""
