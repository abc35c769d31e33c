/*
 * postfit.c
 *	  Fitting the post-processing of a model on its held-out rows
 *	  (postprocess.c says what it is): the sorted absolute residuals of a
 *	  regressor, a classifier's calibration maps.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "core/core.h"
#include "core/postprocess.h"

/* The sorted absolute residuals, or up to MAX_RESIDUALS of their order statistics */
static void
FitConformal(MaasPostprocess *post, const double *y, const double *pred, int64 n)
{
	double	   *r = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int			k = (int) Min(n, MAAS_MAX_RESIDUALS);

	for (int64 i = 0; i < n; i++)
		r[i] = fabs(y[i] - pred[i]);
	qsort(r, n, sizeof(double), MaasCompareDoubles);
	post->n_residual_rows = n;
	post->n_residuals = k;
	post->residuals = palloc(sizeof(double) * k);
	for (int j = 0; j < k; j++)
	{
		/* rank ceil((j + 1) n / k), 1-based */
		int64		rank = ((int64) (j + 1) * n + k - 1) / k;

		post->residuals[j] = r[rank - 1];
	}
	pfree(r);
}

/*
 * scikit-learn's _sigmoid_calibration: minimize the log loss of
 * P = 1 / (1 + exp(a f + b)) against Platt's targets (positives
 * (N+ + 1) / (N+ + 2), negatives 1 / (N- + 2)), from a = 0,
 * b = log((N- + 1) / (N+ + 1)); Newton's method on the two parameters,
 * with halving steps so the loss never rises
 */
static void
FitSigmoid(MaasCalibrator *cal, const double *f, const bool *positive, int64 n)
{
	int64		n_pos = 0;
	double		t_pos;
	double		t_neg;
	double		a = 0;
	double		b;
	double		loss = INFINITY;

	for (int64 i = 0; i < n; i++)
		n_pos += positive[i];
	t_pos = (n_pos + 1.0) / (n_pos + 2.0);
	t_neg = 1.0 / (n - n_pos + 2.0);
	b = log((n - n_pos + 1.0) / (n_pos + 1.0));
	for (int it = 0; it < 100; it++)
	{
		double		ga = 0,
					gb = 0,
					haa = 0,
					hab = 0,
					hbb = 0;
		double		det;
		double		da;
		double		db;
		double		step = 1;

		CHECK_FOR_INTERRUPTS();
		loss = 0;
		for (int64 i = 0; i < n; i++)
		{
			double		z = a * f[i] + b;
			double		p = MaasSigmoid(-z);	/* P(positive) */
			double		t = positive[i] ? t_pos : t_neg;
			double		w = p * (1 - p);

			/* -t log p - (1 - t) log(1 - p), stably: log(1 + e^z) - (1 - t) z */
			loss += (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - (1 - t) * z;
			/* d loss / dz = t - p, d2 loss / dz2 = p (1 - p) */
			ga += (t - p) * f[i];
			gb += t - p;
			haa += w * f[i] * f[i];
			hab += w * f[i];
			hbb += w;
		}
		det = haa * hbb - hab * hab;
		if (!(det > 0) || (fabs(ga) < 1e-12 * Max(n, 1) && fabs(gb) < 1e-12 * Max(n, 1)))
			break;
		da = (hbb * ga - hab * gb) / det;
		db = (haa * gb - hab * ga) / det;
		/* halve the step until the loss does not rise */
		for (int h = 0; h < 30; h++, step /= 2)
		{
			double		na = a - step * da;
			double		nb = b - step * db;
			double		nl = 0;

			for (int64 i = 0; i < n; i++)
			{
				double		z = na * f[i] + nb;
				double		t = positive[i] ? t_pos : t_neg;

				nl += (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - (1 - t) * z;
			}
			if (nl <= loss)
			{
				a = na;
				b = nb;
				break;
			}
		}
		if (fabs(step * da) < 1e-14 * Max(1, fabs(a)) && fabs(step * db) < 1e-14 * Max(1, fabs(b)))
			break;
	}
	cal->a = a;
	cal->b = b;
}

typedef struct Pair
{
	double		x;
	double		y;
} Pair;

static int
ComparePairs(const void *a, const void *b)
{
	return MaasCompareDoubles(&((const Pair *) a)->x, &((const Pair *) b)->x);
}

/*
 * IsotonicRegression(out_of_bounds="clip"): equal scores merged into their
 * mean label (weighted by their count), then pool adjacent violators; the
 * map interpolates between the distinct scores' fitted values
 */
static void
FitIsotonic(MaasCalibrator *cal, const double *f, const bool *positive, int64 n)
{
	Pair	   *pairs = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Pair) * n);
	double	   *x = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	double	   *value = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	double	   *weight = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int64	   *first = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
	int64		m = 0;
	int64		blocks = 0;

	for (int64 i = 0; i < n; i++)
	{
		pairs[i].x = f[i];
		pairs[i].y = positive[i];
	}
	qsort(pairs, n, sizeof(Pair), ComparePairs);
	for (int64 i = 0; i < n; i++)
	{
		if (m > 0 && pairs[i].x == x[m - 1])
		{
			value[m - 1] += pairs[i].y;
			weight[m - 1] += 1;
			continue;
		}
		x[m] = pairs[i].x;
		value[m] = pairs[i].y;
		weight[m] = 1;
		m++;
	}
	/* blocks of (sum, weight) that must increase; first[b]: first point */
	for (int64 i = 0; i < m; i++)
	{
		value[blocks] = value[i];
		weight[blocks] = weight[i];
		first[blocks] = i;
		blocks++;
		while (blocks > 1 &&
			   value[blocks - 2] / weight[blocks - 2] >= value[blocks - 1] / weight[blocks - 1])
		{
			value[blocks - 2] += value[blocks - 1];
			weight[blocks - 2] += weight[blocks - 1];
			blocks--;
		}
	}
	cal->n_points = (int) m;
	cal->x = palloc(sizeof(double) * m);
	cal->y = palloc(sizeof(double) * m);
	for (int64 b = 0; b < blocks; b++)
	{
		int64		end = b + 1 < blocks ? first[b + 1] : m;

		for (int64 i = first[b]; i < end; i++)
		{
			cal->x[i] = x[i];
			cal->y[i] = value[b] / weight[b];
		}
	}
	pfree(pairs);
	pfree(x);
	pfree(value);
	pfree(weight);
	pfree(first);
}

