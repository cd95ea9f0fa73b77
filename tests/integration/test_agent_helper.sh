#!/usr/bin/env bash
# test_agent_helper.sh: the agent's HTTPS helper, doorstep-agent-sync. It is found through
# DOORSTEP_LIBEXEC_DIR; when it is missing, enroll and sync say so clearly (exit 1) while
# acts are still recorded and kept, and the daemon keeps running. A helper that dies after
# the server stored a batch but before the agent read the reply loses nothing and doubles
# nothing: the agent keeps the batch and the next sync gets "duplicate" for it.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || skip_all "no doorstep-server"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
code=$("$SERVER" --data "$T/server" enroll --courier c1 | sed -n 's/^code: //p')

DOORSTEP_LIBEXEC_DIR=$T/none agent enroll --server "$URL" --pin "$PIN" --code "$code" \
	>/dev/null 2>"$T/enroll.err"
rc=$?
check "enroll without the helper exits 1 (exit $rc)" test $rc -eq 1
check "and says the helper is missing and where it looked" \
	grep -q \
	"doorstep-agent-sync is not installed (looked in $T/none, from DOORSTEP_LIBEXEC_DIR)" \
	"$T/enroll.err"
check "and stores no credential" test ! -e "$T/agent/credential"
check "enroll with DOORSTEP_LIBEXEC_DIR naming the build's helper" eval \
	'DOORSTEP_LIBEXEC_DIR=$BUILD/libexec agent enroll --server "$URL" --pin "$PIN" \
	 --code "$code" >/dev/null && agent sync >/dev/null'

export DOORSTEP_LIBEXEC_DIR=$T/none
check "an act is recorded without the helper" eval 'agent arrive 1 >/dev/null'
agent sync >/dev/null 2>"$T/sync.err"
rc=$?
check "sync without the helper exits 1 (exit $rc)" test $rc -eq 1
check "and says so, with the events kept" \
	grep -q "doorstep-agent-sync is not installed.*events kept: 1 waiting" "$T/sync.err"
check "sync --json reports status helper" eval \
	'agent sync --json 2>/dev/null | grep -q "\"status\":\"helper\""'
check "status keeps the event and the error" eval \
	'test "$(status_field waiting)" = 1 && status_field last_error | grep -q "not installed"'
agent config --set sync_backoff_max_s=1 >/dev/null
check "daemon started without the helper" daemon_start
check "the daemon says at start that syncs will fail" \
	grep -q "doorstep-agent-sync is not installed.*syncs will fail until it is installed" \
	"$T/daemon.err"
check "the daemon logs the missing helper" \
	wait_for 10 grep -q "sync failed: the sync helper doorstep-agent-sync is not installed" \
	"$T/daemon.err"
check "acts are still recorded while it runs" eval 'agent arrive 2 >/dev/null'
check "and it is still running" kill -0 "$DAEMON_PID"
daemon_stop
check "status shows both events waiting" test "$(status_field waiting)" = 2

# A helper that forwards the request to the real one but dies as the reply comes back: the
# server has stored the batch, the agent never hears of it. (The real helper ends with its
# parent, through PR_SET_PDEATHSIG.)
mkdir -p "$T/dying"
cat >"$T/dying/doorstep-agent-sync" <<SH
#!/bin/sh
"$BUILD/libexec/doorstep-agent-sync" | { head -c 1 >/dev/null; kill -KILL \$\$; }
SH
chmod 700 "$T/dying/doorstep-agent-sync"
DOORSTEP_LIBEXEC_DIR=$T/dying agent sync >/dev/null 2>"$T/dying.err"
rc=$?
check "a sync whose helper dies before the reply exits 3 (exit $rc)" test $rc -eq 3
check "and says the helper ended, events kept" \
	grep -q "the sync helper ended without answering.*events kept: 2 waiting" "$T/dying.err"
check "the server has the batch already" eval 'export_events | grep -c "\"uuid\"" | grep -qx 2'
unset DOORSTEP_LIBEXEC_DIR
agent sync --json >"$T/again.json" 2>&1
check "the next sync (helper from the build tree) gets duplicates" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if r["status"] == "ok" and r["pushed"] == 2 and r["duplicates"] == 2 else str(r))
' "$T/again.json"
check "nothing waits" test "$(status_field waiting)" = 0
check "the server holds 2 events, once each" export_check 2
finish
