#!/usr/bin/env bash
# Token endpoint benchmark: Latchkey vs Keycloak, side by side on this machine.
#
# For each server in turn (never both at once): start it on 127.0.0.1, check
# one grant by hand, then with the same wrk settings
#   1. client_credentials grants  (warm-up, then measured run)
#   2. token introspection        (warm-up, then measured run)
# stop it, and go on to the next.  Prints a comparison table and writes
# results.md next to this script.
#
# Usage: benchmarks/token-endpoint/run.sh [keycloak|latchkey|both]   (default: both)
#
# Environment (all optional):
#   WRK_THREADS=2 WRK_CONNECTIONS=16 WRK_DURATION=30s WARMUP_DURATION=10s
#       Note: on 2 cores a 10 s warm-up leaves both JVMs short of steady state (the JIT competes
#       with the load for CPU; Latchkey's grants/s rose ~1.7x and Keycloak's introspections/s
#       ~2-3x with more warm-up in our runs).  For steady-state figures use WARMUP_DURATION=60s.
#   WRK_EXTRA_ARGS=""                 extra wrk arguments (e.g. --timeout 5s)
#   KEYCLOAK_PORT=18180
#   KC_HEAP="-Xms1g -Xmx1g"           Keycloak heap flags (JAVA_OPTS_KC_HEAP), the same as Latchkey's by
#                                     default; KC_HEAP=kc-default keeps kc.sh's own (-Xms64m -Xmx512m)
#   LATCHKEY_JAR=<repo>/launcher/target/latchkey.jar
#   LATCHKEY_PORT=18081 LATCHKEY_MGMT_PORT=18082
#   LATCHKEY_JAVA_OPTS="-Xms1g -Xmx1g"
#   LATCHKEY_CC_BODY="grant_type=client_credentials&scope=admin"
#   KEYCLOAK_CC_BODY="grant_type=client_credentials"
#   BENCH_JAVA_HOME                   JDK (21+) that runs both servers; default: JAVA_HOME if 21+,
#                                     else the one keycloak.sh picks
#   START_TIMEOUT=300                 seconds to wait for a server to become ready
#   RESULTS_FILE=<this dir>/results.md
#   KEEP_WORK=1                       keep the temp dir (logs, wrk output, Latchkey data dir)
#   The machine may be shared, so CPU use by other processes is measured:
#   IDLE_BUSY_MAX=25 IDLE_WAIT_MAX=300  before starting a server, wait up to IDLE_WAIT_MAX s for the
#                                     machine to be at most IDLE_BUSY_MAX % busy
#   OTHERS_MAX=0.25 MEASURE_ATTEMPTS=3  repeat a measured run during which other processes used more
#                                     than OTHERS_MAX cores, up to MEASURE_ATTEMPTS runs; keep the least
#                                     disturbed
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
KEYCLOAK_SH="$REPO/tools/keycloak/keycloak.sh"
REALM_DIR="$HERE/keycloak-realm"
# shellcheck disable=SC2034  # read by log() in lib.sh
LOG_PREFIX="[bench]"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$HERE/../lib.sh"

TARGETS="${1:-both}"
case "$TARGETS" in
  both) TARGETS="keycloak latchkey" ;;
  keycloak|latchkey) ;;
  *) echo "usage: $0 [keycloak|latchkey|both]" >&2; exit 2 ;;
esac

WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}"
WRK_DURATION="${WRK_DURATION:-30s}"
WARMUP_DURATION="${WARMUP_DURATION:-10s}"
WRK_EXTRA_ARGS="${WRK_EXTRA_ARGS:-}"
KEYCLOAK_PORT="${KEYCLOAK_PORT:-18180}"
LATCHKEY_JAR="${LATCHKEY_JAR:-$REPO/launcher/target/latchkey.jar}"
LATCHKEY_PORT="${LATCHKEY_PORT:-18081}"
LATCHKEY_MGMT_PORT="${LATCHKEY_MGMT_PORT:-18082}"
LATCHKEY_JAVA_OPTS="${LATCHKEY_JAVA_OPTS:--Xms1g -Xmx1g}"
LATCHKEY_CC_BODY="${LATCHKEY_CC_BODY:-grant_type=client_credentials&scope=admin}"
KEYCLOAK_CC_BODY="${KEYCLOAK_CC_BODY:-grant_type=client_credentials}"
START_TIMEOUT="${START_TIMEOUT:-300}"
KC_HEAP="${KC_HEAP:--Xms1g -Xmx1g}"
RESULTS_FILE="${RESULTS_FILE:-$HERE/results.md}"