/*
 * After the fit: learn from the held-out rows m (target last) what the
 * model keeps beyond its algorithm's state, and report it into the
 * metrics.  Regressors keep their conformal residuals (intervals);
 * classifiers a calibration when one is asked.  No held-out row: nothing.
 */
void
MaasPostprocessFit(MaasModel *model, const MaasMatrix *m, int calibration, bool intervals,
				   MaasJson *metrics)
{
	int64		n = m->n_rows;
	int			k = model->n_outputs;
	MaasPostprocess *post;
	double	   *out;
	const double *y = MaasMatrixColumn(m, model->n_features);

	if (calibration != MAAS_CALIBRATION_NONE && !MaasTaskIsClassification(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration is for classifiers, and this is a %s model",
						MaasTaskName(model->task)),
				 errhint("Leave \"calibration\" out; a regressor's intervals come from maas_predict_interval.")));
	if (calibration != MAAS_CALIBRATION_NONE && n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calibration needs held-out rows, and none were held out"),
				 errhint("Set \"test_size\" above 0: the calibration is fitted on the held-out rows.")));
	if (intervals && model->task != MAAS_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intervals are for regressors, and this is a %s model",
						MaasTaskName(model->task)),
				 errhint("A classifier's uncertainty is its probabilities; \"calibration\" calibrates them.")));
	if (intervals && n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("intervals need held-out rows, and none were held out"),
				 errhint("Set \"test_size\" above 0: the intervals come from the held-out rows' residuals.")));
	if (n == 0 || (model->task == MAAS_TASK_REGRESSION ? !intervals :
				   calibration == MAAS_CALIBRATION_NONE))
		return;
	post = palloc0(sizeof(MaasPostprocess));
	post->calibration = MAAS_CALIBRATION_NONE;
	out = MaasPredictRows(model, m, model->n_features);
	if (model->task == MAAS_TASK_REGRESSION)
	{
		FitConformal(post, y, out, n);
		MaasJsonKey(metrics, "interval_rows");
		MaasJsonInt(metrics, n);
	}
	else
	{
		bool	   *positive = MemoryContextAllocHuge(CurrentMemoryContext, n);
		double	   *f = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
		int			from = k == 2 ? 1 : 0;

		post->calibration = calibration;
		post->n_calibrators = k - from;
		post->calibrators = palloc0(sizeof(MaasCalibrator) * post->n_calibrators);
		for (int c = from; c < k; c++)
		{
			for (int64 i = 0; i < n; i++)
			{
				positive[i] = (int) y[i] == c;
				f[i] = out[i * k + c];
			}
			if (calibration == MAAS_CALIBRATION_SIGMOID)
				FitSigmoid(&post->calibrators[c - from], f, positive, n);
			else
				FitIsotonic(&post->calibrators[c - from], f, positive, n);
		}
		MaasJsonKey(metrics, "calibration_rows");
		MaasJsonInt(metrics, n);
		pfree(positive);
		pfree(f);
	}
	pfree(out);
	MaasPostprocessInstall(model, post);
}

