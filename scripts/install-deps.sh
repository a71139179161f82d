#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian 12's packages
# and the npm packages used by the real-client end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang clang-format libclang-rt-14-dev
  libboost1.81-dev
  libsimdjson-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev zlib1g-dev
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libspdlog-dev libfmt-dev libcli11-dev libzstd-dev
  curl
)
# Node.js may come from another source (it conflicts with Debian's npm); add
# Debian's only when the machine has none.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for the real-client tests (tests/clients/package.json).
if [ -f tests/clients/package.json ] && [ ! -d tests/clients/node_modules ]; then
  (cd tests/clients && npm install --no-audit --no-fund --loglevel=error)
fi
echo "dependencies ready"
