/*
 * usage.c
 *	  Usage accounting per database, role, model and version: predictions
 *	  served, rows evaluated, training runs and their time, bytes of models
 *	  read.  The basis for charging per call.
 *
 * The counters live in shared memory, so they work on hot standbys (where
 * nothing can be written) and cost no I/O.  Each entry has two sets: the
 * totals since the server started or maas_usage_reset() (maas.usage), and
 * the counts not yet written to maas.usage_log (meter.c's worker takes
 * them every maas.usage_flush_interval).  A clean shutdown saves what is
 * pending to a file the next start reads back, so only a crash loses
 * counts: at most one interval's.  Prediction counts rows in its per-query
 * cache and adds them here once, when the query's memory goes away, so the
 * per-row cost is one increment.  Shared memory needs
 * shared_preload_libraries = 'maas'; without it the counters are off.
 */
#include "postgres.h"

#include <unistd.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "catalog/registry.h"

#define USAGE_FILE			PGSTAT_STAT_PERMANENT_DIRECTORY "/maas_usage.stat"
#define USAGE_FILE_MAGIC	0x6d617375	/* "masu" */

typedef struct UsageEntry
{
	MaasUsageKey key;
	MaasUsageCounts total;		/* since start or reset: maas.usage */
	MaasUsageCounts pending;	/* not yet in maas.usage_log */
	TimestampTz last_used;
} UsageEntry;

typedef struct UsageShared
{
	LWLock	   *lock;
	int64		dropped;		/* counts lost because the table was full */
	int64		evicted;		/* flushed entries removed to make room */
	TimestampTz reset_at;		/* start, or the last maas_usage_reset */
	TimestampTz started_at;		/* this shared memory's start (also after a crash) */
	bool		restored;		/* pending counts came back from a clean stop */
	Oid			no_log_dbid;	/* the last flush found no maas.usage_log there */
} UsageShared;

static int	usage_max_entries = 10000;
static UsageShared *usage_shared;
static HTAB *usage_hash;
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

static bool
CountsZero(const MaasUsageCounts *c)
{
	return c->predictions == 0 && c->rows_evaluated == 0 && c->training_runs == 0 &&
		c->training_ms == 0 && c->bytes_read == 0;
}

static void
CountsAdd(MaasUsageCounts *into, const MaasUsageCounts *c)
{
	into->predictions += c->predictions;
	into->rows_evaluated += c->rows_evaluated;
	into->training_runs += c->training_runs;
	into->training_ms += c->training_ms;
	into->bytes_read += c->bytes_read;
}

static Size
UsageShmemSize(void)
{
	return add_size(MAXALIGN(sizeof(UsageShared)),
					hash_estimate_size(usage_max_entries, sizeof(UsageEntry)));
}

static void
UsageShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(UsageShmemSize());
	RequestNamedLWLockTranche("maas", 1);
}

/* Find or make the entry of key; NULL when the table is full (lock held) */
static UsageEntry *
EntryFor(const MaasUsageKey *key, TimestampTz now)
{
	UsageEntry *entry;
	bool		found;

	entry = hash_search(usage_hash, key, HASH_FIND, &found);
	if (entry != NULL)
		return entry;

	/*
	 * A shared hash table grows into spare shared memory past its nominal
	 * size, so the limit is enforced here.  When full, the least recently
	 * used entry whose counts are all in maas.usage_log makes room.
	 */
	if (hash_get_num_entries(usage_hash) >= usage_max_entries)
	{
		HASH_SEQ_STATUS seq;
		UsageEntry *e;
		UsageEntry *victim = NULL;

		hash_seq_init(&seq, usage_hash);
		while ((e = hash_seq_search(&seq)) != NULL)
			if (CountsZero(&e->pending) && (victim == NULL || e->last_used < victim->last_used))
				victim = e;
		if (victim == NULL)
			return NULL;
		hash_search(usage_hash, &victim->key, HASH_REMOVE, NULL);
		usage_shared->evicted++;
	}
	entry = hash_search(usage_hash, key, HASH_ENTER_NULL, &found);
	if (entry != NULL)
	{
		memset(&entry->total, 0, sizeof(entry->total));
		memset(&entry->pending, 0, sizeof(entry->pending));
		entry->last_used = now;
	}
	return entry;
}

