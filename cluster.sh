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
STOP_TIMEOUT=${STOP_TIMEOUT:-40}
# The folders as shown in messages: relative to the project when inside it.
LOGS=${LOG_DIR#"$ROOT"/}
STATE=${STATE_DIR#"$ROOT"/}

# shellcheck source=scripts/ports.sh
. scripts/ports.sh
# shellcheck source=scripts/cluster-env.sh
. scripts/cluster-env.sh
# shellcheck source=scripts/monitoring.sh
. scripts/monitoring.sh

usage() {
  cat <<'EOF'
Usage: ./cluster.sh <command> [args]

Commands:
  start [N] [--monitoring] [--redis-cluster] [--no-owner-hint]
                 start Redis, N chat nodes (default 3, or as many as run now) and
                 nginx; installs and builds what is missing first. Every port is
                 checked before anything starts; a start that fails stops what it
                 started. Running again with another N adds or removes nodes
                 without touching the others. --monitoring also starts Prometheus
                 on loopback, scraping every node's /metrics (ops/prometheus.yml).
                 --redis-cluster runs the nodes on a local Redis Cluster instead:
                 3 masters and 3 replicas (redis1..redis6) on REDIS_PORT..+5.
                 nginx round robins handshakes and sends the requests of a
                 session to the node its sid names (the owner hint: no relay
                 hop); --no-owner-hint round robins every request (the nodes
                 forward to the owner). A running cluster keeps its choice
                 unless --no-owner-hint is given; a fresh start turns it on.
  stop           stop everything this script started (graceful, idempotent)
  status         each process: up/down, pid, port; for one that is down, why
                 (exit code, last log lines) and how to bring it back; exits 1
                 if any is down
  restart NODE   restart one node (e.g. node2) with the current build: out of
                 nginx, graceful stop, start, ready, back into nginx
  rolling-restart
                 restart every node that way, one at a time, each ready before
                 the next: a new build or node settings reach every node while
                 clients keep chatting
  logs [NAME] [--no-follow]
                 every node's, nginx's and Redis's log merged by time, then
                 followed; or one of them: nodeN, redis, redisN, nginx, prometheus
  help           this text (also -h, --help)

Environment (read by start; the other commands use what start recorded):
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
  PROMETHEUS_PORT Prometheus's port (start --monitoring)      default 9090
  LOG_LEVEL, LOG_FORMAT, ...  passed to the nodes (see README, Configuration)
  RINGCHAT_STATE_DIR, RINGCHAT_LOG_DIR  state and log folders  default .cluster/, logs/
  READY_TIMEOUT   seconds to wait for each node's /readyz     default 60
  STOP_TIMEOUT    seconds a node may take to stop before it is killed  default 40

A running cluster keeps the environment it was started with (.cluster/env):
start and restart in another environment warn and keep the cluster's;
rolling-restart gives node settings set in its environment to every node.

Files: logs/<name>.log (node logs, redis.log, nginx-*.log, prometheus.log);
state in .cluster/.
EOF
}

# ---- small helpers --------------------------------------------------------

# True if PID is alive and its command line contains PATTERN (guards against pid reuse).
is_ours() {
  local pid=$1 pattern=$2
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

read_pid() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(1500) })
    .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1" 2>/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local seconds=$1
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

# Refuses words a command does not take: `stop extra` is a mistake, not a stop.
no_more_args() {
  local command=$1
  shift
  [ $# -eq 0 ] || usage_error "$command takes no argument (got '$*')"
}

usage_error() {
  printf 'error: %s\nRun ./cluster.sh help for the commands.\n' "$1" >&2
  exit 2
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
S_MONITORING=$S_MONITORING
S_OWNER_HINT=$S_OWNER_HINT
S_PROMETHEUS_PORT=$S_PROMETHEUS_PORT
EOF
}

node_port() { echo $((S_NODE_BASE_PORT + $1 - 1)); }
node_pattern() { echo "--ringchat-node=node$1"; }
node_pid() { read_pid "$STATE_DIR/node$1.pid"; }
node_running() { is_ours "$(node_pid "$1")" "$(node_pattern "$1")"; }
redis_pattern() { echo "127.0.0.1:$S_REDIS_PORT"; }
redis_running() { is_ours "$(read_pid "$STATE_DIR/redis.pid")" "$(redis_pattern)"; }
nginx_pattern() { echo "$NGINX_PREFIX/nginx.conf"; }
nginx_pid() { read_pid "$NGINX_PREFIX/nginx.pid"; }
nginx_running() { is_ours "$(nginx_pid)" "$(nginx_pattern)"; }

# True when a cluster recorded by a start is running (its nginx is up).
cluster_running() { [ -n "${S_NODES:-}" ] && nginx_running; }

# ---- start ----------------------------------------------------------------

# What this start launched, so a failure stops it again: never a half-up cluster.
STARTED_HERE=()

rollback_start() {
  local code=$1
  [ "$code" -ne 0 ] && [ ${#STARTED_HERE[@]} -gt 0 ] || return 0
  printf '==> start failed; stopping what it started: %s\n' "${STARTED_HERE[*]}" >&2
  local name
  for name in "${STARTED_HERE[@]}"; do
    case "$name" in
      node*) stop_pid "$(node_pid "${name#node}")" "$(node_pattern "${name#node}")" "$name" "$STOP_TIMEOUT"
        rm -f "$STATE_DIR/$name.pid" ;;
      nginx) kill -QUIT "$(nginx_pid)" 2>/dev/null || true ;;
      redis) stop_pid "$(read_pid "$STATE_DIR/redis.pid")" "$(redis_pattern)" redis 20 ;;
      redis-cluster) stop_redis_cluster >/dev/null ;;
      prometheus) stop_prometheus >/dev/null ;;
    esac
  done
  # A first start that failed leaves no state behind: the next start is a fresh one.
  [ "${FRESH_START:-no}" = yes ] && rm -f "$STATE_FILE" "$ENV_FILE"
  return 0
}

