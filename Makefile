# collective.cron development tasks (GNU make).
#
#   make test [ENV=py311-plone60] [TEST_ARGS="-t test_cron"]
#   make test-all          every env, then one summary line per env
#   make envs              create/update every env (make -j2 envs: in parallel)
#   make run [ENV=...]     a Plone site with collective.cron on localhost:8080 (HTTP_PORT=...)
#   make check-fresh       make test + make run in a clone, without uv and redis-server
#   make test-buildout     build test-6.0.x.cfg with buildout and run its bin/test
#   make test-cluster      ZEO + 3 instances + Redis, a SIGKILL: exactly-once check
#   make test-browser      the dashboard in headless Chromium (screenshots)
#   make test-faults       the fault suite: kills, outages, conflict storm (issue 10)
#   make bench             latency, ZODB bytes per run, sync time
#   make docs              the Sphinx documentation in docs/_build/html
#   make lint              flake8 isort black zpretty codespell import-linter py2.7
#   make format            isort, black and zpretty rewrite what lint reports
#   make coverage          the py311 suite under coverage.py (>= 90 %, htmlcov/)
#   make versions          regenerate versions-*.cfg from constraints/
#   make clean
#
# Envs live in .envs/ENV; scripts/mkenv.sh makes them and the stamp file
# .envs/ENV/.installed makes them be brought up to date whenever setup.py or
# their constraints change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ENV ?= py311-plone60
ENVS := py27-plone52 py38-plone52 py311-plone60 py313-plone62
TEST_ARGS ?=
VENV := .envs/$(ENV)

constraints_py27-plone52 := constraints/plone-5.2-py27.txt
constraints_py38-plone52 := constraints/plone-5.2.txt constraints/build-py38.txt
constraints_py311-plone60 := constraints/plone-6.0.txt constraints/build.txt
constraints_py313-plone62 := constraints/plone-6.2.txt constraints/build.txt

BUILDOUT_VENV := .envs/buildout-6.0
BUILDOUT_PYTHON ?= 3.11

# uv: the one on PATH if there is one, else a pinned copy that the Makefile
# installs in .envs/tools (a venv of the first python3 on PATH) on first use.
UV_VERSION := 0.13.9
TOOLS_PYTHON ?= python3
ifeq ($(origin UV),undefined)
UV := $(shell command -v uv 2>/dev/null)
endif
ifeq ($(UV),)
UV_TOOL := .envs/tools/bin/uv
UV := $(CURDIR)/$(UV_TOOL)
endif
export UV


.PHONY: uv check-fresh help envs test test-all run test-buildout versions clean test-browser test-cluster bench docs

help:
	@sed -n '3,/^#$$/p' Makefile | grep -v '^#$$' | sed 's/^# \{0,1\}//'

.envs/tools/bin/uv:
	rm -rf .envs/tools
	$(TOOLS_PYTHON) -m venv .envs/tools
	.envs/tools/bin/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@echo "== uv $(UV_VERSION) installed in .envs/tools"

uv: $(UV_TOOL)

.SECONDEXPANSION:
.envs/%/.installed: setup.py pyproject.toml constraints/extras.txt scripts/mkenv.sh $$(constraints_$$*) | $(UV_TOOL)
	bash scripts/mkenv.sh $*

envs: $(foreach env,$(ENVS),.envs/$(env)/.installed)

test: $(VENV)/.installed
	$(VENV)/bin/zope-testrunner --test-path=src -s collective.cron $(TEST_ARGS)

test-all:
	bash scripts/test-all.sh $(ENVS)

instance/etc/zope.conf: | $(VENV)/.installed
	$(VENV)/bin/mkwsgiinstance -d instance -u admin:admin

HTTP_PORT ?= 8080

run: $(VENV)/.installed instance/etc/zope.conf
	$(VENV)/bin/zconsole run instance/etc/zope.conf scripts/create_site.py
	sed -i -e 's/^port = .*/port = $(HTTP_PORT)/' instance/etc/zope.ini
	@echo "Open http://localhost:$(HTTP_PORT)/Plone/@@cron-settings (admin / admin); Ctrl-C stops."
	COLLECTIVE_CRON_WORKER=on $(VENV)/bin/runwsgi instance/etc/zope.ini

# The README's two commands in a clone of the current commit, with uv and
# redis-server hidden from the PATH and empty package caches.
check-fresh:
	bash scripts/check_fresh.sh

# The Cron Dashboard in Debian's headless Chromium (Playwright), on a
# throwaway instance built as `run` builds one; screenshots in docs/_static/.
test-browser: $(VENV)/.installed | $(UV_TOOL)
	bash scripts/browser/setup.sh .envs/browser
	.envs/browser/bin/python scripts/browser_test.py --env $(VENV)

# A ZEO server, three instances with workers sharing a real redis-server,
# 20 crons due every minute, one instance killed with SIGKILL: ends with
# "cluster: occurrences=… runs=… duplicates=0 missed=0" or fails.
test-cluster: $(VENV)/.installed
	$(VENV)/bin/python scripts/cluster_test.py

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench.py

