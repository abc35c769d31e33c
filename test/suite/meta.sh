#!/usr/bin/env bash
# META.json (PGXN) is valid and agrees with maas.control and debian/changelog.
cd "$(dirname "$0")/../.." && exec /usr/bin/python3 test/pgxn/validate_meta.py
