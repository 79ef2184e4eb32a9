#!/usr/bin/env bash
# Create (or bring up to date) the development/test environment .envs/ENV.
#
#   scripts/mkenv.sh ENV      ENV: py27-plone52 py38-plone52 py311-plone60 py313-plone62
#
# Python 3 envs are made with uv; the Python 2.7 env with virtualenv + pip
# (uv has no Python 2). The package is installed editable with its `test`
# extra (and `async` on Python 2.7), pinned by constraints/. Run by the
# Makefile, which re-runs it when setup.py or the constraints change.
# The interpreter comes from pyenv ($PYENV_ROOT/versions/X.Y.*), else from
# pythonX.Y on PATH; PYTHON=/path/to/python overrides both.
set -euo pipefail

env_name=${1:?usage: scripts/mkenv.sh ENV}
cd "$(dirname "$0")/.."
venv=.envs/$env_name
build_constraints=
case $env_name in
    py27-plone52)
        pyver=2.7 constraints=constraints/plone-5.2-py27.txt extras=test,async ;;
    py38-plone52)
        pyver=3.8 constraints=constraints/plone-5.2.txt extras=test
        build_constraints=constraints/build-py38.txt ;;
    py311-plone60)
        pyver=3.11 constraints=constraints/plone-6.0.txt extras=test
        build_constraints=constraints/build.txt ;;
    py313-plone62)
        pyver=3.13 constraints=constraints/plone-6.2.txt extras=test
        build_constraints=constraints/build.txt ;;
    *)
        echo "unknown env '$env_name' (py27-plone52 py38-plone52 py311-plone60 py313-plone62)" >&2
        exit 2 ;;
esac

find_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    local root=${PYENV_ROOT:-}
    if [ -z "$root" ] && command -v pyenv >/dev/null 2>&1; then root=$(pyenv root); fi
    root=${root:-$HOME/.pyenv}
    local candidate
    candidate=$(ls -d "$root"/versions/"$pyver".*/bin/python 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$candidate" ]; then echo "$candidate"; return; fi
    if command -v "python$pyver" >/dev/null 2>&1; then command -v "python$pyver"; return; fi
    echo "no Python $pyver found (install it with pyenv, or set PYTHON=...)" >&2
    exit 1
}

python=$(find_python)
echo "== $env_name: $python -> $venv"
start=$(date +%s)

if [ "$pyver" = 2.7 ]; then
    # The machine's pip configuration may list local indexes that do not
    # exist for every package: silence pip's notices about them.
    pip_quiet() { "$@" 2>&1 | { grep -v -e "^WARNING: Url '" -e "^DEPRECATION: Python 2.7" || true; }; }
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m virtualenv --version >/dev/null 2>&1 ||
            pip_quiet "$python" -m pip install -q virtualenv==20.15.1
        "$python" -m virtualenv -q --no-periodic-update "$venv"
        pip_quiet "$venv/bin/python" -m pip install -q pip==20.3.4 setuptools==42.0.2 wheel==0.37.1
    fi
    pip=("$venv/bin/python" -m pip install -q --no-python-version-warning
         -c "$constraints" -c constraints/extras.txt)
    # Twisted 17.5.0 needs incremental to build; install it first (pinned).
    pip_quiet "${pip[@]}" incremental
    # Paste: the translogger of the zope.ini that mkwsgiinstance writes
    # (`make run`), which Plone 5.2 does not install.
    pip_quiet "${pip[@]}" -e ".[$extras]" Paste
    "$venv/bin/python" -c "import Products.CMFPlone, zc.async, plone.app.async, collective.cron, collective.monkeypatcher"
else
    # The Makefile passes UV (the one on PATH, or its own pinned copy).
    uv=${UV:-$(command -v uv || echo .envs/tools/bin/uv)}
    [ -x "$venv/bin/python" ] || "$uv" venv -q --python "$python" "$venv"
    "$uv" pip install -q --python "$venv/bin/python" \
        -c "$constraints" -c constraints/extras.txt \
        ${build_constraints:+--build-constraint "$build_constraints"} \
        --reinstall-package collective.cron -e ".[$extras]" Paste
    # setuptools installs a "-nspkg.pth" for the pkg_resources-style
    # namespace package `collective` of an editable install. Where the other
    # collective.* packages are native (PEP 420) namespaces (Plone 6.2), that
    # file hides them; extend the namespace's __path__ over sys.path again.
    site=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    echo "import sys, pkgutil; m = sys.modules.get('collective'); m is not None and setattr(m, '__path__', pkgutil.extend_path(m.__path__, 'collective'))" \
        > "$site/collective_cron_zz_namespace.pth"
    if [ "$pyver" = 3.8 ]; then
        # Plone 5.2 finds add-ons with z3c.autoinclude, which looks for the
        # package's folder beside its metadata: a PEP 660 editable install
        # has none there. Install the project as a develop egg, as buildout
        # and pip's legacy editable installs do.
        "$uv" pip uninstall -q --python "$venv/bin/python" collective.cron
        "$venv/bin/python" setup.py -q develop --no-deps >"$venv/develop.log" 2>&1 ||
            { cat "$venv/develop.log" >&2; exit 1; }
    fi
    "$venv/bin/python" -W ignore -c "import Products.CMFPlone, collective.cron, collective.monkeypatcher"
fi

touch "$venv/.installed"
echo "== $env_name: ready in $(( $(date +%s) - start )) s"
