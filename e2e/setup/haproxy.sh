#!/usr/bin/env bash
# haproxy.sh: makes sure haproxy (Debian's package) is installed, for the scale-out
# end-to-end test (e2e/scaleout). The test writes its own configuration and starts its
# own haproxy on loopback; this script only installs the binary and never leaves a
# service running.
#
# Idempotent: with haproxy already on PATH (or in /usr/sbin) it does nothing (no
# apt-get update). Needs root when it has to install.
set -euo pipefail

log() { printf 'haproxy.sh: %s\n' "$*" >&2; }

PATH="$PATH:/usr/sbin:/sbin"
if command -v haproxy >/dev/null 2>&1; then
	log "haproxy present: $(haproxy -v | head -n1)"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	log "haproxy missing and not root: cannot apt-get install it"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing haproxy from Debian's packages"
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy >/dev/null
# The package's postinst starts a service only where an init system runs; stop it if
# it did, so no stray haproxy keeps ports open.
if command -v service >/dev/null 2>&1; then
	service haproxy stop >/dev/null 2>&1 || true
fi

if ! command -v haproxy >/dev/null 2>&1; then
	log "haproxy still missing after install"
	exit 1
fi
log "installed: $(haproxy -v | head -n1)"
