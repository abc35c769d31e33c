/*
 * info.c
 *	  maas_info: what a model is, from its bytes or by name.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "functions/functions.h"

/* maas_info(bytea) -> jsonb: what a model is */
PG_FUNCTION_INFO_V1(maas_info_bytes);
Datum
maas_info_bytes(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	MaasModel  *model = MaasModelDeserialize(bytes);

	PG_RETURN_JSONB_P(MaasModelDescribe(model, VARSIZE_ANY_EXHDR(bytes)));
}

/* maas_info(name) -> jsonb: the deployed version of a named model */
PG_FUNCTION_INFO_V1(maas_info_name);
Datum
maas_info_name(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MaasModelRef ref;

	MaasCheckName(name);
	MaasLookupDeployed(name, MAAS_PRIV_OWNER, &ref);
	PG_RETURN_JSONB_P(MaasModelDescribe(ref.model, ref.length));
}
