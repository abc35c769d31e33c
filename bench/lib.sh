# bench/lib.sh: shell helpers shared by bench/run.sh and bench/compare.sh
# (sourced, not run).  Every function works on the cluster the PG*
# variables point at.

as_server_user() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# bench_tables ROWS: the extensions and the tables of bench/setup.sql
bench_tables() {
	sql -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION IF NOT EXISTS maas" \
		-c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
		-c "CREATE EXTENSION IF NOT EXISTS pg_buffercache"
	sql -v rows="$1" -f bench/setup.sql >/dev/null
}

# fit_shared_buffers PG_BIN CLUSTER_DIR: every table of the database (and
# some room for the catalog and maas.models) must stay in shared_buffers;
# raise it and restart the cluster if they do not fit.
fit_shared_buffers() {
	local bin=$1 dir=$2 need have mb
	need=$(sql -At -c "SELECT (coalesce(sum(pg_table_size(oid)), 0) * 5 / 4 + 64 * 1024 * 1024)::bigint
	                   FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
	have=$(sql -At -c "SELECT setting::bigint * current_setting('block_size')::bigint
	                   FROM pg_settings WHERE name = 'shared_buffers'")
	echo "tables need $((need / 1048576)) MB of shared_buffers, the cluster has $((have / 1048576)) MB"
	if [ "$need" -gt "$have" ]; then
		mb=$(((need + 1048575) / 1048576))
		echo "raising shared_buffers to ${mb}MB and restarting"
		sql -c "ALTER SYSTEM SET shared_buffers = '${mb}MB'"
		as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 restart >/dev/null
	fi
}
