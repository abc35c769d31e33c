/*
 * to_sql.c
 *	  maas_to_sql: a model as a plain SQL expression over the columns of a
 *	  row, which computes what maas_predict returns on any PostgreSQL,
 *	  without maas.
 *
 * This file writes each encoded feature as SQL from the model's columns
 * (the value as float8, a NULL replaced by the stored imputation; a text
 * column's one-hot indicator per category; an array's element); the
 * algorithm's to_sql combines them.  Algorithms without to_sql are a clear
 * error.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "functions/functions.h"

/* NULL when a missing value stays missing (NaN imputation), else the value */
static void
Impute(StringInfo s, double v)
{
	if (isnan(v))
		appendStringInfoString(s, "NULL::float8");
	else
		MaasSqlNumber(s, v);
}

/*
 * The SQL of every encoded feature, in model order.  strict: a column
 * without an SQL encoding (a document, a date) is an error, else NULL.
 */
char	  **
MaasFeatureSql(const MaasPreprocess *prep, bool strict)
{
	char	  **feature = palloc(sizeof(char *) * Max(prep->n_features, 1));

	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];
		const char *name = quote_identifier(col->name);

		/* a tokenizer has no SQL expression (and a document no feature to loop over) */
		if (col->kind == MAAS_COL_TEXT && !strict)
			return NULL;
		if (col->kind == MAAS_COL_TEXT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("maas_to_sql cannot compile a model that reads documents (text column \"%s\")",
							col->name),
					 errhint("Predict with maas_predict: a tokenizer has no SQL expression.")));
		for (int k = 0; k < col->width; k++)
		{
			StringInfoData s;

			initStringInfo(&s);
			switch (col->kind)
			{
				case MAAS_COL_NUMERIC:
				case MAAS_COL_BOOLEAN:
				case MAAS_COL_ARRAY:
					if (!isnan(col->impute[k]))
						appendStringInfoString(&s, "COALESCE(");
					if (col->kind == MAAS_COL_ARRAY)
						appendStringInfo(&s, "((%s)::float8[])[%d]", name, k + 1);
					else if (col->kind == MAAS_COL_BOOLEAN)
						appendStringInfo(&s, "(%s)::int::float8", name);
					else
						appendStringInfo(&s, "(%s)::float8", name);
					if (!isnan(col->impute[k]))
					{
						appendStringInfoString(&s, ", ");
						MaasSqlNumber(&s, col->impute[k]);
						appendStringInfoChar(&s, ')');
					}
					break;
				case MAAS_COL_CATEGORICAL:
					appendStringInfo(&s, "(CASE WHEN %s IS NULL THEN ", name);
					Impute(&s, col->impute[k]);
					appendStringInfo(&s, " WHEN (%s)::text = %s THEN 1::float8 ELSE 0::float8 END)",
									 name, quote_literal_cstr(col->categories[k]));
					break;
				case MAAS_COL_TEXT:
					break;		/* refused above */
				case MAAS_COL_TIMESTAMP:
				case MAAS_COL_INTERVAL:
					/* not yet: the calendar parts in SQL, whatever type the column has */
					if (!strict)
						return NULL;
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("maas_to_sql cannot compile a model with a date, time or interval column (\"%s\")",
									col->name),
							 errhint("Predict with maas_predict, or train on numbers such as extract(epoch FROM %s).",
									 col->name)));
					break;
			}
			feature[col->offset + k] = s.data;
		}
	}
	return feature;
}

static text *
ToSql(const MaasModel *model, bool proba)
{
	StringInfoData out;

	if (model->algorithm->to_sql == NULL)
		MaasSqlUnsupported(model, "");
	if (model->task != MAAS_TASK_REGRESSION && !MaasTaskIsClassification(model->task))
		MaasSqlUnsupported(model, MaasTaskName(model->task));
	if (proba && !MaasTaskIsClassification(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a %s model has no class probabilities", MaasTaskName(model->task)),
				 errhint("Call maas_to_sql without proba for the value maas_predict gives.")));
	initStringInfo(&out);
	model->algorithm->to_sql(model, MaasFeatureSql(&model->prep, true), proba, &out);
	return cstring_to_text_with_len(out.data, out.len);
}

/*
 * maas_to_sql(name, version DEFAULT NULL, proba DEFAULT false) -> text;
 * version NULL: the deployed one
 */
PG_FUNCTION_INFO_V1(maas_to_sql);
Datum
maas_to_sql(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");

	PG_RETURN_TEXT_P(ToSql(MaasModelOfVersion(name, PG_ARGISNULL(1) ? -1 : PG_GETARG_INT32(1)),
						   !PG_ARGISNULL(2) && PG_GETARG_BOOL(2)));
}

/* maas_to_sql(model bytea, proba DEFAULT false) -> text */
PG_FUNCTION_INFO_V1(maas_to_sql_bytes);
Datum
maas_to_sql_bytes(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(ToSql(MaasModelDeserialize(PG_GETARG_BYTEA_PP(0)), PG_GETARG_BOOL(1)));
}