# The client both servers know.  Keep in sync with keycloak-realm/bench-realm.json.
CLIENT_ID="bench-client"
CLIENT_SECRET="bench-secret-4f1c9a7e2b6d"

KC_BASE="http://127.0.0.1:$KEYCLOAK_PORT/realms/bench/protocol/openid-connect"
KC_TOKEN_URL="$KC_BASE/token"
KC_INTROSPECT_URL="$KC_BASE/token/introspect"
LK_TOKEN_URL="http://127.0.0.1:$LATCHKEY_PORT/oauth2/token"
LK_INTROSPECT_URL="http://127.0.0.1:$LATCHKEY_PORT/oauth2/introspect"
LK_READY_URL="http://127.0.0.1:$LATCHKEY_MGMT_PORT/actuator/health/readiness"

# --- prerequisites -----------------------------------------------------------

ensure_wrk
require_tools curl
grep -q "\"$CLIENT_SECRET\"" "$REALM_DIR/bench-realm.json" \
  || die "client secret in run.sh and $REALM_DIR/bench-realm.json differ"

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {split($2, v, "."); print v[1]; exit}'
}
if [[ -z "${BENCH_JAVA_HOME:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && (( $(java_major "$JAVA_HOME/bin/java") >= 21 )); then
    BENCH_JAVA_HOME="$JAVA_HOME"
  else
    for cand in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -rV); do
      if [[ -x "$cand/bin/java" ]] && (( $(java_major "$cand/bin/java") >= 21 )); then
        BENCH_JAVA_HOME="$cand"; break
      fi
    done
  fi
fi
[[ -n "${BENCH_JAVA_HOME:-}" ]] || die "no JDK 21+ found; set BENCH_JAVA_HOME"
JAVA_BIN="$BENCH_JAVA_HOME/bin/java"
JAVA_VERSION="$("$JAVA_BIN" -version 2>&1 | sed -n '2p')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench.XXXXXX")"
KC_STARTED=0
LK_PID=""
LK_DATA_DIR=""

stop_latchkey() {
  [[ -n "$LK_PID" ]] || return 0
  local i
  if kill -0 "$LK_PID" 2>/dev/null; then
    log "stopping Latchkey (pid $LK_PID)"
    kill -TERM -- "-$LK_PID" 2>/dev/null || kill -TERM "$LK_PID" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do kill -0 "$LK_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$LK_PID" 2>/dev/null; then
      log "Latchkey still running after 30s, killing"
      kill -KILL -- "-$LK_PID" 2>/dev/null || kill -KILL "$LK_PID" 2>/dev/null || true
    fi
  fi
  stop_leftover_postgres "$LK_DATA_DIR"
  LK_PID=""
}

stop_keycloak() {
  if (( KC_STARTED )); then
    KC_RUN_DIR="$WORK/keycloak" "$KEYCLOAK_SH" stop "$KEYCLOAK_PORT" || true
    KC_STARTED=0
  fi
}

stop_servers() {
  stop_latchkey
  stop_keycloak
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers -----------------------------------------------------------------

# get_token <token url> <body> -> prints the access token; fails loudly.
get_token() {
  local url="$1" body="$2" out status
  out="$WORK/token-response.json"
  status="$(curl -sS -o "$out" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" \
    -H 'Accept: application/json' --data "$body" "$url")" || true
  if [[ "$status" != 200 ]]; then
    log "POST $url ($body) answered HTTP $status:"
    head -c 2000 "$out" >&2 || true; echo >&2
    return 1
  fi
  json_field access_token <"$out"
}

