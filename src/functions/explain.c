/*
 * explain.c
 *	  maas_explain: per-feature contributions of one prediction, and
 *	  maas_feature_importance: what a model relies on overall.
 *
 * Contributions are additive: base + sum(contributions) is the explained
 * score, the model's raw output before any link function (the value for
 * regression, log-odds or logits for logistic models, margins for boosted
 * trees).  Each algorithm defines its base in its explain function.
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "functions/functions.h"

/*
 * A document's tokens in order, each with its contribution (a token out of
 * the vocabulary: null as its text, 0)
 */
static void
ExplainWords(MaasJson *json, const MaasTokenizer *t, const MaasInput *in, const double *words)
{
	MaasJsonKey(json, "words");
	MaasJsonBeginArray(json);
	for (int i = 0; i < in->n_tokens; i++)
	{
		int32		w = in->tokens[i] - MAAS_TOKEN_FIRST;

		MaasJsonBeginObject(json);
		MaasJsonKey(json, "token");
		if (w >= 0 && w < t->n_vocab)
			MaasJsonString(json, t->vocab[w]);
		else
			MaasJsonNull(json);
		MaasJsonKey(json, "contribution");
		MaasJsonNumber(json, words[i]);
		MaasJsonEndObject(json);
	}
	MaasJsonEndArray(json);
}

static Datum
Explain(FunctionCallInfo fcinfo, MaasInputForm form)
{
	MaasInput	in;
	const MaasModel *model = MaasModelInput(fcinfo, form, &in);
	double	   *contrib = palloc0(sizeof(double) * model->n_features);
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	double		base = 0;
	double		score;
	MaasJson	json;
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);
	double	   *words = NULL;

	/* models of one document column: by occlusion of each word */
	if (model->algorithm->input == MAAS_INPUT_TOKENS && model->prep.n_columns == 1 &&
		MaasTaskIsClassification(model->task))
		PG_RETURN_JSONB_P(MaasExplainText(model, &in));
	if (model->algorithm->explain == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s models cannot explain their predictions", model->algorithm->name)));
	if (text != NULL && model->algorithm->explain_tokens == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s models of documents cannot explain their predictions yet",
						model->algorithm->name)));
	model->algorithm->explain(model, &in, contrib, &base);
	model->algorithm->predict(model, &in, out);
	score = base;
	for (int j = 0; j < model->n_features; j++)
		score += contrib[j];
	if (text != NULL)
	{
		words = palloc0(sizeof(double) * Max(in.n_tokens, 1));
		model->algorithm->explain_tokens(model, &in, words);
		for (int i = 0; i < in.n_tokens; i++)
			score += words[i];
	}

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "prediction");
	MaasJsonNumber(&json, MaasPredictValue(model, out));
	if (MaasTaskIsClassification(model->task))
	{
		MaasJsonKey(&json, "class");
		MaasJsonString(&json, model->target.labels[MaasArgmax(out, model->n_outputs)]);
	}
	MaasJsonKey(&json, "score");
	MaasJsonNumber(&json, score);
	MaasJsonKey(&json, "base");
	MaasJsonNumber(&json, base);
	MaasJsonKey(&json, "contributions");
	MaasJsonBeginObject(&json);
	for (int j = 0; j < model->n_features; j++)
	{
		MaasJsonKey(&json, MaasFeatureName(&model->prep, j));
		MaasJsonNumber(&json, contrib[j]);
	}
	MaasJsonEndObject(&json);
	/* one-hot and array features summed into their input column */
	MaasJsonKey(&json, "columns");
	MaasJsonBeginObject(&json);
	for (int c = 0; c < model->prep.n_columns; c++)
	{
		const MaasColumn *col = &model->prep.columns[c];
		double		sum = 0;

		for (int k = 0; k < col->width; k++)
			sum += contrib[col->offset + k];
		for (int i = 0; col == text && i < in.n_tokens; i++)
			sum += words[i];
		MaasJsonKey(&json, col->name);
		MaasJsonNumber(&json, sum);
	}
	MaasJsonEndObject(&json);
	if (text != NULL)
		ExplainWords(&json, text->tokenizer, &in, words);
	MaasJsonEndObject(&json);
	PG_RETURN_JSONB_P(MaasJsonFinish(&json));
}

/* maas_explain(name, float8[]) -> jsonb */
PG_FUNCTION_INFO_V1(maas_explain_array);
Datum
maas_explain_array(PG_FUNCTION_ARGS)
{
	return Explain(fcinfo, MAAS_INPUT_ARRAY);
}

/* maas_explain(name, record) -> jsonb */
PG_FUNCTION_INFO_V1(maas_explain_row);
Datum
maas_explain_row(PG_FUNCTION_ARGS)
{
	return Explain(fcinfo, MAAS_INPUT_ROW);
}

/* maas_explain(bytea, float8[]) -> jsonb */
PG_FUNCTION_INFO_V1(maas_explain_bytes);
Datum
maas_explain_bytes(PG_FUNCTION_ARGS)
{
	return Explain(fcinfo, MAAS_INPUT_BYTES);
}

/* maas_explain(name, document text) -> jsonb: a model of one text column */
PG_FUNCTION_INFO_V1(maas_explain_text);
Datum
maas_explain_text(PG_FUNCTION_ARGS)
{
	return Explain(fcinfo, MAAS_INPUT_TEXT);
}

/* maas_feature_importance(name) -> table (feature, gain, splits) */
PG_FUNCTION_INFO_V1(maas_feature_importance);
Datum
maas_feature_importance(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MaasModelRef ref;
	const MaasModel *model;
	double	   *gain;
	double	   *splits;

	MaasCheckName(name);
	MaasLookupDeployed(name, MAAS_PRIV_OWNER, &ref);
	model = ref.model;
	if (model->algorithm->importance == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s models have no feature importance", model->algorithm->name),
				 errhint("maas_info(name)->'parameters' shows their coefficients; maas_explain explains single predictions.")));
	gain = palloc0(sizeof(double) * model->n_features);
	splits = palloc0(sizeof(double) * model->n_features);
	model->algorithm->importance(model, gain, splits);

	InitMaterializedSRF(fcinfo, 0);
	for (int j = 0; j < model->n_features; j++)
	{
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = CStringGetTextDatum(MaasFeatureName(&model->prep, j));
		values[1] = Float8GetDatum(gain[j]);
		values[2] = Float8GetDatum(splits[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
