#!/usr/bin/env bash
# test_server_init.sh: `init` makes a private data folder: a new one is made 0700, and an
# existing one (as an administrator may have made it, 0755) is set to 0700 and said so;
# a path that is not a folder is refused.
. "$(dirname "$0")/lib.sh"

srv init >"$T/new.out" 2>&1
check_eq "new folder: 0700" 700 "$(stat -c %a "$T/data")"

mkdir -m 0755 "$T/existing"
"$SERVER" --data "$T/existing" init >"$T/existing.out" 2>&1
check_eq "existing 0755 folder: init succeeds" 0 $?
check_eq "existing 0755 folder: made 0700" 700 "$(stat -c %a "$T/existing")"
check "existing folder: init says it changed the mode" grep -q 'was mode 0755: set to 0700' \
	"$T/existing.out"
check_eq "the data key inside is 0600" 600 "$(stat -c %a "$T/existing/data.key")"

: >"$T/afile"
"$SERVER" --data "$T/afile" init >"$T/afile.out" 2>&1
check_eq "a file, not a folder: refused" 1 $?
check "a file, not a folder: says so" grep -q 'not a folder' "$T/afile.out"
ln -s "$T/existing" "$T/link"
"$SERVER" --data "$T/link" init >"$T/link.out" 2>&1
check_eq "a symbolic link: refused" 1 $?
finish