check_introspection() { # <url> <token>
  local out status
  out="$WORK/introspect-response.json"
  status="$(curl -sS -o "$out" -w '%{http_code}' -u "$CLIENT_ID:$CLIENT_SECRET" \
    -H 'Accept: application/json' --data-urlencode "token=$2" "$1")" || true
  if [[ "$status" != 200 ]] || ! grep -Eq '"active"[[:space:]]*:[[:space:]]*true' "$out"; then
    log "POST $1 (token=...) answered HTTP $status:"
    head -c 2000 "$out" >&2 || true; echo >&2
    return 1
  fi
}

# measure <server> <kind> <script> <url> <out> [ENV=VAL...]: one measured run;
# prints its RESULT line with CPU figures appended: the server's CPU per
# request, and the CPU that neither the server nor wrk used (other processes
# on this shared machine), in cores on average over the run.
measure() {
  local server="$1" kind="$2" script="$3" url="$4" out="$5" cpu
  shift 5
  # shellcheck disable=SC2046  # wrk_cmd's output is split into arguments on purpose
  cpu="$(timed_run "$out" "$SERVER_SID" "$SERVER_PG_DIR" \
    env CLIENT_ID="$CLIENT_ID" CLIENT_SECRET="$CLIENT_SECRET" BENCH_LABEL="$server-$kind" "$@" \
    $(wrk_cmd "$WRK_DURATION" "$script" "$url"))" || return 1
  sed -n '/^----/,$p' "$out" | grep -v '^RESULT' >&2
  result_with_cpu "$out" "$cpu" 0
}

# run_wrk <server> <kind> <script> <url> [ENV=VAL...]: warm-up, then the
# measured run.  A measured run during which other processes used more than
# OTHERS_MAX cores is repeated (after waiting for the machine to settle), up to
# MEASURE_ATTEMPTS runs in all; the least disturbed one is kept.
# SERVER_SID must hold the session id of the server under test.
run_wrk() {
  local server="$1" kind="$2" script="$3" url="$4"
  shift 4
  local attempt line best="" best_other=999 other
  log "$server $kind: warm-up $WARMUP_DURATION"
  # shellcheck disable=SC2046  # wrk_cmd's output is split into arguments on purpose
  env CLIENT_ID="$CLIENT_ID" CLIENT_SECRET="$CLIENT_SECRET" BENCH_LABEL="$server-$kind-warmup" "$@" \
    $(wrk_cmd "$WARMUP_DURATION" "$script" "$url") >"$WORK/$server-$kind-warmup.txt" 2>&1 \
    || { cat "$WORK/$server-$kind-warmup.txt" >&2; return 1; }
  grep '^RESULT' "$WORK/$server-$kind-warmup.txt" >&2 || true
  for ((attempt = 1; attempt <= ${MEASURE_ATTEMPTS:-3}; attempt++)); do
    log "$server $kind: measured run $attempt, $WRK_DURATION  ($(wrk_cmd "$WRK_DURATION" "$script" "$url"))"
    line="$(measure "$server" "$kind" "$script" "$url" "$WORK/$server-$kind-$attempt.txt" "$@")" || return 1
    other="$(field "$line" other_cores)"
    log "$(sed 's/.*server_cpu/server_cpu/' <<<"$line")"
    if awk -v a="$other" -v b="$best_other" 'BEGIN { exit !(a < b) }'; then
      best="$line"; best_other="$other"
    fi
    if awk -v a="$other" -v m="${OTHERS_MAX:-0.25}" 'BEGIN { exit !(a <= m) }'; then
      break
    fi
    if (( attempt < ${MEASURE_ATTEMPTS:-3} )); then
      log "other processes used $other cores during that run (> ${OTHERS_MAX:-0.25}); repeating it"
      wait_for_idle >/dev/null  # the report shows the state before the server started
    else
      log "WARNING: every measured run was disturbed by other processes; keeping the least disturbed (others $best_other cores)"
      DISTURBED["$server-$kind"]=1
    fi
  done
  ATTEMPTS["$server-$kind"]=$((attempt > ${MEASURE_ATTEMPTS:-3} ? ${MEASURE_ATTEMPTS:-3} : attempt))
  RESULT["$server-$kind"]="$best"
  COMMAND["$server-$kind"]="$(wrk_cmd "$WRK_DURATION" "$script" "$url")"
}

