/*
 * pca.c
 *	  pca: principal component analysis from comoments, through LAPACK.
 *
 * The components are the leading eigenvectors of the covariance matrix
 * C / (n - 1), C the centered cross products that least squares uses too:
 * so maas_train (comoments of the scanned matrix) and maas_fit (comoments
 * merged across parallel workers and shards) give the same components.
 * scikit-learn takes the SVD of the centered rows instead; the right
 * singular vectors are these eigenvectors and s^2 / (n - 1) these
 * eigenvalues.  Each component's sign makes its largest entry positive
 * (scikit-learn >= 1.5 flips signs the same way; 1.2 looked at the rows,
 * which comoments do not keep).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "core/blas.h"
#include "core/core.h"

typedef struct PcaOptions
{
	int			n_components;
	bool		whiten;
} PcaOptions;

static const MaasParamSpec pca_params[] = {
	{"n_components", MAAS_PARAM_INT, "0", 0, MAAS_MAX_FEATURES, NULL,
		"components to keep; 0 keeps min(rows, features)",
	offsetof(PcaOptions, n_components)},
	{"whiten", MAAS_PARAM_BOOL, "false", 0, 0, NULL,
		"divide each projected coordinate by the square root of its variance",
	offsetof(PcaOptions, whiten)},
	{NULL}
};

typedef struct PcaState
{
	int			p;				/* features */
	int			k;				/* components */
	bool		whiten;
	double		n;				/* rows fitted */
	double		total_variance;	/* trace of the covariance */
	double		noise_variance; /* mean of the eigenvalues left out */
	double	   *mean;			/* p */
	double	   *components;		/* k x p, row-major: component c is row c */
	double	   *variance;		/* k eigenvalues, descending */
} PcaState;

static void *
PcaFitComoment(const MaasComoment *cm, MaasTask task, const void *options)
{
	const PcaOptions *opt = options;
	int			p = cm->q - 1;	/* the last column is maas_fit's empty target */
	int			rank = (int) Min((double) p, cm->n);
	int			k = opt->n_components > 0 ? opt->n_components : rank;
	PcaState   *st = palloc0(sizeof(PcaState));
	double	   *a;
	double	   *w;
	double		rest = 0;
	int			info;

	if (cm->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("pca needs at least 2 rows, not %.0f", cm->n)));
	if (k > p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_components %d exceeds the %d features", k, p),
				 errhint("Set params {\"n_components\": %d} or fewer.", p)));
	if (k > cm->n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_components %d exceeds the %.0f rows", k, cm->n),
				 errhint("Set params {\"n_components\": %d} or fewer.", rank)));
	MaasCheckMemory(mul_size(mul_size(p, p), 2 * sizeof(double)), "pca covariance");
	a = palloc(sizeof(double) * p * p);
	w = palloc(sizeof(double) * p);
	for (int j = 0; j < p; j++)
		for (int i = j; i < p; i++)
			a[(int64) j * p + i] = cm->c[(int64) j * cm->q + i] / (cm->n - 1);
	CHECK_FOR_INTERRUPTS();
	/* eigenvalues ascending, eigenvectors as the columns of a */
	info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', p, a, p, w);
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("pca: the eigendecomposition did not converge (LAPACK dsyevd info %d)", info)));

	st->p = p;
	st->k = k;
	st->whiten = opt->whiten;
	st->n = cm->n;
	st->mean = palloc(sizeof(double) * p);
	memcpy(st->mean, cm->mean, sizeof(double) * p);
	st->components = palloc(sizeof(double) * k * p);
	st->variance = palloc(sizeof(double) * k);
	/* the trace: scikit-learn's total variance, all components included */
	for (int j = 0; j < p; j++)
		st->total_variance += cm->c[(int64) j * cm->q + j] / (cm->n - 1);
	for (int c = 0; c < k; c++)
	{
		const double *v = a + (int64) (p - 1 - c) * p;
		double	   *out = st->components + (int64) c * p;
		int			top = 0;

		for (int j = 1; j < p; j++)
			if (fabs(v[j]) > fabs(v[top]))
				top = j;
		for (int j = 0; j < p; j++)
			out[j] = v[top] < 0 ? -v[j] : v[j];
		st->variance[c] = Max(w[p - 1 - c], 0);
		if (st->whiten && !(st->variance[c] > DBL_EPSILON * st->total_variance))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("pca: component %d has no variance, so it cannot be whitened", c + 1),
					 errhint("Set params {\"n_components\": %d} or fewer.", Max(c, 1))));
	}
	/* scikit-learn's noise_variance_: the mean of the eigenvalues left out */
	for (int j = 0; j < rank - k; j++)
		rest += Max(w[j + p - rank], 0);
	st->noise_variance = k < rank ? rest / (rank - k) : 0;
	pfree(a);
	pfree(w);
	return st;
}

