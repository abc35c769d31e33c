/*
 * params.c
 *	  Hyperparameters: a jsonb object checked against the algorithm's spec.
 *
 * Every key must be known, every value of the right type and range; the
 * error names the key, and the hint lists what is valid.  The resolved set,
 * defaults included, is what gets stored with the model.
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "core/core.h"

/* Params of maas_train that every algorithm shares */
const MaasParamSpec maas_train_params[] = {
	{"test_size", MAAS_PARAM_FLOAT, "0.2", 0.0, 0.9, NULL,
	"fraction of rows held out to compute the stored metrics"},
	{"seed", MAAS_PARAM_INT, "42", 0, INT_MAX, NULL,
	"seed of the train/test split and of randomized algorithms"},
	{"deploy", MAAS_PARAM_STRING, "\"auto\"", 0, 0, "auto,always,never",
	"auto deploys a version that scores at least as well as the live one"},
	{"missing", MAAS_PARAM_STRING, NULL, 0, 0, "impute,skip,error,native",
	"what a NULL feature becomes: impute (mean/mode), skip the row, error, or native (trees)"},
	{"max_categories", MAAS_PARAM_INT, "100", 1, MAAS_MAX_CATEGORIES, NULL,
	"most frequent values kept per text column; the rest encode as unseen"},
	{"features", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
	"columns to use as features (default: every column but the target)"},
	{"exclude", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
	"columns not to use as features, such as keys"},
	{"task", MAAS_PARAM_STRING, "\"auto\"", 0, 0, "auto,regression,classification",
	"what to predict; auto follows the algorithm and the target's type"},
	{NULL}
};

/* maas_fit takes the algorithm's own params and these */
const MaasParamSpec maas_fit_params[] = {
	{"seed", MAAS_PARAM_INT, "42", 0, INT_MAX, NULL,
	"seed of randomized algorithms"},
	{"task", MAAS_PARAM_STRING, "\"auto\"", 0, 0, "auto,regression,classification",
	"what to predict; auto follows the algorithm"},
	{NULL}
};

static int
CountSpecs(const MaasParamSpec *specs)
{
	int			n = 0;

	if (specs != NULL)
		while (specs[n].name != NULL)
			n++;
	return n;
}

static char *
ValidNames(const MaasParamSpec *common, const MaasParamSpec *algorithm)
{
	StringInfoData buf;
	const MaasParamSpec *lists[2] = {algorithm, common};

	initStringInfo(&buf);
	for (int l = 0; l < 2; l++)
		for (const MaasParamSpec *s = lists[l]; s && s->name; s++)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", s->name);
	return buf.data;
}

static const char *
TypeName(MaasParamType type)
{
	switch (type)
	{
		case MAAS_PARAM_INT:
			return "an integer";
		case MAAS_PARAM_FLOAT:
			return "a number";
		case MAAS_PARAM_BOOL:
			return "a boolean";
		case MAAS_PARAM_STRING:
			return "a string";
		case MAAS_PARAM_NAMES:
			return "an array of column names";
	}
	return "?";
}

static void
WrongType(const MaasParamSpec *spec)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" must be %s", spec->name, TypeName(spec->type)),
			 errhint("%s", spec->help)));
}

static bool
ChoiceAllowed(const char *choices, const char *value)
{
	size_t		len = strlen(value);
	const char *p = choices;

	while (*p)
	{
		const char *end = strchr(p, ',');
		size_t		n = end ? (size_t) (end - p) : strlen(p);

		if (n == len && strncmp(p, value, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static void
SetNumber(MaasParamValue *v, double number)
{
	const MaasParamSpec *spec = v->spec;

	if (isnan(number))
		WrongType(spec);
	if (spec->type == MAAS_PARAM_INT && !isinf(number) && number != floor(number))
		WrongType(spec);
	if (number < spec->min || number > spec->max)
	{
		if (isinf(number))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" must be between %g and %g",
							spec->name, spec->min, spec->max),
					 errhint("%s", spec->help)));
		if (spec->type == MAAS_PARAM_INT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" must be between %.0f and %.0f, not %.0f",
							spec->name, spec->min, spec->max, number),
					 errhint("%s", spec->help)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be between %g and %g, not %g",
						spec->name, spec->min, spec->max, number),
				 errhint("%s", spec->help)));
	}
	v->number = number;
}

static void
SetString(MaasParamValue *v, const char *s)
{
	const MaasParamSpec *spec = v->spec;

	if (spec->choices && !ChoiceAllowed(spec->choices, s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" cannot be \"%s\"", spec->name, s),
				 errhint("Valid values are: %s.", spec->choices)));
	v->string = pstrdup(s);
}

static char *
JsonbString(const JsonbValue *jv)
{
	return pnstrdup(jv->val.string.val, jv->val.string.len);
}

static void
SetNames(MaasParamValue *v, const JsonbValue *jv)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			cap = 8;

	if (jv->type == jbvString)
	{
		v->n_names = 1;
		v->names = palloc(sizeof(char *));
		v->names[0] = JsonbString(jv);
		return;
	}
	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		WrongType(v->spec);

	v->names = palloc(cap * sizeof(char *));
	v->n_names = 0;
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			WrongType(v->spec);
		if (v->n_names == cap)
		{
			cap *= 2;
			v->names = repalloc(v->names, cap * sizeof(char *));
		}
		v->names[v->n_names++] = JsonbString(&elem);
	}
}

