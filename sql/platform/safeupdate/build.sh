#!/usr/bin/env bash
# LOCAL-ONLY: builds safeupdate.so (stand-in for Supabase's pg-safeupdate, plus the supautils
# subset in supautils_shim.c) and copies it into <output-dir>, the folder the local cluster lists
# in `dynamic_library_path = '$libdir:<output-dir>'`. Nothing is written into system directories
# and nothing is left in the source folder: the build happens in a temporary copy.
#
#   sql/platform/safeupdate/build.sh <output-dir>
#
# Needs make, a C compiler and the PostgreSQL 15 server headers (Debian: postgresql-server-dev-15).
# PG_CONFIG may point at another pg_config; default /usr/lib/postgresql/15/bin/pg_config.
set -euo pipefail

die() { echo "safeupdate/build.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 <output-dir>"
out=$1
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

[ -x "$PG_CONFIG" ] || die "pg_config not found at $PG_CONFIG (install postgresql-server-dev-15, or set PG_CONFIG)"
server_inc=$("$PG_CONFIG" --includedir-server) || die "$PG_CONFIG --includedir-server failed"
[ -f "$server_inc/postgres.h" ] || die "PostgreSQL server headers missing in $server_inc (apt-get install postgresql-server-dev-15)"
pgxs=$("$PG_CONFIG" --pgxs)
[ -f "$pgxs" ] || die "PGXS makefile missing at $pgxs (apt-get install postgresql-server-dev-15)"
command -v make >/dev/null || die "make is not installed"
command -v "${CC:-gcc}" >/dev/null || die "no C compiler (${CC:-gcc}) is installed"

work=$(mktemp -d "${TMPDIR:-/tmp}/safeupdate-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$src"/Makefile "$src"/*.c "$src"/*.h "$work"/

if ! make -s -C "$work" PG_CONFIG="$PG_CONFIG" >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  die "compilation failed"
fi

mkdir -p "$out"
# Copy under a temporary name and rename, so a running server never sees a half-written file.
cp "$work/safeupdate.so" "$out/.safeupdate.so.$$"
chmod 0755 "$out/.safeupdate.so.$$"
mv -f "$out/.safeupdate.so.$$" "$out/safeupdate.so"
echo "safeupdate.so -> $out/safeupdate.so"
