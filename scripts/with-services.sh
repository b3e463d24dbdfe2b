#!/usr/bin/env bash
# Run a command (the test suite, the benchmarks) against a throwaway PostgreSQL and Redis on free loopback ports.
# Installs the servers with apt-get when they are missing and we are root; always tears them down.
# Usage: scripts/with-services.sh COMMAND [ARGS...]   (DATABASE_URL and REDIS_URL are set for it)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}

find_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

install_missing() {
    local packages=()
    find_pg_bin >/dev/null || packages+=(postgresql postgresql-contrib)
    command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
    # The browser tests drive Debian's Chromium. Without root they fail on their own, saying how to install it.
    [ -x /usr/bin/chromium ] || [ "$(id -u)" != 0 ] || packages+=(chromium)
    # The invoice PDF's font; tests/invoicing/ say how to install it when it is missing.
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ "$(id -u)" != 0 ] || packages+=(fonts-dejavu-core)
    [ ${#packages[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "Missing ${packages[*]}: install them (apt-get install ${packages[*]}) or run as root." >&2
        exit 1
    fi
    echo "Installing ${packages[*]} ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

install_missing
PG_BIN=$(find_pg_bin)
WORK=$(mktemp -d /tmp/renos-test.XXXXXX)
chmod 755 "$WORK"
PG_PORT=$(free_port)
REDIS_PORT=$(free_port)

as_db_owner() {
    # initdb and postgres refuse to run as root.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    as_db_owner "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
    [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK"
as_db_owner "$PG_BIN/initdb" -D "$WORK/pg" -U renos --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
as_db_owner "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$WORK/pg.log" >&2; exit 1; }

as_db_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U renos renos

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK"
for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
done

export DATABASE_URL="postgres://renos@127.0.0.1:$PG_PORT/renos"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export RENOS_VAR_DIR="$WORK/var"
# For tests/resilience/, which stop and start the servers: pg_ctl (as the database owner), the data folder and log,
# and the redis-server command line (restarted with the same pid file, so the cleanup above still stops it).
RENOS_TEST_PG_CTL="$PG_BIN/pg_ctl"
[ "$(id -u)" = 0 ] && RENOS_TEST_PG_CTL="runuser -u postgres -- $PG_BIN/pg_ctl"
export RENOS_TEST_PG_CTL RENOS_TEST_PGDATA="$WORK/pg" RENOS_TEST_PG_LOG="$WORK/pg.log"
export RENOS_TEST_REDIS_SERVER="redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
--daemonize yes --pidfile $WORK/redis.pid --logfile $WORK/redis.log --dir $WORK"
"$@"
