/*
 * recommend.c
 *	  Recommenders (MAAS_INPUT_PAIRS models): reading (user, item, rating)
 *	  sources for maas_train and maas_evaluate, their metrics, and
 *	  maas_predict(name, user, item), maas_recommend, maas_similar_items.
 *
 * Nothing here names an algorithm: a pairs algorithm declares "user" and
 * "item" options (the key columns) and the pairs, score_items and
 * similar_items members of the interface.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "functions/functions.h"

#define PRECISION_AT	10
#define PRECISION_USERS	10000	/* users ranked for precision@10, at most */

/* The key column a pairs algorithm's option names ("user", "item") */
static const char *
KeyColumnParam(const MaasParams *params, const char *name, const char *algorithm)
{
	for (int p = 0; p < params->n; p++)
	{
		const MaasParamValue *v = &params->values[p];
		const MaasNames *names;

		if (strcmp(v->spec->name, name) != 0 || v->spec->type != MAAS_PARAM_NAMES)
			continue;
		names = (const MaasNames *) ((const char *) v->options + v->spec->offset);
		if (names->names == NULL || names->n != 1)
			break;
		return names->names[0];
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s needs parameter \"%s\", the %s key column", algorithm, name, name),
			 errhint("For example params {\"user\": \"customer_id\", \"item\": \"product_id\"}.")));
	return NULL;				/* keep compiler quiet */
}

/* maas_train's source of a pairs algorithm */
MaasDataset *
MaasPairsTrainingData(const char *source, const char *target, const MaasAlgorithm *algorithm,
					  const MaasParams *params, const MaasTrainOptions *options,
					  MaasProgress *progress)
{
	const char *user = KeyColumnParam(params, "user", algorithm->name);
	const char *item = KeyColumnParam(params, "item", algorithm->name);

	if (options->features.names != NULL || options->exclude.names != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s reads only its user, item and rating columns", algorithm->name),
				 errhint("Leave out params \"features\" and \"exclude\".")));
	return MaasLoadPairs(source, user, item, target, options->test_size, options->seed,
						 progress);
}

static const MaasPairs *
PairsOf(const MaasModel *model, const char *name)
{
	if (model->algorithm->input != MAAS_INPUT_PAIRS || model->algorithm->pairs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is not a recommender", name ? name : "?"),
				 errhint("It is a %s model: call maas_predict(name, features).",
						 model->algorithm->name)));
	return model->algorithm->pairs(model);
}

/*
 * Indices of the k best scores, best first (ties: the lower index), among
 * those not -inf; returns how many.
 */
static int
TopK(const double *score, int32 n, int k, int32 *top)
{
	int			m = 0;

	/* insertion into a sorted list of at most k: k is small */
	for (int32 i = 0; i < n; i++)
	{
		int			at;

		if (score[i] == -INFINITY || (m == k && score[i] <= score[top[m - 1]]))
			continue;
		at = m < k ? m++ : k - 1;
		while (at > 0 && score[top[at - 1]] < score[i])
		{
			top[at] = top[at - 1];
			at--;
		}
		top[at] = i;
	}
	return m;
}

/* Scores of every item for user u, seen ones -inf when exclude */
static double *
UserScores(const MaasModel *model, const MaasPairs *pairs, int32 u, bool exclude, double *scores)
{
	model->algorithm->score_items(model, u, scores);
	if (exclude && u >= 0 && pairs->seen_start != NULL)
		for (int64 s = pairs->seen_start[u]; s < pairs->seen_start[u + 1]; s++)
			scores[pairs->seen[s]] = -INFINITY;
	return scores;
}

static int
CompareRowsByUser(const void *a, const void *b, void *arg)
{
	const double *user = arg;
	double		x = user[*(const int64 *) a];
	double		y = user[*(const int64 *) b];

	if (x != y)
		return x < y ? -1 : 1;
	return (*(const int64 *) a > *(const int64 *) b) - (*(const int64 *) a < *(const int64 *) b);
}

/*
 * precision@10 as the `implicit` library computes it: for each known user
 * of m, its known items are the relevant ones; hits among its top 10 items
 * (seen ones left out when the model keeps them) over min(10, relevant),
 * summed over users before dividing.  Ranking costs every item's score per
 * user: above PRECISION_USERS users, every n-th of them (by index) counts.
 */
