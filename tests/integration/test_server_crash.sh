#!/usr/bin/env bash
# test_server_crash.sh: kill -9 of the server while 8 clients push batches. Every event the
# server acknowledged (HTTP 200) before it died must be there after a restart, exactly once.
. "$(dirname "$0")/lib.sh"

setup_server || { notok "server set-up"; finish; }
start_server || { notok "server starts"; finish; }
setup_load 8 40 || { notok "load set-up"; finish; }
ok "8 devices enrolled"

for round in 1 2 3; do
	"$BUILD/tools/loadgen" --url "$URL" --pin "$PIN" --creds "$T/creds" --clients 8 \
		--batches 400 --events 50 --seed "$round" --acked "$T/acked" --ready \
		"$T/ready$round" >/dev/null 2>"$T/lg.err" &
	LG=$!
	PIDS="$PIDS $LG"
	for i in $(seq 1 200); do [ -e "$T/ready$round" ] && break; sleep 0.05; done
	sleep "0.$((RANDOM % 5 + 3))"
	kill -KILL "$SRV_PID"
	wait "$SRV_PID" 2>/dev/null
	wait "$LG" 2>/dev/null
	sort -u "$T/acked" >"$T/acked.sorted"
	new=$(( $(wc -l <"$T/acked.sorted") - ${prev:-0} )); prev=$(wc -l <"$T/acked.sorted")
	if [ "$new" -gt 0 ]; then ok "round $round: $new events acknowledged before the kill"; \
		else notok "round $round: nothing acknowledged before the kill"; fi
	start_server || { notok "server restarts after kill -9 (round $round)"; finish; }
	sql 'SELECT uuid FROM events' | sort >"$T/stored"
	missing=$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)
	acked=$(wc -l <"$T/acked.sorted")
	if [ "$acked" -gt 0 ] && [ "$missing" -eq 0 ]; then
		ok "round $round: all $acked acknowledged events survived kill -9"
	else
		notok "round $round: $missing of $acked acknowledged events missing"
	fi
	check_eq "round $round: no event stored twice" 0 \
		"$(sql 'SELECT count(*) - count(DISTINCT uuid) FROM events')"
	check_eq "round $round: database integrity" ok "$(sql 'PRAGMA integrity_check')"
done

# SIGTERM under load: requests in flight are answered, the server exits 0, and everything it
# acknowledged is there.
"$BUILD/tools/loadgen" --url "$URL" --pin "$PIN" --creds "$T/creds" --clients 8 \
	--batches 400 --events 50 --seed 4 --acked "$T/acked" --ready "$T/ready4" >/dev/null \
	2>"$T/lg.err" &
LG=$!
PIDS="$PIDS $LG"
for i in $(seq 1 200); do [ -e "$T/ready4" ] && break; sleep 0.05; done
sleep 0.5
kill -TERM "$SRV_PID"
wait "$SRV_PID"
check_eq "SIGTERM under load: exit status 0" 0 $?
wait "$LG" 2>/dev/null
sort -u "$T/acked" >"$T/acked.sorted"
sql 'SELECT uuid FROM events' | sort >"$T/stored"
check_eq "SIGTERM under load: every acknowledged event stored" 0 \
	"$(comm -23 "$T/acked.sorted" "$T/stored" | wc -l)"
finish