start_redis() {
  if redis_running; then
    step "redis already running (pid $(read_pid "$STATE_DIR/redis.pid"), port $S_REDIS_PORT)"
    return 0
  fi
  require_free_port "$S_REDIS_PORT" redis REDIS_PORT
  local maxmemory=${REDIS_MAXMEMORY:-256mb}
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
  STARTED_HERE+=(redis)
  wait_for 10 "redis" redis_up || fail "redis did not start within 10 s; see $LOG_DIR/redis.log"
}

redis_up() {
  redis_running && [ "$(REDISCLI_AUTH=$REDIS_PASS redis-cli -p "$S_REDIS_PORT" ping 2>/dev/null)" = PONG ]
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
  if [ "${S_REDIS_CLUSTER:-no}" = yes ]; then redis_cluster_seeds; else echo "${REDIS_CLUSTER_NODES:-}"; fi
}

# A Redis URL fit to print: any password blanked.
shown_redis_url() { sed -E 's#^([a-z]+://[^:/@]*:)[^/]*@#\1***@#' <<<"$1"; }

# The secrets every node and Redis need, from the environment or the kept files.
load_secrets() {
  if [ "$S_OWN_REDIS" = yes ]; then
    REDIS_PASS=$(kept_secret "${REDIS_PASSWORD:-}" "$STATE_DIR/redis-password")
    [[ "$REDIS_PASS" =~ ^[A-Za-z0-9_.~-]{16,}$ ]] ||
      fail "REDIS_PASSWORD must be at least 16 letters, digits or -_.~ (it goes into a URL)"
  fi
  SECRET=$(kept_secret "${CLUSTER_SECRET:-}" "$STATE_DIR/secret")
}

