/*
 * experiment.c
 *	  Canary and shadow deployments: a running experiment of a model name
 *	  (a row of maas.experiments) sends a share of its predictions to a
 *	  candidate version, or scores the candidate beside the live version
 *	  without returning it.  The predict path (functions/predict.c) routes
 *	  the rows; this file keeps the catalog rows and, in shared memory, the
 *	  counts of each experiment: rows per version and shadow comparisons.
 *
 * An experiment ends when its candidate is promoted (maas_promote, or a
 * deployment of that version), when it is rolled back (maas_rollback), or
 * when another version becomes live or another experiment starts
 * ("replaced").  The counts are added per query, never per row, so the
 * shared lock is taken once per query; they live until the server stops.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "catalog/registry.h"

/* experiments counted at once; the least recently counted makes room */
#define EXPERIMENT_SLOTS	256

typedef struct ExperimentSlot
{
	Oid			dbid;
	int64		id;				/* 0: free */
	uint64		last_used;
	MaasExperimentCounts counts;
} ExperimentSlot;

typedef struct ExperimentShared
{
	LWLock	   *lock;
	uint64		clock;
	ExperimentSlot slots[EXPERIMENT_SLOTS];
} ExperimentShared;

static ExperimentShared *experiment_shared;
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

static void
ExperimentShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(ExperimentShared)));
	RequestNamedLWLockTranche("maas experiments", 1);
}

static void
ExperimentShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	experiment_shared = ShmemInitStruct("maas experiments", sizeof(ExperimentShared), &found);
	if (!found)
	{
		memset(experiment_shared, 0, sizeof(ExperimentShared));
		experiment_shared->lock = &(GetNamedLWLockTranche("maas experiments"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
MaasExperimentInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ExperimentShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ExperimentShmemStartup;
}

/* Add one query's counts to experiment id of this database */
void
MaasExperimentCount(int64 id, const MaasExperimentCounts *delta)
{
	ExperimentSlot *slot = NULL;
	ExperimentSlot *victim = NULL;
	MaasExperimentCounts *c;

	if (experiment_shared == NULL || id == 0)
		return;
	LWLockAcquire(experiment_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < EXPERIMENT_SLOTS && slot == NULL; i++)
	{
		ExperimentSlot *s = &experiment_shared->slots[i];

		if (s->id == id && s->dbid == MyDatabaseId)
			slot = s;
		else if (victim == NULL || s->id == 0 ||
				 (victim->id != 0 && s->last_used < victim->last_used))
			victim = s;
	}
	if (slot == NULL)
	{
		slot = victim;
		memset(slot, 0, sizeof(*slot));
		slot->dbid = MyDatabaseId;
		slot->id = id;
	}
	slot->last_used = ++experiment_shared->clock;
	c = &slot->counts;
	c->rows_live += delta->rows_live;
	c->rows_candidate += delta->rows_candidate;
	c->classes_compared += delta->classes_compared;
	c->agreements += delta->agreements;
	c->values_compared += delta->values_compared;
	c->abs_difference += delta->abs_difference;
	LWLockRelease(experiment_shared->lock);
}

/* maas_experiment_counts(): this database's counts, for maas.experiment_results */
PG_FUNCTION_INFO_V1(maas_experiment_counts);
Datum
maas_experiment_counts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ExperimentSlot *copy;
	int			n = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (experiment_shared == NULL)
		PG_RETURN_VOID();		/* not preloaded: nothing counted */
	copy = palloc(sizeof(ExperimentSlot) * EXPERIMENT_SLOTS);
	LWLockAcquire(experiment_shared->lock, LW_SHARED);
	for (int i = 0; i < EXPERIMENT_SLOTS; i++)
		if (experiment_shared->slots[i].id != 0 &&
			experiment_shared->slots[i].dbid == MyDatabaseId)
			copy[n++] = experiment_shared->slots[i];
	LWLockRelease(experiment_shared->lock);
	for (int i = 0; i < n; i++)
	{
		MaasExperimentCounts *c = &copy[i].counts;
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = Int64GetDatum(copy[i].id);
		values[1] = Int64GetDatum(c->rows_live);
		values[2] = Int64GetDatum(c->rows_candidate);
		values[3] = Int64GetDatum(c->classes_compared + c->values_compared);
		values[4] = Int64GetDatum(c->agreements);
		nulls[4] = c->classes_compared == 0;
		values[5] = Float8GetDatum(c->abs_difference);
		nulls[5] = c->values_compared == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/* ---- starting and promoting (registry.c ends experiments) ---- */

typedef struct ExperimentOptions
{
	double		traffic;
	bool		has_traffic;
	bool		shadow;
	char	   *key;
} ExperimentOptions;

static void
BadOption(const char *message, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(message, key),
			 errhint("Options are \"traffic\" (the share of rows for the candidate, in (0, 1]), "
					 "\"key\" (a column whose value picks the version) and \"shadow\" (true: score the candidate without returning it).")));
}

static void
ParseOptions(Jsonb *jb, ExperimentOptions *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(o, 0, sizeof(*o));
	if (!JB_ROOT_IS_OBJECT(jb))
		BadOption("deployment options must be a jsonb object%s", "");
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			if (strcmp(key, "traffic") != 0 && strcmp(key, "key") != 0 &&
				strcmp(key, "shadow") != 0)
				BadOption("unknown deployment option \"%s\"", key);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (strcmp(key, "traffic") == 0)
		{
			if (v.type != jbvNumeric)
				BadOption("deployment option \"%s\" must be a number", key);
			o->traffic = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
															NumericGetDatum(v.val.numeric)));
			if (!(o->traffic > 0 && o->traffic <= 1))
				BadOption("deployment option \"%s\" must be in (0, 1]", key);
			o->has_traffic = true;
		}
		else if (strcmp(key, "shadow") == 0)
		{
			if (v.type != jbvBool)
				BadOption("deployment option \"%s\" must be true or false", key);
			o->shadow = v.val.boolean;
		}
		else
		{
			if (v.type != jbvString || v.val.string.len == 0 ||
				v.val.string.len >= NAMEDATALEN)
				BadOption("deployment option \"%s\" must be a column name", key);
			o->key = pnstrdup(v.val.string.val, v.val.string.len);
		}
	}
	if (!o->has_traffic && !o->shadow)
		BadOption("a canary deployment needs the option \"traffic\"%s", "");
	if (!o->has_traffic)
		o->traffic = 1.0;		/* a shadow compares every row by default */
}

