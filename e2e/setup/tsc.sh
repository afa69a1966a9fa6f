#!/usr/bin/env bash
# tsc.sh: installs the TypeScript compiler from npm into <repo>/.cache/tsc, for the
# CI typecheck of the example scripts and docs samples against callforge.d.ts
# (cmd/callforge's TestTypecheckExamples runs it when CI=true).
#
#   e2e/setup/tsc.sh          install (idempotent: nothing happens when the pinned
#                             version is already there) and print the tsc path
#
# Needs node and npm on PATH. Nothing outside <repo>/.cache/tsc is touched; the
# directory ignores itself in git.
set -euo pipefail

version=5.9.3

log() { printf 'tsc.sh: %s\n' "$*" >&2; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$script_dir/../.." && pwd)
dest=$top/.cache/tsc
tsc=$dest/node_modules/typescript/bin/tsc

if ! command -v npm >/dev/null 2>&1; then
	log "npm is not on PATH: install Node.js (20 or later)"
	exit 1
fi

installed=""
if [ -f "$dest/node_modules/typescript/package.json" ]; then
	installed=$(node -p "require('$dest/node_modules/typescript/package.json').version" 2>/dev/null || true)
fi
if [ "$installed" != "$version" ]; then
	log "installing typescript@$version into $dest"
	mkdir -p "$dest"
	# The cache is never committed: it ignores itself.
	printf '*\n' >"$top/.cache/.gitignore"
	if [ ! -f "$dest/package.json" ]; then
		printf '{"private": true, "description": "callforge CI: tsc for the example scripts"}\n' >"$dest/package.json"
	fi
	npm install --prefix "$dest" --no-audit --no-fund --save-exact "typescript@$version" >&2
fi
"$tsc" --version >&2
printf '%s\n' "$tsc"
