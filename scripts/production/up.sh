#!/usr/bin/env bash
# The production shape of Tenure's Temporal, on one machine and without Docker: a PostgreSQL
# cluster, Temporal's schema set up by Temporal's own SQL tool, and Temporal's four services
# (frontend, history, matching, worker) as separate processes sharing one config, with the
# `default` namespace and Tenure's search attributes registered. The frontend speaks TLS and
# requires a client certificate (mTLS); Tenure's payloads are encrypted. Writes what Tenure's
# processes need to DATA_DIR/secrets/tenure.env (TEMPORAL_ADDRESS, TEMPORAL_TLS_*,
# TENURE_ENCRYPTION_KEYS, TENURE_CODEC_TOKEN; mode 600) and prints the frontend's address as the
# last line of its output.
#
# Usage: scripts/production/up.sh DATA_DIR
#   DATA_DIR holds everything: PostgreSQL's data, the server's config, certificates and keys, logs
#   and pid files, so scripts/production/down.sh DATA_DIR stops what this started. Rerunning on
#   the same folder starts what is not running and skips what is done; certificates and keys are
#   made once and kept.
# Needs: scripts/production/build.sh run once (the Temporal server and SQL tool, built with Go),
# PostgreSQL's server binaries (Debian: apt-get install postgresql), openssl, and the temporal CLI
# (npm run setup).
set -euo pipefail

# The versions the shape is tested with; docker-compose.yml must name the same.
TEMPORAL_SERVER_VERSION=v1.29.1
NAMESPACE=default
# How long history is kept after a workflow closes: the dev server's default, as Tenure expects.
NAMESPACE_RETENTION=72h