# Starts node I in the background. A small shell waits for it and writes its exit
# code and time to nodeI.exit, so `status` can say why a node is down.
launch_node() {
  local i=$1 port pidfile exitfile
  port=$(node_port "$i")
  pidfile=$STATE_DIR/node$i.pid
  exitfile=$STATE_DIR/node$i.exit
  require_free_port "$port" "node$i" NODE_BASE_PORT
  rm -f "$pidfile" "$exitfile"
  step "starting node$i on 127.0.0.1:$port (log: $LOGS/node$i.log)"
  # shellcheck disable=SC2016 # expanded by the inner shell
  NODE_ID=node$i PORT=$port HOST=127.0.0.1 ADVERTISE_URL=http://127.0.0.1:$port \
    REDIS_URL=$(node_redis_url) REDIS_CLUSTER_NODES=$(node_redis_cluster_nodes) CLUSTER_SECRET=$SECRET \
    setsid bash -c 'node "$1" "$2" </dev/null & echo $! >"$3"; code=0; wait $! || code=$?
      echo "$code $(date +%s)" >"$4"' ringchat-node "$BUILD_ENTRY" "$(node_pattern "$i")" \
    "$pidfile" "$exitfile" >>"$LOG_DIR/node$i.log" 2>&1 </dev/null &
  wait_for 5 "node$i's pid" test -s "$pidfile" || fail "node$i did not start; see $LOGS/node$i.log"
  STARTED_HERE+=("node$i")
}

start_node() {
  local i=$1
  if node_running "$i"; then
    step "node$i already running (pid $(node_pid "$i"), port $(node_port "$i"))"
    if [ "$BUILD_STAMP" -nt "$STATE_DIR/node$i.pid" ]; then
      step "  node$i runs an older build: ./cluster.sh rolling-restart runs the new one on every node"
    fi
    return 0
  fi
  launch_node "$i"
}

wait_node_ready() {
  local i=$1 port pid
  port=$(node_port "$i")
  pid=$(node_pid "$i")
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

# Writes nginx.conf with the given nodes as upstreams; prints its path. With the
# owner hint, each is named (nodeN=address) so the sids it mints are sent to it;
# a node out of nginx (restarting) is neither an owner nor a backup.
render_nginx() {
  local upstreams=() i conf check name
  for i in "$@"; do
    name=''
    if [ "$S_OWNER_HINT" = yes ]; then name="node$i="; fi
    upstreams+=("${name}127.0.0.1:$(node_port "$i")")
  done
  conf=$(LISTEN_HOST=$S_LISTEN_HOST node nginx/render-config.mjs "$NGINX_PREFIX" "$S_PORT" "$LOG_DIR" "${upstreams[@]}")
  check=$(nginx -t -q -p "$NGINX_PREFIX" -c "$conf" 2>&1) || fail "nginx rejected $conf: $check"
  echo "$conf"
}

nginx_workers() {
  local pid
  pid=$(nginx_pid)
  cat "/proc/$pid/task/$pid/children" 2>/dev/null || true
}

# Reloads the running nginx with the given nodes; returns once new workers serve.
reload_nginx() {
  render_nginx "$@" >/dev/null
  local before
  before=$(nginx_workers)
  kill -HUP "$(nginx_pid)"
  wait_for 10 "nginx to reload" new_nginx_workers "$before" ||
    fail "nginx did not reload within 10 s; see $LOGS/nginx-error.log"
}

new_nginx_workers() {
  local pid
  for pid in $(nginx_workers); do [[ " $(echo $1) " == *" $pid "* ]] || return 0; done
  return 1
}

all_nodes() { seq 1 "$S_NODES"; }

start_nginx() {
  local conf
  # shellcheck disable=SC2046
  conf=$(render_nginx $(all_nodes))
  if nginx_running; then
    step "reloading nginx with ${S_NODES} nodes"
    # shellcheck disable=SC2046
    reload_nginx $(all_nodes)
  else
    require_free_port "$S_PORT" nginx PORT
    step "starting nginx on $S_LISTEN_HOST:$S_PORT (round robin over ${S_NODES} nodes, owner hint $(
      [ "$S_OWNER_HINT" = yes ] && echo on || echo off))"
    nginx -p "$NGINX_PREFIX" -c "$conf" || fail "nginx did not start; see $LOG_DIR/nginx-error.log"
    STARTED_HERE+=(nginx)
  fi
  wait_for 15 "nginx" http_ok "http://127.0.0.1:$S_PORT/readyz" ||
    fail "nginx on port $S_PORT does not answer; see $LOG_DIR/nginx-error.log"
}

