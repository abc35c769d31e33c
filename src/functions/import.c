/*
 * import.c
 *	  maas_import: a model trained by another library (XGBoost's JSON,
 *	  LightGBM's text) stored as a new version of a named model, with the
 *	  registry, ownership, grants and deployment rules of maas_train.
 *
 * The algorithm that reads the format (MaasFindImporter) turns the bytes
 * into its own state; this file gives the model its columns (the file's
 * feature names, or the options' mapping, or the one document column the
 * importer names) and its classes, then stores it as maas_train stores a
 * trained one.  Options this file does not know go to the importer as its
 * spec (onnx's); they are an error unless it reads them.  An error
 * anywhere leaves nothing.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "functions/functions.h"

/* What the options jsonb of maas_import says */
typedef struct ImportOptions
{
	Jsonb	   *features;		/* array of column names, or object name -> column */
	JsonbValue *labels;			/* array of class labels */
	char	   *target;
	const char *deploy;
	Jsonb	   *all;			/* every member: an algorithm's spec (onnx) */
	char	   *unknown;		/* the first member not above */
} ImportOptions;

static void
BadOption(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid maas_import option \"%s\"", key),
			 errdetail("%s", detail),
			 errhint("Options: \"features\" (array of column names in the file's feature order, or an object mapping the file's names to columns), \"labels\" (array of class labels), \"target\" (text), \"deploy\" (auto, always or never).")));
}

static void
ParseOptions(Jsonb *jb, ImportOptions *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(o, 0, sizeof(*o));
	o->deploy = "auto";
	if (jb == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		BadOption("options", "The options must be a JSON object.");
	o->all = jb;
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (strcmp(key, "features") == 0)
		{
			if (v.type != jbvBinary || JsonContainerIsScalar(v.val.binary.data))
				BadOption(key, "\"features\" must be an array or an object.");
			o->features = JsonbValueToJsonb(&v);
		}
		else if (strcmp(key, "labels") == 0)
		{
			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				BadOption(key, "\"labels\" must be an array.");
			o->labels = palloc(sizeof(JsonbValue));
			*o->labels = v;
		}
		else if (strcmp(key, "target") == 0)
		{
			if (v.type != jbvString || v.val.string.len == 0)
				BadOption(key, "\"target\" must be a non-empty string.");
			o->target = pnstrdup(v.val.string.val, v.val.string.len);
		}
		else if (strcmp(key, "deploy") == 0)
		{
			char	   *s = v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) : "";

			if (strcmp(s, "auto") != 0 && strcmp(s, "always") != 0 && strcmp(s, "never") != 0)
				BadOption(key, "\"deploy\" must be \"auto\", \"always\" or \"never\".");
			o->deploy = s;
		}
		else if (o->unknown == NULL)
			o->unknown = key;	/* unknown unless the importer reads it */
	}
}

/* The column of feature j: the mapping's, the file's name, or XGBoost's f<j> */
static char *
ColumnName(const ImportOptions *o, const MaasImported *imp, int j)
{
	char	   *file_name = imp->feature_names ? imp->feature_names[j] : psprintf("f%d", j);

	if (o->features && JB_ROOT_IS_ARRAY(o->features))
	{
		int			n = JB_ROOT_COUNT(o->features);
		JsonbValue *v;

		if (n != imp->n_features)
			BadOption("features", psprintf("The model has %d features; \"features\" names %d.",
										   imp->n_features, n));
		v = getIthJsonbValueFromContainer(&o->features->root, j);
		if (v->type != jbvString || v->val.string.len == 0)
			BadOption("features", "Each element must be a non-empty string.");
		return pnstrdup(v->val.string.val, v->val.string.len);
	}
	if (o->features)
	{
		JsonbValue *v = MaasJsonMember(&o->features->root, file_name);

		if (v != NULL)
		{
			if (v->type != jbvString || v->val.string.len == 0)
				BadOption("features", "Each column must be a non-empty string.");
			return pnstrdup(v->val.string.val, v->val.string.len);
		}
	}
	return file_name;
}

/* One numeric column per feature, NaN left to the trees' missing directions */
static void
Columns(const ImportOptions *o, const MaasImported *imp, MaasPreprocess *prep)
{
	if (imp->document != NULL)
	{
		/* a model of one document column, which the importer named */
		prep->n_columns = 1;
		prep->n_features = 0;
		prep->columns = palloc0(sizeof(MaasColumn));
		prep->columns[0].name = imp->feature_names[0];
		if (strlen(prep->columns[0].name) >= NAMEDATALEN)
			BadOption("text", psprintf("Column name \"%s\" is longer than %d bytes.",
									   prep->columns[0].name, NAMEDATALEN - 1));
		prep->columns[0].kind = MAAS_COL_TEXT;
		prep->columns[0].tokenizer = imp->document;
		return;
	}
	prep->n_columns = imp->n_features;
	prep->n_features = imp->n_features;
	prep->columns = palloc0(sizeof(MaasColumn) * imp->n_features);
	for (int j = 0; j < imp->n_features; j++)
	{
		MaasColumn *col = &prep->columns[j];

		col->name = ColumnName(o, imp, j);
		if (strlen(col->name) >= NAMEDATALEN)
			BadOption("features", psprintf("Column name \"%s\" is longer than %d bytes.",
										   col->name, NAMEDATALEN - 1));
		for (int i = 0; i < j; i++)
			if (strcmp(prep->columns[i].name, col->name) == 0)
				BadOption("features", psprintf("Features %d and %d are both column \"%s\".",
											   i, j, col->name));
		col->kind = MAAS_COL_NUMERIC;
		col->offset = j;
		col->width = 1;
		col->impute = palloc(sizeof(double));
		col->impute[0] = NAN;
	}
}

