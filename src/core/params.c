/*
 * params.c
 *	  Typed options: a params jsonb object checked against spec tables and
 *	  written into C structs.
 *
 * Every key must be known, every value of the right type and range; the
 * error names the key, and the hint lists what is valid.  Each spec names
 * the offset of its field in the options struct (as pgvector's reloptions
 * and XGBoost's parameter structs do), so the struct is filled once, with
 * defaults, and read as plain fields.  The resolved set is what gets stored
 * with the model.
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
		"fraction of rows held out to compute the stored metrics",
	offsetof(MaasTrainOptions, test_size)},
	{"seed", MAAS_PARAM_INT, "42", 0, INT_MAX, NULL,
		"seed of the train/test split and of randomized algorithms",
	offsetof(MaasTrainOptions, seed)},
	{"deploy", MAAS_PARAM_CHOICE, "\"auto\"", 0, 0, "auto,always,never",
		"auto deploys a version that scores at least as well as the live one",
	offsetof(MaasTrainOptions, deploy)},
	{"missing", MAAS_PARAM_CHOICE, NULL, 0, 0, "impute,skip,error,native",
		"what a NULL feature becomes: impute (mean/mode), skip the row, error, or native (trees)",
	offsetof(MaasTrainOptions, missing)},
	{"max_categories", MAAS_PARAM_INT, "100", 1, MAAS_MAX_CATEGORIES, NULL,
		"most frequent values kept per text column; the rest encode as unseen",
	offsetof(MaasTrainOptions, max_categories)},
	{"features", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"columns to use as features (default: every column but the target)",
	offsetof(MaasTrainOptions, features)},
	{"exclude", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"columns not to use as features, such as keys",
	offsetof(MaasTrainOptions, exclude)},
	{"task", MAAS_PARAM_CHOICE, "\"auto\"", 0, 0, "auto,regression,classification",
		"what to predict; auto follows the algorithm and the target's type",
	offsetof(MaasTrainOptions, task)},
	/* text: no defaults here, so models without text do not list them */
	{"text", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"text columns to read as documents (default: those with many distinct values of several words)",
	offsetof(MaasTrainOptions, text)},
	{"num_words", MAAS_PARAM_INT, NULL, 1, MAAS_MAX_VOCAB, NULL,
		"vocabulary size: the most frequent tokens of the training rows (default: every token, up to 1000000)",
	offsetof(MaasTrainOptions, num_words)},
	{"maxlen", MAAS_PARAM_INT, NULL, 1, MAAS_MAX_MAXLEN, NULL,
		"tokens kept of each document, the first ones (default 1000)",
	offsetof(MaasTrainOptions, maxlen)},
	{"stem", MAAS_PARAM_CHOICE, NULL, 0, 0, MAAS_STEM_CHOICES,
		"stem words and drop stop words with this text search configuration's dictionaries",
	offsetof(MaasTrainOptions, stem)},
	{"ngram_range", MAAS_PARAM_INTS, NULL, 1, MAAS_MAX_NGRAM, NULL,
		"[min, max]: the word n-grams a document gives as tokens (default [1, 1])",
	offsetof(MaasTrainOptions, ngram_range)},
	{"calibration", MAAS_PARAM_CHOICE, NULL, 0, 0, "sigmoid,isotonic",
		"classifiers: calibrate the probabilities on the held-out rows (as CalibratedClassifierCV on a prefit model)",
	offsetof(MaasTrainOptions, calibration)},
	{"intervals", MAAS_PARAM_BOOL, NULL, 0, 0, NULL,
		"regressors: keep up to 1024 order statistics of the held-out residuals for maas_predict_interval",
	offsetof(MaasTrainOptions, intervals)},
	{"time_encoding", MAAS_PARAM_CHOICE, NULL, 0, 0, "parts,cyclical",
		"date and timestamp columns: epoch, year, month, day of week and hour (parts), or month, day and hour as sine and cosine (cyclical)",
	offsetof(MaasTrainOptions, time_encoding)},
	{"split", MAAS_PARAM_SPLIT, NULL, 0, 0, NULL,
		"how rows are held out: \"random\" (default), \"stratified\" (class shares kept), {\"order_by\": column} (the latest rows) or {\"group_by\": column} (whole groups)",
	offsetof(MaasTrainOptions, split)},
	{"sample_weight", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"column of row weights (not negative, not NULL), as scikit-learn's fit(sample_weight=...)",
	offsetof(MaasTrainOptions, sample_weight)},
	{"class_weight", MAAS_PARAM_CLASS_WEIGHT, NULL, 0, 0, NULL,
		"\"balanced\" (n / (classes x class rows)) or {\"label\": weight}; multiplies sample_weight",
	offsetof(MaasTrainOptions, class_weight)},
	/* no default here, so models that do not set it do not list it */
	{"profile", MAAS_PARAM_BOOL, NULL, 0, 0, NULL,
		"keep a profile of the training rows and predictions for maas_drift (default true; false writes the bytes 0.1.0 reads)",
	offsetof(MaasTrainOptions, profile)},
	{NULL}
};

