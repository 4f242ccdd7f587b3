#!/usr/bin/env bash
# `make run`: the bot in local mode (SQLite file under var/, in-process scheduler, no
# credentials, loopback only) together with the local Teams client. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

BOT_PORT="${BOT_PORT:-3978}"
CLIENT_PORT="${CLIENT_PORT:-56150}"
CONFIG=.m365agentsplayground.yml
tenant=$(sed -n 's/^tenantId: *//p' "$CONFIG" | tr -d '"[:space:]')
channel=$(sed -n 's/^ *- id: *\(channel-[^ ]*\)/\1/p' "$CONFIG" | head -n1)

export BOT_MODE=local HOST=127.0.0.1 PORT="$BOT_PORT"
export ALLOWED_TENANT_ID="${ALLOWED_TENANT_ID:-$tenant}"
export CASE_REVIEW_CHANNEL_ID="${CASE_REVIEW_CHANNEL_ID:-$channel}"
export LOCAL_ROLES_FILE="${LOCAL_ROLES_FILE:-config/local-roles.toml}"
export TEAMSAPPTESTER_BROWSER=none

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$BOT_PORT" "$CLIENT_PORT"; do
  if ! port_free "$p"; then
    echo "Port $p is already in use. Stop whatever holds it, or set BOT_PORT / CLIENT_PORT." >&2
    exit 1
  fi
done

.venv/bin/python -m bot db upgrade
.venv/bin/python -m bot run &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$BOT_PORT/healthz" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$BOT_PORT/healthz" >/dev/null || { echo "The bot did not start." >&2; exit 1; }

node_modules/.bin/agentsplayground -e "http://127.0.0.1:$BOT_PORT/api/messages" -c msteams \
  -p "$CLIENT_PORT" --dt >var/local-client.log 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$CLIENT_PORT/_internal/v1/config" >/dev/null && break
  sleep 0.2
done
if ! curl -sf "http://127.0.0.1:$CLIENT_PORT/_internal/v1/config" >/dev/null; then
  echo "The local Teams client did not start; see var/local-client.log and devTools/." >&2
  exit 1
fi

# As if the bot had just been added to the team (Teams sends this on installation).
.venv/bin/python scripts/local_install.py "$CLIENT_PORT" || echo "Could not announce the team install." >&2

cat <<MSG

  Case Review Bot is running in local mode.

  Open the local Teams client:  http://localhost:$CLIENT_PORT
  You are Priya Shah (practitioner). Type "help" in the chat to begin.
  Bot endpoint: http://127.0.0.1:$BOT_PORT/api/messages   Health: http://127.0.0.1:$BOT_PORT/healthz
  Data: var/casereview.db    Client log: var/local-client.log

  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
