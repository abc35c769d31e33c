/*
 * postprocess.c
 *	  What a model learns from its held-out rows after the fit, kept in the
 *	  post-processing section of the model bytes (format version 2):
 *
 *	  - split-conformal intervals for regressors: the absolute residuals of
 *		the held-out rows, sorted.  With n of them, the interval
 *		prediction +- q covers a fresh row's value with probability at
 *		least c when q is the ceil((n + 1) c)-th smallest (Lei et al.,
 *		"Distribution-free predictive inference for regression", 2018).
 *		Up to MAX_RESIDUALS order statistics are kept; with more rows, the
 *		kept ones are those of ranks ceil(j n / k), and an interval uses
 *		the next kept rank up, so it never covers less.
 *
 *	  - probability calibration for classifiers, as scikit-learn's
 *		CalibratedClassifierCV on a prefit model: per class (the positive
 *		one of a binary model) a map from the model's probability to a
 *		calibrated one, fitted on the held-out rows: sigmoid (Platt's, with
 *		his smoothed targets) or isotonic (pool adjacent violators,
 *		clipped, interpolated); the calibrated probabilities of a
 *		multiclass model are then normalized.
 *
 * A calibrated model's algorithm is a copy of its own whose predict (and
 * predict_matrix, predict_tokens) apply the calibration, so every caller of
 * the interface gets calibrated probabilities without knowing.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "core/core.h"
#include "core/postprocess.h"

static void
Calibrate(const MaasPostprocess *post, double *p, int k)
{
	int			from = k == 2 ? 1 : 0;
	double		total = 0;

	for (int c = from; c < k; c++)
	{
		const MaasCalibrator *cal = &post->calibrators[c - from];
		double		x = p[c];

		if (post->calibration == MAAS_CALIBRATION_SIGMOID)
			p[c] = MaasSigmoid(-(cal->a * x + cal->b));
		else
		{
			int			lo = 0;
			int			hi = cal->n_points - 1;

			/* np.interp after clipping to the fitted range */
			if (x <= cal->x[0])
				p[c] = cal->y[0];
			else if (x >= cal->x[hi])
				p[c] = cal->y[hi];
			else
			{
				while (hi - lo > 1)
				{
					int			mid = (lo + hi) / 2;

					if (cal->x[mid] <= x)
						lo = mid;
					else
						hi = mid;
				}
				p[c] = cal->y[lo] + (x - cal->x[lo]) * (cal->y[hi] - cal->y[lo]) /
					(cal->x[hi] - cal->x[lo]);
			}
		}
	}
	if (k == 2)
	{
		p[0] = 1 - p[1];
		return;
	}
	for (int c = 0; c < k; c++)
		total += p[c];
	for (int c = 0; c < k; c++)
		p[c] = total > 0 ? p[c] / total : 1.0 / k;
}

static void
CalibratedPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	model->post->base->predict(model, in, out);
	Calibrate(model->post, out, model->n_outputs);
}

static void
CalibratedPredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features,
						double *out)
{
	model->post->base->predict_matrix(model, m, n_features, out);
	for (int64 i = 0; i < m->n_rows; i++)
		Calibrate(model->post, out + i * model->n_outputs, model->n_outputs);
}

static void
CalibratedPredictTokens(const MaasModel *model, const MaasTokenRows *tokens, double *out)
{
	model->post->base->predict_tokens(model, tokens, out);
	for (int64 i = 0; i < tokens->n_rows; i++)
		Calibrate(model->post, out + i * model->n_outputs, model->n_outputs);
}

/* Route the model's predictions through its calibration */
void
MaasPostprocessInstall(MaasModel *model, MaasPostprocess *post)
{
	post->base = model->algorithm;
	model->post = post;
	if (post->calibration == MAAS_CALIBRATION_NONE)
		return;
	post->wrapped = *post->base;
	post->wrapped.predict = CalibratedPredict;
	if (post->base->predict_matrix != NULL)
		post->wrapped.predict_matrix = CalibratedPredictMatrix;
	if (post->base->predict_tokens != NULL)
		post->wrapped.predict_tokens = CalibratedPredictTokens;
	model->algorithm = &post->wrapped;
}

/*
 * The half-width of the interval that covers a fresh value with
 * probability at least coverage; Infinity when the held-out rows are too
 * few for that coverage
 */
double
MaasConformalHalfWidth(const MaasPostprocess *post, double coverage)
{
	int64		n = post->n_residual_rows;
	int			k = post->n_residuals;
	double		need = ceil((n + 1) * coverage - 1e-9);
	int64		rank;
	int			j;

	if (need > n)
		return INFINITY;
	rank = Max((int64) need, 1);
	/* the first kept rank at or above: j with ceil((j + 1) n / k) >= rank */
	j = (int) ((rank * k - 1) / n);
	while (j > 0 && ((int64) j * n + k - 1) / k >= rank)
		j--;
	while (((int64) (j + 1) * n + k - 1) / k < rank)
		j++;
	return post->residuals[j];
}

/* maas_info's "postprocess" member */
void
MaasDescribePostprocess(const MaasPostprocess *post, MaasJson *json)
{
	MaasJsonKey(json, "postprocess");
	MaasJsonBeginObject(json);
	if (post->n_residuals > 0)
	{
		MaasJsonKey(json, "interval_rows");
		MaasJsonInt(json, post->n_residual_rows);
		MaasJsonKey(json, "interval_90");
		MaasJsonNumber(json, MaasConformalHalfWidth(post, 0.9));
	}
	if (post->calibration != MAAS_CALIBRATION_NONE)
	{
		MaasJsonKey(json, "calibration");
		MaasJsonString(json, post->calibration == MAAS_CALIBRATION_SIGMOID ? "sigmoid" : "isotonic");
		if (post->calibration == MAAS_CALIBRATION_SIGMOID)
		{
			MaasJsonKey(json, "sigmoid");
			MaasJsonBeginArray(json);
			for (int c = 0; c < post->n_calibrators; c++)
			{
				MaasJsonBeginArray(json);
				MaasJsonNumber(json, post->calibrators[c].a);
				MaasJsonNumber(json, post->calibrators[c].b);
				MaasJsonEndArray(json);
			}
			MaasJsonEndArray(json);
		}
	}
	MaasJsonEndObject(json);
}
