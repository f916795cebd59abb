#!/bin/sh
# The pause image's /pause: does nothing until SIGTERM or SIGINT, then says so on stderr and exits 0,
# as Kubernetes' pause does. The sleep runs in the background so that the trap runs at once, and
# goes with it (its open stdout would keep the container's output going).
stop() {
  kill "$child" 2>/dev/null
  echo "Shutting down, got signal: $1" >&2
  exit 0
}
trap 'stop Terminated' TERM
trap 'stop Interrupt' INT
while :; do
  sleep 86400 &
  child=$!
  wait "$child"
done
