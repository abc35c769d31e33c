/*
 * metrics.c
 *	  Held-out metrics, defined as scikit-learn defines them: R², RMSE and
 *	  MAE for regression; accuracy, precision, recall, F1 (the positive
 *	  class for binary, macro averages otherwise), log loss and ROC AUC
 *	  (binary) for classification.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "core/blas.h"
#include "core/core.h"

#define LOG_LOSS_EPS	1e-15

void
MaasRegressionMetrics(const double *y, const double *pred, int64 n,
					  MaasJson *json, double *primary)
{
	double		mean = 0;
	double		sse = 0;
	double		sst = 0;
	double		sae = 0;
	double		r2;

	for (int64 i = 0; i < n; i++)
		mean += y[i];
	mean /= n;
	for (int64 i = 0; i < n; i++)
	{
		double		e = y[i] - pred[i];

		sse += e * e;
		sae += fabs(e);
		sst += (y[i] - mean) * (y[i] - mean);
	}
	/* a constant target: 1 if predicted exactly, else 0 (scikit-learn's choice) */
	r2 = sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
	MaasJsonKey(json, "r2");
	MaasJsonNumber(json, r2);
	MaasJsonKey(json, "rmse");
	MaasJsonNumber(json, sqrt(sse / n));
	MaasJsonKey(json, "mae");
	MaasJsonNumber(json, sae / n);
	*primary = r2;
}

typedef struct Scored
{
	double		score;
	bool		positive;
} Scored;

static int
CompareScored(const void *a, const void *b)
{
	double		x = ((const Scored *) a)->score;
	double		y = ((const Scored *) b)->score;

	return (x > y) - (x < y);
}

/* Mann-Whitney statistic with midranks for ties; NaN with a single class */
static double
RocAuc(const double *y, const double *proba, int64 n)
{
	Scored	   *s = palloc(sizeof(Scored) * n);
	double		rank_sum = 0;
	int64		pos = 0;
	int64		i = 0;

	for (int64 r = 0; r < n; r++)
	{
		s[r].score = proba[r * 2 + 1];
		s[r].positive = y[r] == 1;
		pos += s[r].positive;
	}
	if (pos == 0 || pos == n)
	{
		pfree(s);
		return NAN;
	}
	qsort(s, n, sizeof(Scored), CompareScored);
	while (i < n)
	{
		int64		j = i;
		int64		tied_pos = 0;

		while (j < n && s[j].score == s[i].score)
			tied_pos += s[j++].positive;
		/* ranks i+1 .. j share their mean */
		rank_sum += tied_pos * (i + 1 + j) / 2.0;
		i = j;
	}
	pfree(s);
	return (rank_sum - pos * (pos + 1) / 2.0) / ((double) pos * (n - pos));
}

