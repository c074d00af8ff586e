#!/usr/bin/env bash
# Private RabbitMQ + PostgreSQL 15 for development and CI, without Docker or systemd.
# Everything lives under <repo>/.data/ (PostgreSQL's cluster may live outside and be linked from there: see
# pg_place) and listens on 127.0.0.1 only, on non-default ports, so it never clashes with system-wide servers.
set -euo pipefail

usage() {
  cat <<EOF
Usage: compose/services.sh up|down|status|reset [rabbitmq|postgres] | env [connections] | definitions | clean-tests

  up      start RabbitMQ and PostgreSQL (idempotent), create users/vhost/roles/database,
          print where they listen and the connection settings (no secret)
  down    stop both (idempotent)
  up rabbitmq | up postgres | down rabbitmq | down postgres
          start or stop only that one (the fault tests use these to restart a service)
  status  show whether each is up; exit 0 only if both are
  reset   down, then delete .data/rabbitmq and .data/postgres (does not start again)
  env     print every development setting, the one source run.sh, ./mreg and the demo read (test.sh reads
          the connections only): the connections, Artifacts__Root=.data/artifacts,
          Artifacts__AllowedSourceRoots__0=.data/incoming, Promotion__PolicyFile=config/promotion-policy.json,
          Health__File=.data/host-health.json, the ticketing integration 'dev' (its secret is made once,
          .data/ticketing/dev.secret, mode 600), the approvers of config/dev-approvers.env, and the audit
          checkpoint key pair (made once: .data/audit/checkpoint.key, mode 600, and checkpoint.pub) with
          the checkpoint file .data/audit/checkpoints.jsonl (docs/audit.md, "Checkpoints").
          One KEY=value line each, values UNQUOTED (dotenv format; the connection strings contain ';',
          so do not eval/source them); the scripts keep a setting already in the environment:
            while IFS= read -r kv; do [[ -v \${kv%%=*} ]] || export "\$kv"; done < <(compose/services.sh env)
            compose/services.sh env >> "\$GITHUB_ENV"   # GitHub Actions
  env connections
          print only the connection settings (RabbitMq__*, Database__*)
  clean-tests
          drop what killed test runs left on these services: the databases mreg_test_<hex> and the vhosts
          mreg-test-<hex> (tests/ModelRegistry.Testing/IsolatedEnvironment.cs names them so). A database someone is
          connected to is kept (DROP without FORCE), and so is its vhost and any vhost with a connection: a run in
          progress on the same services keeps its own. ./test.sh runs it before the tests start
  definitions
          print the RabbitMQ definitions 'up' loads: the vhost, the users of compose/broker-users.json with
          their tags and permissions (docs/security.md), the workers' user and the admin. With the defaults it
          is compose/rabbitmq-definitions.json, which docker-compose.yml loads:
            compose/services.sh definitions > compose/rabbitmq-definitions.json

Overrides (env var=default):
  MREG_RABBIT_NODE=mreg@localhost MREG_RABBIT_PORT=5673 MREG_RABBIT_MGMT_PORT=15673 MREG_EPMD_PORT=4370
  MREG_RABBIT_VHOST=mreg MREG_RABBIT_USER=mreg-workers MREG_RABBIT_PASSWORD=mreg-workers (the workers' user;
  the client users of compose/broker-users.json have their name as password)
  MREG_RABBIT_ADMIN_USER=mreg-admin MREG_RABBIT_ADMIN_PASSWORD=mreg-admin
  MREG_PG_PORT=5433 MREG_PG_DATABASE=model_registry MREG_PG_SUPERPASSWORD=postgres
  MREG_PG_OWNER_PASSWORD=mreg_owner MREG_PG_APP_PASSWORD=mreg_app
  MREG_PG_BIN=/usr/lib/postgresql/15/bin MREG_PG_OS_USER=postgres MREG_START_TIMEOUT=120 (seconds)
  MREG_DATA_DIR=<repo>/.data (where both keep their data, and where env puts the store and the secret;
  a second pair of services needs its own, plus its own node name and ports). As root, PostgreSQL runs
  as MREG_PG_OS_USER; when that user cannot reach the data folder (a clone in a home folder of mode
  700), its cluster lives in /var/lib/mreg-postgres/<hash of the data folder's path>/ and .data/postgres
  links there
  MREG_RABBIT_MANAGEMENT=1 (0: no management plugin; it adds ~5 s to every stop)
  MREG_RABBIT_MAX_MESSAGE_BYTES=2097152 (the broker refuses larger messages)
EOF
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA=$(realpath -m -- "${MREG_DATA_DIR:-$REPO/.data}")
TIMEOUT=${MREG_START_TIMEOUT:-120}

RMQ_NODE=${MREG_RABBIT_NODE:-mreg@localhost}
RMQ_PORT=${MREG_RABBIT_PORT:-5673}
RMQ_MGMT_PORT=${MREG_RABBIT_MGMT_PORT:-15673}
EPMD_PORT=${MREG_EPMD_PORT:-4370}
RMQ_VHOST=${MREG_RABBIT_VHOST:-mreg}
RMQ_USER=${MREG_RABBIT_USER:-mreg-workers}
RMQ_PASSWORD=${MREG_RABBIT_PASSWORD:-mreg-workers}
RMQ_ADMIN=${MREG_RABBIT_ADMIN_USER:-mreg-admin}
RMQ_ADMIN_PASSWORD=${MREG_RABBIT_ADMIN_PASSWORD:-mreg-admin}
RMQ_MANAGEMENT=${MREG_RABBIT_MANAGEMENT:-1}
# Above the workers' own limit (Messages__MaxBodyBytes, 1 MiB), so a body between the two reaches a worker and
# is refused with a rejection event naming the limit; a larger one is refused by the broker at publish (the
# publisher's channel is closed with an error) and never reaches a worker.
RMQ_MAX_MESSAGE_BYTES=${MREG_RABBIT_MAX_MESSAGE_BYTES:-2097152}
RMQ_DIR=$DATA/rabbitmq RMQ_HOME=$DATA/rabbitmq/home
# compose/broker-users.json -> RabbitMQ definitions: each user with its kind's tags and permissions ({user}: its name).
BROKER_USERS_JQ='. as $f
  | [$f.users | to_entries[] | {name: (if .value == "workers" then $workers else .key end), kind: $f.kinds[.value],
       password: (if .value == "workers" then $workers_pw else .key end)}] as $users
  | { vhosts: [{name: $vhost}],
      users: ([$users[] | {name, password, tags: (.kind.tags // [])}] + [{name: $admin, password: $admin_pw, tags: ["administrator", "impersonator"]}]),
      permissions: ([$users[] | .name as $u | {user: $u, vhost: $vhost, configure: (.kind.configure | gsub("\\{user\\}"; $u)),
                      write: (.kind.write | gsub("\\{user\\}"; $u)), read: (.kind.read | gsub("\\{user\\}"; $u))}]
                    + [{user: $admin, vhost: $vhost, configure: ".*", write: ".*", read: ".*"}]) }'

RMQ_BIN=/usr/lib/rabbitmq/bin   # not /usr/sbin: those wrappers switch to the 'rabbitmq' user and its dirs

PG_PORT=${MREG_PG_PORT:-5433}
PG_DB=${MREG_PG_DATABASE:-model_registry}
PG_SUPERPASSWORD=${MREG_PG_SUPERPASSWORD:-postgres}
PG_OWNER_PASSWORD=${MREG_PG_OWNER_PASSWORD:-mreg_owner}
PG_APP_PASSWORD=${MREG_PG_APP_PASSWORD:-mreg_app}
PG_BIN=${MREG_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${MREG_PG_OS_USER:-postgres}
# The cluster lives in .data/postgres, unless PostgreSQL's OS user cannot reach the data folder (a clone in a home
# folder of mode 700, as /root is): then in a folder of this data folder's own under PG_OUTSIDE, which .data/postgres
# links to. 'up' decides once, when it makes the cluster (pg_place); every command follows the link.
PG_OUTSIDE=/var/lib/mreg-postgres
PG_LINK=$DATA/postgres
pg_paths() { PG_DATA=$PG_DIR/data PG_SOCK=$PG_DIR/sock PG_LOG=$PG_DIR/postgres.log; }
PG_DIR=$PG_LINK; [[ ! -L $PG_LINK ]] || PG_DIR=$(readlink -- "$PG_LINK")
pg_paths

export RABBITMQ_NODENAME=$RMQ_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$RMQ_PORT \
  RABBITMQ_DIST_PORT=$((RMQ_PORT + 20000)) ERL_EPMD_PORT=$EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1 \
  RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia RABBITMQ_LOG_BASE=$RMQ_DIR/log \
  RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq.conf RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_DIR/advanced.config \
  RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/rabbitmq-env.conf RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins \
  RABBITMQ_PID_FILE=$RMQ_DIR/rabbit.pid \
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

# PostgreSQL refuses to run as root: server-side tools run as the postgres OS user, from /, since it may not be
# allowed into the caller's working directory (PostgreSQL's tools then complain that they cannot return to it).
PG_AS=(); [[ $EUID == 0 ]] && PG_AS=(runuser -u "$PG_OS_USER" -- env --chdir=/)

die() { echo "services.sh: error: $*" >&2; exit 1; }
ms() { date +%s%3N; }
since() { local d=$(( $(ms) - $1 )); printf '%d.%ds' $((d / 1000)) $((d % 1000 / 100)); }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
tail_logs() {
  local f; for f in "$@"; do
    if [[ -s $f ]]; then echo "--- last 20 lines of $f" >&2; tail -n 20 "$f" >&2; fi
  done
}
# The Erlang cookie lives in $HOME; without an existing HOME the CLI retries ~9s and writes erl_crash.dump.
rctl() { HOME=$RMQ_HOME "$RMQ_BIN/rabbitmqctl" "$@"; }
pgctl() { "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
json() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

# Asked of epmd before the node: every rabbitmqctl call first makes sure an epmd runs on our port (RabbitMQ's CLI
# starts one), so pinging a node that is down would leave a private epmd listening after 'down' or 'status'.
rabbit_registered() {
  local names; names=$(epmd -port "$EPMD_PORT" -names 2>/dev/null) && grep -q "^name ${RMQ_NODE%@*} at port " <<< "$names"
}
rabbit_running() { [[ -d $RMQ_HOME ]] && rabbit_registered && rctl -q ping >/dev/null 2>&1; }
pg_running() { [[ -s $PG_DATA/PG_VERSION ]] && pgctl status >/dev/null 2>&1; }
rabbit_fail() {
  tail_logs "$RMQ_DIR/log/startup.log" "$RABBITMQ_LOG_BASE/$RMQ_NODE.log"
  die "rabbitmq: $* (see logs above; 'compose/services.sh down' cleans up)"
}

# The RabbitMQ definitions of compose/broker-users.json with this script's vhost, workers' user and admin: what the
# broker loads at boot, and (with the defaults) compose/rabbitmq-definitions.json, which docker-compose.yml mounts.
definitions() {
  if ! command -v jq >/dev/null; then
    [[ $EUID == 0 ]] || die "jq is not installed: run 'sudo apt-get install -y jq' and retry"
    echo "rabbitmq: installing jq with apt-get (it writes the broker's users from compose/broker-users.json)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null; } || die "cannot install jq"
  fi
  jq --arg vhost "$RMQ_VHOST" --arg workers "$RMQ_USER" --arg workers_pw "$RMQ_PASSWORD" \
    --arg admin "$RMQ_ADMIN" --arg admin_pw "$RMQ_ADMIN_PASSWORD" "$BROKER_USERS_JQ" "$REPO/compose/broker-users.json" \
    || die "cannot read compose/broker-users.json"
}

rabbit_config() {
  mkdir -p "$RMQ_HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  : > "$RABBITMQ_CONF_ENV_FILE"   # empty, so /etc/rabbitmq/rabbitmq-env.conf is not read
  if [[ $RMQ_MANAGEMENT == 1 ]]; then echo '[rabbitmq_management].'; else echo '[].'; fi > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  # Definitions are imported at every boot (and by 'up' on a running node). A node that loads
  # definitions at boot never creates the default 'guest' user nor the '/' vhost. The users and their
  # permissions come from compose/broker-users.json (docs/security.md); the workers' user takes MREG_RABBIT_USER.
  ( umask 077; definitions > "$RMQ_DIR/definitions.json" ) || exit 1
  cat > "$RABBITMQ_CONFIG_FILE" <<EOF
listeners.tcp.default = 127.0.0.1:$RMQ_PORT
load_definitions = $RMQ_DIR/definitions.json
max_message_size = $RMQ_MAX_MESSAGE_BYTES
log.file.level = info
log.console = false
EOF
  if [[ $RMQ_MANAGEMENT == 1 ]]; then
    printf 'management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %s\n' "$RMQ_MGMT_PORT" >> "$RABBITMQ_CONFIG_FILE"
  fi
}

# Launches the broker and returns at once; rabbit_wait blocks until it is ready (PG starts meanwhile).
rabbit_start() {
  RMQ_T0=$(ms); RMQ_STARTED=
  if [[ ! -x $RMQ_BIN/rabbitmq-server ]]; then
    [[ $EUID == 0 ]] || die "RabbitMQ is not installed: run 'sudo apt-get install -y rabbitmq-server' and retry"
    echo "rabbitmq: installing rabbitmq-server with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q rabbitmq-server
  fi
  rabbit_config
  if rabbit_running; then
    # it may still be booting (e.g. 'up' run twice in parallel); then apply changed users/passwords
    rctl -q await_startup --timeout "$TIMEOUT" >/dev/null || rabbit_fail "not ready within ${TIMEOUT}s"
    rctl -q import_definitions "$RMQ_DIR/definitions.json" >/dev/null || rabbit_fail "import_definitions failed"
    echo "rabbitmq: already running (node $RMQ_NODE), definitions re-applied"; return
  fi
  local p; for p in "$RMQ_PORT" "$RMQ_MGMT_PORT"; do
    port_busy "$p" && die "rabbitmq: 127.0.0.1:$p is already in use by another process"
  done
  rm -f "$RABBITMQ_PID_FILE"
  # setsid: own session, so a Ctrl-C in the calling terminal does not kill the broker
  HOME=$RMQ_HOME setsid nohup "$RMQ_BIN/rabbitmq-server" >>"$RMQ_DIR/log/startup.log" 2>&1 </dev/null &
  echo $! > "$RMQ_DIR/wrapper.pid"; RMQ_STARTED=1
}

rabbit_wait() {
  [[ -n $RMQ_STARTED ]] || return 0
  local wrapper deadline=$((SECONDS + TIMEOUT)); wrapper=$(cat "$RMQ_DIR/wrapper.pid")
  # 'rabbitmqctl wait' would sit out the whole timeout if the server dies before writing its pid file
  until [[ -s $RABBITMQ_PID_FILE ]]; do
    kill -0 "$wrapper" 2>/dev/null || rabbit_fail "rabbitmq-server exited during startup"
    ((SECONDS < deadline)) || rabbit_fail "no pid file after ${TIMEOUT}s"
    sleep 0.2
  done
  { rctl -q wait "$RABBITMQ_PID_FILE" --timeout "$TIMEOUT" && rctl -q await_startup --timeout "$TIMEOUT"; } >/dev/null \
    || rabbit_fail "failed to start or not ready within ${TIMEOUT}s"
  echo "rabbitmq: started in $(since "$RMQ_T0")"
}

# The broker VM's pid, from its pid file, if that process is alive and is this data folder's VM (its -home).
rabbit_pid() {
  local pid; [[ -s $RABBITMQ_PID_FILE ]] || return 1
  pid=$(cat "$RABBITMQ_PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -q -- "-home $RMQ_HOME " && echo "$pid"
}

rabbit_down() {
  local t0 stopped='' pid pidfile=(); t0=$(ms)
  if pid=$(rabbit_pid); then
    # SIGTERM is the VM's graceful stop (what 'rabbitmqctl stop' asks for), without starting a CLI VM: ~1 s instead of ~6
    kill -TERM "$pid"; stopped=1
    local deadline=$((SECONDS + TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || die "rabbitmq: still running ${TIMEOUT}s after SIGTERM (pid $pid)"
      sleep 0.1
    done
  elif rabbit_running; then
    # with the pid file, stop returns only once the VM has exited
    [[ ! -s $RABBITMQ_PID_FILE ]] || pidfile=("$RABBITMQ_PID_FILE")
    rctl -q stop "${pidfile[@]}" >/dev/null; stopped=1
  fi
  if [[ -f $RMQ_DIR/wrapper.pid ]]; then
    local wp; wp=$(cat "$RMQ_DIR/wrapper.pid")
    for _ in {1..50}; do kill -0 "$wp" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$wp" 2>/dev/null; then kill -TERM "$wp"; fi
    rm -f "$RMQ_DIR/wrapper.pid"
  fi
  epmd_stop
  if [[ -n $stopped ]]; then echo "rabbitmq: stopped in $(since "$t0")"; else echo "rabbitmq: not running"; fi
}

# epmd outlives the node: stop the private one on our port. It refuses while a node is registered, and it notices a
# node's exit a moment after the process is gone (or a rabbitmqctl's, which registers too), so ask again until it is.
epmd_stop() {
  local deadline=$((SECONDS + 10)) names
  while port_busy "$EPMD_PORT"; do
    if ((SECONDS >= deadline)); then
      names=$(epmd -port "$EPMD_PORT" -names 2>/dev/null | sed -n 's/^name \([^ ]*\) .*/\1/p' | paste -sd ' ')
      echo "rabbitmq: epmd on 127.0.0.1:$EPMD_PORT left running, nodes still registered: ${names:-none}" >&2
      return 0
    fi
    epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || sleep 0.1
  done
}

down_all() {
  # rabbit's stop takes several seconds: stop postgres meanwhile
  local pid; rabbit_down & pid=$!
  pg_down; wait "$pid"
}

pg_fail() { tail_logs "$PG_DIR/initdb.log" "$PG_LOG"; die "postgres: $*"; }

# Root runs PostgreSQL as its OS user: when that user cannot traverse to the data folder, the cluster is made in a
# folder it owns outside the checkout, named after the data folder's path, and .data/postgres links there.
pg_place() {
  [[ $EUID == 0 && ! -e $PG_LINK && ! -L $PG_LINK ]] || return 0
  mkdir -p "$DATA"
  ! runuser -u "$PG_OS_USER" -- test -x "$DATA" || return 0
  local hash; hash=$(printf '%s' "$DATA" | sha256sum)
  PG_DIR=$PG_OUTSIDE/${hash:0:16}; pg_paths
  # A folder of that name was made for a data folder at this same path that has been deleted since: its cluster goes
  # with it, as it would have inside the data folder.
  if [[ -e $PG_DIR ]]; then
    if pg_running; then pgctl -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf -- "$PG_DIR"
  fi
  mkdir -p "$PG_OUTSIDE"; chmod 711 "$PG_OUTSIDE"
  mkdir -m 700 "$PG_DIR"; chown "$PG_OS_USER:" "$PG_DIR"
  printf '%s\n' "$DATA" > "$PG_DIR/data-folder"   # whose cluster this is, for people looking in $PG_OUTSIDE
  ln -s "$PG_DIR" "$PG_LINK"
  echo "postgres: OS user '$PG_OS_USER' cannot reach $DATA: the cluster lives in $PG_DIR ($PG_LINK links there)"
}

pg_prepare() {
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] \
    || die "PostgreSQL 15 server binaries not found in $PG_BIN: apt-get install -y postgresql-15 (or set MREG_PG_BIN)"
  if [[ $EUID == 0 ]]; then
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  pg_place
  # a unix socket path is limited to 107 bytes, "/.s.PGSQL.<port>" included
  ((${#PG_SOCK} <= 90)) || die "postgres: socket dir path too long ($PG_SOCK): clone the repo to a shorter path"
  mkdir -p "$PG_DIR" "$PG_SOCK"
  # local (socket) connections are 'trust' (used by this script), so the socket dir is private
  chmod 700 "$PG_SOCK"
  if ! pg_running && port_busy "$PG_PORT"; then die "postgres: 127.0.0.1:$PG_PORT is already in use by another process"; fi
  [[ $EUID == 0 ]] || return 0
  chown "$PG_OS_USER:" "$PG_DIR" "$PG_SOCK"
  if ! runuser -u "$PG_OS_USER" -- test -w "$PG_DIR"; then
    local d='' part parts; IFS=/ read -ra parts <<< "${PG_DIR#/}"
    for part in "${parts[@]}"; do
      d+=/$part
      runuser -u "$PG_OS_USER" -- test -x "$d" \
        || die "OS user '$PG_OS_USER' (runs PostgreSQL) cannot traverse $d: chmod o+x it, or move $PG_LINK away and run up again (a new, empty cluster is then made where '$PG_OS_USER' can reach it)"
    done
    die "OS user '$PG_OS_USER' cannot write to $PG_DIR"
  fi
}

pg_up() {
  local t0 deadline; t0=$(ms)
  if [[ ! -s $PG_DATA/PG_VERSION ]]; then
    local pw; pw=$(mktemp); printf '%s\n' "$PG_SUPERPASSWORD" > "$pw"
    [[ $EUID != 0 ]] || chown "$PG_OS_USER" "$pw"
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pw" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 || { rm -f "$pw"; pg_fail "initdb failed"; }
    rm -f "$pw"
    # our settings live in mreg.conf, rewritten at each start so port/paths follow the current env
    echo "include = 'mreg.conf'" | "${PG_AS[@]}" tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  if pg_running; then
    echo "postgres: already running"
  else
    "${PG_AS[@]}" tee "$PG_DATA/mreg.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
# A registry's indexes (digests, uuids) are written at random places: keep them in memory, and checkpoint
# rarely enough that full-page images do not dominate the WAL (registration benchmark: PostgreSQL's CPU per
# registration 0.45-0.55 ms with the defaults of 128MB, 1GB and 5min; median 0.45 with these).
shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 15min
EOF
    pgctl -l "$PG_LOG" -w -t "$TIMEOUT" start >/dev/null || pg_fail "pg_ctl start failed"
  fi
  deadline=$((SECONDS + TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
    ((SECONDS < deadline)) || pg_fail "not accepting connections after ${TIMEOUT}s"; sleep 0.2
  done
  PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -X -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -v db="$PG_DB" -v superuser_password="$PG_SUPERPASSWORD" \
    -v owner_password="$PG_OWNER_PASSWORD" -v app_password="$PG_APP_PASSWORD" \
    -f "$REPO/compose/postgres-init.sql" >/dev/null || die "postgres: creating roles/database failed"
  echo "postgres: ready in $(since "$t0")"
}

pg_down() {
  local t0; t0=$(ms)
  if ! pg_running; then echo "postgres: not running"; return; fi
  pgctl -m fast -w -t "$TIMEOUT" stop >/dev/null; echo "postgres: stopped in $(since "$t0")"
}

print_env() {
  local cs="Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DB"
  cat <<EOF
RabbitMq__Host=127.0.0.1
RabbitMq__Port=$RMQ_PORT
RabbitMq__VirtualHost=$RMQ_VHOST
RabbitMq__Username=$RMQ_USER
RabbitMq__Password=$RMQ_PASSWORD
RabbitMq__ManagementPort=$RMQ_MGMT_PORT
RabbitMq__AdminUsername=$RMQ_ADMIN
RabbitMq__AdminPassword=$RMQ_ADMIN_PASSWORD
Database__ConnectionString=$cs;Username=mreg_app;Password=$PG_APP_PASSWORD
Database__MigrationConnectionString=$cs;Username=mreg_owner;Password=$PG_OWNER_PASSWORD
EOF
}

# 64 hex characters from the kernel's CSPRNG, made on first use and kept (mode 600), so every command sees the same.
dev_secret() {
  local file=$DATA/ticketing/dev.secret tmp secret
  if [[ ! -s $file ]]; then
    (umask 077; mkdir -p "$DATA/ticketing")
    tmp=$(mktemp "$file.XXXXXX")
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$tmp"
    ln "$tmp" "$file" 2>/dev/null || true   # two commands starting at once: the first one's secret stays
    rm -f "$tmp"
  fi
  secret=$(<"$file")
  [[ $secret =~ ^[0-9a-f]{64}$ ]] || die "$file: not 64 hex characters (delete it: a new one is made)"
  echo "$secret"
}

# The audit checkpoint signing key (EC P-256, PKCS#8 PEM, mode 600) and its public key, made on first use and kept.
dev_checkpoint_key() {
  local key=$DATA/audit/checkpoint.key tmp
  if [[ ! -s $key ]]; then
    (umask 077; mkdir -p "$DATA/audit")
    tmp=$(mktemp "$key.XXXXXX")
    openssl ecparam -name prime256v1 -genkey 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$tmp" 2>/dev/null \
      || die "openssl could not make the audit checkpoint key"
    ln "$tmp" "$key" 2>/dev/null || true   # two commands starting at once: the first one's key stays
    rm -f "$tmp"
  fi
  chmod 600 "$key"
  [[ -s $key.pub ]] || openssl ec -in "$key" -pubout -out "$key.pub" 2>/dev/null || die "$key: not an EC key (delete it: a new one is made)"
  echo "$key"
}

# Every development setting: the connections, then what run.sh's host, ./mreg and the demo share: the artifact store
# and the one folder file:// sources may come from (both in the data folder), the shipped promotion policy, the health
# file, the ticketing integration 'dev' and the development approvers (docs/ticketing.md, "Development setup").
print_dev_env() {
  local secret key; secret=$(dev_secret) || exit 1
  key=$(dev_checkpoint_key) || exit 1
  print_env
  cat <<EOF
Artifacts__Root=$DATA/artifacts
Artifacts__AllowedSourceRoots__0=$DATA/incoming
Promotion__PolicyFile=$REPO/config/promotion-policy.json
Health__File=$DATA/host-health.json
Ticketing__Integrations__dev__Secret=$secret
Ticketing__Integrations__dev__Approvers__0=*
Ticketing__Integrations__dev__Roles__0=*
Audit__CheckpointKeyFile=$key
Audit__CheckpointPublicKeyFile=$key.pub
Audit__CheckpointFile=$DATA/audit/checkpoints.jsonl
EOF
  grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$REPO/config/dev-approvers.env"
}

RMQ_ADDR="amqp://127.0.0.1:$RMQ_PORT vhost=$RMQ_VHOST, management http://127.0.0.1:$RMQ_MGMT_PORT/ (node $RMQ_NODE, epmd port $EPMD_PORT)"
pg_addr() { echo "127.0.0.1:$PG_PORT database=$PG_DB (socket dir $PG_SOCK)"; }

# The leftovers of killed test runs: only names IsolatedEnvironment makes, only when nobody uses them. One rabbitmqctl
# call for every vhost (each call starts an Erlang VM: seconds on a busy machine).
clean_tests() {
  pg_running || die "postgres: not running ('compose/services.sh up' first)"
  rabbit_registered || die "rabbitmq: not running ('compose/services.sh up' first)"
  local psql=("$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres)
  local db dropped=0 kept
  for db in $("${psql[@]}" -c "SELECT datname FROM pg_database d WHERE datname ~ '^mreg_test_[0-9a-f]+$'
                                 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"); do
    # Without FORCE: someone who connected since is not thrown out, the database stays.
    if "${psql[@]}" -c "DROP DATABASE \"$db\"" >/dev/null 2>&1; then dropped=$((dropped + 1)); fi
  done
  kept=$("${psql[@]}" -c "SELECT datname FROM pg_database WHERE datname ~ '^mreg_test_[0-9a-f]+$'") || die "postgres: cannot list databases"
  # A vhost goes with its database: one whose database is still there (in use) stays.
  local keep='' vhosts
  for db in $kept; do keep+="${keep:+,}<<\"mreg-test-${db#mreg_test_}\">>"; done
  vhosts=$(rctl -q eval "Keep = [$keep],
    Gone = [V || V <- rabbit_vhost:list_names(), re:run(V, \"^mreg-test-[0-9a-f]+\$\") =/= nomatch, not lists:member(V, Keep)],
    [rabbit_vhost:delete(V, <<\"clean-tests\">>) || V <- Gone], length(Gone).") || die "rabbitmq: cannot delete leftover vhosts"
  echo "clean-tests: dropped $dropped leftover test databases and $vhosts vhosts; $(wc -w <<< "$kept") in use kept"
}

case "${1:-}" in
  up)
    case "${2:-}" in
      '')
        pg_prepare   # fail on PG setup problems before launching the broker
        rabbit_start; pg_up; rabbit_wait
        echo "rabbitmq: listening on $RMQ_ADDR"
        echo "postgres: listening on $(pg_addr)"
        echo; print_env ;;
      rabbitmq) rabbit_start; rabbit_wait; echo "rabbitmq: listening on $RMQ_ADDR" ;;
      postgres) pg_prepare; pg_up; echo "postgres: listening on $(pg_addr)" ;;
      *) usage >&2; exit 2 ;;
    esac ;;
  down)
    case "${2:-}" in
      '') down_all ;;
      rabbitmq) rabbit_down ;;
      postgres) pg_down ;;
      *) usage >&2; exit 2 ;;
    esac ;;
  status)
    rc=0
    if rabbit_running; then echo "rabbitmq: up   $RMQ_ADDR"; else echo "rabbitmq: down"; rc=1; fi
    if pg_running && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
      echo "postgres: up   $(pg_addr)"; else echo "postgres: down"; rc=1; fi
    exit "$rc" ;;
  reset)
    down_all
    rm -rf -- "$RMQ_DIR" "$PG_DIR"
    if [[ -L $PG_LINK ]]; then rm -f -- "$PG_LINK"; rmdir --ignore-fail-on-non-empty "$PG_OUTSIDE"; fi
    echo "deleted $RMQ_DIR and $PG_DIR" ;;
  env)
    case "${2:-}" in
      '') print_dev_env ;;
      connections) print_env ;;
      *) usage >&2; exit 2 ;;
    esac ;;
  definitions) definitions ;;
  clean-tests) clean_tests ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
