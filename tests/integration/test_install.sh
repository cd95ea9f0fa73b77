#!/usr/bin/env bash
# test_install.sh: `make install` into a staging root (DESTDIR, PREFIX=/usr) puts every
# program `make all` built, the man pages and the sample configurations in place, with the
# right modes and nothing else; the installed agent runs; each installed man page renders
# without a warning and documents every command, option and setting the programs list; and
# `make uninstall` with the same variables removes exactly what install put. A second,
# staged build tree with two helpers in libexec checks that every helper is installed and
# that uninstall still removes them once that build tree is gone.
MK_BUILD=${BUILD:-build}
. "$(dirname "$0")/lib.sh"

D="$T/root"
AGENT_I="$D/usr/bin/doorstep-agent"
MAN_ENV=(env LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80)

# The build tree's own flags: a sanitizer tree is installed as it was built (make
# check-asan), not relinked without the sanitizers.
SAN_ARGS=()
if nm "$BUILD/bin/doorstep-server" 2>/dev/null | grep -q '__asan_init'; then
	SAN_ARGS=(SAN=1 "CFLAGS=-O1 -g")
fi

# mk ARGS...: make in the source tree, apart from any make this test runs under.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" \
		"${SAN_ARGS[@]}" "$@"
}

# installed_ok DESC SRC DST MODE: DST is a copy of SRC with mode MODE.
installed_ok() {
	if [ -f "$3" ] && cmp -s "$2" "$3" && [ "$(stat -c %a "$3")" = "$4" ]; then
		ok "$1"
	else
		notok "$1 ($3: $(stat -c %a "$3" 2>&1))"
	fi
}

# expected_files: the files install must put under $D, one a line, sorted.
expected_files() {
	local f m
	for f in "$BUILD"/bin/*; do echo "$D/usr/bin/${f##*/}"; done
	for f in "$BUILD"/libexec/*; do [ -f "$f" ] && echo "$D/usr/libexec/doorstep/${f##*/}"; done
	for m in "$ROOT"/man/*.[158]; do echo "$D/usr/share/man/man${m##*.}/${m##*/}"; done
	echo "$D/etc/doorstep/doorstep.conf.sample"
	echo "$D/etc/doorstep/agent.conf.sample"
	echo "$D/usr/bin/someone-else"
}

mkdir -p "$D/usr/bin"
echo "not Doorstep's" >"$D/usr/bin/someone-else"
check "make install DESTDIR=... PREFIX=/usr succeeds" \
	mk install BUILD="$MK_BUILD" DESTDIR="$D" PREFIX=/usr
expected_files | sort >"$T/expected"
find "$D" -type f -o -type l | sort >"$T/installed"
check_eq "exactly the expected files are installed" "$(cat "$T/expected")" "$(cat "$T/installed")"
n=$(ls "$BUILD"/bin | wc -l)
check "both programs are among what make all built ($n in bin/)" \
	test -x "$BUILD/bin/doorstep-server" -a -x "$BUILD/bin/doorstep-agent"

for f in "$BUILD"/bin/*; do
	installed_ok "bin/${f##*/} installed 0755" "$f" "$D/usr/bin/${f##*/}" 755
done
for f in "$BUILD"/libexec/*; do
	[ -f "$f" ] || continue
	installed_ok "libexec/${f##*/} installed 0755" "$f" "$D/usr/libexec/doorstep/${f##*/}" 755
done
for m in "$ROOT"/man/*.[158]; do
	installed_ok "man page ${m##*/} installed 0644" "$m" \
		"$D/usr/share/man/man${m##*.}/${m##*/}" 644
done
check_eq "the samples are 0644" "644 644" \
	"$(stat -c %a "$D/etc/doorstep/doorstep.conf.sample" "$D/etc/doorstep/agent.conf.sample" | \
	xargs)"

# The installed agent runs, on a data dir of its own, against nothing.
A="$T/agent"
port=$(free_port)
"$AGENT_I" --help >"$T/help.out" 2>&1
check_eq "installed agent: --help exits 0" 0 $?
check "installed agent: --help lists the commands" grep -q "^  enroll --server URL" "$T/help.out"
check "installed agent: --version" eval '"$AGENT_I" --version | grep -q "^doorstep-agent "'
"$AGENT_I" --data "$A" config --sample >"$T/sample.out"
check_eq "installed agent: config --sample exits 0" 0 $?
check "the installed agent sample is config --sample's output" \
	cmp -s "$T/sample.out" "$D/etc/doorstep/agent.conf.sample"
check "the installed server sample is the commented file init writes" \
	eval 'grep -q "^# Doorstep server settings" "$D/etc/doorstep/doorstep.conf.sample" &&
	      ! grep -qv "^#\|^$" "$D/etc/doorstep/doorstep.conf.sample"'
PIN="sha256//$(head -c 32 /dev/urandom | base64)"
"$AGENT_I" --data "$A" enroll --server "https://127.0.0.1:$port" --pin "$PIN" \
	--code ABCD-EFGH-JKLM >"$T/enroll.out" 2>&1
rc=$?
check_eq "installed agent: enroll against nothing exits 3 (unreachable)" 3 $rc
check "with a clear message" grep -q "enrolment failed: server unreachable" "$T/enroll.out"
"$AGENT_I" --data "$A" --gpsd "127.0.0.1:$port" status >"$T/status.out" 2>&1
check_eq "installed agent: status exits 0" 0 $?
check "status says not enrolled and gpsd unreachable" \
	eval \
	'grep -q "^enrolled: no" "$T/status.out" && grep -q "^gpsd: unreachable" "$T/status.out"'
"$AGENT_I" --data "$A" sync >"$T/sync.out" 2>&1
check_eq "installed agent: sync when not enrolled exits 2" 2 $?
check "with a clear message" grep -q "not enrolled: run .doorstep-agent enroll" "$T/sync.out"

# Each installed page renders through man(1) with warnings on, and mandoc finds nothing of
# warning level or worse.
for p in "$D"/usr/share/man/man*/*; do
	"${MAN_ENV[@]}" man --warnings -E UTF-8 -l -Tutf8 "$p" >"$T/man.out" 2>"$T/man.err"
	rc=$?
	check_eq "man -l ${p##*/} renders without warnings" "0:" "$rc:$(cat "$T/man.err")"
	check "${p##*/} renders to text" test -s "$T/man.out"
	mandoc -T lint -W warning "$p" >"$T/lint.out" 2>&1
	check_eq "mandoc -T lint -W warning ${p##*/}" "" "$(cat "$T/lint.out")"