/* Classes 0..K-1, or the labels the options give them */
static void
Classes(const ImportOptions *o, const MaasImported *imp, MaasTarget *t)
{
	int			K = imp->n_classes;
	int			n;
	JsonbContainer *a;
	bool		numbers = true;
	bool		booleans = true;

	t->name = o->target;
	t->kind = MAAS_COL_NUMERIC;
	t->n_classes = MaasTaskIsClassification(imp->task) ? K : 0;
	t->labels = palloc(sizeof(char *) * Max(K, 1));
	t->values = palloc(sizeof(double) * Max(K, 1));
	if (t->n_classes == 0)
	{
		if (o->labels)
			BadOption("labels", "A regression model has no classes.");
		return;
	}
	for (int k = 0; k < K; k++)
	{
		t->labels[k] = psprintf("%d", k);
		t->values[k] = k;
	}
	if (o->labels == NULL)
		return;
	a = o->labels->val.binary.data;
	n = JsonContainerSize(a);
	if (n != K)
		BadOption("labels", psprintf("The model has %d classes; \"labels\" has %d.", K, n));
	for (int k = 0; k < K; k++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(a, k);

		numbers &= v->type == jbvNumeric;
		booleans &= v->type == jbvBool;
		if (v->type == jbvString)
			t->labels[k] = pnstrdup(v->val.string.val, v->val.string.len);
		else if (v->type == jbvBool)
		{
			t->labels[k] = pstrdup(v->val.boolean ? "true" : "false");
			t->values[k] = v->val.boolean;
		}
		else if (v->type == jbvNumeric)
		{
			t->values[k] = MaasJsonDouble("maas_import options", v, "labels");
			t->labels[k] = float8out_internal(t->values[k]);
		}
		else
			BadOption("labels", "Each label must be a string, a number or a boolean.");
		for (int i = 0; i < k; i++)
			if (strcmp(t->labels[i], t->labels[k]) == 0)
				BadOption("labels", psprintf("Label \"%s\" appears twice.", t->labels[k]));
	}
	if (booleans && !(K == 2 && t->values[0] == 0 && t->values[1] == 1))
		BadOption("labels", "Boolean labels must be [false, true].");
	t->kind = numbers ? MAAS_COL_NUMERIC : booleans ? MAAS_COL_BOOLEAN : MAAS_COL_CATEGORICAL;
	if (t->kind == MAAS_COL_CATEGORICAL)
		for (int k = 0; k < K; k++)
			t->values[k] = NAN;
}

/* params of the stored version: where it came from */
static Jsonb *
ImportParams(const char *format, const MaasImported *imp, int64 bytes)
{
	MaasJson	json;

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "imported_from");
	MaasJsonString(&json, format);
	MaasJsonKey(&json, "objective");
	MaasJsonString(&json, imp->objective ? imp->objective : "");
	MaasJsonKey(&json, "file_bytes");
	MaasJsonInt(&json, bytes);
	MaasJsonEndObject(&json);
	return MaasJsonFinish(&json);
}

/* maas_import(name, format, bytes bytea, options jsonb) -> int: the new version */
PG_FUNCTION_INFO_V1(maas_import);
Datum
maas_import(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *format = MaasRequiredText(fcinfo, 1, "format");
	bytea	   *file;
	ImportOptions opt;
	const MaasAlgorithm *algorithm;
	MaasImported imp;
	MaasModel  *model;
	MaasProgress progress;
	MaasJson	metrics;
	bytea	   *bytes;
	int32		version;
	MemoryContext cxt;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model file must not be NULL")));
	file = PG_GETARG_BYTEA_PP(2);
	MaasCheckWritable("maas_import()");
	MaasCheckName(name);
	ParseOptions(PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3), &opt);
	algorithm = MaasFindImporter(format);
	MaasQuotaCheck(name, GetUserId(), true);
	MaasProgressStart(&progress, "maas_import");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas import", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);

	memset(&imp, 0, sizeof(imp));
	imp.spec = opt.all;
	algorithm->import(format, VARDATA_ANY(file), VARSIZE_ANY_EXHDR(file), &imp);
	if (opt.unknown != NULL && !imp.spec_read)
		BadOption(opt.unknown, "Unknown option.");
	model = palloc0(sizeof(MaasModel));
	model->algorithm = algorithm;
	model->task = imp.task;
	model->n_features = imp.n_features;
	Columns(&opt, &imp, &model->prep);
	Classes(&opt, &imp, &model->target);
	model->n_outputs = MaasTaskIsClassification(imp.task) ? imp.n_classes :
		imp.n_outputs > 0 ? imp.n_outputs : 1;
	model->state = imp.state;
	bytes = MaasModelSerialize(model);

	MaasJsonInit(&metrics);
	MaasJsonBeginObject(&metrics);
	MaasJsonEndObject(&metrics);
	version = MaasRegistryInsert(name, algorithm->name, model->task,
								 ImportParams(format, &imp, VARSIZE_ANY_EXHDR(file)),
								 MaasFeaturesJson(&model->prep), opt.target,
								 MaasJsonFinish(&metrics), bytes, 0,
								 MaasProgressElapsedMs(&progress), 0);
	(void) MaasRegistryDeployIfBetter(name, version, opt.deploy, NULL, NAN, model->task);
	{
		MaasUsageCounts run = {.training_runs = 1,.training_ms = MaasProgressElapsedMs(&progress)};

		MaasUsageAdd(GetUserId(), name, version, &run);
		MaasQuotaCount(GetUserId(), name, 0, 1);
	}
	MemoryContextSwitchTo(caller);
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_INT32(version);
}
