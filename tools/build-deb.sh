#!/bin/sh
# Build the Debian packages postgresql-N-readonly-guard (one per version of
# debian/pgversions that this machine has) (debian/, built with
# dpkg-buildpackage and pg_buildext) in a temporary copy of this tree, and
# print the path of each .deb built, one a line, on standard output; all
# build output goes to standard error.
#     tools/build-deb.sh [OUTDIR]
# OUTDIR (default: a new /tmp/readonly_guard-deb.XXXXXX) receives the .deb,
# .buildinfo and .changes files.  As root it first installs the packaging
# tools (tools/install-deps.sh --packaging).  Before building it checks that
# META.json, CHANGELOG.md and debian/changelog name the control file's
# default_version.  The build runs the pg_regress and isolation suites
# against the files it is about to package (DEB_BUILD_OPTIONS=nocheck skips
# them).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
umask 022

if [ "$(id -u)" -eq 0 ]; then
	"$top/tools/install-deps.sh" --packaging >&2
fi

# ---- release metadata agrees with the control file ----
python3 - "$top" >&2 <<'EOF'
import json, os, re, subprocess, sys

top = sys.argv[1]
errors = []

control = open(os.path.join(top, "readonly_guard.control")).read()
m = re.search(r"^\s*default_version\s*=\s*'([^']+)'", control, re.M)
if not m:
    sys.exit("readonly_guard.control: no default_version")
default = m.group(1)
# PGXN wants SemVer: 1.1 -> 1.1.0
semver = default if default.count(".") >= 2 else default + ".0" * (2 - default.count("."))

try:
    meta = json.load(open(os.path.join(top, "META.json")))
except ValueError as e:
    sys.exit("META.json is not valid JSON: %s" % e)
for key in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
    if key not in meta:
        errors.append("META.json: required key %r missing" % key)
if meta.get("name") != "readonly_guard":
    errors.append("META.json: name is %r, not 'readonly_guard'" % meta.get("name"))
if meta.get("version") != semver:
    errors.append("META.json: version %r, control default_version %r wants %r"
                  % (meta.get("version"), default, semver))
if meta.get("meta-spec", {}).get("version") != "1.0.0":
    errors.append("META.json: meta-spec version is not 1.0.0")
if meta.get("license") != "postgresql":
    errors.append("META.json: license is not 'postgresql'")
prov = meta.get("provides", {}).get("readonly_guard")
if not prov:
    errors.append("META.json: provides has no 'readonly_guard'")
else:
    if prov.get("version") != semver:
        errors.append("META.json: provides.readonly_guard.version %r, want %r"
                      % (prov.get("version"), semver))
    for k in ("file", "docfile"):
        if not prov.get(k) or not os.path.exists(os.path.join(top, prov[k])):
            errors.append("META.json: provides.readonly_guard.%s %r does not exist"
                          % (k, prov.get(k)))
pg = meta.get("prereqs", {}).get("runtime", {}).get("requires", {}).get("PostgreSQL")
if not pg:
    errors.append("META.json: prereqs.runtime.requires.PostgreSQL missing")
if meta.get("release_status", "stable") not in ("stable", "testing", "unstable"):
    errors.append("META.json: release_status must be stable, testing or unstable")

debver = subprocess.run(["dpkg-parsechangelog", "-l", os.path.join(top, "debian/changelog"),
                         "-S", "Version"], capture_output=True, text=True, check=True).stdout.strip()
if debver.rsplit("-", 1)[0] != default:
    errors.append("debian/changelog: version %s, control default_version %s" % (debver, default))

changelog = open(os.path.join(top, "CHANGELOG.md")).read()
if not re.search(r"^## \[%s\]" % re.escape(default), changelog, re.M):
    errors.append("CHANGELOG.md: no '## [%s]' section" % default)

if errors:
    sys.exit("release metadata does not match readonly_guard.control:\n  " + "\n  ".join(errors))
print("release metadata: version %s (PGXN %s, Debian %s)" % (default, semver, debver))
EOF

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
upstream=${version%-*}

work=$(mktemp -d /tmp/readonly_guard-deb.XXXXXX)
# the tests during the build run the server as postgres, which reads the
# files to be packaged from the build tree
chmod 755 "$work"
src="$work/readonly-guard-$upstream"
mkdir "$src"
# a copy of the work tree as it is (committed or not), without VCS data and
# build products
(cd "$top" && tar -cf - \
	--exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
	--exclude=./results --exclude=./output_iso --exclude=./log \
	--exclude=./tmp_check --exclude=./tmp_check_iso \
	--exclude=./regression.diffs --exclude=./regression.out \
	--exclude=./build-\* --exclude=./debian/.debhelper --exclude=./debian/files \
	--exclude='./debian/*.substvars' --exclude=./debian/debhelper-build-stamp \
	--exclude='./debian/postgresql-*-readonly-guard' \
	.) | tar -C "$src" -xf -

# debian/control is generated from debian/control.in for the PostgreSQL
# versions of debian/pgversions that this machine supports
(cd "$src" && pg_buildext updatecontrol) >&2
(cd "$src" && dpkg-buildpackage -us -uc -b) >&2
rm -rf "$src"

if [ $# -ge 1 ]; then
	mkdir -p "$1"
	outdir=$(cd "$1" && pwd)
	mv "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$outdir"/
	rmdir "$work"
else
	outdir=$work
fi
found=0
for deb in "$outdir"/postgresql-*-readonly-guard_"$version"_*.deb; do
	[ -f "$deb" ] || continue
	echo "$deb"
	found=1
done
if [ "$found" -eq 0 ]; then
	echo "build-deb: no postgresql-*-readonly-guard_${version}_*.deb in $outdir" >&2
	exit 1
fi
