#!/usr/bin/env bash
# test_agent_memory.sh: the daemon's memory budget (issue 3: RSS <= 4 MiB). libcurl and its
# TLS stack never enter the daemon: each sync runs in a short-lived child whose HTTPS helper
# (doorstep-agent-sync) keeps one connection for all its batches, and a daemon asked to stop
# mid-sync stops that child and its helper too.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || bail "doorstep-server is built and initialises"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
check "gpsd started" gpsd_start
# Keep-alive within a sync: 30 events in batches of 7 are 5 requests over one connection.
agent config --set batch_max=7 >/dev/null
server_stop
for i in $(seq 1 30); do agent arrive $(( (i % 3) + 1 )) >/dev/null; done
server_start
agent sync --json >"$T/sync.json" 2>"$T/sync.err"
check "a 5-batch sync uses one connection (keep-alive)" python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
sys.exit(0 if r["status"] == "ok" and r["requests"] == 5 and r["connections"] == 1 else str(r))
' "$T/sync.json"

agent config --set connect_timeout_ms=500 >/dev/null
agent config --set sync_backoff_max_s=1 >/dev/null
check "daemon started" daemon_start
check "daemon connected to gpsd" wait_status 5 gpsd '!unreachable'
replay cao-lanh-round.nmea 0 300 200
for i in 1 2 3 4 5 6; do agent arrive $(( (i % 3) + 1 )) >/dev/null; done
check "the daemon syncs the acts" wait_status 10 waiting 0
replay cao-lanh-round.nmea 300 300 200

maps=/proc/$DAEMON_PID/maps
check "the daemon never maps libcurl or a TLS library" \
	eval '! grep -Eq "libcurl|libssl|libcrypto|libgnutls|libnghttp2" "$maps"'
check "the daemon ran its syncs in child processes" \
	grep -q "sync process [0-9]*: exit 0" "$T/daemon.err"
# The memory figure itself is a benchmark (`make bench`), not a test: page-fault behaviour
# varies between machines. What is checked here is what keeps it small: in the product
# build (static libraries, no sanitizer) the daemon maps no shared library but libc, libm
# and the loader.
if grep -Eq "libasan|libsqlite3" "$maps"; then
	ok "# SKIP shared-library check (sanitizer or dynamic build)"
else
	libs=$(grep -o '[^/ ]*\.so[.0-9]*$' "$maps" | sort -u | grep -Ev \
		'^(ld-linux[^ ]*|libc\.so\.6|libm\.so\.6)$' | tr '\n' ' ')
	check "the daemon maps only libc, libm and the loader (others: '$libs')" test -z "$libs"
fi

# The daemon's sync process keeps one connection for its batches too.
server_stop
for i in $(seq 1 15); do agent arrive $(( (i % 3) + 1 )) >/dev/null; done
server_start
check "the daemon catches up once the server is back" wait_status 15 waiting 0
check "in one sync process: 3 requests over one connection" \
	grep -q "sync process [0-9]*: exit 0, 3 requests over 1 connections" "$T/daemon.err"

# A sync stuck in the TLS handshake (a listener that never answers), then SIGTERM: the daemon
# stops its sync process and exits 0 at once, leaving no child behind. The connect timeout is
# long, so only the signal can end the sync quickly (each sync process reads the config).
server_stop
agent config --set connect_timeout_ms=20000 >/dev/null
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); c=[]
while True: c.append(s.accept())' "$SERVER_PORT" &
track $!
sleep 0.3
agent arrive 1 >/dev/null
child=""
for i in $(seq 1 40); do
	child=$(pgrep -P "$DAEMON_PID" | head -1)
	[ -n "$child" ] && break
	sleep 0.05
done
check "a sync process runs (pid ${child:-none})" test -n "$child"
helper=""
for i in $(seq 1 40); do
	helper=$(pgrep -P "${child:-1}" -f doorstep-agent-sync | head -1)
	[ -n "$helper" ] && break
	sleep 0.05
done
check "it does its HTTPS in the helper (pid ${helper:-none})" test -n "$helper"
check "the helper maps libcurl, the sync process does not" eval \
	'grep -q libcurl "/proc/$helper/maps" && ! grep -q libcurl "/proc/$child/maps"'
# Regression: libgps left the gpsd socket inheritable, so a sync process held the daemon's
# gpsd connection. The child shares no socket, lock or FIFO with the daemon.
own=$(ls -l "/proc/$DAEMON_PID/fd" | grep -oE "socket:\[[0-9]+\]|daemon.lock|poke")
theirs=$(ls -l "/proc/$child/fd" 2>/dev/null)
check "the sync process inherits none of the daemon's descriptors" eval \
	'(for x in $own; do echo "$theirs" | grep -qF "$x" && exit 1; done; test -n "$own")'
start=$(date +%s%N)
daemon_stop
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
# Under 2 s: the child gave up on SIGTERM, not on the SIGKILL that follows after 3 s.
check "daemon stopped mid-sync exits 0 (exit $rc) within 2 s (${ms} ms)" \
	eval 'test $rc -eq 0 && test $ms -lt 2000'
check "and its sync process is gone" eval '! kill -0 "$child" 2>/dev/null'
check "and so is the helper" eval '! kill -0 "$helper" 2>/dev/null'
check "the act is kept for the next sync" test "$(status_field waiting)" -ge 1

# Regression: `sync` ignored SIGTERM and SIGINT until its request timed out (30 s here).
"$AGENT" --data "$T/agent" sync >/dev/null 2>"$T/stuck.err" &
pid=$!
sleep 0.5
start=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "sync interrupted mid-request gives up at once (exit $rc, ${ms} ms)" \
	eval 'test $rc -eq 3 && test $ms -lt 2000'
check "and keeps the events" grep -q "events kept: [1-9][0-9]* waiting" "$T/stuck.err"
finish
