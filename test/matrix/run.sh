#!/usr/bin/env bash
# make test-matrix: build maas and run its regression (pg_regress) and TAP
# suites in a chroot of each Debian release, against that release's own
# PostgreSQL packages; print a table release x PostgreSQL x result and end
# with "N passed, N failed" (tests, summed over the releases).
#
#   test/matrix/run.sh                  every release of $MAAS_MATRIX_RELEASES
#   test/matrix/run.sh trixie forky     only these
#   test/matrix/run.sh --prepare [...]  only make the missing chroots
#
# Settings (environment):
#   MAAS_MATRIX_RELEASES  default "bookworm trixie forky" (PostgreSQL 15,
#                         17, 18: each release's default major)
#   MAAS_MATRIX_CACHE     where the chroots are kept between runs
#                         (default /var/cache/maas-matrix; one directory per
#                         release, made again when missing or incomplete)
#   MAAS_MATRIX_REFRESH=1 make the chroots again (new packages)
#   MAAS_MATRIX_MIRROR    the Debian mirror (default: the first Debian
#                         archive of this machine's /etc/apt sources)
#   MAAS_MATRIX_TIMEOUT   seconds for one release's build and tests
#                         (default 1500)
#   MAAS_MATRIX_PG_SOURCE a PostgreSQL source tree (a release tarball
#                         unpacked, or a git checkout): an entry RELEASE+src
#                         in the list builds it (--enable-tap-tests) in a copy
#                         of RELEASE's chroot, kept while the tree's
#                         configure is unchanged, and tests against it; for a
#                         major no Debian release ships (16):
#       MAAS_MATRIX_PG_SOURCE=$HOME/postgresql-16.4 test/matrix/run.sh bookworm+src
#
# Needs root (debootstrap, chroot, mounts); installs debootstrap if
# missing.  The tests run as the unprivileged user "matrix" of the chroot,
# against a private copy of its PostgreSQL (test/private-pg.sh), from a
# copy of this work tree (tracked and untracked files, not ignored ones),
# in a private mount and PID namespace: nothing they start outlives them.
# Each release's log: $MAAS_MATRIX_CACHE/logs/RELEASE.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here=$root/test/matrix

prepare_only=0
[ "${1:-}" = --prepare ] && { prepare_only=1; shift; }
releases=${MAAS_MATRIX_RELEASES:-bookworm trixie forky}
[ $# -gt 0 ] && releases="$*"
cache=${MAAS_MATRIX_CACHE:-/var/cache/maas-matrix}
timeout_s=${MAAS_MATRIX_TIMEOUT:-1500}

if [ "$(id -u)" != 0 ]; then
	echo "test/matrix/run.sh needs root (debootstrap, chroot): sudo make test-matrix" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# the Debian archive this machine's apt uses (deb822 .sources or one-line
# .list), not its security archive
mirror() {
	[ -n "${MAAS_MATRIX_MIRROR:-}" ] && { echo "$MAAS_MATRIX_MIRROR"; return; }
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -nE 's/^(URIs:|deb( \[[^]]*\])?) *([^ ]*\/debian\/?)( .*)?$/\3/p' | head -1)
	echo "${m:-http://deb.debian.org/debian}"
}

# the packages a release needs to build and test maas; $1 its PostgreSQL major
packages() {
	echo build-essential ca-certificates perl libipc-run-perl python3 python3-psycopg2 \
		libopenblas-dev liblapacke-dev \
		"postgresql-$1" "postgresql-server-dev-$1" "postgresql-client-$1"
}

# ONNX Runtime (the module maas_onnx) and what TAP 065 and bench/onnx.sh
# build and check models with, where the release has them (Debian 13 and
# later); $1 the chroot, its package lists updated
onnx_packages() {
	local p
	for p in libonnxruntime-dev python3-onnxruntime python3-onnx python3-torch; do
		in_root "$1" apt-cache show "$p" >/dev/null 2>&1 && echo "$p"
	done
	return 0
}

in_root() {	# run a command in the chroot $1, as root, with /proc and /dev
	local dir=$1
	shift
	unshare --mount --pid --fork --kill-child --propagation private -- "$here/enter.sh" "$dir" "$@"
}

