/*
 * search.c
 *	  The search object of maas_tune: which settings to try (a grid, random
 *	  draws, for one algorithm or several), the folds, the scoring metric,
 *	  successive halving.  Everything is checked before the source is read.
 *
 * A setting is a jsonb object of algorithm options; the trial's params are
 * the call's params with the setting on top, parsed by MaasParseParams as
 * maas_train would, so an unknown option or a bad value is the error
 * maas_train gives.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "functions/functions.h"

#define MAX_CANDIDATES	10000

/* Metrics a search can score by, and whether higher is better */
static const struct
{
	const char *name;
	bool		classification;
	bool		higher_better;
}			metrics[] = {
	{"r2", false, true},
	{"rmse", false, false},
	{"mae", false, false},
	{"accuracy", true, true},
	{"precision", true, true},
	{"recall", true, true},
	{"f1", true, true},
	{"log_loss", true, false},
	{"roc_auc", true, true},
};

pg_noreturn static void
BadSearch(const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", message),
			 hint ? errhint("%s", hint) : 0));
}

static char *
String(const JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static double
Number(const JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

static bool
IsObject(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static bool
IsArray(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/* The members of an object, keys in strcmp order (scikit-learn's ParameterGrid sorts them) */
static int
Members(const JsonbValue *obj, char ***keys, JsonbValue **values)
{
	JsonbIterator *it = JsonbIteratorInit(obj->val.binary.data);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	int			cap = Max(JsonContainerSize(obj->val.binary.data), 1);

	*keys = palloc(sizeof(char *) * cap);
	*values = palloc(sizeof(JsonbValue) * cap);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			(*keys)[n] = String(&v);
		else if (tok == WJB_VALUE)
		{
			int			j = n;

			/* insertion by key */
			while (j > 0 && strcmp((*keys)[j - 1], (*keys)[n]) > 0)
				j--;
			{
				char	   *key = (*keys)[n];

				memmove(&(*keys)[j + 1], &(*keys)[j], sizeof(char *) * (n - j));
				memmove(&(*values)[j + 1], &(*values)[j], sizeof(JsonbValue) * (n - j));
				(*keys)[j] = key;
				(*values)[j] = v;
			}
			n++;
		}
	}
	return n;
}

static int
Elements(const JsonbValue *arr, JsonbValue **elems)
{
	JsonbIterator *it = JsonbIteratorInit(arr->val.binary.data);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	*elems = palloc(sizeof(JsonbValue) * Max(JsonContainerSize(arr->val.binary.data), 1));
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			(*elems)[n++] = v;
	return n;
}

/* A JSON value as text (a scalar, or an array or object) */
static char *
ValueText(const JsonbValue *v)
{
	if (v->type == jbvBinary)
		return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb((JsonbValue *) v)->root, 0);
}

static bool
IsCommonParam(const char *key)
{
	for (const MaasParamSpec *s = maas_train_params; s->name; s++)
		if (strcmp(s->name, key) == 0)
			return true;
	return false;
}

static void
CheckOption(const char *key)
{
	if (IsCommonParam(key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is an option of every algorithm; maas_tune searches the algorithm's own options", key),
				 errhint("Give it in params, the last argument, so every trial uses it.")));
}

static void
AddCandidate(MaasSearch *s, const MaasAlgorithm *algorithm, StringInfo setting)
{
	MaasCandidate *c;

	if (s->n_candidates == MAX_CANDIDATES)
		BadSearch(psprintf("the search has more than %d settings", MAX_CANDIDATES),
				  "Use random search with \"trials\", or a smaller grid.");
	if (s->n_candidates == s->cap)
	{
		s->cap = Max(16, s->cap * 2);
		s->candidates = s->candidates ?
			repalloc(s->candidates, sizeof(MaasCandidate) * s->cap) :
			palloc(sizeof(MaasCandidate) * s->cap);
	}
	c = &s->candidates[s->n_candidates++];
	c->algorithm = algorithm;
	c->setting = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(setting->data)));
}

