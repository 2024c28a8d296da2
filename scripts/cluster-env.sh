# The environment a cluster was started with, kept in .cluster/env (owner-only: it
# may hold secrets), so a later command run in another environment says so instead
# of silently ignoring it, and every node of a cluster gets the same settings.
# Source, don't run.

ENV_FILE=$STATE_DIR/env
declare -A RECORDED=()
# What cluster.sh reads itself: fixed for the life of a cluster (stop, then start).
CLUSTER_VARIABLES="PORT LISTEN_HOST NODE_BASE_PORT REDIS_PORT REDIS_URL REDIS_PASSWORD REDIS_MAXMEMORY CLUSTER_SECRET PROMETHEUS_PORT"
# Set by cluster.sh for each node, whatever the environment says.
PER_NODE_VARIABLES="NODE_ID HOST PORT REDIS_URL ADVERTISE_URL CLUSTER_SECRET"

# The node settings, from the build's --help (so a new setting needs no edit here).
node_variables() {
  if [ -z "${NODE_VARIABLES_CACHE:-}" ]; then
    NODE_VARIABLES_CACHE=$(node "$BUILD_ENTRY" --help | sed -nE 's/^  ([A-Z][A-Z0-9_]+) .*/\1/p' |
      grep -vxF -f <(tr ' ' '\n' <<<"$PER_NODE_VARIABLES") | tr '\n' ' ')
  fi
  echo "$NODE_VARIABLES_CACHE"
}

is_secret_name() { [[ "$1" =~ SECRET|PASSWORD|TOKEN|_KEY$ ]]; }

load_env_record() {
  RECORDED=()
  [ -f "$ENV_FILE" ] || return 0
  local name value
  while IFS=$'\t' read -r name value; do RECORDED[$name]=$value; done <"$ENV_FILE"
}

save_env_record() {
  local name
  (umask 077 && for name in "${!RECORDED[@]}"; do printf '%s\t%s\n' "$name" "${RECORDED[$name]}"; done >"$ENV_FILE")
}

# A fresh start: the environment now is the cluster's.
record_env() {
  RECORDED=()
  local name value
  for name in $CLUSTER_VARIABLES $(node_variables); do
    value=${!name:-}
    # Blank counts as unset; a value with a line break is passed on but not kept.
    [ -n "$value" ] && [[ "$value" != *$'\n'* ]] && RECORDED[$name]=$value
  done
  save_env_record
}

# On a running cluster: warns about every variable set here to another value than
# the cluster's, then gives every variable the cluster's value for what starts now.
# With "apply", node settings set here replace the recorded ones (rolling-restart).
adopt_cluster_env() {
  local mode=${1:-keep} name now was shown differences=()
  load_env_record
  for name in $CLUSTER_VARIABLES $(node_variables); do
    now=${!name:-}
    was=${RECORDED[$name]:-}
    if [ -n "$now" ] && [ "$now" != "$was" ]; then
      shown="$now here, ${was:-unset} in the running cluster"
      is_secret_name "$name" && shown="differs from the running cluster's"
      if [ "$mode" = apply ] && [[ " $CLUSTER_VARIABLES " != *" $name "* ]]; then
        step "applying $name to every node ($shown)"
        RECORDED[$name]=$now
      elif [[ " $CLUSTER_VARIABLES " == *" $name "* ]]; then
        differences+=("$name: $shown; kept until ./cluster.sh stop && ./cluster.sh start")
      else
        differences+=("$name: $shown; kept (./cluster.sh rolling-restart applies it to every node)")
      fi
    fi
    if [ -n "${RECORDED[$name]:-}" ]; then export "$name=${RECORDED[$name]}"; else unset "$name"; fi
  done
  [ "$mode" = apply ] && save_env_record
  [ ${#differences[@]} -eq 0 ] && return 0
  printf 'warning: this environment differs from the running cluster'"'"'s (recorded in %s/env):\n' "$STATE" >&2
  printf '  %s\n' "${differences[@]}" >&2
}
