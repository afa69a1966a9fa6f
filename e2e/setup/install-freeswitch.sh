#!/usr/bin/env bash
# install-freeswitch.sh: puts everything the real-switch end-to-end suite needs on a Debian 12 machine.
#
#   - FreeSWITCH 1.10.12 from shared/freeswitch/ (untarred to /opt/freeswitch when it is missing),
#   - its runtime libraries (shared/freeswitch/runtime-deps.txt),
#   - SIPp (Debian's sip-tester, with the RFC 2833 DTMF captures in /usr/share/sip-tester),
#   - sox and espeak-ng (the test prompts are generated with them).
#
# Idempotent: a second run with everything present does nothing (no apt-get update).
# Needs root. shared/ is found as $CALLFORGE_SHARED, else as <repo>/../shared.
set -euo pipefail

log() { printf 'install-freeswitch: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	log "must run as root (apt-get install and /opt)"
	exit 1
fi

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${CALLFORGE_SHARED:-}" ]; then
	shared=$CALLFORGE_SHARED
else
	top=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null || (cd "$script_dir/../.." && pwd))
	shared=$top/../shared
fi
fs_dir=$shared/freeswitch
tarball=$fs_dir/freeswitch-1.10.12-debian12-amd64.tar.xz
deps_file=$fs_dir/runtime-deps.txt

if [ ! -f "$tarball" ] || [ ! -f "$deps_file" ]; then
	log "no FreeSWITCH build at $fs_dir (set CALLFORGE_SHARED); nothing installed"
	exit 2
fi

# Debian packages: the FreeSWITCH runtime libraries plus the test tools.
mapfile -t packages < <(grep -v '^[[:space:]]*$' "$deps_file")
packages+=(xz-utils sip-tester sox espeak-ng)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
else
	log "Debian packages already present"
fi

if [ -x /opt/freeswitch/bin/freeswitch ]; then
	log "/opt/freeswitch already present"
else
	log "untarring $tarball to /"
	tar -xJf "$tarball" -C /
fi

/opt/freeswitch/bin/freeswitch -version >&2
command -v sipp >/dev/null
log "ready: /opt/freeswitch/bin/freeswitch, $(command -v sipp), $(command -v sox), $(command -v espeak-ng)"
