/*
 * registry.c
 *	  The model catalog: versions, deployments, and the model cache.
 *
 * A name is a row of maas.names (its owner and version counter), its
 * versions rows of maas.models, its deployments rows of maas.deployments;
 * the live version is the newest deployment not rolled back.  Every change
 * runs in the caller's transaction and first updates the name's row: that
 * row lock queues concurrent changes of one name, and under REPEATABLE READ
 * or SERIALIZABLE a change that raced another fails with a serialization
 * error the client retries, instead of acting on a stale snapshot.  The
 * statements after it take fresh snapshots (SPI read-write mode), so under
 * READ COMMITTED they see what the change they waited for did.
 *
 * Catalog statements run as the extension's owner after the privilege
 * checks of access.c; names and values are always bound as parameters.
 *
 * Deserialized models are cached per backend, keyed by replicated data only
 * (row id, version, byte length and the checksum stored in the model's
 * header), so the cache is right on hot standbys too.  Which version is live
 * is still looked up once per query, under the query's snapshot.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "catalog/registry.h"

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
static SPIPlanPtr plan_bytes;
static SPIPlanPtr plan_routed;

void
MaasCheckName(const char *name)
{
	size_t		len = strlen(name);

	if (len == 0 || len >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("model name must have 1 to %d bytes", NAMEDATALEN - 1)));
	for (const char *p = name; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
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

/*
 * Lock the row of name by updating it; returns its owner and version
 * counter, or NULL when the name does not exist.
 */
static char *
TouchName(const char *name, int32 *last_version)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	bool		isnull;

	if (SPI_execute_with_args("UPDATE maas.names SET changed_at = pg_catalog.now() "
							  "WHERE name OPERATOR(pg_catalog.=) $1 RETURNING owner, last_version",
							  1, types, values, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not update maas.names");
	if (SPI_processed == 0)
		return NULL;
	if (last_version)
		*last_version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 2, &isnull));
	return pstrdup(NameStr(*DatumGetName(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 1, &isnull))));
}

static void
NoSuchModel(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", name),
			 errhint("Train it with maas_train(%s, ...); maas.models lists the models you can see.",
					 quote_literal_cstr(name))));
}

/* The role owning name, NULL when it does not exist (query snapshot) */
static char *
NameOwner(const char *name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT owner FROM maas.names WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.names");
	if (SPI_processed == 0)
		return NULL;
	return NameStr(*DatumGetName(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull)));
}

/* Whether a grant of name gives the caller at least the needed privilege */
static bool
Granted(Oid caller, const char *name, MaasPrivilege needed, bool read_only)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	if (needed == MAAS_PRIV_OWNER)
		return false;
	if (SPI_execute_with_args("SELECT grantee, privilege FROM maas.grants "
							  "WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.grants");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *grantee = NameStr(*DatumGetName(SPI_getbinval(SPI_tuptable->vals[i],
																  SPI_tuptable->tupdesc, 1, &isnull)));
		char	   *privilege = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i],
																  SPI_tuptable->tupdesc, 2, &isnull));

		if (MaasParsePrivilege(privilege) >= needed &&
			(strcmp(grantee, "public") == 0 || MaasActsAs(caller, grantee)))
			return true;
	}
	return false;
}

static void
CheckPrivilege(Oid caller, const char *name, const char *owner, MaasPrivilege needed,
			   bool read_only)
{
	if (MaasActsAs(caller, owner) || Granted(caller, name, needed, read_only))
		return;
	if (needed == MAAS_PRIV_OWNER)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of model \"%s\"", name)));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to %s with model \"%s\"", MaasPrivilegeName(needed), name),
			 errhint("Its owner can share it with maas_grant(%s, role, '%s').",
					 quote_literal_cstr(name), MaasPrivilegeName(needed))));
}

/*
 * Lock an existing name for a change and check the caller's privilege;
 * returns its owner.
 */
static char *
LockForChange(Oid caller, const char *name, MaasPrivilege needed)
{
	char	   *owner = TouchName(name, NULL);

	if (owner == NULL)
		NoSuchModel(name);
	CheckPrivilege(caller, name, owner, needed, false);
	return owner;
}

/*
 * Lock name for a change of its settings and require the caller to own it;
 * returns the owner.  Must run inside SPI_connect.
 */
char *
MaasRegistryRequireOwner(const char *name)
{
	Oid			caller = GetUserId();
	MaasElevation e;
	char	   *owner;

	MaasElevate(&e);
	owner = LockForChange(caller, name, MAAS_PRIV_OWNER);
	MaasRestore(&e);
	return owner;
}

