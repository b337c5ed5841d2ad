#!/usr/bin/env bash
# `npm run doctor` as an operator runs it, against the sandbox (CI runs this): a server started in sandbox mode
# with the demo mailbox linked through its API, then the doctor twice with the same settings:
#   1. as configured: every row ok, exit 0;
#   2. with OAUTH_REDIRECT_URI on a host the app has not registered: exit 1, the redirect URI row failed, and
#      the fix naming OAUTH_REDIRECT_URI printed.
# The doctor finds the server's own sandbox on SANDBOX_PORT and trusts it through the CA in DATA_DIR, as it
# would on an installation; nothing here is specific to CI.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
json() { node -e 'let t="";process.stdin.on("data",c=>t+=c).on("end",()=>console.log(process.argv[1].split(".").reduce((o,k)=>o[k],JSON.parse(t))))' "$1"; }

export DATA_DIR="$work/data" PORT="$(free_port)" SANDBOX_PORT="$(free_port)" SANDBOX_DEMO_MAIL=off LOG_LEVEL=warn
base="https://localhost:$PORT"
sandbox="https://localhost:$SANDBOX_PORT"
ca="$DATA_DIR/sandbox-ca/ca.pem"

echo "server in sandbox mode: $base, its sandbox $sandbox, data in $DATA_DIR"
node --import tsx server/main.ts >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  if [ -f "$ca" ] && curl -fsS --cacert "$ca" "$base/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "the server exited"; exit 1; }
  sleep 1
done
curl -fsS --cacert "$ca" "$base/readyz"
echo

# The demo mailbox, linked as an admin links it: an API token, the link request, the consent page, the callback.
audience="$(curl -fsS --cacert "$ca" "$sandbox/sandbox/" | json app.apiAudience)"
token="$(curl -fsS --cacert "$ca" -H 'content-type: application/json' \
  -d "{\"upn\":\"admin@contoso.test\",\"audience\":\"$audience\",\"roles\":[\"Relaydesk.Admin\"]}" "$sandbox/sandbox/tokens" | json access_token)"
authorize="$(curl -fsS --cacert "$ca" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"address":"support@contoso.test"}' "$base/api/mailboxes" | json authorizeUrl)"
callback="$(curl -sS --cacert "$ca" -o /dev/null -w '%{redirect_url}' "$authorize&sandbox_user=support%40contoso.test&sandbox_consent=accept")"
curl -fsS --cacert "$ca" -o /dev/null "$callback"
echo "linked support@contoso.test"

echo
echo "--- npm run doctor (as configured: every check ok, exit 0)"
npm run --silent doctor | tee "$work/green.txt"
grep -q '^mailbox support@contoso.test  *ok ' "$work/green.txt"
grep -Eq ' 0 warning\(s\), 0 failed$' "$work/green.txt"

echo
echo "--- OAUTH_REDIRECT_URI=https://helpdesk.example.com/oauth/callback npm run doctor (expected: exit 1)"
status=0
OAUTH_REDIRECT_URI=https://helpdesk.example.com/oauth/callback npm run --silent doctor >"$work/broken.txt" || status=$?
cat "$work/broken.txt"
[ "$status" -eq 1 ] || { echo "doctor exited $status, expected 1"; exit 1; }
grep -Eq '^redirect URI +FAIL ' "$work/broken.txt"
grep -Eq '^FAIL redirect URI: .*unset OAUTH_REDIRECT_URI' "$work/broken.txt"
grep -Eq ' 1 failed$' "$work/broken.txt"
echo "doctor: green as configured; the broken OAUTH_REDIRECT_URI failed with its fix (exit $status)"