static double
PrecisionAtK(const MaasModel *model, const MaasPairs *pairs, const MaasMatrix *m)
{
	const double *user = MaasMatrixColumn(m, 0);
	const double *item = MaasMatrixColumn(m, 1);
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(m->n_rows, 1));
	double	   *scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * pairs->items.n);
	bool	   *relevant = palloc0(sizeof(bool) * pairs->items.n);
	int32		top[PRECISION_AT];
	double		hits = 0;
	double		div = 0;

	int32		n_users = 0;
	int32		stride;
	int32		nth = 0;

	for (int64 r = 0; r < m->n_rows; r++)
		order[r] = r;
	qsort_arg(order, m->n_rows, sizeof(int64), CompareRowsByUser, (void *) user);
	for (int64 a = 0; a < m->n_rows; a++)
		n_users += user[order[a]] >= 0 && (a == 0 || user[order[a]] != user[order[a - 1]]);
	stride = (n_users + PRECISION_USERS - 1) / PRECISION_USERS;
	for (int64 a = 0; a < m->n_rows;)
	{
		int32		u = (int32) user[order[a]];
		int64		b = a;
		int			n_rel = 0;
		int			n_top;

		CHECK_FOR_INTERRUPTS();
		while (b < m->n_rows && user[order[b]] == u)
			b++;
		if (u >= 0 && nth++ % stride != 0)
			u = -1;				/* not in the sample */
		for (int64 c = a; c < b && u >= 0; c++)
			if (item[order[c]] >= 0 && !relevant[(int32) item[order[c]]])
			{
				relevant[(int32) item[order[c]]] = true;
				n_rel++;
			}
		if (n_rel > 0)
		{
			n_top = TopK(UserScores(model, pairs, u, true, scores), pairs->items.n,
						 PRECISION_AT, top);
			for (int t = 0; t < n_top; t++)
				hits += relevant[top[t]];
			div += Min(PRECISION_AT, n_rel);
			for (int64 c = a; c < b; c++)
				if (item[order[c]] >= 0)
					relevant[(int32) item[order[c]]] = false;
		}
		a = b;
	}
	pfree(order);
	pfree(scores);
	pfree(relevant);
	return div > 0 ? hits / div : 0;
}

/*
 * Metrics of a pairs model on (user index, item index, rating) rows:
 * explicit, the regression metrics of the predicted ratings; both,
 * precision@10 when the rows were held out.  The primary metric: r2
 * (explicit), precision (implicit).
 */
void
MaasScorePairs(const MaasModel *model, const MaasMatrix *m, bool held_out, MaasJson *json,
			   double *primary)
{
	const MaasPairs *pairs = PairsOf(model, NULL);
	/* on training rows, the seen items left out of the ranking are the relevant ones */
	double		precision = held_out ? PrecisionAtK(model, pairs, m) : NAN;

	if (!pairs->implicit)
	{
		double	   *pred = MemoryContextAllocHuge(CurrentMemoryContext,
												  sizeof(double) * Max(m->n_rows, 1));

		model->algorithm->predict_matrix(model, m, 2, pred);
		MaasRegressionMetrics(MaasMatrixColumn(m, 2), pred, m->n_rows, json, primary);
		pfree(pred);
	}
	else
		*primary = held_out ? precision : 0;
	if (held_out)
	{
		MaasJsonKey(json, "precision_at_10");
		MaasJsonNumber(json, precision);
	}
	MaasJsonKey(json, "rows");
	MaasJsonInt(json, m->n_rows);
}

/* maas_evaluate's source for a pairs model */
MaasDataset *
MaasPairsEvaluationData(const char *source, const MaasModel *model, MaasProgress *progress)
{
	return MaasLoadPairsForModel(source, model, PairsOf(model, NULL), progress);
}

/* The index of argument arg as a user or item key; -1 if unknown */
static int32
KeyArgument(FunctionCallInfo fcinfo, int arg, const MaasKeys *keys, const char *what)
{
	MaasKey		key;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	MaasDatumToKey(PG_GETARG_DATUM(arg), get_fn_expr_argtype(fcinfo->flinfo, arg),
				   keys->type, &key, what);
	return MaasKeysFind(keys, &key);
}

/* maas_predict(name, user, item) -> float8: the predicted rating */
PG_FUNCTION_INFO_V1(maas_predict_pair);
Datum
maas_predict_pair(PG_FUNCTION_ARGS)
{
	const MaasModel *model = MaasModelByName(fcinfo, PG_GETARG_TEXT_PP(0));
	const MaasPairs *pairs = PairsOf(model, model->algorithm->input == MAAS_INPUT_PAIRS ? NULL :
									 text_to_cstring(PG_GETARG_TEXT_PP(0)));
	double		x[2];
	MaasInput	in = {.kind = MAAS_INPUT_PAIRS,.x = x};
	double		out;

	x[0] = KeyArgument(fcinfo, 1, &pairs->users, "user");
	x[1] = KeyArgument(fcinfo, 2, &pairs->items, "item");
	model->algorithm->predict(model, &in, &out);
	PG_RETURN_FLOAT8(out);
}

