#!/usr/bin/env bash
# Install Debian's PostgreSQL server when it is not on the machine (the tests start their
# own throwaway server from these binaries; nothing is left running).
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL server binaries are missing: install Debian's 'postgresql' package." >&2
  exit 1
fi
echo "Installing PostgreSQL (Debian package) for the tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# The package starts a cluster of its own; the tests do not use it.
(service postgresql stop || pg_ctlcluster --help) >/dev/null 2>&1 || true
