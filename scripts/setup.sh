# Shared set-up for cluster.sh and the test command: what a fresh Debian machine
# with only Node 20 and npm is missing, installed here. Source, don't run.

step() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_node() {
  command -v node >/dev/null 2>&1 || fail "Node.js 20 or newer is required (not found on PATH)"
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || fail "Node.js 20 or newer is required (found $(node --version))"
}

# ensure_system_packages CMD:PACKAGE ...  e.g. nginx:nginx redis-server:redis-server
ensure_system_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "missing system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
  step "installing system packages: ${missing[*]} (apt-get, first run only)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
    fail "apt-get update failed; run: apt-get update && apt-get install -y ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install failed; run: apt-get install -y ${missing[*]}"
  # Debian starts the packaged services on install; ringchat runs its own.
  for pkg in "${missing[@]}"; do
    case "$pkg" in
      nginx) nginx -s quit >/dev/null 2>&1 || true ;;
      redis-server | prometheus) (command -v service >/dev/null && service "$pkg" stop >/dev/null 2>&1) || true ;;
    esac
  done
}

# with_progress WHAT COMMAND...: runs COMMAND (its output shown) and prints a line
# with the elapsed seconds every 5 s and at the end, so a long step is never silent.
with_progress() {
  local what=$1 began=$SECONDS next=5 code=0
  shift
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.5
    if [ $((SECONDS - began)) -ge $next ] && kill -0 "$pid" 2>/dev/null; then
      printf '    ... %s: %d s\n' "$what" $((SECONDS - began))
      next=$((next + 5))
    fi
  done
  wait "$pid" || code=$?
  [ $code -eq 0 ] && printf '    %s done in %d s\n' "$what" $((SECONDS - began))
  return $code
}

# npm ci when node_modules is missing or older than package-lock.json.
ensure_npm_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm dependencies (npm ci)"
    with_progress "npm ci" npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed (see above)"
  fi
}

BUILD_STAMP=dist/.build-stamp
BUILD_ENTRY=dist/apps/chat-node/apps/chat-node/src/main.js

# Builds when any source is newer than the last build.
ensure_build() {
  if [ -f "$BUILD_STAMP" ] && [ -f "$BUILD_ENTRY" ] &&
    [ -z "$(find apps libs package-lock.json tsconfig.json nest-cli.json -newer "$BUILD_STAMP" -type f -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  step "building (npm run build: the nodes with nest build, then the browser UI)"
  with_progress build npm run --silent build || fail "build failed (see above)"
  touch "$BUILD_STAMP"
}
