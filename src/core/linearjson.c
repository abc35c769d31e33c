/*
 * linearjson.c
 *	  maas_export(name, 'json') of the linear models: their parameters and
 *	  the encoding of their columns as a JSON document, enough to compute
 *	  the prediction anywhere:
 *
 *		score[c] = intercept[c] + sum_j coefficients[c][j] * (x[j] - center[j]) / scale[j]
 *
 *	  x the encoded features ("features", from "columns": a number, a
 *	  boolean as 0/1, a text column one-hot over its categories, a NULL
 *	  replaced by its "impute"); then the link: identity (the value),
 *	  logistic (the probability of the second class) or softmax.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "core/core.h"

void
MaasLinearJson(StringInfo out, const MaasModel *model, const char *link, int k,
			   const double *intercept, const double *coef, const double *center,
			   const double *scale)
{
	int			p = model->n_features;
	MaasJson	json;
	Jsonb	   *columns = MaasFeaturesJson(&model->prep);

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "format");
	MaasJsonString(&json, "maas.linear");
	MaasJsonKey(&json, "format_version");
	MaasJsonInt(&json, 1);
	MaasJsonKey(&json, "algorithm");
	MaasJsonString(&json, model->algorithm->name);
	MaasJsonKey(&json, "task");
	MaasJsonString(&json, MaasTaskName(model->task));
	MaasJsonKey(&json, "link");
	MaasJsonString(&json, link);
	if (model->target.n_classes > 0)
	{
		MaasJsonKey(&json, "classes");
		MaasJsonBeginArray(&json);
		for (int c = 0; c < model->target.n_classes; c++)
			MaasJsonString(&json, model->target.labels[c]);
		MaasJsonEndArray(&json);
	}
	MaasJsonKey(&json, "features");
	MaasJsonBeginArray(&json);
	for (int j = 0; j < p; j++)
		MaasJsonString(&json, MaasFeatureName(&model->prep, j));
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "columns");
	MaasJsonRaw(&json, JsonbToCString(NULL, &columns->root, VARSIZE(columns)));
	MaasJsonKey(&json, "intercept");
	MaasJsonNumberArray(&json, intercept, k);
	MaasJsonKey(&json, "coefficients");
	MaasJsonBeginArray(&json);
	for (int c = 0; c < k; c++)
		MaasJsonNumberArray(&json, coef + (int64) c * p, p);
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "center");
	if (center)
		MaasJsonNumberArray(&json, center, p);
	else
		MaasJsonNull(&json);
	MaasJsonKey(&json, "scale");
	if (scale)
		MaasJsonNumberArray(&json, scale, p);
	else
		MaasJsonNull(&json);
	MaasJsonEndObject(&json);
	appendBinaryStringInfo(out, json.buf.data, json.buf.len);
}
