#!/usr/bin/env bash
# A Docker Swarm of several nodes on this machine, for the stack tests and benchmark: one dockerd
# per node, each in its own network namespace on a bridge of its own, a registry on node 1
# (Debian's docker-registry), never the machine's own engine. Needs root, iproute2, iptables,
# util-linux (nsenter, unshare), dockerd and docker-registry. Recipe: ../shared/notes/swarm.md.
#
#   swarm-lab.sh up DIR [NODES] [OWNER_PID]   start the lab in DIR (a new folder); prints its
#                                             variables (also in DIR/lab.env)
#   swarm-lab.sh push DIR IMAGE NAME          the machine's IMAGE into the lab's registry as
#                                             NAME (`$REGISTRY/NAME` is then pullable by every node)
#   swarm-lab.sh stop-node DIR N | start-node DIR N
#   swarm-lab.sh kill-node DIR N              node N's daemon and containers killed at once
#   swarm-lab.sh down DIR                     remove everything the lab made
#   swarm-lab.sh sweep                        remove the labs whose owner process is gone
#
# Names: lab L (1-250) has bridge rcl<L>br, namespaces rcl<L>n<i>, veths rcl<L>v<i>, subnet
# 10.213.L.0/24 with node i at 10.213.L.1<i> and the registry at 10.213.L.11:5000. Nothing here
# talks to any address but these. Nodes have no default route: they reach nothing else.
set -euo pipefail

ROOT=/tmp/rcompose-swarm
cmd=${1:-}

die() { echo "swarm-lab: $*" >&2; exit 1; }

need() {
  for t in ip nsenter unshare iptables dockerd docker docker-registry; do
    command -v "$t" >/dev/null || die "$t is missing (apt-get install iproute2 iptables util-linux docker.io docker-registry)"
  done
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, a bridge, an iptables rule)"
}

load() {
  [ -f "$1/lab.env" ] || die "$1 is not a lab (no lab.env)"
  # shellcheck disable=SC1091
  . "$1/lab.env"
}

sock() { echo "unix://$DIR/n$1/docker.sock"; }

start_node() {
  local i=$1 d="$DIR/n$1" pid
  # a second daemon on a running node's data root would take over its socket and then time out
  # on the containerd database the first one holds: refuse instead
  pid=$(cat "$d/docker.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat")" != Z ]; then
    die "node $i already runs (dockerd $pid)"
  fi
  rm -f "$d/docker.pid"
  nsenter --net="/var/run/netns/${PREFIX}n$i" unshare --uts sh -c \
    "hostname node$i; exec dockerd --config-file $d/daemon.json --data-root $d/data --exec-root $d/exec -H unix://$d/docker.sock --pidfile $d/docker.pid" \
    >>"$d/dockerd.log" 2>&1 &
  for _ in $(seq 1 200); do
    docker -H "$(sock "$i")" info >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  tail -20 "$d/dockerd.log" >&2
  die "node $i did not start (its log is above)"
}

