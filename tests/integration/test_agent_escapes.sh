#!/usr/bin/env bash
# test_agent_escapes.sh: names, addresses, phones and server messages that hold terminal
# escape sequences (a colour, an OSC 52 clipboard write, C1 controls) are printed without
# their control characters by `round`, `find` and `status`; --json keeps the exact text.
. "$(dirname "$0")/agent_lib.sh"
agent_init

server_wait_built 1 || skip_all "no doorstep-server"
round_csv >"$T/round.csv"
check "server set up and serving" eval 'server_setup "$T/round.csv" && server_start'
check "agent enrolled and synced" eval 'agent_enroll && agent sync >/dev/null'
DB=$T/agent/agent.db
esc=$(printf '\033')
osc52="${esc}]52;c;cm0gLXJmIH4=$(printf '\007')"
c1csi=$(printf '\302\2335m')            # U+009B CSI as UTF-8, then "5m"
sqlite3 "$DB" "UPDATE appointment SET citizen = 'Lê ${esc}[31mThị${esc}[0m Đào${osc52}',
	address = '45 Nguyễn Huệ${c1csi} P.2$(printf '\177\010')', phone = '0987${esc}(B654321'
	WHERE code = 'H15.50.05.13-261008-0002'"
sqlite3 "$DB" "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_error',
	'server says ${esc}]0;pwned$(printf '\007')hi')"

controls() { # true when $1 holds a C0 control other than newline/tab, DEL or a C1 control
	LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"
}
agent round >"$T/round.out"
check "round prints the stop" grep -q "Lê Thị Đào" "$T/round.out"
check "round prints no control characters" eval '! controls "$T/round.out"'
check "round keeps the address text" grep -q "45 Nguyễn Huệ P.2" "$T/round.out"
check "round drops the clipboard write's payload" eval '! grep -q "cm0gLXJmIH4=" "$T/round.out"'
agent find "dao" >"$T/find.out"
check "find prints the match" grep -q "Thị Đào" "$T/find.out"
check "find prints no control characters" eval '! controls "$T/find.out"'
agent status >"$T/status.out"
check "status prints the server's message" grep -q "server says hi" "$T/status.out"
check "status prints no control characters" eval '! controls "$T/status.out"'
agent round --json >"$T/round.json"
check "round --json keeps the exact name (escaped by JSON)" \
	python3 -c 'import json,sys
a = [x for x in json.load(open(sys.argv[1])) if x["code"].endswith("0002")][0]
sys.exit(0 if "\x1b[31m" in a["citizen"] and "\x1b]52;" in a["citizen"] else 1)' "$T/round.json"
finish
