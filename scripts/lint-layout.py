#!/usr/bin/env python3
"""lint-layout.py: checks that includes follow the layers (docs/DESIGN.md).

A module is a .c/.h pair; module A depends on module B when a file of A includes B's header.
The check fails on: a cycle between modules; an include from route/ into server/ or agent/;
an include from shared/ into server/, agent/ or route/; an include between the two programs;
an include from a server layer (server/net/, server/db/) up into the service (server/*.h), or
from server/net/ into server/db/. The server's one logging module (server/log) is below every
server layer, so each may include it. Prints one line per fault and exits 1 when there is any.
"""
import os
import re
import sys

ROOTS = ("shared", "route", "server", "agent")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(top):
    for root in ROOTS:
        for d, _, files in os.walk(os.path.join(top, root)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), top)


def resolve(top, name):
    """The project path of an include NAME: shared/ is on the include path, the rest is
    named from the top of the tree. None for a name that is not the project's."""
    for cand in (name, os.path.join("shared", name)):
        if os.path.exists(os.path.join(top, cand)):
            return cand
    return None


# Modules every layer of their program may include.
BASE = {"server/log.h"}


def layer(path):
    parts = path.split("/")
    if parts[0] == "server" and len(parts) > 2:
        return "server/" + parts[1]
    return parts[0]


FORBIDDEN = {
    "route": ("server", "server/net", "server/db", "agent"),
    "shared": ("server", "server/net", "server/db", "agent", "route"),
    "agent": ("server", "server/net", "server/db", "route"),
    "server/net": ("server", "server/db", "agent", "route"),
    "server/db": ("server", "server/net", "agent", "route"),
    "server": ("agent",),
}


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = n[0]; n[0] += 1; stack.append(start); on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]; n[0] += 1; stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    faults, graph = [], {}
    for path in sorted(sources(top)):
        mod = os.path.splitext(path)[0]
        graph.setdefault(mod, set())
        with open(os.path.join(top, path), encoding="utf-8") as f:
            text = f.read()
        for name in INCLUDE.findall(text):
            dep = resolve(top, name)
            if dep is None:
                continue
            dmod = os.path.splitext(dep)[0]
            if dmod != mod:
                graph[mod].add(dmod)
            if dep not in BASE and layer(dep) in FORBIDDEN.get(layer(path), ()):
                faults.append(f"{path}: includes {dep} ({layer(path)} may not depend on "
                              f"{layer(dep)})")
    for comp in cycles(graph):
        faults.append("include cycle between modules: " + " <-> ".join(comp))
    for line in faults:
        print("lint-layout: " + line)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
