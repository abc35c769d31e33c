/*
 * args.c
 *	  What the SQL entry points check of their arguments and of the server
 *	  before they change anything.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/builtins.h"

#include "functions/functions.h"

/* A text argument that must be given */
char *
MaasRequiredText(FunctionCallInfo fcinfo, int arg, const char *what)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

/* Refuse to write on a standby or in a read-only transaction */
void
MaasCheckWritable(const char *what)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run %s on a standby", what),
				 errhint("Train and deploy on the primary; the models replicate, and predict on any standby.")));
	PreventCommandIfReadOnly(what);
}
