/*
 * als_model.c
 *	  als: predicting, ranking, similar items, the model bytes and maas_info.
 *
 * A row is (user index, item index), -1 for a key the model does not know.
 * An unknown user or item drops its terms: an explicit model then predicts
 * mean + item bias for a new user (the item's shrunk average), mean + user
 * bias for a new item, the mean for both; an implicit model predicts 0 (no
 * preference known).
 */
#include "postgres.h"

#include <math.h>

#include "algorithms/recommend/als.h"
#include "core/blas.h"

/* An encoded index: -1 unless a whole number in [0, n) */
static int32
RowIndex(double v, int32 n)
{
	if (!(v >= 0 && v < n) || v != floor(v))
		return -1;
	return (int32) v;
}

static double
Predict(const AlsState *st, int32 u, int32 i)
{
	double		v = st->pairs.implicit ? 0 : st->mean;

	if (!st->pairs.implicit)
	{
		if (u >= 0)
			v += st->user_bias[u];
		if (i >= 0)
			v += st->item_bias[i];
	}
	if (u >= 0 && i >= 0)
	{
		const double *x = st->x + (int64) u * st->k;
		const double *y = st->y + (int64) i * st->k;

		for (int f = 0; f < st->k; f++)
			v += x[f] * y[f];
	}
	return v;
}

static void
AlsPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const AlsState *st = model->state;

	out[0] = Predict(st, RowIndex(in->x[0], st->pairs.users.n), RowIndex(in->x[1], st->pairs.items.n));
}

static void
AlsPredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features, double *out)
{
	const AlsState *st = model->state;
	const double *u = MaasMatrixColumn(m, 0);
	const double *i = MaasMatrixColumn(m, 1);

	for (int64 r = 0; r < m->n_rows; r++)
		out[r] = Predict(st, RowIndex(u[r], st->pairs.users.n), RowIndex(i[r], st->pairs.items.n));
}

/* The score of every item for user u (-1: unknown, the item terms only) */
static void
AlsScoreItems(const MaasModel *model, int32 u, double *out)
{
	const AlsState *st = model->state;
	int32		n = st->pairs.items.n;

	if (u >= 0)
		cblas_dgemv(CblasColMajor, CblasTrans, st->k, n, 1.0, st->y, st->k,
					st->x + (int64) u * st->k, 1, 0.0, out, 1);
	else
		memset(out, 0, sizeof(double) * n);
	if (!st->pairs.implicit)
		for (int32 i = 0; i < n; i++)
			out[i] += st->mean + (u >= 0 ? st->user_bias[u] : 0) + st->item_bias[i];
}

/* Cosine of every item's factors with item i's; 0 for a zero vector */
static void
AlsSimilarItems(const MaasModel *model, int32 i, double *out)
{
	const AlsState *st = model->state;
	int32		n = st->pairs.items.n;
	double		ni = st->item_norm[i];

	cblas_dgemv(CblasColMajor, CblasTrans, st->k, n, 1.0, st->y, st->k,
				st->y + (int64) i * st->k, 1, 0.0, out, 1);
	for (int32 j = 0; j < n; j++)
		out[j] = (ni > 0 && st->item_norm[j] > 0) ? out[j] / (ni * st->item_norm[j]) : 0;
}

static const MaasPairs *
AlsPairs(const MaasModel *model)
{
	return &((const AlsState *) model->state)->pairs;
}

/*
 * Bytes: the pairs (keys, seen items), factors k, mean, the user and item
 * factors, the biases (explicit), the loss history.
 */
static void
AlsSerialize(const MaasModel *model, StringInfo buf)
{
	const AlsState *st = model->state;
	int32		nu = st->pairs.users.n;
	int32		ni = st->pairs.items.n;

	MaasWritePairs(buf, &st->pairs);
	MaasWriteU32(buf, (uint32) st->k);
	MaasWriteDouble(buf, st->mean);
	MaasWriteDoubles(buf, st->x, (int64) nu * st->k);
	MaasWriteDoubles(buf, st->y, (int64) ni * st->k);
	if (!st->pairs.implicit)
	{
		MaasWriteDoubles(buf, st->user_bias, nu);
		MaasWriteDoubles(buf, st->item_bias, ni);
	}
	MaasWriteU32(buf, (uint32) st->n_history);
	MaasWriteDoubles(buf, st->history, st->n_history);
}

static double *
ReadDoubles(MaasReader *r, int64 n, const char *what)
{
	double	   *v;

	if ((uint64) n * 8 > r->len - r->pos)
		MaasReaderFail(r, "%lld %s do not fit in the %zu bytes left",
					   (long long) n, what, r->len - r->pos);
	v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
	MaasReadDoubles(r, v, n, true);
	return v;
}

static void *
AlsDeserialize(MaasReader *r, const MaasModel *model)
{
	AlsState   *st = palloc0(sizeof(AlsState));
	int32		nu;
	int32		ni;

	if (model->n_features != 2 || model->n_outputs != 1 || model->prep.n_columns != 2 ||
		model->task != MAAS_TASK_RECOMMENDATION)
		MaasReaderFail(r, "a recommender has two input columns (user, item) and one output");
	MaasReadPairs(r, &st->pairs);
	nu = st->pairs.users.n;
	ni = st->pairs.items.n;
	st->k = MaasReadCount(r, ALS_MAX_FACTORS, 0, "factor");
	if (st->k < 1)
		MaasReaderFail(r, "a model needs at least one factor");
	st->mean = MaasReadFinite(r);
	st->x = ReadDoubles(r, (int64) nu * st->k, "user factors");
	st->y = ReadDoubles(r, (int64) ni * st->k, "item factors");
	if (!st->pairs.implicit)
	{
		st->user_bias = ReadDoubles(r, nu, "user biases");
		st->item_bias = ReadDoubles(r, ni, "item biases");
	}
	else if (st->mean != 0)
		MaasReaderFail(r, "an implicit model has no mean rating");
	st->n_history = MaasReadCount(r, 1000, 8, "iteration");
	st->history = ReadDoubles(r, st->n_history, "losses");
	AlsItemNorms(st, ni);
	return st;
}

static void
AlsDescribe(const MaasModel *model, MaasJson *json)
{
	const AlsState *st = model->state;

	MaasJsonKey(json, "factors");
	MaasJsonInt(json, st->k);
	MaasDescribePairs(&st->pairs, json);
	if (!st->pairs.implicit)
	{
		MaasJsonKey(json, "mean_rating");
		MaasJsonNumber(json, st->mean);
	}
	MaasJsonKey(json, "iterations");
	MaasJsonInt(json, st->n_history);
	MaasJsonKey(json, st->pairs.implicit ? "loss_history" : "training_rmse_history");
	MaasJsonNumberArray(json, st->history, st->n_history);
}

const MaasAlgorithm maas_als = {
	.name = "als",
	.id = 15,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_RECOMMENDATION),
	.handles_missing = false,
	.input = MAAS_INPUT_PAIRS,
	.params = als_params,
	.options_size = sizeof(AlsOptions),
	.fit = AlsFit,
	.predict = AlsPredict,
	.predict_matrix = AlsPredictMatrix,
	.serialize = AlsSerialize,
	.deserialize = AlsDeserialize,
	.describe = AlsDescribe,
	.pairs = AlsPairs,
	.score_items = AlsScoreItems,
	.similar_items = AlsSimilarItems,
};