declare -A RESULT=() COMMAND=() NOTE=() IDLE_BEFORE=() ATTEMPTS=() DISTURBED=() TOKEN_KIND=() CPU_PROBE=()
JAR_INFO="-"
SERVER_SID=""
SERVER_PG_DIR=""

result_field() { # <key> <name> -> value from the RESULT line of that run, or "-"
  local line="${RESULT[$1]:-}"
  [[ -n "$line" ]] || { echo "-"; return; }
  field "$line" "$2"
}

bench_server() { # <server> <token url> <introspect url> <cc body>
  local server="$1" token_url="$2" introspect_url="$3" body="$4" token
  token="$(get_token "$token_url" "$body")" || { NOTE[$server]="token request failed (see log above)"; return 1; }
  [[ -n "$token" ]] || { NOTE[$server]="token response had no access_token"; return 1; }
  if [[ "$token" =~ ^[^.]+\.[^.]+\.[^.]+$ ]]; then TOKEN_KIND[$server]="JWT"; else TOKEN_KIND[$server]="opaque"; fi
  TOKEN_KIND[$server]+=" access token, expires_in $(json_field expires_in <"$WORK/token-response.json")s"
  check_introspection "$introspect_url" "$token" || { NOTE[$server]="introspection of a fresh token failed"; return 1; }
  run_wrk "$server" cc cc.lua "$token_url" CC_BODY="$body" || { NOTE[$server]="wrk client_credentials run failed"; return 1; }
  # A fresh token for introspection, well within its 300 s lifetime.
  token="$(get_token "$token_url" "$body")" || { NOTE[$server]="token request failed"; return 1; }
  run_wrk "$server" introspect introspect.lua "$introspect_url" INTROSPECT_TOKEN="$token" \
    || { NOTE[$server]="wrk introspection run failed"; return 1; }
}

# --- Keycloak ----------------------------------------------------------------

run_keycloak() {
  port_in_use "$KEYCLOAK_PORT" && { NOTE[keycloak]="port $KEYCLOAK_PORT already in use"; return 1; }
  log "=== Keycloak ==="
  IDLE_BEFORE[keycloak]="$(wait_for_idle)"
  CPU_PROBE[keycloak]="before: $(cpu_probe)"
  local -a kcenv=(KC_RUN_DIR="$WORK/keycloak" KC_JAVA_HOME="$BENCH_JAVA_HOME" KC_START_TIMEOUT="$START_TIMEOUT")
  [[ "$KC_HEAP" != kc-default ]] && kcenv+=(JAVA_OPTS_KC_HEAP="$KC_HEAP")
  KC_STARTED=1
  if ! env "${kcenv[@]}" "$KEYCLOAK_SH" start "$REALM_DIR" "$KEYCLOAK_PORT"; then
    KC_STARTED=0
    NOTE[keycloak]="Keycloak did not start (log: $WORK/keycloak/keycloak.log)"
    return 1
  fi
  SERVER_SID="$(cat "$WORK/keycloak/keycloak.pid")"  # kc.sh runs under setsid
  SERVER_PG_DIR=""
  KC_VERSION_SEEN="$(grep -o 'Keycloak [0-9][0-9.]* on JVM' "$WORK/keycloak/keycloak.log" | head -n1 || true)"
  local rc=0
  bench_server keycloak "$KC_TOKEN_URL" "$KC_INTROSPECT_URL" "$KEYCLOAK_CC_BODY" || rc=1
  stop_keycloak
  CPU_PROBE[keycloak]+=", after: $(cpu_probe)"
  return $rc
}

# --- Latchkey ----------------------------------------------------------------

