#!/bin/sh
# A Debian chroot that has PostgreSQL major version N, for testing
# readonly_guard on versions the host does not have.  Needs root.
#     tools/chroot.sh suite N          print the Debian suite that has N
#     tools/chroot.sh prepare N        make (or bring up to date) its chroot
#     tools/chroot.sh run N CMD...     run CMD inside it (/proc, /sys, /dev,
#                                      /dev/pts, /dev/shm mounted for the
#                                      time of CMD, unmounted also on failure)
# The chroots live in $ROG_CHROOTS (default /var/tmp/readonly_guard-chroots),
# one per suite: bookworm (15), trixie (17), sid (18), experimental (19: sid
# plus experimental's postgresql-19, pinned).  A chroot is made once with
# debootstrap and reused while its recipe stamp matches RECIPE below; every
# `prepare` runs apt-get update and installs or upgrades the packages, so it
# tests the newest packaged minor release.  PostgreSQL 16 is in no Debian
# suite that this machine can reach.
set -eu
RECIPE=1
ROOT=${ROG_CHROOTS:-/var/tmp/readonly_guard-chroots}
MIRROR=${ROG_MIRROR:-http://deb.debian.org/debian}

suite_of() {
	case $1 in
	15) echo bookworm ;;
	17) echo trixie ;;
	18) echo sid ;;
	19) echo experimental ;;
	*) echo "chroot: no Debian suite reachable here has PostgreSQL $1" >&2; return 1 ;;
	esac
}

mounts="proc sys dev dev/pts dev/shm"

umount_all() {
	for m in dev/shm dev/pts dev sys proc; do
		if mountpoint -q "$dir/$m"; then
			umount "$dir/$m" || umount -l "$dir/$m" || true
		fi
	done
}

mount_all() {
	trap umount_all EXIT
	trap 'exit 130' INT TERM
	for m in $mounts; do
		mkdir -p "$dir/$m"
		mountpoint -q "$dir/$m" || mount --bind "/$m" "$dir/$m"
	done
}

in_chroot() {
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		PGSSLMODE=disable "$@"
}

# a fresh Debian machine has no debootstrap: the host's apt brings it
need_debootstrap() {
	command -v debootstrap >/dev/null && return 0
	echo "=== chroot: installing debootstrap" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=900 -q update >&2
	apt-get -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends \
		install debootstrap >&2
}

make_chroot() {
	base=$suite
	[ "$suite" = experimental ] && base=sid
	# a chroot of another recipe is made anew
	if [ -d "$dir" ] && [ "$(cat "$dir/.rog-recipe" 2>/dev/null)" != "$RECIPE" ] &&
		[ -f "$dir/.rog-recipe" ]; then
		rm -rf "$dir"
	fi
	if [ ! -f "$dir/.rog-debootstrap" ]; then
		echo "=== chroot: debootstrap $base into $dir" >&2
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$ROOT"
		need_debootstrap
		debootstrap --variant=minbase "$base" "$dir.tmp" "$MIRROR" >"$ROOT/$suite.debootstrap.log" 2>&1 ||
			{ tail -n 20 "$ROOT/$suite.debootstrap.log" >&2; rm -rf "$dir.tmp"; return 1; }
		touch "$dir.tmp/.rog-debootstrap"
		mv "$dir.tmp" "$dir"
	fi
	{
		echo "deb $MIRROR $base main"
		echo "deb-src $MIRROR $base main"
		if [ "$suite" = experimental ]; then
			echo "deb $MIRROR experimental main"
			echo "deb-src $MIRROR experimental main"
		fi
	} >"$dir/etc/apt/sources.list"
	# sid's and experimental's Release files may be past their Valid-Until
	cat >"$dir/etc/apt/apt.conf.d/90readonly-guard" <<-EOF
	Acquire::Check-Valid-Until "false";
	APT::Install-Recommends "false";
	APT::Get::Assume-Yes "true";
	Dpkg::Options { "--force-confold"; "--force-confdef"; };
	EOF
	if [ "$suite" = experimental ]; then
		# PostgreSQL's own packages from experimental, the rest from sid
		cat >"$dir/etc/apt/preferences.d/readonly-guard" <<-EOF
		Package: postgresql-19* postgresql-server-dev-19 postgresql-client-19 libpq5 libpq-dev
		Pin: release a=experimental
		Pin-Priority: 990
		EOF
	fi
	# no service starts inside the chroot
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	# no cluster is made when the server package is installed
	mkdir -p "$dir/etc/postgresql-common"
	echo "create_main_cluster = false" >"$dir/etc/postgresql-common/createcluster.conf"
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	cp /etc/hosts "$dir/etc/hosts"
	echo "$RECIPE" >"$dir/.rog-recipe"
}

cmd=${1:-}
[ $# -ge 2 ] || { echo "usage: $0 suite|prepare|run N [CMD...]" >&2; exit 2; }
pg=$2
shift 2
suite=$(suite_of "$pg")
dir=$ROOT/$suite
case $cmd in
suite) echo "$suite" ;;
prepare)
	[ "$(id -u)" -eq 0 ] || { echo "chroot: needs root" >&2; exit 1; }
	make_chroot
	mount_all
	in_chroot apt-get -q update >&2
	# the host's install-deps.sh, run inside the chroot
	mkdir -p "$dir/opt/readonly_guard-tools"
	cp "$(dirname "$0")/install-deps.sh" "$(dirname "$0")/pg-version.sh" "$dir/opt/readonly_guard-tools/"
	in_chroot sh /opt/readonly_guard-tools/install-deps.sh --pg "$pg" --upgrade "$@" >&2
	;;
run)
	[ "$(id -u)" -eq 0 ] || { echo "chroot: needs root" >&2; exit 1; }
	[ -f "$dir/.rog-recipe" ] || { echo "chroot: $dir not prepared" >&2; exit 1; }
	mount_all
	status=0
	in_chroot "$@" || status=$?
	exit $status
	;;
*) echo "usage: $0 suite|prepare|run N [CMD...]" >&2; exit 2 ;;
esac
