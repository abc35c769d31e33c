/*
 * describe.c
 *	  Models as jsonb: maas_info, the features column of maas.models, and
 *	  the names of encoded features.
 */
#include "postgres.h"

#include "core/core.h"
#include "core/postprocess.h"

static const char *
ColumnKindName(MaasColumnKind kind)
{
	switch (kind)
	{
		case MAAS_COL_NUMERIC:
			return "numeric";
		case MAAS_COL_BOOLEAN:
			return "boolean";
		case MAAS_COL_CATEGORICAL:
			return "categorical";
		case MAAS_COL_ARRAY:
			return "array";
		case MAAS_COL_TEXT:
			return "text";
		case MAAS_COL_TIMESTAMP:
			return "timestamp";
		case MAAS_COL_INTERVAL:
			return "interval";
	}
	return "unknown";
}

/* "age", "color=red" (one-hot), "embedding[3]" (1-based element) */
char *
MaasFeatureName(const MaasPreprocess *prep, int feature)
{
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];
		int			k = feature - col->offset;

		if (k < 0 || k >= col->width)
			continue;
		switch (col->kind)
		{
			case MAAS_COL_CATEGORICAL:
				return psprintf("%s=%s", col->name, col->categories[k]);
			case MAAS_COL_ARRAY:
				return psprintf("%s[%d]", col->name, k + 1);
			case MAAS_COL_TIMESTAMP:
				return psprintf("%s.%s", col->name, MaasTimeFeatureName(col->width, k));
			default:
				return pstrdup(col->name);
		}
	}
	return psprintf("feature %d", feature + 1);
}

static void
ColumnsJson(const MaasPreprocess *prep, MaasJson *json)
{
	MaasJsonBeginArray(json);
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];

		MaasJsonBeginObject(json);
		MaasJsonKey(json, "name");
		MaasJsonString(json, col->name);
		MaasJsonKey(json, "type");
		MaasJsonString(json, ColumnKindName(col->kind));
		MaasJsonKey(json, "width");
		MaasJsonInt(json, col->width);
		if (col->kind == MAAS_COL_CATEGORICAL)
		{
			MaasJsonKey(json, "categories");
			MaasJsonBeginArray(json);
			for (int k = 0; k < col->n_categories; k++)
				MaasJsonString(json, col->categories[k]);
			MaasJsonEndArray(json);
		}
		if (col->kind == MAAS_COL_TEXT)
		{
			/* a NULL document is an empty one: nothing to impute */
			MaasJsonKey(json, "tokenizer");
			MaasDescribeTokenizer(col->tokenizer, json);
			MaasJsonEndObject(json);
			continue;
		}
		if (col->kind == MAAS_COL_TIMESTAMP)
		{
			MaasJsonKey(json, "encoding");
			MaasJsonString(json, col->width == MAAS_TIME_CYCLICAL_WIDTH ? "cyclical" : "parts");
		}
		MaasJsonKey(json, "impute");
		if (col->kind == MAAS_COL_NUMERIC || col->kind == MAAS_COL_BOOLEAN ||
			col->kind == MAAS_COL_INTERVAL)
			MaasJsonNumber(json, col->impute[0]);
		else if (col->kind == MAAS_COL_CATEGORICAL)
		{
			int			mode = -1;

			for (int k = 0; k < col->width; k++)
				if (col->impute[k] == 1.0)
					mode = k;
			MaasJsonString(json, mode >= 0 ? col->categories[mode] : NULL);
		}
		else
			MaasJsonNumberArray(json, col->impute, col->width);
		MaasJsonEndObject(json);
	}
	MaasJsonEndArray(json);
}

Jsonb *
MaasFeaturesJson(const MaasPreprocess *prep)
{
	MaasJson	json;

	MaasJsonInit(&json);
	ColumnsJson(prep, &json);
	return MaasJsonFinish(&json);
}

static void
DescribeTarget(const MaasTarget *t, MaasJson *json)
{
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "name");
	MaasJsonString(json, t->name);
	MaasJsonKey(json, "type");
	MaasJsonString(json, ColumnKindName(t->kind));
	if (t->n_classes > 0)
	{
		MaasJsonKey(json, "classes");
		MaasJsonBeginArray(json);
		for (int k = 0; k < t->n_classes; k++)
			MaasJsonString(json, t->labels[k]);
		MaasJsonEndArray(json);
	}
	MaasJsonEndObject(json);
}

Jsonb *
MaasModelDescribe(const MaasModel *model, size_t size_bytes)
{
	MaasJson	json;
	const MaasTarget *t = &model->target;

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "algorithm");
	MaasJsonString(&json, model->algorithm->name);
	MaasJsonKey(&json, "task");
	MaasJsonString(&json, MaasTaskName(model->task));
	MaasJsonKey(&json, "format_version");
	MaasJsonInt(&json, model->post != NULL || model->profile != NULL ? 2 : 1);	/* as format.c writes it */
	if (size_bytes > 0)
	{
		MaasJsonKey(&json, "size_bytes");
		MaasJsonInt(&json, (int64) size_bytes);
	}
	MaasJsonKey(&json, "n_features");
	MaasJsonInt(&json, model->n_features);
	MaasJsonKey(&json, "n_outputs");
	MaasJsonInt(&json, model->n_outputs);
	MaasJsonKey(&json, "features");
	ColumnsJson(&model->prep, &json);
	MaasJsonKey(&json, "feature_names");
	MaasJsonBeginArray(&json);
	for (int j = 0; j < model->n_features; j++)
		MaasJsonString(&json, MaasFeatureName(&model->prep, j));
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "target");
	if (MaasTaskIsUnsupervised(model->task))
		MaasJsonNull(&json);	/* learned without one */
	else
		DescribeTarget(t, &json);
	MaasJsonKey(&json, "parameters");
	MaasJsonBeginObject(&json);
	model->algorithm->describe(model, &json);
	MaasJsonEndObject(&json);
	if (model->post != NULL)
		MaasDescribePostprocess(model->post, &json);
	MaasJsonEndObject(&json);
	return MaasJsonFinish(&json);
}

/* "coefficients": {feature name: coefficient, ...} of a linear model */
void
MaasJsonCoefficients(MaasJson *json, const MaasPreprocess *prep, const double *coef, int p)
{
	MaasJsonKey(json, "coefficients");
	MaasJsonBeginObject(json);
	for (int j = 0; j < p; j++)
	{
		MaasJsonKey(json, MaasFeatureName(prep, j));
		MaasJsonNumber(json, coef[j]);
	}
	MaasJsonEndObject(json);
}