run_latchkey() {
  if [[ ! -f "$LATCHKEY_JAR" ]]; then
    NOTE[latchkey]="not run: $LATCHKEY_JAR does not exist (build it with 'mvn -DskipTests package')"
    log "${NOTE[latchkey]}"
    return 1
  fi
  for p in "$LATCHKEY_PORT" "$LATCHKEY_MGMT_PORT"; do
    port_in_use "$p" && { NOTE[latchkey]="port $p already in use"; return 1; }
  done
  log "=== Latchkey ==="
  copy_latchkey_jar
  IDLE_BEFORE[latchkey]="$(wait_for_idle)"
  CPU_PROBE[latchkey]="before: $(cpu_probe)"
  LK_DATA_DIR="$WORK/latchkey-data"
  mkdir -p "$LK_DATA_DIR"
  local logfile="$WORK/latchkey.log"
  spawn_latchkey "$logfile" "$CLIENT_ID" "$CLIENT_SECRET"
  SERVER_SID="$LK_PID"         # setsid: the JVM leads its own session
  SERVER_PG_DIR="$LK_DATA_DIR"  # the embedded PostgreSQL does not stay in it (see server_ticks)
  log "java $LATCHKEY_JAVA_OPTS -jar $LATCHKEY_JAR  (pid $LK_PID, log $logfile)"
  local waited=0 status=""
  while :; do
    if ! kill -0 "$LK_PID" 2>/dev/null; then
      wait "$LK_PID" 2>/dev/null && status=0 || status=$?
      log "Latchkey exited during startup (exit $status); last log lines:"
      tail -n 60 "$logfile" >&2 || true
      NOTE[latchkey]="\`java $LATCHKEY_JAVA_OPTS -jar $(basename "$LATCHKEY_JAR")\` exited during startup with status $status"
      local why
      why="$(awk '/^Description:/ { on = 1; next } /^Action:/ { on = 0 } on && NF' "$logfile" | tr -s ' \n' ' ' | head -c 600)"
      [[ -n "$why" ]] || why="$(grep -m1 -E ' ERROR |Exception' "$logfile" | head -c 600)"
      [[ -n "$why" ]] && NOTE[latchkey]+=": $why"
      LK_PID=""
      return 1
    fi
    status="$(curl -s -o "$WORK/readiness.json" -w '%{http_code}' --max-time 5 "$LK_READY_URL" || true)"
    [[ "$status" == 200 ]] && break
    if (( waited >= START_TIMEOUT )); then
      log "Latchkey not ready after ${START_TIMEOUT}s (readiness HTTP $status); last log lines:"
      tail -n 60 "$logfile" >&2 || true
      NOTE[latchkey]="not ready after ${START_TIMEOUT}s, readiness answered HTTP $status (log: $logfile)"
      stop_latchkey
      return 1
    fi
    sleep 2; waited=$((waited + 2))
  done
  log "Latchkey ready after ~${waited}s: $(head -c 300 "$WORK/readiness.json")"
  local rc=0
  bench_server latchkey "$LK_TOKEN_URL" "$LK_INTROSPECT_URL" "$LATCHKEY_CC_BODY" || rc=1
  if (( rc )); then
    log "Latchkey log tail:"; tail -n 40 "$logfile" >&2 || true
  fi
  stop_latchkey
  CPU_PROBE[latchkey]+=", after: $(cpu_probe)"
  return $rc
}

# --- main --------------------------------------------------------------------

FAILED=0
KC_VERSION_SEEN=""
for t in $TARGETS; do
  case "$t" in
    keycloak) run_keycloak || { FAILED=1; log "Keycloak: ${NOTE[keycloak]:-failed}"; } ;;
    latchkey) run_latchkey || { FAILED=1; log "Latchkey: ${NOTE[latchkey]:-failed}"; } ;;
  esac
  sleep 3  # let the previous server's CPU use die down
done

# --- report ------------------------------------------------------------------