/* Write what is pending at a clean stop; the next start reads it back */
static void
UsageShmemShutdown(int code, Datum arg)
{
	FILE	   *f;
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	uint32		header[2] = {USAGE_FILE_MAGIC, 0};

	if (code != 0 || usage_hash == NULL)
		return;					/* a crash: the shared memory is not trusted */
	f = AllocateFile(USAGE_FILE ".tmp", PG_BINARY_W);
	if (f == NULL)
		return;
	header[1] = (uint32) hash_get_num_entries(usage_hash);
	fwrite(header, sizeof(header), 1, f);
	/* counting goes on across a clean stop: the next start keeps this */
	fwrite(&usage_shared->started_at, sizeof(TimestampTz), 1, f);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		fwrite(entry, sizeof(UsageEntry), 1, f);
	if (ferror(f) || FreeFile(f) != 0)
	{
		unlink(USAGE_FILE ".tmp");
		return;
	}
	(void) durable_rename(USAGE_FILE ".tmp", USAGE_FILE, LOG);
}

static void
UsageLoad(void)
{
	FILE	   *f = AllocateFile(USAGE_FILE, PG_BINARY_R);
	uint32		header[2];
	UsageEntry	e;

	if (f == NULL)
		return;
	if (fread(header, sizeof(header), 1, f) == 1 && header[0] == USAGE_FILE_MAGIC &&
		fread(&usage_shared->started_at, sizeof(TimestampTz), 1, f) == 1)
	{
		usage_shared->restored = true;
		for (uint32 i = 0; i < header[1] && fread(&e, sizeof(e), 1, f) == 1; i++)
		{
			bool		found;
			UsageEntry *entry = hash_search(usage_hash, &e.key, HASH_ENTER_NULL, &found);

			if (entry == NULL)
			{
				usage_shared->dropped += e.pending.predictions + e.pending.training_runs;
				continue;
			}
			*entry = e;
		}
	}
	FreeFile(f);
	/* read once: a later crash must not bring these back a second time */
	unlink(USAGE_FILE);
}

static void
UsageShmemStartup(void)
{
	HASHCTL		info;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	usage_shared = ShmemInitStruct("maas usage", sizeof(UsageShared), &found);
	if (!found)
	{
		usage_shared->lock = &(GetNamedLWLockTranche("maas"))->lock;
		usage_shared->dropped = 0;
		usage_shared->evicted = 0;
		usage_shared->reset_at = GetCurrentTimestamp();
		usage_shared->started_at = usage_shared->reset_at;
		usage_shared->restored = false;
		usage_shared->no_log_dbid = InvalidOid;
	}
	info.keysize = sizeof(MaasUsageKey);
	info.entrysize = sizeof(UsageEntry);
	usage_hash = ShmemInitHash("maas usage table", usage_max_entries, usage_max_entries,
							   &info, HASH_ELEM | HASH_BLOBS);
	if (!found)
		UsageLoad();
	LWLockRelease(AddinShmemInitLock);
	if (!IsUnderPostmaster)
		on_shmem_exit(UsageShmemShutdown, (Datum) 0);
}

/* Called from _PG_init: only a preloaded library can have shared memory */
void
MaasUsageInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("maas.usage_max_entries",
							"Most (database, role, model, version) combinations usage accounting tracks.",
							NULL,
							&usage_max_entries,
							10000, 100, 10000000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = UsageShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = UsageShmemStartup;
}

int
MaasUsageMaxEntries(void)
{
	return usage_max_entries;
}

bool
MaasUsageEnabled(void)
{
	return usage_hash != NULL;
}

/*
 * Add to the counters of (this database, role, name, version).  Never
 * throws: it runs in memory-context callbacks, also while a transaction
 * aborts.
 */
void
MaasUsageAdd(Oid roleid, const char *name, int32 version, const MaasUsageCounts *delta)
{
	MaasUsageKey key;
	UsageEntry *entry;
	TimestampTz now;

	if (usage_hash == NULL || CountsZero(delta))
		return;
	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.roleid = roleid;
	key.version = version;
	strlcpy(key.name, name, NAMEDATALEN);
	now = GetCurrentTimestamp();

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	entry = EntryFor(&key, now);
	if (entry == NULL)
		usage_shared->dropped += delta->predictions + delta->training_runs;
	else
	{
		CountsAdd(&entry->total, delta);
		CountsAdd(&entry->pending, delta);
		entry->last_used = now;
	}
	LWLockRelease(usage_shared->lock);
}

void
MaasUsageAddPredictions(Oid roleid, const char *name, int32 version, int64 n)
{
	MaasUsageCounts d = {.predictions = n};

	MaasUsageAdd(roleid, name, version, &d);
}

