# An impostor worker started by the real supervisor (source after t.sh and
# daemon.sh). cgfaird looks for its workers beside its own executable first
# (supervisor/main.c, find_libexec: how a build tree runs): a copy of
# cgfaird in $T_TMP/libexec with the real workers and, for one role, the
# impostor from tests/evil under the real worker's name. No switch of the
# daemon is involved, so a release build has none.
#
# impostor_setup ROLE: after it, daemon_start runs that cgfaird; the real
# build stays in $REAL_BUILD.
impostor_setup() {
	REAL_BUILD=$CGFAIR_BUILD
	_d=$T_TMP/libexec
	mkdir -m 0755 "$_d" || return 1
	# every worker the build made (a list kept here missed a new one:
	# cgfaird then found no usable workers and did not start)
	for _f in "$REAL_BUILD"/cgfaird "$REAL_BUILD"/cgfair-*; do
		[ -f "$_f" ] && [ -x "$_f" ] || continue
		install -m 0755 "$_f" "$_d/${_f##*/}" || return 1
	done
	install -m 0755 "$REAL_BUILD/tests/evil-$1" "$_d/cgfair-$1" || return 1
	CGFAIR_BUILD=$_d
}

# impostor_cut_off ROLE WHY: the supervisor killed the impostor for WHY
# (a pattern) and restarted it.
impostor_cut_off() {
	grep -q "worker $1.* $2.*; killing it" "$DLOG" &&
		grep -q "worker $1 .*restarting in" "$DLOG"
}