# Every port this start will open, checked at once before anything starts.
check_start_ports() {
  local count=$1 ports=() i
  if [ "$S_OWN_REDIS" = yes ] && [ "$S_REDIS_CLUSTER" = yes ]; then
    for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
      rc_server_up "$i" && continue
      ports+=("$(rc_port "$i") redis$i REDIS_PORT" "$(($(rc_port "$i") + 10000)) redis$i-bus REDIS_PORT")
    done
  elif [ "$S_OWN_REDIS" = yes ] && ! redis_running; then
    ports+=("$S_REDIS_PORT redis REDIS_PORT")
  fi
  for ((i = 1; i <= count; i++)); do
    node_running "$i" || ports+=("$(node_port "$i") node$i NODE_BASE_PORT")
  done
  nginx_running || ports+=("$S_PORT nginx PORT")
  if [ "$S_MONITORING" = yes ] && ! prometheus_running; then
    ports+=("$S_PROMETHEUS_PORT prometheus PROMETHEUS_PORT")
  fi
  [ ${#ports[@]} -eq 0 ] || check_ports "${ports[@]}"
}

cmd_start() {
  local count='' monitoring=no cluster_flag=no owner_hint='' arg
  for arg in "$@"; do
    case "$arg" in
      --monitoring) monitoring=yes ;;
      --redis-cluster) cluster_flag=yes ;;
      --no-owner-hint) owner_hint=no ;;
      -*) usage_error "start takes a node count, --monitoring, --redis-cluster and --no-owner-hint (got '$arg')" ;;
      *) [ -z "$count" ] || usage_error "start takes one node count (got '$*')"
        count=$arg ;;
    esac
  done
  [ -z "$count" ] || [[ "$count" =~ ^[1-9][0-9]?$ ]] || fail "start takes a node count from 1 to 99 (got '$count')"
  require_node
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  load_state

  # Ports stay what the running cluster uses; env applies to a fresh start.
  FRESH_START=yes
  cluster_running && FRESH_START=no
  if [ $FRESH_START = yes ]; then
    S_PORT=${PORT:-9000}
    S_LISTEN_HOST=${LISTEN_HOST:-127.0.0.1}
    S_NODE_BASE_PORT=${NODE_BASE_PORT:-$((S_PORT + 1))}
    S_REDIS_PORT=${REDIS_PORT:-6390}
    S_PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
    S_MONITORING=no
    S_OWNER_HINT=yes
    if [ -n "${REDIS_URL:-}" ]; then S_OWN_REDIS=no S_REDIS_URL=$REDIS_URL; else
      S_OWN_REDIS=yes S_REDIS_URL=redis://127.0.0.1:$S_REDIS_PORT
    fi
    local name
    for name in S_PORT S_NODE_BASE_PORT S_REDIS_PORT S_PROMETHEUS_PORT; do
      [[ "${!name}" =~ ^[1-9][0-9]{0,4}$ ]] && [ "${!name}" -le 65535 ] ||
        fail "${name#S_} must be a port number from 1 to 65535 (got '${!name}')"
    done
    S_REDIS_CLUSTER=$cluster_flag
    [ "$cluster_flag" = no ] || [ "$S_OWN_REDIS" = yes ] ||
      fail "--redis-cluster starts a local Redis Cluster: unset REDIS_URL (or set REDIS_CLUSTER_NODES for your own)"
  elif [ "$cluster_flag" != "${S_REDIS_CLUSTER:-no}" ]; then
    fail "the running cluster uses $([ "${S_REDIS_CLUSTER:-no}" = yes ] && echo a Redis Cluster || echo one Redis); stop it first"
  else
    S_MONITORING=${S_MONITORING:-no}
    S_PROMETHEUS_PORT=${S_PROMETHEUS_PORT:-${PROMETHEUS_PORT:-9090}}
  fi
  local previous=${S_NODES:-0}
  if [ -z "$count" ]; then
    count=3
    if [ $FRESH_START = no ]; then
      count=$previous
      step "keeping the running cluster's $count nodes (./cluster.sh start N to change)"
    fi
  fi
  [ $monitoring = yes ] && S_MONITORING=yes
  S_OWNER_HINT=${owner_hint:-${S_OWNER_HINT:-yes}}
  local maxmemory=${REDIS_MAXMEMORY:-256mb}
  [[ "$maxmemory" =~ ^[0-9]+([kKmMgG][bB]?)?$ ]] ||
    fail "REDIS_MAXMEMORY must be a size such as 256mb or 2gb (got '$maxmemory')"

  # Before anything starts, installs or builds: a busy port leaves nothing running.
  check_start_ports "$count"

  step "checking system packages"
  local packages=(nginx:nginx)
  [ "$S_OWN_REDIS" = yes ] && packages+=(redis-server:redis-server)
  [ "$S_MONITORING" = yes ] && packages+=(prometheus:prometheus)
  ensure_system_packages "${packages[@]}"
  ensure_npm_deps
  ensure_build

  if [ $FRESH_START = yes ]; then
    # What the ports default to is what the cluster records.
    export PORT=$S_PORT LISTEN_HOST=$S_LISTEN_HOST NODE_BASE_PORT=$S_NODE_BASE_PORT \
      REDIS_PORT=$S_REDIS_PORT PROMETHEUS_PORT=$S_PROMETHEUS_PORT
    record_env
  else
    adopt_cluster_env keep
  fi

  # Room for 10,000+ sockets per process; best effort without privileges.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

  load_secrets
  trap 'rollback_start $?' EXIT
  if [ "$S_OWN_REDIS" = yes ]; then
    if [ "$S_REDIS_CLUSTER" = yes ]; then
      [ $FRESH_START = yes ] && STARTED_HERE+=(redis-cluster)
      start_redis_cluster
    else
      start_redis
    fi
  fi
  S_NODES=$count
  save_state

  local i
  for ((i = 1; i <= count; i++)); do start_node "$i"; done
  for ((i = 1; i <= count; i++)); do wait_node_ready "$i"; done
  start_nginx
  [ "$S_MONITORING" = yes ] && start_prometheus
  trap - EXIT
  # Shrinking: nginx no longer sends to the extra nodes, so they can go.
  for ((i = count + 1; i <= previous; i++)); do
    step "stopping node$i (cluster shrinks to $count)"
    stop_node "$i"
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
  if [ "$S_MONITORING" = yes ]; then
    printf '  prometheus http://127.0.0.1:%s  %s/prometheus.log\n' "$S_PROMETHEUS_PORT" "$LOGS"
  fi
  echo "Follow the logs with: ./cluster.sh logs    Stop with: ./cluster.sh stop"
}