/*
 * Take the pending counts of a database (InvalidOid: all): copies, and the
 * pending counts zeroed.  *started is when the counters started (the
 * server, or its restart after a crash); *restored says whether they go
 * back to a clean stop without a gap.
 */
MaasUsageRow *
MaasUsageTake(Oid dbid, int *n, bool *restored, TimestampTz *started)
{
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	MaasUsageRow *rows;

	*n = 0;
	*restored = false;
	*started = 0;
	if (usage_hash == NULL)
		return NULL;
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	rows = palloc(sizeof(MaasUsageRow) * Max(hash_get_num_entries(usage_hash), 1));
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		if ((dbid == InvalidOid || entry->key.dbid == dbid) && !CountsZero(&entry->pending))
		{
			rows[*n].key = entry->key;
			rows[*n].counts = entry->pending;
			(*n)++;
			memset(&entry->pending, 0, sizeof(entry->pending));
		}
	*restored = usage_shared->restored;
	*started = usage_shared->started_at;
	LWLockRelease(usage_shared->lock);
	return rows;
}

/* Counts taken but not written go back, so nothing is lost */
void
MaasUsageGiveBack(const MaasUsageRow *rows, int n)
{
	TimestampTz now = GetCurrentTimestamp();

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < n; i++)
	{
		UsageEntry *entry = EntryFor(&rows[i].key, now);

		if (entry == NULL)
			usage_shared->dropped += rows[i].counts.predictions + rows[i].counts.training_runs;
		else
			CountsAdd(&entry->pending, &rows[i].counts);
	}
	LWLockRelease(usage_shared->lock);
}

/* A flush worker found no log table in dbid; the launcher reads it once */
void
MaasUsageSetNoLog(Oid dbid)
{
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	usage_shared->no_log_dbid = dbid;
	LWLockRelease(usage_shared->lock);
}

Oid
MaasUsageNoLog(void)
{
	Oid			dbid;

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	dbid = usage_shared->no_log_dbid;
	usage_shared->no_log_dbid = InvalidOid;
	LWLockRelease(usage_shared->lock);
	return dbid;
}

/* Databases with counts to flush, at most max of them */
int
MaasUsagePendingDatabases(Oid *dbids, int max)
{
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	int			n = 0;

	if (usage_hash == NULL)
		return 0;
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		bool		listed = false;

		if (CountsZero(&entry->pending))
			continue;
		for (int i = 0; i < n && !listed; i++)
			listed = dbids[i] == entry->key.dbid;
		if (!listed && n < max)
			dbids[n++] = entry->key.dbid;
	}
	LWLockRelease(usage_shared->lock);
	return n;
}

static void
RequireEnabled(void)
{
	if (usage_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("maas usage accounting is off"),
				 errhint("Add maas to shared_preload_libraries and restart the server.")));
}

/* Name of a database and a role, or NULL when dropped */
static void
KeyNames(const MaasUsageKey *key, Datum *values, bool *nulls)
{
	char	   *db = get_database_name(key->dbid);
	char	   *role = GetUserNameFromId(key->roleid, true);

	values[0] = db ? CStringGetTextDatum(db) : (Datum) 0;
	nulls[0] = db == NULL;
	values[1] = role ? CStringGetTextDatum(role) : (Datum) 0;
	nulls[1] = role == NULL;
	values[2] = CStringGetTextDatum(key->name);
}

/*
 * maas_usage() -> setof (database, role, model, version, predictions,
 * rows_evaluated, training_runs, training_ms, bytes_read, last_used):
 * totals since start or reset.  0.1.0's definition has no version,
 * rows_evaluated or bytes_read (7 columns): it gets a row per model, the
 * versions added up.  Members of pg_read_all_stats see every role's rows,
 * others their own.
 */
