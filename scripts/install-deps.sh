#!/usr/bin/env bash
# install-deps.sh: installs the Debian 12 packages Doorstep needs to build, test and run.
# Called by `make demo` and `make test`; installs only what is missing and says what it installs.
set -eu
PKGS="build-essential pkg-config libsqlite3-dev sqlite3 libmbedtls-dev libjansson-dev libuv1-dev
libhttp-parser-dev libyajl-dev zlib1g-dev check libsubunit-dev libcurl4-openssl-dev libssl-dev
libgps-dev gpsd curl
python3 iproute2 procps libcsv-dev bsdextrautils openssl man-db groff-base mandoc"
# `make fuzz` also needs libFuzzer: install-deps.sh --fuzz adds clang and its runtime.
if [ "${1:-}" = "--fuzz" ]; then
	PKGS="$PKGS clang libclang-rt-14-dev"
fi
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
