/*
 * registry.c
 *	  The model catalog: versions, deployments, and the model cache.
 *
 * Models are rows of maas.models, deployments rows of maas.deployments; the
 * live version of a name is its newest deployment not rolled back.  Every
 * change runs in the caller's transaction under a per-name advisory lock,
 * so it is all-or-nothing and concurrent trainers of one name queue up.
 *
 * Deserialized models are cached per backend, keyed by replicated data only
 * (row id, version, byte length and the checksum stored in the model's
 * header), so the cache is right on hot standbys too.  Which version is live
 * is still looked up once per query, under the query's snapshot.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "maas.h"

#define MAAS_LOCK_CLASS		1296122195	/* "MAAS" */
#define MODEL_CACHE_SIZE	16

typedef struct CachedModel
{
	bool		valid;
	int64		id;
	int32		version;
	int64		length;
	uint32		crc;
	uint64		last_used;
	uint64		generation;
	MemoryContext cxt;
	MaasModel  *model;
} CachedModel;

static CachedModel cache[MODEL_CACHE_SIZE];
static uint64 cache_clock;
static uint64 cache_generation;
static MemoryContext cache_cxt;

static SPIPlanPtr plan_deployed;
static SPIPlanPtr plan_version;
static SPIPlanPtr plan_bytes;

void
MaasCheckName(const char *name)
{
	size_t		len = strlen(name);

	if (len == 0 || len >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("model name must have 1 to %d bytes", NAMEDATALEN - 1)));
	for (const char *p = name; *p; p++)
		if ((unsigned char) *p < 0x20)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_NAME),
					 errmsg("model name must not contain control characters")));
}

static SPIPlanPtr
KeepPlan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