/* maas_fit takes the algorithm's own params and these */
const MaasParamSpec maas_fit_params[] = {
	{"seed", MAAS_PARAM_INT, "42", 0, INT_MAX, NULL,
		"seed of randomized algorithms",
	offsetof(MaasFitOptions, seed)},
	{"task", MAAS_PARAM_CHOICE, "\"auto\"", 0, 0, "auto,regression,classification",
		"what to predict; auto follows the algorithm",
	offsetof(MaasFitOptions, task)},
	{NULL}
};

#define FIELD(v, type)	((type *) ((char *) (v)->options + (v)->spec->offset))

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
		{
			bool		shadowed = false;

			/* a common name the algorithm defines itself is the algorithm's */
			for (const MaasParamSpec *a = algorithm; l == 1 && a && a->name; a++)
				shadowed |= strcmp(a->name, s->name) == 0;
			if (!shadowed)
				appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", s->name);
		}
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
		case MAAS_PARAM_CHOICE:
			return "a string";
		case MAAS_PARAM_NAMES:
			return "an array of column names";
		case MAAS_PARAM_INTS:
			return "an array of integers";
		case MAAS_PARAM_FLOATS:
			return "an array of numbers";
		case MAAS_PARAM_LAYERS:
			return "an array of layers such as [{\"units\": 64, \"activation\": \"relu\"}]";
		case MAAS_PARAM_SPLIT:
			return "\"random\", \"stratified\", {\"order_by\": column} or {\"group_by\": column}";
		case MAAS_PARAM_CLASS_WEIGHT:
			return "\"balanced\" or an object of class label: weight";
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

/* Position of value in a comma-separated list of choices; -1 if absent */
static int
ChoiceIndex(const char *choices, const char *value)
{
	size_t		len = strlen(value);
	const char *p = choices;

	for (int i = 0; *p; i++)
	{
		const char *end = strchr(p, ',');
		size_t		n = end ? (size_t) (end - p) : strlen(p);

		if (n == len && strncmp(p, value, n) == 0)
			return i;
		if (!end)
			break;
		p = end + 1;
	}
	return -1;
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
	if (spec->type == MAAS_PARAM_INT)
		*FIELD(v, int) = (int) number;
	else
		*FIELD(v, double) = number;
}

static void
SetChoice(MaasParamValue *v, const char *s)
{
	const MaasParamSpec *spec = v->spec;

	int			choice = ChoiceIndex(spec->choices, s);

	if (choice < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" cannot be \"%s\"", spec->name, s),
				 errhint("Valid values are: %s.", spec->choices)));
	*FIELD(v, int) = choice;
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

	MaasNames  *names = FIELD(v, MaasNames);

	if (jv->type == jbvString)
	{
		names->n = 1;
		names->names = palloc(sizeof(char *));
		names->names[0] = JsonbString(jv);
		return;
	}
	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		WrongType(v->spec);

	names->names = palloc(cap * sizeof(char *));
	names->n = 0;
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			WrongType(v->spec);
		if (names->n == cap)
		{
			cap *= 2;
			names->names = repalloc(names->names, cap * sizeof(char *));
		}
		names->names[names->n++] = JsonbString(&elem);
	}
}

