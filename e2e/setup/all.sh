#!/usr/bin/env bash
# all.sh: installs everything the test suite needs on a fresh Debian 12 machine,
# idempotently: FreeSWITCH (from ../shared/freeswitch) + SIPp + sox/espeak-ng, Redis,
# HAProxy, and the TypeScript compiler for the editor-types check. Each step is its own
# script in this folder; a step whose script is absent is skipped.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for step in install-freeswitch redis haproxy tsc; do
	if [ -x "$here/$step.sh" ] || [ -f "$here/$step.sh" ]; then
		echo "setup: $step" >&2
		bash "$here/$step.sh" >&2
	fi
done
