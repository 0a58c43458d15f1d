#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on localhost: uses running ones, starts installed ones,
# or falls back to docker compose. Prints what it did; fails with a clear line if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_up() { (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; }
wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

if ! pg_up; then
  echo "postgres is not answering on 127.0.0.1:5432; trying to start it"
  (command -v service >/dev/null && service postgresql start) || (command -v docker >/dev/null && docker compose up -d postgres) || true
  wait_for pg_up || { echo "services: PostgreSQL is not reachable on 127.0.0.1:5432 (start it, or run: docker compose up -d)"; exit 1; }
fi
if ! redis_up; then
  echo "redis is not answering on 127.0.0.1:6379; trying to start it"
  (command -v redis-server >/dev/null && redis-server --daemonize yes --save '' --appendonly no >/dev/null) || (command -v docker >/dev/null && docker compose up -d redis) || true
  wait_for redis_up || { echo "services: Redis is not reachable on 127.0.0.1:6379 (start it, or run: docker compose up -d)"; exit 1; }
fi
