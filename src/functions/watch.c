/*
 * watch.c
 *	  maas_progress(), behind the view maas.progress: the training runs in
 *	  progress on this server, one row per backend, as pg_stat_progress_*
 *	  show theirs.
 *
 * A role sees the runs of the roles whose privileges it has; members of
 * pg_read_all_stats see every run.  Without maas in
 * shared_preload_libraries there is no shared memory to publish runs in,
 * and the view is empty.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "functions/functions.h"

#define PROGRESS_COLUMNS	12

PG_FUNCTION_INFO_V1(maas_progress);
Datum
maas_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MaasProgressRow *rows;
	int			n = MaasWatchSnapshot(&rows);
	bool		all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	TimestampTz now = GetCurrentTimestamp();

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < n; i++)
	{
		const MaasProgressRow *r = &rows[i];
		Datum		values[PROGRESS_COLUMNS];
		bool		nulls[PROGRESS_COLUMNS] = {0};
		char	   *database;
		char	   *role;

		if (!all && !has_privs_of_role(GetUserId(), r->userid))
			continue;
		database = get_database_name(r->dbid);
		role = GetUserNameFromId(r->userid, true);
		values[0] = Int32GetDatum(r->pid);
		values[1] = database ? CStringGetTextDatum(database) : (Datum) 0;
		nulls[1] = database == NULL;
		values[2] = role ? CStringGetTextDatum(role) : (Datum) 0;
		nulls[2] = role == NULL;
		values[3] = CStringGetTextDatum(r->name);
		values[4] = CStringGetTextDatum(r->algorithm);
		values[5] = CStringGetTextDatum(r->phase);
		values[6] = Int64GetDatum(r->rows_read);
		values[7] = Int64GetDatum(r->iteration);
		values[8] = Int64GetDatum(r->total);
		nulls[8] = r->total <= 0;
		values[9] = TimestampTzGetDatum(r->started);
		values[10] = DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(now),
										 TimestampTzGetDatum(r->started));
		values[11] = Float8GetDatum(r->loss);
		nulls[11] = isnan(r->loss);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* maas_progress_enabled(): whether this server publishes runs at all */
PG_FUNCTION_INFO_V1(maas_progress_enabled);
Datum
maas_progress_enabled(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(MaasWatchEnabled());
}
