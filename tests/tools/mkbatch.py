#!/usr/bin/env python3
"""mkbatch.py: writes a /v1/sync request body (docs/PROTOCOL.md) for tests and benchmarks.

Events are deterministic: the same --seed and --seq give the same UUIDs and content, so a
test can re-send a batch, or change one field (--lat-shift) to make a conflicting duplicate.
"""
import argparse
import json
import sys
import uuid

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--seed", default="t", help="makes the UUIDs (same seed+seq = same UUID)")
p.add_argument("--seq", type=int, default=1, help="first sequence number")
p.add_argument("--count", type=int, default=1)
p.add_argument("--appt", default="H15.50.05.13-261126-0001", help="comma-separated codes, cycled")
p.add_argument("--type", default="arrive", help="comma-separated types, cycled")
p.add_argument("--at", default="2026-11-26T01:05:00",
               help="UTC time of the first event (+1 s each)")
p.add_argument("--cursor", type=int, default=None)
p.add_argument("--lat-shift", type=float, default=0.0, help="changes the content, not the identity")
p.add_argument("--no-gps", action="store_true")
a = p.parse_args()

codes = a.appt.split(",")
types = a.type.split(",")
h, m, s = (int(x) for x in a.at.split("T")[1].split(":"))
day = a.at.split("T")[0]
events = []
for i in range(a.count):
    seq = a.seq + i
    t = h * 3600 + m * 60 + s + i
    ev = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"doorstep-test/{a.seed}/{seq}")),
        "seq": seq,
        "type": types[i % len(types)],
        "appointment": codes[i % len(codes)],
        "recorded_at": f"{day}T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}Z",
        "gps": {"source": "none"} if a.no_gps else {
            "source": "live", "lat": round(10.4748 + a.lat_shift + i * 1e-6, 7),
            "lon": 105.6412, "accuracy_m": 12.5, "mode": 3, "sats": 9, "fix_age_s": 0.4,
            "dist_m": 3.1},
    }
    if ev["type"] == "fail":
        ev["reason"] = "not-home"
        ev["note"] = "gọi điện không nghe máy"
    if ev["type"] == "deliver":
        ev["recipient"] = "Nguyễn Văn An"
        ev["relation"] = "self"
        ev["id_last4"] = "1234"
    if ev["type"] == "collect":
        ev["documents"] = 3
        ev["fee_vnd"] = 26000
    events.append(ev)
body = {"v": 1, "events": events}
if a.cursor is not None:
    body["cursor"] = a.cursor
json.dump(body, sys.stdout, ensure_ascii=False, separators=(",", ":"))
