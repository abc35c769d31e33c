/*
 * drift.c
 *	  Watching a deployed model: the profile a training keeps of its rows
 *	  and predictions (MaasAttachProfile), and maas_drift(name, source
 *	  [, options]), which bins the source with that profile and gives per
 *	  input column and for the predictions the population stability index
 *	  and a verdict (core/profile.c has the formula).
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "core/profile.h"
#include "functions/functions.h"

/* Training rows spread evenly over m, at most MAAS_PROFILE_SAMPLE (m itself if few) */
static MaasMatrix
SampleRows(const MaasMatrix *m, int n_features)
{
	MaasMatrix	s = *m;
	int64		n = Min(m->n_rows, MAAS_PROFILE_SAMPLE);

	if (n == m->n_rows)
		return s;
	s.n_rows = s.ld = n;
	s.n_cols = n_features;
	s.data = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * Max(n_features, 1));
	for (int j = 0; j < n_features; j++)
		for (int64 i = 0; i < n; i++)
			MaasMatrixColumn(&s, j)[i] = MaasMatrixColumn(m, j)[(int64) ((double) i * m->n_rows / n)];
	return s;
}

/* Float rows (training rows of an MLP) as a sample matrix of doubles */
static MaasMatrix
SampleFloatRows(const MaasFloatRows *f, int n_features)
{
	MaasMatrix	s = {0};
	int64		n = Min(f->n_rows, MAAS_PROFILE_SAMPLE);

	s.n_rows = s.ld = n;
	s.n_cols = n_features;
	s.data = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1) * Max(n_features, 1));
	for (int j = 0; j < n_features; j++)
		for (int64 i = 0; i < n; i++)
			MaasMatrixColumn(&s, j)[i] = MaasFloatRowsValue(f, (int64) ((double) i * f->n_rows / n), j);
	return s;
}

/* Whether params keep a profile: unless "profile" is given as false */
bool
MaasKeepsProfile(const MaasParams *params)
{
	for (int i = 0; i < params->n; i++)
		if (params->values[i].is_set && strcmp(params->values[i].spec->name, "profile") == 0)
			return ((const MaasTrainOptions *) params->common)->profile;
	return true;
}

/*
 * Give a trained model its dataset's profile, completed with its
 * predictions on the same training rows: a regressor's values, a
 * classifier's or clustering's classes.
 * After the fit and the post-processing, before serializing.
 */
void
MaasAttachProfile(MaasModel *model, const MaasDataset *ds)
{
	MaasProfile *p = ds->profile;
	int			n_text;
	MaasMatrix	s;
	double	   *out;
	double	   *v;
	StringInfoData buf;

	if (p == NULL)
		return;
	if (model->task != MAAS_TASK_REGRESSION && !MaasTaskIsClassification(model->task) &&
		model->task != MAAS_TASK_CLUSTERING)
		goto done;
	/* a document model predicts from tokens, which the matrix lacks */
	if (MaasTextColumn(&model->prep, &n_text) != NULL)
		goto done;
	if (ds->single)
		s = SampleFloatRows(&ds->train_rows, model->n_features);
	else
		s = SampleRows(&ds->train, model->n_features);
	if (s.n_rows == 0)
		goto done;
	out = MaasPredictRows(model, &s, model->n_features);
	v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * s.n_rows);
	for (int64 i = 0; i < s.n_rows; i++)
		v[i] = MaasProfilePredicted(model, out + i * model->n_outputs);
	if (model->task == MAAS_TASK_REGRESSION)
		p->prediction = MaasProfileQuantiles(p, -1, MAAS_PROFILE_NUMERIC, v, s.n_rows, false);
	else
		MaasProfileClasses(p, v, s.n_rows, model->n_outputs);
	pfree(out);
	pfree(v);
done:
	initStringInfo(&buf);
	MaasProfileWrite(&buf, p);
	model->profile = (const uint8 *) buf.data;
	model->profile_len = (uint32) buf.len;
	(void) MaasModelProfile(model); /* what a reader will take */
}

/*
 * options: {"threshold": psi above which a column counts as drifted,
 * "version": the version to compare with (default: the deployed one)}
 */
static double
DriftOptions(Jsonb *options, int32 *version)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	double		threshold = MAAS_PSI_THRESHOLD;

	*version = -1;
	if (options == NULL)
		return threshold;
	if (!JB_ROOT_IS_OBJECT(options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maas_drift options must be a JSON object")));
	it = JsonbIteratorInit(&options->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (strcmp(key, "threshold") != 0 && strcmp(key, "version") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown maas_drift option \"%s\"", key),
					 errhint("The options are \"threshold\" (default %g) and \"version\" (default: the deployed one).",
							 MAAS_PSI_THRESHOLD)));
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maas_drift option \"%s\" must be a number", key)));
		if (strcmp(key, "version") == 0)
		{
			double		n = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
															   NumericGetDatum(v.val.numeric)));

			if (!(n >= 1 && n <= PG_INT32_MAX && n == floor(n)))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("maas_drift option \"version\" must be a version number, not %g", n)));
			*version = (int32) n;
			continue;
		}
		threshold = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
													   NumericGetDatum(v.val.numeric)));
		if (!(threshold >= 0) || isinf(threshold))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("maas_drift option \"threshold\" must be a finite number at least 0, not %g",
							threshold)));
	}
	return threshold;
}

