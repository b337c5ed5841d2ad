#!/usr/bin/env bash
# Checks a systemd unit for Relaydesk (default: deploy/relaydesk.service) the way CI does:
#   1. `systemd-analyze verify` must exit 0 and say nothing about the unit. verify exits 0 on an unknown key
#      or an unparsable value (it warns and ignores the line), so any warning naming the unit fails here.
#   2. `systemd-analyze security --offline` must rate its exposure at most MAX_EXPOSURE (a sandboxing option
#      dropped by mistake shows up as a higher figure).
# Neither needs systemd running as PID 1 (a container is fine). verify does need ExecStart's binary to exist:
# where Node is not /usr/bin/node, a copy with ExecStart pointing at `command -v node` is checked instead.
set -euo pipefail

unit="${1:-$(dirname "$0")/relaydesk.service}"
MAX_EXPOSURE="${MAX_EXPOSURE:-2.0}"
name="$(basename "$unit")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing (apt-get install systemd)" >&2; exit 2; }
cp "$unit" "$work/$name"
node_bin="$(command -v node || true)"
if [ -n "$node_bin" ] && [ "$node_bin" != /usr/bin/node ] && grep -q '^ExecStart=/usr/bin/node ' "$work/$name"; then
  sed -i "s|^ExecStart=/usr/bin/node |ExecStart=$node_bin |" "$work/$name"
  echo "note: node is $node_bin here, not /usr/bin/node; checking a copy with ExecStart=$node_bin"
fi

status=0
out="$(cd "$work" && systemd-analyze verify --man=no "./$name" 2>&1)" || status=$?
[ -n "$out" ] && printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
  echo "FAIL: systemd-analyze verify exited $status" >&2
  exit 1
fi
# Lines about other units of this machine are not ours to fix; lines about this one are.
if printf '%s\n' "$out" | grep -qF "$name"; then
  echo "FAIL: systemd-analyze verify warned about $name" >&2
  exit 1
fi

# --threshold counts in tenths of the 0-10 figure the report prints.
threshold="$(awk -v x="$MAX_EXPOSURE" 'BEGIN { printf "%d", x * 10 + 0.5 }')"
if ! security="$(cd "$work" && systemd-analyze security --offline=yes --threshold="$threshold" "./$name" 2>&1)"; then
  printf '%s\n' "$security" | grep -E '^(✗|→)' >&2 || printf '%s\n' "$security" >&2
  echo "FAIL: exposure above $MAX_EXPOSURE" >&2
  exit 1
fi
printf '%s\n' "$security" | grep '^→'
echo "OK: $unit"
