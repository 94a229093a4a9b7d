# report.awk: turn a guest's result channel (written by guest-run.sh) into
# the runner's lines. Usage: awk -v tier=NAME -v detail=FILE -f report.awk
#
# Channel:  @@ BEGIN name / scenario output / @@ END name rc=N secs=N timeout=0|1
#           @@ LOG title / log lines (until the next @@ line)
#           @@ WATCHDOG why (the guest's watchdog ended a blocked run)
#           @@ DONE scenarios=N fails=N
# PASS/FAIL/SKIP lines outside a scenario are the guest's own checks.
# Output: PASS/FAIL/SKIP lines prefixed "tier/" or "tier/scenario/"; the
# output of failing scenarios goes to the file detail, LOG blocks to logs.
# POSIX awk only (mawk on Debian: no \s, no gensub).

function fail(what, why) {
	print "FAIL: " tier "/" what ": " why
	failed = 1
}

function field(key,    i) {
	for (i = 1; i <= NF; i++)
		if (index($i, key "=") == 1)
			return substr($i, length(key) + 2)
	return ""
}

function close_block(why) {
	if (why != "")
		fail(name, why)
	if (why != "" || nfail > 0) {
		print "==== scenario " name " ====" > detail
		printf "%s", buf > detail
	}
	inblk = 0
	buf = ""
}

BEGIN { inblk = 0; inlog = 0; nscn = 0; failed = 0 }

/^@@ BEGIN / {
	if (inblk)
		close_block("no end marker")
	inlog = 0
	inblk = 1
	name = $3
	nres = 0
	nfail = 0
	buf = ""
	nscn++
	next
}

/^@@ END / {
	inlog = 0
	if (!inblk || $3 != name)
		next
	rc = field("rc")
	print "vm: scenario " name ": " field("secs") " s, exit " rc
	if (field("timeout") == "1")
		close_block("timed out after " field("secs") " s")
	else if (rc != "0" && nfail == 0)
		close_block("exited " rc " without a FAIL line")
	else if (nres == 0)
		close_block("printed no PASS/FAIL/SKIP line")
	else
		close_block("")
	next
}

# the guest's watchdog (guest-watchdog.sh) ended a run that blocked
/^@@ WATCHDOG / {
	why = "guest watchdog: " substr($0, 13)
	if (inblk)
		close_block(why)
	else
		fail("guest", why)
	inlog = 0
	next
}

/^@@ LOG / {
	if (inblk)
		close_block("guest stopped during this scenario")
	inlog = 1
	print "==== guest log: " substr($0, 8) " ====" > logs
	next
}

/^@@ DONE / {
	if (inblk)
		close_block("no end marker")
	inlog = 0
	next
}

inlog { print > logs; next }

/^(PASS|FAIL|SKIP): / {
	prefix = inblk ? tier "/" name "/" : tier "/"
	print substr($0, 1, 6) prefix substr($0, 7)
	if (substr($0, 1, 4) == "FAIL") {
		failed = 1
		if (inblk)
			nfail++
	}
	if (!inblk)
		next
	nres++
}

inblk { buf = buf $0 "\n"; next }

# The guest's own progress lines (boot and run times): keep them visible.
/[^ \t]/ { print "vm: guest: " $0 }

END {
	if (inblk)
		close_block("guest stopped during this scenario")
	if (nscn == 0)
		fail("scenarios", "no scenario ran in the guest")
}
