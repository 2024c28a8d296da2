#!/usr/bin/env bash
# The test command (npm test): installs what a fresh machine lacks, builds,
# then runs the unit and end-to-end tests against real redis-server and nginx.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

require_node
step "checking system packages"
ensure_system_packages nginx:nginx redis-server:redis-server chromium:chromium ip:iproute2
ensure_npm_deps
ensure_build
step "static checks (types, lint, format)"
npm run --silent check || fail "static checks failed (see above)"
step "running tests (vitest: unit and e2e projects)"
exec npx vitest run "$@"
