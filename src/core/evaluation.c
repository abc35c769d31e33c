/*
 * evaluation.c
 *	  What maas_evaluate and the curve functions show beyond the metrics,
 *	  defined as scikit-learn defines them: the confusion matrix and the
 *	  per-class report (confusion_matrix, classification_report), the points
 *	  of the ROC and precision-recall curves (_binary_clf_curve, roc_curve,
 *	  precision_recall_curve), the calibration curve (calibration_curve,
 *	  strategy "uniform") and the quantiles of regression residuals
 *	  (numpy.quantile, linear interpolation).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "core/core.h"

/* Quantiles of residuals maas_evaluate reports for a regressor */
static const double residual_quantiles[] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};

static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* numpy.quantile of sorted values, default (linear) interpolation */
double
MaasSortedQuantile(const double *sorted, int64 n, double q)
{
	double		h = (n - 1) * q;
	int64		lo = (int64) floor(h);

	if (lo >= n - 1)
		return sorted[n - 1];
	return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/* "residual_quantiles": {"0": .., "0.05": .., ...} of y - pred */
void
MaasResidualQuantiles(const double *y, const double *pred, int64 n, MaasJson *json)
{
	double	   *r = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));

	for (int64 i = 0; i < n; i++)
		r[i] = y[i] - pred[i];
	qsort(r, n, sizeof(double), CompareDoubles);
	MaasJsonKey(json, "residual_quantiles");
	MaasJsonBeginObject(json);
	for (int k = 0; k < lengthof(residual_quantiles); k++)
	{
		char		key[32];

		snprintf(key, sizeof(key), "%g", residual_quantiles[k]);
		MaasJsonKey(json, key);
		MaasJsonNumber(json, MaasSortedQuantile(r, n, residual_quantiles[k]));
	}
	MaasJsonEndObject(json);
	pfree(r);
}

/*
 * "confusion_matrix" (rows: true class, columns: predicted, in class order,
 * as scikit-learn's confusion_matrix with labels in that order), "labels",
 * and "per_class": precision, recall, f1 and support of every class.
 */
void
MaasClassReport(const double *y, const double *proba, int64 n, const MaasTarget *target,
				MaasJson *json)
{
	int			k = target->n_classes;
	int64	   *cm = palloc0(sizeof(int64) * k * k);

	for (int64 i = 0; i < n; i++)
		cm[(int64) y[i] * k + MaasArgmax(proba + i * k, k)]++;
	MaasJsonKey(json, "labels");
	MaasJsonBeginArray(json);
	for (int c = 0; c < k; c++)
		MaasJsonString(json, target->labels[c]);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "confusion_matrix");
	MaasJsonBeginArray(json);
	for (int t = 0; t < k; t++)
	{
		MaasJsonBeginArray(json);
		for (int p = 0; p < k; p++)
			MaasJsonInt(json, cm[t * k + p]);
		MaasJsonEndArray(json);
	}
	MaasJsonEndArray(json);
	MaasJsonKey(json, "per_class");
	MaasJsonBeginArray(json);
	for (int c = 0; c < k; c++)
	{
		int64		support = 0;
		int64		predicted = 0;
		double		precision;
		double		recall;

		for (int o = 0; o < k; o++)
		{
			support += cm[c * k + o];
			predicted += cm[o * k + c];
		}
		/* 0 where undefined, as scikit-learn's zero_division default warns and gives */
		precision = predicted > 0 ? (double) cm[c * k + c] / predicted : 0;
		recall = support > 0 ? (double) cm[c * k + c] / support : 0;
		MaasJsonBeginObject(json);
		MaasJsonKey(json, "class");
		MaasJsonString(json, target->labels[c]);
		MaasJsonKey(json, "precision");
		MaasJsonNumber(json, precision);
		MaasJsonKey(json, "recall");
		MaasJsonNumber(json, recall);
		MaasJsonKey(json, "f1");
		MaasJsonNumber(json, precision + recall > 0 ?
					   2 * precision * recall / (precision + recall) : 0);
		MaasJsonKey(json, "support");
		MaasJsonInt(json, support);
		MaasJsonEndObject(json);
	}
	MaasJsonEndArray(json);
	pfree(cm);
}

typedef struct ScoredRow
{
	double		score;
	bool		positive;
} ScoredRow;

static int
CompareScoreDescending(const void *a, const void *b)
{
	double		x = ((const ScoredRow *) a)->score;
	double		y = ((const ScoredRow *) b)->score;

	return (x < y) - (x > y);
}

/*
 * The cumulative true and false positives at each distinct score, highest
 * first (scikit-learn's _binary_clf_curve): point i counts the rows scored
 * at least points[i].threshold.  Returns the number of points (>= 1 for
 * n >= 1), allocated in *points.
 */