row() { # <server> -> a markdown table row
  local s="$1"
  if [[ -z "${RESULT[$s-cc]:-}${RESULT[$s-introspect]:-}" ]]; then
    echo "| $s | not measured | | | | | | | | | |"
    return
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" \
    "$(result_field "$s-cc" rps)" "$(result_field "$s-cc" p50_ms)" "$(result_field "$s-cc" p90_ms)" "$(result_field "$s-cc" p99_ms)" \
    "$(result_field "$s-cc" max_ms)" "$(( $(result_field "$s-cc" non2xx | sed 's/-/0/') + $(result_field "$s-cc" bad_body | sed 's/-/0/') ))" \
    "$(result_field "$s-introspect" rps)" "$(result_field "$s-introspect" p50_ms)" "$(result_field "$s-introspect" p99_ms)" \
    "$(( $(result_field "$s-introspect" non2xx | sed 's/-/0/') + $(result_field "$s-introspect" bad_body | sed 's/-/0/') ))"
}

verdict() {
  local kc lk kcp lkp
  kc="$(result_field keycloak-cc rps)"; lk="$(result_field latchkey-cc rps)"
  kcp="$(result_field keycloak-cc p99_ms)"; lkp="$(result_field latchkey-cc p99_ms)"
  if [[ "$kc" == "-" || "$lk" == "-" ]]; then
    echo "Target (Latchkey >= 4x Keycloak client_credentials grants/s, lower p99): not evaluated, both figures are needed."
    return
  fi
  awk -v kc="$kc" -v lk="$lk" -v kcp="$kcp" -v lkp="$lkp" 'BEGIN {
    ratio = lk / kc
    ok = (ratio >= 4 && lkp < kcp) ? "MET" : "NOT MET"
    printf "Target (Latchkey >= 4x Keycloak client_credentials grants/s, lower p99): %s -- %.2fx grants/s, p99 %.2f ms vs %.2f ms.", ok, ratio, lkp, kcp
  }'
  local ki li
  ki="$(result_field keycloak-introspect rps)"; li="$(result_field latchkey-introspect rps)"
  if [[ "$ki" != "-" && "$li" != "-" ]]; then
    awk -v a="$li" -v b="$ki" 'BEGIN { printf " Introspections/s: %.2fx Keycloak.", a / b }'
  fi
  echo
}

GIT_REV="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
WRK_VERSION="$( (wrk -v 2>&1 || true) | head -n1 | cut -d' ' -f1-2)"

