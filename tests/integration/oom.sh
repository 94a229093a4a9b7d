#!/bin/sh
# OOM reporting on this host (issue 6): tests/scenarios/oom.sh, the same
# scenario the VM rigs run, with a journal to check. When no journald runs
# here (PID 1 is not systemd), a private one is started in a mount
# namespace of our own (tests/lib/journal.sh).
. "$(dirname "$0")/../lib/journal.sh"
journal_ns "$0" "$@"
. "$(dirname "$0")/../lib/t.sh"
t_need_root oom
journal_start oom
sh "$T_TOP/tests/scenarios/oom.sh"