/* y holds class indexes, proba n rows of n_classes probabilities */
void
MaasClassificationMetrics(const double *y, const double *proba, int64 n,
						  int n_classes, MaasJson *json, double *primary)
{
	int64	   *tp = palloc0(sizeof(int64) * n_classes);
	int64	   *predicted = palloc0(sizeof(int64) * n_classes);
	int64	   *actual = palloc0(sizeof(int64) * n_classes);
	int64		correct = 0;
	double		log_loss = 0;
	double		precision = 0;
	double		recall = 0;
	double		f1 = 0;
	int			from;
	int			count;

	for (int64 i = 0; i < n; i++)
	{
		const double *p = proba + i * n_classes;
		int			truth = (int) y[i];
		int			guess = MaasArgmax(p, n_classes);
		double		total = 0;

		for (int k = 0; k < n_classes; k++)
			total += Min(Max(p[k], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
		log_loss -= log(Min(Max(p[truth], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS) / total);
		predicted[guess]++;
		actual[truth]++;
		if (guess == truth)
		{
			correct++;
			tp[truth]++;
		}
	}

	/* binary: the second class is positive; otherwise macro averages */
	from = n_classes == 2 ? 1 : 0;
	count = n_classes == 2 ? 1 : n_classes;
	for (int k = from; k < from + count; k++)
	{
		double		pr = predicted[k] > 0 ? (double) tp[k] / predicted[k] : 0;
		double		rc = actual[k] > 0 ? (double) tp[k] / actual[k] : 0;

		precision += pr;
		recall += rc;
		f1 += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
	}

	MaasJsonKey(json, "accuracy");
	MaasJsonNumber(json, (double) correct / n);
	MaasJsonKey(json, "precision");
	MaasJsonNumber(json, precision / count);
	MaasJsonKey(json, "recall");
	MaasJsonNumber(json, recall / count);
	MaasJsonKey(json, "f1");
	MaasJsonNumber(json, f1 / count);
	MaasJsonKey(json, "log_loss");
	MaasJsonNumber(json, log_loss / n);
	if (n_classes == 2)
	{
		MaasJsonKey(json, "roc_auc");
		MaasJsonNumber(json, RocAuc(y, proba, n));
	}
	*primary = (double) correct / n;
	pfree(tp);
	pfree(predicted);
	pfree(actual);
}

#define SILHOUETTE_SAMPLE	1000

/*
 * Silhouette of the rows of sample (row indexes) given their clusters: for
 * each row, a = mean distance to the others of its cluster, b = the least
 * mean distance to another cluster, s = (b - a) / max(a, b), 0 alone in its
 * cluster (scikit-learn's silhouette_score).  The distances come from one
 * syrk of the sampled rows, |a|^2 + |b|^2 - 2 a.b, as scikit-learn's
 * euclidean_distances computes them.
 */
static double
Silhouette(const MaasMatrix *m, int n_features, const int64 *sample,
		   const int *label, int s, int k)
{
	double	   *xs = palloc(sizeof(double) * s * n_features);
	double	   *g = palloc(sizeof(double) * s * s);
	double	   *sum = palloc0(sizeof(double) * s * k);	/* row i, cluster c */
	int		   *count = palloc0(sizeof(int) * k);
	double		total = 0;

	for (int f = 0; f < n_features; f++)
	{
		const double *col = MaasMatrixColumn(m, f);

		for (int i = 0; i < s; i++)
			xs[(int64) i * n_features + f] = col[sample[i]];
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, s, n_features, 1.0, xs,
				n_features, 0.0, g, s);
	/* each pair once: its distance adds to both rows' sums */
	for (int i = 0; i < s; i++)
	{
		const double *gi = g + (int64) i * s;
		double	   *si = sum + (int64) i * k;

		CHECK_FOR_INTERRUPTS();
		count[label[i]]++;
		for (int j = i + 1; j < s; j++)
		{
			double		d = sqrt(Max(gi[i] + g[(int64) j * s + j] - 2 * gi[j], 0));

			si[label[j]] += d;
			sum[(int64) j * k + label[i]] += d;
		}
	}
	for (int i = 0; i < s; i++)
	{
		const double *si = sum + (int64) i * k;
		double		a;
		double		b = INFINITY;

		if (count[label[i]] < 2)
			continue;
		a = si[label[i]] / (count[label[i]] - 1);
		for (int c = 0; c < k; c++)
			if (c != label[i] && count[c] > 0)
				b = Min(b, si[c] / count[c]);
		if (isfinite(b) && Max(a, b) > 0)
			total += (b - a) / Max(a, b);
	}
	pfree(xs);
	pfree(g);
	pfree(sum);
	pfree(count);
	return total / s;
}

/*
 * Clustering: inertia (the sum of squared distances of rows to their
 * nearest centre, dist holding n rows of k distances) and the silhouette,
 * exact up to SILHOUETTE_SAMPLE rows, else on that many evenly spaced rows.
 */
void
MaasClusteringMetrics(const MaasMatrix *m, int n_features, const double *dist,
					  int k, MaasJson *json, double *primary)
{
	int64		n = m->n_rows;
	int			s = (int) Min(n, SILHOUETTE_SAMPLE);
	int64	   *sample = palloc(sizeof(int64) * Max(s, 1));
	int		   *label = palloc(sizeof(int) * Max(s, 1));
	double		inertia = 0;
	int			used = 0;

	for (int64 i = 0; i < n; i++)
	{
		const double *d = dist + i * k;
		int			best = 0;

		for (int c = 1; c < k; c++)
			if (d[c] < d[best])
				best = c;
		inertia += d[best] * d[best];
		if (used < s && i == (int64) ((double) used * n / s))
		{
			sample[used] = i;
			label[used++] = best;
		}
	}
	MaasJsonKey(json, "inertia");
	MaasJsonNumber(json, inertia);
	MaasJsonKey(json, "silhouette");
	MaasJsonNumber(json, used > 1 && k > 1 ? Silhouette(m, n_features, sample, label, used, k) : NAN);
	MaasJsonKey(json, "silhouette_rows");
	MaasJsonInt(json, used);
	*primary = -inertia;
	pfree(sample);
	pfree(label);
}

/* The metrics of n predictions (n_outputs each) against y; m, when given, the rows */
void
MaasScoreOutputs(const MaasModel *model, const MaasMatrix *m, int n_features, const double *y,
			 const double *out, int64 n, MaasJson *json, double *primary)
{
	if (model->task == MAAS_TASK_REGRESSION)
		MaasRegressionMetrics(y, out, n, json, primary);
	else if (model->task == MAAS_TASK_CLUSTERING && m != NULL)
		MaasClusteringMetrics(m, n_features, out, model->n_outputs, json, primary);
	else if (model->task == MAAS_TASK_DECOMPOSITION || model->task == MAAS_TASK_CLUSTERING)
		*primary = 0;			/* no held-out score; maas_info has the variances */
	else
		MaasClassificationMetrics(y, out, n, model->n_outputs, json, primary);
	MaasJsonKey(json, "rows");
	MaasJsonInt(json, n);
}

/*
 * The outputs of every row of a column-major matrix (its first n_features
 * columns): n_rows x n_outputs, palloc'd
 */
double *
MaasPredictRows(const MaasModel *model, const MaasMatrix *m, int n_features)
{
	int64		n = m->n_rows;
	int			k = model->n_outputs;
	double	   *x = palloc(sizeof(double) * n_features);
	MaasInput	in = {.kind = MAAS_INPUT_DENSE,.x = x};
	double	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1) * k);

	if (model->algorithm->predict_matrix != NULL)
		model->algorithm->predict_matrix(model, m, n_features, out);
	else
		for (int64 i = 0; i < n; i++)
		{
			if ((i & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < n_features; j++)
				x[j] = MaasMatrixColumn(m, j)[i];
			model->algorithm->predict(model, &in, out + i * k);
		}
	pfree(x);
	return out;
}

/* Predict every row of a column-major matrix and append its metrics */
void
MaasScoreMatrix(const MaasModel *model, const MaasMatrix *m, int n_features,
				MaasJson *json, double *primary)
{
	double	   *out = MaasPredictRows(model, m, n_features);

	MaasScoreOutputs(model, m, n_features, MaasMatrixColumn(m, n_features), out, m->n_rows,
				 json, primary);
	pfree(out);
}

/* The same with each row's document (token input) */
void
MaasScoreTokens(const MaasModel *model, const MaasMatrix *m, const MaasTokenRows *tokens,
				MaasJson *json, double *primary)
{
	int64		n = m->n_rows;
	int			p = model->n_features;
	int			k = model->n_outputs;
	double	   *x = palloc(sizeof(double) * Max(p, 1));
	MaasInput	in = {.kind = MAAS_INPUT_TOKENS,.x = x};
	double	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1) * k);

	Assert(tokens->n_rows == n);
	/* documents alone: the algorithm's batches (one ONNX Runtime run per batch) */
	if (p == 0 && model->algorithm->predict_tokens != NULL)
		model->algorithm->predict_tokens(model, tokens, out);
	else
		for (int64 i = 0; i < n; i++)
		{
			if ((i & 0xfff) == 0)
				CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < p; j++)
				x[j] = MaasMatrixColumn(m, j)[i];
			in.tokens = tokens->ids + tokens->start[i];
			in.n_tokens = (int) (tokens->start[i + 1] - tokens->start[i]);
			model->algorithm->predict(model, &in, out + i * k);
		}
	MaasScoreOutputs(model, m, p, MaasMatrixColumn(m, p), out, n, json, primary);
	pfree(x);
	pfree(out);
}

/* The same over single-precision rows: each row back in double, predicted */
void
MaasScoreFloatRows(const MaasModel *model, const MaasFloatRows *f,
				   MaasJson *json, double *primary)
{
	int64		n = f->n_rows;
	int			p = f->n_cols - 1;
	int			k = model->n_outputs;
	double	   *x = palloc(sizeof(double) * p);
	MaasInput	in = {.kind = MAAS_INPUT_DENSE,.x = x};
	double	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * k);
	double	   *y = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));

	for (int64 i = 0; i < n; i++)
	{
		const float *row = MaasFloatRow(f, i);

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < p; j++)
			x[j] = row[j] + f->origin[j];
		y[i] = row[p] + f->origin[p];
		model->algorithm->predict(model, &in, out + i * k);
	}
	MaasScoreOutputs(model, NULL, p, y, out, n, json, primary);
	pfree(x);
	pfree(y);
	pfree(out);
}
