/*
 * export.c
 *	  maas_export: a model in another library's format, for use outside
 *	  maas (gradient_boosting as XGBoost's JSON model, the linear models as
 *	  JSON of their coefficients and encoding).  The algorithm
 *	  writes the formats it lists in exports.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "functions/functions.h"

static text *
Export(const MaasModel *model, const char *format)
{
	StringInfoData out;
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);

	/* no export format carries a tokenizer */
	if (text != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_export cannot write a model that reads documents (text column \"%s\")",
						text->name),
				 errhint("Predict with maas_predict, or copy the model bytes to another PostgreSQL with maas.")));
	if (model->algorithm->export_model == NULL ||
		!MaasFormatListed(model->algorithm->exports, format))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_export cannot write %s models as \"%s\"", model->algorithm->name, format),
				 errhint("Formats: xgboost (XGBoost's JSON model) for gradient_boosting; json (coefficients and encoding) for linear_regression, elastic_net, lasso and logistic_regression.")));
	initStringInfo(&out);
	model->algorithm->export_model(model, format, &out);
	return cstring_to_text_with_len(out.data, out.len);
}

/* maas_export(name, format) -> text: the deployed version */
PG_FUNCTION_INFO_V1(maas_export);
Datum
maas_export(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *format = MaasRequiredText(fcinfo, 1, "format");

	PG_RETURN_TEXT_P(Export(MaasModelOfVersion(name, -1), format));
}

/* maas_export(name, version, format) -> text */
PG_FUNCTION_INFO_V1(maas_export_version);
Datum
maas_export_version(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *format = MaasRequiredText(fcinfo, 2, "format");

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("version must not be NULL")));
	PG_RETURN_TEXT_P(Export(MaasModelOfVersion(name, PG_GETARG_INT32(1)), format));
}
