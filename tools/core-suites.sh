#!/bin/sh
# PostgreSQL's own regression and isolation suites as a guard that
# readonly_guard changes nothing while its mode is off.  Run as root:
#     tools/core-suites.sh [--pg N] [--aa] [--strict] [--no-install]
# It gets PostgreSQL N's source from Debian (apt-get source postgresql-N,
# with a deb-src list of its own when the system's apt has none), builds
# only what the suites need (pg_regress, regress.so, contrib/spi,
# isolationtester) and keeps that build in $ROG_CORE_CACHE/N (default
# /var/tmp/readonly_guard-core/N), reused while the source version is the
# same.  Then it runs core's src/test/regress (parallel_schedule) and
# src/test/isolation (isolation_schedule) against two throwaway servers of
# the installed PostgreSQL N, one after the other:
#   A  plain
#   B  shared_preload_libraries = readonly_guard, and CREATE EXTENSION
#      readonly_guard in every test database (pg_regress --load-extension);
#      the read-only mode off
# and compares A's results files with B's (not with core's expected files:
# a minor-version skew between the source and the server cannot fail it).
# One test per results file (regress/NAME, isolation/NAME): identical
# passes; a difference, or a file only one side has, fails and is shown as
# a diff.  Nothing is normalized.  The one exception is
# tools/core-suites.known: whole lines B may add to a results file and
# nothing else (readonly_guard's DETAIL naming why core refused a write in
# a read-only transaction, a documented feature that works with the mode
# off); such a file passes and its added lines are shown.  A suite that produced fewer results files
# than its schedule names counts its missing files as failed.
# --strict      no known differences: every difference fails
# --aa          compare two plain servers instead (A against A'): shows
#               which core tests are nondeterministic here
# --no-install  use the readonly_guard installed in PostgreSQL N instead of
#               building and installing this tree (tools/build-install.sh)
# Versions the host's apt has not run in the chroot of tools/chroot.sh, like
# tools/test-all.sh (ROG_CHROOT=1 forces it).  Servers: Unix sockets only
# (listen_addresses = ''), ports 5460 and 5461.  Last line:
# "N passed, N failed".
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pg="" aa=0 install=1 strict=0
while [ $# -gt 0 ]; do
	case $1 in
	--pg) pg=$2; shift ;;
	--aa) aa=1 ;;
	--no-install) install=0 ;;
	--strict) strict=1 ;;
	*) echo "usage: $0 [--pg N] [--aa] [--strict] [--no-install]" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$pg" ] || pg=$(sh "$top/tools/pg-version.sh")
