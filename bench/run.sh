#!/usr/bin/env bash
# bench/run.sh: `make bench`. Server ingest through HTTPS POST /v1/sync (100-event gzip
# batches, 16 and 64 concurrent keep-alive clients) beside SQLite's raw batched insert rate
# of the same rows on this machine, then the agent's figures (bench/agent.sh). One run;
# figures are medians where stated. Targets: ingest >= 75% of raw; p99 <= 100 ms at 64.
# Each client count starts from an empty database, as the raw insert does; then 64 clients
# run again on the database the first 64 filled, beside a second raw pass into the raw one.
# A request's latency runs from when it can be written to its reply (as wrk counts it); the
# TLS set-up of the connections, all opened at once, is reported on its own lines.
set -u
cd "$(dirname "$0")/.."
export DOORSTEP_ROOT=$PWD
. tests/integration/lib.sh
# 100 batches a client: about 8 s at 64 clients, several checkpoints of the log, so the
# figures are the steady state's.
BATCHES=${BENCH_BATCHES:-100}

# fresh_server: a new data directory with 64 couriers of 300 appointments and a device each,
# served; then a short warm-up. Each measured run starts from an empty database, as the raw
# insert does, so the two compare the same rows into the same state.
fresh_server() {
	[ -z "${SRV_PID:-}" ] || stop_server
	rm -rf "$T/data"
	# The last run's writes go to disk now, not while the next one is measured.
	sync
	setup_server && start_server || { echo "bench: server did not start"; cat "$T/serve.err"; exit 1; }
	setup_load 64 300 || { echo "bench: load set-up failed"; exit 1; }
	"$BUILD/tools/loadgen" --url "$URL" --pin "$PIN" --creds "$T/creds" --clients 4 --batches 5 \
		--seed 1 >/dev/null
}
load() { "$BUILD/tools/loadgen" --url "$URL" --pin "$PIN" --creds "$T/creds" --clients "$1" \
	--batches "$BATCHES" --seed "$2"; }

echo "== server ingest (HTTPS POST /v1/sync, 100-event gzip batches, keep-alive) =="
fresh_server
r16=$(load 16 2)
fresh_server
r64=$(load 64 2)
# The same again on the database the first run filled: how the figures hold as it grows.
r64g=$(load 64 3)
stop_server
# The server's writes are flushed first, so the raw inserts' fsyncs do not wait behind them.
sync
mkdir -p "$T/raw" "$T/raw16"
raw16=$("$BUILD/tools/loadgen" --raw "$T/raw16" --creds "$T/creds" --clients 16 --batches "$BATCHES" --events 100 --seed 2)
raw=$("$BUILD/tools/loadgen" --raw "$T/raw" --creds "$T/creds" --clients 64 --batches "$BATCHES" --events 100 --seed 2)
rawg=$("$BUILD/tools/loadgen" --raw "$T/raw" --creds "$T/creds" --clients 64 --batches "$BATCHES" --events 100 --seed 3)
python3 - "$r16" "$r64" "$r64g" "$raw16" "$raw" "$rawg" <<'PY'
import json, sys
r16, r64, r64g, raw16, raw, rawg = (json.loads(x) for x in sys.argv[1:7])
held = r64["events"] + 2000
rows = [("empty", r16, raw16), ("empty", r64, raw), (f"{held/1e6:.2f}M ev", r64g, rawg)]
print(f"{'clients':>7} {'database':>10} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'warm p99':>8}"
      f" {'max ms':>7} {'vs raw':>6} {'errors':>6}")
for db, r, rw in rows:
    print(f"{r['clients']:>7} {db:>10} {r['events_per_s']:>9.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f}"
          f" {r['warm_p99_ms']:>8.1f} {r['max_ms']:>7.1f}"
          f" {100*r['events_per_s']/rw['rows_per_s']:>5.0f}% {r['errors']:>6}")
print("(latency of a request: from when it can be written to its reply, as wrk counts it;"
      " warm p99: without each client's first request)")
print("connection set-up (TCP + TLS handshake), all clients connecting at once:")
for db, r, rw in rows:
    print(f"  {r['clients']:>2} clients, database {db}: {r['connects']} handshakes, p50"
          f" {r['connect_p50_ms']:.1f} ms, max {r['connect_max_ms']:.1f} ms; p99 of requests"
          f" counting each handshake in its first request: {r['with_connect_p99_ms']:.1f} ms")
# Each client keeps one batch in flight and sends the next at once (a closed loop), so by
# Little's law the mean latency is clients x batch size / throughput, whatever the server does.
for db, r, rw in rows:
    print(f"closed loop (Little's law) at {r['clients']} clients, database {db}: mean latency = "
          f"{r['clients']} x {r['events_per_batch']} / {r['events_per_s']:.0f} ev/s = "
          f"{1000.0*r['clients']*r['events_per_batch']/r['events_per_s']:.1f} ms")
print(f"raw SQLite insert of the same rows (WAL, synchronous=FULL, 100 rows/txn): "
      f"{raw16['rows_per_s']:.0f} rows/s (16 clients' rows) and {raw['rows_per_s']:.0f} rows/s"
      f" (64 clients' rows) into an empty database, {rawg['rows_per_s']:.0f} rows/s into one"
      f" holding {raw['raw_rows']/1e6:.2f}M")
print("(the raw insert commits each 100-row batch with its own fsync; the server commits up to"
      " 8 batches a transaction and syncs the log beside the next one, so it can pass it)")
print(f"gzip request body: {r64['bytes_per_event']:.1f} bytes/event")
def met(ok):
    return "met" if ok else "NOT met"
empty_ok = all(r["events_per_s"] >= 0.75 * rw["rows_per_s"] for _, r, rw in rows[:2])
print(f"target ingest >= 75% of raw: {met(empty_ok)} from an empty database;"
      f" {met(r64g['events_per_s'] >= 0.75 * rawg['rows_per_s'])} on one holding {held/1e6:.2f}M events")
print(f"target p99 <= 100 ms at 64 clients, request latency: {met(r64['p99_ms'] <= 100)} from an"
      f" empty database ({r64['p99_ms']:.1f} ms); {met(r64g['p99_ms'] <= 100)} on one holding"
      f" {held/1e6:.2f}M events ({r64g['p99_ms']:.1f} ms)")
print(f"  the same p99 counting each client's TLS handshake in its first request:"
      f" {met(r64['with_connect_p99_ms'] <= 100)} from an empty database"
      f" ({r64['with_connect_p99_ms']:.1f} ms); {met(r64g['with_connect_p99_ms'] <= 100)} on the"
      f" filled one ({r64g['with_connect_p99_ms']:.1f} ms)")
PY
if [ -x bench/agent.sh ]; then
	echo
	echo "== agent =="
	bench/agent.sh
fi