/*
 * Lock name for a change and check that the caller, not yet elevated, holds
 * the privilege needed; returns the owner.  Must run inside SPI_connect.
 */
char *
MaasRegistryLock(const char *name, MaasPrivilege needed)
{
	Oid			caller = GetUserId();
	MaasElevation e;
	char	   *owner;

	MaasElevate(&e);
	owner = LockForChange(caller, name, needed);
	MaasRestore(&e);
	return owner;
}

/* A name parameter: SPI copies NAMEDATALEN bytes, so a C string will not do */
static Datum
NameDatum(const char *s)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

static Datum
CallerName(Oid caller)
{
	return NameDatum(GetUserNameFromId(caller, false));
}

/*
 * Insert a new version of name; returns its version number.  A new name
 * belongs to the caller; a new version of an existing one needs the train
 * privilege.  Must run inside SPI_connect.
 */
int32
MaasRegistryInsert(const char *name, const char *algorithm, MaasTask task,
				   Jsonb *params, Jsonb *features, const char *target,
				   Jsonb *metrics, bytea *model, int64 rows_trained, double train_ms,
				   int64 memory_bytes)
{
	Oid			types[14] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID, TEXTOID,
	JSONBOID, BYTEAOID, INT8OID, FLOAT8OID, NAMEOID, NAMEOID, INT4OID, INT8OID};
	Datum		values[14];
	char		nulls[14];
	bool		isnull;
	int32		version;
	Oid			caller = GetUserId();
	char	   *owner;
	MaasElevation e;

	memset(nulls, ' ', sizeof(nulls));	/* no NULLs but those set below */
	MaasElevate(&e);
	owner = TouchName(name, &version);
	if (owner == NULL)
	{
		/* a new name is the caller's; a racing creator wins, checked below */
		Oid			ntypes[2] = {TEXTOID, NAMEOID};
		Datum		nvalues[2] = {CStringGetTextDatum(name), CallerName(caller)};

		if (SPI_execute_with_args("INSERT INTO maas.names (name, owner) VALUES ($1, $2) "
								  "ON CONFLICT (name) DO NOTHING",
								  2, ntypes, nvalues, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert into maas.names");
		owner = TouchName(name, &version);
		if (owner == NULL)
			elog(ERROR, "model name \"%s\" vanished", name);
	}
	CheckPrivilege(caller, name, owner, MAAS_PRIV_TRAIN, false);
	{
		Oid			vtypes[1] = {TEXTOID};
		Datum		vvalues[1] = {CStringGetTextDatum(name)};

		/* versions are never reused, even after the newest is dropped */
		if (SPI_execute_with_args("UPDATE maas.names SET last_version = last_version OPERATOR(pg_catalog.+) 1 "
								  "WHERE name OPERATOR(pg_catalog.=) $1 RETURNING last_version",
								  1, vtypes, vvalues, NULL, false, 0) != SPI_OK_UPDATE_RETURNING ||
			SPI_processed != 1)
			elog(ERROR, "could not update maas.names");
		version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	values[12] = Int32GetDatum(version);
	values[13] = Int64GetDatum(memory_bytes);
	values[10] = NameDatum(owner);
	values[11] = CallerName(caller);
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
							  "features, target, metrics, model, rows_trained, train_ms, owner, trained_by, "
							  "train_memory_bytes) "
							  "VALUES ($1, $13, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14)",
							  14, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.models");
	MaasRestore(&e);
	return version;
}

/*
 * The live version of name (0 when none), its task, and its value of the
 * metric key
 */
static int32
LiveVersion(const char *name, const char *metric, double *score, bool *has_score,
			char **task)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(name), CStringGetTextDatum(metric)};
	bool		isnull;
	int32		version;
	Datum		d;

	if (SPI_execute_with_args("SELECT d.version, (m.metrics OPERATOR(pg_catalog.->>) $2)::pg_catalog.float8, m.task "
							  "FROM maas.deployments d JOIN maas.models m "
							  "ON m.name OPERATOR(pg_catalog.=) d.name AND m.version OPERATOR(pg_catalog.=) d.version "
							  "WHERE d.name OPERATOR(pg_catalog.=) $1 AND NOT d.rolled_back "
							  "ORDER BY d.id DESC LIMIT 1",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.deployments");
	if (SPI_processed == 0)
		return 0;
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	*has_score = !isnull;
	*score = isnull ? 0 : DatumGetFloat8(d);
	if (task)
		*task = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 3, &isnull));
	return version;
}

