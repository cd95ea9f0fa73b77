#!/usr/bin/env bash
# test_fault_disk_server.sh: doorstep-server when the disk fills (its data folder on a small
# tmpfs, mounted in a mount namespace of the test's own): an import larger than the room
# left is refused with a message that says the disk is full, the database is left as it was
# and passes its integrity check, and the same import succeeds once there is room.
. "$(dirname "$0")/lib.sh"

srv init >/dev/null && srv office add --id cl --name "Bưu điện Cao Lãnh" --lat 10.4565 \
	--lon 105.6345 >/dev/null && srv courier add --id c1 --name "Trần Văn Bình" --office cl \
	>/dev/null || { notok "server set-up"; finish; }
# 4,000 appointments: a few megabytes of database, far past the limit below.
python3 - "$T/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("code,kind,citizen,phone,address,lat,lon,window_start,window_end,service_min,"
            "office,due,courier\n")
    for i in range(1, 4001):
        f.write(f"H15.50.05.13-261126-{i:04d},deliver,Nguyễn Văn An {i},0912345678,"
                f"\"{i} Lý Thường Kiệt, Phường 1, Cao Lãnh\",10.47,105.64,"
                "2026-11-26T08:00:00+07:00,2026-11-26T09:00:00+07:00,10,cl,"
                "2026-12-03T17:00:00+07:00,c1\n")
PY
size_kib=$(( $(du -sk "$T/data" | cut -f1) + 192 ))
# Everything that needs the small disk runs in one private mount namespace; its findings
# come back in files.
unshare -rm bash -s "$SERVER" "$T" "$size_kib" <<'SH' >"$T/ns.out" 2>&1
set -u
SERVER=$1 T=$2 KIB=$3
mkdir -p "$T/small"
mount -t tmpfs -o "size=${KIB}k" tmpfs "$T/small" || { echo "mount failed"; exit 1; }
cp -a "$T/data" "$T/small/data"
q() { sqlite3 -readonly "$T/small/data/doorstep.db" "$1"; }
"$SERVER" --data "$T/small/data" import "$T/big.csv" >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
q 'SELECT count(*) FROM appointments' >"$T/held"
q 'PRAGMA integrity_check' >"$T/integrity"
mount -o remount,size=64m "$T/small"
"$SERVER" --data "$T/small/data" import "$T/big.csv" >/dev/null 2>"$T/err2"
echo $? >"$T/rc2"
q 'SELECT count(*) FROM appointments' >"$T/held2"
SH
check_eq "a small disk of ${size_kib} KiB is mounted for the data" "" "$(cat "$T/ns.out")"
check_eq "an import past the room left exits 1" 1 "$(cat "$T/rc" 2>/dev/null)"
if grep -qiE 'disk (is )?full' "$T/err"; then
	ok "and says the disk is full"
else
	notok "and says the disk is full (said: $(head -c 300 "$T/err" 2>/dev/null))"
fi
check_eq "nothing of it was imported" 0 "$(cat "$T/held" 2>/dev/null)"
check_eq "the database passes its integrity check" ok "$(cat "$T/integrity" 2>/dev/null)"
check_eq "the same import succeeds once there is room" 0 "$(cat "$T/rc2" 2>/dev/null)"
check_eq "and holds every row" 4000 "$(cat "$T/held2" 2>/dev/null)"
finish
