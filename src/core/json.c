/*
 * json.c
 *	  A small JSON text builder whose result becomes jsonb through jsonb_in,
 *	  so PostgreSQL's own parser checks and normalizes what we produce.
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "core/core.h"

void
MaasJsonInit(MaasJson *json)
{
	initStringInfo(&json->buf);
	json->need_comma = false;
}

static void
Separate(MaasJson *json)
{
	if (json->need_comma)
		appendStringInfoChar(&json->buf, ',');
	json->need_comma = true;
}

void
MaasJsonKey(MaasJson *json, const char *key)
{
	Separate(json);
	escape_json(&json->buf, key);
	appendStringInfoChar(&json->buf, ':');
	json->need_comma = false;
}

void
MaasJsonBeginObject(MaasJson *json)
{
	Separate(json);
	appendStringInfoChar(&json->buf, '{');
	json->need_comma = false;
}

void
MaasJsonEndObject(MaasJson *json)
{
	appendStringInfoChar(&json->buf, '}');
	json->need_comma = true;
}

void
MaasJsonBeginArray(MaasJson *json)
{
	Separate(json);
	appendStringInfoChar(&json->buf, '[');
	json->need_comma = false;
}

void
MaasJsonEndArray(MaasJson *json)
{
	appendStringInfoChar(&json->buf, ']');
	json->need_comma = true;
}

/* Shortest exact representation; JSON has no NaN or Infinity, so null. */
void
MaasJsonNumber(MaasJson *json, double value)
{
	Separate(json);
	if (isnan(value) || isinf(value))
		appendStringInfoString(&json->buf, "null");
	else
	{
		char	   *s = float8out_internal(value);

		appendStringInfoString(&json->buf, s);
		pfree(s);
	}
}

/* A value already written as JSON text */
void
MaasJsonRaw(MaasJson *json, const char *text)
{
	Separate(json);
	appendStringInfoString(&json->buf, text);
}

void
MaasJsonInt(MaasJson *json, int64 value)
{
	Separate(json);
	appendStringInfo(&json->buf, INT64_FORMAT, value);
}

void
MaasJsonString(MaasJson *json, const char *value)
{
	Separate(json);
	if (value == NULL)
		appendStringInfoString(&json->buf, "null");
	else
		escape_json(&json->buf, value);
}

void
MaasJsonBool(MaasJson *json, bool value)
{
	Separate(json);
	appendStringInfoString(&json->buf, value ? "true" : "false");
}

void
MaasJsonNull(MaasJson *json)
{
	Separate(json);
	appendStringInfoString(&json->buf, "null");
}

void
MaasJsonNumberArray(MaasJson *json, const double *values, int n)
{
	MaasJsonBeginArray(json);
	for (int i = 0; i < n; i++)
		MaasJsonNumber(json, values[i]);
	MaasJsonEndArray(json);
}

Jsonb *
MaasJsonFinish(MaasJson *json)
{
	Datum		d = DirectFunctionCall1(jsonb_in, CStringGetDatum(json->buf.data));

	pfree(json->buf.data);
	json->buf.data = NULL;
	return DatumGetJsonbP(d);
}