/* The labels of an entry's bins (categories, classes) or its edges */
static void
DriftBins(MaasJson *json, const MaasModel *model, const MaasProfileEntry *e)
{
	MaasJsonKey(json, "bins");
	MaasJsonBeginArray(json);
	if (e->kind == MAAS_PROFILE_NUMERIC || e->kind == MAAS_PROFILE_DATE)
		for (int k = 0; k < e->n_edges; k++)
			MaasJsonNumber(json, e->edges[k]);
	else if (e->kind == MAAS_PROFILE_CATEGORY)
	{
		for (int k = 0; k < e->n_labels; k++)
			MaasJsonString(json, model->prep.columns[e->column].categories[e->labels[k]]);
		MaasJsonString(json, "(other)");
	}
	else
		for (int k = 0; k < e->n_shares; k++)
		{
			if (MaasTaskIsClassification(model->task))
				MaasJsonString(json, model->target.labels[k]);
			else
				MaasJsonString(json, psprintf("%d", k));
		}
	MaasJsonEndArray(json);
}

static void
DriftEntry(MaasJson *json, const MaasModel *model, const MaasProfileEntry *e,
		   const MaasProfileEntry *a, double threshold)
{
	static const char *const kinds[] = {NULL, "numeric", "category", "date", "class"};
	double		psi = MaasPsi(e->shares, a->shares, e->n_shares);

	MaasJsonBeginObject(json);
	MaasJsonKey(json, "psi");
	MaasJsonNumber(json, psi);
	MaasJsonKey(json, "drifted");
	MaasJsonBool(json, psi > threshold);
	MaasJsonKey(json, "kind");
	MaasJsonString(json, kinds[e->kind]);
	MaasJsonKey(json, "expected");
	MaasJsonNumberArray(json, e->shares, e->n_shares);
	MaasJsonKey(json, "actual");
	MaasJsonNumberArray(json, a->shares, a->n_shares);
	DriftBins(json, model, e);
	MaasJsonEndObject(json);
}

/*
 * maas_drift(name, source, options) -> jsonb: how far source's rows moved
 * from the training rows of the deployed version (or options.version)
 */
PG_FUNCTION_INFO_V1(maas_drift);
Datum
maas_drift(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *source = MaasRequiredText(fcinfo, 1, "source");
	int32		version;
	double		threshold = DriftOptions(PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), &version);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt;
	MaasModelRef ref;
	const MaasModel *model;
	MaasProgress progress;
	MaasProfile *profile;
	MaasProfile *actual;
	MaasJson	json;
	Jsonb	   *result;

	MaasCheckName(name);
	/* a given version as maas.models shows it to the caller (maas_export's rule) */
	if (version < 0)
	{
		MaasLookupDeployed(name, MAAS_PRIV_PREDICT, &ref);
		version = ref.version;
		model = ref.model;
	}
	else
		model = MaasModelOfVersion(name, version);
	profile = MaasModelProfile(model);
	if (profile == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version %d of model \"%s\" keeps no profile of its training rows",
						version, name),
				 errhint("maas_train and maas_tune keep one; imported models, maas_fit aggregates and models trained before 0.2.0 have none. Retrain it with maas_train to watch its drift.")));
	MaasProgressStart(&progress, "maas_drift");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas drift", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	actual = MaasLoadDrift(source, model, profile, &progress);

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "model");
	MaasJsonString(&json, name);
	MaasJsonKey(&json, "version");
	MaasJsonInt(&json, version);
	MaasJsonKey(&json, "rows");
	MaasJsonInt(&json, actual->rows);
	MaasJsonKey(&json, "threshold");
	MaasJsonNumber(&json, threshold);
	MaasJsonKey(&json, "features");
	MaasJsonBeginObject(&json);
	for (int i = 0; i < actual->n_entries; i++)
	{
		const MaasProfileEntry *e = &profile->entries[i];

		if (e->column < 0)
			continue;
		MaasJsonKey(&json, model->prep.columns[e->column].name);
		DriftEntry(&json, model, e, &actual->entries[i], threshold);
	}
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "prediction");
	if (profile->prediction != NULL)
		DriftEntry(&json, model, profile->prediction, actual->prediction, threshold);
	else
		MaasJsonNull(&json);
	MaasJsonEndObject(&json);
	MemoryContextSwitchTo(caller);
	result = MaasJsonFinish(&json);
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_JSONB_P(result);
}
