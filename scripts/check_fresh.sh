#!/usr/bin/env bash
# make check-fresh: the README's two commands on what a new machine has.
#
# Clones the current commit into a temporary folder and runs `make test`,
# then `make run` until http://localhost:$PORT/Plone answers 200 and the demo
# crons have logged a run (then stops it by its process group), with
#
# - a PATH of symlinks to this machine's programs minus uv, uvx and
#   redis-server (and redis-cli): the Makefile must bootstrap uv itself and
#   the tests must find a redis-server without Debian's package;
# - empty uv and pip caches (FRESH_KEEP_CACHE=1 keeps the usual ones).
#
# Ends with "fresh: make test ok, make run ok in <n> s" or fails. Env:
# FRESH_ENV (default py311-plone60), FRESH_PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
env_name=${FRESH_ENV:-py311-plone60}
port=${FRESH_PORT:-8080}
start=$(date +%s)
work=$(mktemp -d /tmp/collective.cron-fresh-XXXXXX)
server_pid=

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM -- "-$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$server_pid" 2>/dev/null || true
    fi
    if [ -z "${FRESH_KEEP:-}" ]; then rm -rf "$work"; else echo "fresh: kept $work"; fi
}
trap cleanup EXIT

fail() { echo "fresh: FAILED: $*" >&2; exit 1; }

# A PATH without uv and redis-server: symlinks to everything else.
hidden=" uv uvx redis-server redis-cli redis-benchmark redis-check-aof redis-check-rdb "
bin=$work/bin
mkdir -p "$bin"
IFS=: read -r -a folders <<<"$PATH"
for folder in "${folders[@]}" /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    [ -d "$folder" ] || continue
    case $folder in */.pyenv/shims) continue ;; esac
    for program in "$folder"/*; do
        name=${program##*/}
        [ -x "$program" ] && [ ! -d "$program" ] || continue
        case $hidden in *" $name "*) continue ;; esac
        [ -e "$bin/$name" ] || ln -s "$program" "$bin/$name"
    done
done
# python3: the interpreter itself, not pyenv's shim (which needs pyenv).
ln -sf "$(python3 -c 'import sys; print(sys.executable)')" "$bin/python3"
for name in uv redis-server; do
    if PATH=$bin command -v "$name" >/dev/null 2>&1; then fail "$name is still on the PATH"; fi
done

git clone -q "$root" "$work/collective.cron"
cd "$work/collective.cron"
echo "== fresh: $(git log -1 --format='%h %s') in $work/collective.cron"

fresh_env=(env -u UV -u VIRTUAL_ENV PATH="$bin" HOME="${HOME:-/root}")
if [ -z "${FRESH_KEEP_CACHE:-}" ]; then
    fresh_env+=(UV_CACHE_DIR="$work/uv-cache" PIP_CACHE_DIR="$work/pip-cache")
fi

echo "== fresh: make test ENV=$env_name"
"${fresh_env[@]}" make test ENV="$env_name" >"$work/make-test.log" 2>&1 ||
    {
        # which tests failed, with their tracebacks, then the summary
        grep -A 30 -E "^(Failure|Error) in test" "$work/make-test.log" | head -n 200
        tail -n 40 "$work/make-test.log"
        fail "make test"
    }
grep -E "^ *(Total: |Ran )[0-9]+ tests" "$work/make-test.log" | tail -n 1

echo "== fresh: make run ENV=$env_name (port $port)"
setsid "${fresh_env[@]}" make run ENV="$env_name" HTTP_PORT="$port" >"$work/make-run.log" 2>&1 &
server_pid=$!
python=$work/collective.cron/.envs/$env_name/bin/python
"$python" - "$port" "$server_pid" <<'PY' || { tail -n 40 "$work/make-run.log"; fail "make run"; }
"""Wait until the site answers 200 and a demo cron has logged a run."""
import base64
import json
import os
import sys
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # Python 2.7
    from urllib2 import Request, urlopen

port, pid = sys.argv[1], int(sys.argv[2])
base = "http://localhost:%s/Plone" % port
auth = "Basic " + base64.b64encode(b"admin:admin").decode("ascii")


def get(path, accept="text/html"):
    request = Request(base + path, headers={"Authorization": auth, "Accept": accept})
    return urlopen(request, timeout=10)


deadline = time.time() + 300
site_up = False
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("fresh: make run exited")
    try:
        if not site_up:
            site_up = get("").getcode() == 200
            if site_up:
                print("fresh: /Plone answers 200")
        if site_up:
            crons = json.loads(get("/@crons", "application/json").read().decode("utf-8"))
            runs = [c for c in crons.get("items", []) if c.get("last_run")]
            if runs:
                print("fresh: %d demo cron(s) logged a run, e.g. %s at %s (%s)" % (
                    len(runs), runs[0].get("name"), runs[0].get("last_run"),
                    runs[0].get("last_status")))
                sys.exit(0)
    except Exception:  # noqa: not up yet
        pass
    time.sleep(2)
sys.exit("fresh: no demo cron logged a run within 300 s")
PY
echo "fresh: make test ok, make run ok in $(( $(date +%s) - start )) s"
