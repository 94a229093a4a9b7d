#!/bin/sh
# contrib/ (issue 15): the Prometheus rules pass `promtool check rules` and
# their unit test (`promtool test rules`: an alert fires on the series
# cgfair exposes), the Grafana dashboard is valid JSON, and every cgfair
# series the rules and the dashboard name is one cgfair exposes (the list
# in cgfairctl(1), which tests/scenarios/tasks.sh checks against the
# daemon's own output with `promtool check metrics`). No daemon.
. "$(dirname "$0")/../lib/t.sh"
R=$T_TOP/contrib/prometheus
G=$T_TOP/contrib/grafana/cgfair-dashboard.json
if ! command -v promtool >/dev/null; then
	t_fail "promtool" "not installed (tools/deps.sh installs prometheus)"
	exit 1
fi
t_check "promtool check rules" promtool check rules "$R/cgfair-rules.yml"
t_check "promtool test rules (alerts on cgfair's series)" \
	sh -c "cd '$R' && promtool test rules cgfair-rules.test.yml"
t_check "the dashboard is valid JSON with panels" python3 -c \
	"import json,sys; d=json.load(open(sys.argv[1])); assert d['panels']" "$G"
known=$(sed -n 's/^\.BR \(cgfair_[a-z_]*\) *,\{0,1\}$/\1/p' "$T_TOP/docs/man/cgfairctl.1"; echo cgfair_users; echo cgfair_users_active; echo cgfair_info)
for m in $(grep -oh 'cgfair_[a-z_]*' "$R/cgfair-rules.yml" "$G" | sort -u); do
	case $m in cgfair_user | cgfair_users_ | cgfair_rules | cgfair_) continue ;; esac
	# a histogram's series: NAME_bucket, NAME_count, NAME_sum
	h=${m%_bucket}
	h=${h%_count}
	h=${h%_sum}
	echo "$known" | grep -qx -e "$m" -e "$h" || t_fail "series $m" "used in contrib/ but not a cgfair series"
done
t_pass "every series named in contrib/ is one cgfair exposes"
exit 0
