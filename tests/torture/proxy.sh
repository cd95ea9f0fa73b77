#!/usr/bin/env bash
# proxy.sh [TRIALS_PER_KIND] [KINDS]: the agent syncs through tests/tools/faultproxy, which
# cuts, truncates, resets or delays connections at random (one kind at a time, 60% of the
# connections). Each trial records 1-5 acts, then runs `sync` until the outbox is empty (at
# most SYNC_TRIES times). Every acknowledged act must then be on the server exactly once:
# "lost" counts acts neither on the server nor in the outbox, and acts still undelivered
# after the tries; "doubled" what tally_agent (torture_lib.sh) counts.
. "$(dirname "$0")/../integration/agent_lib.sh"
. "$(dirname "$0")/torture_lib.sh"
TRIALS=${1:-2}
KINDS=${2:-cut truncate reset delay}
SYNC_TRIES=${SYNC_TRIES:-30}
PROXY=$BUILD/tools/faultproxy
agent_init

[ -x "$PROXY" ] || bail "faultproxy is built ($PROXY)"
server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
server_setup "$T/round.csv" && server_start || bail "server set up and serving"
agent_enroll && agent sync >/dev/null || bail "agent enrolled and synced"
PPORT=$(free_port 1)
# Short timeouts, so a delayed exchange is given up (and retried) as a handheld would.
for s in server_url=https://127.0.0.1:$PPORT connect_timeout_ms=1000 total_timeout_ms=2500 \
	batch_max=3; do
	agent config --set "$s" >/dev/null || bail "agent config $s"
done

: >"$T/acked"
attempts=0
acts=(arrive "collect --documents 2" "fail --reason refused")
for kind in $KINDS; do
	# A fault falls within a connection's life: a resumed handshake and a sync exchange
	# here come to about 2000 bytes, 1000 of them from the server (truncate counts only those).
	bytes=2200; [ "$kind" = truncate ] && bytes=1200
	"$PROXY" --listen "$PPORT" --to "$SERVER_PORT" --faults "$kind" --rate 60 \
		--max-bytes $bytes --max-delay-ms 1200 --seed $((RANDOM + 1)) --max-seconds 3600 \
		>"$T/proxy-$kind.out" &
	ppid=$!
	track $ppid
	wait_for 5 grep -q "^listening on" "$T/proxy-$kind.out" || bail "faultproxy starts ($kind)"
	lost=0; doubled=0; syncs=0; failed_syncs=0
	for trial in $(seq 1 "$TRIALS"); do
		for i in $(seq 1 $((RANDOM % 5 + 1))); do
			attempts=$((attempts + 1))
			# shellcheck disable=SC2086 # the act carries its own arguments
			agent ${acts[RANDOM % 3]} $((RANDOM % 3 + 1)) --json >"$T/act.json" \
				2>/dev/null && event_field "$T/act.json" 'e["uuid"]' >>"$T/acked"
		done
		for try in $(seq 1 "$SYNC_TRIES"); do
			syncs=$((syncs + 1))
			agent sync >/dev/null 2>>"$T/sync.err" && break
			failed_syncs=$((failed_syncs + 1))
		done
		read -r l d < <(tally_agent "$T/server/doorstep.db" "$T/agent/agent.db" "$T/acked" \
			"$attempts")
		u=$(undelivered "$T/server/doorstep.db" "$T/acked")
		if [ "${l:-x}" != 0 ] || [ "${d:-x}" != 0 ] || [ "${u:-x}" != 0 ]; then
			not_ok "$kind trial $trial: ${l:-?} lost, ${u:-?} undelivered," \
				"${d:-?} doubled"
			lost=$((lost + ${l:-1} + ${u:-0})); doubled=$((doubled + ${d:-0}))
		fi
	done
	kill -TERM $ppid; wait $ppid
	fired=$(sed -n "s/^$kind connections \([0-9]*\) fired \([0-9]*\)/\2 of \1/p" \
		"$T/proxy-$kind.out")
	sed -n 's/^bytes /# bytes /p' "$T/proxy-$kind.out"
	figures "proxy $kind" "$TRIALS" "$lost" "$doubled" \
		"$syncs syncs, $failed_syncs failed; fault fired on $fired connections"
done
n=$(sqlite3 "$T/agent/agent.db" "SELECT value FROM meta WHERE key = 'last_seq'")
check "the server holds every act once, seq 1..$n in order" export_check "$n"
[ "$TORTURE_BAD" -eq 0 ] || exit 1
finish
