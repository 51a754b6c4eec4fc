#!/usr/bin/env bash
# The load benchmark from a fresh clone: builds the service and the runner (release), seeds a
# fresh database with `poc-lms seed-demo`, starts `poc-lms serve` on it and drives the five
# scenarios with bench/runner. See bench/README.md for what each scenario measures.
#
# Usage: bench/run.sh [runner options...]      e.g. bench/run.sh --duration 10 --scenarios outline
# Settings (environment): DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432),
# BENCH_DB (default poc_lms_bench_demo; dropped and re-created), BENCH_ADDR (127.0.0.1:18080),
# KEEP_DB=1 keeps the database afterwards; SEED_ARGS overrides the seed-demo size.
set -euo pipefail
cd "$(dirname "$0")/.."

server="${DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
db="${BENCH_DB:-poc_lms_bench_demo}"
addr="${BENCH_ADDR:-127.0.0.1:18080}"
seed_args="${SEED_ARGS:---organisations 100 --users 20000 --enrolments 100000}"

cargo build --release --locked -p poc-lms -p poc-lms-bench

psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
mail_dir="$(mktemp -d)"
export DATABASE_URL="$server/$db" BIND_ADDR="$addr" MAIL_DIR="$mail_dir" RUST_LOG="${RUST_LOG:-warn}" \
    WORKER=off VERIFY_RATE_LIMIT_PER_MINUTE=1000000 JWT_SECRET="bench-only-secret-not-for-production-use"
# shellcheck disable=SC2086 # the seed arguments are meant to split into words
time target/release/poc-lms seed-demo $seed_args

target/release/poc-lms serve &
service=$!
cleanup() {
    kill "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
    rm -rf "$mail_dir"
    if [ -z "${KEEP_DB:-}" ]; then psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fs "http://$addr/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

target/release/poc-lms-bench --base-url "http://$addr" --pid "$service" "$@"
