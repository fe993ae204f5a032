# Sourced by ./incubator: runs a quick client command in the warm client daemon (dev.incubator.cli.ClientDaemon)
# over loopback instead of starting a JVM, and starts that daemon when there is none.

# incubator_daemon_state JAR: the per-user file where the daemon for JAR publishes "PORT SECRET JAR-MTIME".
incubator_daemon_state() {
  local base=${XDG_RUNTIME_DIR:-${HOME:-/tmp}/.cache}
  local key
  key=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  echo "$base/incubator/client-daemon-$key"
}

# incubator_daemon_eligible ARGS...: true for commands that answer quickly and need nothing of the terminal.
incubator_daemon_eligible() {
  [ -z "${INCUBATOR_NO_DAEMON:-}" ] || return 1
  case "${1:-}" in
    ""|serve|sim|login) return 1 ;;
  esac
  [ "${1:-}" = hub ] && case "${2:-}" in push|pull) return 1 ;; esac
  local arg
  for arg in "$@"; do
    case "$arg" in
      -|--follow|--watch|--watch=*|--wait|--code|--code=*|rotate-bootstrap) return 1 ;;
    esac
  done
  return 0
}

# incubator_daemon_run STATE JAR ARGS...: exits with the command's exit code when the daemon ran it; returns 100
# when no usable daemon answered (nothing was run), so that the caller runs the command itself.
incubator_daemon_run() {
  local state=$1 jar=$2 port secret stamp
  shift 2
  [ -r "$state" ] || return 100
  read -r port secret stamp < "$state" 2>/dev/null || return 100
  # A daemon of an older jar leaves by itself; this command runs without it.
  [ "$stamp" = "$(stat -c %Y "$jar" 2>/dev/null)" ] || return 100
  local session="$$-$RANDOM$RANDOM" exitfile
  { exec 4<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 100
  printf '%s\0err\0%s\0' "$secret" "$session" >&4 || return 100
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 100
  exitfile=$(mktemp "${TMPDIR:-/tmp}/incubator-exit.XXXXXX") || return 100
  local names=() name
  for name in $(compgen -e); do
    case "$name" in
      INCUBATOR_*|XDG_*|HOME|LANG|LC_*|TZ|COLUMNS) names+=("$name") ;;
    esac
  done
  {
    printf '%s\0run\0%s\0%s\0%s\0%s\0' "$secret" "$session" "$PWD" "$exitfile" "${#names[@]}"
    for name in "${names[@]}"; do printf '%s=%s\0' "$name" "${!name}"; done
    printf '%s\0' "$#"
    [ $# -gt 0 ] && printf '%s\0' "$@"
  } >&3 || { rm -f "$exitfile"; return 100; }
  cat <&4 >&2 &
  local errors=$!
  cat <&3
  wait "$errors" 2>/dev/null || true
  exec 3>&- 4>&-
  local code
  code=$(cat "$exitfile" 2>/dev/null || true)
  rm -f "$exitfile"
  if [ -z "$code" ]; then
    echo "incubator: the client daemon stopped before the command ended; run it again (INCUBATOR_NO_DAEMON=1 runs" \
      "without it)" >&2
    exit 1
  fi
  exit "$code"
}

# incubator_daemon_start STATE JAR: starts a daemon in the background unless one is starting already.
incubator_daemon_start() {
  local state=$1 jar=$2
  mkdir -p "$(dirname "$state")" 2>/dev/null && chmod 700 "$(dirname "$state")" 2>/dev/null || return 0
  # One start at a time: a lock directory, taken over when a start left it behind more than a minute ago.
  if ! mkdir "$state.lock" 2>/dev/null; then
    [ -n "$(find "$state.lock" -maxdepth 0 -mmin +1 2>/dev/null)" ] || return 0
    rm -rf "$state.lock"; mkdir "$state.lock" 2>/dev/null || return 0
  fi
  ( cd / && exec setsid "$JAVA_HOME/bin/java" -Xmx256m -XX:+UseSerialGC \
      -cp "$jar" dev.incubator.cli.ClientDaemon "$state" "$jar" </dev/null >/dev/null 2>&1 & ) 2>/dev/null || true
}
