#!/usr/bin/env bash
# The pg_regress suite (but the *_quality files), then every fuzz seed and
# reproducer through SQL (test/fuzz/replay_sql.py), against maas.so built
# with AddressSanitizer and UndefinedBehaviorSanitizer; fails on any test
# failure, lost backend and sanitizer report of the server.  About 3
# minutes; `make test` runs it, MAAS_ASAN=0 skips it:
#
#   MAAS_ASAN=1 test/suite/asan.sh
#   MAAS_ASAN_ALL=1 test/suite/asan.sh     # the *_quality files too (7+ minutes)
#   MAAS_ASAN=1 test/suite/asan.sh smoke format     # some tests only (setup runs first)
#   MAAS_ASAN_KEEP=1 ...     # keep the work directory (printed) afterwards
#   MAAS_ASAN_PATCH=fix.patch ...  # build a patched copy of src/ (-p1)
#   MAAS_ASAN_CORPUS=all ...  # also replay test/fuzz/build/corpus/* (grown by run.sh)
#
# The installed maas.so, which other tests use, is never touched: a private
# copy of the PostgreSQL installation (/usr/lib/postgresql/N and
# /usr/share/postgresql/N, under a temp dir) gets the sanitized maas.so
# and the extension's SQL.  PostgreSQL finds $libdir and its share
# directory relative to its own binary, so a server started from the copy
# loads '$libdir/maas' from the copy; its pg_config points `make install`
# there as well.  The server runs with LD_PRELOAD of gcc's libasan
# (detect_leaks=0: PostgreSQL frees by memory context) and maas preloaded,
# as in `make test`.  Signed overflow is checked too (-fno-wrapv), though
# the production build wraps (-fwrapv): a wrapped count is still a bug.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

if [ "${MAAS_ASAN:-1}" != 1 ]; then
	echo "ok 1 - asan # SKIP MAAS_ASAN=0: maas.so under ASan+UBSan not run"
	exit 0
fi

# the installation to copy: PG_CONFIG's (test/pg-env.sh), default the system's
. test/pg-env.sh
PG_ROOT=${PG_ROOT:-$(dirname "$PG_BIN")}
PG_SHARE=${PG_SHARE:-$("$PG_CONFIG" --sharedir)}
major=$(basename "$PG_ROOT")
LIBASAN=$(gcc -print-file-name=libasan.so)
start_time=$(date +%s)
n=0
fail=0
tap() {	# ok|not ok, description
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || fail=1
}