DOCS_VENV := .envs/docs
$(DOCS_VENV)/.installed: constraints/docs.txt | $(UV_TOOL)
	rm -rf $(DOCS_VENV)
	$(UV) venv -q --python-preference only-system --python 3.11 $(DOCS_VENV)
	$(UV) pip install -q --python $(DOCS_VENV)/bin/python -r constraints/docs.txt
	touch $@

docs: $(DOCS_VENV)/.installed
	$(DOCS_VENV)/bin/sphinx-build -W -q -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

# pip 24.2 still applies PIP_CONSTRAINT to its isolated builds.
$(BUILDOUT_VENV)/.installed: constraints/build.txt | $(UV_TOOL)
	rm -rf $(BUILDOUT_VENV)
	$(UV) venv -q --python-preference only-system --python $(BUILDOUT_PYTHON) $(BUILDOUT_VENV)
	$(UV) pip install -q --python $(BUILDOUT_VENV)/bin/python \
		pip==24.2 zc.buildout==3.1.0 setuptools==74.0.0 wheel==0.44.0
	touch $@

test-buildout: $(BUILDOUT_VENV)/.installed
	$(BUILDOUT_VENV)/bin/python scripts/versions_cfg.py --check
	PIP_CONSTRAINT=$(CURDIR)/constraints/build.txt \
		$(BUILDOUT_VENV)/bin/buildout -N -c test-6.0.x.cfg
	bin/test

versions: $(BUILDOUT_VENV)/.installed
	$(BUILDOUT_VENV)/bin/python scripts/versions_cfg.py

clean:
	rm -rf .envs bin parts develop-eggs eggs .installed.cfg .mr.developer.cfg
	rm -rf src/*.egg-info
	find src -name '*.pyc' -delete -o -name __pycache__ -prune -exec rm -rf {} +

# --- lint, format, coverage (plone/meta tooling; configuration in
# pyproject.toml and .flake8) ---------------------------------------------

.PHONY: lint format coverage

LINT_VENV := .envs/lint
$(LINT_VENV)/.installed: constraints/lint.txt | $(UV_TOOL)
	rm -rf $(LINT_VENV)
	$(UV) venv -q --python-preference only-system --python 3.11 $(LINT_VENV)
	$(UV) pip install -q --python $(LINT_VENV)/bin/python -r constraints/lint.txt
	touch $@

# Every check runs even when one fails; see scripts/lint.sh.
lint: $(LINT_VENV)/.installed
	bash scripts/lint.sh $(LINT_VENV)

# isort, black and zpretty rewrite files; each runs even if one before it
# failed (black cannot parse a file, say).
format: $(LINT_VENV)/.installed
	@status=0; \
	$(LINT_VENV)/bin/isort --quiet . || status=1; \
	$(LINT_VENV)/bin/black --quiet . || status=1; \
	find src \( -name '*.zcml' -o -name '*.xml' \) -print0 | \
		xargs -0 $(LINT_VENV)/bin/zpretty -i || status=1; \
	exit $$status

# The whole py311 suite under coverage.py: a terminal report, htmlcov/ and
# the gate (fail_under in pyproject.toml). The huey workers run jobs on
# threads (concurrency = thread); a Python subprocess, should a layer need
# one, is measured too (patch = subprocess) and combined.
COVERAGE_ENV ?= py311-plone60
COVERAGE_VENV := .envs/$(COVERAGE_ENV)
$(COVERAGE_VENV)/.coverage-installed: constraints/coverage.txt $(COVERAGE_VENV)/.installed
	$(UV) pip install -q --python $(COVERAGE_VENV)/bin/python -r constraints/coverage.txt
	touch $@

coverage: $(COVERAGE_VENV)/.coverage-installed
	rm -rf .coverage .coverage.* htmlcov
	$(COVERAGE_VENV)/bin/coverage run -m zope.testrunner --test-path=src -s collective.cron $(TEST_ARGS)
	$(COVERAGE_VENV)/bin/coverage combine --quiet
	$(COVERAGE_VENV)/bin/coverage html --quiet
	$(COVERAGE_VENV)/bin/coverage report
	@echo "coverage: htmlcov/index.html"

# --- fault suite (issue 10) --------------------------------------------------
# Real processes side by side, one stack per scenario: a SIGKILL mid-run, the
# cluster of test-cluster, Redis restarted with its data and empty, non-ASCII
# crons, a REST conflict storm, a ZEO restart, a Site Administrator against a
# Manager over HTTP, test_fuzz with 10,000 examples.  One "faults: scenario=…" line
# each, then "faults: scenarios=<n> lost=<n> duplicates=<n> tracebacks=<n>";
# fails unless lost, duplicates, errors and tracebacks are all 0.
# FAULTS_ARGS="--only non-ascii,zeo-restart --keep" picks scenarios.
FAULTS_ARGS ?=

.PHONY: test-faults
test-faults: $(VENV)/.installed
	$(VENV)/bin/python scripts/faults_test.py $(FAULTS_ARGS)