die() { echo "up.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DATA_DIR (a folder for PostgreSQL's data, the config, logs and pids)"
project=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
data=$(cd "$1" && pwd)
mkdir -p "$data/logs" "$data/pids" "$data/config"

bin=${TENURE_TOOLS_BIN:-$project/.tools/bin}
server=$bin/server
sql_tool=$bin/sql
temporal_cli=${TEMPORAL_CLI_PATH:-$bin/temporal}
for tool in "$server" "$sql_tool"; do
  [ -x "$tool" ] || die "$tool is missing: run scripts/production/build.sh (builds Temporal $TEMPORAL_SERVER_VERSION with Go)"
done
[ -x "$temporal_cli" ] || die "the temporal CLI is missing at $temporal_cli: run npm run setup"
schema=$(go env GOMODCACHE 2>/dev/null)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION/schema/postgresql/v12
[ -d "$schema" ] || die "Temporal's schema files are missing at $schema: run scripts/production/build.sh"

# PostgreSQL's server: on PATH, else Debian's newest under /usr/lib/postgresql/<version>/bin.
pg_bin=$(dirname "$(command -v pg_ctl 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
[ -x "$pg_bin/pg_ctl" ] || die "PostgreSQL's pg_ctl was not found: apt-get install -y postgresql"
# PostgreSQL refuses to run as root: as root, run it as the Debian package's postgres user.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root and there is no postgres user to run PostgreSQL as: apt-get install -y postgresql"
  as_pg=(runuser -u postgres --)
fi

alive() { [ -f "$data/pids/$1.pid" ] && kill -0 "$(cat "$data/pids/$1.pid")" 2>/dev/null; }

# Ports are chosen once, free at the time, and kept in ports.env so a rerun finds the same cluster.
# Below 32768: Temporal keeps membership ports in a PostgreSQL smallint (fails on 43963), and the
# kernel's ephemeral ports (what port 0 gives) start at 32768.
free_port() {
  node -e '
    const net = require("net");
    const taken = new Set(process.argv.slice(1).map(Number));
    (function next() {
      const port = 20000 + Math.floor(Math.random() * 12000);
      if (taken.has(port)) return next();
      const s = net.createServer().once("error", next).listen(port, "127.0.0.1", () => s.close(() => console.log(port)));
    })();' "$@"
}
touch "$data/ports.env"
# shellcheck source=/dev/null
. "$data/ports.env"
# One at a time, so a folder from an older up.sh gains the ports it lacks and keeps the others.
for name in PG FRONTEND FRONTEND_HTTP FRONTEND_MEMBERSHIP HISTORY HISTORY_MEMBERSHIP MATCHING MATCHING_MEMBERSHIP WORKER WORKER_MEMBERSHIP \
  FRONTEND_METRICS HISTORY_METRICS MATCHING_METRICS WORKER_METRICS; do
  var=${name}_PORT
  [ -n "${!var:-}" ] && continue
  # shellcheck disable=SC2046
  port=$(free_port $(sed -n 's/^[A-Z_]*=//p' "$data/ports.env"))
  echo "$var=$port" >>"$data/ports.env"
done
# shellcheck source=/dev/null
. "$data/ports.env"

# A password for the temporal role, kept in the data folder (mode 600), never printed.
umask 077
[ -f "$data/pg-password" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$data/pg-password"
umask 022
pg_password=$(cat "$data/pg-password")

# --- Certificates and keys ------------------------------------------------------------------------
# Made once and kept (make-secrets.sh): the cluster's CA, the frontend's certificate, Tenure's and
# the worker service's client certificates, Tenure's payload key and codec token.
secrets=$data/secrets
tls=$secrets/tls
"$project/scripts/production/make-secrets.sh" "$secrets"

# --- PostgreSQL -------------------------------------------------------------------------------
pg_data=$data/pg
if [ ! -f "$pg_data/PG_VERSION" ]; then
  echo "== PostgreSQL: initdb in $pg_data"
  mkdir -p "$pg_data"
  pwfile=$(mktemp)
  echo "$pg_password" >"$pwfile"
  if [ ${#as_pg[@]} -gt 0 ]; then
    chown postgres: "$pg_data" "$pwfile"
    # The postgres user must reach its folder through ours.
    chmod o+x "$data"
    "${as_pg[@]}" test -w "$pg_data" || { rm -f "$pwfile"; die "the postgres user cannot write to $pg_data: choose a DATA_DIR whose parents it may enter (for example under /tmp)"; }
  fi
  # The temporal role owns the cluster; over TCP it must give its password, and the socket is
  # for the cluster's own user only.
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U temporal --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C >"$data/logs/initdb.log" 2>&1 ||
    { rm -f "$pwfile"; die "initdb failed: see $data/logs/initdb.log"; }
  rm -f "$pwfile"
fi
if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
  echo "== PostgreSQL: starting on 127.0.0.1:$PG_PORT"
  # Loopback only, socket in the data folder (not /var/run/postgresql, which may be absent).
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $pg_data -c max_connections=200" start >/dev/null ||
    die "PostgreSQL did not start: see $pg_data/server.log"
fi

# --- Temporal's schema --------------------------------------------------------------------------
# The SQL tool reads the password from SQL_PASSWORD, so it stays out of the process list.
sql() { SQL_PASSWORD=$pg_password "$sql_tool" --plugin postgres12 --ep 127.0.0.1 --port "$PG_PORT" --user temporal "$@"; }
for db in temporal temporal_visibility; do
  dir=$([ "$db" = temporal ] && echo temporal || echo visibility)
  if [ ! -f "$data/schema-$db.done" ]; then
    echo "== Temporal schema: $db"
    sql --db "$db" create-database >>"$data/logs/schema.log" 2>&1 || die "creating database $db failed: see $data/logs/schema.log"
    sql --db "$db" setup-schema -v 0.0 >>"$data/logs/schema.log" 2>&1 || die "setup-schema on $db failed: see $data/logs/schema.log"
    touch "$data/schema-$db.done"
  fi
  # Idempotent: applies only the versions the database does not have yet.
  sql --db "$db" update-schema -d "$schema/$dir/versioned" >>"$data/logs/schema.log" 2>&1 || die "update-schema on $db failed: see $data/logs/schema.log"
done

# --- Temporal's services ----------------------------------------------------------------------
# One config for the four services, and one small file each (production_<service>.yaml, read on
# top of it because each is started with --zone <service>) with its own Prometheus port: four
# processes on one machine cannot share one. pprof is left out.
umask 077
cat >"$data/config/production.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$pg_password"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    postgres-visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$pg_password"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  # TLS on the frontend, with client certificates required (mTLS): only a holder of a certificate
  # of this cluster's CA (Tenure's, the worker service's) may call it. Between the services
  # (internode) there is none: they bind to loopback, where only this machine reaches them.
  tls:
    frontend:
      server:
        certFile: "$tls/frontend.pem"
        keyFile: "$tls/frontend.key"
        clientCaFiles: ["$tls/ca.pem"]
        requireClientAuth: true
      client:
        serverName: localhost
        rootCaFiles: ["$tls/ca.pem"]
    systemWorker:
      certFile: "$tls/system-worker.pem"
      keyFile: "$tls/system-worker.key"
      client:
        serverName: localhost
        rootCaFiles: ["$tls/ca.pem"]
services:
  frontend:
    rpc: { grpcPort: $FRONTEND_PORT, membershipPort: $FRONTEND_MEMBERSHIP_PORT, httpPort: $FRONTEND_HTTP_PORT, bindOnLocalHost: true }
  history:
    rpc: { grpcPort: $HISTORY_PORT, membershipPort: $HISTORY_MEMBERSHIP_PORT, bindOnLocalHost: true }
  matching:
    rpc: { grpcPort: $MATCHING_PORT, membershipPort: $MATCHING_MEMBERSHIP_PORT, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: $WORKER_PORT, membershipPort: $WORKER_MEMBERSHIP_PORT, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:$FRONTEND_PORT"
dcRedirectionPolicy:
  policy: noop
# The one dynamic config of the production shape, shared with docker-compose.yml.
dynamicConfigClient:
  filepath: "$project/scripts/production/dynamicconfig.yaml"
  pollInterval: 10s
EOF
for service in frontend history matching worker; do
  var=$(echo "$service" | tr a-z A-Z)_METRICS_PORT
  cat >"$data/config/production_$service.yaml" <<EOF
global:
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:${!var}"
EOF
done
umask 022

# The membership port: every service opens it once it has joined the cluster's metadata (the
# worker service serves no gRPC of its own).
port_of() { local var; var=$(echo "$1" | tr a-z A-Z)_MEMBERSHIP_PORT; echo "${!var}"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# One at a time, each listening before the next starts: services started together race to write
# the cluster's metadata, and the losers exit ("SaveClusterMetadata encountered version mismatch").
for service in history matching frontend worker; do
  if alive "$service"; then continue; fi
  echo "== Temporal: $service"
  # setsid: its own process group, so down.sh stops it and nothing else.
  # --allow-no-auth: no authorizer; who may call the frontend is decided by its client
  # certificates (mTLS, above), and the other services bind to loopback only.
  setsid "$server" --root "$data" --config config --env production --zone "$service" --allow-no-auth start --service "$service" \
    >"$data/logs/$service.log" 2>&1 </dev/null &
  echo $! >"$data/pids/$service.pid"
  for attempt in $(seq 1 120); do
    listening "$(port_of "$service")" && break
    alive "$service" || die "Temporal's $service service ended: see $data/logs/$service.log"
    [ "$attempt" -lt 120 ] || die "Temporal's $service service did not listen on $(port_of "$service") in 60 s: see $data/logs/$service.log"
    sleep 0.5
  done
done

frontend=127.0.0.1:$FRONTEND_PORT
# The temporal CLI as an operator runs it against this cluster: TLS, with Tenure's certificate.
temporal_tls=(--address "$frontend" --tls-ca-path "$tls/ca.pem" --tls-cert-path "$tls/tenure.pem" --tls-key-path "$tls/tenure.key" --tls-server-name localhost)
echo "== Temporal: waiting for the frontend at $frontend"
for attempt in $(seq 1 120); do
  "$temporal_cli" operator cluster health "${temporal_tls[@]}" >/dev/null 2>&1 && break
  for service in history matching frontend worker; do
    alive "$service" || die "Temporal's $service service ended: see $data/logs/$service.log"
  done
  [ "$attempt" -lt 120 ] || die "the frontend at $frontend did not become healthy in 60 s: see $data/logs/frontend.log"
  sleep 0.5
done

if ! "$temporal_cli" operator namespace describe "${temporal_tls[@]}" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "== Temporal: namespace $NAMESPACE"
  "$temporal_cli" operator namespace create "${temporal_tls[@]}" --namespace "$NAMESPACE" --retention "$NAMESPACE_RETENTION" >/dev/null
fi
# What a Tenure process needs to reach this cluster, in the settings Tenure reads. Rewritten on
# each run from the kept files, so that it names this cluster's address.
umask 077
cat >"$secrets/tenure.env" <<EOF
TEMPORAL_ADDRESS=$frontend
TEMPORAL_TLS_CA=$tls/ca.pem
TEMPORAL_TLS_CERT=$tls/tenure.pem
TEMPORAL_TLS_KEY=$tls/tenure.key
TEMPORAL_TLS_SERVER_NAME=localhost
EOF
cat "$secrets/encryption.env" >>"$secrets/tenure.env"
umask 022

# Registered here as well as by Tenure at start, so the cluster is ready before any Tenure
# process connects, and with the one list Tenure uses.
echo "== Temporal: search attributes"
# Each service learns of a new namespace when it next refreshes its cache (every second: dynamicconfig.yaml).
for attempt in $(seq 1 30); do
  if registered=$(cd "$project" && set -a && . "$secrets/tenure.env" && set +a &&
    node --import tsx scripts/production/register-search-attributes.ts "$frontend" "$NAMESPACE" 2>&1); then
    echo "$registered"
    break
  fi
  [ "$attempt" -lt 30 ] || die "registering the search attributes failed: $registered"
  sleep 1
done

echo "$frontend" >"$data/frontend-address"
echo "Tenure's settings for this cluster (TLS, encryption): $secrets/tenure.env"
echo "Temporal frontend (TEMPORAL_ADDRESS):"
echo "$frontend"
