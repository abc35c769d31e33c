/*
 * trials.c
 *	  maas.trials: one row per setting maas_tune tried, written with the
 *	  version the search stored (and deleted with it).  Readers see the
 *	  trials of the versions they may read in maas.models (row-level security).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "catalog/registry.h"

/*
 * Insert the trials of a search that stored version of name (inserted by
 * the caller, so the caller may train it).  Must run inside SPI_connect.
 */
void
MaasTrialsInsert(const char *name, int32 version, const char *scoring,
				 const MaasTrialRow *rows, int n)
{
	Oid			types[13] = {TEXTOID, INT4OID, INT4OID, TEXTOID, JSONBOID, TEXTOID,
		FLOAT8ARRAYOID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT4OID, INT8OID, BOOLOID};
	MaasElevation e;
	SPIPlanPtr	plan;

	MaasElevate(&e);
	plan = SPI_prepare("INSERT INTO maas.trials (name, version, trial, algorithm, setting, "
					   "scoring, scores, mean_score, std_score, fit_ms, round, rows, best) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
					   13, types);
	if (plan == NULL)
		elog(ERROR, "could not prepare the insert into maas.trials");
	for (int i = 0; i < n; i++)
	{
		const MaasTrialRow *t = &rows[i];
		Datum	   *scores = palloc(sizeof(Datum) * Max(t->n_scores, 1));
		Datum		values[13];
		char		nulls[13];

		memset(nulls, ' ', sizeof(nulls));
		for (int f = 0; f < t->n_scores; f++)
			scores[f] = Float8GetDatum(t->scores[f]);
		values[0] = CStringGetTextDatum(name);
		values[1] = Int32GetDatum(version);
		values[2] = Int32GetDatum(t->trial);
		values[3] = CStringGetTextDatum(t->algorithm);
		values[4] = JsonbPGetDatum(t->setting);
		values[5] = CStringGetTextDatum(scoring);
		values[6] = PointerGetDatum(construct_array(scores, t->n_scores, FLOAT8OID,
													sizeof(float8), FLOAT8PASSBYVAL,
													TYPALIGN_DOUBLE));
		values[7] = Float8GetDatum(t->mean);
		values[8] = Float8GetDatum(t->std);
		values[9] = Float8GetDatum(t->fit_ms);
		values[10] = Int32GetDatum(t->round);
		values[11] = Int64GetDatum(t->rows);
		values[12] = BoolGetDatum(t->best);
		if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "could not insert into maas.trials");
	}
	SPI_freeplan(plan);
	MaasRestore(&e);
}
