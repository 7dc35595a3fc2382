#!/usr/bin/env bash
# Idempotent test bed: make sure a Docker daemon answers and the test base image exists.
#  - no daemon, root on Debian: apt-get install docker.io, start dockerd in the background, wait for `docker info`
#  - base image debian:bookworm-slim: `docker pull` where a registry answers, else debootstrap + docker import
# The test base image deliberately has neither openssh-server nor tmux: mng's image preparation must add them.
set -euo pipefail

BASE_IMAGE="${MNG_TEST_BASE_IMAGE:-debian:bookworm-slim}"
STATE_DIR="${MNG_TESTBED_DIR:-/var/tmp/mng-testbed}"
log() { printf 'testbed: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ]; }

apt_updated=
apt_install() {
  mkdir -p "$STATE_DIR"
  log "installing $* with apt-get (log: $STATE_DIR/apt.log)"
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$STATE_DIR/apt.log" 2>&1 || { tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get update failed"; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$STATE_DIR/apt.log" 2>&1 \
    || { tail -n 20 "$STATE_DIR/apt.log" >&2; die "apt-get install $* failed"; }
}

daemon_up() { timeout 10 docker info >/dev/null 2>&1; }

ensure_daemon() {
  if command -v docker >/dev/null 2>&1 && daemon_up; then
    log "docker daemon answers"
    return
  fi
  if ! is_root || ! is_debian; then
    die "no Docker daemon answers (docker info failed) and this is not root on Debian, so it cannot be installed here: install and start Docker, then run again"
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    apt_install docker.io iptables ca-certificates
  fi
  if ! command -v docker >/dev/null 2>&1; then
    die "docker client still missing after installing docker.io"
  fi
  mkdir -p "$STATE_DIR"
  if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "dockerd is running but does not answer yet; waiting"
  else
    rm -f /var/run/docker.pid
    log "starting dockerd (log: $STATE_DIR/dockerd.log)"
    # setsid: the daemon must outlive this script and the test run that called it.
    setsid nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    daemon_up && { log "docker daemon is up"; return; }
    sleep 0.5
  done
  tail -n 20 "$STATE_DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 60s"
}

ensure_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE present"
    return
  fi
  if timeout 60 docker pull "$BASE_IMAGE" >/dev/null 2>&1; then
    log "pulled $BASE_IMAGE"
    return
  fi
  log "no registry answers: building $BASE_IMAGE with debootstrap (about a minute)"
  is_root || die "building the base image needs root (debootstrap)"
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  local root="$STATE_DIR/rootfs"
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase bookworm "$root" >"$STATE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$STATE_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
  # Keep the image close to the real slim image: no apt lists, no caches.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  log "imported $BASE_IMAGE"
}

check_base_image_is_bare() {
  # The suite tests mng's own preparation step, so sshd and tmux must not already be in the base image.
  if docker run --rm --network=none --entrypoint sh "$BASE_IMAGE" -c 'command -v sshd || test -x /usr/sbin/sshd || command -v tmux' >/dev/null 2>&1; then
    die "$BASE_IMAGE already contains sshd or tmux; the tests need a bare base image (remove it and run again)"
  fi
}

ensure_client_tools() {
  local missing=()
  command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
  command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
  # the tests play a user's terminal with a local tmux, and an ssh:// Docker host with a local sshd
  if [ "${MNG_TESTBED_CHECK_BARE:-}" = 1 ]; then
    command -v tmux >/dev/null 2>&1 || missing+=(tmux)
    [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
    # plain ssh tools through mng's ssh config: scp comes with the client, rsync does not
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    # the unit tests check mng's container scripts with busybox sh too (Alpine-style images)
    command -v busybox >/dev/null 2>&1 || missing+=(busybox)
    # the idle test reads the default bridge's address with ip
    command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    is_root && is_debian || die "missing: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

# A second, separate Docker daemon on a loopback TCP port, for the remote-daemon tests (MNG_TESTBED_SECOND_DAEMON=1).
# Its own data-root, exec-root, pidfile and bridge; no iptables rules, so it does not fight the first daemon.
DAEMON2_PORT="${MNG_TEST_DAEMON2_PORT:-23750}"
DAEMON2_BRIDGE=mngtest-br0
ensure_second_daemon() {
  local d="$STATE_DIR/daemon2" h="tcp://127.0.0.1:$DAEMON2_PORT"
  if ! DOCKER_HOST="$h" timeout 10 docker info >/dev/null 2>&1; then
    is_root || die "starting a second dockerd needs root"
    if ! ip link show "$DAEMON2_BRIDGE" >/dev/null 2>&1; then
      ip link add "$DAEMON2_BRIDGE" type bridge
      ip addr add 172.31.213.1/24 dev "$DAEMON2_BRIDGE"
      ip link set "$DAEMON2_BRIDGE" up
    fi
    mkdir -p "$d"
    if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
      log "second dockerd is running but does not answer yet; waiting"
    else
      rm -f "$d/pid"
      log "starting a second dockerd on $h (log: $d/dockerd.log)"
      setsid nohup dockerd --data-root "$d/root" --exec-root "$d/exec" --pidfile "$d/pid" -H "$h" \
        -b "$DAEMON2_BRIDGE" --iptables=false --ip-masq=false >"$d/dockerd.log" 2>&1 </dev/null &
    fi
    local up=
    for _ in $(seq 1 120); do
      DOCKER_HOST="$h" docker info >/dev/null 2>&1 && { up=1; break; }
      sleep 0.5
    done
    [ -n "$up" ] || { tail -n 20 "$d/dockerd.log" >&2; die "the second dockerd did not answer within 60s"; }
  fi
  if ! DOCKER_HOST="$h" docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "loading $BASE_IMAGE into the second daemon"
    docker save "$BASE_IMAGE" | DOCKER_HOST="$h" docker load >/dev/null
  fi
  log "second daemon ready on $h"
}

ensure_client_tools
ensure_daemon
ensure_base_image
[ "${MNG_TESTBED_SECOND_DAEMON:-}" = 1 ] && ensure_second_daemon
[ "${MNG_TESTBED_CHECK_BARE:-}" = 1 ] && check_base_image_is_bare
log "ready"