/* Every combination of a grid, the last key varying fastest */
static void
ExpandGrid(MaasSearch *s, const MaasAlgorithm *algorithm, const JsonbValue *grid)
{
	char	  **keys;
	JsonbValue *values;
	int			n;
	JsonbValue **choices;
	int		   *n_choices;
	int		   *at;

	if (!IsObject(grid))
		BadSearch("search \"grid\" must be an object of option: [values]",
				  "For example: {\"grid\": {\"C\": [0.1, 1, 10]}}.");
	n = Members(grid, &keys, &values);
	choices = palloc(sizeof(JsonbValue *) * Max(n, 1));
	n_choices = palloc(sizeof(int) * Max(n, 1));
	at = palloc0(sizeof(int) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		CheckOption(keys[i]);
		if (IsArray(&values[i]))
			n_choices[i] = Elements(&values[i], &choices[i]);
		else
		{
			choices[i] = &values[i];
			n_choices[i] = 1;
		}
		if (n_choices[i] == 0)
			BadSearch(psprintf("grid option \"%s\" has no values", keys[i]), NULL);
	}
	for (;;)
	{
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		appendStringInfoChar(&buf, '{');
		for (i = 0; i < n; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, keys[i]);
			appendStringInfo(&buf, ": %s", ValueText(&choices[i][at[i]]));
		}
		appendStringInfoChar(&buf, '}');
		AddCandidate(s, algorithm, &buf);
		for (i = n - 1; i >= 0; i--)
		{
			if (++at[i] < n_choices[i])
				break;
			at[i] = 0;
		}
		if (i < 0)
			break;
	}
}

/* One draw of a random search's option: a list or a distribution */
static void
Draw(pg_prng_state *rng, const char *key, const JsonbValue *spec, StringInfo buf)
{
	char	  **names;
	JsonbValue *args;
	JsonbValue *bounds;
	double		lo;
	double		hi;
	double		u = pg_prng_double(rng);

	if (IsArray(spec))
	{
		JsonbValue *elems;
		int			n = Elements(spec, &elems);

		if (n == 0)
			BadSearch(psprintf("random option \"%s\" has no values", key), NULL);
		appendStringInfoString(buf, ValueText(&elems[(int) Min(floor(u * n), n - 1)]));
		return;
	}
	if (!IsObject(spec) || Members(spec, &names, &args) != 1 || !IsArray(&args[0]) ||
		Elements(&args[0], &bounds) != 2 || bounds[0].type != jbvNumeric ||
		bounds[1].type != jbvNumeric)
		BadSearch(psprintf("random option \"%s\" must be a list of values or a distribution", key),
				  "Distributions: {\"uniform\": [low, high]}, {\"loguniform\": [low, high]}, {\"randint\": [low, high]}.");
	lo = Number(&bounds[0]);
	hi = Number(&bounds[1]);
	if (!(lo <= hi) || isinf(lo) || isinf(hi))
		BadSearch(psprintf("random option \"%s\" needs low <= high", key), NULL);
	if (strcmp(names[0], "uniform") == 0)
		appendStringInfo(buf, "%.17g", lo + u * (hi - lo));
	else if (strcmp(names[0], "loguniform") == 0)
	{
		if (!(lo > 0))
			BadSearch(psprintf("random option \"%s\": loguniform needs low > 0", key), NULL);
		appendStringInfo(buf, "%.17g", exp(log(lo) + u * (log(hi) - log(lo))));
	}
	else if (strcmp(names[0], "randint") == 0)
	{
		if (lo != floor(lo) || hi != floor(hi) || lo < -1e15 || hi > 1e15)
			BadSearch(psprintf("random option \"%s\": randint needs whole bounds", key), NULL);
		appendStringInfo(buf, "%.0f", lo + (double) pg_prng_uint64_range(rng, 0, (uint64) (hi - lo)));
	}
	else
		BadSearch(psprintf("unknown distribution \"%s\" for random option \"%s\"", names[0], key),
				  "Distributions: uniform, loguniform, randint.");
}

