#!/usr/bin/env bash
# Install the Debian packages maas builds, tests and benchmarks with, if missing.
set -euo pipefail

packages=(
	build-essential
	postgresql-15 postgresql-server-dev-15 postgresql-plpython3-15
	libopenblas-dev liblapacke-dev
	libipc-run-perl
	python3-sklearn python3-xgboost python3-psycopg2 python3-pandas
	clang libclang-rt-14-dev llvm-14	# llvm-symbolizer: sanitizer reports with file:line
	sqlsmith
	python3-psycopg libpostgresql-jdbc-java	# test/suite/drivers.sh
	postgresql-server-dev-all debhelper dpkg-dev fakeroot	# debian/ packages (test/suite/package.sh)
)
# Node.js and a JDK for test/suite/drivers.sh, unless some are installed
# already (Node.js from elsewhere, e.g. NodeSource, brings its own npm)
command -v npm >/dev/null || packages+=(nodejs npm)
command -v javac >/dev/null || packages+=(default-jdk-headless)

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
$sudo pg_ctlcluster 15 main stop 2>/dev/null || true
