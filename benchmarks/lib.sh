# shellcheck shell=bash
# Helpers shared by the two benchmark drivers, broker/run.sh and token-endpoint/run.sh, which source this file:
# prerequisites, starting and stopping Latchkey, wrk runs, and the CPU accounting that tells a run disturbed by
# other work on this shared machine from a clean one.
#
# Functions and constants only; nothing runs when it is sourced. A driver sets LOG_PREFIX before sourcing it and
# defines stop_servers (for cleanup). The functions read the driver's globals when they are called (HERE, the
# folder of its wrk scripts; REPO, WORK, JAVA_BIN, WRK_*, LATCHKEY_*, LK_PID, LK_DATA_DIR) and IDLE_BUSY_MAX and
# IDLE_WAIT_MAX from the environment, as the drivers' headers document.

log() { echo "$LOG_PREFIX $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- prerequisites -----------------------------------------------------------

ensure_wrk() {
  command -v wrk >/dev/null && return 0
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    log "wrk not found; installing the Debian package"
    while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do
      log "waiting for a running apt/dpkg to finish"; sleep 5
    done
    apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
  fi
  command -v wrk >/dev/null || die "wrk is required (Debian package 'wrk')"
}

require_tools() { # <command...>
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is required"
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The EXIT trap of both drivers. A failed run keeps its work dir, for the logs.
cleanup() {
  local rc=$?
  stop_servers
  if [[ "${KEEP_WORK:-0}" == 1 || $rc -ne 0 ]]; then
    log "work dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}

# jq where there is one (the broker driver requires it); the token-endpoint driver also runs without it.
json_field() { # <field> < json
  if command -v jq >/dev/null; then
    jq -r --arg f "$1" '.[$f] // empty'
  else
    python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"
  fi
}

# --- Latchkey ----------------------------------------------------------------

# Latchkey runs from a private copy of LATCHKEY_JAR, so that a rebuild of launcher/target during the run cannot
# pull the jar from under the JVM. Sets JAR_INFO, which says in results.md which build was measured.
copy_latchkey_jar() {
  cp "$LATCHKEY_JAR" "$WORK/latchkey.jar"
  # shellcheck disable=SC2034  # read by the drivers
  JAR_INFO="$(realpath --relative-to="$REPO" "$LATCHKEY_JAR" 2>/dev/null || echo "$LATCHKEY_JAR"), sha256 $(sha256sum "$WORK/latchkey.jar" | cut -c1-12), built $(date -u -r "$LATCHKEY_JAR" '+%Y-%m-%d %H:%M UTC')"
}

# spawn_latchkey <log file> <bootstrap admin client id> <its secret> [Spring arguments...]: starts the copy in the
# background on 127.0.0.1 with data dir LK_DATA_DIR and sets LK_PID; waiting for readiness is the driver's part.
# setsid: the JVM leads a session of its own, by which server_ticks finds its CPU.
spawn_latchkey() {
  local logfile="$1" admin_id="$2" admin_secret="$3"
  shift 3
  # shellcheck disable=SC2086  # LATCHKEY_JAVA_OPTS holds several options
  (
    export LATCHKEY_BOOTSTRAP_ADMIN_CLIENT_ID="$admin_id"
    export LATCHKEY_BOOTSTRAP_ADMIN_CLIENT_SECRET="$admin_secret"
    export LATCHKEY_DATA_DIR="$LK_DATA_DIR"
    export SERVER_PORT="$LATCHKEY_PORT" SERVER_ADDRESS=127.0.0.1
    export MANAGEMENT_SERVER_PORT="$LATCHKEY_MGMT_PORT" MANAGEMENT_SERVER_ADDRESS=127.0.0.1
    exec setsid "$JAVA_BIN" $LATCHKEY_JAVA_OPTS -jar "$WORK/latchkey.jar" "$@" </dev/null >"$logfile" 2>&1
  ) &
  # shellcheck disable=SC2034  # read by the drivers
  LK_PID=$!
}

# The embedded PostgreSQL may outlive the JVM: stop the postmaster whose data directory is inside the given
# Latchkey data dir (by its own pid file).
stop_leftover_postgres() { # <Latchkey data dir, or empty>
  [[ -n "$1" && -d "$1" ]] || return 0
  local i pmf pgpid
  while IFS= read -r pmf; do
    pgpid="$(head -n1 "$pmf" 2>/dev/null || true)"
    if [[ "$pgpid" =~ ^[0-9]+$ ]] && kill -0 "$pgpid" 2>/dev/null; then
      log "stopping embedded PostgreSQL left running (pid $pgpid)"
      kill -TERM "$pgpid" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pgpid" 2>/dev/null && kill -KILL "$pgpid" 2>/dev/null || true
    fi
  done < <(find "$1" -name postmaster.pid 2>/dev/null)
}

# --- CPU accounting ----------------------------------------------------------

CLK_TCK="$(getconf CLK_TCK)"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

machine_ticks() { # -> "<busy ticks> <total ticks>" summed over all CPUs
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

# server_ticks <session id> [Latchkey data dir] -> "<session ticks> <PostgreSQL ticks>": CPU used so far by every
# live process of the server's session, and by its embedded PostgreSQL, whose postmaster and backends each run in
# a session of their own: the postmaster named in a postmaster.pid under the data dir and its children, including
# children that have already exited.
server_ticks() {
  local pm="" f
  if [[ -n "${2:-}" ]]; then
    f="$(find "$2" -name postmaster.pid 2>/dev/null | head -n1)"
    [[ -n "$f" ]] && pm="$(head -n1 "$f" 2>/dev/null)"
  fi
  for f in /proc/[0-9]*/stat; do
    cat "$f" 2>/dev/null
    echo
  done | awk -v sid="$1" -v pm="${pm:--1}" '
    NF {
      pid = $1; sub(/^.*\) /, "")   # now $2 = ppid, $4 = session, $12..$15 = utime stime cutime cstime
      if ($4 == sid) j += $12 + $13
      else if (pid == pm || $2 == pm) p += $12 + $13 + $14 + $15
    }
    END { print j + 0, p + 0 }'
}

busy_percent() { # <seconds> -> whole-machine CPU busy % over that interval
  local a b
  read -r -a a <<<"$(machine_ticks)"; sleep "$1"; read -r -a b <<<"$(machine_ticks)"
  awk -v b="$((b[0] - a[0]))" -v t="$((b[1] - a[1]))" 'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }'
}

# Waits (up to IDLE_WAIT_MAX s) until the machine is at most IDLE_BUSY_MAX % busy, so that a measurement does not
# start on top of a build; prints what it saw, for the report.
wait_for_idle() {
  local waited=0 busy
  while :; do
    busy="$(busy_percent 3)"
    if (( busy <= ${IDLE_BUSY_MAX:-25} )); then
      echo "$busy% busy before start"; return 0
    fi
    if (( waited >= ${IDLE_WAIT_MAX:-300} )); then
      log "machine still ${busy}% busy after ${waited}s of waiting; measuring anyway"
      echo "$busy% busy before start (did not settle within ${waited}s)"; return 0
    fi
    log "machine ${busy}% busy (other work); waiting for it to settle"
    sleep 7; waited=$((waited + 10))
  done
}

# Single-thread CPU speed probe (RSA-2048 signatures/s, 3 s). This virtual machine's speed drifts with the host's
# load by tens of percent from one run to the next; the probe, recorded next to each figure, tells such runs apart.
cpu_probe() {
  if command -v openssl >/dev/null; then
    openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ { printf "%.0f", $(NF - 1); found = 1 } END { if (!found) printf "?" }'
  else
    printf "?"
  fi
}

cpu_model() { awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo; }
mem_total() { awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo; }

# --- wrk runs ----------------------------------------------------------------

wrk_cmd() { # <duration> <script> <url> [wrk options...] -> the wrk command line
  # shellcheck disable=SC2086  # WRK_EXTRA_ARGS holds several arguments
  echo wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$1" "${@:4}" $WRK_EXTRA_ARGS -s "$HERE/$2" "$3"
}

# timed_run <out> <server session id> <Latchkey data dir or empty> <command...>: runs the command (a wrk run) with
# its output in <out>; prints "<machine busy ticks> <machine total ticks> <server ticks> <of which PostgreSQL>
# <the command's own CPU seconds>" over the run, for result_with_cpu. On failure prints the output and fails.
timed_run() {
  local out="$1" sid="$2" data_dir="$3" m0 m1 s0 s1 TIMEFORMAT='%U %S'
  shift 3
  read -r -a m0 <<<"$(machine_ticks)"; read -r -a s0 <<<"$(server_ticks "$sid" "$data_dir")"
  { time "$@" >"$out" 2>&1; } 2>"$out.time" || { cat "$out" >&2; return 1; }
  read -r -a m1 <<<"$(machine_ticks)"; read -r -a s1 <<<"$(server_ticks "$sid" "$data_dir")"
  echo "$((m1[0] - m0[0])) $((m1[1] - m0[1])) $((s1[0] + s1[1] - s0[0] - s0[1])) $((s1[1] - s0[1]))" \
    "$(awk '{ print $1 + $2 }' "$out.time")"
}

# result_with_cpu <out> <timed_run's figures> <0|1> -> the last RESULT line of <out> with the run's CPU appended:
# the server's CPU per request, and in cores on average over the run the server's, wrk's and that of everything
# else (other processes on this shared machine). 1 adds PostgreSQL's share of the server's CPU per request and
# the load average after the run (the broker's figures; the token-endpoint report has neither).
result_with_cpu() {
  local busy total srv pg wrk
  read -r busy total srv pg wrk <<<"$2"
  grep '^RESULT' "$1" | tail -n1 | awk -v detail="$3" \
    -v hz="$CLK_TCK" -v busy="$busy" -v total="$total" -v srv="$srv" -v pg="$pg" -v wrk="$wrk" -v ncpu="$(nproc)" \
    -v la="$(loadavg | tr ' ' '/')" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      wall = total / hz / ncpu
      other = busy / hz - srv / hz - wrk; if (other < 0) other = 0
      printf "%s server_cpu_ms_per_req=%.3f", $0, (v["requests"] > 0 ? 1000 * srv / hz / v["requests"] : 0)
      if (detail) printf " pg_cpu_ms_per_req=%.3f", (v["requests"] > 0 ? 1000 * pg / hz / v["requests"] : 0)
      printf " server_cores=%.2f wrk_cores=%.2f other_cores=%.2f", srv / hz / wall, wrk / wall, other / wall
      if (detail) printf " load=%s", la
      printf "\n"
    }'
}

field() { # <RESULT line> <name> -> the value of that field
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}
