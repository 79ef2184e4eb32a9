#!/usr/bin/env bash
# What `make test-browser` needs besides the test env (run as root):
#
#   bash scripts/browser/setup.sh [VENV]      VENV: default .envs/browser
#
# - Debian's Chromium (/usr/bin/chromium), installed with apt-get only when
#   it is missing;
# - a small venv with Playwright for Python, pinned below. Playwright drives
#   that Chromium through `executable_path`: `playwright install` (which
#   downloads browser builds of its own) is never run.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:-.envs/browser}
PLAYWRIGHT=playwright==1.65.2

if [ ! -x /usr/bin/chromium ]; then
    echo "== browser: installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "browser: /usr/bin/chromium is missing" >&2; exit 1; }

stamp=$venv/.installed
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$PLAYWRIGHT" ]; then
    echo "== browser: $PLAYWRIGHT in $venv"
    rm -rf "$venv"
    uv=${UV:-uv}
    if command -v "$uv" >/dev/null 2>&1; then
        "$uv" venv -q --python-preference only-system --python 3.11 "$venv" 2>/dev/null ||
            "$uv" venv -q --python-preference only-system "$venv"
        "$uv" pip install -q --python "$venv/bin/python" "$PLAYWRIGHT"
    else
        python3 -m venv "$venv"
        "$venv/bin/python" -m pip install -q "$PLAYWRIGHT"
    fi
    "$venv/bin/python" -c "import playwright.sync_api"
    echo "$PLAYWRIGHT" > "$stamp"
fi
