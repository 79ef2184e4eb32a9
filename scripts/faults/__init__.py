# py3-only: the fault suite drives the huey engine, which needs Python 3.
"""``make test-faults``: collective.cron under faults, with real processes.

``harness`` starts and stops the servers (ZEO, redis-server, runwsgi
instances), ``runners`` holds the job runners the fault instances load,
``site`` is the zconsole script that creates the site and dumps the logs,
``scenarios`` the faults themselves; ``scripts/faults_test.py`` runs them.
"""
