#!/usr/bin/env bash
# The Debian packages: build postgresql-NN-maas with dpkg-buildpackage (from
# debian/, PostgreSQL's pg_buildext) in a temp copy of the tree, install
# each into a temp root (a private copy of that PostgreSQL with the
# package's files unpacked over it: the system's installation is not
# touched), start a clean cluster from it with maas preloaded, and run the
# whole installcheck suite against the installed files.  Prints TAP.
#
# It takes about 7 minutes on 2 cores (2 to build, 5 for the suite), so
# make test runs it only with
#   MAAS_PACKAGE_TEST=1 make test        (or MAAS_PACKAGE_TEST=1 test/suite/package.sh)
# MAAS_PACKAGE_KEEP=1 keeps the temp directory (the .deb files, logs).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/pg-env.sh

if [ "${MAAS_PACKAGE_TEST:-0}" != 1 ]; then
	echo "1..0 # SKIP the package build takes minutes: MAAS_PACKAGE_TEST=1 runs it"
	exit 0
fi
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
finish() { echo "1..$n"; exit 0; }

work=$(mktemp -d /tmp/maas-package.XXXXXX)
chmod 755 "$work"
cluster=
cleanup() {
	[ -n "$cluster" ] && test/cluster.sh stop "$cluster" >/dev/null 2>&1
	if [ "${MAAS_PACKAGE_KEEP:-0}" = 1 ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# the source: the files git tracks or would track (build outputs stay out)
mkdir "$work/maas"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$work/maas"
else
	tar --exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude=results --exclude=tmp_check \
		--exclude=log -cf - . | tar -xf - -C "$work/maas"
fi

start=$(date +%s)
if (cd "$work/maas" && dpkg-buildpackage -us -uc -b -j2) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"
else
	tail -40 "$work/build.log" | sed 's/^/# /'
	notok "dpkg-buildpackage -us -uc -b"
	finish
fi
versions=$(cd "$work/maas" && pg_buildext supported-versions)
debs=()
for v in $versions; do
	deb=$(ls "$work"/postgresql-"$v"-maas_*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ]; then ok "built $(basename "$deb") for PostgreSQL $v"; debs+=("$v:$deb")
	else notok "no postgresql-$v-maas package for PostgreSQL $v"; fi
done

for vd in "${debs[@]}"; do
	v=${vd%%:*}
	deb=${vd#*:}
	contents=$(dpkg-deb -c "$deb")
	for f in "lib/postgresql/$v/lib/maas.so" "share/postgresql/$v/extension/maas.control" \
		"share/postgresql/$v/extension/maas--0.1.0.sql" "share/postgresql/$v/extension/maas--0.1.0--0.2.0.sql"; do
		check "$v: the package has /usr/$f" grep -q "\./usr/$f\$" <<<"$contents"
	done
	depends=$(dpkg-deb -f "$deb" Depends)
	check "$v: depends on postgresql-$v, OpenBLAS and LAPACKE ($depends)" \
		grep -qE "postgresql-$v\b.*libopenblas0.*liblapacke" <<<"$depends"

	# the temp root: a private copy of PostgreSQL $v without maas, then the package
	pgroot=$work/root-$v
	eval "$(PG_MAJOR=$v test/private-pg.sh "$pgroot")"
	rm -rf "$pgroot/usr/lib/postgresql/$v/lib/maas.so" "$pgroot/usr/lib/postgresql/$v/lib/bitcode/maas" \
		"$pgroot/usr/lib/postgresql/$v/lib/bitcode/maas.index.bc" "$pgroot"/usr/share/postgresql/"$v"/extension/maas[.-]*
	dpkg-deb -x "$deb" "$pgroot"
	check "$v: the server's library directory holds the package's maas.so" \
		cmp -s "$("$PG_CONFIG" --pkglibdir)/maas.so" <(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/lib/postgresql/$v/lib/maas.so")

	# a clean cluster from the temp root, the whole suite
	if ! env=$(MAAS_PRELOAD=1 test/cluster.sh start); then
		notok "$v: start a cluster from the installed package"
		continue
	fi
	eval "$env"
	cluster=$MAAS_CLUSTER
	check "$v: CREATE EXTENSION maas from the package gives 0.2.0" \
		test "$("$PG_BIN/psql" -XAtq -d postgres -c 'CREATE EXTENSION maas' \
			-c "SELECT extversion FROM pg_extension WHERE extname = 'maas'")" = 0.2.0
	start=$(date +%s)
	make -s -C "$work/maas" installcheck PG_CONFIG="$PG_CONFIG" >"$work/installcheck-$v.log" 2>&1
	# one TAP line per pg_regress test: "test x ... ok" (15), "ok 1 - x" (16+)
	while IFS= read -r line; do
		if [[ $line =~ ^(test\ )?\ *([A-Za-z0-9_]+)\ +\.\.\.\ +(ok|FAILED|failed) ]]; then
			[ "${BASH_REMATCH[3]}" = ok ] && ok "$v: installcheck ${BASH_REMATCH[2]}" || notok "$v: installcheck ${BASH_REMATCH[2]}"
		elif [[ $line =~ ^(not\ )?ok\ +[0-9]+\ +[-+]\ +([A-Za-z0-9_]+) ]]; then
			[ -z "${BASH_REMATCH[1]}" ] && ok "$v: installcheck ${BASH_REMATCH[2]}" || notok "$v: installcheck ${BASH_REMATCH[2]}"
		fi
	done <"$work/installcheck-$v.log"
	grep -qE 'tests passed|All [0-9]+ tests' "$work/installcheck-$v.log" ||
		{ notok "$v: installcheck did not pass"; [ -f "$work/maas/regression.diffs" ] && head -100 "$work/maas/regression.diffs" | sed 's/^/# /'; }
	echo "# $v: installcheck took $(($(date +%s) - start)) s"
	test/cluster.sh stop "$cluster" >/dev/null 2>&1
	cluster=
done
finish
