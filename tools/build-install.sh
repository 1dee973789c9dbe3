#!/bin/sh
# Build readonly_guard (warnings are errors) and install it into the
# PostgreSQL of $PG_CONFIG (default: the version of tools/pg-version.sh).
set -eu
cd "$(dirname "$0")/.."
export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$(sh tools/pg-version.sh)/bin/pg_config}"
make -s clean >/dev/null
make -s COPT="-Werror" >/dev/null
make -s install >/dev/null
