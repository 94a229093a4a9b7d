# The seed's throttle.log ([log] throttle_log), read as strictly as the
# scripts written for Cgroup Py v.2 read it. POSIX sh and busybox grep
# (the VM guests have no python3): each line must be exactly one of its two
# records, its keys in its order, each value of its type; an unknown key,
# a missing one or a number where it wrote a string fails the line.
SEED_T='"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"'
SEED_S='"([^"\\]|\\.)*"' # a JSON string
SEED_OOM="^\{\"TYPE\":\"OOM\",\"ID\":\"[A-Za-z0-9]{16}\",\"TIMESTAMP\":$SEED_T,\"UID\":\"[0-9]+\",\"UNAME\":$SEED_S,\"NODE\":$SEED_S\}\$"
SEED_THR="^\{\"TYPE\":\"throttleCPU\",\"ID\":\"[A-Za-z0-9]{16}\",\"CGROUP\":$SEED_S,\"USERNAME\":$SEED_S,\"START_TIME\":$SEED_T,\"END_TIME\":$SEED_T,\"CPU\":-?[0-9]+(\.[0-9]+)?,\"NODE\":$SEED_S\}\$"

# seed_log_bad FILE: print the lines that are not a seed record
seed_log_bad() {
	grep -Ev -e "$SEED_OOM" -e "$SEED_THR" "$1"
}
