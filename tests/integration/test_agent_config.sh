#!/usr/bin/env bash
# test_agent_config.sh: `config --set` saves only the setting it names: a one-run override
# (--gpsd, --log-level) given on the same command line is not written to agent.conf.
. "$(dirname "$0")/agent_lib.sh"
agent_init

A=("$AGENT" --data "$T/agent")
"${A[@]}" config --set gpsd=127.0.0.1:2947 >/dev/null
"${A[@]}" --gpsd 10.9.9.9:1234 --log-level debug config --set batch_max=7 >/dev/null
check "config --set exits 0" test $? -eq 0
conf=$T/agent/agent.conf
check "the named setting is saved" grep -Eq '^batch_max *= *7' "$conf"
check "the one-run --gpsd is not saved" eval '! grep -q 10.9.9.9 "$conf"'
check "the saved gpsd is kept" grep -q '127.0.0.1:2947' "$conf"
check "the one-run --log-level is not saved" eval '! grep -Eq "^diag_level *= *debug" "$conf"'
check "the override still applies to this run" \
	eval '"${A[@]}" --gpsd 10.9.9.9:1234 config | grep -q 10.9.9.9'
finish
