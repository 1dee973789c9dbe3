#!/bin/sh
# Show readonly_guard working on a throwaway cluster.  Run as root on
# Debian 12:  sudo tools/demo.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install-deps.sh"
"$top/tools/build-install.sh"
cp "$top/tools/demo.sql" /tmp/readonly_guard-demo.sql
chmod 644 /tmp/readonly_guard-demo.sql
cd /tmp
runuser -u postgres -- pg_virtualenv -v 15 -o shared_preload_libraries=readonly_guard \
	psql -X -e -f /tmp/readonly_guard-demo.sql
