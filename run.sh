#!/usr/bin/env bash
# Brings up RabbitMQ and PostgreSQL (compose/services.sh up), builds, and runs the worker host in
# the foreground with all workers (or those given: ./run.sh --workers probe). Ctrl-C stops the
# host cleanly; the services keep running until `compose/services.sh down`. Like a supervisor
# (systemd Restart=on-failure, Docker's restart policy), it starts the host again when it exits
# with code 4: stalled (docs/architecture.md, "Faults"). ./run.sh --demo also runs the sample lifecycle
# (./mreg demo, README "Five-minute tour") once the host's workers consume, its lines among the host's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
compose/services.sh up
while IFS= read -r kv; do export "$kv"; done < <(compose/services.sh env)
# Artifacts: the store, and the one folder training pipelines may point file:// sources at.
export Artifacts__Root=${Artifacts__Root:-$PWD/.data/artifacts}
export Artifacts__AllowedSourceRoots__0=${Artifacts__AllowedSourceRoots__0:-$PWD/.data/incoming}
mkdir -p "$Artifacts__Root" "$Artifacts__AllowedSourceRoots__0"
# Promotion rules (docs/promotion-policy.md). Ticketing secrets and approvers come from the environment or
# appsettings: Ticketing__Integrations__<name>__Secret, Approvers__<person>__Roles__0 (docs/ticketing.md).
export Promotion__PolicyFile=${Promotion__PolicyFile:-$PWD/config/promotion-policy.json}
dotnet build src/ModelRegistry.Host/ModelRegistry.Host.csproj -c Release -nologo -clp:ErrorsOnly
dotnet build src/ModelRegistry.Cli/ModelRegistry.Cli.csproj -c Release -nologo -clp:ErrorsOnly
export Health__File=${Health__File:-$PWD/.data/host-health.json}
args=()
for arg in "$@"; do
  if [[ $arg == --demo ]]; then ./mreg demo --wait-for-host 5m & else args+=("$arg"); fi
done
while true; do
  rc=0; dotnet src/ModelRegistry.Host/bin/Release/net10.0/ModelRegistry.Host.dll "${args[@]}" || rc=$?
  [[ $rc == 4 ]] || exit "$rc"
  echo "run.sh: the host stalled (exit 4); starting it again" >&2
done
