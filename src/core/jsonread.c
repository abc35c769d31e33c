/*
 * jsonread.c
 *	  Reading JSON documents that come from outside (model files of other
 *	  libraries, maas_import): parsed by PostgreSQL's own jsonb parser, then
 *	  read member by member with every type checked.  A document that is
 *	  not what the reader expects is an ERROR naming the member (what), never
 *	  a crash.
 */
#include "postgres.h"

#include <float.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "core/core.h"

/* ERROR: the document's member what is not what it should be */
static void
Invalid(const char *format, const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s model", format),
			 errdetail("\"%s\" %s.", what, detail)));
}

/* Parse len bytes of UTF-8 JSON text (untrusted; need not end with NUL) */
Jsonb *
MaasJsonParse(const char *format, const char *data, int64 len)
{
	char	   *text;

	if (len <= 0 || len >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid %s model", format),
				 errdetail("The model is %s.", len <= 0 ? "empty" : "larger than 1 GB")));
	/* text of the database encoding: also refuses NUL bytes */
	(void) pg_verifymbstr(data, (int) len, false);
	text = palloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* The object's member key, NULL when absent */
JsonbValue *
MaasJsonMember(JsonbContainer *object, const char *key)
{
	JsonbValue	k;

	if (object == NULL || !JsonContainerIsObject(object))
		return NULL;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(object, JB_FOBJECT, &k);
}

/* v as an object (what names it in errors) */
JsonbContainer *
MaasJsonObject(const char *format, JsonbValue *v, const char *what)
{
	if (v == NULL)
		Invalid(format, what, "is missing");
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		Invalid(format, what, "is not an object");
	return v->val.binary.data;
}

/* v as an array: its container and length */
JsonbContainer *
MaasJsonArray(const char *format, JsonbValue *v, const char *what, int *n)
{
	if (v == NULL)
		Invalid(format, what, "is missing");
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		Invalid(format, what, "is not an array");
	*n = JsonContainerSize(v->val.binary.data);
	return v->val.binary.data;
}

/* v as a string (palloc'd, NUL-terminated) */
char *
MaasJsonText(const char *format, JsonbValue *v, const char *what)
{
	if (v == NULL)
		Invalid(format, what, "is missing");
	if (v->type != jbvString)
		Invalid(format, what, "is not a string");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * v as a number: a JSON number, or a string holding one (XGBoost writes
 * its parameters as strings, "5E-1", and newer versions as "[5E-1]")
 */
double
MaasJsonDouble(const char *format, JsonbValue *v, const char *what)
{
	if (v == NULL)
		Invalid(format, what, "is missing");
	if (v->type == jbvNumeric)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												  NumericGetDatum(v->val.numeric)));
	if (v->type == jbvString && v->val.string.len > 0 && v->val.string.len < 64)
	{
		char		buf[64];
		char	   *s = buf;
		char	   *end;
		double		d;
		int			len = v->val.string.len;

		memcpy(buf, v->val.string.val, len);
		buf[len] = '\0';
		if (len > 2 && buf[0] == '[' && buf[len - 1] == ']')
		{
			buf[len - 1] = '\0';
			s++;
		}
		errno = 0;
		d = strtod(s, &end);
		if (end != s && *end == '\0' && errno == 0)
			return d;
	}
	Invalid(format, what, "is not a number");
	return 0;					/* keep compiler quiet */
}

/* Element i of an array container (i < its size) */
JsonbValue *
MaasJsonElement(JsonbContainer *array, int i)
{
	return getIthJsonbValueFromContainer(array, (uint32) i);
}

/*
 * The array v of exactly n numbers (n < 0: any length, returned in *got),
 * palloc'd; integer says each must be a whole number within int32
 */
double *
MaasJsonNumbers(const char *format, JsonbValue *v, const char *what, int n, int *got)
{
	int			len;
	JsonbContainer *a = MaasJsonArray(format, v, what, &len);
	double	   *out;

	if (n >= 0 && len != n)
		Invalid(format, what, psprintf("has %d elements, not %d", len, n));
	out = palloc(sizeof(double) * Max(len, 1));
	for (int i = 0; i < len; i++)
	{
		JsonbValue *e = MaasJsonElement(a, i);

		out[i] = MaasJsonDouble(format, e, what);
		pfree(e);
	}
	if (got)
		*got = len;
	return out;
}