static void
LockName(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	if (SPI_execute_with_args("SELECT pg_catalog.pg_advisory_xact_lock(" CppAsString2(MAAS_LOCK_CLASS)
							  ", pg_catalog.hashtext($1))",
							  1, types, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock model name");
}

static bool
NameExists(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	if (SPI_execute_with_args("SELECT 1 FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1 LIMIT 1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.models");
	return SPI_processed > 0;
}

static void
NoSuchModel(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", name),
			 errhint("Train it with maas_train('%s', ...); maas.models lists the models you can see.",
					 name)));
}

/*
 * Insert a new version of name; returns its version number.  Must run
 * inside SPI_connect.
 */
int32
MaasRegistryInsert(const char *name, const char *algorithm, MaasTask task,
				   Jsonb *params, Jsonb *features, const char *target,
				   Jsonb *metrics, bytea *model, int64 rows_trained, double train_ms)
{
	Oid			types[10] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID, TEXTOID,
	JSONBOID, BYTEAOID, INT8OID, FLOAT8OID};
	Datum		values[10];
	char		nulls[10] = "          ";
	bool		isnull;
	int32		version;

	LockName(name);
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(algorithm);
	values[2] = CStringGetTextDatum(MaasTaskName(task));
	values[3] = JsonbPGetDatum(params);
	values[4] = JsonbPGetDatum(features);
	if (target)
		values[5] = CStringGetTextDatum(target);
	else
		nulls[5] = 'n';
	values[6] = JsonbPGetDatum(metrics);
	values[7] = PointerGetDatum(model);
	values[8] = Int64GetDatum(rows_trained);
	values[9] = Float8GetDatum(train_ms);
	if (SPI_execute_with_args("INSERT INTO maas.models (name, version, algorithm, task, params, "
							  "features, target, metrics, model, rows_trained, train_ms) "
							  "VALUES ($1, (SELECT COALESCE(pg_catalog.max(version), 0) OPERATOR(pg_catalog.+) 1 "
							  "FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1), "
							  "$2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING version",
							  10, types, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not insert into maas.models");
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return version;
}

/* The live version of name and its metric key, 0 when none */
static int32
LiveVersion(const char *name, const char *metric, double *score, bool *has_score)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(name), CStringGetTextDatum(metric)};
	bool		isnull;
	int32		version;
	Datum		d;

	if (SPI_execute_with_args("SELECT d.version, (m.metrics OPERATOR(pg_catalog.->>) $2)::pg_catalog.float8 "
							  "FROM maas.deployments d JOIN maas.models m "
							  "ON m.name OPERATOR(pg_catalog.=) d.name AND m.version OPERATOR(pg_catalog.=) d.version "
							  "WHERE d.name OPERATOR(pg_catalog.=) $1 AND NOT d.rolled_back "
							  "ORDER BY d.id DESC LIMIT 1",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.deployments");
	if (SPI_processed == 0)
		return 0;
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	*has_score = !isnull;
	*score = isnull ? 0 : DatumGetFloat8(d);
	return version;
}

static void
InsertDeployment(const char *name, int32 version, const char *reason)
{
	Oid			types[3] = {TEXTOID, INT4OID, TEXTOID};
	Datum		values[3] = {CStringGetTextDatum(name), Int32GetDatum(version),
	CStringGetTextDatum(reason)};

	if (SPI_execute_with_args("INSERT INTO maas.deployments (name, version, reason) VALUES ($1, $2, $3)",
							  3, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.deployments");
}

/*
 * Deploy a freshly trained version according to the strategy: "always",
 * "never", or "auto" (when nothing is live, or the new version's primary
 * metric is at least the live one's).  Must run inside SPI_connect.
 */
bool
MaasRegistryDeployIfBetter(const char *name, int32 version, const char *strategy,
						   double primary, MaasTask task)
{
	const char *metric = task == MAAS_TASK_REGRESSION ? "r2" : "accuracy";
	double		live_score;
	bool		has_score = false;
	int32		live;

	if (strcmp(strategy, "never") == 0)
		return false;
	LockName(name);
	live = LiveVersion(name, metric, &live_score, &has_score);
	if (strcmp(strategy, "always") != 0 && live > 0 && has_score && primary < live_score)
		return false;
	InsertDeployment(name, version, strategy);
	return true;
}

/* Make version the live one.  Must run inside SPI_connect. */
void
MaasRegistryDeploy(const char *name, int32 version, const char *reason)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	double		score;
	bool		has_score;

	LockName(name);
	if (SPI_execute_with_args("SELECT 1 FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.models");
	if (SPI_processed == 0)
	{
		if (!NameExists(name))
			NoSuchModel(name);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, version),
				 errhint("SELECT version FROM maas.models WHERE name = '%s' lists its versions.",
						 name)));
	}
	if (LiveVersion(name, "r2", &score, &has_score) == version)
		return;
	InsertDeployment(name, version, reason);
}

/*
 * Undo the newest deployment of name; returns the version live afterwards.
 * Repeated rollbacks walk further back.  Must run inside SPI_connect.
 */
int32
MaasRegistryRollback(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	Oid			idtypes[1] = {INT8OID};
	Datum		idvalues[1];
	bool		isnull;
	int32		previous;

	LockName(name);
	if (SPI_execute_with_args("SELECT id, version FROM maas.deployments "
							  "WHERE name OPERATOR(pg_catalog.=) $1 AND NOT rolled_back "
							  "ORDER BY id DESC LIMIT 2",
							  1, types, values, NULL, false, 2) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.deployments");
	if (SPI_processed < 2)
	{
		if (!NameExists(name))
			NoSuchModel(name);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no earlier deployment to roll back to", name),
				 errhint("maas.deployments shows its history; maas_deploy('%s', version) deploys any version.",
						 name)));
	}
	idvalues[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	previous = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[1], SPI_tuptable->tupdesc, 2, &isnull));
	if (SPI_execute_with_args("UPDATE maas.deployments SET rolled_back = true, "
							  "rolled_back_at = pg_catalog.now(), rolled_back_by = CURRENT_USER "
							  "WHERE id OPERATOR(pg_catalog.=) $1",
							  1, idtypes, idvalues, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update maas.deployments");
	return previous;
}

/* ---- lookups for prediction ---- */

static uint32
CrcFromBytes(bytea *b)
{
	const uint8 *p = (const uint8 *) VARDATA_ANY(b);

	if (VARSIZE_ANY_EXHDR(b) < 4)
		return 0;
	return (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
}

static CachedModel *
FindCached(int64 id, int32 version, int64 length, uint32 crc)
{
	for (int i = 0; i < MODEL_CACHE_SIZE; i++)
	{
		CachedModel *e = &cache[i];

		if (e->valid && e->id == id && e->version == version &&
			e->length == length && e->crc == crc)
		{
			e->last_used = ++cache_clock;
			return e;
		}
	}
	return NULL;
}

static CachedModel *
LoadIntoCache(int64 id, int32 version, int64 length, uint32 crc)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	bool		isnull;
	Datum		d;
	MemoryContext cxt;
	MemoryContext old;
	MaasModel  *model;
	CachedModel *victim = &cache[0];

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "maas model cache",
										  ALLOCSET_DEFAULT_SIZES);
	if (SPI_execute_plan(KeepPlan(&plan_bytes,
								  "SELECT model FROM maas.models WHERE id OPERATOR(pg_catalog.=) $1",
								  1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed == 0)
		elog(ERROR, "model row %lld vanished", (long long) id);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

	/* deserialize in a context that dies with the query if the bytes are bad */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas cached model",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	model = MaasModelDeserialize(DatumGetByteaPP(d));
	MemoryContextSwitchTo(old);

	for (int i = 0; i < MODEL_CACHE_SIZE; i++)
	{
		if (!cache[i].valid)
		{
			victim = &cache[i];
			break;
		}
		if (cache[i].last_used < victim->last_used)
			victim = &cache[i];
	}
	if (victim->valid)
		MemoryContextDelete(victim->cxt);
	MemoryContextSetParent(cxt, cache_cxt);
	victim->valid = true;
	victim->id = id;
	victim->version = version;
	victim->length = length;
	victim->crc = crc;
	victim->last_used = ++cache_clock;
	victim->generation = ++cache_generation;
	victim->cxt = cxt;
	victim->model = model;
	return victim;
}

static void
FillRef(MaasModelRef *ref, CachedModel *e)
{
	ref->model = e->model;
	ref->id = e->id;
	ref->version = e->version;
	ref->slot = (int) (e - cache);
	ref->generation = e->generation;
}

/* Whether a model a caller holds is still in the cache */
bool
MaasModelRefValid(const MaasModelRef *ref)
{
	return ref->model != NULL && cache[ref->slot].valid &&
		cache[ref->slot].generation == ref->generation;
}

static void
LookupRow(const char *name, int32 version, MaasModelRef *ref)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	SPIPlanPtr	plan;
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	int64		id;
	int32		found_version;
	int64		length;
	uint32		crc;
	CachedModel *e;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (version > 0)
		plan = KeepPlan(&plan_version,
						"SELECT id, version, pg_catalog.octet_length(model), "
						"pg_catalog.substring(model, 25, 4) FROM maas.models "
						"WHERE name OPERATOR(pg_catalog.=) $1 AND version OPERATOR(pg_catalog.=) $2",
						2, types);
	else
		plan = KeepPlan(&plan_deployed,
						"SELECT m.id, m.version, pg_catalog.octet_length(m.model), "
						"pg_catalog.substring(m.model, 25, 4) "
						"FROM maas.deployments d JOIN maas.models m "
						"ON m.name OPERATOR(pg_catalog.=) d.name AND m.version OPERATOR(pg_catalog.=) d.version "
						"WHERE d.name OPERATOR(pg_catalog.=) $1 AND NOT d.rolled_back "
						"ORDER BY d.id DESC LIMIT 1",
						1, types);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry");
	if (SPI_processed == 0)
	{
		if (!NameExists(name))
			NoSuchModel(name);
		if (version > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model \"%s\" has no version %d", name, version)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no deployed version", name),
				 errhint("Deploy one with maas_deploy('%s', version).", name)));
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	found_version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	length = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	crc = CrcFromBytes(DatumGetByteaPP(SPI_getbinval(tup, desc, 4, &isnull)));

	e = FindCached(id, found_version, length, crc);
	if (e == NULL)
		e = LoadIntoCache(id, found_version, length, crc);
	FillRef(ref, e);
	SPI_finish();
}

/* The deployed version of name, from the cache when it is there */
void
MaasLookupDeployed(const char *name, MaasModelRef *ref)
{
	LookupRow(name, 0, ref);
}

void
MaasLookupVersion(const char *name, int32 version, MaasModelRef *ref)
{
	LookupRow(name, version, ref);
}
