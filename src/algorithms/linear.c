/*
 * linear.c
 *	  linear_regression: least squares, optionally ridge, from comoments.
 *
 * The fit needs only the count, means and centered cross products of
 * [X y], so it is the same whether they come from a scanned matrix or from
 * the maas_fit aggregate's merged states.  With an intercept the system is
 * Sxx w = Sxy on centered data (what scikit-learn's LinearRegression and
 * Ridge solve); without one, the uncentered X'X w = X'y.
 */
#include "postgres.h"

#include <math.h>

#include "core/blas.h"
#include "core/core.h"
#include "core/onnxwrite.h"

typedef struct LinearState
{
	int			p;
	double		intercept;
	double	   *coef;
	double	   *mean;			/* training means: the base of explanations */
	int			rank;
} LinearState;

typedef struct LinearOptions
{
	double		l2;
	bool		fit_intercept;
} LinearOptions;

static const MaasParamSpec linear_params[] = {
	{"l2", MAAS_PARAM_FLOAT, "0", 0, 1e300, NULL,
		"ridge penalty alpha: minimizes ||y - Xw - b||^2 + l2 ||w||^2",
	offsetof(LinearOptions, l2)},
	{"fit_intercept", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"whether to fit an intercept",
	offsetof(LinearOptions, fit_intercept)},
	{NULL}
};

static void *
LinearFitComoment(const MaasComoment *cm, MaasTask task, const void *options)
{
	const LinearOptions *opt = options;
	int			q = cm->q;
	int			p = q - 1;
	double		l2 = opt->l2;
	bool		fit_intercept = opt->fit_intercept;
	LinearState *st = palloc0(sizeof(LinearState));
	double	   *a = palloc(sizeof(double) * p * p);
	double	   *b = palloc(sizeof(double) * p);

	/* Sxx is the leading p x p block; Sxy is row p (lower triangle) */
	for (int j = 0; j < p; j++)
	{
		for (int i = j; i < p; i++)
		{
			double		v = cm->c[(int64) j * q + i];

			if (!fit_intercept)
				v += cm->n * cm->mean[i] * cm->mean[j];
			a[(int64) j * p + i] = v;
		}
		b[j] = cm->c[(int64) j * q + p];
		if (!fit_intercept)
			b[j] += cm->n * cm->mean[j] * cm->mean[p];
	}
	st->p = p;
	st->rank = MaasSolveSymmetric(a, p, b, l2);
	st->coef = b;
	st->mean = palloc(sizeof(double) * p);
	memcpy(st->mean, cm->mean, sizeof(double) * p);
	st->intercept = 0;
	if (fit_intercept)
	{
		st->intercept = cm->mean[p];
		for (int j = 0; j < p; j++)
			st->intercept -= st->coef[j] * cm->mean[j];
	}
	for (int j = 0; j <= p; j++)
		if (!isfinite(j < p ? st->coef[j] : st->intercept))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("least squares gave a non-finite coefficient"),
					 errhint("The features may be too large; scale them, or set params {\"l2\": ...}.")));
	pfree(a);
	return st;
}

/*
 * Weighted comoments of [X y]: n the sum of the weights, weighted means,
 * and sum w (x - mean)(x - mean)' from the centred rows scaled by sqrt(w)
 * (one syrk), so weighted least squares is the same solve
 */
static void
WeightedComoment(MaasComoment *cm, const MaasMatrix *m, const double *w)
{
	int			q = m->n_cols;
	int64		n = m->n_rows;
	double	   *z;

	MaasCheckMemory(mul_size(mul_size(Max(n, 1), q), sizeof(double)), "weighted rows");
	z = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1) * q);
	cm->n = 0;
	for (int64 i = 0; i < n; i++)
		cm->n += w[i];
	if (!(cm->n > 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the sample weights of the training rows sum to zero")));
	for (int j = 0; j < q; j++)
	{
		const double *x = MaasMatrixColumn(m, j);
		double		s = 0;

		for (int64 i = 0; i < n; i++)
			s += w[i] * x[i];
		cm->mean[j] = s / cm->n;
		for (int64 i = 0; i < n; i++)
			z[(int64) j * n + i] = sqrt(w[i]) * (x[i] - cm->mean[j]);
	}
	cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, q, (int) n, 1.0, z, (int) n,
				0.0, cm->c, q);
	pfree(z);
}

