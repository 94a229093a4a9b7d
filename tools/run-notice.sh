#!/bin/sh
# tools/run-notice.sh CGFAIRD: before `make run` starts cgfaird on this
# machine, say what it will do to its users, from the configuration it
# will use (its --check-config output), and give a moment to cancel.
set -eu
conf=$("$1" --check-config 2>/dev/null) || {
	"$1" --check-config >/dev/null
	exit 1
}
val() { # val SECTION KEY
	printf '%s\n' "$conf" | awk -v s="[$1]" -v k="$2" '
		$0 == s { in_s = 1; next } /^\[/ { in_s = 0 }
		in_s && $1 == k { sub(/^[^=]*= */, ""); print; exit }'
}
lo=$(val users min_uid) hi=$(val users max_uid)
n=$(awk -F: -v lo="$lo" -v hi="$hi" '$3 >= lo && $3 <= hi' /etc/passwd | wc -l)
names=$(awk -F: -v lo="$lo" -v hi="$hi" '$3 >= lo && $3 <= hi { print $1 }' \
	/etc/passwd | head -5 | tr '\n' ' ')
cat <<MSG
make run: cgfaird is about to manage the users of THIS machine
($("$1" --check-config 2>&1 >/dev/null | head -1)):
  - every user with uid $lo..$hi ($n in /etc/passwd: $names...), and
    every process they run, goes into a cgroup of its own
    (backend $(val daemon backend): systemd's user slices, or the cgroup
    subtree '$(val daemon subtree)');
  - CPU: each active user is capped (mode $(val cpu mode), $(val cpu max_percent)
    of the machine shared among the active users);
  - memory: each user is limited to $(val memory limit) (swap $(val memory swap_limit));
  - state in $(val daemon state_dir), events in $(val log event_log);
  - it creates the system user cgfair for its workers.
Stopping it (^C) lifts the CPU caps; memory limits stay
(release_on_stop = $(val memory release_on_stop)).
Starting in 5 seconds; ^C now to cancel.
MSG
sleep 5
