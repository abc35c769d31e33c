/*
 * export.c
 *	  maas_export: a model in another library's format, for use outside
 *	  maas: onnx (linear, logistic and tree models), pmml (those but
 *	  gradient_boosting), xgboost (gradient_boosting as XGBoost's JSON
 *	  model), json (the linear models).  The algorithm writes the formats it lists in exports.  The
 *	  function returns text: ONNX, the binary one, comes base64-encoded
 *	  (decode(maas_export(...), 'base64') is its bytea).
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/onnxwrite.h"
#include "core/postprocess.h"
#include "functions/functions.h"

#define EXPORT_FORMATS "Formats: onnx (linear_regression, elastic_net, lasso, logistic_regression, decision_tree, random_forest, gradient_boosting), pmml (the same but gradient_boosting), xgboost (gradient_boosting), json (linear_regression, elastic_net, lasso, logistic_regression)."

/* base64 without line breaks: the bytes of a binary format as text */
static text *
Base64(const char *data, int len)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int64		size = ((int64) len + 2) / 3 * 4;
	text	   *t;
	char	   *p;

	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the exported model of %d bytes is too large for text in base64", len)));
	t = palloc(VARHDRSZ + size);
	SET_VARSIZE(t, VARHDRSZ + size);
	p = VARDATA(t);
	for (int i = 0; i < len; i += 3)
	{
		uint32		v = (uint32) (uint8) data[i] << 16;

		if (i + 1 < len)
			v |= (uint32) (uint8) data[i + 1] << 8;
		if (i + 2 < len)
			v |= (uint8) data[i + 2];
		*p++ = digits[(v >> 18) & 63];
		*p++ = digits[(v >> 12) & 63];
		*p++ = i + 1 < len ? digits[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? digits[v & 63] : '=';
	}
	return t;
}

/*
 * An ONNX model's metadata "input_sql": X of a row as SQL over its columns,
 * a NULL left missing as NaN (a protobuf message may take more fields at
 * its end).  Not for a model with a column SQL cannot encode.
 */
static void
InputSql(const MaasModel *model, StringInfo out)
{
	char	  **feature = MaasFeatureSql(&model->prep, false);
	StringInfoData sql;
	StringInfo	entry;

	if (feature == NULL)
		return;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "ARRAY[");
	for (int j = 0; j < model->n_features; j++)
		appendStringInfo(&sql, "%sCOALESCE(%s, 'NaN')", j > 0 ? ", " : "", feature[j]);
	appendStringInfoString(&sql, "]::real[]");
	entry = MaasPbBegin();
	MaasPbString(entry, 1, "input_sql");
	MaasPbString(entry, 2, sql.data);
	MaasPbMessage(out, 14, entry);	/* ModelProto.metadata_props */
	pfree(sql.data);
}

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
				 errhint(EXPORT_FORMATS)));
	/* the formats hold the algorithm's scores, not a calibration of them */
	if (model->post != NULL && model->post->calibration != MAAS_CALIBRATION_NONE &&
		(strcmp(format, "onnx") == 0 || strcmp(format, "pmml") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_export cannot write a calibrated model as \"%s\"", format),
				 errhint("Train a version without \"calibration\" to export it.")));
	initStringInfo(&out);
	model->algorithm->export_model(model, format, &out);
	if (strcmp(format, "onnx") == 0)
	{
		InputSql(model, &out);
		return Base64(out.data, out.len);
	}
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
