# -*- coding: utf-8 -*-
"""The Cron Dashboard: the Classic UI control panel ``@@cron-settings``.

Every page hangs below the one registered view (see ``dashboard.py`` for
the URL map); ``forms.py`` holds the add and edit forms, ``helpers.py``
what the pages share (dates in the user's language, statuses, runners,
the state of the job system).
"""
