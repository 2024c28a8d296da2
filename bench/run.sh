#!/usr/bin/env bash
# The benchmark command (npm run bench:<name>): like the test command, it first
# installs what a fresh machine lacks (nginx, redis-server, npm ci) and builds when
# sources changed, then runs one TypeScript benchmark under node with the loader
# in bench/register.mjs.
#   usage: bash bench/run.sh bench/routing.bench.ts [--quick]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

[ $# -ge 1 ] || fail "usage: bash bench/run.sh bench/<name>.bench.ts [--quick]"
# Set-up messages go to stderr: stdout carries only the result table.
{
  require_node
  ensure_system_packages nginx:nginx redis-server:redis-server
  ensure_npm_deps
  ensure_build
  step "running $1 (about a minute; Ctrl-C stops the cluster it starts)"
} >&2
exec node --enable-source-maps --import ./bench/register.mjs "$@"
