#!/usr/bin/env bash
# Install and run a real Keycloak (the Quarkus distribution, fetched as a Maven
# artifact) on 127.0.0.1, for benchmarks and integration tests.
#
# Usage:
#   keycloak.sh install
#       Fetch org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz with Maven and
#       unpack it into $KC_HOME (idempotent; does nothing if already installed).
#   keycloak.sh start <realm-import-dir> <port>
#       Install if needed, then run `bin/kc.sh start-dev --http-port=<port>
#       --import-realm` bound to 127.0.0.1, importing every *.json realm file of
#       <realm-import-dir>.  Waits until each imported realm's
#       /.well-known/openid-configuration answers 200, then returns.
#       Each start gets a fresh H2 database (so the realm files are always
#       re-imported) unless KC_KEEP_DATA=1.
#   keycloak.sh stop [<port>]
#       Stop the instance started on <port> (all instances started by this
#       script if no port is given).
#   keycloak.sh status [<port>]
#   keycloak.sh home            print the install directory
#
# Environment (all optional):
#   KC_VERSION                   default 26.7.3
#   LATCHKEY_CACHE               default $HOME/.cache/latchkey
#   KC_HOME                      default $LATCHKEY_CACHE/keycloak-$KC_VERSION
#   KC_RUN_DIR                   per-port state (pid, log, H2 db); default $LATCHKEY_CACHE/keycloak-run/<port>
#   KC_BOOTSTRAP_ADMIN_USERNAME  default admin   (master realm admin, created on first start)
#   KC_BOOTSTRAP_ADMIN_PASSWORD  default admin
#   KC_JAVA_HOME                 JDK to run Keycloak with (default: `java` on PATH / $JAVA_HOME if
#                                it is 21+, else the newest JDK 21+ found under /usr/lib/jvm)
#   KC_WAIT_REALMS               space-separated realm names to wait for (default: the "realm"
#                                of each *.json in the import dir)
#   KC_START_TIMEOUT             seconds to wait for readiness (default 300)
#   KC_EXTRA_ARGS                extra arguments appended to `kc.sh start-dev ...`
#   JAVA_OPTS_KC_HEAP            passed through to kc.sh (its default is -Xms64m -Xmx512m)
#   MAVEN_CMD                    default mvn
set -euo pipefail

KC_VERSION="${KC_VERSION:-26.7.3}"
LATCHKEY_CACHE="${LATCHKEY_CACHE:-$HOME/.cache/latchkey}"
KC_HOME="${KC_HOME:-$LATCHKEY_CACHE/keycloak-$KC_VERSION}"
KC_RUN_ROOT="$LATCHKEY_CACHE/keycloak-run"
MAVEN_CMD="${MAVEN_CMD:-mvn}"

