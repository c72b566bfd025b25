#!/bin/sh
# The sampler's ss helper (harness/stage/ss-helper.ts): a small process that runs `ss` when the
# harness asks, so that the harness, a large Node process, does not fork at every sample. One
# request per line on stdin: ss's arguments, separated by tabs. For each, ss writes what it prints
# to "$1/out" and its errors to "$1/err", and the helper answers one line on stdout: ss's exit
# status. It ends when its stdin closes (the harness is done with it, or gone) or on SIGTERM, and
# removes the folder "$1" as it goes. Ctrl-C in a terminal, or its closing, signals the whole process
# group: the helper goes on sampling a drain cut short until the harness ends it.
set -f # the arguments are words, never file patterns
dir=$1
trap 'rm -rf "$dir"' EXIT
trap '' HUP INT
trap 'exit 143' TERM
IFS='	' # a tab: the only place the arguments are split
while read -r line; do
  # shellcheck disable=SC2086 # split on tabs, on purpose
  set -- $line
  ss "$@" >"$dir/out" 2>"$dir/err"
  echo "$?"
done
