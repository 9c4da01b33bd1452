#!/usr/bin/env bash
# Token broker benchmarks (see results.md next to this script for what they measure and the latest figures).
#
#   fetch  GET /broker/v1/connections/{id}/token for random ids out of 10,000 seeded connections (OAuth tokens
#          with a long expiry and API keys), a service client's bearer token; warm-up, then measured wrk runs.
#   storm  10,000 OAuth credentials whose refreshes fall due within one minute, against a local provider that allows
#          200 token requests/s, refreshed by two Latchkey nodes on one database; watches until every one is
#          refreshed, then checks: no double refresh, none lost, no 429 at the provider, none refreshed after its
#          expiry.
#
# Each mode starts its own Latchkey (fresh LATCHKEY_DATA_DIR, embedded PostgreSQL) and stops it afterwards.
# Builds nothing: build first from the repository root with  mvn -B -ntp -o -q package -DskipTests
# (launcher/target/latchkey.jar and benchmarks/target/benchmarks.jar).  Writes its figures into results.md,
# between the BEGIN/END markers of the mode, and leaves the rest of the file alone.
#
# Usage: benchmarks/broker/run.sh [fetch|storm|both]   (default: both)
#
# Environment (all optional):
#   LATCHKEY_JAR=<repo>/launcher/target/latchkey.jar  BENCH_JAR=<repo>/benchmarks/target/benchmarks.jar
#   LATCHKEY_PORT=18191 LATCHKEY_MGMT_PORT=18192 LATCHKEY_JAVA_OPTS="-Xms1g -Xmx1g -XX:MaxTenuringThreshold=1"
#                                     (the JVM options ./latchkey.sh serve uses; see results.md for why)
#   LATCHKEY_ARGS=""                  extra Spring arguments for Latchkey (e.g. --server.tomcat.threads.max=32)
#   CONNECTIONS=10000 TENANTS=100     connections seeded, spread over this many tenants
#   fetch:
#     APIKEY_SHARE=0.2                share of API-key connections (the rest: OAuth, 30-day tokens)
#     WRK_THREADS=1 WRK_CONNECTIONS=16 WRK_DURATION=30s WARMUP_DURATION=30s WRK_EXTRA_ARGS=""
#                                     one wrk thread drives the fetch past 35,000/s on ~0.55 of a core; a second one
#                                     only takes CPU from the server it measures (results.md: the sweep)
#     PROFILE=0                       1: record JFR (profile settings) during the first measured run and print the
#                                     hottest methods; the recording is kept in the work dir
#     TARGET_RPS=25000 TARGET_P99_MS=5
#     NOOP_REFERENCE=1                after the fetch runs, stop Latchkey and measure the no-op reference
#                                     (benchmarks/noop-server: one Spring MVC endpoint answering "ok") on the same
#                                     port with the same JVM options, wrk settings and warm-up; 0 skips it
#     NOOP_JAR=<repo>/benchmarks/noop-server/target/noop-server.jar
#     NOOP_STATED_RPS=115000          what the target's brief says such an endpoint serves on the machine the target
#                                     was set for; the report compares the two ratios
#   storm:
#     STORM_PROVIDER_LIMIT=200        the provider's hard limit (token requests in any 1 s window)
#     STORM_NODES=2                   Latchkey nodes refreshing together: the second (ports LATCHKEY_PORT + 2 and
#                                     LATCHKEY_MGMT_PORT + 2) uses the first's embedded PostgreSQL and keyring, and
#                                     the nodes divide the provider's limit between them; 1: one node
#     STORM_NODE_LIMIT=""             empty: the provider's catalog entry states STORM_PROVIDER_LIMIT per second and
#                                     the broker keeps its default headroom under it (10 %: 180/s); a number: passed
#                                     as --latchkey.broker.rate-limits.bench-storm, which the broker takes as given
#     STORM_DELAY_MS=50               the provider's answer time
#     STORM_PROVIDER_NICE=-10         nice value of the provider process (root only; empty: leave it). A real provider
#                                     runs on machines of its own; here it shares 2 cores with Latchkey and PostgreSQL,
#                                     and when its accepting thread is starved, requests that reached its socket evenly
#                                     are timed in a clump, which it would count as a burst the broker never sent
#     STORM_START_IN=15 STORM_SPREAD=60 STORM_EXPIRES_AFTER=180
#                                     seconds: first refresh due this long after seeding; due times spread over this
#                                     long; each credential expires this long after it falls due
#     STORM_TIMEOUT=600               give up watching after this many seconds
#   START_TIMEOUT=300 RESULTS_FILE=<this dir>/results.md KEEP_WORK=1 (keep logs, data dir, JFR)
#   IDLE_BUSY_MAX=25 IDLE_WAIT_MAX=300  wait (up to IDLE_WAIT_MAX s) for the machine to be at most this % busy
#                                       before a measured phase (the machine is shared with builds)
#   OTHERS_MAX=0.25 MEASURE_ATTEMPTS=3  repeat a measured fetch run during which other processes used more than
#                                       OTHERS_MAX cores, up to MEASURE_ATTEMPTS runs; keep the least disturbed
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck disable=SC2034  # read by log() in lib.sh
LOG_PREFIX="[broker-bench]"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$HERE/../lib.sh"

MODES="${1:-both}"
case "$MODES" in
  both) MODES="fetch storm" ;;
  fetch|storm) ;;
  *) echo "usage: $0 [fetch|storm|both]" >&2; exit 2 ;;
esac

