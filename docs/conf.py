# -*- coding: utf-8 -*-
"""Sphinx configuration of the collective.cron documentation."""

project = "collective.cron"
copyright = "collective.cron developers"
author = "collective.cron developers"
version = release = "3.0.0.dev0"

extensions = []
templates_path = []
exclude_patterns = ["_build", "_readme_dev.rst"]
master_doc = "index"
language = "en"
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"description": "A crontab for every Plone site"}