/* The elements of a JSON array, or ERROR naming the parameter */
static JsonbValue *
ArrayElements(const MaasParamSpec *spec, const JsonbValue *jv, int *n)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	JsonbValue *elems;
	int			count = 0;

	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		WrongType(spec);
	elems = palloc(sizeof(JsonbValue) * Max(JsonContainerSize(jv->val.binary.data), 1));
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			elems[count++] = elem;
	*n = count;
	return elems;
}

/* A whole number within the spec's bounds, or ERROR naming what */
static int
IntWithin(const MaasParamSpec *spec, const JsonbValue *jv, double min, double max,
		  const char *what)
{
	double		number;

	if (jv->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be an integer", what),
				 errhint("%s", spec->help)));
	number = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												NumericGetDatum(jv->val.numeric)));
	if (number != floor(number) || number < min || number > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be an integer between %.0f and %.0f", what, min, max),
				 errhint("%s", spec->help)));
	return (int) number;
}

static void
SetInts(MaasParamValue *v, const JsonbValue *jv)
{
	MaasInts   *ints = FIELD(v, MaasInts);
	int			n;
	JsonbValue *elems = ArrayElements(v->spec, jv, &n);

	ints->n = n;
	ints->values = palloc(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
		ints->values[i] = IntWithin(v->spec, &elems[i], v->spec->min, v->spec->max,
									psprintf("element %d of parameter \"%s\"", i + 1,
											 v->spec->name));
}

static void
SetFloats(MaasParamValue *v, const JsonbValue *jv)
{
	const MaasParamSpec *spec = v->spec;
	MaasFloats *floats = FIELD(v, MaasFloats);
	int			n;
	JsonbValue *elems = ArrayElements(spec, jv, &n);

	floats->n = n;
	floats->values = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		double		number;

		if (elems[i].type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of parameter \"%s\" must be a number", i + 1, spec->name),
					 errhint("%s", spec->help)));
		number = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
													NumericGetDatum(elems[i].val.numeric)));
		if (!(number >= spec->min && number <= spec->max))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of parameter \"%s\" must be between %g and %g",
							i + 1, spec->name, spec->min, spec->max),
					 errhint("%s", spec->help)));
		floats->values[i] = number;
	}
}

/*
 * An array of layer objects: "units" (required, within the spec's bounds),
 * "activation" (one of the spec's choices) and "dropout" (in [0, 1)).
 */
static void
SetLayers(MaasParamValue *v, const JsonbValue *jv)
{
	const MaasParamSpec *spec = v->spec;
	MaasLayers *layers = FIELD(v, MaasLayers);
	int			n;
	JsonbValue *elems = ArrayElements(spec, jv, &n);

	layers->n = n;
	layers->layers = palloc(sizeof(MaasLayerSpec) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		MaasLayerSpec *layer = &layers->layers[i];
		char	   *where = psprintf("%s[%d]", spec->name, i);
		JsonbIterator *it;
		JsonbValue	item;
		JsonbIteratorToken tok;
		char	   *key = NULL;

		layer->units = 0;
		layer->activation = -1;
		layer->dropout = NAN;
		if (elems[i].type != jbvBinary || !JsonContainerIsObject(elems[i].val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be an object such as {\"units\": 64, \"activation\": \"relu\"}",
							where)));
		it = JsonbIteratorInit(elems[i].val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				key = JsonbString(&item);
				continue;
			}
			if (tok != WJB_VALUE)
				continue;
			if (strcmp(key, "units") == 0)
				layer->units = IntWithin(spec, &item, spec->min, spec->max,
										 psprintf("%s.units", where));
			else if (strcmp(key, "activation") == 0)
			{
				char	   *name = item.type == jbvString ? JsonbString(&item) : "";

				layer->activation = ChoiceIndex(spec->choices, name);
				if (layer->activation < 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s.activation cannot be \"%s\"", where, name),
							 errhint("Valid values are: %s.", spec->choices)));
			}
			else if (strcmp(key, "dropout") == 0)
			{
				if (item.type != jbvNumeric)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s.dropout must be a number", where)));
				layer->dropout = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
																	NumericGetDatum(item.val.numeric)));
				if (!(layer->dropout >= 0 && layer->dropout < 1))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s.dropout must be at least 0 and below 1", where)));
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown key \"%s\" in %s", key, where),
						 errhint("A layer has \"units\", \"activation\" and \"dropout\".")));
		}
		if (layer->units == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has no \"units\"", where),
					 errhint("For example: {\"units\": 64, \"activation\": \"relu\"}.")));
	}
}

