/*
 * pmml.c
 *	  maas_export(name, 'pmml'): what every PMML 4.4 document of a model
 *	  shares (https://dmg.org/pmml/v4-4-1/GeneralStructure.html): the data
 *	  dictionary of the model's own columns, its mining schema, output
 *	  fields and the indicators of text and boolean columns.
 *
 *	  - a number column is a field used as is, a NULL replaced by its
 *		imputation (MiningField missingValueReplacement); an array column
 *		is one field per element, named as the feature ("col[1]", ...)
 *	  - a text or boolean column is one derived indicator per category
 *		(NormDiscrete, 1 when the value is the category, its imputation
 *		when NULL; a boolean's category is "true"), named as the feature
 *		("col=category")
 *
 *	  Every encoded feature is then a field named MaasFeatureName.  Dates,
 *	  intervals and documents have no PMML field here: an error.
 */
#include "postgres.h"

#include <math.h>

#include "core/onnxwrite.h"

/* text with XML's five special characters escaped */
static void
Escaped(StringInfo out, const char *s)
{
	for (; *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(out, "&amp;");
				break;
			case '<':
				appendStringInfoString(out, "&lt;");
				break;
			case '>':
				appendStringInfoString(out, "&gt;");
				break;
			case '"':
				appendStringInfoString(out, "&quot;");
				break;
			case '\'':
				appendStringInfoString(out, "&apos;");
				break;
			default:
				appendStringInfoChar(out, *s);
		}
	}
}

/* an attribute: name="value" */
void
MaasPmmlAttr(StringInfo out, const char *name, const char *value)
{
	appendStringInfo(out, " %s=\"", name);
	Escaped(out, value);
	appendStringInfoChar(out, '"');
}

/* a number that reads back as the same double */
void
MaasPmmlNumber(StringInfo out, const char *name, double v)
{
	appendStringInfo(out, " %s=\"%.17g\"", name, v);
}

/* the DataFields of the input columns; unsupported kinds are an error */
static void
DataFields(StringInfo out, const MaasModel *model)
{
	const MaasPreprocess *prep = &model->prep;

	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];

		switch (col->kind)
		{
			case MAAS_COL_NUMERIC:
				appendStringInfoString(out, "    <DataField");
				MaasPmmlAttr(out, "name", col->name);
				appendStringInfoString(out, " optype=\"continuous\" dataType=\"double\"/>\n");
				break;
			case MAAS_COL_ARRAY:
				for (int k = 0; k < col->width; k++)
				{
					appendStringInfoString(out, "    <DataField");
					MaasPmmlAttr(out, "name", MaasFeatureName(prep, col->offset + k));
					appendStringInfoString(out, " optype=\"continuous\" dataType=\"double\"/>\n");
				}
				break;
			case MAAS_COL_BOOLEAN:
				appendStringInfoString(out, "    <DataField");
				MaasPmmlAttr(out, "name", col->name);
				appendStringInfoString(out, " optype=\"categorical\" dataType=\"boolean\"/>\n");
				break;
			case MAAS_COL_CATEGORICAL:
				appendStringInfoString(out, "    <DataField");
				MaasPmmlAttr(out, "name", col->name);
				appendStringInfoString(out, " optype=\"categorical\" dataType=\"string\">\n");
				for (int k = 0; k < col->n_categories; k++)
				{
					appendStringInfoString(out, "      <Value");
					MaasPmmlAttr(out, "value", col->categories[k]);
					appendStringInfoString(out, "/>\n");
				}
				appendStringInfoString(out, "    </DataField>\n");
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("maas_export cannot write a model with column \"%s\" (a date, interval or document) as \"pmml\"",
								col->name),
						 errhint("Export it as \"json\" or \"onnx\", whose input is the encoded features.")));
		}
	}
}