static void *
PcaFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	MaasComoment cm;

	MaasComomentInit(&cm, data->n_features + 1);
	MaasComomentAddColumnMajor(&cm, &data->m, 0, data->m.n_rows);
	return PcaFitComoment(&cm, data->task, options);
}

/* out: the k coordinates of (x - mean) on the components, maybe whitened */
static void
PcaPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const PcaState *st = model->state;

	for (int c = 0; c < st->k; c++)
	{
		const double *v = st->components + (int64) c * st->p;
		double		z = 0;

		for (int j = 0; j < st->p; j++)
			z += (in->x[j] - st->mean[j]) * v[j];
		out[c] = st->whiten ? z / sqrt(st->variance[c]) : z;
	}
}

static int
PcaOutputs(const void *state)
{
	return ((const PcaState *) state)->k;
}

static void
PcaSerialize(const MaasModel *model, StringInfo buf)
{
	const PcaState *st = model->state;

	MaasWriteU8(buf, st->whiten ? 1 : 0);
	MaasWriteDouble(buf, st->n);
	MaasWriteDouble(buf, st->total_variance);
	MaasWriteDouble(buf, st->noise_variance);
	MaasWriteDoubles(buf, st->mean, st->p);
	MaasWriteDoubles(buf, st->variance, st->k);
	MaasWriteDoubles(buf, st->components, (int64) st->k * st->p);
}

static void *
PcaDeserialize(MaasReader *r, const MaasModel *model)
{
	PcaState   *st = palloc0(sizeof(PcaState));
	uint8		whiten;

	st->p = model->n_features;
	st->k = model->n_outputs;
	if (st->k > st->p)
		MaasReaderFail(r, "%d components of %d features", st->k, st->p);
	whiten = MaasReadU8(r);
	if (whiten > 1)
		MaasReaderFail(r, "whiten flag %u", whiten);
	st->whiten = whiten == 1;
	st->n = MaasReadFinite(r);
	st->total_variance = MaasReadFinite(r);
	st->noise_variance = MaasReadFinite(r);
	if (st->n < 2 || st->total_variance < 0 || st->noise_variance < 0)
		MaasReaderFail(r, "row count or variances out of range");
	/* every count is checked against the bytes left before allocating */
	if ((uint64) (st->p + st->k + (int64) st->k * st->p) * 8 != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes for %d components of %d features",
					   r->len - r->pos, st->k, st->p);
	st->mean = palloc(sizeof(double) * st->p);
	st->variance = palloc(sizeof(double) * st->k);
	st->components = palloc(sizeof(double) * st->k * st->p);
	MaasReadDoubles(r, st->mean, st->p, true);
	MaasReadDoubles(r, st->variance, st->k, true);
	MaasReadDoubles(r, st->components, (int64) st->k * st->p, true);
	for (int c = 0; c < st->k; c++)
		if (st->variance[c] < 0 || (st->whiten && st->variance[c] == 0))
			MaasReaderFail(r, "variance of component %d out of range", c + 1);
	return st;
}

static void
PcaDescribe(const MaasModel *model, MaasJson *json)
{
	const PcaState *st = model->state;

	MaasJsonKey(json, "n_components");
	MaasJsonInt(json, st->k);
	MaasJsonKey(json, "explained_variance");
	MaasJsonNumberArray(json, st->variance, st->k);
	MaasJsonKey(json, "explained_variance_ratio");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->k; c++)
		MaasJsonNumber(json, st->total_variance > 0 ? st->variance[c] / st->total_variance : 0);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "singular_values");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->k; c++)
		MaasJsonNumber(json, sqrt(st->variance[c] * (st->n - 1)));
	MaasJsonEndArray(json);
	MaasJsonKey(json, "noise_variance");
	MaasJsonNumber(json, st->noise_variance);
	MaasJsonKey(json, "mean");
	MaasJsonNumberArray(json, st->mean, st->p);
	MaasJsonKey(json, "components");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->k; c++)
		MaasJsonNumberArray(json, st->components + (int64) c * st->p, st->p);
	MaasJsonEndArray(json);
}

const MaasAlgorithm maas_pca = {
	.name = "pca",
	.id = 8,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_DECOMPOSITION),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = pca_params,
	.options_size = sizeof(PcaOptions),
	.fit = PcaFit,
	.fit_comoment = PcaFitComoment,
	.predict = PcaPredict,
	.serialize = PcaSerialize,
	.deserialize = PcaDeserialize,
	.describe = PcaDescribe,
	.n_outputs = PcaOutputs,
};
