#!/usr/bin/env bash
# Install the Debian packages maas builds, tests and benchmarks with, if missing.
# PostgreSQL: the major of PG_CONFIG (test/pg-env.sh: default the newest
# installed, else the release's own: 15 on Debian 12, 17 on Debian 13); none
# for an installation that is not Debian's (PG_CONFIG=/elsewhere/pg_config).
set -euo pipefail
. "$(dirname "$0")/pg-env.sh"

# the release's default clang, whose sanitizer runtime and symbolizer go with it
llvm=$(apt-cache depends clang 2>/dev/null | sed -nE 's/^ *Depends: clang-([0-9]+)$/\1/p' | head -1) || true
if [ -z "$llvm" ]; then
	case $(. /etc/os-release && echo "${VERSION_ID:-}") in
		12) llvm=14 ;;
		*) llvm=19 ;;
	esac
fi

packages=(
	build-essential
	libopenblas-dev liblapacke-dev
	libipc-run-perl
	python3-sklearn python3-xgboost python3-psycopg2 python3-pandas
	clang "libclang-rt-$llvm-dev" "llvm-$llvm"	# llvm-symbolizer: sanitizer reports with file:line
	sqlsmith
	fasttext	# test/reference/text_reference.py, bench/text.sh
	chromium python3-pil	# test/t/061_report.pl: maas_report rendered headless
	python3-torch	# test/reference/nn_*_reference.py, sequence and transformer references, bench/sequence.sh, bench/transformer.sh
	python3-psycopg libpostgresql-jdbc-java	# test/suite/drivers.sh
	postgresql-server-dev-all debhelper dpkg-dev fakeroot	# debian/ packages (test/suite/package.sh)
)
# Node.js and a JDK for test/suite/drivers.sh, unless some are installed
# already (Node.js from elsewhere, e.g. NodeSource, brings its own npm)
# ONNX Runtime (the module maas_onnx) and what TAP 065 and bench/onnx.sh
# build models with, where the release has them (Debian 13 and later)
for p in libonnxruntime-dev python3-onnxruntime python3-onnx python3-torch; do
	apt-cache show "$p" >/dev/null 2>&1 && packages+=("$p")
done
command -v npm >/dev/null || packages+=(nodejs npm)
command -v javac >/dev/null || packages+=(default-jdk-headless)
case $PG_CONFIG in
	/usr/lib/postgresql/*/bin/pg_config)
		packages+=("postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" "postgresql-plpython3-$PG_MAJOR") ;;
esac

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts a cluster on install; the tests run their own
[ -n "$PG_MAJOR" ] && { $sudo pg_ctlcluster "$PG_MAJOR" main stop 2>/dev/null || true; }
