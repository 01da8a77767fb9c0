#!/usr/bin/env bash
# Installs everything 24h's examples and tests need on a fresh machine: npm packages (from the lockfile), Debian's
# chromium (for the HTML report's browser test), Debian's postgresql (for examples/postgres) and Debian's faketime
# (for @24h/chaos's Sut clock skew). Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian chromium (for the HTML report's browser test)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing and this user cannot apt-get install it; the HTML report's browser test will fail." >&2
    echo "       install Debian's 'chromium' package (or set CHROMIUM_PATH) and rerun." >&2
  fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian postgresql (for the examples/postgres scenario)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "setup: postgresql is missing and this user cannot apt-get install it; examples/postgres will fail." >&2
    echo "       install Debian's 'postgresql' package (or set DATABASE_URL) and rerun." >&2
  fi
fi
if ! command -v faketime >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian faketime (libfaketime, for @24h/chaos Sut clock skew)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
  else
    echo "setup: faketime is missing and this user cannot apt-get install it; Sut clock skew fails with Unsupported." >&2
  fi
fi
echo "setup: ready"