# stops node i's daemon and whatever of its containers still runs
stop_node() {
  local i=$1 d="$DIR/n$1" pid
  if docker -H "$(sock "$i")" info >/dev/null 2>&1; then
    docker -H "$(sock "$i")" ps -q | xargs -r docker -H "$(sock "$i")" kill >/dev/null 2>&1 || true
  fi
  if [ -f "$d/docker.pid" ]; then
    pid=$(cat "$d/docker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$d/docker.pid"
  fi
  # shims (and their containers) that outlived the daemon
  for shim in $(pgrep -f "containerd-shim.*-address $d/" || true); do
    pkill -9 -P "$shim" 2>/dev/null || true
    kill -9 "$shim" 2>/dev/null || true
  done
}

case "$cmd" in
up)
  need
  DIR=${2:?usage: swarm-lab.sh up DIR [NODES] [OWNER_PID]}
  NODES=${3:-3}
  OWNER=${4:-$PPID}
  mkdir -p "$ROOT"
  "$0" sweep
  # a free lab number, claimed atomically
  L=""
  for n in $(seq 1 250); do
    if mkdir "$ROOT/claim-$n" 2>/dev/null; then
      if ip link show "rcl${n}br" >/dev/null 2>&1; then rmdir "$ROOT/claim-$n"; continue; fi
      L=$n; break
    fi
  done
  [ -n "$L" ] || die "no free lab number in $ROOT"
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  PREFIX=rcl$L
  NET=10.213.$L
  REGISTRY=$NET.11:5000
  {
    echo "DIR=$DIR"; echo "LAB=$L"; echo "PREFIX=$PREFIX"; echo "NODES=$NODES"; echo "OWNER=$OWNER"
    echo "NET=$NET"; echo "REGISTRY=$REGISTRY"
    for i in $(seq 1 "$NODES"); do echo "NODE${i}_HOST=unix://$DIR/n$i/docker.sock"; echo "NODE${i}_ADDR=$NET.1$i"; done
  } >"$DIR/lab.env"
  ln -sfn "$DIR" "$ROOT/lab-$L"
  ip link add "${PREFIX}br" type bridge
  rmdir "$ROOT/claim-$L"
  ip addr add "$NET.1/24" dev "${PREFIX}br"
  ip link set "${PREFIX}br" up
  # the host's FORWARD chain drops bridged traffic between the nodes otherwise
  iptables -I FORWARD -i "${PREFIX}br" -o "${PREFIX}br" -j ACCEPT
  starts=()
  for i in $(seq 1 "$NODES"); do
    ns=${PREFIX}n$i
    ip netns add "$ns"
    ip link add "${PREFIX}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${PREFIX}v$i" master "${PREFIX}br" up
    ip -n "$ns" addr add "$NET.1$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "$DIR/n$i"
    printf '{"storage-driver":"vfs","insecure-registries":["%s"],"log-driver":"json-file"}\n' "$REGISTRY" >"$DIR/n$i/daemon.json"
    start_node "$i" &
    starts+=($!)
  done
  for j in "${starts[@]}"; do wait "$j" || true; done
  for i in $(seq 1 "$NODES"); do
    docker -H "$(sock "$i")" info >/dev/null 2>&1 || die "node $i did not start: $(tail -5 "$DIR/n$i/dockerd.log")"
  done
  mkdir -p "$DIR/registry"
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$DIR/registry/data" "$REGISTRY" >"$DIR/registry/config.yml"
  nsenter --net="/var/run/netns/${PREFIX}n1" docker-registry serve "$DIR/registry/config.yml" \
    >"$DIR/registry/log" 2>&1 &
  # a 1 s heartbeat: a stopped node is seen down in seconds, not 15
  docker -H "$(sock 1)" swarm init --advertise-addr "$NET.11" --dispatcher-heartbeat 1s >/dev/null
  token=$(docker -H "$(sock 1)" swarm join-token -q worker)
  joins=()
  for i in $(seq 2 "$NODES"); do
    docker -H "$(sock "$i")" swarm join --token "$token" "$NET.11:2377" >/dev/null &
    joins+=($!)
  done
  for j in "${joins[@]}"; do wait "$j" || die "a node did not join the swarm"; done
  for _ in $(seq 1 100); do
    ready=$(docker -H "$(sock 1)" node ls --format '{{.Status}}' | grep -c Ready || true)
    [ "$ready" = "$NODES" ] && break
    sleep 0.1
  done
  [ "$ready" = "$NODES" ] || die "only $ready of $NODES nodes are ready"
  for _ in $(seq 1 100); do
    nsenter --net="/var/run/netns/${PREFIX}n1" bash -c "exec 3<>/dev/tcp/$NET.11/5000" 2>/dev/null && break
    sleep 0.05
  done
  nsenter --net="/var/run/netns/${PREFIX}n1" bash -c "exec 3<>/dev/tcp/$NET.11/5000" 2>/dev/null ||
    die "the registry does not answer at $REGISTRY: $(tail -3 "$DIR/registry/log")"
  cat "$DIR/lab.env"
  ;;
push)
  DIR=${2:?usage: swarm-lab.sh push DIR IMAGE NAME}; load "$DIR"
  image=${3:?}; name=${4:?}
  docker save "$image" | docker -H "$(sock 1)" load >/dev/null
  docker -H "$(sock 1)" tag "$image" "$REGISTRY/$name"
  docker -H "$(sock 1)" push "$REGISTRY/$name" >/dev/null
  docker -H "$(sock 1)" image inspect --format '{{index .RepoDigests 0}}' "$REGISTRY/$name"
  ;;
stop-node)
  DIR=${2:?}; load "$DIR"; stop_node "${3:?}"
  ;;
kill-node)
  # as a machine that lost power: the daemon, containerd, the shims and the containers at once
  DIR=${2:?}; load "$DIR"; i=${3:?}; d="$DIR/n$i"
  pids=$(cat "$d/docker.pid" 2>/dev/null || true)
  [ -n "$pids" ] && pids="$pids $(pgrep -P "$pids" | tr '\n' ' ')"
  for shim in $(pgrep -f "containerd-shim.*-address $d/" || true); do
    pids="$pids $shim $(pgrep -P "$shim" | tr '\n' ' ')"
  done
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  # gone for good before anything starts again (a containerd still exiting holds its database,
  # and a new one then times out)
  for _ in $(seq 1 200); do
    alive=0
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.05
  done
  rm -f "$d/docker.pid"
  ;;
start-node)
  DIR=${2:?}; load "$DIR"; start_node "${3:?}"
  ;;
down)
  DIR=${2:?usage: swarm-lab.sh down DIR}
  [ -f "$DIR/lab.env" ] || exit 0
  load "$DIR"
  for i in $(seq 1 "$NODES"); do stop_node "$i" & done
  wait
  for i in $(seq 1 "$NODES"); do
    ns=${PREFIX}n$i
    if [ -e "/var/run/netns/$ns" ]; then
      # the registry, and anything else left in the namespace
      ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
      ip netns del "$ns" || true
    fi
    ip link del "${PREFIX}v$i" 2>/dev/null || true
  done
  while iptables -D FORWARD -i "${PREFIX}br" -o "${PREFIX}br" -j ACCEPT 2>/dev/null; do :; done
  ip link del "${PREFIX}br" 2>/dev/null || true
  awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$DIR"
  rm -f "$ROOT/lab-$LAB"
  ;;
sweep)
  [ -d "$ROOT" ] || exit 0
  for link in "$ROOT"/lab-*; do
    [ -L "$link" ] || continue
    lab=$(readlink "$link")
    if [ ! -f "$lab/lab.env" ]; then rm -f "$link"; continue; fi
    owner=$(sed -n 's/^OWNER=//p' "$lab/lab.env")
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
      echo "swarm-lab: removing $lab (its owner $owner is gone)" >&2
      "$0" down "$lab"
    fi
  done
  ;;
*)
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
