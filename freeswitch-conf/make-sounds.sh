#!/usr/bin/env bash
# make-sounds.sh SOUNDS_DIR: makes the short 8 kHz mono 16-bit WAV prompts the callforge tests and
# demo scripts play, with espeak-ng and sox (Debian packages espeak-ng, sox).
#
#   SOUNDS_DIR/callforge/*.wav            callforge's user/ sounds  (vars.xml: callforge_user_sounds)
#   SOUNDS_DIR/en/us/callie/ivr/*.wav     the switch's ivr/ sounds  (vars.xml: sound_prefix)
#
# SOUNDS_DIR is FreeSWITCH's sounds directory (-sounds DIR, default /opt/freeswitch/share/freeswitch/sounds).
# Existing files are kept, so running it again is cheap.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 SOUNDS_DIR" >&2
	exit 2
fi
out=$1
user_dir=$out/callforge
ivr_dir=$out/en/us/callie/ivr
mkdir -p "$user_dir" "$ivr_dir"

# say FILE TEXT: speak TEXT into FILE as 8 kHz mono 16-bit PCM.
say() {
	local file=$1 text=$2
	[ -s "$file" ] && return 0
	local tmp
	tmp=$(mktemp --suffix=.wav)
	espeak-ng -s 170 -w "$tmp" "$text"
	sox -q "$tmp" -r 8000 -c 1 -b 16 "$file"
	rm -f "$tmp"
}

# tone FILE SECONDS FREQ: a sine tone, for prompts whose length must be known exactly.
tone() {
	local file=$1 seconds=$2 freq=$3
	[ -s "$file" ] && return 0
	sox -q -n -r 8000 -c 1 -b 16 "$file" synth "$seconds" sine "$freq" vol 0.3
}

say "$user_dir/hello.wav" "Hello from callforge."
say "$user_dir/goodbye.wav" "Goodbye."
say "$user_dir/menu.wav" "Enter your code, then press pound."
say "$user_dir/invalid.wav" "Sorry, that is not a valid choice."
say "$user_dir/branch-one.wav" "You chose option one."
say "$user_dir/branch-two.wav" "You chose option two."
tone "$user_dir/beep.wav" 0.3 1000
# A long prompt that a caller can hang up in the middle of.
tone "$user_dir/long-prompt.wav" 20 440
say "$ivr_dir/ivr-welcome.wav" "Welcome."