now_ms() { date +%s%3N; }
# Seconds since a now_ms reading, with a decimal: "2.3".
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

# Graceful stop of node I (its drain moves its clients); prints how long it took.
stop_node() {
  local i=$1 pid began
  began=$(now_ms)
  pid=$(node_pid "$i")
  stop_pid "$pid" "$(node_pattern "$i")" "node$i" "$STOP_TIMEOUT"
  rm -f "$STATE_DIR/node$i.pid" "$STATE_DIR/node$i.exit"
  step "node$i stopped in $(seconds_since "$began") s"
}

# ---- restart ----------------------------------------------------------------

# The cluster's state for a command that needs it running.
require_running_cluster() {
  load_state
  [ -n "${S_NODES:-}" ] || fail "no cluster is running (no state in $STATE/); start one with ./cluster.sh start"
  nginx_running || fail "nginx of the cluster is not running; ./cluster.sh start brings it back"
  S_MONITORING=${S_MONITORING:-no}
  S_PROMETHEUS_PORT=${S_PROMETHEUS_PORT:-9090}
  S_OWNER_HINT=${S_OWNER_HINT:-yes}
}

# One node out and back: nginx stops sending to it, it drains (its own clients
# and the WebSockets it relays move to the other nodes), stops, starts with the
# current build, and rejoins nginx once ready.
restart_node() {
  local i=$1 began others=() n
  began=$(now_ms)
  for n in $(all_nodes); do [ "$n" = "$i" ] || others+=("$n"); done
  if node_running "$i"; then
    if [ ${#others[@]} -gt 0 ]; then
      step "node$i: out of nginx"
      reload_nginx "${others[@]}"
    fi
    step "node$i: stopping (graceful)"
    stop_node "$i"
  fi
  launch_node "$i"
  wait_node_ready "$i"
  # shellcheck disable=SC2046
  reload_nginx $(all_nodes)
  step "node$i: back in nginx; restarted in $(seconds_since "$began") s"
}

# NODE as given on the command line: nodeN of the running cluster.
node_index() {
  [[ "$1" =~ ^node([1-9][0-9]?)$ ]] && [ "${BASH_REMATCH[1]}" -le "$S_NODES" ] ||
    usage_error "unknown node '$1': the cluster has node1 to node$S_NODES"
  echo "${BASH_REMATCH[1]}"
}

prepare_restart() {
  local mode=$1
  require_node
  mkdir -p "$LOG_DIR"
  ensure_build
  adopt_cluster_env "$mode"
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  load_secrets
}

cmd_restart() {
  [ $# -eq 1 ] || usage_error "restart takes one node name, e.g. ./cluster.sh restart node2"
  require_running_cluster
  local i
  i=$(node_index "$1")
  prepare_restart keep
  restart_node "$i"
}

cmd_rolling_restart() {
  no_more_args rolling-restart "$@"
  require_running_cluster
  [ "$S_NODES" -ge 2 ] ||
    fail "a rolling restart needs two nodes or more, so one serves while the other restarts (./cluster.sh restart node1 restarts the only one)"
  prepare_restart apply
  local i began
  began=$(now_ms)
  for i in $(all_nodes); do restart_node "$i"; done
  step "rolling restart of $S_NODES nodes done in $(seconds_since "$began") s"
}

# ---- stop / status / logs ---------------------------------------------------

cmd_stop() {
  load_state
  if [ -z "${S_NODES:-}" ]; then
    echo "nothing to stop (no cluster state in $STATE/)"
    return 0
  fi
  local pid i
  [ "${S_MONITORING:-no}" = yes ] && stop_prometheus
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
    rm -f "$f" "$STATE_DIR/node$i.exit"
  done
  for ((i = 0; i < ${#pids[@]}; i++)); do
    stop_pid "${pids[$i]}" "--ringchat-node=${names[$i]}" "${names[$i]}" "$STOP_TIMEOUT"
  done
  if [ "${S_REDIS_CLUSTER:-no}" = yes ]; then
    stop_redis_cluster
  elif [ "${S_OWN_REDIS:-no}" = yes ]; then
    pid=$(read_pid "$STATE_DIR/redis.pid")
    if is_ours "$pid" "$(redis_pattern)"; then
      step "stopping redis (pid $pid)"
      stop_pid "$pid" "$(redis_pattern)" redis 20
    fi
  fi
  rm -f "$STATE_FILE" "$ENV_FILE"
  echo "stopped"
}

# Why node I is down: its exit code (recorded by launch_node) and last log lines.
explain_node_down() {
  local i=$1 code at reason
  if read -r code at <"$STATE_DIR/node$i.exit" 2>/dev/null; then
    if [ "$code" -gt 128 ]; then
      reason="killed by signal $((code - 128)) ($(kill -l $((code - 128)) 2>/dev/null || echo '?'))"
    else
      reason="exited with code $code"
      [ "$code" -eq 2 ] && reason+=" (invalid configuration)"
    fi
    printf '         %s at %s\n' "$reason" "$(date -d "@$at" '+%H:%M:%S' 2>/dev/null || echo "$at")"
  else
    printf '         not running (no exit code recorded)\n'
  fi
  if [ -s "$LOG_DIR/node$i.log" ]; then
    printf '         last lines of %s/node%s.log:\n' "$LOGS" "$i"
    tail -n 5 "$LOG_DIR/node$i.log" | sed 's/^/           /'
  fi
  printf '         bring it back: ./cluster.sh restart node%s\n' "$i"
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
      row redis down - "$S_REDIS_PORT" "see $LOGS/redis.log; bring it back: ./cluster.sh start"
      down=1
    fi
  else
    row redis extern - - "$(shown_redis_url "$S_REDIS_URL")"
  fi
  for ((i = 1; i <= S_NODES; i++)); do
    port=$(node_port "$i")
    pid=$(node_pid "$i")
    if is_ours "$pid" "$(node_pattern "$i")"; then
      state=$(http_ok "http://127.0.0.1:$port/readyz" && echo ready || echo "not ready (GET /readyz says why)")
      row "node$i" up "$pid" "$port" "$state"
      [ "$state" = ready ] || down=1
    else
      row "node$i" down - "$port" ""
      explain_node_down "$i"
      down=1
    fi
  done
  pid=$(nginx_pid)
  if is_ours "$pid" "$(nginx_pattern)"; then row nginx up "$pid" "$S_PORT" "http://localhost:$S_PORT"; else
    row nginx down - "$S_PORT" "see $LOGS/nginx-error.log; bring it back: ./cluster.sh start"
    down=1
  fi
  if [ "${S_MONITORING:-no}" = yes ]; then
    pid=$(prometheus_pid)
    if prometheus_running; then row prometheus up "$pid" "$S_PROMETHEUS_PORT" "http://127.0.0.1:$S_PROMETHEUS_PORT"; else
      row prometheus down - "$S_PROMETHEUS_PORT" "see $LOGS/prometheus.log; bring it back: ./cluster.sh start"
      down=1
    fi
  fi
  return $down
}

cmd_logs() {
  local name='' follow=--follow arg
  for arg in "$@"; do
    case "$arg" in
      --no-follow) follow='' ;;
      -*) usage_error "logs takes a name and --no-follow (got '$arg')" ;;
      *) [ -z "$name" ] || usage_error "logs takes one name (got '$*')"
        name=$arg ;;
    esac
  done
  mkdir -p "$LOG_DIR"
  local files=()
  case "$name" in
    '') files=("$LOG_DIR"/node*.log "$LOG_DIR"/nginx-access.log "$LOG_DIR"/nginx-error.log
      "$LOG_DIR"/redis.log "$LOG_DIR"/redis[0-9].log "$LOG_DIR"/prometheus.log) ;;
    nginx) files=("$LOG_DIR/nginx-access.log" "$LOG_DIR/nginx-error.log") ;;
    redis | redis[0-9] | prometheus | node[0-9]*) files=("$LOG_DIR/$name.log") ;;
    *) usage_error "unknown log '$name': use nodeN, redis, redisN (Redis Cluster), nginx or prometheus" ;;
  esac
  local present=() file
  for file in "${files[@]}"; do [ -e "$file" ] && present+=("$file"); done
  [ ${#present[@]} -gt 0 ] || fail "no ${name:-node} logs yet in $LOGS/"
  exec node scripts/merge-logs.mjs --lines 50 $follow "${present[@]}"
}

case "${1:-help}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; no_more_args stop "$@"; cmd_stop ;;
  status) shift; no_more_args status "$@"; cmd_status ;;
  restart) shift; cmd_restart "$@" ;;
  rolling-restart) shift; cmd_rolling_restart "$@" ;;
  logs) shift; cmd_logs "$@" ;;
  help | -h | --help) shift $(($# > 0)); no_more_args help "$@"; usage ;;
  *) printf 'error: unknown command: %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
esac
