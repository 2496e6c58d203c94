#!/usr/bin/env bash
# Runs every test: unit, property, integration (embedded broker, promtool, sqlite3, kcat) and the
# benchmark smoke runs. Installs what the tests need first (idempotent).
#   ./test.sh                      everything
#   ./test.sh --filter NAME        only tests whose full name contains NAME (dotnet test filter syntax)
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
FUNNELSTREAM_SETUP_TESTS=1 bash scripts/setup.sh

filter=()
if [ "${1:-}" = "--filter" ]; then filter=(--filter "$2"); fi

dotnet build FunnelStream.sln -c Release --nologo -v quiet -clp:NoSummary
log=$(mktemp)
status=0
dotnet test FunnelStream.sln -c Release --no-build --nologo "${filter[@]}" 2>&1 | tee "$log" || status=$?

# One closing line for the whole run, summed over the test assemblies.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