/* "random" or "stratified", or an object with one key: order_by or group_by */
static void
SetSplit(MaasParamValue *v, const JsonbValue *jv)
{
	MaasSplit  *split = FIELD(v, MaasSplit);
	JsonbIterator *it;
	JsonbValue	item;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	split->column = NULL;
	if (jv->type == jbvString)
	{
		char	   *s = JsonbString(jv);

		split->kind = ChoiceIndex("random,stratified", s);
		if (split->kind < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"split\" cannot be \"%s\"", s),
					 errhint("%s", v->spec->help)));
		return;
	}
	if (jv->type != jbvBinary || !JsonContainerIsObject(jv->val.binary.data) ||
		JsonContainerSize(jv->val.binary.data) != 1)
		WrongType(v->spec);
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = JsonbString(&item);
			if (strcmp(key, "order_by") == 0)
				split->kind = MAAS_SPLIT_TIME;
			else if (strcmp(key, "group_by") == 0)
				split->kind = MAAS_SPLIT_GROUP;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown key \"%s\" in parameter \"split\"", key),
						 errhint("%s", v->spec->help)));
		}
		else if (tok == WJB_VALUE)
		{
			if (item.type != jbvString || item.val.string.len == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("split.%s must be a column name", key),
						 errhint("%s", v->spec->help)));
			split->column = JsonbString(&item);
		}
	}
}

/* "balanced", or {"label": weight, ...} with weights >= 0 */
static void
SetClassWeight(MaasParamValue *v, const JsonbValue *jv)
{
	MaasClassWeight *cw = FIELD(v, MaasClassWeight);
	JsonbIterator *it;
	JsonbValue	item;
	JsonbIteratorToken tok;
	int			cap;

	cw->n = 0;
	if (jv->type == jbvString)
	{
		if (strcmp(JsonbString(jv), "balanced") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"class_weight\" cannot be \"%s\"", JsonbString(jv)),
					 errhint("%s", v->spec->help)));
		cw->kind = 0;
		return;
	}
	if (jv->type != jbvBinary || !JsonContainerIsObject(jv->val.binary.data))
		WrongType(v->spec);
	cw->kind = 1;
	cap = Max(JsonContainerSize(jv->val.binary.data), 1);
	cw->labels = palloc(sizeof(char *) * cap);
	cw->weights = palloc(sizeof(double) * cap);
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			cw->labels[cw->n] = JsonbString(&item);
		else if (tok == WJB_VALUE)
		{
			double		w = item.type == jbvNumeric ?
				DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												   NumericGetDatum(item.val.numeric))) : NAN;

			if (!(w >= 0) || isinf(w))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("class_weight of \"%s\" must be a number, not negative",
								cw->labels[cw->n]),
						 errhint("%s", v->spec->help)));
			cw->weights[cw->n++] = w;
		}
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
			*FIELD(v, bool) = jv->val.boolean;
			break;
		case MAAS_PARAM_CHOICE:
			if (jv->type != jbvString)
				WrongType(v->spec);
			SetChoice(v, JsonbString(jv));
			break;
		case MAAS_PARAM_NAMES:
			SetNames(v, jv);
			break;
		case MAAS_PARAM_INTS:
			SetInts(v, jv);
			break;
		case MAAS_PARAM_FLOATS:
			SetFloats(v, jv);
			break;
		case MAAS_PARAM_LAYERS:
			SetLayers(v, jv);
			break;
		case MAAS_PARAM_SPLIT:
			SetSplit(v, jv);
			break;
		case MAAS_PARAM_CLASS_WEIGHT:
			SetClassWeight(v, jv);
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
	{
		/* no value: the sentinel of the field's type */
		if (v->spec->type == MAAS_PARAM_FLOAT)
			*FIELD(v, double) = NAN;
		else if (v->spec->type == MAAS_PARAM_CHOICE)
			*FIELD(v, int) = -1;
		else if (v->spec->type == MAAS_PARAM_SPLIT)
			FIELD(v, MaasSplit)->kind = -1;
		else if (v->spec->type == MAAS_PARAM_CLASS_WEIGHT)
			FIELD(v, MaasClassWeight)->kind = -1;
		return;
	}
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											CStringGetDatum(v->spec->default_value)));
	if (!JsonbExtractScalar(&jb->root, &jv))
		elog(ERROR, "default of parameter \"%s\" is not a scalar", v->spec->name);
	SetValue(v, &jv);
}

