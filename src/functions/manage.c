/*
 * manage.c
 *	  The SQL functions that change the registry without training: deploy,
 *	  experiments (canary, shadow), promote, roll back, grant, revoke, drop
 *	  and reassign.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"

#include "functions/functions.h"

/* maas_deploy(name, version) -> int: the version now live */
PG_FUNCTION_INFO_V1(maas_deploy);
Datum
maas_deploy(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version = PG_GETARG_INT32(1);

	MaasCheckWritable("maas_deploy()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasRegistryDeploy(name, version, "manual");
	SPI_finish();
	PG_RETURN_INT32(version);
}

/*
 * maas_deploy(name, version, options) -> int: start a canary or shadow
 * deployment of version beside the live one
 */
PG_FUNCTION_INFO_V1(maas_deploy_experiment);
Datum
maas_deploy_experiment(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version = PG_GETARG_INT32(1);
	Jsonb	   *options = PG_GETARG_JSONB_P(2);

	MaasCheckWritable("maas_deploy()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) MaasExperimentStart(name, version, options);
	SPI_finish();
	PG_RETURN_INT32(version);
}

/* maas_promote(name) -> int: the running experiment's candidate, now live */
PG_FUNCTION_INFO_V1(maas_promote);
Datum
maas_promote(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version;

	MaasCheckWritable("maas_promote()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	version = MaasExperimentPromote(name);
	SPI_finish();
	PG_RETURN_INT32(version);
}

/*
 * maas_rollback(name) -> int: the version live after ending the running
 * experiment, or else after undoing the last deploy
 */
PG_FUNCTION_INFO_V1(maas_rollback);
Datum
maas_rollback(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		version;

	MaasCheckWritable("maas_rollback()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	version = MaasRegistryRollback(name);
	SPI_finish();
	PG_RETURN_INT32(version);
}

/* maas_grant(name, role, privilege) -> void: share a model */
PG_FUNCTION_INFO_V1(maas_grant);
Datum
maas_grant(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *role = NameStr(*PG_GETARG_NAME(1));
	MaasPrivilege privilege = MaasParsePrivilege(text_to_cstring(PG_GETARG_TEXT_PP(2)));

	MaasCheckWritable("maas_grant()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasRegistryGrant(name, role, privilege);
	SPI_finish();
	PG_RETURN_VOID();
}

/* maas_revoke(name, role, privilege) -> bool: whether there was such a grant */
PG_FUNCTION_INFO_V1(maas_revoke);
Datum
maas_revoke(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *role = NameStr(*PG_GETARG_NAME(1));
	MaasPrivilege privilege = MaasParsePrivilege(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	bool		found;

	MaasCheckWritable("maas_revoke()");
	MaasCheckName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	found = MaasRegistryRevoke(name, role, privilege);
	SPI_finish();
	PG_RETURN_BOOL(found);
}

/* maas_drop(name [, version]) -> int: versions dropped */
PG_FUNCTION_INFO_V1(maas_drop);
Datum
maas_drop(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	int32		version = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	int			dropped;

	MaasCheckWritable("maas_drop()");
	MaasCheckName(name);
	if (!PG_ARGISNULL(1) && version < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must be positive, not %d", version)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	dropped = MaasRegistryDrop(name, version);
	SPI_finish();
	PG_RETURN_INT32(dropped);
}

/* maas_reassign(from_role, to_role) -> int: model names given to another role */
PG_FUNCTION_INFO_V1(maas_reassign);
Datum
maas_reassign(PG_FUNCTION_ARGS)
{
	char	   *from = NameStr(*PG_GETARG_NAME(0));
	char	   *to = NameStr(*PG_GETARG_NAME(1));
	int			names;

	MaasCheckWritable("maas_reassign()");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	names = MaasRegistryReassign(from, to);
	SPI_finish();
	PG_RETURN_INT32(names);
}
