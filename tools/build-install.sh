#!/bin/sh
# Build readonly_guard (warnings are errors) and install it into PostgreSQL 15.
set -eu
cd "$(dirname "$0")/.."
export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
make -s clean >/dev/null
make -s COPT="-Werror" >/dev/null
make -s install >/dev/null
