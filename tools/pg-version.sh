#!/bin/sh
# Print the PostgreSQL major version that the scripts in tools/ use when
# none is given: $ROG_PG if set, else the newest server installed under
# /usr/lib/postgresql, else the version this Debian release packages
# (the `postgresql` package's dependency), else 15.
set -eu
if [ -n "${ROG_PG:-}" ]; then
	echo "$ROG_PG"
	exit 0
fi
v=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null |
	sed -n 's#^/usr/lib/postgresql/\([0-9][0-9]*\)/bin/postgres$#\1#p' | sort -n | tail -n 1)
if [ -z "$v" ]; then
	v=$(apt-cache depends postgresql 2>/dev/null |
		sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
fi
echo "${v:-15}"
