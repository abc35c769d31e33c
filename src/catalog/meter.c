/*
 * meter.c
 *	  Durable metering: a background worker writes the usage counters
 *	  (usage.c) into each database's maas.usage_log every
 *	  maas.usage_flush_interval, so the sums over time are bills.
 *
 * A background worker connects to one database for its life, and usage
 * comes from every database, so a launcher (no database) starts a
 * short-lived flush worker per database with counts pending, one at a
 * time.  The flush worker takes the pending counts, inserts them with the
 * interval they cover and records the flush in maas.usage_flushes; if the
 * insert fails it gives them back.  Neither runs during recovery: a hot
 * standby keeps its counts in shared memory (maas.usage), and
 * maas_usage_take() hands them over for the primary's log.  A flush after
 * a restart that did not save the counters (a crash) is marked, and
 * maas.usage_gaps shows the window whose counts may be lost: at most one
 * interval.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog/registry.h"

#define MAX_FLUSH_DATABASES		64

int			maas_usage_flush_interval_ms = 10000;

PGDLLEXPORT void MaasUsageLauncherMain(Datum arg);
PGDLLEXPORT void MaasUsageFlushMain(Datum arg);

void
MaasMeterInit(bool preloading)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("maas.usage_flush_interval",
							"Time between writes of the usage counters to maas.usage_log; 0 turns them off.",
							"A crash loses at most the counts of one interval.",
							&maas_usage_flush_interval_ms,
							10000, 0, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);
	if (!preloading)
		return;
	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "maas");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "MaasUsageLauncherMain");
	snprintf(worker.bgw_name, BGW_MAXLEN, "maas usage launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "maas usage launcher");
	RegisterBackgroundWorker(&worker);
}

/* Start the flush worker of one database and wait until it is done */
static void
FlushDatabase(Oid dbid)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "maas");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "MaasUsageFlushMain");
	snprintf(worker.bgw_name, BGW_MAXLEN, "maas usage flush");
	snprintf(worker.bgw_type, BGW_MAXLEN, "maas usage flush");
	worker.bgw_main_arg = ObjectIdGetDatum(dbid);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(LOG,
				(errmsg("maas could not start a usage flush worker"),
				 errhint("Raise max_worker_processes.")));
		return;
	}
	/* polled as well as signalled: a missed notification must not stop metering */
	while (GetBackgroundWorkerPid(handle, &pid) != BGWH_STOPPED)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(handle);
}

void
MaasUsageLauncherMain(Datum arg)
{
	/* databases whose flush found no maas.usage_log: tried again later */
	Oid			skip[MAX_FLUSH_DATABASES];
	TimestampTz skip_until[MAX_FLUSH_DATABASES];
	int			n_skip = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	for (;;)
	{
		Oid			dbids[MAX_FLUSH_DATABASES];
		int			n;
		int			wait = maas_usage_flush_interval_ms > 0 ? maas_usage_flush_interval_ms : 60000;

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 wait, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (maas_usage_flush_interval_ms <= 0)
			continue;
		n = MaasUsagePendingDatabases(dbids, MAX_FLUSH_DATABASES);
		for (int i = 0; i < n; i++)
		{
			TimestampTz now = GetCurrentTimestamp();
			bool		skipped = false;

			for (int j = 0; j < n_skip; j++)
				skipped |= skip[j] == dbids[i] && skip_until[j] > now;
			if (skipped)
				continue;
			FlushDatabase(dbids[i]);
			CHECK_FOR_INTERRUPTS();
			/* no log table there (maas not updated): back off */
			if (MaasUsageNoLog() == dbids[i] && n_skip < MAX_FLUSH_DATABASES)
			{
				int			j = 0;

				while (j < n_skip && skip[j] != dbids[i])
					j++;
				skip[j] = dbids[i];
				skip_until[j] = TimestampTzPlusMilliseconds(now, 60000);
				n_skip = Max(n_skip, j + 1);
			}
		}
	}
}

/* The interval this flush covers, and whether it follows the last one */
static void
FlushInterval(TimestampTz counting_since, Datum *start, bool *continued)
{
	*start = TimestampTzGetDatum(counting_since);
	*continued = true;
	if (SPI_execute("SELECT interval_end, counting_since FROM maas.usage_flushes "
					"ORDER BY interval_end DESC LIMIT 1", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		TimestampTz started;

		*start = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		started = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 2, &isnull));
		/*
		 * The counters carry their start across a clean stop (usage.c saves
		 * it with the pending counts), so a new one means a start without
		 * them: a crash
		 */
		*continued = started == counting_since;
	}
}

static void
WriteRows(const MaasUsageRow *rows, int n, TimestampTz counting_since)
{
	Oid			types[10] = {TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT4OID,
	INT8OID, INT8OID, INT8OID, FLOAT8OID, INT8OID};
	Datum		values[10];
	Oid			ftypes[5] = {TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, TIMESTAMPTZOID, BOOLOID};
	Datum		fvalues[5];
	bool		continued;

	FlushInterval(counting_since, &values[0], &continued);
	values[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	for (int i = 0; i < n; i++)
	{
		const MaasUsageCounts *c = &rows[i].counts;
		char	   *role = GetUserNameFromId(rows[i].key.roleid, true);

		values[2] = CStringGetTextDatum(role ? role : psprintf("#%u", rows[i].key.roleid));
		values[3] = CStringGetTextDatum(rows[i].key.name);
		values[4] = Int32GetDatum(rows[i].key.version);
		values[5] = Int64GetDatum(c->predictions);
		values[6] = Int64GetDatum(c->rows_evaluated);
		values[7] = Int64GetDatum(c->training_runs);
		values[8] = Float8GetDatum(c->training_ms);
		values[9] = Int64GetDatum(c->bytes_read);
		if (SPI_execute_with_args("INSERT INTO maas.usage_log (interval_start, interval_end, role, "
								  "model, version, predictions, rows_evaluated, training_runs, "
								  "training_ms, bytes_read) "
								  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
								  10, types, values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert into maas.usage_log");
	}
	fvalues[0] = values[0];
	fvalues[1] = values[1];
	fvalues[2] = Int32GetDatum(n);
	fvalues[3] = TimestampTzGetDatum(counting_since);
	fvalues[4] = BoolGetDatum(continued);
	if (SPI_execute_with_args("INSERT INTO maas.usage_flushes (interval_start, interval_end, "
							  "entries, counting_since, continued) VALUES ($1, $2, $3, $4, $5)",
							  5, ftypes, fvalues, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.usage_flushes");
}

void
MaasUsageFlushMain(Datum arg)
{
	Oid			dbid = DatumGetObjectId(arg);
	MaasUsageRow *volatile rows = NULL;
	volatile int n = 0;
	bool		restored;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);
	pgstat_report_appname("maas usage flush");

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "maas: writing usage counters to maas.usage_log");
	if (SPI_execute("SELECT pg_catalog.to_regclass('maas.usage_flushes') IS NOT NULL",
					true, 1) != SPI_OK_SELECT ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &restored)))
	{
		/* maas is not (or not yet at 0.2.0) in this database: counts stay */
		MaasUsageSetNoLog(dbid);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		proc_exit(0);
	}
	PG_TRY();
	{
		int			taken;
		TimestampTz started;

		rows = MaasUsageTake(dbid, &taken, &restored, &started);
		n = taken;
		if (n > 0)
			WriteRows(rows, n, started);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* not written: the counts go back for the next flush */
		if (n > 0)
			MaasUsageGiveBack(rows, n);
		PG_RE_THROW();
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
