/*
 * access.c
 *	  Who may do what with a model, and the switch to the extension owner
 *	  for catalog access.
 *
 * A model name belongs to the role that trained its first version; members
 * of that role (and superusers) may do anything with it.  Its owner can
 * grant other roles, or PUBLIC, one of three nested privileges:
 *
 *	  predict	maas_predict*, maas_explain, maas_evaluate
 *	  deploy	predict, plus maas_deploy and maas_rollback
 *	  train		deploy, plus training new versions
 *
 * Reading the model bytes or parameters (maas_info, SELECT on maas.models),
 * granting and dropping stay with the owner.  Users cannot write the
 * catalog tables: the registry's statements run as the extension's owner,
 * after these checks, with parameters only.  Source queries never do: they
 * run with the caller's own privileges.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "catalog/registry.h"

static Oid
ExtensionOwner(void)
{
	Oid			extoid = get_extension_oid("maas", false);
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "extension maas has no pg_extension row");
	owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * Run catalog statements as the extension's owner.  An error on the way
 * needs no cleanup: transaction and subtransaction abort restore the user.
 */
void
MaasElevate(MaasElevation *e)
{
	GetUserIdAndSecContext(&e->user, &e->sec_context);
	SetUserIdAndSecContext(ExtensionOwner(),
						   e->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

void
MaasRestore(MaasElevation *e)
{
	SetUserIdAndSecContext(e->user, e->sec_context);
}

/* Whether the role may act as the named role (membership with inherit) */
bool
MaasActsAs(Oid caller, const char *role)
{
	Oid			roleid = get_role_oid(role, true);

	if (superuser_arg(caller))
		return true;
	return OidIsValid(roleid) && has_privs_of_role(caller, roleid);
}

const char *
MaasPrivilegeName(MaasPrivilege privilege)
{
	switch (privilege)
	{
		case MAAS_PRIV_PREDICT:
			return "predict";
		case MAAS_PRIV_DEPLOY:
			return "deploy";
		case MAAS_PRIV_TRAIN:
			return "train";
		case MAAS_PRIV_OWNER:
			return "owner";
	}
	return "?";
}

MaasPrivilege
MaasParsePrivilege(const char *name)
{
	if (strcmp(name, "predict") == 0)
		return MAAS_PRIV_PREDICT;
	if (strcmp(name, "deploy") == 0)
		return MAAS_PRIV_DEPLOY;
	if (strcmp(name, "train") == 0)
		return MAAS_PRIV_TRAIN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown model privilege \"%s\"", name),
			 errhint("Valid privileges are: predict, deploy, train.")));
	return MAAS_PRIV_OWNER;		/* keep compiler quiet */
}

/* maas_owns(role name) -> bool: the row-level security test of the catalog */
PG_FUNCTION_INFO_V1(maas_owns);
Datum
maas_owns(PG_FUNCTION_ARGS)
{
	Name		role = PG_GETARG_NAME(0);

	PG_RETURN_BOOL(MaasActsAs(GetUserId(), NameStr(*role)));
}
