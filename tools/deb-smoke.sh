#!/bin/sh
# Smoke test of the Debian package, as root on Debian:
#     tools/deb-smoke.sh
# For PostgreSQL $ROG_PG (default: tools/pg-version.sh, 15 on Debian 12).
# Builds postgresql-N-readonly-guard with tools/build-deb.sh, installs it
# system-wide, then on a throwaway cluster (pg_virtualenv) with the settings
# of test-server.conf (the library preloaded) checks: CREATE EXTENSION,
# rog_version() = the package's upstream version, rog_enable() refuses an
# INSERT into a permanent table with SQLSTATE 25006, and after rog_disable()
# the INSERT works.  Any failure exits non-zero; the last line is
# "deb smoke: ok".
# The package is left installed: its files are the ones `make install` puts
# in place (a later `make install` overwrites them, and that is fine).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "deb-smoke: must run as root (it installs the package)" >&2
	exit 1
fi

pg=$(sh "$top/tools/pg-version.sh")
list=$(mktemp)
sql=$(mktemp /tmp/readonly_guard-deb-smoke.XXXXXX)
trap 'rm -f "$list" "$sql"' EXIT

echo "=== deb smoke: building the package"
"$top/tools/build-deb.sh" >"$list"
deb=$(grep -- "/postgresql-$pg-readonly-guard_[^/]*\.deb$" "$list" | tail -n 1) || true
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
	echo "deb-smoke: tools/build-deb.sh built no postgresql-$pg-readonly-guard .deb" >&2
	exit 1
fi
echo "package: $deb"
version=$(dpkg-deb -f "$deb" Version)
upstream=${version%-*}

echo "=== deb smoke: installing $(basename "$deb")"
# dpkg -i also re-installs the same version, so the files on disk are
# this build's; apt-get then supplies any missing dependency
export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" || apt-get install -y -q -f
[ "$(dpkg-query -W -f='${Status} ${Version}' postgresql-$pg-readonly-guard)" = "install ok installed $version" ] || {
	echo "deb-smoke: postgresql-$pg-readonly-guard $version is not installed" >&2
	exit 1
}
# every file of the package is on disk as packaged
changed=$(dpkg --verify postgresql-$pg-readonly-guard || true)
if [ -n "$changed" ]; then
	echo "deb-smoke: installed files differ from the package:" >&2
	echo "$changed" >&2
	exit 1
fi
for f in /usr/lib/postgresql/$pg/lib/readonly_guard.so \
	/usr/share/postgresql/$pg/extension/readonly_guard.control; do
	dpkg -S "$f" | grep -q "^postgresql-$pg-readonly-guard:" || {
		echo "deb-smoke: $f does not belong to the package" >&2
		exit 1
	}
done

echo "=== deb smoke: throwaway cluster with the settings of test-server.conf"
cat >"$sql" <<'EOF'
\set ON_ERROR_STOP 1
-- fail the script (psql exits 3) unless cond is true
CREATE FUNCTION pg_temp.smoke_assert(cond boolean, what text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF cond IS NOT TRUE THEN
        RAISE EXCEPTION 'deb smoke: FAILED: %', what;
    END IF;
    RETURN 'ok: ' || what;
END $$;

CREATE EXTENSION readonly_guard;
SELECT pg_temp.smoke_assert(extversion = default_version,
       format('extension version %s = default_version %s', extversion, default_version))
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
 WHERE e.extname = 'readonly_guard';
SELECT pg_temp.smoke_assert(rog_version() = :'upstream',
       format('rog_version() %s = package version %s', rog_version(), :'upstream'));
SELECT pg_temp.smoke_assert(current_setting('shared_preload_libraries') ~ 'readonly_guard',
       'readonly_guard is preloaded');

CREATE TABLE deb_smoke (id int);

SELECT pg_temp.smoke_assert(rog_enable('deb smoke test') IS NOT NULL, 'rog_enable()');
SELECT pg_temp.smoke_assert(enabled, 'rog_status().enabled after rog_enable()') FROM rog_status();
\set ON_ERROR_STOP 0
INSERT INTO deb_smoke VALUES (1);
\set ON_ERROR_STOP 1
SELECT pg_temp.smoke_assert(:'SQLSTATE' = '25006',
       format('INSERT refused with SQLSTATE 25006 (got %s)', :'SQLSTATE'));
SELECT pg_temp.smoke_assert(count(*) = 0, 'nothing was inserted') FROM deb_smoke;

SELECT pg_temp.smoke_assert(rog_disable(), 'rog_disable() returns true');
SELECT pg_temp.smoke_assert(NOT enabled, 'rog_status().enabled after rog_disable()') FROM rog_status();
INSERT INTO deb_smoke VALUES (1);
SELECT pg_temp.smoke_assert(count(*) = 1, 'INSERT works after rog_disable()') FROM deb_smoke;
EOF
chmod 644 "$sql"
# the server settings of the tests (test-server.conf: the library preloaded)
opts=$(sh "$top/tools/server-conf.sh")
cd /tmp
runuser -u postgres -- pg_virtualenv -v "$pg" $opts \
	psql -X -At -v upstream="$upstream" -f "$sql"
echo "deb smoke: ok"
