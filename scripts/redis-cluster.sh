# Sourced by cluster.sh: the local Redis Cluster of `./cluster.sh start --redis-cluster`.
# Six redis-servers, redis1..redis6 on REDIS_PORT..REDIS_PORT+5 (cluster bus on
# port+10000), made 3 masters with a replica each by `redis-cli --cluster create`
# on first start; later starts find the cluster in their nodes.conf and re-form it.
# Uses cluster.sh's helpers (step, fail, is_ours, read_pid, wait_for, stop_pid, ...)
# and its state (S_REDIS_PORT, REDIS_PASS, STATE_DIR, LOG_DIR).

REDIS_CLUSTER_SIZE=6
# A master silent this long is failed over to its replica.
REDIS_CLUSTER_NODE_TIMEOUT_MS=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-5000}

rc_port() { echo $((S_REDIS_PORT + $1 - 1)); }
rc_pattern() { echo "127.0.0.1:$(rc_port "$1")"; }
rc_pid() { read_pid "$STATE_DIR/redis$1.pid"; }
rc_cli() {
  local i=$1
  shift
  # status and stop run without start's REDIS_PASS: the kept password file has it.
  REDISCLI_AUTH=${REDIS_PASS:-$(cat "$STATE_DIR/redis-password" 2>/dev/null)} \
    redis-cli -p "$(rc_port "$i")" "$@" 2>/dev/null
}

# REDIS_CLUSTER_NODES for the nodes: every server, any of them is a seed.
redis_cluster_seeds() {
  local i seeds=()
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do seeds+=("127.0.0.1:$(rc_port "$i")"); done
  (IFS=,; echo "${seeds[*]}")
}

start_redis_cluster() {
  local i port pid maxmemory=${REDIS_MAXMEMORY:-256mb}
  [[ "$maxmemory" =~ ^[0-9]+([kKmMgG][bB]?)?$ ]] ||
    fail "REDIS_MAXMEMORY must be a size such as 256mb or 2gb (got '$maxmemory')"
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    port=$(rc_port "$i")
    pid=$(rc_pid "$i")
    if is_ours "$pid" "$(rc_pattern "$i")"; then
      step "redis$i already running (pid $pid, port $port)"
      continue
    fi
    require_free_port "$port" "redis$i" REDIS_PORT
    require_free_port $((port + 10000)) "redis$i's cluster bus" REDIS_PORT
    step "starting redis$i on 127.0.0.1:$port (Redis Cluster, data in $STATE/redis$i, AOF on, password)"
    mkdir -p "$STATE_DIR/redis$i"
    rm -f "$STATE_DIR/redis$i.pid"
    # As for the single Redis: the password on stdin, never on a command line.
    printf 'requirepass %s\nmasterauth %s\nmaxmemory %s\nmaxmemory-policy noeviction\n' \
      "$REDIS_PASS" "$REDIS_PASS" "$maxmemory" |
      redis-server - --bind 127.0.0.1 --port "$port" --dir "$STATE_DIR/redis$i" \
      --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$REDIS_CLUSTER_NODE_TIMEOUT_MS" \
      --appendonly yes --appendfsync everysec --save '' --protected-mode yes \
      --daemonize yes --pidfile "$STATE_DIR/redis$i.pid" --logfile "$LOG_DIR/redis$i.log" >/dev/null ||
      fail "redis-server did not start; see $LOGS/redis$i.log"
  done
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    wait_for 10 "redis$i" rc_server_up "$i" || fail "redis$i did not start within 10 s; see $LOGS/redis$i.log"
  done
  if [ "$(rc_cli 1 cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')" != 16384 ]; then
    step "creating the Redis Cluster: 3 masters, 1 replica each"
    local seeds
    read -ra seeds <<<"$(redis_cluster_seeds | tr , ' ')"
    REDISCLI_AUTH=$REDIS_PASS redis-cli --cluster create "${seeds[@]}" --cluster-replicas 1 --cluster-yes \
      >>"$LOG_DIR/redis-cluster-create.log" 2>&1 ||
      fail "redis-cli --cluster create failed; see $LOGS/redis-cluster-create.log"
  fi
  wait_for 30 "the Redis Cluster" redis_cluster_ok ||
    fail "the Redis Cluster is not ok after 30 s; see $LOGS/redis1.log ... redis$REDIS_CLUSTER_SIZE.log"
  step "Redis Cluster ok (3 masters, 3 replicas)"
}

rc_server_up() {
  is_ours "$(rc_pid "$1")" "$(rc_pattern "$1")" && [ "$(rc_cli "$1" ping)" = PONG ]
}

# Every server says cluster_state:ok.
redis_cluster_ok() {
  local i
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    rc_cli "$i" cluster info | grep -q '^cluster_state:ok' || return 1
  done
}

stop_redis_cluster() {
  local i pid
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    pid=$(rc_pid "$i")
    if is_ours "$pid" "$(rc_pattern "$i")"; then
      step "stopping redis$i (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    stop_pid "$(rc_pid "$i")" "$(rc_pattern "$i")" "redis$i" 20
    rm -f "$STATE_DIR/redis$i.pid"
  done
}

# Status rows (cluster.sh's `row`), one per server with its role; returns 1 if any is down.
status_redis_cluster() {
  local i pid role down=0
  for ((i = 1; i <= REDIS_CLUSTER_SIZE; i++)); do
    pid=$(rc_pid "$i")
    if is_ours "$pid" "$(rc_pattern "$i")"; then
      role=$(rc_cli "$i" role | head -n 1)
      row "redis$i" up "$pid" "$(rc_port "$i")" "Redis Cluster ${role:-?}"
    else
      row "redis$i" down - "$(rc_port "$i")" ""
      down=1
    fi
  done
  return $down
}
