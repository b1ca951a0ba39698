# Sourced by the service scripts. A pid file can outlive its process: these machines are
# resumed with their files but none of their processes, and the kernel gives the old pids to
# new ones. Trusting `kill -0` then takes a stranger for our daemon (dockerd once waited a
# minute for a containerd that was really some other process). So a pid counts as ours only
# while /proc says it runs the executable we started.

# running_pid <pid-file> <executable>: prints the pid the file records when that process runs
# <executable> (a basename, e.g. dockerd); fails otherwise.
running_pid() {
  local pid exe
  [ -f "$1" ] || return 1
  pid="$(head -n 1 "$1" 2>/dev/null | tr -d '[:space:]')"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  exe="${exe% (deleted)}" # a binary rebuilt under a running process
  [ "${exe##*/}" = "$2" ] || return 1
  echo "$pid"
}

# forget_stale_pid_file <pid-file> <executable>: removes the file unless its process runs <executable>.
forget_stale_pid_file() {
  [ -f "$1" ] || return 0
  running_pid "$1" "$2" >/dev/null && return 0
  echo "pid-files: removing stale $1 (its pid no longer runs $2)" >&2
  rm -f "$1"
}