{
  echo "# Token endpoint benchmark: Latchkey vs Keycloak"
  echo
  echo "Generated by \`benchmarks/token-endpoint/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') (repo at $GIT_REV)."
  echo
  echo "## Machine"
  echo
  echo "- CPU: \`nproc\` = $(nproc), $(cpu_model)"
  echo "- Memory: $(mem_total)"
  echo "- Kernel: $(uname -sr)"
  echo "- JDK (both servers): $JAVA_VERSION"
  echo "- Load generator: $WRK_VERSION, on the same machine and cores as the server under test"
  echo "- The servers ran one after the other, never at the same time, both bound to 127.0.0.1."
  echo
  echo "## Servers"
  echo
  echo "- Keycloak: ${KC_VERSION_SEEN:-Keycloak 26.7.3} from \`org.keycloak:keycloak-quarkus-dist\`, \`kc.sh start-dev\` (H2 dev-file database),"
  echo "  heap $([[ "$KC_HEAP" == kc-default ]] && echo "kc.sh default (-Xms64m -Xmx512m)" || echo "\`$KC_HEAP\`"); realm \`keycloak-realm/bench-realm.json\`; grant body \`$KEYCLOAK_CC_BODY\`;"
  echo "  issues ${TOKEN_KIND[keycloak]:-(not seen)}."
  echo "- Latchkey: $JAR_INFO; \`java $LATCHKEY_JAVA_OPTS -jar\`, fresh \`LATCHKEY_DATA_DIR\` (embedded PostgreSQL); grant body"
  echo "  \`$LATCHKEY_CC_BODY\`; issues ${TOKEN_KIND[latchkey]:-(not seen)}."
  echo "- Both: confidential client \`$CLIENT_ID\`, client_secret_basic; introspection of a token from the same server, by the same client."
  echo
  echo "## Method"
  echo
  echo "Per server and per endpoint: a ${WARMUP_DURATION} warm-up run (discarded), then the measured run. A measured run during which"
  echo "other processes on this shared machine used more than ${OTHERS_MAX:-0.25} cores is repeated (up to ${MEASURE_ATTEMPTS:-3} runs in all) and the"
  echo "least disturbed one is kept. Exact commands of the measured runs (the environment supplies \`CLIENT_SECRET\`,"
  echo "\`CC_BODY\` and \`INTROSPECT_TOKEN\`):"
  echo
  echo '```'
  for k in keycloak-cc keycloak-introspect latchkey-cc latchkey-introspect; do
    [[ -n "${COMMAND[$k]:-}" ]] && echo "${COMMAND[$k]#"$REPO/"}" | sed "s#$REPO/##g"
  done
  [[ ${#COMMAND[@]} -eq 0 ]] && echo "(no run completed)"
  echo '```'
  echo
  echo "## Results"
  echo
  echo "| server | grants/s | p50 ms | p90 ms | p99 ms | max ms | bad | introspections/s | p50 ms | p99 ms | bad |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row keycloak
  row latchkey
  echo
  echo "\"bad\" counts non-2xx responses plus 2xx answers without an \`access_token\` (grants) or without \`\"active\":true\` (introspection)."
  echo
  verdict
  echo
  for s in keycloak latchkey; do
    [[ -n "${NOTE[$s]:-}" ]] && echo "- **$s**: ${NOTE[$s]}"
  done
  echo
  echo "CPU during the measured runs (this machine is shared: \"others\" is CPU used by processes other than the"
  echo "server and wrk, in cores on average; anything well above 0 means the figures are disturbed; Latchkey's server"
  echo "CPU includes its embedded PostgreSQL):"
  echo
  echo "| run | machine before server start | measured runs | server CPU ms/request | server cores | wrk cores | others cores |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for k in keycloak-cc keycloak-introspect latchkey-cc latchkey-introspect; do
    [[ -n "${RESULT[$k]:-}" ]] || continue
    echo "| $k | ${IDLE_BEFORE[${k%%-*}]:-} | ${ATTEMPTS[$k]:-1}${DISTURBED[$k]:+ (all disturbed)} | $(result_field "$k" server_cpu_ms_per_req) | $(result_field "$k" server_cores) | $(result_field "$k" wrk_cores) | $(result_field "$k" other_cores) |"
  done
  echo
  echo "Single-thread CPU speed probe (\`openssl speed -seconds 3 rsa2048\`, RSA-2048 signatures/s) before starting and after"
  echo "stopping each server; this virtual machine's speed drifts with the host's load, so compare figures measured at"
  echo "similar probe values:"
  echo
  for s in keycloak latchkey; do
    [[ -n "${CPU_PROBE[$s]:-}" ]] && echo "- $s: ${CPU_PROBE[$s]}"
  done
  echo
  echo "Raw wrk summaries:"
  echo
  echo '```'
  for k in keycloak-cc keycloak-introspect latchkey-cc latchkey-introspect; do
    [[ -n "${RESULT[$k]:-}" ]] && echo "${RESULT[$k]}"
  done
  echo '```'
} >"$RESULTS_FILE.tmp"
mv "$RESULTS_FILE.tmp" "$RESULTS_FILE"

echo
echo "server    | grants/s  | p50 ms | p90 ms | p99 ms | introspections/s | p50 ms | p99 ms | others' cores (cc/introspect)"
for s in keycloak latchkey; do
  printf '%-9s | %9s | %6s | %6s | %6s | %16s | %6s | %6s | %s / %s\n' "$s" \
    "$(result_field "$s-cc" rps)" "$(result_field "$s-cc" p50_ms)" "$(result_field "$s-cc" p90_ms)" "$(result_field "$s-cc" p99_ms)" \
    "$(result_field "$s-introspect" rps)" "$(result_field "$s-introspect" p50_ms)" "$(result_field "$s-introspect" p99_ms)" \
    "$(result_field "$s-cc" other_cores)" "$(result_field "$s-introspect" other_cores)"
done
verdict
for s in keycloak latchkey; do
  [[ -n "${NOTE[$s]:-}" ]] && echo "$s: ${NOTE[$s]}"
done
echo "results written to $RESULTS_FILE"
exit $FAILED
