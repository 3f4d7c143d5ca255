#!/usr/bin/env bash
# Makes sure the PostgreSQL server programs are here: the store tests and
# BENCH_STORE=postgres start a private server from them. Debian keeps
# initdb and postgres in /usr/lib/postgresql/VERSION/bin, off PATH.
set -euo pipefail

if command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
	exit 0
fi
if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
	echo "PostgreSQL's server programs are missing: install the Debian package postgresql" \
		"(apt-get install postgresql) or put initdb and postgres on PATH" >&2
	exit 1
fi
echo "installing the Debian package postgresql"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
# PostgreSQL refuses to run as root, so the tests run it as the postgres
# user, which the package creates.
if ! id postgres >/dev/null 2>&1; then
	echo "the postgres user is missing after installing postgresql: reinstall postgresql-common" >&2
	exit 1
fi