/* trials draws, each option independently, in key order */
static void
ExpandRandom(MaasSearch *s, const MaasAlgorithm *algorithm, const JsonbValue *random, int trials)
{
	char	  **keys;
	JsonbValue *values;
	int			n;

	if (!IsObject(random))
		BadSearch("search \"random\" must be an object of option: values or distribution",
				  "For example: {\"random\": {\"C\": {\"loguniform\": [0.01, 100]}}, \"trials\": 20}.");
	n = Members(random, &keys, &values);
	for (int i = 0; i < n; i++)
		CheckOption(keys[i]);
	for (int t = 0; t < trials; t++)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoChar(&buf, '{');
		for (int i = 0; i < n; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, keys[i]);
			appendStringInfoString(&buf, ": ");
			Draw(&s->rng, keys[i], &values[i], &buf);
		}
		appendStringInfoChar(&buf, '}');
		AddCandidate(s, algorithm, &buf);
	}
}

static int
WholeNumber(const JsonbValue *v, const char *what, int min, int max)
{
	double		d;

	if (v->type != jbvNumeric)
		BadSearch(psprintf("%s must be an integer", what), NULL);
	d = Number(v);
	if (d != floor(d) || d < min || d > max)
		BadSearch(psprintf("%s must be an integer between %d and %d", what, min, max),
				  NULL);
	return (int) d;
}

/* "folds": k, or {"k": k, "group_by" | "order_by" | "column": col, "stratified": bool} */
static void
ParseFolds(MaasSearch *s, const JsonbValue *v)
{
	char	  **keys;
	JsonbValue *values;
	int			n;

	s->folds.stratify = true;
	if (v->type == jbvNumeric)
	{
		s->folds.k = WholeNumber(v, "search \"folds\"", 2, MAAS_MAX_FOLDS);
		return;
	}
	if (!IsObject(v))
		BadSearch("search \"folds\" must be a number of folds or an object",
				  "For example: 5, {\"k\": 5, \"group_by\": \"patient\"}, {\"k\": 4, \"order_by\": \"created_at\"} or {\"column\": \"fold\"}.");
	n = Members(v, &keys, &values);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(keys[i], "k") == 0)
			s->folds.k = WholeNumber(&values[i], "folds.k", 2, MAAS_MAX_FOLDS);
		else if (strcmp(keys[i], "stratified") == 0 && values[i].type == jbvBool)
			s->folds.stratify = values[i].val.boolean;
		else if ((strcmp(keys[i], "group_by") == 0 || strcmp(keys[i], "order_by") == 0 ||
				  strcmp(keys[i], "column") == 0) && values[i].type == jbvString)
		{
			if (s->folds.column != NULL)
				BadSearch("search \"folds\" takes one of group_by, order_by and column", NULL);
			s->folds.column = String(&values[i]);
			s->folds.kind = keys[i][0] == 'g' ? MAAS_FOLDS_GROUP :
				keys[i][0] == 'o' ? MAAS_FOLDS_TIME : MAAS_FOLDS_COLUMN;
		}
		else
			BadSearch(psprintf("unknown or mistyped key \"%s\" in search \"folds\"", keys[i]),
					  "folds: {\"k\": integer, \"group_by\" | \"order_by\" | \"column\": column name, \"stratified\": boolean}.");
	}
	if (s->folds.kind == MAAS_FOLDS_COLUMN && s->folds.k != 0)
		BadSearch("search \"folds\" with a fold column takes no \"k\": each value of the column is a fold", NULL);
}

