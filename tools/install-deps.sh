#!/bin/sh
# Install what building and testing readonly_guard needs on Debian 12
# (PostgreSQL 15 server and headers, pgTAP, IPC::Run for TAP tests).
# Idempotent; needs root.
set -eu
PKGS="build-essential postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
      postgresql-contrib libipc-run-perl libtap-parser-sourcehandler-pgtap-perl"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi
