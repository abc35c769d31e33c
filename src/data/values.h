/*
 * values.h
 *	  The checks and conversions of the scan's per-value loop (dataset.c),
 *	  inline there.
 */
#ifndef MAAS_DATA_VALUES_H
#define MAAS_DATA_VALUES_H

#include <math.h>

#include "catalog/pg_type.h"

static inline void
RejectNonFinite(double v, const char *column)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" contains %s", column,
						isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
				 errhint("Filter such rows in the source query, or turn them into NULL.")));
}

static inline double
PlainNumber(Datum d, Oid typid)
{
	switch (typid)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case INT2OID:
			return DatumGetInt16(d);
		default:
			return DatumGetBool(d) ? 1.0 : 0.0;
	}
}

static inline bool
IsPlainType(Oid typid)
{
	return typid == FLOAT8OID || typid == FLOAT4OID || typid == INT4OID ||
		typid == INT8OID || typid == INT2OID || typid == BOOLOID;
}

#endif							/* MAAS_DATA_VALUES_H */
