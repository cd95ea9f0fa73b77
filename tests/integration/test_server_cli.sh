#!/usr/bin/env bash
# test_server_cli.sh: every command of doorstep-server answers --help on standard output with
# exit status 0 and nothing on standard error, as a Unix program does; -h and --help work
# before the command too, and bad usage exits 2 with the usage on standard error.
. "$(dirname "$0")/lib.sh"

for cmd in init check "office add" "courier add" enroll revoke import serve report \
	"export events" plan solve; do
	# shellcheck disable=SC2086
	"$SERVER" --data "$T/none" $cmd --help >"$T/out" 2>"$T/err"
	rc=$?
	check_eq "$cmd --help exits 0" 0 "$rc"
	if grep -q '^usage: doorstep-server' "$T/out" && [ ! -s "$T/err" ]; then
		ok "$cmd --help: usage on standard output only"
	else
		notok "$cmd --help: usage on standard output only (err: $(head -c 200 "$T/err"))"
	fi
done
for opt in -h --help; do
	"$SERVER" "$opt" >"$T/out" 2>"$T/err"
	check_eq "doorstep-server $opt exits 0" 0 "$?"
	check "doorstep-server $opt prints the usage" grep -q '^usage: doorstep-server' "$T/out"
done
"$SERVER" --data "$T/none" init extra >"$T/out" 2>"$T/err"
check_eq "init with an extra argument exits 2" 2 "$?"
check "... with the usage on standard error" grep -q '^usage: doorstep-server' "$T/err"
check "... and nothing on standard output" test ! -s "$T/out"
[ ! -e "$T/none" ] && ok "... and creates nothing" || notok "... and creates nothing"
"$SERVER" --no-such-option >"$T/out" 2>"$T/err"
check_eq "an unknown option exits 2" 2 "$?"
finish