work=$(mktemp -d /tmp/maas-asan.XXXXXX)
chmod 755 "$work"
cleanup() {
	if [ -n "${data:-}" ] && [ -f "$data/postmaster.pid" ]; then
		as_server "$inst_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
	fi
	if [ "${MAAS_ASAN_KEEP:-0}" = 1 ]; then
		echo "# kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
as_server() {	# from /: postgres may not be able to enter the repository
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# 1. a private PostgreSQL installation
inst=$work/inst
mkdir -p "$inst/usr/lib/postgresql" "$inst/usr/share/postgresql"
cp -a "$PG_ROOT" "$inst/usr/lib/postgresql/"
cp -a "$PG_SHARE" "$inst/usr/share/postgresql/"
inst_bin=$inst/usr/lib/postgresql/$major/bin
# headers are only read: the copy's pg_config looks for them next to it
mkdir -p "$inst/usr/include"
ln -s /usr/include/postgresql "$inst/usr/include/postgresql"
rm -f "$inst/usr/lib/postgresql/$major/lib/maas.so" "$inst/usr/share/postgresql/$major/extension/maas"*
if [ "$("$inst_bin/pg_config" --pkglibdir)" != "$inst/usr/lib/postgresql/$major/lib" ]; then
	tap "not ok" "the copied pg_config does not point into the copy ($("$inst_bin/pg_config" --pkglibdir))"
	exit 1
fi

# 2. build and install the sanitized extension from a copy of the sources
mkdir -p "$work/build"
cp -a Makefile maas.control src sql "$work/build/"
find "$work/build/src" \( -name "*.o" -o -name "*.bc" \) -delete; rm -f "$work/build/"*.so
# MAAS_ASAN_PATCH=file.patch (-p1, paths like src/x.c): try a fix on the copy
if [ -n "${MAAS_ASAN_PATCH:-}" ]; then
	patch -s -d "$work/build" -p1 <"$MAAS_ASAN_PATCH" || { tap "not ok" "apply $MAAS_ASAN_PATCH"; exit 1; }
	echo "# patched the copy with $MAAS_ASAN_PATCH"
fi
# -fno-wrapv: PostgreSQL builds with -fwrapv, which would hide signed
# overflow from UBSan; an overflow that wraps is still a bug
COPT="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=address"
COPT="$COPT -fno-omit-frame-pointer -fno-wrapv -O1 -Wno-error"
if make -C "$work/build" -s -j2 PG_CONFIG="$inst_bin/pg_config" COPT="$COPT" \
	with_llvm=no >"$work/build.log" 2>&1 &&
	make -C "$work/build" -s install PG_CONFIG="$inst_bin/pg_config" with_llvm=no \
		>>"$work/build.log" 2>&1; then
	tap ok "build maas.so with -fsanitize=address,undefined ($(($(date +%s) - start_time)) s)"
else
	tail -30 "$work/build.log"
	tap "not ok" "build maas.so with -fsanitize=address,undefined"
	exit 1
fi

# 3. a cluster of the copy, under ASan
data=$work/data
logs=$work/sanitizer
mkdir -p "$logs"
chmod 777 "$logs"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work/inst" 2>/dev/null
[ "$(id -u)" = 0 ] && chown postgres: "$work"
user=postgres	# the superuser, whoever runs the server (as test/cluster.sh)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_server "$inst_bin/initdb" -D "$data" -U "$user" -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
	>"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; tap "not ok" "initdb"; exit 1; }
cat >>"$data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$work'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
work_mem = 64MB
max_parallel_workers_per_gather = 2
max_worker_processes = 16
log_min_messages = warning
lc_messages = 'C'
shared_preload_libraries = 'maas'
CONF
# ASan, preloaded into an uninstrumented postgres, initializes on the first
# malloc; when that is libgpg-error's constructor calling bindtextdomain,
# glibc's gettext lock is held, ASan's init calls dlerror -> dcgettext,
# which takes the same lock, and every later gettext call hangs.  Wrapping
# bindtextdomain to malloc once before taking the lock avoids it.
cat >"$work/asan_init_shim.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
char *bindtextdomain(const char *domain, const char *dir)
{
	static char *(*real) (const char *, const char *);
	void	   *volatile p = malloc(1);

	free(p);
	if (!real)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	return real(domain, dir);
}
SHIM
gcc -shared -fPIC -O2 -o "$work/asan_init_shim.so" "$work/asan_init_shim.c" -ldl
asan_env=(
	LD_PRELOAD="$LIBASAN:$work/asan_init_shim.so"
	ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:disable_coredump=1:log_path=$logs/asan:print_stacktrace=1"
	# UBSan (gcc) ignores log_path next to ASan: its reports go to stderr, the server log
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0"
)
if ! as_server env "${asan_env[@]}" "$inst_bin/pg_ctl" -D "$data" -l "$work/server.log" -w -t 120 start \
	>/dev/null 2>&1; then
	cat "$work/server.log" "$logs"/* 2>/dev/null | head -60
	tap "not ok" "start a server with the ASan maas.so preloaded"
	exit 1
fi
tap ok "start a server with the ASan maas.so preloaded"

# 4. pg_regress, as `make installcheck` runs it, with outputs kept apart
# sql/setup.sql (datasets, helpers) runs first, named or not, as in the Makefile
if [ $# -gt 0 ]; then
	tests=(setup)
	for t in "$@"; do [ "$t" = setup ] || tests+=("$t"); done
else
	# the *_quality files fit the same code many times over on more data:
	# minutes under ASan for no new path (MAAS_ASAN_ALL=1 runs them too)
	mapfile -t tests < <(ls sql/*.sql | grep -v '/maas--' | xargs -n1 basename | sed 's/\.sql$//' |
		grep -vx setup | { if [ "${MAAS_ASAN_ALL:-0}" = 1 ]; then cat; else grep -v '_quality$'; fi; } | sort)
	tests=(setup "${tests[@]}")
fi
export PGHOST=$work PGPORT=$port PGUSER=$user
t0=$(date +%s)
"$PG_ROOT/lib/pgxs/src/test/regress/pg_regress" --inputdir=./ --outputdir="$work/out" \
	--bindir="$PG_ROOT/bin" --load-extension=maas --dbname=contrib_regression \
	"${tests[@]}" >"$work/regress.log" 2>&1
regress_s=$(($(date +%s) - t0))
for t in "${tests[@]}"; do
	line=$(grep -E "^(test |     |ok |not ok )?.*\b$t\b +\.\.\. " "$work/regress.log" | head -1)
	[ -z "$line" ] && line=$(grep -E "[ ]$t +\.\.\." "$work/regress.log" | head -1)
	# PostgreSQL 16 and later: TAP lines "ok 1 - setup", "not ok 2 + access"
	[ -z "$line" ] && line=$(grep -E "^(not )?ok [0-9]+ +[-+] +$t( |$)" "$work/regress.log" | head -1)
	if echo "$line" | grep -qE '\.\.\. ok|^ok '; then
		tap ok "pg_regress $t under ASan"
	else
		tap "not ok" "pg_regress $t under ASan: ${line:-no result}"
	fi
done
if [ -f "$work/out/regression.diffs" ]; then
	head -80 "$work/out/regression.diffs" | sed 's/^/# /'
fi

# 5. the fuzz inputs through SQL (seeds, reproducers; MAAS_ASAN_CORPUS=all
# adds the corpora grown by test/fuzz/run.sh)
dirs=(test/fuzz/corpus/* test/fuzz/regressions/*)
[ "${MAAS_ASAN_CORPUS:-}" = all ] && dirs+=(test/fuzz/build/corpus/*)
t0=$(date +%s)
if PGDATABASE=contrib_regression /usr/bin/python3 test/fuzz/replay_sql.py "${dirs[@]}" >"$work/replay.log" 2>&1; then
	sed 's/^/# /' "$work/replay.log"
	tap ok "fuzz inputs through SQL, server alive ($(($(date +%s) - t0)) s)"
else
	tail -20 "$work/replay.log" | sed 's/^/# /'
	tap "not ok" "fuzz inputs through SQL: the server lost a backend"
fi

# 6. sanitizer reports, and backends that died
as_server "$inst_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1
reports=$(cat "$logs"/* 2>/dev/null; grep -E 'runtime error:|AddressSanitizer|UndefinedBehaviorSanitizer' "$work/server.log")
if [ -z "$reports" ]; then
	tap ok "no ASan/UBSan report ($regress_s s of pg_regress)"
else
	echo "$reports" | head -150 | sed 's/^/# /'
	tap "not ok" "ASan/UBSan reports: $(echo "$reports" | grep -cE 'ERROR: AddressSanitizer|runtime error:') (server log and $logs)"
fi
crashes=$(grep -E 'terminated by signal|was terminated|server process .* exited with exit code [^0]' "$work/server.log" | head -5)
if [ -z "$crashes" ]; then
	tap ok "no backend crashed"
else
	echo "$crashes" | sed 's/^/# /'
	tap "not ok" "a backend crashed"
fi
echo "# asan.sh took $(($(date +%s) - start_time)) s"
[ $fail = 0 ]
