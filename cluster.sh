#!/usr/bin/env bash
# ringchat on one machine: Redis, N chat nodes and nginx in front of them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
# shellcheck source=scripts/redis-cluster.sh
. scripts/redis-cluster.sh

STATE_DIR=${RINGCHAT_STATE_DIR:-$ROOT/.cluster}
LOG_DIR=${RINGCHAT_LOG_DIR:-$ROOT/logs}
STATE_FILE=$STATE_DIR/state
NGINX_PREFIX=$STATE_DIR/nginx
READY_TIMEOUT=${READY_TIMEOUT:-60}
# The folders as shown in messages: relative to the project when inside it.
LOGS=${LOG_DIR#"$ROOT"/}
STATE=${STATE_DIR#"$ROOT"/}

usage() {
  cat <<'EOF'
Usage: ./cluster.sh <command> [args]

Commands:
  start [N]      start Redis, N chat nodes (default 3) and nginx; installs and
                 builds what is missing first. Running again with another N
                 adds or removes nodes without touching the others.
  start [N] --redis-cluster
                 the same on a local Redis Cluster: 3 masters and 3 replicas
                 (redis1..redis6) on REDIS_PORT..REDIS_PORT+5
  stop           stop everything this script started (graceful, idempotent)
  status         show each process (up/down, pid, port); exits 1 if any is down
  logs [NAME]    follow the logs of every node, or of NAME (node2, redis, redis3, nginx)
  help           this text

Environment (read by start; stop/status use what start recorded):
  PORT            nginx port, the cluster's public address    default 9000
  LISTEN_HOST     address nginx listens on                    default 127.0.0.1
  NODE_BASE_PORT  port of node1; nodeN gets NODE_BASE_PORT+N-1 default PORT+1
  REDIS_PORT      port of the cluster's own Redis             default 6390
  REDIS_URL       use this Redis instead of starting one (redis:// or rediss://,
                  with its password: redis://:PASSWORD@host:port)
  REDIS_PASSWORD  password of the cluster's own Redis; generated into
                  .cluster/redis-password if unset
  REDIS_MAXMEMORY memory cap of the cluster's own Redis; when full it refuses
                  writes rather than evict stored messages  default 256mb
  CLUSTER_SECRET  shared node secret; generated into .cluster/secret if unset
  LOG_LEVEL, LOG_FORMAT, ...  passed to the nodes (see README, Configuration)
  RINGCHAT_STATE_DIR, RINGCHAT_LOG_DIR  state and log folders  default .cluster/, logs/
  READY_TIMEOUT   seconds to wait for each node's /readyz     default 60

Files: logs/<name>.log (node logs, redis.log, nginx-*.log); state in .cluster/.
EOF
}

# ---- small helpers --------------------------------------------------------

# True if PID is alive and its command line contains PATTERN (guards against pid reuse).
is_ours() {
  local pid=$1 pattern=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuses to start NAME on a port another program holds.
require_free_port() {
  port_busy "$1" && fail "port $1 for $2 is already in use by another program; set $3 to another port"
  return 0
}

read_pid() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(1500) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1" 2>/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# A zombie (exited, not yet reaped by init) has no command line: it counts as gone.
gone() { ! is_ours "$1" "$2"; }

# stop_pid PID PATTERN NAME GRACE_SECONDS: TERM, wait, then KILL.
stop_pid() {
  local pid=$1 pattern=$2 name=$3 grace=$4
  is_ours "$pid" "$pattern" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for "$grace" "$name to exit" gone "$pid" "$pattern"; then
    printf '    %s did not stop within %ss; killing it\n' "$name" "$grace"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 "$name to die" gone "$pid" "$pattern" || true
  fi
}

load_state() {
  # shellcheck disable=SC1090
  [ -f "$STATE_FILE" ] && . "$STATE_FILE"
  return 0
}

save_state() {
  mkdir -p "$STATE_DIR"
  # A REDIS_URL given by the operator may hold a password: owner-only, like the secrets.
  (umask 077 && cat >"$STATE_FILE") <<EOF
S_PORT=$S_PORT
S_LISTEN_HOST=$S_LISTEN_HOST
S_NODE_BASE_PORT=$S_NODE_BASE_PORT
S_REDIS_PORT=$S_REDIS_PORT
S_REDIS_URL=$S_REDIS_URL
S_OWN_REDIS=$S_OWN_REDIS
S_REDIS_CLUSTER=$S_REDIS_CLUSTER
S_NODES=$S_NODES
EOF
}

node_port() { echo $((S_NODE_BASE_PORT + $1 - 1)); }
node_pattern() { echo "--ringchat-node=node$1"; }
redis_pattern() { echo "127.0.0.1:$S_REDIS_PORT"; }
nginx_pattern() { echo "$NGINX_PREFIX/nginx.conf"; }
nginx_pid() { read_pid "$NGINX_PREFIX/nginx.pid"; }

# ---- start ----------------------------------------------------------------

start_redis() {
  local pid
  pid=$(read_pid "$STATE_DIR/redis.pid")
  if is_ours "$pid" "$(redis_pattern)"; then
    step "redis already running (pid $pid, port $S_REDIS_PORT)"
    return 0
  fi
  require_free_port "$S_REDIS_PORT" redis REDIS_PORT
  local maxmemory=${REDIS_MAXMEMORY:-256mb}
  [[ "$maxmemory" =~ ^[0-9]+([kKmMgG][bB]?)?$ ]] ||
    fail "REDIS_MAXMEMORY must be a size such as 256mb or 2gb (got '$maxmemory')"
  step "starting redis on 127.0.0.1:$S_REDIS_PORT (data in $STATE/redis, AOF on, password, maxmemory $maxmemory)"
  mkdir -p "$STATE_DIR/redis"
  rm -f "$STATE_DIR/redis.pid"
  # The password goes in on stdin (`redis-server -`), never on a command line that ps shows.
  # noeviction: a full Redis refuses writes (the sender gets an error) instead of
  # silently dropping stored messages.
  printf 'requirepass %s\nmaxmemory %s\nmaxmemory-policy noeviction\n' "$REDIS_PASS" "$maxmemory" |
    redis-server - --bind 127.0.0.1 --port "$S_REDIS_PORT" --dir "$STATE_DIR/redis" \
    --appendonly yes --appendfsync everysec --save '' --protected-mode yes \
    --daemonize yes --pidfile "$STATE_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" >/dev/null ||
    fail "redis-server did not start; see $LOG_DIR/redis.log"
  wait_for 10 "redis" redis_up || fail "redis did not start within 10 s; see $LOG_DIR/redis.log"
}

redis_up() {
  is_ours "$(read_pid "$STATE_DIR/redis.pid")" "$(redis_pattern)" &&
    [ "$(REDISCLI_AUTH=$REDIS_PASS redis-cli -p "$S_REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# Prints a generated secret kept in FILE (made once, owner-only), or VALUE if given.
kept_secret() {
  local value=$1 file=$2
  if [ -n "$value" ]; then
    echo "$value"
    return
  fi
  if [ ! -s "$file" ]; then
    (umask 077 && node -p 'require("node:crypto").randomBytes(24).toString("base64url")' >"$file")
  fi
  cat "$file"
}

# The Redis URL the nodes get: the cluster's own Redis with its password, or REDIS_URL.
node_redis_url() {
  if [ "$S_OWN_REDIS" = yes ]; then echo "redis://:$REDIS_PASS@127.0.0.1:$S_REDIS_PORT"; else
    echo "$S_REDIS_URL"
  fi
}

# REDIS_CLUSTER_NODES for the nodes: the local Redis Cluster's servers, or as given.
node_redis_cluster_nodes() {
  if [ "$S_REDIS_CLUSTER" = yes ]; then redis_cluster_seeds; else echo "${REDIS_CLUSTER_NODES:-}"; fi
}

# A Redis URL fit to print: any password blanked.
shown_redis_url() { sed -E 's#^([a-z]+://[^:/@]*:)[^/]*@#\1***@#' <<<"$1"; }

cluster_secret() { kept_secret "${CLUSTER_SECRET:-}" "$STATE_DIR/secret"; }

start_node() {
  local i=$1 port pid log
  port=$(node_port "$i")
  pid=$(read_pid "$STATE_DIR/node$i.pid")
  if is_ours "$pid" "$(node_pattern "$i")"; then
    step "node$i already running (pid $pid, port $port)"
    if [ "$BUILD_STAMP" -nt "$STATE_DIR/node$i.pid" ]; then
      step "  node$i runs an older build: ./cluster.sh stop && ./cluster.sh start to run the new one"
    fi
    return 0
  fi
  log=$LOG_DIR/node$i.log
  require_free_port "$port" "node$i" NODE_BASE_PORT
  step "starting node$i on 127.0.0.1:$port (log: $LOGS/node$i.log)"
  NODE_ID=node$i PORT=$port HOST=127.0.0.1 ADVERTISE_URL=http://127.0.0.1:$port \
    REDIS_URL=$(node_redis_url) REDIS_CLUSTER_NODES=$(node_redis_cluster_nodes) CLUSTER_SECRET=$SECRET \
    setsid node "$BUILD_ENTRY" "$(node_pattern "$i")" >>"$log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/node$i.pid"
}

wait_node_ready() {
  local i=$1 port pid
  port=$(node_port "$i")
  pid=$(read_pid "$STATE_DIR/node$i.pid")
  local deadline=$((SECONDS + READY_TIMEOUT))
  until http_ok "http://127.0.0.1:$port/readyz"; do
    if gone "$pid" "$(node_pattern "$i")"; then
      echo "---- last lines of $LOGS/node$i.log:" >&2
      tail -n 15 "$LOG_DIR/node$i.log" >&2 || true
      fail "node$i exited during start-up; see $LOGS/node$i.log"
    fi
    [ $SECONDS -lt $deadline ] ||
      fail "node$i not ready after ${READY_TIMEOUT}s (GET http://127.0.0.1:$port/readyz); see $LOGS/node$i.log"
    sleep 0.2
  done
  step "node$i ready"
}

start_nginx() {
  local upstreams=() i conf pid
  for ((i = 1; i <= S_NODES; i++)); do upstreams+=("127.0.0.1:$(node_port "$i")"); done
  conf=$(LISTEN_HOST=$S_LISTEN_HOST node nginx/render-config.mjs "$NGINX_PREFIX" "$S_PORT" "$LOG_DIR" "${upstreams[@]}")
  local check
  check=$(nginx -t -q -p "$NGINX_PREFIX" -c "$conf" 2>&1) || fail "nginx rejected $conf: $check"
  pid=$(nginx_pid)
  if is_ours "$pid" "$(nginx_pattern)"; then
    step "reloading nginx with ${S_NODES} nodes"
    kill -HUP "$pid"
  else
    require_free_port "$S_PORT" nginx PORT
    step "starting nginx on $S_LISTEN_HOST:$S_PORT (round robin over ${S_NODES} nodes)"
    nginx -p "$NGINX_PREFIX" -c "$conf" || fail "nginx did not start; see $LOG_DIR/nginx-error.log"
  fi
  wait_for 15 "nginx" http_ok "http://127.0.0.1:$S_PORT/readyz" ||
    fail "nginx on port $S_PORT does not answer; see $LOG_DIR/nginx-error.log"
}

cmd_start() {
  local count=3 cluster_flag=no arg
  for arg in "$@"; do
    case "$arg" in
      --redis-cluster) cluster_flag=yes ;;
      *) count=$arg ;;
    esac
  done
  [[ "$count" =~ ^[1-9][0-9]?$ ]] || fail "start takes a node count from 1 to 99 (got '$count')"
  require_node
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  load_state

  # Ports stay what the running cluster uses; env applies to a fresh start.
  local running=no
  if [ -n "${S_NODES:-}" ] && is_ours "$(nginx_pid)" "$(nginx_pattern)"; then running=yes; fi
  if [ $running = no ]; then
    S_PORT=${PORT:-9000}
    S_LISTEN_HOST=${LISTEN_HOST:-127.0.0.1}
    S_NODE_BASE_PORT=${NODE_BASE_PORT:-$((S_PORT + 1))}
    S_REDIS_PORT=${REDIS_PORT:-6390}
    if [ -n "${REDIS_URL:-}" ]; then S_OWN_REDIS=no S_REDIS_URL=$REDIS_URL; else
      S_OWN_REDIS=yes S_REDIS_URL=redis://127.0.0.1:$S_REDIS_PORT
    fi
    S_REDIS_CLUSTER=$cluster_flag
    [ "$cluster_flag" = no ] || [ "$S_OWN_REDIS" = yes ] ||
      fail "--redis-cluster starts a local Redis Cluster: unset REDIS_URL (or set REDIS_CLUSTER_NODES for your own)"
  elif [ "$cluster_flag" != "${S_REDIS_CLUSTER:-no}" ]; then
    fail "the running cluster uses $([ "${S_REDIS_CLUSTER:-no}" = yes ] && echo a Redis Cluster || echo one Redis); stop it first"
  fi
  local previous=${S_NODES:-0}

  step "checking system packages"
  if [ "$S_OWN_REDIS" = yes ]; then ensure_system_packages nginx:nginx redis-server:redis-server; else
    ensure_system_packages nginx:nginx
  fi
  ensure_npm_deps
  ensure_build

  # Room for 10,000+ sockets per process; best effort without privileges.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

  if [ "$S_OWN_REDIS" = yes ]; then
    REDIS_PASS=$(kept_secret "${REDIS_PASSWORD:-}" "$STATE_DIR/redis-password")
    [[ "$REDIS_PASS" =~ ^[A-Za-z0-9_.~-]{16,}$ ]] ||
      fail "REDIS_PASSWORD must be at least 16 letters, digits or -_.~ (it goes into a URL)"
    if [ "$S_REDIS_CLUSTER" = yes ]; then start_redis_cluster; else start_redis; fi
  fi
  SECRET=$(cluster_secret)
  S_NODES=$count
  save_state

  local i
  for ((i = 1; i <= count; i++)); do start_node "$i"; done
  for ((i = 1; i <= count; i++)); do wait_node_ready "$i"; done
  start_nginx
  # Shrinking: nginx no longer sends to the extra nodes, so they can go.
  for ((i = count + 1; i <= previous; i++)); do
    step "stopping node$i (cluster shrinks to $count)"
    stop_pid "$(read_pid "$STATE_DIR/node$i.pid")" "$(node_pattern "$i")" "node$i" 40
    rm -f "$STATE_DIR/node$i.pid"
  done

  echo
  echo "ringchat is up: http://localhost:$S_PORT"
  for ((i = 1; i <= count; i++)); do
    printf '  node%-3s http://127.0.0.1:%s  %s/node%s.log\n' "$i" "$(node_port "$i")" "$LOGS" "$i"
  done
  if [ "$S_REDIS_CLUSTER" = yes ]; then
    printf '  redis   Redis Cluster on 127.0.0.1:%s-%s  password in %s/redis-password  %s/redis1.log ...\n' \
      "$(rc_port 1)" "$(rc_port "$REDIS_CLUSTER_SIZE")" "$STATE" "$LOGS"
  else
    printf '  redis   %s%s\n' "$(shown_redis_url "$S_REDIS_URL")" \
      "$([ "$S_OWN_REDIS" = yes ] && echo "  password in $STATE/redis-password  $LOGS/redis.log")"
  fi
  printf '  nginx   :%s  %s/nginx-access.log %s/nginx-error.log\n' "$S_PORT" "$LOGS" "$LOGS"
  echo "Follow one node with: ./cluster.sh logs node2    Stop with: ./cluster.sh stop"
}

# ---- stop / status / logs ---------------------------------------------------

cmd_stop() {
  load_state
  if [ -z "${S_NODES:-}" ]; then
    echo "nothing to stop (no cluster state in $STATE/)"
    return 0
  fi
  local pid i
  pid=$(nginx_pid)
  if is_ours "$pid" "$(nginx_pattern)"; then
    step "stopping nginx (pid $pid)"
    kill -QUIT "$pid" 2>/dev/null || true
    wait_for 10 "nginx" gone "$pid" "$(nginx_pattern)" || kill -KILL "$pid" 2>/dev/null || true
  fi
  # Every node that has a pid file, whatever the recorded count.
  local pids=() names=()
  for f in "$STATE_DIR"/node*.pid; do
    [ -e "$f" ] || continue
    i=$(basename "$f" .pid)
    i=${i#node}
    pid=$(read_pid "$f")
    if is_ours "$pid" "$(node_pattern "$i")"; then
      step "stopping node$i (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid") names+=("node$i")
    fi
    rm -f "$f"
  done
  for ((i = 0; i < ${#pids[@]}; i++)); do stop_pid "${pids[$i]}" "--ringchat-node=${names[$i]}" "${names[$i]}" 40; done
  if [ "${S_REDIS_CLUSTER:-no}" = yes ]; then stop_redis_cluster; fi
  if [ "${S_OWN_REDIS:-no}" = yes ]; then
    pid=$(read_pid "$STATE_DIR/redis.pid")
    if is_ours "$pid" "$(redis_pattern)"; then
      step "stopping redis (pid $pid)"
      stop_pid "$pid" "$(redis_pattern)" redis 20
    fi
  fi
  rm -f "$STATE_FILE"
  echo "stopped"
}

cmd_status() {
  load_state
  if [ -z "${S_NODES:-}" ]; then
    echo "not running (no cluster state in $STATE/; start with ./cluster.sh start)"
    return 1
  fi
  local down=0 pid i port state
  row() { printf '%-8s %-6s %-8s %-6s %s\n' "$@"; }
  row NAME STATE PID PORT DETAIL
  if [ "${S_REDIS_CLUSTER:-no}" = yes ]; then
    status_redis_cluster || down=1
  elif [ "$S_OWN_REDIS" = yes ]; then
    pid=$(read_pid "$STATE_DIR/redis.pid")
    if is_ours "$pid" "$(redis_pattern)"; then row redis up "$pid" "$S_REDIS_PORT" "$S_REDIS_URL (password)"; else
      row redis down - "$S_REDIS_PORT" ""
      down=1
    fi
  else
    row redis extern - - "$(shown_redis_url "$S_REDIS_URL")"
  fi
  for ((i = 1; i <= S_NODES; i++)); do
    port=$(node_port "$i")
    pid=$(read_pid "$STATE_DIR/node$i.pid")
    if is_ours "$pid" "$(node_pattern "$i")"; then
      state=$(http_ok "http://127.0.0.1:$port/readyz" && echo ready || echo "not ready")
      row "node$i" up "$pid" "$port" "$state"
      [ "$state" = ready ] || down=1
    else
      row "node$i" down - "$port" ""
      down=1
    fi
  done
  pid=$(nginx_pid)
  if is_ours "$pid" "$(nginx_pattern)"; then row nginx up "$pid" "$S_PORT" "http://localhost:$S_PORT"; else
    row nginx down - "$S_PORT" ""
    down=1
  fi
  return $down
}

cmd_logs() {
  local name=${1:-}
  mkdir -p "$LOG_DIR"
  if [ -z "$name" ]; then
    local files=("$LOG_DIR"/node*.log)
    [ -e "${files[0]}" ] || fail "no node logs yet in $LOGS/"
    exec tail -n 50 -F "${files[@]}"
  fi
  case "$name" in
    nginx) exec tail -n 50 -F "$LOG_DIR/nginx-error.log" "$LOG_DIR/nginx-access.log" ;;
    redis | redis[0-9] | node[0-9]*) [ -e "$LOG_DIR/$name.log" ] || fail "no log for '$name' ($LOGS/$name.log)"
      exec tail -n 50 -F "$LOG_DIR/$name.log" ;;
    *) fail "unknown log '$name': use nodeN, redis, redisN (Redis Cluster) or nginx" ;;
  esac
}

case "${1:-help}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