/*
 * Check a params object against the common specs and the algorithm's own,
 * and fill both option structs, defaults included; NULL jsonb means no
 * params, as an empty object does.
 */
MaasParams *
MaasParseParams(Jsonb *jb, const MaasParamSpec *common, Size common_size,
				const MaasAlgorithm *algorithm)
{
	MaasParams *params = palloc0(sizeof(MaasParams));
	int			n_algorithm = CountSpecs(algorithm->params);
	int			n_common = CountSpecs(common);
	int			i;

	params->n = n_algorithm + n_common;
	params->values = palloc0(sizeof(MaasParamValue) * Max(params->n, 1));
	params->common = palloc0(Max(common_size, 1));
	params->options = palloc0(Max(algorithm->options_size, 1));
	for (i = 0; i < n_algorithm; i++)
	{
		params->values[i].spec = &algorithm->params[i];
		params->values[i].options = params->options;
	}
	for (i = 0; i < n_common; i++)
	{
		params->values[n_algorithm + i].spec = &common[i];
		params->values[n_algorithm + i].options = params->common;
	}

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
						 errhint("Valid parameters are: %s.",
								 ValidNames(common, algorithm->params))));
			if (jv.type == jbvNull && params->values[i].spec->type == MAAS_PARAM_LAYERS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" must not be null", key),
						 errhint("%s", params->values[i].spec->help)));
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

/* The text of choice number choice of the spec named name */
const char *
MaasChoiceName(const MaasParamSpec *specs, const char *name, int choice)
{
	for (const MaasParamSpec *spec = specs; spec->name; spec++)
	{
		const char *p = spec->choices;

		if (strcmp(spec->name, name) != 0 || spec->choices == NULL)
			continue;
		for (int i = 0; p != NULL && i < choice; i++)
		{
			p = strchr(p, ',');
			if (p)
				p++;
		}
		if (p == NULL || choice < 0)
			break;
		return pnstrdup(p, strchr(p, ',') ? (Size) (strchr(p, ',') - p) : strlen(p));
	}
	elog(ERROR, "parameter \"%s\" has no choice %d", name, choice);
	return NULL;				/* keep compiler quiet */
}

/*
 * The missing-value policy, resolved once: unset means native for an
 * algorithm that takes missing values, impute otherwise.
 */
void
MaasResolveMissing(const MaasAlgorithm *algorithm, MaasTrainOptions *options)
{
	if (options->missing < 0)
		options->missing = algorithm->handles_missing ? MAAS_MISSING_NATIVE : MAAS_MISSING_IMPUTE;
	else if (options->missing == MAAS_MISSING_NATIVE && !algorithm->handles_missing)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s does not handle missing values natively", algorithm->name),
				 errhint("Use params {\"missing\": \"impute\"}, \"skip\" or \"error\".")));
}