static void *
LinearFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	MaasComoment cm;

	MaasComomentInit(&cm, data->n_features + 1);
	if (data->weights != NULL)
		WeightedComoment(&cm, &data->m, data->weights);
	else
		MaasComomentAddColumnMajor(&cm, &data->m, 0, data->m.n_rows);
	return LinearFitComoment(&cm, data->task, options);
}

static void
LinearPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const double *x = in->x;
	const LinearState *st = model->state;
	double		y = st->intercept;

	for (int j = 0; j < st->p; j++)
		y += st->coef[j] * x[j];
	out[0] = y;
}

/* maas_to_sql: intercept + coef . x, added in LinearPredict's order */
static void
LinearToSql(const MaasModel *model, char *const *feature, bool proba, StringInfo out)
{
	const LinearState *st = model->state;

	MaasSqlDot(out, st->intercept, st->coef, st->p, feature);
}

/* maas_export(name, 'json' | 'onnx' | 'pmml') */
static void
LinearExport(const MaasModel *model, const char *format, StringInfo out)
{
	const LinearState *st = model->state;

	MaasLinearExport(out, model, format, "identity", 1, &st->intercept, st->coef, NULL, NULL,
					 st->mean);
}

static void
LinearSerialize(const MaasModel *model, StringInfo buf)
{
	const LinearState *st = model->state;

	MaasWriteU32(buf, (uint32) st->rank);
	MaasWriteDouble(buf, st->intercept);
	MaasWriteDoubles(buf, st->coef, st->p);
	MaasWriteDoubles(buf, st->mean, st->p);
}

static void *
LinearDeserialize(MaasReader *r, const MaasModel *model)
{
	LinearState *st = palloc0(sizeof(LinearState));

	st->p = model->n_features;
	st->rank = (int) MaasReadU32(r);
	if (st->rank > st->p)
		MaasReaderFail(r, "rank %d exceeds %d features", st->rank, st->p);
	st->intercept = MaasReadFinite(r);
	if ((uint64) st->p * 16 > r->len - r->pos)
		MaasReaderFail(r, "truncated coefficients");
	st->coef = palloc(sizeof(double) * st->p);
	st->mean = palloc(sizeof(double) * st->p);
	MaasReadDoubles(r, st->coef, st->p, true);
	MaasReadDoubles(r, st->mean, st->p, true);
	return st;
}

static void
LinearDescribe(const MaasModel *model, MaasJson *json)
{
	const LinearState *st = model->state;

	MaasJsonKey(json, "intercept");
	MaasJsonNumber(json, st->intercept);
	MaasJsonCoefficients(json, &model->prep, st->coef, st->p);
	MaasJsonKey(json, "rank");
	MaasJsonInt(json, st->rank);
}

/* contribution of feature j: coef_j (x_j - mean_j); base: the mean row */
static void
LinearExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const LinearState *st = model->state;

	MaasLinearExplain(st->intercept, st->coef, st->mean, st->p, in->x, contrib, base);
}

const MaasAlgorithm maas_linear_regression = {
	.name = "linear_regression",
	.id = 1,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = linear_params,
	.options_size = sizeof(LinearOptions),
	.fit = LinearFit,
	.fit_comoment = LinearFitComoment,
	.predict = LinearPredict,
	.serialize = LinearSerialize,
	.deserialize = LinearDeserialize,
	.describe = LinearDescribe,
	.explain = LinearExplain,
	.to_sql = LinearToSql,
	.takes_weights = true,
	.exports = "json,onnx,pmml",
	.export_model = LinearExport,
};