# make the chroot of release $1 in $cache/$1, unless it is there and complete
# (the marker .maas-matrix is written last; a half-made one is made again)
prepare() {
	local rel=$1 dir=$cache/$1 new=$cache/$1.new script major
	if [ -f "$dir/.maas-matrix" ] && [ "${MAAS_MATRIX_REFRESH:-0}" != 1 ]; then
		return 0
	fi
	echo "== $rel: debootstrap from $(mirror) into $dir"
	command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap || return 1
	rm -rf "$new"
	mkdir -p "$cache"
	# debootstrap knows the releases of its time; a newer one is made like sid
	script=/usr/share/debootstrap/scripts/$rel
	[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
	debootstrap --variant=minbase --components=main "$rel" "$new" "$(mirror)" "$script" || return 1
	echo "deb $(mirror) $rel main" >"$new/etc/apt/sources.list"
	# a mirror that is a snapshot serves Release files past their Valid-Until
	echo 'Acquire::Check-Valid-Until "false";' >"$new/etc/apt/apt.conf.d/99maas-matrix"
	# no cluster of the package's own, no services started in the chroot
	mkdir -p "$new/etc/postgresql-common/createcluster.d"
	echo "create_main_cluster = false" >"$new/etc/postgresql-common/createcluster.d/maas-matrix.conf"
	printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
	chmod 755 "$new/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null
	in_root "$new" apt-get update -q || return 1
	# the release's PostgreSQL: what its metapackage "postgresql" depends on
	major=$(in_root "$new" apt-cache depends postgresql | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -1)
	[ -n "$major" ] || { echo "$rel: no PostgreSQL package found" >&2; return 1; }
	# shellcheck disable=SC2046
	in_root "$new" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$(packages "$major") $(onnx_packages "$new") || return 1
	in_root "$new" apt-get clean
	echo "$major" >"$new/.maas-matrix"
	rm -rf "$dir"
	mv "$new" "$dir"
}

# copy the work tree into the chroot's /home/matrix/src: tracked and untracked
# files, not ignored ones (build output); without git, all but build output
copy_tree() {
	local dir=$1 dst=$1/home/matrix/src
	# the unprivileged user the build and the tests run as
	in_root "$dir" sh -c 'id -u matrix >/dev/null 2>&1 || useradd -m -s /bin/bash matrix' || return 1
	rm -rf "$dst" "$dir/home/matrix/pg"
	rm -rf "$dir"/tmp/maas-* 2>/dev/null
	mkdir -p "$dst"
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" ls-files -z --cached --others --exclude-standard |
			(cd "$root" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
			tar -C "$root" --null -T - -cf - | tar -C "$dst" -xf -
	else
		tar -C "$root" --exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude=results \
			--exclude=tmp_check --exclude=test/fuzz/build -cf - . | tar -C "$dst" -xf -
	fi
	in_root "$dir" chown -R matrix: /home/matrix/src
}

# as the user matrix in the chroot $1: the rest of the arguments, killed
# after $limit seconds (default MAAS_MATRIX_TIMEOUT)
as_user() {
	local dir=$1
	shift
	timeout -s KILL "${limit:-$timeout_s}" unshare --mount --pid --fork --kill-child --propagation private -- \
		"$here/enter.sh" "$dir" runuser -u matrix -- env -i HOME=/home/matrix LANG=C.UTF-8 \
		PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# RELEASE+src: a copy of RELEASE's chroot with $MAAS_MATRIX_PG_SOURCE built
# by the user matrix into /home/matrix/pgsql, contrib included (the TAP
# tests use amcheck); .maas-matrix holds its version
prepare_src() {
	local rel=$1 dir=$cache/$1 base=$cache/${1%+src} src=${MAAS_MATRIX_PG_SOURCE:-} stamp
	[ -n "$src" ] && [ -f "$src/configure" ] ||
		{ echo "$rel: MAAS_MATRIX_PG_SOURCE is not a PostgreSQL source tree ($src)"; return 1; }
	# the stamp names the build recipe too, so a chroot made by an older one
	# (e.g. without contrib) is rebuilt
	stamp="$(realpath "$src") $(stat -c %Y "$src/configure") world-bin"
	if [ -f "$dir/.maas-matrix" ] && [ "$(cat "$dir/.source" 2>/dev/null)" = "$stamp" ] &&
		[ "${MAAS_MATRIX_REFRESH:-0}" != 1 ]; then
		return 0
	fi
	echo "== $rel: PostgreSQL from $src in a copy of $base"
	rm -rf "$dir"
	cp -a "$base" "$dir" || return 1
	rm -f "$dir/.maas-matrix"
	in_root "$dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		bison flex zlib1g-dev || return 1
	in_root "$dir" sh -c 'id -u matrix >/dev/null 2>&1 || useradd -m -s /bin/bash matrix' || return 1
	mkdir -p "$dir/home/matrix/pgsrc"
	tar -C "$src" --exclude=.git -cf - . | tar -C "$dir/home/matrix/pgsrc" -xf - || return 1
	in_root "$dir" chown -R matrix: /home/matrix/pgsrc
	limit=7200 as_user "$dir" bash -c 'cd ~/pgsrc && ./configure -q --prefix=$HOME/pgsql --enable-tap-tests \
		--without-icu --without-readline && make -s -j2 world-bin && make -s install-world-bin &&
		rm -rf ~/pgsrc' || return 1
	"$dir/home/matrix/pgsql/bin/pg_config" --version | sed 's/^PostgreSQL //' >"$dir/.maas-matrix.new" || return 1
	echo "$stamp" >"$dir/.source"
	mv "$dir/.maas-matrix.new" "$dir/.maas-matrix"
}

# build and test in the chroot of release $1; the log in $cache/logs/$1.log
run_release() {
	local rel=$1 dir=$cache/$1 major pg
	major=$(cat "$dir/.maas-matrix")
	copy_tree "$dir"
	# as the user matrix, with a private copy of the release's PostgreSQL
	# (or the one built from source): regression and TAP suites only
	# (MAAS_TEST_QUICK), the packages are there
	pg='eval "$(test/private-pg.sh ~/pg)"'
	case $rel in *+src) pg='export PG_CONFIG=$HOME/pgsql/bin/pg_config' ;; esac
	as_user "$dir" PG_MAJOR="$major" MAAS_TEST_QUICK=1 \
		bash -c "cd ~/src && $pg && test/run.sh"
}

mkdir -p "$cache/logs"
# the missing chroots are made side by side (mostly downloads and unpacking)
t0=$(date +%s)
# (an entry RELEASE+src is made after RELEASE, from a copy of it)
declare -A prep prep_rc
for rel in $releases; do
	base=${rel%+src}
	[ -n "${prep[$base]:-}" ] && continue
	prepare "$base" >"$cache/logs/$base.prepare.log" 2>&1 &
	prep[$base]=$!
done
prepared() {	# wait for the chroot of entry $1; 0 when it is there
	local base=${1%+src}
	if [ -z "${prep_rc[$base]:-}" ]; then
		wait "${prep[$base]}"
		prep_rc[$base]=$?
	fi
	[ "${prep_rc[$base]}" = 0 ] || return 1
	[ "$base" = "$1" ] || prepare_src "$1" >"$cache/logs/$1.prepare.log" 2>&1
}
if [ $prepare_only = 1 ]; then
	rc=0
	for rel in $releases; do
		prepared "$rel" || { tail -30 "$cache/logs/$rel.prepare.log"; rc=1; }
	done
	exit $rc
fi
declare -A result counts secs pgver
passed=0
failed=0
for rel in $releases; do
	log=$cache/logs/$rel.log
	if ! prepared "$rel"; then
		tail -30 "$cache/logs/$rel.prepare.log"
		result[$rel]="chroot failed"
		pgver[$rel]="?"
		counts[$rel]="0 passed, 1 failed"
		failed=$((failed + 1))
		secs[$rel]=0
		continue
	fi
	pgver[$rel]=$(cat "$cache/$rel/.maas-matrix")
	[ -s "$cache/logs/$rel.prepare.log" ] && echo "== $rel: chroot made in $(($(date +%s) - t0)) s"
	t0=$(date +%s)
	echo "== $rel: PostgreSQL ${pgver[$rel]} (log: $log)"
	run_release "$rel" >"$log" 2>&1
	rc=$?
	secs[$rel]=$(($(date +%s) - t0))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	if [ -z "$line" ]; then
		line="0 passed, 1 failed"
		[ $rc -eq 137 ] && result[$rel]="timeout" || result[$rel]="no result"
		tail -40 "$log"
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed}
	passed=$((passed + p))
	failed=$((failed + f))
	counts[$rel]=$line
	if [ -z "${result[$rel]:-}" ]; then
		if [ "$f" -eq 0 ] && [ $rc -eq 0 ]; then result[$rel]=ok; else result[$rel]=FAILED; fi
	fi
	if [ "${result[$rel]}" != ok ]; then
		grep -E 'not ok|\.\.\. FAILED|failed \(|error:|Error ' "$log" | head -40
	fi
	echo "   $line (${secs[$rel]} s)"
done

echo
printf '%-10s %-10s %-8s %-24s %s\n' release postgresql result tests seconds
for rel in $releases; do
	printf '%-10s %-10s %-8s %-24s %s\n' "$rel" "${pgver[$rel]}" "${result[$rel]}" "${counts[$rel]}" "${secs[$rel]}"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
