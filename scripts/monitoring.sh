# Prometheus for cluster.sh (start --monitoring): Debian's prometheus on loopback,
# scraping the nodes this script started (ops/prometheus.yml). Source, don't run.

PROMETHEUS_DIR=$STATE_DIR/prometheus

prometheus_pattern() { echo "--config.file=$PROMETHEUS_DIR/prometheus.yml"; }
prometheus_pid() { read_pid "$STATE_DIR/prometheus.pid"; }
prometheus_running() { is_ours "$(prometheus_pid)" "$(prometheus_pattern)"; }

# The scrape targets: one entry per node, labelled with its id. Prometheus notices
# the file change by itself, so `start N` needs no restart of Prometheus.
write_prometheus_targets() {
  local i entries=()
  for ((i = 1; i <= S_NODES; i++)); do
    entries+=("{\"targets\": [\"127.0.0.1:$(node_port "$i")\"], \"labels\": {\"node\": \"node$i\"}}")
  done
  mkdir -p "$PROMETHEUS_DIR"
  local IFS=,
  printf '[%s]\n' "${entries[*]}" >"$PROMETHEUS_DIR/ringchat-nodes.json.tmp"
  mv "$PROMETHEUS_DIR/ringchat-nodes.json.tmp" "$PROMETHEUS_DIR/ringchat-nodes.json"
}

start_prometheus() {
  write_prometheus_targets
  if prometheus_running; then
    step "prometheus already running (pid $(prometheus_pid), port $S_PROMETHEUS_PORT)"
    return 0
  fi
  require_free_port "$S_PROMETHEUS_PORT" prometheus PROMETHEUS_PORT
  cp ops/prometheus.yml "$PROMETHEUS_DIR/prometheus.yml"
  step "starting prometheus on 127.0.0.1:$S_PROMETHEUS_PORT (data in $STATE/prometheus/data, log: $LOGS/prometheus.log)"
  setsid prometheus "$(prometheus_pattern)" --storage.tsdb.path="$PROMETHEUS_DIR/data" \
    --web.listen-address="127.0.0.1:$S_PROMETHEUS_PORT" --storage.tsdb.retention.time=7d \
    >>"$LOG_DIR/prometheus.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/prometheus.pid"
  STARTED_HERE+=(prometheus)
  wait_for 30 prometheus http_ok "http://127.0.0.1:$S_PROMETHEUS_PORT/-/ready" ||
    fail "prometheus not ready within 30 s; see $LOGS/prometheus.log"
}

stop_prometheus() {
  local pid
  pid=$(prometheus_pid)
  if is_ours "$pid" "$(prometheus_pattern)"; then
    step "stopping prometheus (pid $pid)"
    stop_pid "$pid" "$(prometheus_pattern)" prometheus 20
  fi
  rm -f "$STATE_DIR/prometheus.pid"
}
