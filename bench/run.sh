#!/usr/bin/env bash
# The benchmark and chaos commands (npm run bench, bench:<name>, chaos): like the test
# command, it first installs what a fresh machine lacks (nginx, redis-server,
# npm ci) and builds when sources changed, then runs one TypeScript benchmark
# under node with the loader in bench/register.mjs (the chaos run: test/chaos/chaos.ts).
#   usage: bash bench/run.sh bench/<name>.bench.ts [benchmark options, e.g. --quick]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

[ $# -ge 1 ] || fail "usage: bash bench/run.sh bench/<name>.bench.ts [--quick]"

# --help needs no set-up (and must not start a build).
for arg in "${@:2}"; do
  case "$arg" in
    -h | --help) exec node --import ./bench/register.mjs "$@" ;;
  esac
done

# Thousands of client connections (npm run bench opens 10,000 WebSockets): raise
# the open-file limit as far as this shell may; child processes inherit it.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Set-up messages go to stderr: stdout carries only the result table.
{
  require_node
  ensure_system_packages nginx:nginx redis-server:redis-server
  ensure_npm_deps
  ensure_build
  step "running $1 (progress below; Ctrl-C stops every process it started)"
} >&2
exec node --enable-source-maps --import ./bench/register.mjs "$@"
