# Port checks for cluster.sh: every port a start will use is checked before
# anything starts, so a busy one never leaves a half-up cluster. Source, don't run.

# True if something accepts TCP connections on 127.0.0.1:PORT, or listens on PORT
# on any address.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
  command -v ss >/dev/null 2>&1 && [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]
}

# Prints who listens on PORT ("nginx (pid 123)"), or nothing when that cannot be told
# (no ss, or another user's process).
port_holder() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -ltnpH "sport = :$1" 2>/dev/null |
    sed -nE 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/p' | head -n 1
}

# Refuses to start NAME on a port another program holds (the last guard, at start).
require_free_port() {
  port_busy "$1" || return 0
  local holder
  holder=$(port_holder "$1")
  fail "port $1 for $2 is already in use${holder:+ by $holder}; set $3 to another port"
}

# check_ports "PORT NAME VARIABLE" ...: fails naming every busy port, and every port
# given to two parts, before anything starts.
check_ports() {
  local entry port name variable holder problems=() seen=" "
  for entry in "$@"; do
    read -r port name variable <<<"$entry"
    if [[ "$seen" == *" $port:"* ]]; then
      local other=${seen#*" $port:"}
      problems+=("port $port is given to both ${other%% *} and $name")
      continue
    fi
    seen+="$port:$name "
    port_busy "$port" || continue
    holder=$(port_holder "$port")
    problems+=("port $port for $name is already in use${holder:+ by $holder} (set $variable to another port)")
  done
  [ ${#problems[@]} -eq 0 ] && return 0
  local problem
  for problem in "${problems[@]}"; do printf 'error: %s\n' "$problem" >&2; done
  fail "nothing was started"
}