fail() { echo "core-suites: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run it as root (it installs packages)"

host_has() {
	[ -x "/usr/lib/postgresql/$1/bin/postgres" ] ||
		apt-cache show "postgresql-$1" >/dev/null 2>&1
}

if [ "${ROG_IN_CHROOT:-0}" != 1 ] && { [ "${ROG_CHROOT:-0}" = 1 ] || ! host_has "$pg"; }; then
	# in the chroot: a fresh copy of this tree, then this script again
	suite=$("$top/tools/chroot.sh" suite "$pg") || fail "no chroot for PostgreSQL $pg"
	echo "=== PostgreSQL $pg: Debian $suite chroot"
	"$top/tools/chroot.sh" prepare "$pg" --core || fail "chroot for $pg failed"
	dir=${ROG_CHROOTS:-/var/tmp/readonly_guard-chroots}/$suite
	rm -rf "$dir/build/readonly_guard-core"
	mkdir -p "$dir/build/readonly_guard-core"
	(cd "$top" && tar -cf - --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./output_iso --exclude=./tmp_check --exclude=./log .) |
		tar -C "$dir/build/readonly_guard-core" -xf -
	status=0
	opts=""
	[ "$aa" -eq 1 ] && opts="$opts --aa"
	[ "$install" -eq 0 ] && opts="$opts --no-install"
	[ "$strict" -eq 1 ] && opts="$opts --strict"
	"$top/tools/chroot.sh" run "$pg" env ROG_IN_CHROOT=1 \
		sh /build/readonly_guard-core/tools/core-suites.sh --pg "$pg" $opts || status=$?
	exit $status
fi

echo "=== PostgreSQL $pg core suites: $(. /etc/os-release && echo "$PRETTY_NAME")"
"$top/tools/install-deps.sh" --pg "$pg" --core >&2 || fail "install-deps failed"
bindir=/usr/lib/postgresql/$pg/bin
[ -x "$bindir/postgres" ] || fail "no $bindir/postgres"
if [ "$install" -eq 1 ]; then
	PG_CONFIG=$bindir/pg_config "$top/tools/build-install.sh" || fail "build-install failed"
fi
[ -f "$("$bindir/pg_config" --pkglibdir)/readonly_guard.so" ] || fail "readonly_guard is not installed in PostgreSQL $pg"

tmp=$(mktemp -d /tmp/readonly_guard-core.XXXXXX)
chmod 755 "$tmp"
servers=""
cleanup() {
	for d in $servers; do
		[ -f "$d/postmaster.pid" ] && runuser -u postgres -- "$bindir/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the source ----------------------------------------------------------
# apt-get with the system's sources when they have a deb-src for
# postgresql-N, else with a deb-src list of its own (this Debian release,
# its -updates and -security), in a private state directory
MIRROR=${ROG_MIRROR:-http://deb.debian.org/debian}
SECURITY=${ROG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
aptsrc=""
if [ "${ROG_CORE_OWN_SOURCES:-0}" != 1 ] &&
	[ -n "$(apt-get source --print-uris -qq "postgresql-$pg" 2>/dev/null)" ]; then
	aptsrc=""
else
	a=$tmp/apt
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts"
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || fail "no VERSION_CODENAME in /etc/os-release for a deb-src entry"
	kr=/usr/share/keyrings/debian-archive-keyring.gpg
	{
		echo "deb-src [signed-by=$kr] $MIRROR $codename main"
		echo "deb-src [signed-by=$kr] $MIRROR $codename-updates main"
		echo "deb-src [signed-by=$kr] $SECURITY $codename-security main"
	} >"$a/sources.list"
	aptsrc="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=$a/parts
		-o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache"
	echo "core-suites: deb-src of its own: $(tr '\n' ';' <"$a/sources.list")"
	# an unreachable -updates or -security is no failure: the main suite
	# may have the source
	# shellcheck disable=SC2086
	apt-get $aptsrc -q update >"$a/update.log" 2>&1 || true
fi
# the versions to try: the installed server's first, then the others,
# newest first (an index may list a version its pool does not serve)
installed=$(dpkg-query -W -f='${Version}' "postgresql-$pg" 2>/dev/null || true)
# shellcheck disable=SC2086
listed=$(apt-cache $aptsrc showsrc "postgresql-$pg" 2>/dev/null | sed -n 's/^Version: //p' | sort -u -V -r)
candidates=$( (echo "$listed" | grep -qxF "$installed" && echo "$installed"; echo "$listed") |
	awk 'NF && !seen[$0]++')

RECIPE=1
cache=${ROG_CORE_CACHE:-/var/tmp/readonly_guard-core}/$pg
# the cache is current when it was built by this recipe from a version that
# is still listed and no version that would be tried before it is new
# (the stamp keeps the versions that failed to download before it)
current=0
if [ -f "$cache/.rog-core" ]; then
	read -r crecipe cver cfailed <"$cache/.rog-core" || true
	# the versions tried before it that did not fail then
	untried=$(echo "$candidates" | awk -v v="$cver" -v f=",${cfailed:-}" \
		'$0 == v { exit } index(f, "," $0 ",") == 0 { print }')
	if [ "$crecipe" = "$RECIPE" ] && echo "$candidates" | grep -qxF "$cver" &&
		[ -z "$untried" ]; then
		current=1
	elif [ -z "$candidates" ]; then
		echo "core-suites: no source for postgresql-$pg listed; reusing $cache ($cver)"
		current=1
	fi
fi
if [ "$current" -eq 1 ]; then
	echo "core-suites: source $cver (server $installed), built tree reused from $cache"
else
	[ -n "$candidates" ] || fail "no source package for postgresql-$pg (apt-cache showsrc)"
	t0=$(date +%s)
	rm -rf "$cache" "$cache.tmp"
	mkdir -p "$cache.tmp"
	srcver="" failedv=""
	for v in $candidates; do
		# shellcheck disable=SC2086
		if (cd "$cache.tmp" && apt-get $aptsrc source -q "postgresql-$pg=$v" >download.log 2>&1); then
			srcver=$v
			break
		fi
		echo "core-suites: source $v listed but not downloadable: $(grep -m 1 '^E:' "$cache.tmp/download.log")"
		failedv="$failedv$v,"
		find "$cache.tmp" -mindepth 1 -maxdepth 1 ! -name download.log -exec rm -rf {} +
	done
	[ -n "$srcver" ] || { tail -n 20 "$cache.tmp/download.log" >&2; fail "apt-get source postgresql-$pg failed"; }
	echo "core-suites: source $srcver (server $installed): built into $cache"
	s=$(find "$cache.tmp" -mindepth 1 -maxdepth 1 -type d -name 'postgresql-*' | head -n 1)
	[ -n "$s" ] || fail "apt-get source unpacked nothing"
	mv "$s" "$cache.tmp/src"
	rm -f "$cache.tmp"/*.tar.* "$cache.tmp"/*.dsc
	chown -R postgres "$cache.tmp"
	# only what the suites need; the server is the installed one
	runuser -u postgres -- sh -c "cd '$cache.tmp/src' &&
		./configure --without-icu --without-readline --without-zlib --without-openssl \
			--without-lz4 --without-zstd --without-libxml --without-llvm >../configure.log 2>&1 &&
		make -s -j2 -C src/test/regress all >../build.log 2>&1 &&
		make -s -j2 -C contrib/spi all >>../build.log 2>&1 &&
		make -s -j2 -C src/test/isolation all >>../build.log 2>&1" ||
		{ tail -n 30 "$cache.tmp/configure.log" "$cache.tmp/build.log" >&2; fail "building core's test programs failed"; }
	echo "$RECIPE $srcver $failedv" >"$cache.tmp/.rog-core"
	mv "$cache.tmp" "$cache"
	echo "core-suites: downloaded and built in $(( $(date +%s) - t0 ))s"
fi
src=$cache/src

# --- the servers ---------------------------------------------------------
# run_suites NAME PORT PRELOAD: a fresh server, both suites, its results
# copied to $tmp/NAME/{regress,isolation}, the server stopped
run_suites() {
	name=$1 port=$2 preload=$3
	d=$tmp/$name
	mkdir -p "$d/regress" "$d/isolation" "$d/sock"
	chown -R postgres "$d"
	runuser -u postgres -- "$bindir/initdb" -D "$d/data" -A trust -E UTF8 --no-locale \
		>"$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; return 1; }
	{
		echo "port = $port"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$d/sock'"
		echo "fsync = off"
		echo "max_prepared_transactions = 10"
		[ -n "$preload" ] && echo "shared_preload_libraries = '$preload'"
	} >>"$d/data/postgresql.conf"
	servers="$servers $d/data"
	runuser -u postgres -- "$bindir/pg_ctl" -D "$d/data" -l "$d/server.log" -w start >/dev/null ||
		{ tail -n 20 "$d/server.log" >&2; return 1; }
	opts="--bindir=$bindir --host=$d/sock --port=$port"
	[ -n "$preload" ] && opts="$opts --load-extension=readonly_guard"
	t0=$(date +%s)
	for s in regress isolation; do
		case $s in
		regress) dir=$src/src/test/regress target=installcheck-parallel out=results ;;
		isolation) dir=$src/src/test/isolation target=installcheck out=output_iso/results ;;
		esac
		rm -rf "${dir:?}/$out"
		runuser -u postgres -- env PGHOST="$d/sock" PGPORT="$port" \
			make -s -C "$dir" "$target" EXTRA_REGRESS_OPTS="$opts" >"$d/$s.log" 2>&1 || true
		cp "$dir/$out"/*.out "$d/$s/" 2>/dev/null || true
		# informational: how core's own comparison with expected went
		echo "  $name $s: $(ls "$d/$s" | wc -l) results files; against core's expected: $(grep -E 'tests (passed|failed)' "$d/$s.log" | tail -n 1 | sed 's/^[# ]*//')"
	done
	echo "  $name: $(( $(date +%s) - t0 ))s"
	runuser -u postgres -- "$bindir/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null
}

# the tests a schedule names
scheduled() {
	sed -n 's/^test: *//p' "$1" | tr -s ' \t' '\n\n' | grep -c .
}

if [ "$aa" -eq 1 ]; then
	echo "=== A: plain; B: plain again (--aa)"
	b_preload=""
else
	echo "=== A: plain; B: shared_preload_libraries=readonly_guard, CREATE EXTENSION readonly_guard, mode off"
	b_preload=readonly_guard
fi
run_suites A 5460 "" || fail "server A failed"
run_suites B 5461 "$b_preload" || fail "server B failed"
if [ -n "$b_preload" ]; then
	# the mode was off all along: nothing in B's log says otherwise
	grep -i 'read-only mode' "$tmp/B/server.log" | head -n 5 || true
fi

# the known differences: whole lines that B may add, nothing else
grep -v -e '^#' -e '^$' "$top/tools/core-suites.known" >"$tmp/known" 2>/dev/null || true
if [ "$strict" -eq 1 ] || [ "$aa" -eq 1 ]; then
	: >"$tmp/known"
fi
# only_known A B: B differs from A only by added lines listed as known
only_known() {
	[ -s "$tmp/known" ] || return 1
	diff "$1" "$2" >"$tmp/d" && return 1
	grep -q '^<' "$tmp/d" && return 1
	sed -n 's/^> //p' "$tmp/d" | grep -vxF -f "$tmp/known" >/dev/null && return 1
	return 0
}

passed=0 failed=0
for s in regress isolation; do
	case $s in
	regress) sched=$src/src/test/regress/parallel_schedule ;;
	isolation) sched=$src/src/test/isolation/isolation_schedule ;;
	esac
	n=$(scheduled "$sched")
	p=0 f=0 k=0
	for r in $( (ls "$tmp/A/$s"; ls "$tmp/B/$s") | sort -u); do
		if [ -f "$tmp/A/$s/$r" ] && [ -f "$tmp/B/$s/$r" ] && cmp -s "$tmp/A/$s/$r" "$tmp/B/$s/$r"; then
			p=$((p + 1))
		elif [ -f "$tmp/A/$s/$r" ] && [ -f "$tmp/B/$s/$r" ] && only_known "$tmp/A/$s/$r" "$tmp/B/$s/$r"; then
			p=$((p + 1)) k=$((k + 1))
			echo "--- $s/$r: B adds only lines of tools/core-suites.known (passed):"
			grep '^>' "$tmp/d" | sort | uniq -c
		else
			f=$((f + 1))
			echo "--- $s/$r differs"
			diff -u "$tmp/A/$s/$r" "$tmp/B/$s/$r" 2>&1 | head -n 200 || true
		fi
	done
	u=$( (ls "$tmp/A/$s"; ls "$tmp/B/$s") | sort -u | wc -l)
	if [ "$u" -lt "$n" ]; then
		echo "--- $s: $((n - u)) of $n scheduled tests left no results file on either server"
		tail -n 20 "$tmp/A/$s.log" "$tmp/B/$s.log"
		f=$((f + n - u))
	fi
	echo "$s: $((p - k)) identical, $k with known differences only, $f differ or missing ($n scheduled)"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
