#!/bin/sh
# A process that stays in one of a variant's namespaces (client or server) while it runs
# (harness/stage/netns-agent.ts starts it with `ip netns exec`). The harness reads the namespace's
# /proc/<pid>/net/* files through it without forking. A shell, not Node: it starts in milliseconds.
# Arguments: the files to report, then `--`, then pairs of a file and the value to write there
# (the client's sysctls), each file relative to /proc/sys: /proc/sys/net is per network namespace,
# so writing it from inside changes this namespace only. The harness gives only names on its
# allow-list (harness/scenario/client-sysctls.ts), and no value reaches a command: each is written
# into its file. It answers on stdout one line per value written, `set<TAB>FILE<TAB>ok`, `refused`
# or `missing`; then `values` and a line `FILE:CONTENT` per file reported that exists; then
# `ready`, and waits until its stdin closes (the harness is done with it, or gone).
set -f # the arguments are words, never file patterns
# Ctrl-C in a terminal, or its closing, signals the whole process group: the harness still reads
# this namespace's counters through this process after a drain cut short, then ends it.
trap '' HUP INT
tab='	'
reported=0
for file; do
  shift
  [ "$file" = -- ] && break
  reported=$((reported + 1))
  set -- "$@" "$file" # kept, in order, after the pairs
done
cd /proc/sys || exit 1
while [ $# -gt "$reported" ]; do
  file=$1 value=$2
  shift 2
  if [ ! -e "$file" ]; then
    echo "set$tab$file${tab}missing"
  # In a subshell: a refused write leaves dash's output buffer dirty for the rest of that shell.
  elif (printf '%s\n' "$value" >"$file") 2>/dev/null; then
    echo "set$tab$file${tab}ok"
  else
    echo "set$tab$file${tab}refused"
  fi
done
echo values
# grep, not the shell's read: a /proc/sys file read a byte at a time ends after its first byte.
# Each file's line as FILE:CONTENT; a file this kernel lacks prints nothing (-s).
[ $# -eq 0 ] || grep -sH '' -- "$@" </dev/null
echo ready
# Nothing is ever written to stdin: read returns when it closes.
read -r _
