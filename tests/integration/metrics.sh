#!/bin/sh
# The HTTP metrics listener ([metrics] listen, issue 15) and the daemon's
# own counters: a real Prometheus server (Debian's package), started here
# on 127.0.0.1 with a throwaway config and storage in $T_TMP, scrapes the
# cgfair-metrics worker; its query API must then return cgfair's series
# with the values the daemon has (a managed user's memory limit, the
# worker restart counter, the last reload). The text passes `promtool
# check metrics`; only GET /metrics is served (other paths 404, other
# methods 405), an oversized request is refused, a burst is rate-limited
# (429). A killed worker increments cgfair_worker_restarts_total and a bad
# reload sets cgfair_config_last_reload_success to 0, over HTTP and over
# the socket (`cgfairctl metrics`); a stall of the supervisor's loop (its
# sendmsg held 150 ms by strace) shows in the loop's dispatch figures.
# `cgfairctl top` and `cgfairctl metrics --textfile` run against the same
# daemon.
#
# The daemon runs with --dry-run: it decides but writes no cgroup file.
. "$(dirname "$0")/../lib/t.sh"
t_need_root metrics
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
for c in prometheus promtool curl; do
	command -v $c >/dev/null ||
		{ t_fail "metrics setup" "$c missing (tools/deps.sh installs it)"; exit 1; }