static void
ParseHalving(MaasSearch *s, const JsonbValue *v)
{
	char	  **keys;
	JsonbValue *values;
	int			n;

	s->halving = true;
	s->factor = 3;
	if (v->type == jbvBool)
	{
		s->halving = v->val.boolean;
		return;
	}
	if (!IsObject(v))
		BadSearch("search \"halving\" must be true or {\"factor\": f, \"min_rows\": n}", NULL);
	n = Members(v, &keys, &values);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(keys[i], "factor") == 0)
			s->factor = WholeNumber(&values[i], "halving.factor", 2, 100);
		else if (strcmp(keys[i], "min_rows") == 0)
			s->min_rows = WholeNumber(&values[i], "halving.min_rows", 2, INT_MAX);
		else
			BadSearch(psprintf("unknown key \"%s\" in search \"halving\"", keys[i]),
					  "halving: {\"factor\": 3, \"min_rows\": n}.");
	}
}

/* One algorithm's settings: its own grid or random, or the top-level ones */
static void
ExpandAlgorithm(MaasSearch *s, const MaasAlgorithm *algorithm, const JsonbValue *grid,
				const JsonbValue *random, int trials)
{
	int			before = s->n_candidates;

	if (grid)
		ExpandGrid(s, algorithm, grid);
	if (random)
		ExpandRandom(s, algorithm, random, trials);
	if (s->n_candidates == before)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "{}");
		AddCandidate(s, algorithm, &buf);
	}
}

/* An element of "algorithms": a name, or {"algorithm": name, "grid" | "random", "trials"} */
static void
ParseAlgorithmEntry(MaasSearch *s, const JsonbValue *v, int default_trials)
{
	char	  **keys;
	JsonbValue *values;
	int			n;
	const MaasAlgorithm *algorithm = NULL;
	const JsonbValue *grid = NULL;
	const JsonbValue *random = NULL;
	int			trials = default_trials;

	if (v->type == jbvString)
	{
		ExpandAlgorithm(s, MaasFindAlgorithm(String(v)), NULL, NULL, 0);
		return;
	}
	if (!IsObject(v))
		BadSearch("each of search \"algorithms\" must be a name or an object",
				  "For example: [\"logistic_regression\", {\"algorithm\": \"random_forest\", \"grid\": {\"max_depth\": [4, 8]}}].");
	n = Members(v, &keys, &values);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(keys[i], "algorithm") == 0 && values[i].type == jbvString)
			algorithm = MaasFindAlgorithm(String(&values[i]));
		else if (strcmp(keys[i], "grid") == 0)
			grid = &values[i];
		else if (strcmp(keys[i], "random") == 0)
			random = &values[i];
		else if (strcmp(keys[i], "trials") == 0)
			trials = WholeNumber(&values[i], "trials", 1, MAX_CANDIDATES);
		else
			BadSearch(psprintf("unknown or mistyped key \"%s\" in an entry of search \"algorithms\"", keys[i]),
					  "An entry: {\"algorithm\": name, \"grid\": {...}, \"random\": {...}, \"trials\": n}.");
	}
	if (algorithm == NULL)
		BadSearch("an entry of search \"algorithms\" has no \"algorithm\"", NULL);
	ExpandAlgorithm(s, algorithm, grid, random, trials);
}

/*
 * Parse and expand a search object.  algorithm: the call's algorithm, NULL
 * when the search lists "algorithms".
 */
