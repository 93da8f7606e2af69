#!/usr/bin/env bash
# Stage server: lints and builds sextant-server, runs its integration suite on SQLite, then
# again on a throwaway PostgreSQL 15 cluster, then schemathesis against the OpenAPI document
# served by the built binary (the document must validate as OpenAPI 3.1; no 5xx allowed).
# Installs what it needs idempotently.
#   SEXTANT_ST_EXAMPLES   schemathesis examples per operation (default 40)
. "$(dirname "$0")/../lib.sh"
cd "$SEXTANT_ROOT"

tmp=$(mktemp -d)
chmod 755 "$tmp"
pg_data="$tmp/pg/data"
pg_started=0
server_pid=
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$pg_started" = 1 ]; then
    as_pg "$PGBIN/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- tools -------------------------------------------------------------------------------------
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy
if ! dpkg -L postgresql-15 2>/dev/null | grep -q 'bin/initdb$'; then
  log "installing postgresql-15"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
PGBIN=$(dirname "$(dpkg -L postgresql-15 | grep 'bin/initdb$' | head -1)")

venv="$SEXTANT_CACHE/venv-server"
if ! "$venv/bin/st" --version >/dev/null 2>&1 || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  log "installing schemathesis and openapi-spec-validator into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "schemathesis>=4,<5" "openapi-spec-validator>=0.7,<1"
fi

# --- lint and build ----------------------------------------------------------------------------
timed cargo fmt -p sextant-server --check
timed cargo clippy -p sextant-server --all-targets -- -D warnings
timed cargo build -p sextant-server --bins --tests

# --- suite on SQLite ---------------------------------------------------------------------------
out="$tmp/sqlite.log"
log "integration suite on SQLite"
env -u SEXTANT_TEST_DATABASE_URL cargo test -p sextant-server 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "test result: ok\. [1-9][0-9]* passed"

# --- suite on PostgreSQL 15 --------------------------------------------------------------------
pg_port=$(free_port)
mkdir -p "$pg_data" "$tmp/pg/sock"
[ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$tmp/pg"
log "starting PostgreSQL 15 on 127.0.0.1:$pg_port ($PGBIN)"
as_pg "$PGBIN/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
pg_started=1
as_pg "$PGBIN/pg_ctl" -D "$pg_data" -l "$tmp/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $tmp/pg/sock -c fsync=off" start >/dev/null \
  || { cat "$tmp/pg/server.log"; exit 1; }
out="$tmp/postgres.log"
log "integration suite on PostgreSQL"
SEXTANT_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres" \
  cargo test -p sextant-server --test it 2>&1 | tee "$out"
test "${PIPESTATUS[0]}" -eq 0
require_tests "$out" "test result: ok\. [1-9][0-9]* passed"
grep -q "service::health_and_ready ... ok" "$out"

# --- schemathesis against the served document --------------------------------------------------
# Every default check runs except positive_data_acceptance: some schema-valid bodies are rightly
# rejected with 422 for rules JSON Schema cannot state (inputs of equal length, matype codes the
# core does not implement yet, password and address rules).
# The server loads the demo market data (--demo), so the market and portfolio operations reach
# real instruments and bars.
# revoke_session runs apart too: with the session id from GET /v1/account/sessions it can revoke
# the main run's own session (then every later operation is a 401).
# Authenticated: the stage registers an account, restarts the server with --grant-admin for it,
# and passes its access token to every request (the analytics routes take it optionally, the
# accounts and admin routes require it). The operations that end the session or the account
# (logout, logout_all, account_delete) run afterwards, each with its own account's token, so
# they cannot sign the main run out. Rate limits are scaled up: schemathesis is one client address.
# Access tokens live 2 h (the run takes over 15 min on a loaded machine), and a request may take
# up to 120 s: the debug build's Monte Carlo examples simulate 10,000-100,000 paths.
bin="$CARGO_TARGET_DIR/debug/sextant-server"
port=$(free_port)
base="http://127.0.0.1:$port"
jwt_secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
start_server() {
  SEXTANT_JWT_SECRET="$jwt_secret" RUST_LOG=warn "$bin" --addr "127.0.0.1:$port" \
    --data-dir "$tmp/data" --body-limit 1048576 --rate-limit-scale 1000 --access-token-ttl 7200 \
    --demo "$@" \
    >>"$tmp/server.log" 2>&1 &
  server_pid=$!
  # up to 120 s: a first start loads the demo market data (about 18,000 bars) before listening
  for _ in $(seq 1 1200); do
    if python3 -c "import urllib.request as u; u.urlopen('$base/ready', timeout=1)" \
      2>/dev/null; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log"; exit 1; }
    sleep 0.1
  done
}
start_server
ending=(logout logout_all account_delete revoke_session)
for who in admin "${ending[@]}"; do
  python3 scripts/st_auth.py register "$base" "st-$who@example.com"
done
kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_server --grant-admin st-admin@example.com
admin_token=$(python3 scripts/st_auth.py login "$base" st-admin@example.com)
log "validating the served OpenAPI document"
"$venv/bin/python" -c "import urllib.request as u; print(u.urlopen('$base/openapi.json').read().decode())" \
  >"$tmp/openapi.json"
"$venv/bin/openapi-spec-validator" "$tmp/openapi.json"
st_run() {
  local out=$1; shift
  # Run from the temp dir: schemathesis writes its state (.schemathesis/) into the working dir.
  (cd "$tmp" && timed "$venv/bin/st" run "$base/openapi.json" \
    --exclude-checks positive_data_acceptance --generation-database none \
    --max-examples "${SEXTANT_ST_EXAMPLES:-40}" --seed 1 --no-color --workers 2 \
    --request-timeout 120 "$@") 2>&1 \
    | tee "$out"
  test "${PIPESTATUS[0]}" -eq 0
  # schemathesis must have exercised operations; a run that tested nothing is a failure.
  grep -Eq "[1-9][0-9]* passed" "$out" || { echo "schemathesis ran no operations" >&2; exit 1; }
}
log "schemathesis against $base/openapi.json, signed in as an admin"
st_run "$tmp/schemathesis.log" -H "Authorization: Bearer $admin_token" \
  --exclude-operation-id logout --exclude-operation-id logout_all \
  --exclude-operation-id account_delete --exclude-operation-id revoke_session
if grep -q "Authentication failed" "$tmp/schemathesis.log"; then
  echo "schemathesis was not signed in (only 401/403 answers)" >&2; exit 1
fi
for op in "${ending[@]}"; do
  log "schemathesis on $op, signed in as its own account"
  token=$(python3 scripts/st_auth.py login "$base" "st-$op@example.com")
  st_run "$tmp/schemathesis-$op.log" -H "Authorization: Bearer $token" --include-operation-id "$op"
done
if grep -q '"level":"ERROR"' "$tmp/server.log"; then
  echo "the server logged errors during schemathesis:" >&2
  grep '"level":"ERROR"' "$tmp/server.log" | head -20 >&2
  exit 1
fi
log "server stage ok"