done

# documented PAGE WORD...: each WORD is a tagged item (.It Cm WORD / .It Fl -WORD ..., or
# the same on the line after .It Xo) or at least an option (Fl -WORD) in PAGE. Reports the
# ones missing.
documented() {
	local page=$1 missing="" w; shift
	sed '/^\.It Xo$/{N;s/Xo\n\.//}' "$page" >"$T/page"
	for w in "$@"; do
		grep -qE "^\.It (Cm|Fl|Ev) $w( |$)|Fl $w( |$)" "$T/page" || missing="$missing $w"
	done
	check_eq "${page##*/} documents everything the program lists" "" "$missing"
}
M="$D/usr/share/man"
S="$D/usr/bin/doorstep-server"
srv_help=$({ "$S" --help; for c in init check office courier enroll revoke import serve plan \
	report export solve; do "$S" "$c" --help; done; "$S" office add --help;
	"$S" courier add --help; "$S" export events --help; } 2>&1)
documented "$M/man8/doorstep-server.8" \
	$("$S" --help | sed -n 's/^  \([a-z]*\).*/\1/p') \
	$(printf '%s\n' "$srv_help" | grep -oE -- '--[a-z0-9-]+' | sed 's/^-//' | sort -u)
documented "$M/man5/doorstep.conf.5" \
	$("$S" serve --help | sed -n 's/^  \([a-z_]*\) .*default.*/\1/p')
documented "$M/man1/doorstep-agent.1" \
	$("$AGENT_I" --help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort -u) \
	$("$AGENT_I" --help | grep -oE -- '--[a-z0-9-]+' | sed 's/^-//' | sort -u)
documented "$M/man5/doorstep-agent.conf.5" \
	$(sed -n 's/^#\([a-z_]*\) = .*/\1/p' "$D/etc/doorstep/agent.conf.sample")
check "the agent page names the environment the agent reads" \
	eval 'for v in $(grep -ho "getenv(\"[A-Z_]*\")" "$ROOT"/agent/*.c | cut -d\" -f2); do
	      grep -q "^\.It Ev $v$" "$M/man1/doorstep-agent.1" || exit 1; done'

check "make uninstall with the same variables succeeds" \
	mk uninstall BUILD="$MK_BUILD" DESTDIR="$D" PREFIX=/usr
check_eq "uninstall leaves only the file that was not Doorstep's" "$D/usr/bin/someone-else" \
	"$(find "$D" -type f -o -type l)"
check "and removes Doorstep's own directories" \
	test ! -e "$D/usr/libexec/doorstep" -a ! -e "$D/etc/doorstep"

# A staged build tree whose libexec holds two helpers: -o keeps make from rebuilding the
# copied programs, so the install rule itself is what is tested.
B="$T/build"
mkdir -p "$B/bin" "$B/libexec"
cp "$BUILD/bin/doorstep-server" "$BUILD/bin/doorstep-agent" "$B/bin/"
printf '#!/bin/sh\nexit 0\n' >"$B/libexec/doorstep-agent-sync"
printf '#!/bin/sh\nexit 0\n' >"$B/libexec/doorstep-helper-two"
chmod 0700 "$B/libexec/doorstep-agent-sync" "$B/libexec/doorstep-helper-two"
echo "not a program" >"$B/libexec/README"
D2="$T/root2"
STAGED=(BUILD="$B" DESTDIR="$D2" PREFIX=/opt/ds LIBEXECDIR=/opt/ds/lib/helpers
	-o "$B/bin/doorstep-server" -o "$B/bin/doorstep-agent")
check "install from a build tree with helpers in libexec" mk install "${STAGED[@]}"
for h in doorstep-agent-sync doorstep-helper-two; do
	installed_ok "helper $h installed 0755 into LIBEXECDIR" "$B/libexec/$h" \
		"$D2/opt/ds/lib/helpers/$h" 755
done
check "a file in libexec that is not a program is left out" \
	test ! -e "$D2/opt/ds/lib/helpers/README"
check "PREFIX=/opt/ds puts the samples in /opt/ds/etc/doorstep" \
	test -f "$D2/opt/ds/etc/doorstep/agent.conf.sample"
rm -rf "$B/libexec"
check "uninstall after the build tree's helpers are gone succeeds" mk uninstall "${STAGED[@]}"
check_eq "and leaves no file behind" "" "$(find "$D2" -type f -o -type l)"
finish
