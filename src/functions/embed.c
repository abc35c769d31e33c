/*
 * embed.c
 *	  maas_embed: the pooled representation a text model computes of a
 *	  document, the vector its output layer reads (text_classifier: the
 *	  averaged word and n-gram vectors; lstm and gru: the last hidden
 *	  state; cnn: the max-pooled convolution features), as real[] for
 *	  search and clustering (pgvector's real[] -> vector cast takes it).
 *	  Each call counts as a prediction in maas's usage.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "functions/functions.h"

static Datum
Embed(FunctionCallInfo fcinfo, MaasInputForm form)
{
	MaasInput	in;
	const MaasModel *model;
	int			width;
	double	   *out;
	Datum	   *values;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (form == MAAS_INPUT_ROW && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	/* the algorithm first: its error before any about the input's form */
	model = MaasModelByName(fcinfo, PG_GETARG_TEXT_PP(0));
	if (model->algorithm->embed == NULL || model->algorithm->embed_width == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s models have no pooled representation to embed documents with",
						model->algorithm->name),
				 errhint("maas_embed takes models of the text algorithms: text_classifier, lstm, gru, cnn.")));
	model = MaasModelInput(fcinfo, form, &in);
	width = model->algorithm->embed_width(model);
	out = palloc(sizeof(double) * Max(width, 1));
	values = palloc(sizeof(Datum) * Max(width, 1));
	model->algorithm->embed(model, &in, out);
	for (int j = 0; j < width; j++)
		values[j] = Float4GetDatum((float4) out[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(values, width, FLOAT4OID, sizeof(float4),
										  true, TYPALIGN_INT));
}

/* maas_embed(name, document text) -> real[] */
PG_FUNCTION_INFO_V1(maas_embed_text);
Datum
maas_embed_text(PG_FUNCTION_ARGS)
{
	return Embed(fcinfo, MAAS_INPUT_TEXT);
}

/* maas_embed(name, record) -> real[]: the row's text column */
PG_FUNCTION_INFO_V1(maas_embed_row);
Datum
maas_embed_row(PG_FUNCTION_ARGS)
{
	return Embed(fcinfo, MAAS_INPUT_ROW);
}
