/*
 * linearpmml.c
 *	  maas_export(name, 'pmml') of the linear models: a PMML 4.4
 *	  RegressionModel (https://dmg.org/pmml/v4-4-1/Regression.html) over
 *	  the model's own columns (pmml.c), so a PMML engine computes the
 *	  prediction from the row:
 *
 *	  - each encoded feature is a NumericPredictor
 *	  - the stored scaling is folded into the coefficients and the
 *		intercept: intercept - sum_j coef_j center_j / scale_j, coef_j / scale_j
 *	  - the link is normalizationMethod: none, logit (binary: the first
 *		table is the second class's score, the second table 0) or softmax
 */
#include "postgres.h"

#include "core/onnxwrite.h"

/* One RegressionTable: score c with the scaling folded in */
static void
Table(StringInfo out, const MaasModel *model, int c, const double *intercept,
	  const double *coef, const double *center, const double *scale)
{
	int			p = model->n_features;
	const double *w = coef + (int64) c * p;
	double		b = intercept[c];

	for (int j = 0; j < p; j++)
		if (center)
			b -= w[j] * center[j] / (scale ? scale[j] : 1.0);
	appendStringInfoString(out, "    <RegressionTable");
	MaasPmmlNumber(out, "intercept", b);
	if (model->target.n_classes > 0)
		MaasPmmlAttr(out, "targetCategory",
					 model->target.labels[model->target.n_classes == 2 ? 1 : c]);
	appendStringInfoString(out, ">\n");
	for (int j = 0; j < p; j++)
	{
		appendStringInfoString(out, "      <NumericPredictor");
		MaasPmmlAttr(out, "name", MaasFeatureName(&model->prep, j));
		MaasPmmlNumber(out, "coefficient", w[j] / (scale ? scale[j] : 1.0));
		appendStringInfoString(out, "/>\n");
	}
	appendStringInfoString(out, "    </RegressionTable>\n");
}

void
MaasLinearPmml(StringInfo out, const MaasModel *model, const char *link, int k,
			   const double *intercept, const double *coef, const double *center,
			   const double *scale)
{
	const char *target = model->target.name ? model->target.name : "target";
	bool		classify = model->target.n_classes > 0;

	MaasPmmlHead(out, model, target);
	appendStringInfoString(out, "  <RegressionModel");
	MaasPmmlAttr(out, "modelName", model->algorithm->name);
	MaasPmmlAttr(out, "functionName", classify ? "classification" : "regression");
	MaasPmmlAttr(out, "algorithmName", model->algorithm->name);
	MaasPmmlAttr(out, "normalizationMethod", strcmp(link, "logistic") == 0 ? "logit" :
				 strcmp(link, "softmax") == 0 ? "softmax" : "none");
	appendStringInfoString(out, ">\n");
	MaasPmmlSchema(out, model, target);
	for (int c = 0; c < k; c++)
		Table(out, model, c, intercept, coef, center, scale);
	if (classify && k == 1)
	{
		/* binary: the first class's table scores 0 */
		appendStringInfoString(out, "    <RegressionTable intercept=\"0\"");
		MaasPmmlAttr(out, "targetCategory", model->target.labels[0]);
		appendStringInfoString(out, "/>\n");
	}
	appendStringInfoString(out, "  </RegressionModel>\n</PMML>\n");
}
