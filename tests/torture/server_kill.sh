#!/usr/bin/env bash
# server_kill.sh [TRIALS]: kill -9 of the server while it ingests. Each trial restarts the
# server, starts tests/tools/loadgen (4 devices, batches of 20 events, each acknowledged
# batch's uuids written down at once), and kills the server after a random 20-320 ms.
# After the restart that follows, the database must hold every acknowledged event, and no
# event (uuid, or device and sequence number) twice.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/torture_lib.sh"
TRIALS=${1:-3}

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; finish; }
setup_load 4 40 || { notok "load set-up"; finish; }

: >"$T/acked"
lost=0; doubled=0; killed_mid=0; restart_failed=0
for trial in $(seq 1 "$TRIALS"); do
	rm -f "$T/ready"
	# Seed N continues every device's sequence where seed N-1 ended.
	timeout 60 "$BUILD/tools/loadgen" --url "$URL" --pin "$PIN" --creds "$T/creds" \
		--clients 4 --batches 100 --events 20 --seed "$trial" --acked "$T/acked" \
		--ready "$T/ready" >/dev/null 2>"$T/lg.err" &
	lg=$!
	for i in $(seq 1 200); do [ -e "$T/ready" ] && break; sleep 0.02; done
	printf -v delay '0.%03d' $((20 + RANDOM % 300))
	sleep "$delay"
	kill -KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	wait "$lg"
	# A trial that killed the server before the load ended has fewer acknowledgements than
	# the load's 4 x 100 x 20 events.
	now=$(wc -l <"$T/acked")
	[ $((now - ${before:-0})) -lt 8000 ] && killed_mid=$((killed_mid + 1))
	before=$now
	t0=$(date +%s%N)
	start_server
	started=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$ms" -gt 2000 ] && echo "# trial $trial: the restart took $ms ms"
	if [ $started -ne 0 ]; then
		# Say how it ended, keep the data for a post-mortem, and try once more.
		restart_failed=$((restart_failed + 1))
		running "$SRV_PID" && kill -KILL "$SRV_PID"
		wait "$SRV_PID"
		echo "# trial $trial: the server did not start after kill -9 (exit $?)"
		sed 's/^/# out: /' "$T/serve.out"
		keep=$(mktemp -d "${TMPDIR:-/tmp}/server-kill-failed.XXXXXX")
		cp -a "$T/data" "$keep/" && echo "# data kept in $keep"
		start_server || { notok "trial $trial: a second start fails too"; break; }
	fi
	sort -u "$T/acked" >"$T/acked.sorted"
	sql 'SELECT uuid FROM events' | sort >"$T/stored"
	l=$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)
	d=$(sql "SELECT (SELECT count(*) - count(DISTINCT uuid) FROM events) +
	                (SELECT count(*) - count(DISTINCT device_id || '/' || seq) FROM events)")
	if [ "$l" -ne 0 ] || [ "$d" != 0 ]; then
		notok "trial $trial: $l of $(wc -l <"$T/acked.sorted") acknowledged events lost," \
			"$d doubled"
		lost=$((lost + l)); doubled=$((doubled + ${d:-1}))
	fi
done
figures "server kill -9 while ingesting" "$trial" "$lost" "$doubled" \
	"$(wc -l <"$T/acked.sorted") events acknowledged, killed mid-load in $killed_mid"
check_eq "the server started again after each of $trial kills" 0 "$restart_failed"
check_eq "database integrity after $trial kills" ok "$(sql 'PRAGMA integrity_check')"
[ "$TORTURE_BAD" -eq 0 ] || exit 1
finish
