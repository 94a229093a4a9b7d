#!/bin/sh
# The command line without a daemon (issue 15): per-command --help, the
# shell completions as `make install` puts them (bash: the completion
# function run on real command lines; zsh: the file loads and defines its
# function), all from the commands cgfairctl itself lists.
. "$(dirname "$0")/../lib/t.sh"
CTL=$CGFAIR_BUILD/cgfairctl
D=$T_TMP/root
make -s -C "$T_TOP" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 ||
	{ t_fail "make install DESTDIR" "failed"; exit 1; }
t_check "make install puts cgfair.conf on a fresh host" test -s "$D/etc/cgfair/cgfair.conf"
# a host moving from Cgroup Py: its config must not be hidden by ours
S=$T_TMP/seedroot
mkdir -p "$S/etc/cgroup_py"
printf '[main]\ninterval = 7\n' >"$S/etc/cgroup_py/cgroup_py.conf"
make -s -C "$T_TOP" install DESTDIR="$S" PREFIX=/usr >/dev/null 2>&1 ||
	t_fail "make install DESTDIR (seed host)" "failed"
t_check "make install leaves out cgfair.conf where cgroup_py.conf is" \
	test ! -e "$S/etc/cgfair/cgfair.conf"
# cgfaird --migrate-config: the seed's file as a cgfair.conf that says
# the same, one comment per translated key
printf '[main]\nminUID = 2000\ninterval = 7\ncpu_pct_max = 80\ncgroup_memoryLimit_gigs = 3\ncgprefix = cg_\n' \
	>"$S/etc/cgroup_py/cgroup_py.conf"
"$CGFAIR_BUILD/cgfaird" --migrate-config --config "$S/etc/cgroup_py/cgroup_py.conf" \
	>"$T_TMP/migrated.conf" 2>"$T_TMP/migrate.err"
t_check "cgfaird --migrate-config succeeds" [ $? = 0 ]
t_check "each translated key has its comment" sh -c \
	"[ \$(grep -c '^# from cgroup_py.conf: ' '$T_TMP/migrated.conf') = 4 ] && grep -q '^# not translated: cgprefix = cg_' '$T_TMP/migrated.conf'"
"$CGFAIR_BUILD/cgfaird" --check-config --config "$S/etc/cgroup_py/cgroup_py.conf" 2>/dev/null |
	grep -v '^#' >"$T_TMP/seed.eff"
"$CGFAIR_BUILD/cgfaird" --check-config --config "$T_TMP/migrated.conf" 2>/dev/null |
	grep -v '^#' >"$T_TMP/migrated.eff"
t_check "the migrated cgfair.conf is the seed's configuration, key for key" \
	cmp -s "$T_TMP/seed.eff" "$T_TMP/migrated.eff"
# Both files on the installed tree: cgfaird fills the keys cgfair.conf
# does not set from the seed's file, and says so for each. The installed
# cgfaird reads /etc: it runs in a mount namespace whose /etc is a copy
# of the host's with the installed tree's cgfair.conf and a seed file.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	E=$T_TMP/etc-view
	cp -a /etc "$E" 2>/dev/null
	rm -rf "$E/cgfair" "$E/cgroup_py"
	cp -a "$D/etc/cgfair" "$E/cgfair"
	mkdir "$E/cgroup_py"
	printf '[main]\nminUID = 4321\ninterval = 7\n' >"$E/cgroup_py/cgroup_py.conf"
	printf '[daemon]\ninterval = 3s\n' >>"$E/cgfair/cgfair.conf"
	unshare -m sh -c "mount --bind '$E' /etc && '$D/usr/sbin/cgfaird' --check-config" \
		>"$T_TMP/both.eff" 2>"$T_TMP/both.err"
	t_check "both files: --check-config of the installed cgfaird succeeds" [ $? = 0 ]
	t_check "both files: the seed's minUID fills [users] min_uid" \
		grep -qx 'min_uid = 4321' "$T_TMP/both.eff"
	t_check "both files: cgfair.conf's interval wins over the seed's" \
		grep -qx 'interval = 3s' "$T_TMP/both.eff"
	t_check "both files: each seed key is said, used or not" sh -c \
		"grep -q 'cgroup_py.conf: minUID = 4321 used as \[users\] min_uid' '$T_TMP/both.err' && grep -q 'cgroup_py.conf: interval = 7 not used: /etc/cgfair/cgfair.conf sets \[daemon\] interval' '$T_TMP/both.err'"
else
	t_fail "both files (installed tree)" "needs root and unshare"
fi
BASHC=$D/usr/share/bash-completion/completions/cgfairctl
ZSHC=$D/usr/share/zsh/vendor-completions/_cgfairctl
t_check "make install puts the bash completion" test -s "$BASHC"
t_check "make install puts the zsh completion" test -s "$ZSHC"

for c in $("$CTL" --list-commands); do
	out=$("$CTL" "$c" --help 2>&1) && case $out in
		"usage: cgfairctl [--socket PATH] [--json] $c"*) ;;
		*) false ;;
	esac || { t_fail "cgfairctl $c --help" "$out"; continue; }
	t_pass "cgfairctl $c --help: $(echo "$out" | head -1)"
done
t_check "cgfairctl help limit names every limit option" sh -c \
	"'$CTL' help limit | grep -q -- '--tasks N.*--io-weight W'"
"$CTL" nosuch --help >/dev/null 2>&1
t_check "an unknown command's --help is a usage error (2)" [ $? = 2 ]

# complete WORDS...: what bash's completion offers for the last word
complete_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_cgfairctl; printf "%s\n" "${COMPREPLY[@]}"' sh "$BASHC" "$@"
}
words() { tr '\n' ' '; }
if command -v bash >/dev/null; then
	got=$(complete_bash "$CTL" '' | sort | words)
	want=$({ "$CTL" --list-commands; echo help; } | sort | words)
	t_check "bash: the commands after cgfairctl ($got)" [ "$got" = "$want" ]
	got=$(complete_bash "$CTL" li | words)
	t_check "bash: li -> limit limit-clear ($got)" [ "$got" = "limit limit-clear " ]
	got=$(complete_bash "$CTL" limit root --me | words)
	t_check "bash: limit's options ($got)" [ "$got" = "--memory --memory-high " ]
	got=$(complete_bash "$CTL" penalty roo | words)
	t_check "bash: a user name for penalty ($got)" [ "$got" = "root " ]
else
	t_fail "bash completion" "no bash (tools/deps.sh installs it)"
fi
if command -v zsh >/dev/null; then
	t_check "zsh: the completion file parses" zsh -n "$ZSHC"
	t_check "zsh: autoloaded, it defines _cgfairctl" zsh -fc \
		"fpath=('${ZSHC%/*}' \$fpath); autoload -Uz compinit; compinit -u -d '$T_TMP/zcd'; autoload -Uz _cgfairctl; (( \$+functions[_cgfairctl] ))"
else
	t_fail "zsh completion" "no zsh (tools/deps.sh installs it)"
fi

# top and metrics --textfile: against the real daemon, in metrics.sh
t_check "make install puts the HTTP listener's systemd drop-in in the docs" \
	grep -qx 'IPAddressAllow=localhost' "$D/usr/share/doc/cgfair/metrics-listen.conf"
t_check "make install puts cgfair-metrics.service and .timer" sh -c \
	"grep -q '^ExecStart=/usr/bin/cgfairctl metrics --textfile ' '$D/lib/systemd/system/cgfair-metrics.service' && grep -q '^OnUnitActiveSec=30s' '$D/lib/systemd/system/cgfair-metrics.timer'"
exit 0
