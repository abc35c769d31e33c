/*
 * quota.c
 *	  Quotas and rate limits per model and role: predictions per minute and
 *	  per day, training runs per day (maas.quotas, set by the model's owner
 *	  with maas_set_quota).
 *
 * The predict path checks once per query, before its first row, from
 * shared memory: a backend keeps the limits it read from maas.quotas until
 * a change is committed (a generation counter in shared memory), and the
 * counts of the current minute and day live in a shared table, added to
 * where usage.c counts.  So a query is refused when the quota is already
 * used up, and one that starts within the quota finishes: a role exceeds
 * its quota by at most one query's rows.  Windows are calendar minutes and
 * UTC days.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "catalog/registry.h"

#define LIMIT_CACHE_SIZE	16
#define NO_LIMIT			(-1)

typedef struct QuotaKey
{
	Oid			dbid;
	Oid			roleid;
	char		name[NAMEDATALEN];
} QuotaKey;

typedef struct QuotaWindow
{
	QuotaKey	key;
	int64		minute;			/* minutes since the epoch */
	int64		minute_predictions;
	int64		day;			/* UTC days since the epoch */
	int64		day_predictions;
	int64		day_trainings;
} QuotaWindow;

typedef struct QuotaShared
{
	LWLock	   *lock;
	pg_atomic_uint64 generation;	/* bumped when maas.quotas changes */
} QuotaShared;

/* The limits that apply to a role for a model, as this backend read them */
typedef struct QuotaLimits
{
	bool		valid;
	char		name[NAMEDATALEN];
	Oid			roleid;
	uint64		generation;
	int64		per_minute;
	int64		per_day;
	int64		trainings_per_day;
} QuotaLimits;

static QuotaShared *quota_shared;
static HTAB *quota_hash;
static int	quota_max_entries;
static QuotaLimits limit_cache[LIMIT_CACHE_SIZE];
static int	limit_next;
static bool bump_registered;

static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

/* As many windows as usage entries (maas.usage_max_entries) */
static Size
QuotaShmemSize(void)
{
	return add_size(MAXALIGN(sizeof(QuotaShared)),
					hash_estimate_size(quota_max_entries, sizeof(QuotaWindow)));
}

static void
QuotaShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(QuotaShmemSize());
	RequestNamedLWLockTranche("maas quota", 1);
}

static void
QuotaShmemStartup(void)
{
	HASHCTL		info;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	quota_shared = ShmemInitStruct("maas quota", sizeof(QuotaShared), &found);
	if (!found)
	{
		quota_shared->lock = &(GetNamedLWLockTranche("maas quota"))->lock;
		pg_atomic_init_u64(&quota_shared->generation, 1);
	}
	info.keysize = sizeof(QuotaKey);
	info.entrysize = sizeof(QuotaWindow);
	quota_hash = ShmemInitHash("maas quota windows", quota_max_entries, quota_max_entries,
							   &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init after MaasUsageInit, whose setting sizes the table */
void
MaasQuotaInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	quota_max_entries = MaasUsageMaxEntries();
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = QuotaShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = QuotaShmemStartup;
}

static void
MakeKey(QuotaKey *key, Oid roleid, const char *name)
{
	memset(key, 0, sizeof(*key));
	key->dbid = MyDatabaseId;
	key->roleid = roleid;
	strlcpy(key->name, name, NAMEDATALEN);
}

/* Start a new minute or day when the clock has moved on */
static void
Roll(QuotaWindow *w, TimestampTz now)
{
	int64		minute = now / (USECS_PER_SEC * SECS_PER_MINUTE);
	int64		day = now / USECS_PER_DAY;

	if (w->minute != minute)
	{
		w->minute = minute;
		w->minute_predictions = 0;
	}
	if (w->day != day)
	{
		w->day = day;
		w->day_predictions = 0;
		w->day_trainings = 0;
	}
}

/* Add to the windows of a role and model, if a quota watches them; never throws */
void
MaasQuotaCount(Oid roleid, const char *name, int64 predictions, int64 trainings)
{
	QuotaKey	key;
	QuotaWindow *w;

	if (quota_hash == NULL || (predictions == 0 && trainings == 0))
		return;
	MakeKey(&key, roleid, name);
	LWLockAcquire(quota_shared->lock, LW_EXCLUSIVE);
	w = hash_search(quota_hash, &key, HASH_FIND, NULL);
	if (w != NULL)
	{
		Roll(w, GetCurrentTimestamp());
		w->minute_predictions += predictions;
		w->day_predictions += predictions;
		w->day_trainings += trainings;
	}
	LWLockRelease(quota_shared->lock);
}

static bool bump_pending;

static void
BumpCallback(XactEvent event, void *arg)
{
	if (!bump_pending)
		return;
	if (event == XACT_EVENT_COMMIT)
		pg_atomic_fetch_add_u64(&quota_shared->generation, 1);
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT)
		bump_pending = false;
}