/* The resolved params as members of an open JSON object */
void
MaasParamsToJson(const MaasParams *params, MaasJson *json)
{
	for (int i = 0; i < params->n; i++)
	{
		const MaasParamValue *v = &params->values[i];
		const MaasParamSpec *spec = v->spec;

		switch (spec->type)
		{
			case MAAS_PARAM_INT:
				if (!v->is_set)
					continue;
				MaasJsonKey(json, spec->name);
				MaasJsonInt(json, *FIELD(v, int));
				break;
			case MAAS_PARAM_FLOAT:
				if (isnan(*FIELD(v, double)))
					continue;
				MaasJsonKey(json, spec->name);
				MaasJsonNumber(json, *FIELD(v, double));
				break;
			case MAAS_PARAM_BOOL:
				if (!v->is_set)
					continue;
				MaasJsonKey(json, spec->name);
				MaasJsonBool(json, *FIELD(v, bool));
				break;
			case MAAS_PARAM_CHOICE:
				if (*FIELD(v, int) < 0)
					continue;
				MaasJsonKey(json, spec->name);
				MaasJsonString(json, MaasChoiceName(spec, spec->name, *FIELD(v, int)));
				break;
			case MAAS_PARAM_INTS:
				{
					MaasInts   *ints = FIELD(v, MaasInts);

					if (ints->values == NULL)
						continue;
					MaasJsonKey(json, spec->name);
					MaasJsonBeginArray(json);
					for (int k = 0; k < ints->n; k++)
						MaasJsonInt(json, ints->values[k]);
					MaasJsonEndArray(json);
					break;
				}
			case MAAS_PARAM_FLOATS:
				{
					MaasFloats *floats = FIELD(v, MaasFloats);

					if (floats->values == NULL)
						continue;
					MaasJsonKey(json, spec->name);
					MaasJsonNumberArray(json, floats->values, floats->n);
					break;
				}
			case MAAS_PARAM_LAYERS:
				{
					MaasLayers *layers = FIELD(v, MaasLayers);

					if (layers->layers == NULL)
						continue;
					MaasJsonKey(json, spec->name);
					MaasJsonBeginArray(json);
					for (int k = 0; k < layers->n; k++)
					{
						const MaasLayerSpec *layer = &layers->layers[k];

						MaasJsonBeginObject(json);
						MaasJsonKey(json, "units");
						MaasJsonInt(json, layer->units);
						if (layer->activation >= 0)
						{
							MaasJsonKey(json, "activation");
							MaasJsonString(json, MaasChoiceName(spec, spec->name, layer->activation));
						}
						if (!isnan(layer->dropout))
						{
							MaasJsonKey(json, "dropout");
							MaasJsonNumber(json, layer->dropout);
						}
						MaasJsonEndObject(json);
					}
					MaasJsonEndArray(json);
					break;
				}
			case MAAS_PARAM_CLASS_WEIGHT:
				{
					MaasClassWeight *cw = FIELD(v, MaasClassWeight);

					if (cw->kind < 0)
						continue;
					MaasJsonKey(json, spec->name);
					if (cw->kind == 0)
						MaasJsonString(json, "balanced");
					else
					{
						MaasJsonBeginObject(json);
						for (int k = 0; k < cw->n; k++)
						{
							MaasJsonKey(json, cw->labels[k]);
							MaasJsonNumber(json, cw->weights[k]);
						}
						MaasJsonEndObject(json);
					}
					break;
				}
			case MAAS_PARAM_SPLIT:
				{
					MaasSplit  *split = FIELD(v, MaasSplit);

					if (split->kind < 0)
						continue;
					MaasJsonKey(json, spec->name);
					if (split->column == NULL)
						MaasJsonString(json, split->kind == MAAS_SPLIT_STRATIFIED ?
									   "stratified" : "random");
					else
					{
						MaasJsonBeginObject(json);
						MaasJsonKey(json, split->kind == MAAS_SPLIT_TIME ? "order_by" : "group_by");
						MaasJsonString(json, split->column);
						MaasJsonEndObject(json);
					}
					break;
				}
			case MAAS_PARAM_NAMES:
				{
					MaasNames  *names = FIELD(v, MaasNames);

					if (names->names == NULL)
						continue;
					MaasJsonKey(json, spec->name);
					MaasJsonBeginArray(json);
					for (int k = 0; k < names->n; k++)
						MaasJsonString(json, names->names[k]);
					MaasJsonEndArray(json);
					break;
				}
		}
	}
}
