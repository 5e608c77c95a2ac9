#!/usr/bin/env bash
# `make hub` and tests/test_hub.py need Node.js and npm for configurable-http-proxy (JupyterHub's
# proxy). Install Debian's when the machine has none; then the pinned proxy itself (npm ci).
# The same npm installs axe-core for the accessibility tests (`make node-deps`, run by `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
make hub-deps