/* maas.quotas changed in this transaction: every backend rereads at commit */
static void
BumpGenerationAtCommit(void)
{
	if (quota_shared == NULL)
	{
		ereport(WARNING,
				(errmsg("quotas are enforced only when maas is in shared_preload_libraries")));
		return;
	}
	if (!bump_registered)
	{
		RegisterXactCallback(BumpCallback, NULL);
		bump_registered = true;
	}
	bump_pending = true;
}

static int64
LimitValue(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NO_LIMIT : DatumGetInt64(d);
}

/* The limits of (name, role): the role's own row, else public's */
static const QuotaLimits *
Limits(const char *name, Oid roleid)
{
	uint64		generation = pg_atomic_read_u64(&quota_shared->generation);
	QuotaLimits *l;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	MaasElevation e;
	char	   *role = GetUserNameFromId(roleid, true);

	for (int i = 0; i < LIMIT_CACHE_SIZE; i++)
	{
		l = &limit_cache[i];
		if (l->valid && l->roleid == roleid && l->generation == generation &&
			strcmp(l->name, name) == 0)
			return l;
	}
	l = &limit_cache[limit_next];
	limit_next = (limit_next + 1) % LIMIT_CACHE_SIZE;
	l->valid = false;
	l->per_minute = l->per_day = l->trainings_per_day = NO_LIMIT;

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(role ? role : "public");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasElevate(&e);
	if (SPI_execute_with_args("SELECT predictions_per_minute, predictions_per_day, trainings_per_day "
							  "FROM maas.quotas WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND role OPERATOR(pg_catalog.=) ANY (ARRAY[$2, 'public']) "
							  "ORDER BY role OPERATOR(pg_catalog.=) 'public' LIMIT 1",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.quotas");
	if (SPI_processed == 1)
	{
		l->per_minute = LimitValue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		l->per_day = LimitValue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		l->trainings_per_day = LimitValue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	}
	MaasRestore(&e);
	SPI_finish();
	strlcpy(l->name, name, NAMEDATALEN);
	l->roleid = roleid;
	l->generation = generation;
	l->valid = true;
	return l;
}

static void
Refuse(const char *what, int64 limit, const char *name, TimestampTz resets)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("quota of %lld %s for model \"%s\" is used up", (long long) limit, what, name),
			 errhint("The quota resets at %s; the model's owner sets quotas with maas_set_quota.",
					 timestamptz_to_str(resets))));
}

/*
 * Refuse a query (training: a training run) of roleid with name when its
 * quota is used up.  Called before the work starts.
 */
