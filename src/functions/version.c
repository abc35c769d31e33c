/*
 * version.c
 *	  A named model's version for maas_to_sql and maas_export: the deployed
 *	  one (to whoever may predict with it), or a given one as maas.models
 *	  shows it to the caller (its rows are visible to the model's owner).
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"

#include "functions/functions.h"

/* version < 0: the deployed version */
const MaasModel *
MaasModelOfVersion(const char *name, int32 version)
{
	MaasModelRef ref;
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2];
	bool		isnull;
	bytea	   *bytes;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;

	MaasCheckName(name);
	if (version < 0)
	{
		MaasLookupDeployed(name, MAAS_PRIV_PREDICT, &ref);
		return ref.model;
	}
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT model FROM maas.models WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version OPERATOR(pg_catalog.=) $2",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read maas.models");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model \"%s\" has no version %d that you can read", name, version),
				 errhint("Versions are in maas.models; its rows are visible to the model's owner.")));
	/* the copy must outlive SPI's memory */
	spi = MemoryContextSwitchTo(caller);
	bytes = DatumGetByteaPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											 &isnull));
	MemoryContextSwitchTo(spi);
	SPI_finish();
	return MaasModelDeserialize(bytes);
}
