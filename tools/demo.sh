#!/bin/sh
# Show readonly_guard working on a throwaway cluster.  Run as root on
# Debian 12:  tools/demo.sh  (ROG_PG=N for another installed version)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pg=$(sh "$top/tools/pg-version.sh")
"$top/tools/install-deps.sh" --pg "$pg"
PG_CONFIG=/usr/lib/postgresql/$pg/bin/pg_config "$top/tools/build-install.sh"
cp "$top/tools/demo.sql" /tmp/readonly_guard-demo.sql
chmod 644 /tmp/readonly_guard-demo.sql
# the server settings of the tests (test-server.conf)
opts=$(sh "$top/tools/server-conf.sh")
cd /tmp
runuser -u postgres -- pg_virtualenv -v "$pg" $opts \
	psql -X -e -f /tmp/readonly_guard-demo.sql