int64
MaasBinaryCurve(const bool *positive, const double *score, int64 n, MaasCurvePoint **points)
{
	ScoredRow  *s = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(ScoredRow) * Max(n, 1));
	MaasCurvePoint *p = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(MaasCurvePoint) * Max(n, 1));
	int64		tp = 0;
	int64		m = 0;

	for (int64 i = 0; i < n; i++)
	{
		s[i].score = score[i];
		s[i].positive = positive[i];
	}
	qsort(s, n, sizeof(ScoredRow), CompareScoreDescending);
	for (int64 i = 0; i < n; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		tp += s[i].positive;
		if (i == n - 1 || s[i + 1].score != s[i].score)
		{
			p[m].threshold = s[i].score;
			p[m].tp = tp;
			p[m].fp = i + 1 - tp;
			m++;
		}
	}
	pfree(s);
	*points = p;
	return m;
}

/*
 * roc_curve's drop_intermediate: keep the first and last points and those
 * where the curve bends (a second difference of fp or tp is not zero), in
 * place; returns the points kept.
 */
int64
MaasDropCollinear(MaasCurvePoint *p, int64 m)
{
	int64		kept = 0;
	MaasCurvePoint prev;

	if (m <= 2)
		return m;
	prev = p[0];
	kept = 1;
	for (int64 i = 1; i < m - 1; i++)
	{
		MaasCurvePoint cur = p[i];

		if (p[i + 1].fp - 2 * cur.fp + prev.fp != 0 ||
			p[i + 1].tp - 2 * cur.tp + prev.tp != 0)
			p[kept++] = cur;
		prev = cur;
	}
	p[kept++] = p[m - 1];
	return kept;
}

/*
 * calibration_curve(strategy="uniform"): n_bins bins of equal width over
 * [0, 1]; a score on an inner edge falls in the lower bin (searchsorted,
 * side left).  Per bin: rows, sum of scores, positives.
 */
void
MaasCalibrationBins(const bool *positive, const double *score, int64 n, int n_bins,
					int64 *count, double *sum_score, int64 *sum_positive)
{
	double		step = 1.0 / n_bins;

	memset(count, 0, sizeof(int64) * n_bins);
	memset(sum_score, 0, sizeof(double) * n_bins);
	memset(sum_positive, 0, sizeof(int64) * n_bins);
	for (int64 i = 0; i < n; i++)
	{
		int			b = 0;

		/* the edges as numpy.linspace computes them: i * (1 / n_bins) */
		while (b < n_bins - 1 && score[i] > (b + 1) * step)
			b++;
		count[b]++;
		sum_score[b] += score[i];
		sum_positive[b] += positive[i];
	}
}

/*
 * average_precision_score: the sum over thresholds of (R_i - R_{i-1}) P_i,
 * the points highest threshold first
 */
double
MaasAveragePrecision(const MaasCurvePoint *p, int64 m)
{
	int64		positives = m > 0 ? p[m - 1].tp : 0;
	double		ap = 0;
	int64		prev_tp = 0;

	if (positives == 0)
		return NAN;
	for (int64 i = 0; i < m; i++)
	{
		ap += (double) (p[i].tp - prev_tp) / positives * p[i].tp / (p[i].tp + p[i].fp);
		prev_tp = p[i].tp;
	}
	return ap;
}

/*
 * maas_evaluate's report: the metrics of every row of m (the target last)
 * and, for a classifier, the confusion matrix, the per-class report and
 * (binary) the average precision; for a regressor the residual quantiles
 */
void
MaasEvaluateMatrix(const MaasModel *model, const MaasMatrix *m, MaasJson *json,
				   double *primary)
{
	int			p = model->n_features;
	int64		n = m->n_rows;
	double	   *out = MaasPredictRows(model, m, p);
	const double *y = MaasMatrixColumn(m, p);

	MaasScoreOutputs(model, m, p, y, out, n, json, primary);
	if (model->task == MAAS_TASK_REGRESSION)
		MaasResidualQuantiles(y, out, n, json);
	else if (MaasTaskIsClassification(model->task))
	{
		MaasClassReport(y, out, n, &model->target, json);
		if (model->task == MAAS_TASK_BINARY)
		{
			bool	   *positive = MemoryContextAllocHuge(CurrentMemoryContext, Max(n, 1));
			double	   *score = MemoryContextAllocHuge(CurrentMemoryContext,
													   sizeof(double) * Max(n, 1));
			MaasCurvePoint *points;
			int64		count;

			for (int64 i = 0; i < n; i++)
			{
				positive[i] = y[i] == 1;
				score[i] = out[i * 2 + 1];
			}
			count = MaasBinaryCurve(positive, score, n, &points);
			MaasJsonKey(json, "average_precision");
			MaasJsonNumber(json, MaasAveragePrecision(points, count));
			pfree(points);
			pfree(positive);
			pfree(score);
		}
	}
	pfree(out);
}
