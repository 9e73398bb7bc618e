#!/bin/sh
# make fresh: the README's two commands, `make demo` then `make test`, on a
# new Debian 12 root, from a clone that has nothing beside it.  Run as root
# (CI runs it after make test and make asan).
#
#   tests/fresh/debian.sh [--keep] [SITUATION...]
#
# Situations (all by default):
#   user        a bare minbase root, a normal user: make demo and make test
#               each print one "sudo apt-get install -y ..." command and
#               stop before compiling anything
#   pkgconfig   a root that already has pkg-config: make demo as root
#   bare        a bare minbase root (mmdebstrap --variant=minbase with git,
#               make and ca-certificates, as a person would clone with):
#               make demo, then make test, as root, in a clone with no
#               nothing beside it (no shared folder next to the clone)
#
# The root is bootstrapped with mmdebstrap from the package mirror this
# machine's apt already uses (read from `apt-get indextargets` at run time;
# no host is written here).  Cached in $TIDE_FRESH_CACHE (default
# /var/cache/tide-fresh): the bootstrapped tarball, rebuilt after 7 days or
# when the sources change, and apt's downloaded .debs, which apt checks
# against the fresh indices before use.  apt's indices are never cached, so
# each root starts as a new machine does, with none.
#
# Prints one line per check and "N passed, N failed"; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
keep=0
[ "${1:-}" = "--keep" ] && { keep=1; shift; }
[ $# -gt 0 ] || set -- user pkgconfig bare

die() { echo "fresh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it bootstraps and enters a chroot)"
command -v mmdebstrap >/dev/null 2>&1 || {
	echo "fresh: installing mmdebstrap" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null 2>&1 ||
	    { apt-get update -q >/dev/null 2>&1 &&
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null 2>&1; } ||
	    die "cannot install mmdebstrap"
}

cache=${TIDE_FRESH_CACHE:-/var/cache/tide-fresh}
mkdir -p "$cache/archives/partial" || die "cannot create $cache"

# The mirror: what this machine's apt reads for bookworm.
mirrors=$(apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
	awk '$1 == "deb" && $3 ~ /^bookworm(-updates|-security)?$/ { print "deb " $2 " " $3 " " $4 }' | sort -u)
[ -n "$mirrors" ] || die "apt has no bookworm sources on this machine (apt-get indextargets)"

key=$(printf '%s\nminbase ca-certificates,git,make\n' "$mirrors" | sha256sum | cut -c1-16)
base=$cache/bookworm-minbase-$key.tar
if [ -f "$base" ] && [ -z "$(find "$base" -mtime +7)" ]; then
	echo "fresh: cached root $base"
else
	echo "fresh: bootstrapping a minbase Debian 12 root"
	rm -f "$cache"/bookworm-minbase-*.tar
	t0=$(date +%s)
	# shellcheck disable=SC2086 -- one argument per sources line
	printf '%s\n' "$mirrors" | mmdebstrap --quiet --variant=minbase --format=tar \
		--include=ca-certificates,git,make bookworm "$base.tmp" - >"$cache/mmdebstrap.log" 2>&1 ||
	    { tail -20 "$cache/mmdebstrap.log" >&2; rm -f "$base.tmp"; die "mmdebstrap failed"; }
	mv "$base.tmp" "$base"
	echo "fresh: bootstrapped in $(( $(date +%s) - t0 )) s"
fi

work=$(mktemp -d /var/tmp/tide-fresh.XXXXXX)
roots=""
unmount_root() {
	for m in var/cache/apt/archives sys dev proc; do
		mountpoint -q "$1/$m" 2>/dev/null && umount -R "$1/$m" 2>/dev/null
	done
	! grep -q " $1/" /proc/mounts
}
cleanup() {
	_left=0
	for r in $roots; do
		unmount_root "$r" && continue
		echo "fresh: $r still has mounts; left in place" >&2
		_left=1
	done
	# Never remove a tree that still has something mounted in it.
	if [ $keep = 1 ] || [ $_left = 1 ]; then echo "fresh: kept $work"
	else rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_root NAME: a root from the cached tarball, mounted, with a clone of
# this commit at /root/tide.  Sets $root.
# TIDE_FRESH_COMMIT: another commit of this repository (to show that the
# check fails on an older one).
commit=$(git rev-parse "${TIDE_FRESH_COMMIT:-HEAD}") || die "not a git checkout"
new_root() {
	root=$work/$1
	mkdir -p "$root"
	roots="$roots $root"
	tar -C "$root" -xf "$base" || die "cannot unpack $base"
	mount -t proc proc "$root/proc" &&
	mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" &&
	mount -t sysfs sysfs "$root/sys" &&
	mount --bind "$cache/archives" "$root/var/cache/apt/archives" || die "cannot mount in $root"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	rm -rf "$root/var/lib/apt/lists/"*_Packages* 2>/dev/null
	git clone -q --no-hardlinks "$top" "$root/root/tide" &&
	git -C "$root/root/tide" -c advice.detachedHead=false checkout -q "$commit" || die "cannot clone $top"
	[ ! -e "$root/root/shared" ] || die "the root has a shared folder beside the clone"
}

# in_root [--user] CMD: run CMD by sh in the root's clone, with a clean
# environment (CI passes through: it makes warnings errors and skips failures).
in_root() {
	if [ "$1" = --user ]; then
		shift
		chroot "$root" /usr/bin/env -i HOME=/home/tide PATH=/usr/local/bin:/usr/bin:/bin \
			LANG=C.UTF-8 ${CI:+CI=$CI} \
			setpriv --reuid=tide --regid=tide --init-groups \
			sh -c "cd /home/tide/tide && $1"
	else
		chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 ${CI:+CI=$CI} sh -c "cd /root/tide && $1"
	fi
}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - fresh: $1"; }
notok() { fail=$((fail + 1)); echo "not ok - fresh: $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; }

# step NAME LOG CMD...: run, time, report; the log's tail on failure.
step() {
	_n=$1 _log=$2
	shift 2
	_t0=$(date +%s)
	"$@" >"$_log" 2>&1
	_rc=$?
	if [ $_rc = 0 ]; then
		ok "$_n ($(( $(date +%s) - _t0 )) s)"
		return 0
	fi
	notok "$_n (status $_rc, $(( $(date +%s) - _t0 )) s)" "$(grep -E '^(not ok|failed:)' "$_log" | head -20)" "$(tail -n 15 "$_log")"
	return 1
}

for s; do
	case $s in
	user)
		new_root user
		chroot "$root" useradd -m -s /bin/sh tide || die "useradd"
		git clone -q "$root/root/tide" "$root/home/tide/tide" && chroot "$root" chown -R tide:tide /home/tide/tide
		for goal in demo test; do
			log=$work/user-$goal.log
			if in_root --user "make $goal" >"$log" 2>&1; then
				notok "user: make $goal stops with what to install" "it exited 0"
				continue
			fi
			n=$(grep -c 'sudo apt-get' "$log")
			# The build's libraries among them: librdkafka-dev, and
			# libpcre2-dev for --where's regexes, then the new ones after it.
			if [ "$n" = 1 ] && grep -q '^tide: install them first: sudo apt-get update && sudo apt-get install -y .*librdkafka-dev.*libpcre2-dev' "$log"; then
				ok "user: make $goal prints one sudo apt-get command"
			else
				notok "user: make $goal prints one sudo apt-get command" "$(tail -n 10 "$log")"
			fi
			if [ -n "$(find "$root/home/tide/tide" -name '*.o' | head -1)" ]; then
				notok "user: make $goal compiled nothing" "$(find "$root/home/tide/tide" -name '*.o' | head -3)"
			else
				ok "user: make $goal compiled nothing"
			fi
		done
		grep -h 'sudo apt-get' "$work"/user-*.log | sed 's/^/    /'
		;;
	pkgconfig)
		new_root pkgconfig
		step "pkgconfig: apt-get install pkg-config" "$work/pkgconfig-apt.log" \
			in_root "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pkg-config" &&
		step "pkgconfig: make demo" "$work/pkgconfig-demo.log" in_root "make demo"
		;;
	bare)
		new_root bare
		step "bare: make demo" "$work/bare-demo.log" in_root "make demo" &&
		step "bare: make test" "$work/bare-test.log" in_root "make test" &&
		grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/bare-test.log" | tail -1 | sed 's/^/    make test: /'
		;;
	*) die "unknown situation '$s' (user, pkgconfig, bare)" ;;
	esac
	unmount_root "$root" || notok "$s: unmounted" "$(grep " $root/" /proc/mounts)"
done
echo "fresh: $pass passed, $fail failed"
[ "$fail" = 0 ]
