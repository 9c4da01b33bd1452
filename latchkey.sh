#!/usr/bin/env bash
# Latchkey developer entry point. Works on a fresh machine: selects a JDK 21+ and installs what the tests need
# (Debian's Chromium, Keycloak).
#   ./latchkey.sh serve   build (if needed) and start the server on embedded defaults (port 8080, management 8081)
#   ./latchkey.sh test    run the whole test suite (the command CI runs)
#   ./latchkey.sh build   build the executable jar without running tests
set -euo pipefail
cd "$(dirname "$0")"

select_jdk() {
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    v=$("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    [[ "${v:-0}" -ge 21 ]] && return 0
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -x "$candidate/bin/javac" ]] || continue
    v=$("$candidate/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [[ "${v:-0}" -ge 21 ]]; then export JAVA_HOME="$candidate"; break; fi
  done
  [[ -n "${JAVA_HOME:-}" ]] || { echo "Latchkey needs a JDK 21 or newer under /usr/lib/jvm (or JAVA_HOME)" >&2; exit 1; }
  export PATH="$JAVA_HOME/bin:$PATH"
}

ensure_test_tools() {
  # Browser tests drive Debian's Chromium; Playwright must never download its own browser.
  if ! command -v chromium >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "Install Debian's chromium package for the browser tests" >&2; exit 1
    fi
  fi
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  # The token broker's end-to-end tests connect accounts at a real Keycloak (KeycloakServer); fetch it now, as a Maven
  # artifact, so the tests never download anything. Does nothing when it is already installed.
  tools/keycloak/keycloak.sh install
}

MVN=(mvn -B -ntp)

case "${1:-}" in
  serve)
    select_jdk
    "${MVN[@]}" -q -DskipTests package
    # Promote survivors after one young collection: the broker's token fetch keeps ~36 MB of medium-lived objects
    # that G1 otherwise copies at every collection (45 ms pauses, vs 3 ms; benchmarks/broker/results.md).
    # JAVA_OPTS come last and win.
    exec java -XX:MaxTenuringThreshold=1 ${JAVA_OPTS:-} -jar launcher/target/latchkey.jar
    ;;
  build)
    select_jdk
    exec "${MVN[@]}" -DskipTests package
    ;;
  test)
    select_jdk
    ensure_test_tools
    exec "${MVN[@]}" verify
    ;;
  *)
    echo "usage: $0 serve|test|build" >&2
    exit 2
    ;;
esac