log() { echo "[keycloak.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- Java ------------------------------------------------------------------

java_major() { # <java binary> -> major version, or 0
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')" || true
  v="${v%%.*}"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

find_java_home() { # prints a JAVA_HOME with Java >= 21
  local cand bin
  local -a cands=()
  [[ -n "${KC_JAVA_HOME:-}" ]] && cands+=("$KC_JAVA_HOME")
  [[ -n "${JAVA_HOME:-}" ]] && cands+=("$JAVA_HOME")
  if bin="$(command -v java 2>/dev/null)"; then
    cands+=("$(dirname "$(dirname "$(readlink -f "$bin")")")")
  fi
  # Newest first.
  while IFS= read -r cand; do cands+=("$cand"); done < <(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -rV)
  for cand in "${cands[@]}"; do
    [[ -x "$cand/bin/java" ]] || continue
    if (( $(java_major "$cand/bin/java") >= 21 )); then
      echo "$cand"
      return 0
    fi
    [[ -n "${KC_JAVA_HOME:-}" && "$cand" == "$KC_JAVA_HOME" ]] && die "KC_JAVA_HOME=$KC_JAVA_HOME is older than Java 21"
  done
  die "no JDK 21+ found (set KC_JAVA_HOME); Keycloak $KC_VERSION needs Java 21 or newer"
}

# --- install ---------------------------------------------------------------

cmd_install() {
  if [[ -x "$KC_HOME/bin/kc.sh" && -f "$KC_HOME/lib/quarkus-run.jar" ]]; then
    log "Keycloak $KC_VERSION already installed in $KC_HOME"
    return 0
  fi
  command -v "$MAVEN_CMD" >/dev/null || die "'$MAVEN_CMD' not found; Maven is needed to fetch keycloak-quarkus-dist"
  mkdir -p "$(dirname "$KC_HOME")"
  local tmp
  tmp="$(mktemp -d "$(dirname "$KC_HOME")/.keycloak-install.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  log "fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz"
  # Run from an empty directory so Maven does not pick up a project pom.
  mkdir -p "$tmp/mvn" "$tmp/out" "$tmp/unpack"
  ( cd "$tmp/mvn" && JAVA_HOME="${JAVA_HOME:-$(find_java_home)}" "$MAVEN_CMD" -B -q \
      dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:tar.gz" \
      -DoutputDirectory="$tmp/out" ) >&2 || die "Maven could not fetch keycloak-quarkus-dist:$KC_VERSION"
  local tarball="$tmp/out/keycloak-quarkus-dist-$KC_VERSION.tar.gz"
  [[ -f "$tarball" ]] || die "expected $tarball after dependency:copy"
  log "unpacking into $KC_HOME"
  tar xzf "$tarball" -C "$tmp/unpack"
  local top
  top="$(find "$tmp/unpack" -mindepth 1 -maxdepth 1 -type d | head -n1)"
  [[ -x "$top/bin/kc.sh" ]] || die "unexpected archive layout (no bin/kc.sh under $top)"
  rm -rf "$KC_HOME"
  mv "$top" "$KC_HOME"
  log "installed Keycloak $KC_VERSION in $KC_HOME"
}

# --- start / stop ------------------------------------------------------------

run_dir() { echo "${KC_RUN_DIR:-$KC_RUN_ROOT/$1}"; }

is_running() { # <pid>
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

realm_names() { # <import dir>
  local f name
  for f in "$1"/*.json; do
    [[ -f "$f" ]] || continue
    if command -v jq >/dev/null; then
      name="$(jq -r '.realm // empty' "$f")"
    elif command -v python3 >/dev/null; then
      name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("realm",""))' "$f")"
    else
      name="$(grep -o '"realm"[[:space:]]*:[[:space:]]*"[^"]*"' "$f" | head -n1 | sed 's/.*"\([^"]*\)"$/\1/')"
    fi
    [[ -n "$name" ]] && echo "$name"
  done
}

cmd_start() {
  [[ $# -eq 2 ]] || usage
  local import_dir port
  import_dir="$(cd "$1" && pwd)" || die "realm import dir '$1' not found"
  port="$2"
  [[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
  ls "$import_dir"/*.json >/dev/null 2>&1 || die "no *.json realm file in $import_dir"

  local dir pidfile logfile
  dir="$(run_dir "$port")"
  pidfile="$dir/keycloak.pid"
  logfile="$dir/keycloak.log"
  mkdir -p "$dir"
  if [[ -f "$pidfile" ]] && is_running "$(cat "$pidfile")"; then
    die "a Keycloak started by this script is already running on port $port (pid $(cat "$pidfile")); run '$0 stop $port' first"
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is already in use"
  fi

  cmd_install

  local jh
  jh="$(find_java_home)"
  if [[ "${KC_KEEP_DATA:-0}" != 1 ]]; then
    rm -rf "$dir/h2"
  fi
  local -a realms
  if [[ -n "${KC_WAIT_REALMS:-}" ]]; then
    read -r -a realms <<<"$KC_WAIT_REALMS"
  else
    mapfile -t realms < <(realm_names "$import_dir")
  fi
  [[ ${#realms[@]} -gt 0 ]] || die "could not find a realm name in $import_dir/*.json (set KC_WAIT_REALMS)"

  # The H2 file database lives in the per-port run dir, so several instances
  # (different ports) can share one installation, and each start is fresh.
  local -a args=(
    start-dev
    --http-host=127.0.0.1
    --http-port="$port"
    --db=dev-file
    --db-url="jdbc:h2:file:$dir/h2/keycloakdb;NON_KEYWORDS=VALUE"
    --import-realm
  )
  if [[ -n "${KC_EXTRA_ARGS:-}" ]]; then
    local -a extra
    read -r -a extra <<<"$KC_EXTRA_ARGS"
    args+=("${extra[@]}")
  fi

  # --import-realm alone imports $KC_HOME/data/import.  Rather than copying
  # files there (shared by every instance), point the import at the caller's
  # directory through the system property that --import-realm itself sets
  # (ExportImportConfig.setDir -> keycloak.migration.dir).  --import-realm only
  # overrides it when $KC_HOME/data/import exists, which this script never
  # creates.
  [[ -e "$KC_HOME/data/import" ]] && log "WARNING: $KC_HOME/data/import exists and takes precedence over $import_dir"
  args+=("-Dkeycloak.migration.dir=$import_dir")

  log "starting Keycloak $KC_VERSION on 127.0.0.1:$port (java: $jh, realms: ${realms[*]}, log: $logfile)"
  (
    cd "$dir"
    export JAVA_HOME="$jh" JAVA="$jh/bin/java"
    export KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
    export KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}"
    # setsid: own process group, so `stop` can end kc.sh and its JVM together.
    exec setsid "$KC_HOME/bin/kc.sh" "${args[@]}" </dev/null >"$logfile" 2>&1
  ) &
  local pid=$!
  echo "$pid" >"$pidfile"
  echo "$port" >"$dir/port"

  local timeout="${KC_START_TIMEOUT:-300}" waited=0 realm ready
  while :; do
    if ! is_running "$pid"; then
      log "Keycloak exited during startup; last log lines:"
      tail -n 40 "$logfile" >&2 || true
      rm -f "$pidfile"
      exit 1
    fi
    ready=1
    for realm in "${realms[@]}"; do
      if ! curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/realms/$realm/.well-known/openid-configuration" 2>/dev/null; then
        ready=0
        break
      fi
    done
    (( ready )) && break
    if (( waited >= timeout )); then
      log "Keycloak not ready after ${timeout}s; last log lines:"
      tail -n 40 "$logfile" >&2 || true
      stop_port "$port"
      exit 1
    fi
    sleep 2
    waited=$((waited + 2))
  done
  log "Keycloak ready on http://127.0.0.1:$port after ~${waited}s (pid $pid)"
}

stop_port() { # <port>
  local dir pidfile pid i
  dir="$(run_dir "$1")"
  pidfile="$dir/keycloak.pid"
  [[ -f "$pidfile" ]] || { log "no Keycloak started by this script on port $1"; return 0; }
  pid="$(cat "$pidfile")"
  if is_running "$pid"; then
    log "stopping Keycloak on port $1 (pid $pid)"
    # kc.sh runs under setsid, so its pid is also its process-group id.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do
      is_running "$pid" || break
      sleep 0.5
    done
    if is_running "$pid"; then
      log "still running after 30s, killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

cmd_stop() {
  if [[ $# -ge 1 ]]; then
    stop_port "$1"
  elif [[ -n "${KC_RUN_DIR:-}" ]]; then
    [[ -f "$KC_RUN_DIR/port" ]] && stop_port "$(cat "$KC_RUN_DIR/port")"
  else
    local f
    for f in "$KC_RUN_ROOT"/*/keycloak.pid; do
      [[ -f "$f" ]] || continue
      stop_port "$(basename "$(dirname "$f")")"
    done
  fi
}

cmd_status() {
  local f port pid rc=1
  for f in "$KC_RUN_ROOT"/*/keycloak.pid; do
    [[ -f "$f" ]] || continue
    port="$(basename "$(dirname "$f")")"
    [[ $# -ge 1 && "$1" != "$port" ]] && continue
    pid="$(cat "$f")"
    if is_running "$pid"; then echo "port $port: running (pid $pid)"; rc=0; else echo "port $port: not running (stale pid $pid)"; fi
  done
  return $rc
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start)   shift; cmd_start "$@" ;;
  stop)    shift; cmd_stop "$@" ;;
  status)  shift; cmd_status "$@" ;;
  home)    echo "$KC_HOME" ;;
  *) usage ;;
esac