LATCHKEY_JAR="${LATCHKEY_JAR:-$REPO/launcher/target/latchkey.jar}"
BENCH_JAR="${BENCH_JAR:-$REPO/benchmarks/target/benchmarks.jar}"
LATCHKEY_PORT="${LATCHKEY_PORT:-18191}"
LATCHKEY_MGMT_PORT="${LATCHKEY_MGMT_PORT:-18192}"
LATCHKEY_JAVA_OPTS="${LATCHKEY_JAVA_OPTS:--Xms1g -Xmx1g -XX:MaxTenuringThreshold=1}"
LATCHKEY_ARGS="${LATCHKEY_ARGS:-}"
CONNECTIONS="${CONNECTIONS:-10000}"
TENANTS="${TENANTS:-100}"
APIKEY_SHARE="${APIKEY_SHARE:-0.2}"
WRK_THREADS="${WRK_THREADS:-1}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}"
WRK_DURATION="${WRK_DURATION:-30s}"
WARMUP_DURATION="${WARMUP_DURATION:-30s}"
WRK_EXTRA_ARGS="${WRK_EXTRA_ARGS:-}"
PROFILE="${PROFILE:-0}"
TARGET_RPS="${TARGET_RPS:-25000}"
TARGET_P99_MS="${TARGET_P99_MS:-5}"
NOOP_REFERENCE="${NOOP_REFERENCE:-1}"
NOOP_JAR="${NOOP_JAR:-$REPO/benchmarks/noop-server/target/noop-server.jar}"
NOOP_STATED_RPS="${NOOP_STATED_RPS:-115000}"
STORM_PROVIDER_LIMIT="${STORM_PROVIDER_LIMIT:-200}"
STORM_NODES="${STORM_NODES:-2}"
STORM_NODE_LIMIT="${STORM_NODE_LIMIT:-}"
STORM_DELAY_MS="${STORM_DELAY_MS:-50}"
STORM_PROVIDER_NICE="${STORM_PROVIDER_NICE--10}"
STORM_START_IN="${STORM_START_IN:-15}"
STORM_SPREAD="${STORM_SPREAD:-60}"
STORM_EXPIRES_AFTER="${STORM_EXPIRES_AFTER:-180}"
STORM_TIMEOUT="${STORM_TIMEOUT:-600}"
START_TIMEOUT="${START_TIMEOUT:-300}"
RESULTS_FILE="${RESULTS_FILE:-$HERE/results.md}"

ADMIN_CLIENT_ID="bench-admin"
ADMIN_CLIENT_SECRET="bench-admin-secret-7d41c0e9a2"
STORM_PROVIDER_ID="bench-storm"
STORM_CLIENT_ID="bench-storm-client"
STORM_CLIENT_SECRET="bench-storm-secret"
BASE_URL="http://127.0.0.1:$LATCHKEY_PORT"
READY_URL="http://127.0.0.1:$LATCHKEY_MGMT_PORT/actuator/health/readiness"

# --- prerequisites -----------------------------------------------------------

ensure_wrk
require_tools curl jq psql
[[ -f "$LATCHKEY_JAR" ]] || die "$LATCHKEY_JAR does not exist (build with: mvn -B -ntp -o -q package -DskipTests)"
[[ -f "$BENCH_JAR" ]] || die "$BENCH_JAR does not exist (build with: mvn -B -ntp -o -q package -DskipTests)"
[[ "$NOOP_REFERENCE" != 1 || -f "$NOOP_JAR" ]] \
  || die "$NOOP_JAR does not exist (build with: mvn -B -ntp -o -q package -DskipTests, or set NOOP_REFERENCE=0)"

