#!/bin/sh
# Find tide's build dependencies (librdkafka, libzstd, check, sqlite3 and
# hiredis through pkg-config; libcsv by header and library) and, with
# --test, the peers the tests run (kcat, python3-kafka, sqlite3, miller,
# mandoc, redis-server).  When something is missing and we run as root on
# Debian/Ubuntu, install it with apt-get; otherwise print the exact command
# and stop.
set -u

BUILD_PKGS="gcc make pkg-config librdkafka-dev libcsv-dev libzstd-dev check libsqlite3-dev libhiredis-dev"
TEST_PKGS="kcat python3-kafka sqlite3 miller mandoc gawk mawk jq redis-server clang time"

missing=""
need() { missing="$missing $1"; }

command -v pkg-config >/dev/null 2>&1 || need pkg-config
command -v cc >/dev/null 2>&1 || need gcc
if command -v pkg-config >/dev/null 2>&1; then
	pkg-config --exists rdkafka || need librdkafka-dev
	pkg-config --exists libzstd || need libzstd-dev
	pkg-config --exists check || need check
	pkg-config --exists sqlite3 || need libsqlite3-dev
	pkg-config --exists hiredis || need libhiredis-dev
fi
# libcsv ships no .pc file: look for the header and the library.
if ! printf '#include <csv.h>\nint main(void){struct csv_parser p; return csv_init(&p,0);}\n' |
    cc -x c -o /dev/null - -lcsv >/dev/null 2>&1; then
	need libcsv-dev
fi

if [ "${1:-}" = "--test" ]; then
	for c in kcat:kcat sqlite3:sqlite3 mlr:miller mandoc:mandoc gawk:gawk \
	    mawk:mawk jq:jq redis-server:redis-server clang:clang /usr/bin/time:time; do
		command -v "${c%%:*}" >/dev/null 2>&1 || need "${c#*:}"
	done
	/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || need python3-kafka
fi

[ -z "$missing" ] && exit 0

echo "tide: missing:$missing" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "tide: installing with apt-get:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q $missing >/dev/null 2>&1 ||
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $missing >/dev/null; } || {
		echo "tide: apt-get install failed; run: apt-get update && apt-get install -y$missing" >&2
		exit 1
	}
	exit 0
fi
echo "tide: install them first, e.g.: sudo apt-get install -y$missing" >&2
exit 1