static void
Target(StringInfo out, const MaasModel *model, const char *name)
{
	appendStringInfoString(out, "    <DataField");
	MaasPmmlAttr(out, "name", name);
	if (model->target.n_classes == 0)
	{
		appendStringInfoString(out, " optype=\"continuous\" dataType=\"double\"/>\n");
		return;
	}
	appendStringInfoString(out, " optype=\"categorical\" dataType=\"string\">\n");
	for (int c = 0; c < model->target.n_classes; c++)
	{
		appendStringInfoString(out, "      <Value");
		MaasPmmlAttr(out, "value", model->target.labels[c]);
		appendStringInfoString(out, "/>\n");
	}
	appendStringInfoString(out, "    </DataField>\n");
}

/* MiningSchema, Output and LocalTransformations */
void
MaasPmmlSchema(StringInfo out, const MaasModel *model, const char *target)
{
	const MaasPreprocess *prep = &model->prep;

	appendStringInfoString(out, "    <MiningSchema>\n");
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];
		bool		numeric = col->kind == MAAS_COL_NUMERIC || col->kind == MAAS_COL_ARRAY;

		for (int k = 0; k < (col->kind == MAAS_COL_ARRAY ? col->width : 1); k++)
		{
			appendStringInfoString(out, "      <MiningField");
			MaasPmmlAttr(out, "name", col->kind == MAAS_COL_ARRAY ?
						 MaasFeatureName(prep, col->offset + k) : col->name);
			if (numeric && !isnan(col->impute[k]))
				MaasPmmlNumber(out, "missingValueReplacement", col->impute[k]);
			appendStringInfoString(out, "/>\n");
		}
	}
	appendStringInfoString(out, "      <MiningField");
	MaasPmmlAttr(out, "name", target);
	appendStringInfoString(out, " usageType=\"target\"/>\n    </MiningSchema>\n");
	if (model->target.n_classes > 0)
	{
		appendStringInfoString(out, "    <Output>\n");
		for (int c = 0; c < model->target.n_classes; c++)
		{
			appendStringInfoString(out, "      <OutputField");
			MaasPmmlAttr(out, "name", psprintf("probability(%s)", model->target.labels[c]));
			appendStringInfoString(out, " optype=\"continuous\" dataType=\"double\" feature=\"probability\"");
			MaasPmmlAttr(out, "value", model->target.labels[c]);
			appendStringInfoString(out, "/>\n");
		}
		appendStringInfoString(out, "    </Output>\n");
	}
	appendStringInfoString(out, "    <LocalTransformations>\n");
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];

		if (col->kind != MAAS_COL_CATEGORICAL && col->kind != MAAS_COL_BOOLEAN)
			continue;
		for (int k = 0; k < col->width; k++)
		{
			appendStringInfoString(out, "      <DerivedField");
			MaasPmmlAttr(out, "name", MaasFeatureName(prep, col->offset + k));
			appendStringInfoString(out, " optype=\"continuous\" dataType=\"double\">\n        <NormDiscrete");
			MaasPmmlAttr(out, "field", col->name);
			MaasPmmlAttr(out, "value", col->kind == MAAS_COL_BOOLEAN ? "true" : col->categories[k]);
			if (!isnan(col->impute[k]))
				MaasPmmlNumber(out, "mapMissingTo", col->impute[k]);
			appendStringInfoString(out, "/>\n      </DerivedField>\n");
		}
	}
	appendStringInfoString(out, "    </LocalTransformations>\n");
}

/* The document up to the model element: header and data dictionary */
void
MaasPmmlHead(StringInfo out, const MaasModel *model, const char *target)
{
	int			n_fields = 1;

	for (int c = 0; c < model->prep.n_columns; c++)
		n_fields += model->prep.columns[c].kind == MAAS_COL_ARRAY ?
			model->prep.columns[c].width : 1;
	appendStringInfoString(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
						   "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n  <Header");
	MaasPmmlAttr(out, "description", psprintf("maas %s model", model->algorithm->name));
	appendStringInfoString(out, ">\n    <Application name=\"maas\" version=\"0.2.0\"/>\n  </Header>\n");
	appendStringInfo(out, "  <DataDictionary numberOfFields=\"%d\">\n", n_fields);
	DataFields(out, model);
	Target(out, model, target);
	appendStringInfoString(out, "  </DataDictionary>\n");
}
