#!/bin/sh
# Print the settings of test-server.conf (the server settings every test
# harness needs) as option words for pg_virtualenv or pg_buildext:
#     -o name=value        one pair a line
# Usage, in a script with set -e (a bad file stops the script):
#     opts=$(sh "$top/tools/server-conf.sh")
#     pg_virtualenv $opts ...
# The words are split by the shell, so a value with blanks (or a quote, or a
# glob character) is refused here rather than mangled there.  A script that
# writes a postgresql.conf of its own appends test-server.conf as it is.
set -eu
conf=$(cd "$(dirname "$0")/.." && pwd)/test-server.conf

# server_opts FILE: the -o words of FILE's settings
server_opts() {
	awk '
	{ sub(/#.*/, "") }
	/^[ \t]*$/ { next }
	{
		line = $0
		if (!match(line, /^[ \t]*[A-Za-z_][A-Za-z0-9_.]*/)) { bad(); next }
		name = substr(line, RSTART, RLENGTH); gsub(/[ \t]/, "", name)
		value = substr(line, RSTART + RLENGTH)
		sub(/^[ \t]*=?[ \t]*/, "", value); sub(/[ \t]*$/, "", value)
		if (value ~ /^\047.*\047$/) value = substr(value, 2, length(value) - 2)
		if (value == "" || value ~ /[ \t\047"*?[\\$`]/) { bad(); next }
		print "-o " name "=" value
	}
	function bad() {
		printf "%s:%d: not a setting this script can pass: %s\n", FILENAME, FNR, $0 >"/dev/stderr"
		err = 1
	}
	END { exit err }' "$1"
}

server_opts "$conf"
