#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up
# to the version of the admin-tools image, then creates the service's
# claim-check store database when BATCH_STORE_DATABASE is set (the
# service creates its tables itself). Safe to run again.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
DB_PORT="${DB_PORT:-5432}"
schema=/etc/temporal/schema/postgresql/v12

tool() {
	temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" \
		-pw "$POSTGRES_PWD" -p "$DB_PORT" "$@"
}

for db in temporal temporal_visibility; do
	dir="$schema/temporal/versioned"
	[ "$db" = temporal_visibility ] && dir="$schema/visibility/versioned"
	tool --db "$db" create || echo "database $db exists"
	tool --db "$db" setup-schema -v 0.0 || echo "schema of $db already set up"
	tool --db "$db" update-schema -d "$dir"
done

if [ -n "${BATCH_STORE_DATABASE:-}" ]; then
	tool --db "$BATCH_STORE_DATABASE" create || echo "database $BATCH_STORE_DATABASE exists"
fi
echo "schemas ready"
