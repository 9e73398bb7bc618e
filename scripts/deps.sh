#!/bin/sh
# What tide needs, found before anything is compiled, and installed when we
# can.  Run by make on every build (nothing caches "done": a package removed
# since the last run is missing again).
#
#   deps.sh          the build: compiler, make, pkg-config and the libraries
#   deps.sh --demo   the build and what examples/demo.sh calls
#   deps.sh --test   the build and every tool a test calls (make test)
#
# On Debian and Ubuntu the answer comes from dpkg's own database
# (dpkg-query is part of dpkg, which every such system has), so nothing is
# asked of a tool that may itself be missing.  As root, what is missing is
# installed with apt-get.  Otherwise the one command that installs it is
# printed and we stop (status 1).  Elsewhere the build's needs are checked
# by what they provide (pkg-config modules, libcsv's header and library).
set -u

BUILD_PKGS="gcc libc6-dev make pkg-config librdkafka-dev libcsv-dev libzstd-dev check libsqlite3-dev libhiredis-dev libpcre2-dev libavro-dev libjansson-dev libcurl4-openssl-dev libxgboost-dev"
# examples/demo.sh: pkill (procps), jq for the latency figures.
DEMO_PKGS="procps jq"
# tests/: the peers the results are checked against, the tools the scripts
# call, clang for the fuzz targets' build check; protoc for Protobuf
# schemas; the Python libraries that Avro, JSON Schema and model scores are
# checked against.
TEST_PKGS="procps jq kcat python3 python3-kafka sqlite3 miller mandoc gawk mawk redis-server clang time zstd valgrind protobuf-compiler python3-avro python3-confluent-kafka python3-requests python3-jsonschema python3-xgboost python3-sklearn python3-protobuf"

want=$BUILD_PKGS
case "${1:-}" in
--demo) want="$want $DEMO_PKGS" ;;
--test) want="$want $TEST_PKGS" ;;
"") ;;
*) echo "usage: deps.sh [--demo|--test]" >&2; exit 64 ;;
esac

missing=""
need() {
	case " $missing " in *" $1 "*) ;; *) missing="${missing:+$missing }$1" ;; esac
}

if command -v dpkg-query >/dev/null 2>&1; then
	for p in $want; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
		[ "$st" = "ii " ] || need "$p"
	done
else
	# Not a dpkg system: check what the build uses, by function.
	command -v cc >/dev/null 2>&1 || need gcc
	command -v make >/dev/null 2>&1 || need make
	if command -v pkg-config >/dev/null 2>&1; then
		for m in rdkafka:librdkafka-dev libzstd:libzstd-dev check:check \
		    sqlite3:libsqlite3-dev hiredis:libhiredis-dev \
		    libpcre2-8:libpcre2-dev avro-c:libavro-dev \
		    jansson:libjansson-dev libcurl:libcurl4-openssl-dev \
		    xgboost:libxgboost-dev; do
			pkg-config --exists "${m%%:*}" || need "${m#*:}"
		done
	else
		need pkg-config
	fi
	if ! command -v cc >/dev/null 2>&1 ||
	    ! printf '#include <csv.h>\nint main(void){struct csv_parser p; return csv_init(&p,0);}\n' |
	    cc -x c -o /dev/null - -lcsv >/dev/null 2>&1; then
		need libcsv-dev
	fi
	if [ -n "$missing" ]; then
		echo "tide: missing (Debian's package names): $missing" >&2
		echo "tide: install them with your system's package manager, then run make again" >&2
		exit 1
	fi
	exit 0
fi

[ -z "$missing" ] && exit 0

# apt's lists are empty on a new root (mmdebstrap, a fresh container):
# then an install must be preceded by an update.
lists_empty() {
	! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'
}

if [ "$(id -u)" != 0 ]; then
	echo "tide: missing: $missing" >&2
	if lists_empty; then
		echo "tide: install them first: sudo apt-get update && sudo apt-get install -y $missing" >&2
	else
		echo "tide: install them first: sudo apt-get install -y $missing" >&2
	fi
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "tide: missing: $missing (dpkg without apt-get: install them by hand)" >&2
	exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/tide-deps.XXXXXX")
echo "tide: installing with apt-get: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
ok=0
if ! lists_empty && apt-get install -y -q $missing >"$log" 2>&1; then
	ok=1
elif apt-get update -q >>"$log" 2>&1 && apt-get install -y -q $missing >>"$log" 2>&1; then
	ok=1
fi
if [ $ok = 0 ]; then
	tail -n 15 "$log" >&2
	echo "tide: apt-get install failed (log above); run: apt-get update && apt-get install -y $missing" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
# Trust nothing: ask dpkg again.
for p in $missing; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	[ "$st" = "ii " ] || { echo "tide: $p is still not installed after apt-get" >&2; exit 1; }
done
echo "tide: installed: $missing" >&2
exit 0