MaasSearch *
MaasParseSearch(Jsonb *jb, const MaasAlgorithm *algorithm)
{
	MaasSearch *s = palloc0(sizeof(MaasSearch));
	JsonbValue	root = {.type = jbvBinary};
	char	  **keys;
	JsonbValue *values;
	int			n;
	const JsonbValue *grid = NULL;
	const JsonbValue *random = NULL;
	const JsonbValue *algorithms = NULL;
	int			trials = 10;
	int			seed = 42;

	if (jb == NULL || !JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		BadSearch("search must be a jsonb object",
				  "For example: '{\"grid\": {\"C\": [0.1, 1, 10]}, \"folds\": 5, \"scoring\": \"accuracy\"}'.");
	root.val.binary.data = &jb->root;
	root.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	s->folds.kind = MAAS_FOLDS_PLAIN;
	s->folds.k = 5;
	s->folds.stratify = true;
	n = Members(&root, &keys, &values);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(keys[i], "grid") == 0)
			grid = &values[i];
		else if (strcmp(keys[i], "random") == 0)
			random = &values[i];
		else if (strcmp(keys[i], "trials") == 0)
			trials = WholeNumber(&values[i], "search \"trials\"", 1, MAX_CANDIDATES);
		else if (strcmp(keys[i], "seed") == 0)
			seed = WholeNumber(&values[i], "search \"seed\"", 0, INT_MAX);
		else if (strcmp(keys[i], "folds") == 0)
		{
			s->folds.k = 0;
			ParseFolds(s, &values[i]);
			if (s->folds.k == 0 && s->folds.kind != MAAS_FOLDS_COLUMN)
				s->folds.k = 5;
		}
		else if (strcmp(keys[i], "scoring") == 0 && values[i].type == jbvString)
			s->scoring = String(&values[i]);
		else if (strcmp(keys[i], "halving") == 0)
			ParseHalving(s, &values[i]);
		else if (strcmp(keys[i], "algorithms") == 0 && IsArray(&values[i]))
			algorithms = &values[i];
		else
			BadSearch(psprintf("unknown or mistyped search key \"%s\"", keys[i]),
					  "Search keys: grid, random, trials, seed, folds, scoring, halving, algorithms.");
	}
	pg_prng_seed(&s->rng, (uint64) seed);
	if (s->scoring != NULL)
		(void) MaasSearchMetric(s->scoring, NULL);
	if (algorithms != NULL)
	{
		JsonbValue *elems;
		int			m = Elements(algorithms, &elems);

		if (algorithm != NULL)
			BadSearch("search \"algorithms\" lists the algorithms: pass NULL as maas_tune's algorithm", NULL);
		if (grid || random)
			BadSearch("with search \"algorithms\", each entry has its own \"grid\" or \"random\"",
					  "For example: {\"algorithms\": [{\"algorithm\": \"logistic_regression\", \"grid\": {\"C\": [0.1, 1]}}, \"naive_bayes\"]}.");
		if (m == 0)
			BadSearch("search \"algorithms\" is empty", NULL);
		for (int i = 0; i < m; i++)
			ParseAlgorithmEntry(s, &elems[i], trials);
	}
	else
	{
		if (algorithm == NULL)
			BadSearch("maas_tune needs an algorithm, or search \"algorithms\"", NULL);
		ExpandAlgorithm(s, algorithm, grid, random, trials);
	}
	return s;
}

/*
 * A metric's index, checked against the task (NULL: any task); ERROR for
 * an unknown metric or one of another task.
 */
int
MaasSearchMetric(const char *name, const MaasTask *task)
{
	for (int i = 0; i < lengthof(metrics); i++)
	{
		if (strcmp(metrics[i].name, name) != 0)
			continue;
		if (task != NULL && metrics[i].classification != MaasTaskIsClassification(*task))
			BadSearch(psprintf("scoring \"%s\" is not a metric of %s", name, MaasTaskName(*task)),
					  MaasTaskIsClassification(*task) ?
					  "Classification metrics: accuracy, precision, recall, f1, log_loss, roc_auc (binary)." :
					  "Regression metrics: r2, rmse, mae.");
		if (task != NULL && strcmp(name, "roc_auc") == 0 && *task != MAAS_TASK_BINARY)
			BadSearch("scoring \"roc_auc\" needs a binary target", NULL);
		return i;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown scoring metric \"%s\"", name),
			 errhint("Metrics: r2, rmse, mae (regression); accuracy, precision, recall, f1, log_loss, roc_auc (classification).")));
	return -1;
}

bool
MaasMetricHigherBetter(int metric)
{
	return metrics[metric].higher_better;
}

const char *
MaasMetricName(int metric)
{
	return metrics[metric].name;
}