/*
 * Start an experiment of version beside the live version of name,
 * replacing a running one.  Must run inside SPI_connect.
 */
int64
MaasExperimentStart(const char *name, int32 version, Jsonb *options)
{
	ExperimentOptions o;
	MaasElevation e;
	char	   *live_task;
	char	   *task;
	int32		live;
	Oid			types[7] = {TEXTOID, INT4OID, INT4OID, FLOAT8OID, TEXTOID, BOOLOID, NAMEOID};
	Datum		values[7];
	char		nulls[7];
	Oid			caller = GetUserId();
	Name		caller_name = palloc0(NAMEDATALEN);
	bool		isnull;
	int64		id;

	memset(nulls, ' ', sizeof(nulls));
	ParseOptions(options, &o);
	if (!MaasExperimentsExist())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("canary and shadow deployments need version 0.2.0 of the extension's SQL objects"),
				 errhint("Run ALTER EXTENSION maas UPDATE.")));
	MaasRegistryLock(name, MAAS_PRIV_DEPLOY);
	MaasElevate(&e);
	task = MaasRegistryVersionTask(name, version);
	live = MaasRegistryLive(name, &live_task);
	if (live == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no live version to compare version %d with", name, version),
				 errhint("maas_deploy(%s, %d) makes it live.", quote_literal_cstr(name), version)));
	if (live == version)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" is already live", version, name),
				 errhint("An experiment tries a version that is not live; SELECT version FROM maas.models WHERE name = %s lists them.",
						 quote_literal_cstr(name))));
	if (strcmp(task, live_task) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" is a %s model, the live version %d a %s one",
						version, name, task, live, live_task),
				 errdetail("Callers of the live version would get another kind of answer."),
				 errhint("Deploy it with maas_deploy(%s, %d) when its callers expect that.",
						 quote_literal_cstr(name), version)));
	if (MaasExperimentEnd(caller, name, "replaced", 0) != 0)
		ereport(NOTICE,
				(errmsg("the running experiment of model \"%s\" is replaced", name)));

	namestrcpy(caller_name, GetUserNameFromId(caller, false));
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	values[2] = Int32GetDatum(live);
	values[3] = Float8GetDatum(o.traffic);
	values[4] = o.key ? CStringGetTextDatum(o.key) : (Datum) 0;
	nulls[4] = o.key ? ' ' : 'n';
	values[5] = BoolGetDatum(o.shadow);
	values[6] = NameGetDatum(caller_name);
	if (SPI_execute_with_args("INSERT INTO maas.experiments (name, candidate, live, traffic, key, "
							  "shadow, started_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
							  7, types, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not insert into maas.experiments");
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	MaasRestore(&e);
	return id;
}

/*
 * Make the running experiment's candidate the live version; returns it.
 * Must run inside SPI_connect.
 */
int32
MaasExperimentPromote(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	MaasElevation e;
	int32		candidate;
	bool		isnull;

	MaasRegistryLock(name, MAAS_PRIV_DEPLOY);
	MaasElevate(&e);
	if (!MaasExperimentsExist() ||
		SPI_execute_with_args("SELECT candidate FROM maas.experiments "
							  "WHERE name OPERATOR(pg_catalog.=) $1 AND ended_at IS NULL",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no running experiment to promote", name),
				 errhint("maas_deploy(%s, version, '{\"traffic\": 0.1}') starts one; maas_deploy(%s, version) deploys a version at once.",
						 quote_literal_cstr(name), quote_literal_cstr(name))));
	candidate = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	MaasRestore(&e);
	/* the deployment of the candidate ends the experiment as promoted */
	MaasRegistryDeploy(name, candidate, "promoted");
	return candidate;
}