static void
InsertDeployment(Oid caller, const char *name, int32 version, const char *reason)
{
	Oid			types[4] = {TEXTOID, INT4OID, TEXTOID, NAMEOID};
	Datum		values[4] = {CStringGetTextDatum(name), Int32GetDatum(version),
	CStringGetTextDatum(reason), CallerName(caller)};

	if (SPI_execute_with_args("INSERT INTO maas.deployments (name, version, reason, deployed_by) "
							  "VALUES ($1, $2, $3, $4)",
							  4, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.deployments");
	/* a new live version ends the running experiment */
	MaasExperimentEnd(caller, name, "replaced", version);
}

/* The live version of name (0 when none) and its task.  Elevated, in SPI. */
int32
MaasRegistryLive(const char *name, char **task)
{
	double		score;
	bool		has_score;

	return LiveVersion(name, "r2", &score, &has_score, task);
}

/* The task of a version of name; an error when there is no such version */
char *
MaasRegistryVersionTask(const char *name, int32 version)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT task FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.models");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, version),
				 errhint("SELECT version FROM maas.models WHERE name = %s lists its versions.",
						 quote_literal_cstr(name))));
	return TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Deploy a freshly trained version according to the strategy: "always",
 * "never", or "auto" (when nothing is live, or the new version's primary
 * metric is at least the live one's).  Must run inside SPI_connect.
 */
bool
MaasRegistryDeployIfBetter(const char *name, int32 version, const char *strategy,
						   const char *metric, double primary, MaasTask task)
{
	double		live_score;
	bool		has_score = false;
	char	   *live_task = NULL;
	int32		live;
	Oid			caller = GetUserId();
	MaasElevation e;

	if (strcmp(strategy, "never") == 0)
		return false;
	MaasElevate(&e);
	TouchName(name, NULL);
	/* metric NULL: no score comparable across versions (clusters, components) */
	live = LiveVersion(name, metric ? metric : "r2", &live_score, &has_score, &live_task);
	has_score &= metric != NULL;
	if (strcmp(strategy, "always") != 0 && live > 0 &&
		strcmp(live_task, MaasTaskName(task)) != 0)
	{
		/* callers of the live version would silently get another kind of answer */
		ereport(NOTICE,
				(errmsg("version %d of model \"%s\" is not deployed: it is a %s model, the live version %d a %s one",
						version, name, MaasTaskName(task), live, live_task),
				 errhint("Deploy it with maas_deploy(%s, %d) when its callers expect that.",
						 quote_literal_cstr(name), version)));
		MaasRestore(&e);
		return false;
	}
	if (strcmp(strategy, "always") != 0 && live > 0 && has_score && primary < live_score)
	{
		ereport(NOTICE,
				(errmsg("version %d of model \"%s\" is not deployed: its %s %g is below the live version %d's %g",
						version, name, metric, primary, live, live_score),
				 errhint("Deploy it with maas_deploy(%s, %d), or train with params {\"deploy\": \"always\"}.",
						 quote_literal_cstr(name), version)));
		MaasRestore(&e);
		return false;
	}
	InsertDeployment(caller, name, version, strategy);
	MaasRestore(&e);
	return true;
}

/* Make version the live one.  Must run inside SPI_connect. */
void
MaasRegistryDeploy(const char *name, int32 version, const char *reason)
{
	double		score;
	bool		has_score;
	Oid			caller = GetUserId();
	MaasElevation e;

	MaasElevate(&e);
	LockForChange(caller, name, MAAS_PRIV_DEPLOY);
	(void) MaasRegistryVersionTask(name, version);
	if (LiveVersion(name, "r2", &score, &has_score, NULL) != version)
		InsertDeployment(caller, name, version, reason);
	MaasRestore(&e);
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
	bool		isnull;
	int32		previous;
	Oid			caller = GetUserId();
	Oid			updtypes[2] = {INT8OID, NAMEOID};
	Datum		updvalues[2];
	MaasElevation e;

	MaasElevate(&e);
	LockForChange(caller, name, MAAS_PRIV_DEPLOY);
	/* a running experiment is what is rolled back first */
	if (MaasExperimentEnd(caller, name, "rolled back", 0) != 0)
	{
		double		score;
		bool		has_score;

		previous = LiveVersion(name, "r2", &score, &has_score, NULL);
		MaasRestore(&e);
		return previous;
	}
	if (SPI_execute_with_args("SELECT id, version FROM maas.deployments "
							  "WHERE name OPERATOR(pg_catalog.=) $1 AND NOT rolled_back "
							  "ORDER BY id DESC LIMIT 2",
							  1, types, values, NULL, false, 2) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.deployments");
	if (SPI_processed < 2)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no earlier deployment to roll back to", name),
				 errhint("maas.deployments shows its history; maas_deploy(%s, version) deploys any version.",
						 quote_literal_cstr(name))));
	updvalues[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	updvalues[1] = CallerName(caller);
	previous = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[1], SPI_tuptable->tupdesc, 2, &isnull));
	if (SPI_execute_with_args("UPDATE maas.deployments SET rolled_back = true, "
							  "rolled_back_at = pg_catalog.now(), rolled_back_by = $2 "
							  "WHERE id OPERATOR(pg_catalog.=) $1",
							  2, updtypes, updvalues, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update maas.deployments");
	MaasRestore(&e);
	return previous;
}

/*
 * "public" (no role can have that name) and "PUBLIC", unless a role has
 * that exact name, mean PUBLIC; any other spelling is a role's name.
 */
static const char *
GranteeName(const char *role)
{
	if (strcmp(role, "public") == 0 ||
		(strcmp(role, "PUBLIC") == 0 && !OidIsValid(get_role_oid(role, true))))
		return "public";
	return role;
}

/* Give a role (or PUBLIC) a privilege on name.  Must run inside SPI_connect. */
void
MaasRegistryGrant(const char *name, const char *role, MaasPrivilege privilege)
{
	Oid			caller = GetUserId();
	Oid			types[4] = {TEXTOID, NAMEOID, TEXTOID, NAMEOID};
	Datum		values[4];
	MaasElevation e;

	role = GranteeName(role);
	if (strcmp(role, "public") != 0)
		get_role_oid(role, false);
	values[0] = CStringGetTextDatum(name);
	values[1] = NameDatum(role);
	values[2] = CStringGetTextDatum(MaasPrivilegeName(privilege));
	values[3] = CallerName(caller);
	MaasElevate(&e);
	LockForChange(caller, name, MAAS_PRIV_OWNER);
	if (SPI_execute_with_args("INSERT INTO maas.grants (name, grantee, privilege, granted_by) "
							  "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
							  4, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.grants");
	MaasRestore(&e);
}

/* Take a grant back; false when there was none.  Must run inside SPI_connect. */
bool
MaasRegistryRevoke(const char *name, const char *role, MaasPrivilege privilege)
{
	Oid			caller = GetUserId();
	Oid			types[3] = {TEXTOID, NAMEOID, TEXTOID};
	Datum		values[3];
	MaasElevation e;
	bool		found;

	role = GranteeName(role);
	values[0] = CStringGetTextDatum(name);
	values[1] = NameDatum(role);
	values[2] = CStringGetTextDatum(MaasPrivilegeName(privilege));
	MaasElevate(&e);
	LockForChange(caller, name, MAAS_PRIV_OWNER);
	if (SPI_execute_with_args("DELETE FROM maas.grants WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND grantee OPERATOR(pg_catalog.=) $2 AND privilege OPERATOR(pg_catalog.=) $3",
							  3, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from maas.grants");
	found = SPI_processed > 0;
	MaasRestore(&e);
	return found;
}

/*
 * Drop one version of name, or the whole name (version 0) with its grants;
 * returns the number of versions dropped.  Must run inside SPI_connect.
 */
int
MaasRegistryDrop(const char *name, int32 version)
{
	Oid			caller = GetUserId();
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(name), Int32GetDatum(version)};
	MaasElevation e;
	int			dropped;

	MaasElevate(&e);
	LockForChange(caller, name, MAAS_PRIV_OWNER);
	if (SPI_execute_with_args("DELETE FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND ($2 OPERATOR(pg_catalog.=) 0 OR version OPERATOR(pg_catalog.=) $2)",
							  2, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from maas.models");
	dropped = (int) SPI_processed;
	if (dropped == 0 && version != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d", name, version)));
	/* dropping the whole model drops the name, its grants and its counter */
	if (version == 0 &&
		SPI_execute_with_args("DELETE FROM maas.names WHERE name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from maas.names");
	MaasRestore(&e);
	return dropped;
}

/*
 * Give every model, version and grant of one role to another: for a role
 * about to be dropped or just renamed (ownership is recorded by name, so it
 * survives a dump restored elsewhere).  Returns the names reassigned.  Must
 * run inside SPI_connect; the SQL function is for superusers.
 */
int
MaasRegistryReassign(const char *from, const char *to)
{
	Oid			types[2] = {NAMEOID, NAMEOID};
	Datum		values[2] = {NameDatum(from), NameDatum(to)};
	MaasElevation e;
	int			names;

	get_role_oid(to, false);
	MaasElevate(&e);
	if (SPI_execute_with_args("UPDATE maas.names SET owner = $2, changed_at = pg_catalog.now() "
							  "WHERE owner OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update maas.names");
	names = (int) SPI_processed;
	if (SPI_execute_with_args("UPDATE maas.models SET owner = $2 WHERE owner OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update maas.models");
	/* a grant the new role already holds makes the old one redundant */
	if (SPI_execute_with_args("DELETE FROM maas.grants g WHERE grantee OPERATOR(pg_catalog.=) $1 "
							  "AND EXISTS (SELECT FROM maas.grants h WHERE h.name OPERATOR(pg_catalog.=) g.name "
							  "AND h.grantee OPERATOR(pg_catalog.=) $2 "
							  "AND h.privilege OPERATOR(pg_catalog.=) g.privilege)",
							  2, types, values, NULL, false, 0) != SPI_OK_DELETE ||
		SPI_execute_with_args("UPDATE maas.grants SET grantee = $2 WHERE grantee OPERATOR(pg_catalog.=) $1",
							  2, types, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not update maas.grants");
	MaasRestore(&e);
	return names;
}

/* ---- experiments: the ones running end when the live version changes ---- */

/* Whether maas.experiments exists (not before ALTER EXTENSION maas UPDATE) */
bool
MaasExperimentsExist(void)
{
	Oid			nsp = get_namespace_oid("maas", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("experiments", nsp));
}

/*
 * End the running experiment of name, if any, with outcome, or "promoted"
 * when deployed (> 0) is its candidate; returns the candidate version (0
 * when none was running).  Runs as the extension's owner inside
 * SPI_connect, after the caller's privilege was checked.
 */
int32
MaasExperimentEnd(Oid caller, const char *name, const char *outcome, int32 deployed)
{
	Oid			types[4] = {TEXTOID, TEXTOID, NAMEOID, INT4OID};
	Datum		values[4];
	bool		isnull;

	if (!MaasExperimentsExist())
		return 0;
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(outcome);
	values[2] = CallerName(caller);
	values[3] = Int32GetDatum(deployed);
	if (SPI_execute_with_args("UPDATE maas.experiments SET ended_at = pg_catalog.now(), ended_by = $3, "
							  "outcome = CASE WHEN candidate OPERATOR(pg_catalog.=) $4 THEN 'promoted' ELSE $2 END "
							  "WHERE name OPERATOR(pg_catalog.=) $1 AND ended_at IS NULL "
							  "RETURNING candidate",
							  4, types, values, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not update maas.experiments");
	if (SPI_processed == 0)
		return 0;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* ---- lookups for prediction ---- */

/* The model's checksum from the 4 header bytes the lookup reads */
static uint32
CrcFromBytes(bytea *b)
{
	MaasReader	r;

	if (VARSIZE_ANY_EXHDR(b) < 4)
		return 0;
	MaasReaderInit(&r, (const uint8 *) VARDATA_ANY(b), 4, "checksum");
	return MaasReadU32(&r);
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
	ref->length = e->length;
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

/* A model row of the lookup, from the cache or loaded into it */
static CachedModel *
Cached(Oid caller, const char *name, int64 id, int32 version, int64 length,
	   bytea *crc_bytes)
{
	uint32		crc = CrcFromBytes(crc_bytes);
	CachedModel *entry = FindCached(id, version, length, crc);

	if (entry == NULL)
	{
		MaasUsageCounts read = {.bytes_read = length};

		entry = LoadIntoCache(id, version, length, crc);
		MaasUsageAdd(caller, name, version, &read);
	}
	return entry;
}

/*
 * The deployed version of name, from the cache when it is there, once the
 * caller is found to hold the needed privilege; with experiment, also the
 * running experiment and its candidate version, read by the same statement
 * so that a query sees one deployment state.
 */
void
MaasLookupRouted(const char *name, MaasPrivilege needed, MaasModelRef *ref,
				 MaasExperiment *experiment)
{
	Oid			caller = GetUserId();
	MaasElevation e;
	char	   *owner;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	SPIPlanPtr	plan;
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;
	int32		found_version;
	CachedModel *entry;
	CachedModel *candidate = NULL;
	bool		routed = experiment != NULL && MaasExperimentsExist();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasElevate(&e);
	/* the text is only needed the first time, when the plan is prepared */
	if (!routed)
		plan = KeepPlan(&plan_deployed, plan_deployed ? NULL :
						psprintf("SELECT m.id, m.version, pg_catalog.octet_length(m.model), "
								 "pg_catalog.substring(m.model, %d, 4), m.owner "
								 "FROM maas.deployments d JOIN maas.models m "
								 "ON m.name OPERATOR(pg_catalog.=) d.name AND m.version OPERATOR(pg_catalog.=) d.version "
								 "WHERE d.name OPERATOR(pg_catalog.=) $1 AND NOT d.rolled_back "
								 "ORDER BY d.id DESC LIMIT 1",
								 MAAS_MODEL_CRC_OFFSET + 1),
						1, types);
	else
		plan = KeepPlan(&plan_routed, plan_routed ? NULL :
						psprintf("SELECT m.id, m.version, pg_catalog.octet_length(m.model), "
								 "pg_catalog.substring(m.model, %d, 4), m.owner, "
								 "x.id, x.candidate, x.traffic, x.key, x.shadow, c.id, "
								 "pg_catalog.octet_length(c.model), pg_catalog.substring(c.model, %d, 4) "
								 "FROM maas.deployments d JOIN maas.models m "
								 "ON m.name OPERATOR(pg_catalog.=) d.name AND m.version OPERATOR(pg_catalog.=) d.version "
								 "LEFT JOIN maas.experiments x ON x.name OPERATOR(pg_catalog.=) d.name "
								 "AND x.ended_at IS NULL "
								 "LEFT JOIN maas.models c ON c.name OPERATOR(pg_catalog.=) x.name "
								 "AND c.version OPERATOR(pg_catalog.=) x.candidate "
								 "WHERE d.name OPERATOR(pg_catalog.=) $1 AND NOT d.rolled_back "
								 "ORDER BY d.id DESC LIMIT 1",
								 MAAS_MODEL_CRC_OFFSET + 1, MAAS_MODEL_CRC_OFFSET + 1),
						1, types);
	if (SPI_execute_plan(plan, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the model registry");
	if (SPI_processed == 0)
	{
		owner = NameOwner(name);
		if (owner == NULL)
			NoSuchModel(name);
		CheckPrivilege(caller, name, owner, needed, true);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("model \"%s\" has no deployed version", name),
				 errhint("Deploy one with maas_deploy(%s, version).", quote_literal_cstr(name))));
	}
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	owner = NameStr(*DatumGetName(SPI_getbinval(tup, desc, 5, &isnull)));
	CheckPrivilege(caller, name, owner, needed, true);

	found_version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	entry = Cached(caller, name, DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull)),
				   found_version, DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull)),
				   DatumGetByteaPP(SPI_getbinval(tup, desc, 4, &isnull)));
	if (experiment != NULL)
		memset(experiment, 0, sizeof(MaasExperiment));
	if (routed)
	{
		int64		candidate_id = DatumGetInt64(SPI_getbinval(tup, desc, 11, &isnull));

		/* no experiment, or its candidate was dropped */
		if (!isnull)
		{
			Datum		key;

			experiment->id = DatumGetInt64(SPI_getbinval(tup, desc, 6, &isnull));
			experiment->candidate = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
			experiment->traffic = DatumGetFloat8(SPI_getbinval(tup, desc, 8, &isnull));
			key = SPI_getbinval(tup, desc, 9, &isnull);
			if (!isnull)
				text_to_cstring_buffer(DatumGetTextPP(key), experiment->key, NAMEDATALEN);
			experiment->shadow = DatumGetBool(SPI_getbinval(tup, desc, 10, &isnull));
			candidate = Cached(caller, name, candidate_id, experiment->candidate,
							   DatumGetInt32(SPI_getbinval(tup, desc, 12, &isnull)),
							   DatumGetByteaPP(SPI_getbinval(tup, desc, 13, &isnull)));
		}
	}
	MaasRestore(&e);
	/* both are filled in last: loading the candidate may not evict the live one */
	FillRef(ref, entry);
	if (candidate != NULL)
		FillRef(&experiment->ref, candidate);
	SPI_finish();
}

void
MaasLookupDeployed(const char *name, MaasPrivilege needed, MaasModelRef *ref)
{
	MaasLookupRouted(name, needed, ref, NULL);
}
