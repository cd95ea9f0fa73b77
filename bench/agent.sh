#!/usr/bin/env bash
# bench/agent.sh: the agent's figures, printed, never judged (no pass/fail on timing):
#   - daemon resident memory (VmRSS, VmHWM, RssAnon, RssFile, Pss) after a replayed round
#     with acts and syncs, and the peak of the short-lived process each sync runs in;
#   - bytes on the wire per event in a 100-event gzip batch (the request body as sent), the
#     wall time of the `sync` that sends it and of a sync with nothing to send;
#   - time to record an act with the daemon running, and without it (median of N runs).
# Starts its own server, gpsd and daemon on free loopback ports like the integration tests.
# Usage: BUILD=build bench/agent.sh   (N=20 by default)
set -u
cd "$(dirname "$0")/.."
export DOORSTEP_ROOT=$PWD
. tests/integration/agent_lib.sh
agent_init
N=${N:-20}
LOG=cao-lanh-round.nmea

[ -x "$SERVER" ] && [ -x "$AGENT" ] ||
	{ echo "bench/agent.sh: build first (make test-build)"; exit 1; }
median() {
	sort -n | awk '{a[NR]=$1} END {
		if (NR==0) print "n/a"
		else if (NR%2) print a[(NR+1)/2]
		else print (a[NR/2]+a[NR/2+1])/2
	}'
}
ms_of() {
	local s e
	s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))
}

round_csv >"$T/round.csv"
server_setup "$T/round.csv" && server_start ||
	{ echo "server failed"; cat "$T/server.err"; exit 1; }
agent_enroll && agent sync >/dev/null || { echo "enrol failed"; exit 1; }
gpsd_start || { echo "gpsd failed"; exit 1; }
agent config --set connect_timeout_ms=300 >/dev/null
daemon_start || { echo "daemon failed"; exit 1; }
wait_status 5 gpsd '!unreachable' >/dev/null

# 1. record with the daemon: acts read the daemon's view, no gpsd round trip.
replay $LOG 0 600 200
for i in $(seq 1 "$N"); do ms_of agent arrive 1; done >"$T/with.ms"
echo "act with daemon running:    median $(median <"$T/with.ms") ms over $N runs (target <= 50 ms)"

# 2. memory after a replayed round, acts and syncs
replay $LOG 600 990 200
agent sync >/dev/null 2>&1
sleep 1
kb() { awk -v k="$1:" '$1 == k {print $2}' "$2"; }
st=/proc/$DAEMON_PID/status
pss=$(kb Pss /proc/$DAEMON_PID/smaps_rollup)
uss=$(awk '$1 == "Private_Clean:" || $1 == "Private_Dirty:" {s += $2} END {print s}' \
	/proc/$DAEMON_PID/smaps_rollup)
echo "daemon memory:              VmRSS $(kb VmRSS $st) kB, VmHWM $(kb VmHWM $st) kB" \
	"(target RSS <= 4096 kB)"
echo "                            of which RssAnon $(kb RssAnon $st) kB (private)," \
	"RssFile $(kb RssFile $st) kB (binary and library pages, shared);" \
	"Pss $pss kB, private $uss kB"
echo "                            libraries mapped: $(awk '$6 ~ /\.so/ {print $6}' \
	/proc/$DAEMON_PID/maps | sort -u | xargs -n1 basename | tr '\n' ' ')"
# Each daemon sync runs in a short-lived child (`sync --json`), which runs the HTTPS helper
# (doorstep-agent-sync, with libcurl); the daemon logs the child's peak RSS at debug level
# (getrusage ru_maxrss of a reaped child: the larger of its own and its helper's).
syncs=$(grep -c 'sync process [0-9]*: exit' "$T/daemon.err")
peak=$(sed -n 's/.*sync process [0-9]*: exit .*, peak RSS \([0-9]*\) kB.*/\1/p' "$T/daemon.err" |
	sort -n | tail -1)
echo "sync child (per sync):      peak VmHWM ${peak:-n/a} kB, over $syncs syncs" \
	"(it and its helper exit when the sync ends)"

# 3. bytes per event: 100 acts with live GPS stamps while the server is away, then one sync.
# The log keeps playing meanwhile, so each act has its own live fix (positions differ).
server_stop
replay_bg $LOG 1000 590 40
sleep 0.3
for i in $(seq 1 100); do
	case $((i % 4)) in
	0) agent arrive 3 ;;
	1) agent collect 1 --documents 3 --fee-vnd 26000 ;;
	2) agent fail 2 --reason not-home ;;
	3) agent deliver 3 --recipient "Phạm Đức Minh" --relation self --id-last4 4321 ;;
	esac >/dev/null 2>&1
done
kill $REPLAY_PID 2>/dev/null; wait $REPLAY_PID 2>/dev/null
live=$(sqlite3 "$T/agent/agent.db" \
	"SELECT count(*) FROM outbox WHERE body LIKE '%\"source\":\"live\"%'")
daemon_stop
server_start
agent config --set batch_max=100 >/dev/null
start=$(date +%s%N)
agent sync --json >"$T/sync.json" 2>&1
sync_ms=$(( ($(date +%s%N) - start) / 1000000 ))
python3 - "$T/sync.json" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
n = max(r["pushed"], 1)
print("wire bytes per event:       %.1f B gzip (%d events, %d requests, %d B body; %.1f B/event"
      " before gzip) (target <= 100 B)" % (r["body_bytes"] / n, r["pushed"], r["requests"],
      r["body_bytes"], r["plain_bytes"] / n))
PY
echo "                            ($live of the 100 events carry a live fix)"
echo "sync of that batch:         $sync_ms ms wall" \
	"(\`sync --json\`: start, TLS handshake, requests)"
for i in 1 2 3 4 5; do ms_of agent sync; done >"$T/pull.ms"
echo "sync with nothing to send:  median $(median <"$T/pull.ms") ms over 5 runs (one pull)"

# 4. record without the daemon: the act asks gpsd, which gets a fix every second (1 Hz).
replay_bg $LOG 1101 400 1
sleep 1.5
M=$(( N < 10 ? N : 10 ))
# A random pause first, so runs do not fall into step with the receiver's epochs.
for i in $(seq 1 "$M"); do sleep "0.$((RANDOM % 10))"; ms_of agent arrive 3; done >"$T/without.ms"
echo "act without daemon (1 Hz):  median $(median <"$T/without.ms") ms over $M runs" \
	"(at most one receiver cycle)"
kill $REPLAY_PID 2>/dev/null
gpsd_stop
for i in $(seq 1 "$M"); do ms_of agent arrive 3; done >"$T/nogpsd.ms"
echo "act without daemon or gpsd: median $(median <"$T/nogpsd.ms") ms over $M runs"