if [[ -z "${BENCH_JAVA_HOME:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    BENCH_JAVA_HOME="$JAVA_HOME"
  else
    BENCH_JAVA_HOME="$(ls -d /usr/lib/jvm/*25* 2>/dev/null | sort -rV | head -n1)"
  fi
fi
JAVA_BIN="$BENCH_JAVA_HOME/bin/java"
[[ -x "$JAVA_BIN" ]] || die "no java at $JAVA_BIN; set BENCH_JAVA_HOME"
JAVA_VERSION="$("$JAVA_BIN" -version 2>&1 | sed -n '2p')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-broker-bench.XXXXXX")"
LK_PID=""
LK_DATA_DIR=""
NODE2_PID=""
PROVIDER_PID=""

# Stops a Latchkey JVM started by spawn_latchkey (it leads its own session): TERM, then KILL after 15 s.
stop_jvm() { # <pid> <label>
  local i
  kill -0 "$1" 2>/dev/null || return 0
  log "stopping $2 (pid $1)"
  # The JVM alone first: it stops its embedded PostgreSQL itself (a TERM to the whole session would stop the
  # database under the JVM's shutdown hooks, which then wait 30 s for a connection).
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$1" 2>/dev/null; then
    log "$2 still running after 15s, killing"
    kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null || true
  fi
}

stop_latchkey() {
  [[ -n "$LK_PID" ]] || return 0
  stop_jvm "$LK_PID" Latchkey
  stop_leftover_postgres "$LK_DATA_DIR"
  LK_PID=""
}

# The storm's second node, before the first: it uses the first node's PostgreSQL.
stop_node2() {
  [[ -n "$NODE2_PID" ]] || return 0
  stop_jvm "$NODE2_PID" "the second Latchkey node"
  NODE2_PID=""
}

stop_provider() {
  [[ -n "$PROVIDER_PID" ]] || return 0
  kill -TERM "$PROVIDER_PID" 2>/dev/null || true
  wait "$PROVIDER_PID" 2>/dev/null || true
  PROVIDER_PID=""
}

stop_servers() {
  stop_node2
  stop_latchkey
  stop_provider
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers -----------------------------------------------------------------

urlencode() { jq -rn --arg v "$1" '$v | @uri'; }

# api <method> <path> <bearer token or -> [json body] -> body on stdout; fails unless 2xx.
api() {
  local method="$1" path="$2" token="$3" body="${4:-}" out status
  out="$WORK/api-response.json"
  local -a args=(-sS -o "$out" -w '%{http_code}' -X "$method" -H 'Accept: application/json')
  [[ "$token" != - ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  status="$(curl "${args[@]}" "$BASE_URL$path")" || true
  if [[ ! "$status" =~ ^2 ]]; then
    log "$method $path answered HTTP $status:"; head -c 2000 "$out" >&2 || true; echo >&2
    return 1
  fi
  cat "$out"
}

# client_token <client id> <secret> <scope> -> access token (client_secret_basic, form-encoded per RFC 6749 2.3.1)
client_token() {
  local out status
  out="$WORK/token-response.json"
  status="$(curl -sS -o "$out" -w '%{http_code}' -u "$(urlencode "$1"):$(urlencode "$2")" \
    -H 'Accept: application/json' --data "grant_type=client_credentials&scope=$(urlencode "$3")" "$BASE_URL/oauth2/token")" || true
  if [[ "$status" != 200 ]]; then
    log "client_credentials grant for $1 answered HTTP $status:"; head -c 2000 "$out" >&2 || true; echo >&2
    return 1
  fi
  json_field access_token <"$out"
}

pg_port() { sed -n '4p' "$(find "$LK_DATA_DIR" -name postmaster.pid | head -n1)"; }
sql() { # <query> -> unaligned, tuples only, '|' separated
  psql -X -q -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$(pg_port) user=postgres dbname=postgres" -c "$1"
}

seed() { # <fetch|storm> <ids file> [name=value...]
  local mode="$1" ids="$2"
  shift 2
  "$JAVA_BIN" -cp "$BENCH_JAR" dev.latchkey.benchmarks.broker.SeedConnections "$mode" \
    "jdbc-url=jdbc:postgresql://127.0.0.1:$(pg_port)/postgres" "keyring=$LK_DATA_DIR/keyring.json" \
    "ids-out=$ids" "count=$CONNECTIONS" "tenants=$TENANTS" "$@" >&2
}

# setup_service: a new client-credentials app with broker:token:read, allowed every tenant (SERVICE_ID/SECRET).
# Runs in the main shell (not in $(...)), so that the globals stay set.
SERVICE_ID=""; SERVICE_SECRET=""
setup_service() {
  local admin team app
  admin="$(client_token "$ADMIN_CLIENT_ID" "$ADMIN_CLIENT_SECRET" admin)" || return 1
  team="$(api POST /admin/v1/teams "$admin" "{\"name\":\"broker-bench-$RANDOM\"}" | json_field id)" || return 1
  app="$(api POST /admin/v1/apps "$admin" "$(jq -cn --arg team "$team" '{teamId: $team, name: "broker-bench-service",
    redirectUris: [], scopes: ["broker:token:read"], grantTypes: ["client_credentials"]}')")" || return 1
  SERVICE_ID="$(jq -r .app.clientId <<<"$app")"; SERVICE_SECRET="$(jq -r .clientSecret <<<"$app")"
  api PUT "/admin/v1/broker/callers/$(urlencode "$SERVICE_ID")" "$admin" '{"tenants":["*"]}' >/dev/null
}
service_token() { client_token "$SERVICE_ID" "$SERVICE_SECRET" broker:token:read; }

# start_latchkey <label> [spring args...]: a fresh data dir, the catalog dir $WORK/catalog; waits for readiness.
start_latchkey() {
  local label="$1"
  shift
  for p in "$LATCHKEY_PORT" "$LATCHKEY_MGMT_PORT"; do
    port_in_use "$p" && die "port $p already in use"
  done
  LK_DATA_DIR="$WORK/$label-data"
  mkdir -p "$LK_DATA_DIR"
  local logfile="$WORK/$label-latchkey.log"
  # shellcheck disable=SC2086  # LATCHKEY_ARGS holds several arguments
  spawn_latchkey "$logfile" "$ADMIN_CLIENT_ID" "$ADMIN_CLIENT_SECRET" \
    "--latchkey.broker.catalog-dir=$WORK/catalog" "$@" $LATCHKEY_ARGS
  log "$label: java $LATCHKEY_JAVA_OPTS -jar latchkey.jar --latchkey.broker.catalog-dir=… $* $LATCHKEY_ARGS (pid $LK_PID, log $logfile)"
  await_ready "$LK_PID" "$READY_URL" "$logfile" "$label: Latchkey" || { stop_latchkey; return 1; }
}

# Waits until the JVM <pid> answers 200 on <readiness URL> and is still alive a second later (a readiness answer
# from some other server on its port must not count); fails, with the log's tail, when it exits or START_TIMEOUT
# passes first.
await_ready() { # <pid> <readiness URL> <log file> <label>
  local waited=0 status=""
  while :; do
    if ! kill -0 "$1" 2>/dev/null; then
      log "$4 exited during startup; last log lines:"; tail -n 60 "$3" >&2 || true
      return 1
    fi
    status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$2" || true)"
    [[ "$status" == 200 ]] && sleep 1 && kill -0 "$1" 2>/dev/null && break
    if (( waited >= START_TIMEOUT )); then
      log "$4 not ready after ${START_TIMEOUT}s (readiness HTTP $status)"; tail -n 60 "$3" >&2 || true
      return 1
    fi
    sleep 2; waited=$((waited + 2))
  done
  log "$4 ready after ~${waited}s"
}

# A second node on the first one's database (its embedded PostgreSQL, over TCP) and keyring, with ports two above
# the first's; waits until it is ready. Sets NODE2_PID.
start_node2() { # [Spring arguments...]
  local db keyring node1=("$LATCHKEY_PORT" "$LATCHKEY_MGMT_PORT" "$LK_DATA_DIR" "$LK_PID")
  db="jdbc:postgresql://127.0.0.1:$(pg_port)/postgres?user=postgres"
  keyring="$LK_DATA_DIR/keyring.json"
  LATCHKEY_PORT=$((node1[0] + 2)) LATCHKEY_MGMT_PORT=$((node1[1] + 2)) LK_DATA_DIR="$WORK/storm-node2-data"
  mkdir -p "$LK_DATA_DIR"
  local logfile="$WORK/storm-node2-latchkey.log" ready="http://127.0.0.1:$LATCHKEY_MGMT_PORT/actuator/health/readiness"
  # shellcheck disable=SC2086  # LATCHKEY_ARGS holds several arguments
  DATABASE_URL="$db" spawn_latchkey "$logfile" "$ADMIN_CLIENT_ID" "$ADMIN_CLIENT_SECRET" \
    "--latchkey.broker.catalog-dir=$WORK/catalog" "--latchkey.keys.local.keyring-file=$keyring" "$@" $LATCHKEY_ARGS
  NODE2_PID=$LK_PID
  LATCHKEY_PORT=${node1[0]} LATCHKEY_MGMT_PORT=${node1[1]} LK_DATA_DIR=${node1[2]} LK_PID=${node1[3]}
  log "second node: pid $NODE2_PID, port $((LATCHKEY_PORT + 2)), database $db, log $logfile"
  await_ready "$NODE2_PID" "$ready" "$logfile" "the second node"
}

write_catalog() { # <storm provider port or empty>
  mkdir -p "$WORK/catalog"
  # OAuth connections of the fetch benchmark: 30-day tokens, never refreshed during the run (the URLs are unused).
  cat >"$WORK/catalog/bench-oauth.yaml" <<'EOF'
catalogVersion: "1.0.0"
providers:
  bench-oauth:
    displayName: Benchmark OAuth provider (never called)
    authMode: oauth2
    allowInsecureForTesting: true
    urls:
      authorize: http://127.0.0.1:9/authorize
      token: http://127.0.0.1:9/token
      api: http://127.0.0.1:9/api
    authorize: { pkce: S256 }
    tokenRequest: { clientAuth: client_secret_basic, bodyFormat: form }
    expiry: { policy: provider }
    refreshToken: { rotates: true }
    errors:
      reauthCodes: []
      transientCodes: []
EOF
  cat >"$WORK/catalog/bench-apikey.yaml" <<'EOF'
catalogVersion: "1.0.0"
providers:
  bench-apikey:
    displayName: Benchmark API-key service
    authMode: api_key
    allowInsecureForTesting: true
    urls: { api: "http://127.0.0.1:9/api" }
    apiKey: { placement: header, name: Authorization, prefix: "Bearer " }
EOF
  if [[ -n "${1:-}" ]]; then
    cat >"$WORK/catalog/$STORM_PROVIDER_ID.yaml" <<EOF
catalogVersion: "1.0.0"
providers:
  $STORM_PROVIDER_ID:
    displayName: Benchmark refresh-storm provider (StormProvider, $STORM_PROVIDER_LIMIT token requests/s)
    authMode: oauth2
    allowInsecureForTesting: true
    urls:
      authorize: http://127.0.0.1:$1/authorize
      token: http://127.0.0.1:$1/token
      api: http://127.0.0.1:$1/api
    authorize: { pkce: S256 }
    tokenRequest: { clientAuth: client_secret_basic, bodyFormat: form }
    expiry: { policy: provider, skewSeconds: 1 }
    refreshToken: { rotates: true }
    errors:
      reauthCodes: []
      transientCodes: []
    rateLimit: { requests: $STORM_PROVIDER_LIMIT, windowSeconds: 1, scope: app, note: hard limit of StormProvider }
EOF
  fi
}

# Replaces the block between "<!-- BEGIN <mode> results -->" and "<!-- END <mode> results -->" in RESULTS_FILE
# with the contents of file <block>; appends the block (with its markers) when the file has none.
update_results() { # <mode> <block file>
  local begin="<!-- BEGIN $1 results -->" end="<!-- END $1 results -->"
  touch "$RESULTS_FILE"
  if grep -qF "$begin" "$RESULTS_FILE"; then
    awk -v begin="$begin" -v end="$end" -v block="$2" '
      $0 == begin { print; while ((getline line < block) > 0) print line; skip = 1; next }
      $0 == end { skip = 0 }
      !skip { print }' "$RESULTS_FILE" >"$RESULTS_FILE.tmp"
  else
    { cat "$RESULTS_FILE"; echo; echo "$begin"; cat "$2"; echo "$end"; } >"$RESULTS_FILE.tmp"
  fi
  mv "$RESULTS_FILE.tmp" "$RESULTS_FILE"
}

machine_info() { # <what else ran on the machine>
  echo "- Machine: \`nproc\` = $(nproc), $(cpu_model), $(mem_total); $JAVA_VERSION; $1 on" \
    "the same 2 cores as Latchkey and its embedded PostgreSQL."
  echo "- Latchkey: $JAR_INFO; \`java $LATCHKEY_JAVA_OPTS -jar\`${LATCHKEY_ARGS:+ \`$LATCHKEY_ARGS\`}; fresh data dir"
  echo "  (embedded PostgreSQL 17), local keyring; repo at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "plus uncommitted changes."
}

copy_latchkey_jar

# --- fetch -------------------------------------------------------------------

fetch_wrk_cmd() { # <duration> [script] -> the wrk command line
  wrk_cmd "$1" "${2:-fetch.lua}" "$BASE_URL" --latency
}

# fetch_measure <out> [script] [label] -> RESULT line plus server (and PostgreSQL), wrk and others' CPU, load
fetch_measure() {
  local out="$1" script="${2:-fetch.lua}" label="${3:-broker-fetch}" cpu
  # shellcheck disable=SC2046  # fetch_wrk_cmd's output is split into arguments on purpose
  cpu="$(timed_run "$out" "$LK_PID" "$LK_DATA_DIR" \
    env BROKER_TOKEN="$TOKEN" IDS_FILE="$IDS" BENCH_LABEL="$label" $(fetch_wrk_cmd "$WRK_DURATION" "$script"))" || return 1
  result_with_cpu "$out" "$cpu" 1
}

cache_stats() { # -> data-key and credential cache counters from the Prometheus endpoint
  curl -s "http://127.0.0.1:$LATCHKEY_MGMT_PORT/actuator/prometheus" \
    | awk '/^latchkey_keys_cache_(requests_total|evictions_total|size)/ { sub(/^latchkey_keys_cache_/, "keys_"); printf "%s ", $0 }
           /^latchkey_broker_credential_cache_(reads_total|size|live)/ { sub(/^latchkey_broker_credential_cache_/, "credentials_"); printf "%s ", $0 }'
}

# The no-op reference (NOOP_REFERENCE=1): Latchkey stopped, NoopServer on the same port with the same JVM options,
# warmed up and measured with the same wrk settings. Sets NOOP_LINE (a fetch_measure line) or leaves it empty.
NOOP_LINE=""
run_noop_reference() {
  [[ "$NOOP_REFERENCE" == 1 ]] || return 0
  stop_latchkey
  LK_DATA_DIR=""
  port_in_use "$LATCHKEY_PORT" && die "port $LATCHKEY_PORT still in use"
  local logfile="$WORK/noop-server.log" waited=0
  # shellcheck disable=SC2086
  (exec setsid "$JAVA_BIN" $LATCHKEY_JAVA_OPTS -jar "$NOOP_JAR" --server.address=127.0.0.1 \
    "--server.port=$LATCHKEY_PORT" --spring.threads.virtual.enabled=true </dev/null >"$logfile" 2>&1) &
  LK_PID=$!
  until [[ "$(curl -s --max-time 2 "$BASE_URL/noop" || true)" == ok ]]; do
    kill -0 "$LK_PID" 2>/dev/null && (( waited < START_TIMEOUT )) \
      || { log "no-op reference did not start; last log lines:"; tail -n 30 "$logfile" >&2; stop_latchkey; return 1; }
    sleep 1; waited=$((waited + 1))
  done
  log "no-op reference: java $LATCHKEY_JAVA_OPTS -jar noop-server.jar (pid $LK_PID); warm-up $WARMUP_DURATION"
  # shellcheck disable=SC2046
  env BENCH_LABEL=noop-warmup $(fetch_wrk_cmd "$WARMUP_DURATION" noop.lua) >"$WORK/noop-warmup.txt" 2>&1 \
    || { cat "$WORK/noop-warmup.txt" >&2; stop_latchkey; return 1; }
  NOOP_LINE="$(fetch_measure "$WORK/noop.txt" noop.lua noop-reference)" || { stop_latchkey; return 1; }
  log "$(sed 's/^RESULT //' <<<"$NOOP_LINE")"
  stop_latchkey
}

run_fetch() {
  log "=== fetch ==="
  write_catalog ""
  local -a profile_args=()
  [[ "$PROFILE" == 1 ]] && profile_args=(-XX:FlightRecorderOptions:stackdepth=256)
  LATCHKEY_JAVA_OPTS="$LATCHKEY_JAVA_OPTS ${profile_args[*]:-}" start_latchkey fetch || return 1
  IDS="$WORK/fetch-ids.txt"
  local seed_start=$SECONDS
  seed fetch "$IDS" oauth-provider=bench-oauth apikey-provider=bench-apikey "apikey-share=$APIKEY_SHARE" || return 1
  local seed_secs=$((SECONDS - seed_start))
  setup_service || return 1
  TOKEN="$(service_token)" || return 1
  # One of each kind by hand, so that a broken setup fails here and not as 30 s of 404s.
  local oauth_id apikey_id
  oauth_id="$(sql "select c.id from connections c where c.auth_mode = 'oauth2' limit 1")"
  apikey_id="$(sql "select c.id from connections c where c.auth_mode = 'api_key' limit 1")"
  api GET "/broker/v1/connections/$oauth_id/token" "$TOKEN" | jq -e '.access_token | startswith("bench_at_")' >/dev/null \
    || { log "OAuth fetch check failed"; return 1; }
  api GET "/broker/v1/connections/$apikey_id/token" "$TOKEN" | jq -e '.api_key | startswith("bench_key_")' >/dev/null \
    || { log "API-key fetch check failed"; return 1; }
  local counts
  counts="$(sql "select count(*) filter (where auth_mode = 'oauth2'), count(*) filter (where auth_mode = 'api_key') from connections")"
  log "seeded: ${counts%%|*} OAuth + ${counts##*|} API-key connections in ${seed_secs}s; both kinds fetch fine"

  local idle probe_before probe_after
  idle="$(wait_for_idle), load $(loadavg)"
  probe_before="$(cpu_probe)"
  log "fetch: warm-up $WARMUP_DURATION ($idle; CPU probe $probe_before RSA-2048 signs/s)"
  # shellcheck disable=SC2046
  env BROKER_TOKEN="$TOKEN" IDS_FILE="$IDS" BENCH_LABEL=broker-fetch-warmup $(fetch_wrk_cmd "$WARMUP_DURATION") \
    >"$WORK/fetch-warmup.txt" 2>&1 || { cat "$WORK/fetch-warmup.txt" >&2; return 1; }
  grep '^RESULT' "$WORK/fetch-warmup.txt" >&2 || true

  local attempt line best="" best_other=999 other jfr=""
  for ((attempt = 1; attempt <= ${MEASURE_ATTEMPTS:-3}; attempt++)); do
    TOKEN="$(service_token)" || return 1  # a fresh 15-minute token for each run
    if [[ "$PROFILE" == 1 && $attempt == 1 ]]; then
      jfr="$WORK/fetch.jfr"
      "$BENCH_JAVA_HOME/bin/jcmd" "$LK_PID" JFR.start name=bench settings=profile "filename=$jfr" >/dev/null
    fi
    log "fetch: measured run $attempt: $(fetch_wrk_cmd "$WRK_DURATION" | sed "s#$REPO/##")"
    line="$(fetch_measure "$WORK/fetch-$attempt.txt")" || return 1
    if [[ -n "$jfr" && $attempt == 1 ]]; then
      "$BENCH_JAVA_HOME/bin/jcmd" "$LK_PID" JFR.stop name=bench >/dev/null
    fi
    sed -n '/^Running/,/^Transfer/p' "$WORK/fetch-$attempt.txt" >&2
    log "$(sed 's/^RESULT //' <<<"$line")"
    other="$(field "$line" other_cores)"
    if awk -v a="$other" -v b="$best_other" 'BEGIN { exit !(a < b) }'; then
      best="$line"; best_other="$other"; BEST_RUN="$WORK/fetch-$attempt.txt"
    fi
    awk -v a="$other" -v m="${OTHERS_MAX:-0.25}" 'BEGIN { exit !(a <= m) }' && break
    if (( attempt < ${MEASURE_ATTEMPTS:-3} )); then
      log "other processes used $other cores during that run (> ${OTHERS_MAX:-0.25}); repeating it"
      idle="$(wait_for_idle), load $(loadavg)"
    fi
  done
  probe_after="$(cpu_probe)"
  local cache
  cache="$(cache_stats)"
  local rows_per_tenant
  rows_per_tenant="$(sql "select count(*) from audit_events where action = 'credential.read'")"
  run_noop_reference || return 1

  local rps p50 p99 non2xx bad verdict
  rps="$(field "$best" rps)"; p50="$(field "$best" p50_ms)"; p99="$(field "$best" p99_ms)"
  non2xx="$(field "$best" non2xx)"; bad="$(field "$best" bad_body)"
  verdict="$(awk -v r="$rps" -v p="$p99" -v tr="$TARGET_RPS" -v tp="$TARGET_P99_MS" -v e="$((non2xx + bad))" 'BEGIN {
    printf "%s (>= %d fetches/s with p99 < %s ms and no errors): %.0f fetches/s, p99 %.2f ms, %d errors",
      (r >= tr && p < tp && e == 0) ? "MET" : "NOT MET", tr, tp, r, p, e }')"
  log "fetch: $verdict"
  local noop_summary=""
  if [[ -n "$NOOP_LINE" ]]; then
    noop_summary="$(awk -v f="$rps" -v n="$(field "$NOOP_LINE" rps)" -v p="$(field "$NOOP_LINE" p99_ms)" \
      -v t="$TARGET_RPS" -v s="$NOOP_STATED_RPS" 'BEGIN {
      printf "%.0f requests/s, p99 %.2f ms; the token fetch served %.0f %% of that (the target, %d fetches/s, was set next to about %d/s for such an endpoint on the machine it was set for: %.0f %%)", n, p, (n > 0 ? 100 * f / n : 0), t, s, 100 * t / s }')"
    log "no-op reference: $noop_summary"
  fi

  local block="$WORK/fetch-block.md"
  {
    echo "Generated by \`benchmarks/broker/run.sh fetch\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    machine_info "wrk"
    echo "- Seeded: $CONNECTIONS connections over $TENANTS tenants (${counts%%|*} OAuth with 30-day tokens, ${counts##*|} API keys),"
    echo "  by \`SeedConnections fetch\` in ${seed_secs}s; caller: one client-credentials app with \`broker:token:read\`, tenants \`*\`."
    echo "- Warm-up: $WARMUP_DURATION with the same command; machine before it: $idle."
    echo
    echo '```'
    echo "$(fetch_wrk_cmd "$WRK_DURATION" | sed "s#$REPO/##")   # BROKER_TOKEN, IDS_FILE from the environment"
    echo '```'
    echo
    echo "| run | requests/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | bad body | socket errors | server CPU ms/req (of which PostgreSQL) | server cores | wrk cores | others' cores | load avg (1/5/15 min, after) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    local row line
    for row in fetch noop; do
      if [[ $row == fetch ]]; then line="$best"; else line="$NOOP_LINE"; fi
      [[ -n "$line" ]] || continue
      echo "| $([[ $row == fetch ]] && echo "token fetch" || echo "no-op reference") | $(field "$line" rps) | $(field "$line" p50_ms) | $(field "$line" p90_ms) | $(field "$line" p99_ms) | $(field "$line" max_ms) | $(field "$line" non2xx) | $(field "$line" bad_body) | $(field "$line" socket_errors) |" \
        "$(field "$line" server_cpu_ms_per_req) ($(field "$line" pg_cpu_ms_per_req)) | $(field "$line" server_cores) | $(field "$line" wrk_cores) | $(field "$line" other_cores) | $(field "$line" load) |"
    done
    echo
    echo "CPU speed probe (\`openssl speed -seconds 3 rsa2048\`, signatures/s; this VM's speed drifts with the host's load,"
    echo "so compare figures taken at similar probe values): $probe_before before the warm-up, $probe_after after the measured runs."
    echo
    echo "Target $verdict. Measured runs: $attempt (a run is repeated when other processes used more than ${OTHERS_MAX:-0.25} cores)."
    if [[ -n "$NOOP_LINE" ]]; then
      echo
      echo "No-op reference (\`benchmarks/noop-server\`, \`GET /noop\` answering \`ok\`, checked by \`noop.lua\`), measured right"
      echo "after with Latchkey stopped, the same JVM options, warm-up and wrk settings: $noop_summary."
    fi
    echo
    echo "wrk's own latency distribution of that run:"
    echo
    echo '```'
    sed -n '/Latency Distribution/,/requests in/p' "$BEST_RUN"
    echo '```'
    echo
    echo "Data-key and credential caches after the runs: \`$cache\`. \`credential.read\` audit rows written: $rows_per_tenant."
    if [[ -n "$jfr" ]]; then
      echo
      echo "JFR (\`settings=profile\`, stack depth 256, measured run 1), CPU samples of the request threads by layer"
      echo "(\`java -cp benchmarks.jar dev.latchkey.benchmarks.broker.JfrBreakdown fetch.jfr\`):"
      echo
      echo '```'
      "$JAVA_BIN" -cp "$BENCH_JAR" dev.latchkey.benchmarks.broker.JfrBreakdown "$jfr"
      echo '```'
    fi
  } >"$block"
  update_results fetch "$block"
  if [[ -n "$jfr" ]]; then
    "$JAVA_BIN" -cp "$BENCH_JAR" dev.latchkey.benchmarks.broker.JfrBreakdown "$jfr" >&2 || true
    log "JFR recording: $jfr (kept with KEEP_WORK=1)"
  fi
  stop_latchkey
  echo "fetch: $rps fetches/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, bad bodies $bad — target $verdict${noop_summary:+; no-op reference: $noop_summary}"
}

# --- storm -------------------------------------------------------------------

# JVM and PostgreSQL ticks of the storm's Latchkey nodes.
storm_ticks() {
  local one two=(0 0)
  read -r -a one <<<"$(server_ticks "$LK_PID" "$LK_DATA_DIR")"
  [[ -n "$NODE2_PID" ]] && read -r -a two <<<"$(server_ticks "$NODE2_PID")"
  echo "$((one[0] + two[0])) $((one[1] + two[1]))"
}

run_storm() {
  log "=== storm ==="
  local portfile="$WORK/storm-provider.port"
  rm -f "$portfile"
  "$JAVA_BIN" -Xmx256m -cp "$BENCH_JAR" dev.latchkey.benchmarks.broker.StormProvider "port-file=$portfile" \
    "limit=$STORM_PROVIDER_LIMIT" "delay-ms=$STORM_DELAY_MS" "client-id=$STORM_CLIENT_ID" \
    "client-secret=$STORM_CLIENT_SECRET" >"$WORK/storm-provider.log" 2>&1 &
  PROVIDER_PID=$!
  if [[ -n "$STORM_PROVIDER_NICE" ]]; then
    renice -n "$STORM_PROVIDER_NICE" -p "$PROVIDER_PID" >/dev/null 2>&1 || log "could not renice the provider"
  fi
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$portfile" ]] && break; sleep 0.2; done
  [[ -s "$portfile" ]] || { cat "$WORK/storm-provider.log" >&2; die "storm provider did not start"; }
  local pport stats_url
  pport="$(tr -d '\n' <"$portfile")"
  stats_url="http://127.0.0.1:$pport/stats"
  log "storm provider on port $pport (pid $PROVIDER_PID): $(head -n1 "$WORK/storm-provider.log")"
  write_catalog "$pport"
  local limit_args=(${STORM_NODE_LIMIT:+"--latchkey.broker.rate-limits.$STORM_PROVIDER_ID=$STORM_NODE_LIMIT"})
  start_latchkey storm "${limit_args[@]}" || return 1
  if (( STORM_NODES >= 2 )); then
    start_node2 "${limit_args[@]}" || return 1
  fi
  local admin
  admin="$(client_token "$ADMIN_CLIENT_ID" "$ADMIN_CLIENT_SECRET" admin)"
  api PUT "/admin/v1/broker/providers/$STORM_PROVIDER_ID/app" "$admin" \
    "$(jq -cn --arg id "$STORM_CLIENT_ID" --arg s "$STORM_CLIENT_SECRET" '{clientId: $id, clientSecret: $s}')" >/dev/null

  local idle probe
  idle="$(wait_for_idle), load $(loadavg)"
  probe="$(cpu_probe)"
  local m0 s0 m1 s1
  read -r -a m0 <<<"$(machine_ticks)"; read -r -a s0 <<<"$(storm_ticks)"
  local nodes_seen
  nodes_seen="$(sql "select count(*) from broker_nodes where seen_at > now() - interval '6 seconds'")"
  local ids="$WORK/storm-ids.txt"
  seed storm "$ids" "oauth-provider=$STORM_PROVIDER_ID" "start-in=$STORM_START_IN" "spread=$STORM_SPREAD" \
    "expires-after=$STORM_EXPIRES_AFTER" || return 1

  local started=$SECONDS row refreshed reauth last_progress=$SECONDS prev=-1
  log "storm: watching (every 2 s) until all $CONNECTIONS credentials are refreshed"
  while :; do
    row="$(sql "select count(*) filter (where cr.version >= 2), count(*) filter (where c.status <> 'active'),
                       count(*) filter (where (c.metadata->>'bench_due_at')::timestamptz <= now())
                  from credentials cr join connections c on c.id = cr.connection_id")"
    IFS='|' read -r refreshed reauth due <<<"$row"
    log "  t+$((SECONDS - started))s: due $due, refreshed $refreshed, not active $reauth, provider: $(curl -s "$stats_url" | jq -c '{requests, refreshes, violations_429, double_presentations, stale_refresh_tokens, max_admitted_in_1s, max_arrivals_in_1s}')"
    (( refreshed + reauth >= CONNECTIONS )) && break
    (( refreshed != prev )) && { prev=$refreshed; last_progress=$SECONDS; }
    if (( SECONDS - started >= STORM_TIMEOUT )); then log "storm: timeout after ${STORM_TIMEOUT}s"; break; fi
    sleep 2
  done
  sleep 3  # let stragglers (a second refresh would be a bug) show up before counting
  read -r -a m1 <<<"$(machine_ticks)"; read -r -a s1 <<<"$(storm_ticks)"
  local watch_secs=$((SECONDS - started))
  local pstats
  pstats="$(curl -s "$stats_url")"

  local report
  report="$(sql "
    with s as (
      select cr.version, c.status, cr.last_refreshed_at as refreshed_at,
             (c.metadata->>'bench_due_at')::timestamptz as due_at,
             (c.metadata->>'bench_expires_at')::timestamptz as expires_at
        from credentials cr join connections c on c.id = cr.connection_id)
    select count(*),
           count(*) filter (where version = 2 and status = 'active'),
           count(*) filter (where version = 1),
           count(*) filter (where version > 2),
           count(*) filter (where status <> 'active'),
           count(*) filter (where refreshed_at >= expires_at),
           count(*) filter (where refreshed_at is not null and refreshed_at < expires_at),
           to_char(min(due_at), 'HH24:MI:SS.MS'), to_char(max(due_at), 'HH24:MI:SS.MS'),
           to_char(min(refreshed_at), 'HH24:MI:SS.MS'), to_char(max(refreshed_at), 'HH24:MI:SS.MS'),
           round(extract(epoch from max(refreshed_at) - min(due_at))::numeric, 1),
           round(extract(epoch from max(refreshed_at) - min(refreshed_at))::numeric, 1),
           round((count(refreshed_at) / nullif(extract(epoch from max(refreshed_at) - min(refreshed_at)), 0))::numeric, 1),
           round(extract(epoch from percentile_cont(0.5) within group (order by refreshed_at - due_at))::numeric, 2),
           round(extract(epoch from percentile_cont(0.99) within group (order by refreshed_at - due_at))::numeric, 2),
           round(extract(epoch from max(refreshed_at - due_at))::numeric, 2),
           round(extract(epoch from min(expires_at - refreshed_at))::numeric, 1)
      from s")"
  local total v2 v1 vmore inactive late before first_due last_due first_ref last_ref span_total span_ref rate lag50 lag99 lagmax margin
  IFS='|' read -r total v2 v1 vmore inactive late before first_due last_due first_ref last_ref span_total span_ref rate lag50 lag99 lagmax margin <<<"$report"
  local failed_events refreshed_events
  failed_events="$(sql "select count(*) from audit_events where action = 'connection.refresh_failed'")"
  refreshed_events="$(sql "select count(*) from audit_events where action = 'connection.refreshed'")"
  local server_cores
  server_cores="$(awk -v hz="$CLK_TCK" -v srv="$((s1[0] + s1[1] - s0[0] - s0[1]))" -v total="$((m1[1] - m0[1]))" -v ncpu="$(nproc)" \
    'BEGIN { printf "%.2f", srv / hz / (total / hz / ncpu) }')"

  local doubles stale violations maxwin reqs prefreshes twice
  doubles="$(jq -r .double_presentations <<<"$pstats")"; stale="$(jq -r .stale_refresh_tokens <<<"$pstats")"
  violations="$(jq -r .violations_429 <<<"$pstats")"; maxwin="$(jq -r .max_admitted_in_1s <<<"$pstats")"
  local maxarr
  maxarr="$(jq -r .max_arrivals_in_1s <<<"$pstats")"
  reqs="$(jq -r .requests <<<"$pstats")"; prefreshes="$(jq -r .refreshes <<<"$pstats")"
  twice="$(jq -r .connections_refreshed_more_than_once <<<"$pstats")"
  local lost=$((CONNECTIONS - v2))
  local ok="PASSED"
  (( total == CONNECTIONS && v2 == CONNECTIONS && doubles == 0 && stale == 0 && twice == 0 && violations == 0 \
     && late == 0 && inactive == 0 )) || ok="FAILED"

  local block="$WORK/storm-block.md"
  {
    echo "Generated by \`benchmarks/broker/run.sh storm\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    machine_info "the provider"
    echo "- Provider: \`StormProvider limit=$STORM_PROVIDER_LIMIT delay-ms=$STORM_DELAY_MS\`${STORM_PROVIDER_NICE:+ at nice $STORM_PROVIDER_NICE} (hard limit: $STORM_PROVIDER_LIMIT token"
    echo "  requests in any 1 s window, 429 beyond; rotating refresh tokens), catalogued with that limit."
    local deployment_limit=$((STORM_PROVIDER_LIMIT * 9 / 10)) how="its defaults: the catalog limit less the default 10 % headroom"
    [[ -n "$STORM_NODE_LIMIT" ]] && deployment_limit=$STORM_NODE_LIMIT how="\`--latchkey.broker.rate-limits.$STORM_PROVIDER_ID=$STORM_NODE_LIMIT\`"
    echo "- Latchkey: $STORM_NODES node(s) on one database (the second on the first's embedded PostgreSQL and keyring; $nodes_seen in"
    echo "  \`broker_nodes\` when the storm began), refresh engine defaults (64 workers, 1 s poll, 60 s lease). Limit for the"
    echo "  deployment: $how, ${deployment_limit}/s, of which each node may admit $((deployment_limit / STORM_NODES))/s."
    echo "- Seeded: $CONNECTIONS OAuth credentials (\`SeedConnections storm start-in=$STORM_START_IN spread=$STORM_SPREAD"
    echo "  expires-after=$STORM_EXPIRES_AFTER\`): refreshes due from $first_due to $last_due UTC, each expiring ${STORM_EXPIRES_AFTER}s after it falls due."
    echo "- Machine before the storm: $idle, CPU probe $probe RSA-2048 signs/s; load after: $(loadavg); Latchkey + PostgreSQL used $server_cores cores on average while watching."
    echo
    echo "| result | value |"
    echo "|---|---|"
    echo "| verdict | **$ok** |"
    echo "| credentials refreshed exactly once (version 2, active) | $v2 / $total |"
    echo "| lost (not version 2, or not active) | $lost (version 1: $v1, version > 2: $vmore, not active: $inactive) |"
    echo "| double refreshes (refresh token presented twice / rotated-away token presented / connection refreshed twice) | $doubles / $stale / $twice |"
    echo "| 429 answers by the provider (limit violations) | $violations (most requests arriving in any 1 s: $maxarr; most admitted: $maxwin of $STORM_PROVIDER_LIMIT) |"
    echo "| refreshed at or after expires_at | $late (smallest margin left: ${margin}s) |"
    echo "| total time, first due → last refreshed | ${span_total}s |"
    echo "| first → last refresh | $first_ref → $last_ref UTC, ${span_ref}s, **$rate refreshes/s** |"
    echo "| delay after due time, p50 / p99 / max | ${lag50}s / ${lag99}s / ${lagmax}s |"
    echo "| provider token requests / refreshes answered | $reqs / $prefreshes |"
    echo "| audit: connection.refreshed / connection.refresh_failed | $refreshed_events / $failed_events |"
    echo
    echo "Provider counters: \`$(jq -c . <<<"$pstats")\`"
  } >"$block"
  update_results storm "$block"
  stop_node2
  stop_latchkey
  stop_provider
  echo "storm: $ok — $v2/$total refreshed once in ${span_total}s from first due (${rate} refreshes/s), doubles $doubles/$stale/$twice, lost $lost, 429s $violations, late $late"
  [[ "$ok" == PASSED ]]
}

FAILED=0
for mode in $MODES; do
  case "$mode" in
    fetch) run_fetch || FAILED=1 ;;
    storm) run_storm || FAILED=1 ;;
  esac
  stop_servers
done
log "results written to $RESULTS_FILE"
exit $FAILED
