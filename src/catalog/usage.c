/*
 * usage.c
 *	  Usage accounting per database, role and model: predictions served,
 *	  training runs and their time.  The basis for charging per call.
 *
 * The counters live in shared memory, so they work on hot standbys (where
 * nothing can be written) and cost no I/O; they count since the server
 * started or since maas_usage_reset().  Prediction counts rows in its
 * per-query cache and adds them here once, when the query's memory goes
 * away, so the per-row cost is one increment.  Shared memory needs
 * shared_preload_libraries = 'maas'; without it the counters are off.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "catalog/registry.h"

typedef struct UsageKey
{
	Oid			dbid;
	Oid			roleid;
	char		name[NAMEDATALEN];
} UsageKey;

typedef struct UsageEntry
{
	UsageKey	key;
	int64		predictions;
	int64		training_runs;
	double		training_ms;
	TimestampTz last_used;
} UsageEntry;

typedef struct UsageShared
{
	LWLock	   *lock;
	int64		dropped;		/* counts lost because the table was full */
	TimestampTz reset_at;		/* start, or the last maas_usage_reset */
} UsageShared;

static int	usage_max_entries = 10000;
static UsageShared *usage_shared;
static HTAB *usage_hash;
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

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
		usage_shared->reset_at = GetCurrentTimestamp();
	}
	info.keysize = sizeof(UsageKey);
	info.entrysize = sizeof(UsageEntry);
	usage_hash = ShmemInitHash("maas usage table", usage_max_entries, usage_max_entries,
							   &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init: only a preloaded library can have shared memory */
void
MaasUsageInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("maas.usage_max_entries",
							"Most (database, role, model) combinations usage accounting tracks.",
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

bool
MaasUsageEnabled(void)
{
	return usage_hash != NULL;
}

/*
 * Add to the counters of (this database, role, name).  Never throws: it
 * runs in memory-context callbacks, also while a transaction aborts.
 */
void
MaasUsageAdd(Oid roleid, const char *name, int64 predictions, int64 training_runs,
			 double training_ms)
{
	UsageKey	key;
	UsageEntry *entry;
	bool		found;

	if (usage_hash == NULL || (predictions == 0 && training_runs == 0))
		return;
	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.roleid = roleid;
	strlcpy(key.name, name, NAMEDATALEN);

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);

	/*
	 * A shared hash table grows into spare shared memory past its nominal
	 * size, so the limit is enforced here: a new key beyond it is dropped.
	 */
	entry = hash_search(usage_hash, &key, HASH_FIND, &found);
	if (entry == NULL && hash_get_num_entries(usage_hash) < usage_max_entries)
		entry = hash_search(usage_hash, &key, HASH_ENTER_NULL, &found);
	if (entry == NULL)
		usage_shared->dropped += predictions + training_runs;
	else
	{
		if (!found)
		{
			entry->predictions = 0;
			entry->training_runs = 0;
			entry->training_ms = 0;
		}
		entry->predictions += predictions;
		entry->training_runs += training_runs;
		entry->training_ms += training_ms;
		entry->last_used = GetCurrentTimestamp();
	}
	LWLockRelease(usage_shared->lock);
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

/*
 * maas_usage() -> setof (database, role, model, predictions, training_runs,
 * training_ms, last_used).  Members of pg_read_all_stats see every role's
 * rows, others their own.
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

	RequireEnabled();
	InitMaterializedSRF(fcinfo, 0);

	/* copy under the lock, look names up after releasing it */
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	n = 0;
	copy = palloc(sizeof(UsageEntry) * Max(hash_get_num_entries(usage_hash), 1));
	hash_seq_init(&seq, usage_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		if (all || entry->key.roleid == user)
			copy[n++] = *entry;
	LWLockRelease(usage_shared->lock);

	for (int i = 0; i < n; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {0};
		char	   *db = get_database_name(copy[i].key.dbid);
		char	   *role = GetUserNameFromId(copy[i].key.roleid, true);

		values[0] = db ? CStringGetTextDatum(db) : (Datum) 0;
		nulls[0] = db == NULL;
		values[1] = role ? CStringGetTextDatum(role) : (Datum) 0;
		nulls[1] = role == NULL;
		values[2] = CStringGetTextDatum(copy[i].key.name);
		values[3] = Int64GetDatum(copy[i].predictions);
		values[4] = Int64GetDatum(copy[i].training_runs);
		values[5] = Float8GetDatum(copy[i].training_ms);
		values[6] = TimestampTzGetDatum(copy[i].last_used);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* maas_usage_reset() -> void: zero every counter (superusers; see the grants) */
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
		hash_search(usage_hash, &entry->key, HASH_REMOVE, NULL);
	usage_shared->dropped = 0;
	usage_shared->reset_at = GetCurrentTimestamp();
	LWLockRelease(usage_shared->lock);
	PG_RETURN_VOID();
}

/*
 * maas_usage_info() -> (entries, max_entries, dropped, reset_at): how full
 * the table is, and the predictions and training runs not counted because
 * it was full (a new database, role and model beyond max_entries), as
 * pg_stat_statements_info shows its deallocations.
 */
PG_FUNCTION_INFO_V1(maas_usage_info);
Datum
maas_usage_info(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {0};

	RequireEnabled();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "maas_usage_info must return a composite type");
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	values[0] = Int64GetDatum(hash_get_num_entries(usage_hash));
	values[2] = Int64GetDatum(usage_shared->dropped);
	values[3] = TimestampTzGetDatum(usage_shared->reset_at);
	LWLockRelease(usage_shared->lock);
	values[1] = Int64GetDatum(usage_max_entries);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
