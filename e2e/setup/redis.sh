#!/usr/bin/env bash
# redis.sh: makes sure redis-server (Debian's package) is installed, for the kv store's Redis
# conformance tests (jsbridge/kv). The tests start their own server on loopback; this script
# only installs the binary and never starts or enables a service.
#
# Idempotent: with redis-server already on PATH it does nothing (no apt-get update).
# Needs root when it has to install.
set -euo pipefail

log() { printf 'redis.sh: %s\n' "$*" >&2; }

if command -v redis-server >/dev/null 2>&1; then
	log "redis-server present: $(redis-server --version | head -n1)"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	log "redis-server missing and not root: cannot apt-get install it"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing redis-server from Debian's packages"
# The package's postinst starts a service only where an init system runs; stop it if it did,
# so no stray server keeps port 6379 (the tests use their own port).
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if command -v service >/dev/null 2>&1; then
	service redis-server stop >/dev/null 2>&1 || true
fi

if ! command -v redis-server >/dev/null 2>&1; then
	log "redis-server still missing after install"
	exit 1
fi
log "installed: $(redis-server --version | head -n1)"