/* An item key as text, for the item column of the result */
static Datum
KeyText(const MaasKeys *keys, int32 i)
{
	if (keys->ints != NULL)
		return DirectFunctionCall1(int8out, Int64GetDatum(keys->ints[i]));
	if (keys->type == MAAS_KEY_UUID)
		return DirectFunctionCall1(uuid_out, PointerGetDatum(keys->bytes + keys->offsets[i]));
	return PointerGetDatum(pnstrdup(keys->bytes + keys->offsets[i],
									keys->offsets[i + 1] - keys->offsets[i]));
}

static int
CountArgument(FunctionCallInfo fcinfo, int arg)
{
	int			k;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("k must not be NULL")));
	k = PG_GETARG_INT32(arg);
	if (k <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be positive, not %d", k)));
	return k;
}

/* Emit (item, score) rows of the top k items */
static void
EmitTop(FunctionCallInfo fcinfo, const MaasKeys *items, const double *scores, int k)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32	   *top = palloc(sizeof(int32) * Min(k, items->n));
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	n = TopK(scores, items->n, Min(k, items->n), top);
	for (int t = 0; t < n; t++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(DatumGetCString(KeyText(items, top[t])));
		values[1] = Float8GetDatum(scores[top[t]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static const MaasModel *
DeployedRecommender(FunctionCallInfo fcinfo, MaasModelRef *ref, char **name)
{
	*name = MaasRequiredText(fcinfo, 0, "model name");
	MaasCheckName(*name);
	MaasLookupDeployed(*name, MAAS_PRIV_PREDICT, ref);
	MaasQuotaCheck(*name, GetUserId(), false);
	(void) PairsOf(ref->model, *name);
	return ref->model;
}

/* maas_recommend(name, user, k, exclude_seen) -> (item, score): top k items */
PG_FUNCTION_INFO_V1(maas_recommend);
Datum
maas_recommend(PG_FUNCTION_ARGS)
{
	MaasModelRef ref;
	char	   *name;
	const MaasModel *model = DeployedRecommender(fcinfo, &ref, &name);
	const MaasPairs *pairs = model->algorithm->pairs(model);
	int32		u = KeyArgument(fcinfo, 1, &pairs->users, "user");
	int			k = CountArgument(fcinfo, 2);
	bool		exclude = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	double	   *scores;

	if (u < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user is not one of the %d users model \"%s\" was trained on",
						pairs->users.n, name),
				 errhint("Retrain to include new users; maas_predict(name, user, item) gives "
						 "a new user the item's mean rating.")));
	if (exclude && pairs->seen_start == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" does not keep the items users rated", name),
				 errhint("Retrain with params {\"keep_seen\": true}, or leave exclude_seen false.")));
	scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * pairs->items.n);
	UserScores(model, pairs, u, exclude, scores);
	EmitTop(fcinfo, &pairs->items, scores, k);
	MaasUsageAddPredictions(GetUserId(), name, ref.version, 1);
	MaasQuotaCount(GetUserId(), name, 1, 0);
	return (Datum) 0;
}

/* maas_similar_items(name, item, k) -> (item, similarity): cosine of factors */
PG_FUNCTION_INFO_V1(maas_similar_items);
Datum
maas_similar_items(PG_FUNCTION_ARGS)
{
	MaasModelRef ref;
	char	   *name;
	const MaasModel *model = DeployedRecommender(fcinfo, &ref, &name);
	const MaasPairs *pairs = model->algorithm->pairs(model);
	int32		i = KeyArgument(fcinfo, 1, &pairs->items, "item");
	int			k = CountArgument(fcinfo, 2);
	double	   *scores;

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("item is not one of the %d items model \"%s\" was trained on",
						pairs->items.n, name)));
	scores = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * pairs->items.n);
	model->algorithm->similar_items(model, i, scores);
	scores[i] = -INFINITY;		/* not itself */
	EmitTop(fcinfo, &pairs->items, scores, k);
	MaasUsageAddPredictions(GetUserId(), name, ref.version, 1);
	MaasQuotaCount(GetUserId(), name, 1, 0);
	return (Datum) 0;
}
