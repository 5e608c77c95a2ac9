#!/usr/bin/env bash
# Live-class tests start a throwaway PostgreSQL from Debian's server binaries (initdb in a temp
# dir, a free local port; tests/live_support.py). Install Debian's postgresql when no server
# binary is on the machine. Any system cluster the package sets up is not used by the tests.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || command -v postgres >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
