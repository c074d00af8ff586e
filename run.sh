#!/usr/bin/env bash
# Brings up RabbitMQ and PostgreSQL (compose/services.sh up), builds, migrates the database as the schema owner (the
# separate step: ModelRegistry.Host --migrate-only), and runs the worker host in the foreground with all workers (or
# those given: ./run.sh --workers probe), as the runtime role only: the owner's connection is not in its environment. Ctrl-C stops the
# host cleanly; the services keep running until `compose/services.sh down`. Like a supervisor
# (systemd Restart=on-failure, Docker's restart policy), it starts the host again when it exits
# with code 4: stalled (docs/architecture.md, "Faults"). ./run.sh --demo also runs the sample lifecycle
# (./mreg demo, README "Five-minute tour") once the host's workers consume, its lines among the host's, then keeps the
# demo's ticketing actor deciding approval requests (./mreg demo ticketing) until run.sh stops.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
compose/services.sh up
# Every development setting from the one source ./mreg reads too (compose/services.sh env): connections, the artifact
# store and incoming folder under .data/, the promotion policy, the health file, the ticketing integration 'dev' and
# the development approvers. A setting already in the environment wins.
settings=$(compose/services.sh env)
while IFS= read -r kv; do [[ -v ${kv%%=*} ]] || export "$kv"; done <<< "$settings"
mkdir -p "$Artifacts__Root" "$Artifacts__AllowedSourceRoots__0"
dotnet build src/ModelRegistry.Host/ModelRegistry.Host.csproj -c Release -nologo -clp:ErrorsOnly
dotnet build src/ModelRegistry.Cli/ModelRegistry.Cli.csproj -c Release -nologo -clp:ErrorsOnly
# --demo: after the demo, its ticketing actor stays as the approvers' stand-in (./mreg demo ticketing), so a later
# ./mreg promote ... --wait completes; it stops with run.sh (a background job of a script ignores Ctrl-C).
args=() demo=
for arg in "$@"; do
  if [[ $arg == --demo ]]; then { ./mreg demo --wait-for-host 5m; exec ./mreg demo ticketing; } & demo=$!; else args+=("$arg"); fi
done
trap '[[ -z $demo ]] || kill -TERM "$demo" 2>/dev/null || true' EXIT
host=src/ModelRegistry.Host/bin/Release/net10.0/ModelRegistry.Host.dll
dotnet "$host" --migrate-only
while true; do
  rc=0; env -u Database__MigrationConnectionString dotnet "$host" "${args[@]}" || rc=$?
  [[ $rc == 4 ]] || exit "$rc"
  echo "run.sh: the host stalled (exit 4); starting it again" >&2
done