PG_FUNCTION_INFO_V1(maas_usage);
Datum
maas_usage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			user = GetUserId();
	bool		all = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	UsageEntry *copy;
	int			n;
	bool		old;

	RequireEnabled();
	InitMaterializedSRF(fcinfo, 0);
	old = rsinfo->setDesc->natts == 7;

	/* copy under the lock, look names up after releasing it */
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	n = 0;
	copy = palloc(sizeof(UsageEntry) * Max(hash_get_num_entries(usage_hash), 1));
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		if ((all || entry->key.roleid == user) && !CountsZero(&entry->total))
		{
			int			i = n;

			/* the 0.1.0 shape: one row per model */
			for (int j = 0; old && j < n && i == n; j++)
				if (copy[j].key.dbid == entry->key.dbid && copy[j].key.roleid == entry->key.roleid &&
					strcmp(copy[j].key.name, entry->key.name) == 0)
					i = j;
			if (i == n)
				copy[n++] = *entry;
			else
			{
				CountsAdd(&copy[i].total, &entry->total);
				copy[i].last_used = Max(copy[i].last_used, entry->last_used);
			}
		}
	LWLockRelease(usage_shared->lock);

	for (int i = 0; i < n; i++)
	{
		Datum		values[10];
		bool		nulls[10] = {0};
		const MaasUsageCounts *t = &copy[i].total;

		KeyNames(&copy[i].key, values, nulls);
		if (old)
		{
			values[3] = Int64GetDatum(t->predictions + t->rows_evaluated);
			values[4] = Int64GetDatum(t->training_runs);
			values[5] = Float8GetDatum(t->training_ms);
			values[6] = TimestampTzGetDatum(copy[i].last_used);
		}
		else
		{
			values[3] = Int32GetDatum(copy[i].key.version);
			values[4] = Int64GetDatum(t->predictions);
			values[5] = Int64GetDatum(t->rows_evaluated);
			values[6] = Int64GetDatum(t->training_runs);
			values[7] = Float8GetDatum(t->training_ms);
			values[8] = Int64GetDatum(t->bytes_read);
			values[9] = TimestampTzGetDatum(copy[i].last_used);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * maas_usage_take() -> setof (database, role, model, version, predictions,
 * rows_evaluated, training_runs, training_ms, bytes_read): the counts not
 * yet in maas.usage_log, which it hands over once (they are zeroed).  On a
 * hot standby, where nothing can be written, this is how its counts reach
 * the primary's maas.usage_log (README: Metering).  Superusers only.
 */
PG_FUNCTION_INFO_V1(maas_usage_take);
Datum
maas_usage_take(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MaasUsageRow *rows;
	int			n;
	bool		restored;
	TimestampTz started;

	RequireEnabled();
	InitMaterializedSRF(fcinfo, 0);
	rows = MaasUsageTake(InvalidOid, &n, &restored, &started);
	for (int i = 0; i < n; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {0};
		const MaasUsageCounts *c = &rows[i].counts;

		KeyNames(&rows[i].key, values, nulls);
		values[3] = Int32GetDatum(rows[i].key.version);
		values[4] = Int64GetDatum(c->predictions);
		values[5] = Int64GetDatum(c->rows_evaluated);
		values[6] = Int64GetDatum(c->training_runs);
		values[7] = Float8GetDatum(c->training_ms);
		values[8] = Int64GetDatum(c->bytes_read);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * maas_usage_reset() -> void: zero the totals (superusers; see the grants).
 * Counts not yet in maas.usage_log stay: they are owed to the bill.
 */
PG_FUNCTION_INFO_V1(maas_usage_reset);
Datum
maas_usage_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;

	RequireEnabled();
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (CountsZero(&entry->pending))
			hash_search(usage_hash, &entry->key, HASH_REMOVE, NULL);
		else
			memset(&entry->total, 0, sizeof(entry->total));
	}
	usage_shared->dropped = 0;
	usage_shared->evicted = 0;
	usage_shared->reset_at = GetCurrentTimestamp();
	LWLockRelease(usage_shared->lock);
	PG_RETURN_VOID();
}

/*
 * maas_usage_info() -> (entries, max_entries, dropped, reset_at[, evicted,
 * pending_entries]): how full the table is, the predictions and training
 * runs not counted because it was full (a new key beyond max_entries with
 * no flushed entry to make room), as pg_stat_statements_info shows its
 * deallocations, and (0.2.0) the flushed entries removed to make room and
 * the entries with counts not yet in maas.usage_log.
 */
PG_FUNCTION_INFO_V1(maas_usage_info);
Datum
maas_usage_info(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[6];
	bool		nulls[6] = {0};
	HASH_SEQ_STATUS seq;
	UsageEntry *entry;
	int64		pending = 0;

	RequireEnabled();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "maas_usage_info must return a composite type");
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	values[0] = Int64GetDatum(hash_get_num_entries(usage_hash));
	values[2] = Int64GetDatum(usage_shared->dropped);
	values[3] = TimestampTzGetDatum(usage_shared->reset_at);
	values[4] = Int64GetDatum(usage_shared->evicted);
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		pending += !CountsZero(&entry->pending);
	LWLockRelease(usage_shared->lock);
	values[1] = Int64GetDatum(usage_max_entries);
	values[5] = Int64GetDatum(pending);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
