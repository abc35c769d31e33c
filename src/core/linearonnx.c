/*
 * linearonnx.c
 *	  The linear models (linear_regression, elastic_net, lasso,
 *	  logistic_regression) as ONNX: X, imputed and centered (Imputer,
 *	  Scaler), times the coefficients divided by the scale (MatMul), plus
 *	  the intercepts (Add), then the link (onnxwrite.c):
 *
 *		score[c] = intercept[c] + sum_j coef[c][j] / scale[j] * (x[j] - center[j])
 *
 *	  Centering stays a node of its own rather than folded into the
 *	  intercept: in single precision, subtracting a large folded constant
 *	  would lose what the centered sum keeps.  And MaasLinearExport, which
 *	  the four algorithms' export_model call for json, onnx and pmml.
 */
#include "postgres.h"

#include "core/onnxwrite.h"

void
MaasLinearOnnx(StringInfo out, const MaasModel *model, const char *link, int k,
			   const double *intercept, const double *coef, const double *center,
			   const double *scale)
{
	int			p = model->n_features;
	double	   *w = palloc(sizeof(double) * Max((int64) p * k, 1));
	MaasOnnx	o;
	const char *x;

	MaasOnnxInit(&o, model);
	x = MaasOnnxPreprocess(&o, center);
	/* p x k, row-major: column c is class c's coefficients */
	for (int j = 0; j < p; j++)
		for (int c = 0; c < k; c++)
			w[(int64) j * k + c] = coef[(int64) c * p + j] / (scale ? scale[j] : 1.0);
	MaasOnnxFloatTensor(&o, "coefficients", p, k, w);
	MaasOnnxFloatTensor(&o, "intercepts", k, 0, intercept);
	MaasOnnxEnd(&o, MaasOnnxNode(&o, "MatMul", psprintf("%s,coefficients", x), "product"));
	MaasOnnxEnd(&o, MaasOnnxNode(&o, "Add", "product,intercepts", MaasOnnxScores(link)));
	MaasOnnxLink(&o, link);
	MaasOnnxFinish(&o, out);
	pfree(w);
}

/*
 * maas_export of a linear model: the formats its exports list.  mean: the
 * training means of a model without centering (NULL: none), around which
 * ONNX's single-precision sum is taken (the intercept moved to the mean)
 */
void
MaasLinearExport(StringInfo out, const MaasModel *model, const char *format,
				 const char *link, int k, const double *intercept, const double *coef,
				 const double *center, const double *scale, const double *mean)
{
	if (strcmp(format, "onnx") == 0 && center == NULL && mean != NULL)
	{
		double	   *at_mean = palloc(sizeof(double) * k);

		for (int c = 0; c < k; c++)
		{
			at_mean[c] = intercept[c];
			for (int j = 0; j < model->n_features; j++)
				at_mean[c] += coef[(int64) c * model->n_features + j] * mean[j];
		}
		MaasLinearOnnx(out, model, link, k, at_mean, coef, mean, NULL);
	}
	else if (strcmp(format, "onnx") == 0)
		MaasLinearOnnx(out, model, link, k, intercept, coef, center, scale);
	else if (strcmp(format, "pmml") == 0)
		MaasLinearPmml(out, model, link, k, intercept, coef, center, scale);
	else
		MaasLinearJson(out, model, link, k, intercept, coef, center, scale);
}
