#!/usr/bin/env bash
# The one test command: starts RabbitMQ and PostgreSQL (compose/services.sh), builds with warnings
# as errors, runs every test project against the real services, and ends with
#   tests: N passed, N failed
# Services stay up afterwards (compose/services.sh down stops them).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

summary() { echo "tests: $1 passed, $2 failed"; }

if ! compose/services.sh up; then
  echo "test.sh: services did not start (see above)" >&2
  summary 0 0
  exit 1
fi
# Databases and vhosts of test runs that were killed on these services (IsolatedEnvironment drops its own at the end).
compose/services.sh clean-tests || echo "test.sh: could not drop the leftovers of earlier test runs (see above)" >&2
# The connections only: every test gives the hosts it starts their own store, policy and approvers, and a host
# inherits this environment. A setting already in the environment wins.
settings=$(compose/services.sh env connections)
while IFS= read -r kv; do [[ -v ${kv%%=*} ]] || export "$kv"; done <<< "$settings"

# The non-.NET publisher test and the schema check use Debian's python3 with pika and jsonschema.
if ! /usr/bin/python3 -c 'import pika, jsonschema' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq python3-pika python3-jsonschema >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq python3-pika python3-jsonschema >/dev/null; } ||
      echo "test.sh: could not install python3-pika python3-jsonschema" >&2
  else
    echo "test.sh: install python3-pika and python3-jsonschema (as root: apt-get install python3-pika python3-jsonschema)" >&2
  fi
fi

if ! dotnet build ModelRegistry.Workers.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "test.sh: build failed" >&2
  summary 0 0
  exit 1
fi

results=TestResults/$(date +%Y%m%d-%H%M%S)
dotnet test ModelRegistry.Workers.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
rc=$?

# Count from the TRX files: every test that did not pass (failed, skipped, not run) counts as failed.
read -r total passed < <(cat "$results"/*.trx 2>/dev/null | grep -a -o '<Counters [^>]*>' |
  sed -E 's/.* total="([0-9]+)".* passed="([0-9]+)".*/\1 \2/' |
  awk '{t+=$1; p+=$2} END {print t+0, p+0}')
failed=$((total - passed))
# Name every test that did not pass, with the first line of its message, so the end of the log says
# which ones they were.
if [ "$failed" -gt 0 ]; then
  /usr/bin/python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") == "Passed":
            continue
        msg = r.find(".//t:Message", ns)
        first = (msg.text or "").strip().splitlines()[0] if msg is not None and msg.text else ""
        print(f"not passed ({r.get('outcome')}): {r.get('testName')}: {first[:300]}")
PY
fi
[ "$total" -gt 0 ] || { echo "test.sh: no test ran" >&2; rc=1; }
[ "$failed" -eq 0 ] || rc=1
summary "$passed" "$failed"
exit $rc
