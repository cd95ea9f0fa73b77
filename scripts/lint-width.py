#!/usr/bin/env python3
"""lint-width.py: fails on a line of C source (and the project's shell, Python and make files)
wider than 100 columns, a tab counting to the next multiple of 8 and a UTF-8 character as one
column. The integration scripts are left out: they carry data rows (CSV, SQL, shell code run
by eval) that are clearer whole. Prints each such line as FILE:LINE: WIDTH and exits 1 when
there is any."""
import os
import subprocess
import sys

WIDTH_MAX = 100
SUFFIXES = (".c", ".h", ".sh", ".mk", ".py")


def width(line):
    return len(line.rstrip("\n").expandtabs(8))


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    files = subprocess.run(["git", "-C", top, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    bad = 0
    for name in files:
        if not (name.endswith(SUFFIXES) or os.path.basename(name) == "Makefile"):
            continue
        if name.startswith(("data/", "tests/data/", "tests/fuzz/corpus/", "tests/integration/")):
            continue
        try:
            with open(os.path.join(top, name), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    w = width(line)
                    if w > WIDTH_MAX:
                        print(f"lint-width: {name}:{n}: {w} columns")
                        bad += 1
        except (UnicodeDecodeError, FileNotFoundError):
            continue
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
