/* maas--0.1.0--0.2.0.sql: from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION maas UPDATE TO '0.2.0'" to load this file. \quit

/*
 * There is no maas--0.2.0.sql: CREATE EXTENSION maas runs maas--0.1.0.sql
 * (frozen as tagged v0.1.0) and then this script, so a fresh install and an
 * upgraded one are the same objects by construction.  Everything new in
 * 0.2.0 goes here, after what it builds on.
 */

-- New tasks: unsupervised families and recommenders
ALTER TABLE maas.models DROP CONSTRAINT models_task_check;
ALTER TABLE maas.models ADD CONSTRAINT models_task_check
	CHECK (task IN ('regression', 'binary', 'multiclass',
					'clustering', 'decomposition', 'recommendation'));

-- metering: usage per version, written to maas.usage_log by a background worker

DROP VIEW maas.usage;
DROP FUNCTION maas_usage();
CREATE FUNCTION maas_usage(OUT database text, OUT role text, OUT model text,
						   OUT version integer, OUT predictions bigint,
						   OUT rows_evaluated bigint, OUT training_runs bigint,
						   OUT training_ms float8, OUT bytes_read bigint,
						   OUT last_used timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_usage'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_usage() IS
'predictions served, rows evaluated, training runs and model bytes read per database, role, model and version since the server started or maas_usage_reset()';
CREATE VIEW maas.usage AS SELECT * FROM @extschema@.maas_usage();
COMMENT ON VIEW maas.usage IS 'maas: usage per database, role, model and version (this server only, since start or reset)';
GRANT SELECT ON maas.usage TO PUBLIC;

DROP VIEW maas.usage_info;
DROP FUNCTION maas_usage_info();
CREATE FUNCTION maas_usage_info(OUT entries bigint, OUT max_entries bigint,
								OUT dropped bigint, OUT reset_at timestamptz,
								OUT evicted bigint, OUT pending_entries bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maas_usage_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_usage_info() IS
'how full the usage table is; counts it could not keep because it was full (dropped); entries already in maas.usage_log removed to make room (evicted); entries with counts not yet in maas.usage_log';
CREATE VIEW maas.usage_info AS SELECT * FROM @extschema@.maas_usage_info();
COMMENT ON VIEW maas.usage_info IS 'maas: usage table entries, capacity, counts dropped and entries evicted since reset_at, entries pending a flush (this server only)';
GRANT SELECT ON maas.usage_info TO PUBLIC;

CREATE FUNCTION maas_usage_take(OUT database text, OUT role text, OUT model text,
								OUT version integer, OUT predictions bigint,
								OUT rows_evaluated bigint, OUT training_runs bigint,
								OUT training_ms float8, OUT bytes_read bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_usage_take'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_usage_take() IS
'hand over the counts not yet in maas.usage_log, once (they are zeroed): how a hot standby''s usage reaches the primary''s log';
REVOKE ALL ON FUNCTION maas_usage_take() FROM PUBLIC;

-- One row per (interval, role, model, version): sums over time are bills
CREATE TABLE maas.usage_log (
	interval_start	timestamptz NOT NULL,
	interval_end	timestamptz NOT NULL,
	role			text NOT NULL,
	model			text NOT NULL,
	version			integer NOT NULL,
	predictions		bigint NOT NULL DEFAULT 0,
	rows_evaluated	bigint NOT NULL DEFAULT 0,
	training_runs	bigint NOT NULL DEFAULT 0,
	training_ms		float8 NOT NULL DEFAULT 0,
	bytes_read		bigint NOT NULL DEFAULT 0,
	source			text NOT NULL DEFAULT 'primary'
);
CREATE INDEX usage_log_interval_end ON maas.usage_log (interval_end);
CREATE INDEX usage_log_model ON maas.usage_log (model, interval_end);
COMMENT ON TABLE maas.usage_log IS
'maas: usage counts per interval, role, model and version, written every maas.usage_flush_interval (source: primary, or the standby they were taken from)';
REVOKE ALL ON maas.usage_log FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.usage_log', '');

-- One row per flush: the interval it covers, and whether it follows the
-- previous one without a restart that lost counts
CREATE TABLE maas.usage_flushes (
	flushed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	interval_start	timestamptz NOT NULL,
	interval_end	timestamptz NOT NULL,
	entries			integer NOT NULL,
	counting_since	timestamptz NOT NULL,
	continued		boolean NOT NULL
);
COMMENT ON TABLE maas.usage_flushes IS
'maas: each write of the usage counters to maas.usage_log';
REVOKE ALL ON maas.usage_flushes FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.usage_flushes', '');

CREATE VIEW maas.usage_gaps AS
SELECT previous_end AS counted_until, counting_since AS counting_again_since,
	   counting_since - previous_end AS duration
FROM (SELECT f.*, pg_catalog.lag(f.interval_end) OVER (ORDER BY f.interval_end) AS previous_end
	  FROM maas.usage_flushes f) s
WHERE NOT continued AND previous_end IS NOT NULL;
COMMENT ON VIEW maas.usage_gaps IS
'maas: restarts that did not save the usage counters (a crash): counts between counted_until and counting_again_since may be lost (at most one flush interval''s)';
REVOKE ALL ON maas.usage_gaps FROM PUBLIC;

-- quotas and rate limits per model and role

CREATE TABLE maas.quotas (
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE ON UPDATE CASCADE,
	role			text NOT NULL,
	predictions_per_minute bigint CHECK (predictions_per_minute >= 0),
	predictions_per_day bigint CHECK (predictions_per_day >= 0),
	trainings_per_day bigint CHECK (trainings_per_day >= 0),
	PRIMARY KEY (name, role)
);
COMMENT ON TABLE maas.quotas IS
'maas: quotas per model and role (or public, for every role without its own); NULL is no limit';
GRANT SELECT ON maas.quotas TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.quotas', '');

CREATE FUNCTION maas_set_quota(name text, role text, limits jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'maas_set_quota'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_set_quota(text, text, jsonb) IS
'the owner sets a role''s (or public''s) quota on a model: {"predictions_per_minute": n, "predictions_per_day": n, "trainings_per_day": n}; {} or NULL removes it';

-- prices and invoices

CREATE TABLE maas.prices (
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE ON UPDATE CASCADE,
	version			integer CHECK (version > 0),
	per_1000_predictions numeric NOT NULL DEFAULT 0 CHECK (per_1000_predictions >= 0),
	per_1000_rows_evaluated numeric NOT NULL DEFAULT 0 CHECK (per_1000_rows_evaluated >= 0),
	per_training_second numeric NOT NULL DEFAULT 0 CHECK (per_training_second >= 0),
	billing_role	text,
	currency		text NOT NULL DEFAULT 'USD',
	set_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	set_by			name NOT NULL DEFAULT CURRENT_USER
);
CREATE UNIQUE INDEX prices_name_version ON maas.prices (name, (coalesce(version, 0)));
COMMENT ON TABLE maas.prices IS
'maas: prices per model, for one version or (version NULL) for every version without its own';
GRANT SELECT ON maas.prices TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.prices', '');

CREATE FUNCTION maas_set_price(name text, price jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'maas_set_price'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_set_price(text, jsonb) IS
'the owner prices a model: {"per_1000_predictions": 0.05, "per_1000_rows_evaluated": 0.01, "per_training_second": 0.02, "version": 2, "billing_role": "finance", "currency": "EUR"}; without an amount it removes that price';

-- What the caller may bill: rows of models it owns, or whose billing role
-- it has.  A view reads maas.usage_log with its owner's rights, while
-- CURRENT_USER in it is the role querying.
CREATE VIEW maas.billable_usage AS
SELECT u.*, n.owner
FROM maas.usage_log u
JOIN maas.names n ON n.name = u.model
WHERE pg_catalog.pg_has_role(CURRENT_USER, n.owner, 'USAGE')
   OR EXISTS (SELECT FROM maas.prices p
			  WHERE p.name = u.model AND p.billing_role IS NOT NULL
				AND (p.billing_role = 'public'
					 OR pg_catalog.pg_has_role(CURRENT_USER, p.billing_role, 'USAGE')));
COMMENT ON VIEW maas.billable_usage IS
'maas: the usage log rows of models the current role owns, or whose billing role it has';
GRANT SELECT ON maas.billable_usage TO PUBLIC;

CREATE FUNCTION maas_invoice(from_time timestamptz, to_time timestamptz)
RETURNS TABLE (role text, model text, version integer, predictions bigint,
			   rows_evaluated bigint, training_runs bigint, training_seconds numeric,
			   amount numeric, currency text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT u.role, u.model, u.version, sum(u.predictions)::bigint, sum(u.rows_evaluated)::bigint,
		   sum(u.training_runs)::bigint, round((sum(u.training_ms) / 1000)::numeric, 3),
		   round(coalesce(sum(u.predictions) / 1000.0 * p.per_1000_predictions
							  + sum(u.rows_evaluated) / 1000.0 * p.per_1000_rows_evaluated
							  + (sum(u.training_ms) / 1000)::numeric * p.per_training_second, 0), 6),
		   coalesce(p.currency, 'USD')
	FROM maas.billable_usage u
	LEFT JOIN LATERAL (SELECT * FROM maas.prices p
					   WHERE p.name = u.model AND (p.version = u.version OR p.version IS NULL)
					   ORDER BY p.version IS NULL LIMIT 1) p ON true
	WHERE u.interval_end > from_time AND u.interval_end <= to_time
	GROUP BY u.role, u.model, u.version, p.per_1000_predictions, p.per_1000_rows_evaluated,
			 p.per_training_second, p.currency
	ORDER BY u.role, u.model, u.version
$$;
COMMENT ON FUNCTION maas_invoice(timestamptz, timestamptz) IS
'per role, model and version: the usage logged in (from_time, to_time] and its amount at the model''s prices; the models the caller owns or bills';