static void
SetValue(MaasParamValue *v, const JsonbValue *jv)
{
	switch (v->spec->type)
	{
		case MAAS_PARAM_INT:
		case MAAS_PARAM_FLOAT:
			if (jv->type != jbvNumeric)
				WrongType(v->spec);
			/* beyond float8 becomes infinity, reported as out of range */
			SetNumber(v, DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															NumericGetDatum(jv->val.numeric))));
			break;
		case MAAS_PARAM_BOOL:
			if (jv->type != jbvBool)
				WrongType(v->spec);
			v->boolean = jv->val.boolean;
			break;
		case MAAS_PARAM_STRING:
			if (jv->type != jbvString)
				WrongType(v->spec);
			SetString(v, JsonbString(jv));
			break;
		case MAAS_PARAM_NAMES:
			SetNames(v, jv);
			break;
	}
	v->is_set = true;
}

static void
SetDefault(MaasParamValue *v)
{
	Jsonb	   *jb;
	JsonbValue	jv;

	if (v->spec->default_value == NULL)
		return;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											CStringGetDatum(v->spec->default_value)));
	if (!JsonbExtractScalar(&jb->root, &jv))
		elog(ERROR, "default of parameter \"%s\" is not a scalar", v->spec->name);
	SetValue(v, &jv);
}

/*
 * Check a params object against the common specs and the algorithm's own;
 * NULL jsonb means no params.
 */
MaasParams *
MaasParseParams(Jsonb *jb, const MaasParamSpec *common, const MaasParamSpec *algorithm)
{
	MaasParams *params = palloc0(sizeof(MaasParams));
	int			n_algorithm = CountSpecs(algorithm);
	int			n_common = CountSpecs(common);
	int			i;

	params->n = n_algorithm + n_common;
	params->values = palloc0(sizeof(MaasParamValue) * Max(params->n, 1));
	for (i = 0; i < n_algorithm; i++)
		params->values[i].spec = &algorithm[i];
	for (i = 0; i < n_common; i++)
		params->values[n_algorithm + i].spec = &common[i];

	if (jb != NULL)
	{
		JsonbIterator *it;
		JsonbValue	jv;
		JsonbIteratorToken tok;
		char	   *key = NULL;

		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params must be a jsonb object"),
					 errhint("For example: '{\"test_size\": 0.2}'.")));

		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				key = JsonbString(&jv);
				continue;
			}
			if (tok != WJB_VALUE)
				continue;
			for (i = 0; i < params->n; i++)
				if (strcmp(params->values[i].spec->name, key) == 0)
					break;
			if (i == params->n)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown parameter \"%s\"", key),
						 errhint("Valid parameters are: %s.", ValidNames(common, algorithm))));
			if (jv.type == jbvNull)
				continue;		/* null means the default */
			SetValue(&params->values[i], &jv);
		}
	}

	for (i = 0; i < params->n; i++)
		if (!params->values[i].is_set)
			SetDefault(&params->values[i]);
	return params;
}

const MaasParamValue *
MaasParam(const MaasParams *params, const char *name)
{
	for (int i = 0; i < params->n; i++)
		if (strcmp(params->values[i].spec->name, name) == 0)
			return &params->values[i];
	elog(ERROR, "parameter \"%s\" is not declared", name);
	return NULL;				/* keep compiler quiet */
}

double
MaasParamNumber(const MaasParams *params, const char *name)
{
	return MaasParam(params, name)->number;
}

int
MaasParamInt(const MaasParams *params, const char *name)
{
	return (int) MaasParam(params, name)->number;
}

bool
MaasParamBool(const MaasParams *params, const char *name)
{
	return MaasParam(params, name)->boolean;
}

/* Give a param its value, as if the user had (for resolved defaults) */
void
MaasParamSetString(MaasParams *params, const char *name, const char *value)
{
	MaasParamValue *v = (MaasParamValue *) MaasParam(params, name);

	v->string = pstrdup(value);
	v->is_set = true;
}

/* NULL when the param has no value and no default */
const char *
MaasParamString(const MaasParams *params, const char *name)
{
	const MaasParamValue *v = MaasParam(params, name);

	return v->is_set ? v->string : NULL;
}

/* The resolved params as members of an open JSON object */
void
MaasParamsToJson(const MaasParams *params, MaasJson *json)
{
	for (int i = 0; i < params->n; i++)
	{
		const MaasParamValue *v = &params->values[i];

		if (!v->is_set)
			continue;
		MaasJsonKey(json, v->spec->name);
		switch (v->spec->type)
		{
			case MAAS_PARAM_INT:
				MaasJsonInt(json, (int64) v->number);
				break;
			case MAAS_PARAM_FLOAT:
				MaasJsonNumber(json, v->number);
				break;
			case MAAS_PARAM_BOOL:
				MaasJsonBool(json, v->boolean);
				break;
			case MAAS_PARAM_STRING:
				MaasJsonString(json, v->string);
				break;
			case MAAS_PARAM_NAMES:
				MaasJsonBeginArray(json);
				for (int k = 0; k < v->n_names; k++)
					MaasJsonString(json, v->names[k]);
				MaasJsonEndArray(json);
				break;
		}
	}
}
