#!/usr/bin/env bash
# Run `make test` in every env given (all of them, whatever fails), keep each
# output in .envs/logs/ENV.log, then print one summary line per env and a
# closing total. Exits non-zero if any env failed.
#
#   scripts/test-all.sh py27-plone52 py38-plone52 py311-plone60 py313-plone62
#
# With COVERAGE=1 in the environment, the env COVERAGE_ENV (py311-plone60)
# runs `make coverage` instead of `make test`: the same tests under
# coverage.py, plus its report and its gate, without a second run in CI.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .envs/logs

summary=()
failed_envs=0
passed=0 failed=0 skipped=0
for env in "$@"; do
    log=.envs/logs/$env.log
    start=$(date +%s)
    target=test
    if [ "${COVERAGE:-}" = 1 ] && [ "$env" = "${COVERAGE_ENV:-py311-plone60}" ]; then
        target=coverage
    fi
    # On Python 2.7 the zc.async tests must run: an import failure of
    # zc.async is then a failed test, never a silently smaller suite.
    require_zcasync=${COLLECTIVE_CRON_REQUIRE_ZCASYNC:-0}
    case "$env" in py27-*) require_zcasync=1 ;; esac
    COLLECTIVE_CRON_REQUIRE_ZCASYNC=$require_zcasync \
        make --no-print-directory "$target" ENV="$env" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    secs=$(( $(date +%s) - start ))
    # zope-testrunner closes with "Total: N tests, F failures, E errors and S
    # skipped" (several layers) or "Ran N tests with F failures, ..." (one).
    counts=$(sed -nE 's/^ *(Total: ([0-9]+) tests, ([0-9]+) failures, ([0-9]+) errors and ([0-9]+) skipped|Ran ([0-9]+) tests with ([0-9]+) failures, ([0-9]+) errors and ([0-9]+) skipped).*/\2\6 \3\7 \4\8 \5\9/p' "$log" | tail -n 1)
    detail="no test summary"
    if [ -n "$counts" ]; then
        read -r n f e s <<<"$counts"
        passed=$(( passed + n - f - e - s )) failed=$(( failed + f + e )) skipped=$(( skipped + s ))
        detail="$n tests, $(( f + e )) failed, $s skipped"
    fi
    if [ "$rc" -eq 0 ]; then
        summary+=("$env: OK ($detail, ${secs} s)")
    else
        summary+=("$env: FAILED ($detail, ${secs} s, log: $log)")
        failed_envs=$(( failed_envs + 1 ))
        [ -n "$counts" ] || failed=$(( failed + 1 ))
    fi
done

echo
echo "== test-all summary"
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed_envs" -eq 0 ]