void
MaasQuotaCheck(const char *name, Oid roleid, bool training)
{
	const QuotaLimits *l;
	QuotaKey	key;
	QuotaWindow *w;
	QuotaWindow copy;
	bool		found;
	TimestampTz now = GetCurrentTimestamp();

	if (quota_hash == NULL)
		return;
	l = Limits(name, roleid);
	if (training ? l->trainings_per_day == NO_LIMIT :
		l->per_minute == NO_LIMIT && l->per_day == NO_LIMIT)
		return;

	MakeKey(&key, roleid, name);
	LWLockAcquire(quota_shared->lock, LW_EXCLUSIVE);
	w = hash_search(quota_hash, &key, HASH_FIND, &found);
	if (w == NULL && hash_get_num_entries(quota_hash) < quota_max_entries)
		w = hash_search(quota_hash, &key, HASH_ENTER_NULL, &found);
	if (w != NULL && !found)
	{
		w->minute = w->day = -1;
		Roll(w, now);
	}
	if (w != NULL)
	{
		Roll(w, now);
		copy = *w;
	}
	LWLockRelease(quota_shared->lock);
	if (w == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("maas cannot track the quota of model \"%s\": its quota table is full", name),
				 errhint("Raise maas.usage_max_entries (it sizes the quota table too).")));

	if (training)
	{
		if (copy.day_trainings >= l->trainings_per_day)
			Refuse("training runs per day", l->trainings_per_day, name,
				   (copy.day + 1) * USECS_PER_DAY);
		return;
	}
	if (l->per_minute != NO_LIMIT && copy.minute_predictions >= l->per_minute)
		Refuse("predictions per minute", l->per_minute, name,
			   (copy.minute + 1) * USECS_PER_SEC * SECS_PER_MINUTE);
	if (l->per_day != NO_LIMIT && copy.day_predictions >= l->per_day)
		Refuse("predictions per day", l->per_day, name, (copy.day + 1) * USECS_PER_DAY);
}

/* A limit from the jsonb: absent or null means none; else a number >= 0 */
static Datum
LimitArg(Jsonb *limits, const char *key, bool *isnull)
{
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&limits->root, JB_FOBJECT, &k);
	*isnull = v == NULL || v->type == jbvNull;
	if (*isnull)
		return (Datum) 0;
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quota \"%s\" must be a number", key)));
	{
		double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														   NumericGetDatum(v->val.numeric)));

		if (!(d >= 0 && d <= 1e18) || d != (double) (int64) d)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("quota \"%s\" must be a whole number from 0 up, not %g", key, d)));
		return Int64GetDatum((int64) d);
	}
}

/*
 * maas_set_quota(name, role, limits jsonb) -> void: the owner sets (or with
 * {} or NULL removes) the quota of a role, or of public, on a model.
 */
PG_FUNCTION_INFO_V1(maas_set_quota);
Datum
maas_set_quota(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {"predictions_per_minute", "predictions_per_day",
	"trainings_per_day"};
	char	   *name;
	char	   *role;
	Jsonb	   *limits = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	Oid			types[5] = {TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		any = false;
	MaasElevation e;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name and role must not be NULL"),
				 errhint("Name a role, or 'public' for every role without its own quota.")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	role = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(role, "public") != 0)
		(void) get_role_oid(role, false);
	if (limits != NULL && !JB_ROOT_IS_OBJECT(limits))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quota limits must be a jsonb object"),
				 errhint("For example: {\"predictions_per_minute\": 1000}.")));
	if (limits != NULL)
	{
		JsonbIterator *it = JsonbIteratorInit(&limits->root);
		JsonbValue	v;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_KEY)
			{
				bool		known = false;

				for (int i = 0; i < lengthof(keys); i++)
					known |= strlen(keys[i]) == v.val.string.len &&
						memcmp(keys[i], v.val.string.val, v.val.string.len) == 0;
				if (!known)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("unknown quota \"%.*s\"", v.val.string.len, v.val.string.val),
							 errhint("Quotas are predictions_per_minute, predictions_per_day and trainings_per_day.")));
			}
		for (int i = 0; i < lengthof(keys); i++)
		{
			bool		isnull;

			values[2 + i] = LimitArg(limits, keys[i], &isnull);
			nulls[2 + i] = isnull ? 'n' : ' ';
			any |= !isnull;
		}
	}
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(role);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasRegistryRequireOwner(name);
	MaasElevate(&e);
	if (SPI_execute_with_args("DELETE FROM maas.quotas WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND role OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from maas.quotas");
	if (any &&
		SPI_execute_with_args("INSERT INTO maas.quotas (name, role, predictions_per_minute, "
							  "predictions_per_day, trainings_per_day) VALUES ($1, $2, $3, $4, $5)",
							  5, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.quotas");
	MaasRestore(&e);
	SPI_finish();
	BumpGenerationAtCommit();
	PG_RETURN_VOID();
}