done
CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
U1=59891 # sleeps
U2=59892 # spins: the busiest
# two free ports on 127.0.0.1 (the kernel's choice, then released)
ports=$(python3 -c 'import socket
ss=[socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
MPORT=${ports% *}
PPORT=${ports#* }
URL=http://127.0.0.1:$MPORT/metrics
PROM=http://127.0.0.1:$PPORT

t_config "$T_TMP/cgfair.conf" "$T_ID" $U1 $U2 "[daemon]
interval = 1s
[memory]
limit = 768M
[metrics]
listen = 127.0.0.1:$MPORT"

"$RUNAS" $U1 sleep 600 &
P1=$!
"$RUNAS" $U2 "$CGFAIR_BUILD/tests/t-spin" -s 60 &
P2=$!
t_cleanup "kill $P1 $P2"
daemon_start --dry-run --config "$T_TMP/cgfair.conf" ||
	{ t_fail "metrics: daemon starts" "see its log above"; exit 1; }

get() { curl -s -m 5 "$@"; }
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$@"; }
# sample NAME_AND_LABELS: the value of that exact series in a scrape
sample() { get "$URL" | awk -v k="$1" '$1 == k { print $2 }'; }
ctl_sample() { "$CTL" --socket "$T_SOCK" metrics | awk -v k="$1" '$1 == k { print $2 }'; }
has_row() { [ "$(sample "cgfair_user_memory_limit_bytes{uid=\"$U1\",user=\"$U1\"}")" = 805306368 ] ||
	get "$URL" | grep -q "^cgfair_user_memory_limit_bytes{uid=\"$U1\",.*} 805306368$"; }

t_check "GET /metrics answers 200 with the text format" sh -c \
	"curl -s -m 5 -D - -o /dev/null '$URL' | grep -qi '^content-type: text/plain; version=0.0.4'"
t_check "the managed user's row is there (memory limit 768M)" t_wait 10 has_row
get "$URL" >"$T_TMP/scrape.txt"
t_check "promtool check metrics: the scraped text is clean" \
	sh -c "promtool check metrics <'$T_TMP/scrape.txt'"
t_check "GET /other is 404" [ "$(code "http://127.0.0.1:$MPORT/other")" = 404 ]
t_check "GET / is 404" [ "$(code "http://127.0.0.1:$MPORT/")" = 404 ]
t_check "POST /metrics is 405" [ "$(code -X POST "$URL")" = 405 ]
big=$(head -c 40000 /dev/zero | tr '\0' a)
c=$(code -H "X-Big: $big" "$URL")
t_check "a 40 kB header is refused (got $c)" [ "$c" != 200 ]
# a burst: the bucket holds 20 and refills at 10/s, 60 requests cannot all pass
burst=$(python3 -c 'import sys, http.client
codes = []
for _ in range(60):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
    c.request("GET", "/metrics"); r = c.getresponse(); r.read(); codes.append(r.status); c.close()
print(codes.count(200), codes.count(429))' "$MPORT")
t_check "a burst of 60 requests is rate-limited (200s, 429s: $burst)" \
	[ "${burst#* }" -gt 0 ]
t_wait 3 sh -c "[ \"\$(curl -s -m 5 -o /dev/null -w '%{http_code}' '$URL')\" = 200 ]"
# the burst emptied the bucket (20, refilled at 10 a second): let it
# fill again, so that the samples below are answered, not refused (429)
sleep 2.5

# --- the daemon's own counters
t_check "no scanner restart yet" [ "$(sample 'cgfair_worker_restarts_total{worker="scanner"}')" = 0 ]
t_check "last reload succeeded" [ "$(sample cgfair_config_last_reload_success)" = 1 ]
ts=$(sample cgfair_config_last_reload_success_timestamp_seconds)
now=$(date +%s)
t_check "its timestamp is the start's ($ts)" sh -c "[ '$ts' -le $now ] && [ '$ts' -gt $((now - 600)) ]"
scanner=$(pgrep -P "$DPID" -x cgfair-scanner | head -1)
kill -KILL "$scanner"
t_check "a killed scanner counts 1 restart (HTTP)" t_wait 10 sh -c \
	"curl -s -m 5 '$URL' | grep -qx 'cgfair_worker_restarts_total{worker=\"scanner\"} 1'"
t_check "... and over the socket (cgfairctl metrics)" \
	[ "$(ctl_sample 'cgfair_worker_restarts_total{worker="scanner"}')" = 1 ]
mpid=$(pgrep -P "$DPID" -x cgfair-metrics | head -1)
kill -KILL "$mpid"
# polled at 3 a second, under the listener's rate (10 a second, bursts of
# 20): t_wait's own pace (every 20 ms) drains the bucket, and the restarted
# worker first answers the connections queued on the listening socket
# while it was down
t_check "the killed metrics worker is back and counts its restart" t_wait 15 sh -c \
	"sleep 0.3; curl -s -m 5 '$URL' | grep -qx 'cgfair_worker_restarts_total{worker=\"metrics\"} 1'"
cp "$T_TMP/cgfair.conf" "$T_TMP/good.conf"
echo "[cpu]
max_percent = lots" >>"$T_TMP/cgfair.conf"
kill -HUP "$DPID"
t_check "a bad reload sets cgfair_config_last_reload_success 0 (HTTP)" \
	t_wait 10 sh -c "curl -s -m 5 '$URL' | grep -qx 'cgfair_config_last_reload_success 0'"
t_check "... and over the socket" [ "$(ctl_sample cgfair_config_last_reload_success)" = 0 ]
t_check "the success timestamp stays the last good load's" \
	[ "$(sample cgfair_config_last_reload_success_timestamp_seconds)" = "$ts" ]
cp "$T_TMP/good.conf" "$T_TMP/cgfair.conf"
kill -HUP "$DPID"
t_check "a good reload sets it back to 1" t_wait 10 sh -c \
	"curl -s -m 5 '$URL' | grep -qx 'cgfair_config_last_reload_success 1'"

# --- the supervisor's loop: its dispatch times, and a stall it must count.
# strace (Debian's) holds every sendmsg of the supervisor 150 ms for 2.5 s:
# each step sends rows to the workers, so some dispatches take >= 150 ms.
loop() {
	"$CTL" --socket "$T_SOCK" --json status | python3 -c 'import json, sys
print(json.load(sys.stdin).get("loop", {}).get(sys.argv[1], ""))' "$1"
}
hist_ok() {
	get "$URL" | awk '
	/^cgfair_loop_dispatch_seconds_bucket/ { v = $2 + 0; if (v < last) bad = 1; last = v; inf = v }
	/^cgfair_loop_dispatch_seconds_count / { n = $2 + 0 }
	END { exit !(n > 0 && inf == n && !bad) }'
}
t_check "the loop's dispatch histogram: buckets cumulative, +Inf = count" hist_ok
more_dispatches() { [ "$(loop dispatches)" -gt "$1" ]; }
d0=$(loop dispatches)
t_check "status counts the loop's dispatches, more at each step (from $d0)" \
	t_wait 10 more_dispatches "${d0:-0}"
o0=$(loop over_50ms)
timeout -s INT 2.5 strace -q -p "$DPID" -e trace=sendmsg \
	-e inject=sendmsg:delay_exit=150000 -o /dev/null 2>"$T_TMP/strace.err"
longest_at_least() {
	python3 -c 'import sys; sys.exit(not float(sys.argv[1] or 0) >= float(sys.argv[2]))' \
		"$(loop longest_recent_ms)" "$1"
}
t_check "a 150 ms stall (strace delays sendmsg) is the longest recent dispatch" \
	t_wait 10 longest_at_least 150
o1=$(loop over_50ms)
t_check "... and counted over 50 ms ($o0, then $o1) $(cat "$T_TMP/strace.err")" \
	[ "${o1:-0}" -gt "${o0:-0}" ]
# dispatches over 50 ms in a scrape: the count less the 0.05 bucket
over_50ms_scraped() {
	get "$URL" | awk '$1 == "cgfair_loop_dispatch_seconds_bucket{le=\"0.05\"}" { b = $2 }
	$1 == "cgfair_loop_dispatch_seconds_count" { n = $2 }
	END { exit !(n - b >= 1) }'
}
t_check "... and in the histogram: over 0.05 s" over_50ms_scraped
t_check "the daemon runs on after it" kill -0 "$DPID"

# --- cgfairctl top and metrics --textfile against this daemon
ctl() { "$CTL" --socket "$T_SOCK" "$@"; }
(sleep 2.5; printf q) | timeout 20 "$CTL" --socket "$T_SOCK" top --interval 1 >"$T_TMP/top.out" 2>&1
rc=$?
frames=$(grep -c '^cgfair top - ' "$T_TMP/top.out")
t_check "top: q ends it (status $rc), after $frames frames" sh -c "[ $rc = 0 ] && [ $frames -ge 2 ]"
first=$(grep -m1 -A3 '^USER' "$T_TMP/top.out" | sed -n 2p | awk '{print $1}')
second=$(grep -m1 -A3 '^USER' "$T_TMP/top.out" | sed -n 3p | awk '{print $1}')
t_check "top: the busiest user (the spinner, $U2) first, then $U1 ($first, $second)" \
	[ "$first $second" = "$U2 $U1" ]
timeout 20 "$CTL" --socket "$T_SOCK" top --interval 1 </dev/null >"$T_TMP/top2.out" 2>&1 &
TP=$!
t_wait 10 grep -q '^USER' "$T_TMP/top2.out"
kill -INT "$TP"
wait "$TP"
rc=$?
t_check "top: ^C ends it with status 0 (got $rc)" [ "$rc" = 0 ]
TF=$T_TMP/textfile
mkdir -p "$TF"
# restarts in a file: "cgfair_worker_restarts_total{worker="scanner"} N"
restarts_in() { sed -n 's/^cgfair_worker_restarts_total{worker="scanner"} //p' "$1"; }
ctl metrics --textfile "$TF" && cp "$TF/cgfair.prom" "$T_TMP/first.prom"
c0=$(restarts_in "$T_TMP/first.prom")
kill -KILL "$(pgrep -P "$DPID" -x cgfair-scanner | head -1)"
# (a loaded host may add a missed ping's restart: more, not exactly one)
t_wait 10 sh -c "[ \$('$CTL' --socket '$T_SOCK' metrics | sed -n 's/^cgfair_worker_restarts_total{worker=\"scanner\"} //p') -gt ${c0:-0} ]"
ctl metrics --textfile "$TF"
c1=$(restarts_in "$TF/cgfair.prom")
t_check "metrics --textfile writes DIR/cgfair.prom, and only that" \
	[ "$(ls -A "$TF")" = cgfair.prom ]
t_check "... with the daemon's rows (both users, 2 in cgfair_users)" sh -c \
	"grep -q '^cgfair_user_memory_limit_bytes{uid=\"$U2\",' '$TF/cgfair.prom' && grep -qx 'cgfair_users 2' '$TF/cgfair.prom'"
t_check "... replaced by the second run (scanner restarts $c0, then $c1), mode 0644" \
	sh -c "[ \$(stat -c %a '$TF/cgfair.prom') = 644 ] && [ ${c0:-0} -ge 1 ] && [ ${c1:-0} -gt ${c0:-0} ]"
t_check "... which promtool check metrics reads" sh -c "promtool check metrics <'$TF/cgfair.prom'"

# --- a real Prometheus scrapes the listener
mkdir -p "$T_TMP/prom"
cat >"$T_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: cgfair
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
prometheus --config.file="$T_TMP/prometheus.yml" \
	--storage.tsdb.path="$T_TMP/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T_TMP/prometheus.log" 2>&1 &
PP=$!
t_cleanup "kill $PP; wait $PP"
# query EXPR: the value of the single series EXPR returns ("" when none)
query() {
	curl -s -m 5 -G "$PROM/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null
}
is() { [ "$(query "$1")" = "$2" ]; }
if ! t_wait 60 is 'up{job="cgfair"}' 1; then
	t_fail "prometheus scrapes cgfair" "up is not 1; $(tail -5 "$T_TMP/prometheus.log")"
	exit 1
fi
t_pass "prometheus scrapes cgfair (up 1)"
t_check "prometheus has the user's memory limit (768M)" \
	t_wait 10 is "cgfair_user_memory_limit_bytes{uid=\"$U1\"}" 805306368
# (at least the two kills: a loaded host may add a missed ping's)
r=$(query 'cgfair_worker_restarts_total{worker="scanner"}')
t_check "prometheus has the scanner's restarts (2 kills: $r)" [ "${r:-0}" -ge 2 ]
t_check "... as the daemon counts them" \
	[ "$r" = "$(ctl_sample 'cgfair_worker_restarts_total{worker="scanner"}')" ]
t_check "prometheus has the last reload's success" \
	is cgfair_config_last_reload_success 1
t_check "prometheus has cgfair_users" is cgfair_users 2
exit 0
