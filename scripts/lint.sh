#!/usr/bin/env bash
# `make lint`: every check runs, even after one fails, so that one run lists
# all that is wrong; the exit status is 1 if any failed.
#
#   scripts/lint.sh [LINT_VENV]     (default .envs/lint, made by the Makefile)
#
# flake8, isort --check, black --check, zpretty --check (ZCML and
# GenericSetup XML), codespell, import-linter (the layering contracts of
# pyproject.toml), "only engines/ load zc.async or plone.app.async", and
# "every module not marked py3-only compiles on Python 2.7".
# `make format` fixes what isort, black and zpretty report.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.envs/lint}
bin=$venv/bin
failed=()

check() {
    local name=$1
    shift
    echo "== $name"
    if "$@"; then
        echo "   ok"
    else
        failed+=("$name")
    fi
}

xml_files() {
    find src \( -name '*.zcml' -o -name '*.xml' \) | sort
}

# plone.app.async and zc.async cannot be named in an import statement that
# Python 3 parses ("async" is a keyword), so import-linter never sees them:
# they are loaded with importlib.import_module / __import__, which this
# pattern finds. Only the engines, the test fixtures (testing*.py) and the
# tests may (as in the "only-engines-import-queues" contract).
zcasync_outside_engines() {
    local hits
    hits=$(grep -rnE "(import_module|__import__)\(\s*[\"'](plone\.app|zc)\.async" \
        --include='*.py' src/collective/cron |
        grep -vE '^src/collective/cron/(engines/|testing\.py|testing_zcasync\.py|tests/)' || true)
    if [ -n "$hits" ]; then
        echo "only collective.cron.engines may load plone.app.async / zc.async:"
        echo "$hits"
        return 1
    fi
}

# The Python 2.7 that `make .envs/py27-plone52/.installed` uses, else
# $PY27 or pyenv's.
find_py27() {
    local candidate
    for candidate in "${PY27:-}" .envs/py27-plone52/bin/python \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7.*/bin/python \
            "$(command -v python2.7 || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return
        fi
    done
}

compiles_on_py27() {
    local py27 files=()
    py27=$(find_py27)
    if [ -z "$py27" ]; then
        echo "no Python 2.7 found: set PY27=/path/to/python2.7"
        return 1
    fi
    local file
    while IFS= read -r file; do
        head -n 3 "$file" | grep -q "py3-only" || files+=("$file")
    done < <(find src -name '*.py' | sort)
    "$py27" - "${files[@]}" <<'PY'
import sys
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path) as stream:
            compile(stream.read(), path, "exec")
    except SyntaxError as error:
        bad += 1
        print("%s:%s: %s" % (path, error.lineno, error.msg))
sys.exit(1 if bad else 0)
PY
}

check flake8 "$bin/flake8"
check isort "$bin/isort" --check-only .
check black "$bin/black" --check .
# shellcheck disable=SC2046
check zpretty "$bin/zpretty" --check $(xml_files)
check codespell "$bin/codespell"
# grimp reads the sources (nothing is imported but the namespace package).
check import-linter env PYTHONPATH=src "$bin/lint-imports" --no-cache --no-logo
check "zc.async only in engines" zcasync_outside_engines
check "compiles on Python 2.7" compiles_on_py27

if [ ${#failed[@]} -gt 0 ]; then
    echo "lint: failed: ${failed[*]} ('make format' fixes isort, black and zpretty)"
    exit 1
fi
echo "lint: ok"
