/*
 * train.c
 *	  maas_train and maas_evaluate.
 *
 * maas_train is one transaction's work: read the source, fit, score on the
 * held-out rows, serialize, insert the version and maybe deploy it.  An
 * error or a cancel anywhere leaves nothing behind.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "core/evaluation.h"
#include "functions/functions.h"

/* Everything a trained model needs besides its algorithm state (maas_tune's too) */
MaasModel *
MaasNewModel(const MaasAlgorithm *algorithm, const MaasDataset *ds)
{
	MaasModel  *model = palloc0(sizeof(MaasModel));

	model->algorithm = algorithm;
	model->task = ds->task;
	model->n_features = ds->prep.n_features;
	model->n_outputs = MaasTaskIsClassification(ds->task) ? ds->target.n_classes : 1;
	model->prep = ds->prep;
	model->target = ds->target;
	return model;
}

/* Refuse weights an algorithm cannot use, before anything is read */
void
MaasCheckWeighable(const MaasAlgorithm *algorithm, const MaasTrainOptions *options)
{
	if ((options->sample_weight.names != NULL || options->class_weight.kind >= 0) &&
		!algorithm->takes_weights)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s does not take \"%s\"", algorithm->name,
						options->sample_weight.names != NULL ? "sample_weight" : "class_weight"),
				 errhint("Weights are taken by linear_regression, logistic_regression, decision_tree, random_forest, gradient_boosting and mlp.")));
}

/* The weights of the train rows of a dataset (sample and class weights); NULL: none */
const double *
MaasDatasetWeights(const MaasDataset *ds, const MaasClassWeight *cw)
{
	int64		n = MaasDatasetTrainRows(ds);
	const double *y;

	if (ds->weights == NULL && cw->kind < 0)
		return NULL;
	if (ds->single)
	{
		double	   *ys = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));

		for (int64 i = 0; i < n; i++)
			ys[i] = MaasFloatRowsValue(&ds->train_rows, i, ds->train_rows.n_cols - 1);
		y = ys;
	}
	else
		y = MaasMatrixColumn(&ds->train, ds->train.n_cols - 1);
	return MaasFitWeights(cw, &ds->target, ds->task, ds->weights, y, n);
}

/*
 * maas_train(name, algorithm, source, target, params) -> maas.train_result
 */
/*
 * The metric auto-deploy compares versions by (higher is better): r2, the
 * accuracy, a recommender's r2 or precision at 10; none for clusters and
 * components, whose versions may differ in their count
 */
static const char *
PrimaryMetric(const MaasModel *model)
{
	if (model->task == MAAS_TASK_REGRESSION)
		return "r2";
	if (MaasTaskIsClassification(model->task))
		return "accuracy";
	if (model->task == MAAS_TASK_RECOMMENDATION)
		return model->algorithm->pairs(model)->implicit ? "precision_at_10" : "r2";
	return NULL;
}

/* The target and the params an algorithm can take, before anything is read */
static void
CheckTrainArgs(const MaasAlgorithm *algorithm, const MaasTrainOptions *options,
			   const char *target)
{
	if (target == NULL && MaasUnsupervisedTask(algorithm) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s needs a target column", algorithm->name)));
	if (target != NULL && MaasUnsupervisedTask(algorithm) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s learns without a target, but target \"%s\" was given",
						algorithm->name, target),
				 errhint("Pass NULL as the target: maas_train(name, '%s', source, NULL, params).",
						 algorithm->name)));
	if (target == NULL)
		(void) MaasResolveTask(algorithm, options->task, 0, NULL);	/* rejects "task" */
	MaasCheckWeighable(algorithm, options);
	if (algorithm->input == MAAS_INPUT_PAIRS && options->split.kind > MAAS_SPLIT_RANDOM)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s splits its ratings at random; it takes no other \"split\"",
						algorithm->name)));
}

PG_FUNCTION_INFO_V1(maas_train);
Datum
maas_train(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *algorithm_name = MaasRequiredText(fcinfo, 1, "algorithm");
	char	   *source = MaasRequiredText(fcinfo, 2, "source");
	char	   *target = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	Jsonb	   *params_jb = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	const MaasAlgorithm *algorithm;
	MaasParams *params;
	MaasTrainOptions *options;
	MemoryContext cxt;
	MemoryContext caller = CurrentMemoryContext;
	MaasProgress progress;
	MaasDataset *ds;
	MaasTrainData data = {0};
	MaasModel  *model;
	bytea	   *bytes;
	MaasJson	metrics;
	MaasJson	params_json;
	double		primary;
	int32		version;
	bool		deployed;
	double		train_ms;
	TupleDesc	desc;
	Datum		values[11];
	bool		nulls[11] = {0};
	Jsonb	   *metrics_jb;
	int64		memory_bytes;

	MaasCheckWritable("maas_train()");
	MaasCheckName(name);
	algorithm = MaasFindAlgorithm(algorithm_name);
	params = MaasParseParams(params_jb, maas_train_params, sizeof(MaasTrainOptions), algorithm);
	options = params->common;
	/* stored as the policy in effect, also when it was left to the algorithm */
	MaasResolveMissing(algorithm, options);
	CheckTrainArgs(algorithm, options, target);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "maas_train must return a composite type");

	MaasQuotaCheck(name, GetUserId(), true);
	MaasProgressStart(&progress, "maas_train");
	MaasWatchPublish(&progress, name, algorithm->name);
	MaasMemoryReset();
	MaasPoolResetUsage();
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas train", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);

	if (algorithm->input == MAAS_INPUT_PAIRS)
		ds = MaasPairsTrainingData(source, target, algorithm, params, options, &progress);
	else
		ds = MaasLoadForTraining(source, target, algorithm, options, &progress);

	data.input = algorithm->input;
	data.pairs = ds->pairs;
	data.seed = options->seed;
	data.m = ds->train;
	data.rows = ds->train_rows;
	data.n_features = ds->prep.n_features;
	data.task = ds->task;
	data.n_classes = ds->target.n_classes;
	data.prep = &ds->prep;
	data.tokens = ds->train_tokens.start != NULL ? &ds->train_tokens : NULL;
	data.weights = MaasDatasetWeights(ds, &options->class_weight);
	model = MaasNewModel(algorithm, ds);
	progress.what = algorithm->name;
	MaasProgressRows(&progress, ds->rows_read);
	MaasProgressPhase(&progress, "fitting");
	MaasProgressKeepCurve(&progress);
	model->state = algorithm->fit(&data, params->options, &progress);
	model->n_outputs = MaasModelOutputs(model);

	/* metrics on the held-out rows, or the training rows without a split */
	MaasProgressPhase(&progress, "scoring");
	MaasJsonInit(&metrics);
	MaasJsonBeginObject(&metrics);
	if (algorithm->input == MAAS_INPUT_PAIRS)
		MaasScorePairs(model, ds->test.n_rows > 0 ? &ds->test : &ds->train, ds->test.n_rows > 0,
					   &metrics, &primary);
	else if (ds->test.n_rows == 0 && ds->single)
		MaasScoreFloatRows(model, &ds->train_rows, &metrics, &primary);
	else if (ds->train_tokens.start != NULL)
		MaasScoreTokens(model, ds->test.n_rows > 0 ? &ds->test : &ds->train,
						ds->test.n_rows > 0 ? &ds->test_tokens : &ds->train_tokens,
						&metrics, &primary);
	else
		MaasScoreMatrix(model, ds->test.n_rows > 0 ? &ds->test : &ds->train,
						model->n_features, &metrics, &primary);
	/* then what the held-out rows teach beyond the fit: intervals, calibration */
	if (algorithm->input != MAAS_INPUT_PAIRS)
		MaasPostprocessFit(model, &ds->test, options->calibration, options->intervals, &metrics);
	MaasJsonKey(&metrics, "evaluated_on");
	MaasJsonString(&metrics, ds->test.n_rows > 0 ? "test" : "train");
	/* the loss per iteration of an iterative fit, kept with the version */
	MaasProgressCurveJson(&progress, &metrics);
	MaasJsonEndObject(&metrics);
	metrics_jb = MaasJsonFinish(&metrics);

	MaasJsonInit(&params_json);
	MaasJsonBeginObject(&params_json);
	MaasParamsToJson(params, &params_json);
	MaasJsonEndObject(&params_json);

	MaasProgressPhase(&progress, "storing");
	if (MaasKeepsProfile(params))
		MaasAttachProfile(model, ds);
	bytes = MaasModelSerialize(model);
	train_ms = MaasProgressElapsedMs(&progress);
	memory_bytes = (int64) (ds->memory_bytes + MaasMemoryWorkPeak());
	version = MaasRegistryInsert(name, algorithm->name, model->task,
								 MaasJsonFinish(&params_json), MaasFeaturesJson(&ds->prep),
								 target, metrics_jb, bytes, MaasDatasetTrainRows(ds), train_ms,
								 memory_bytes);
	deployed = MaasRegistryDeployIfBetter(name, version,
										  MaasChoiceName(maas_train_params, "deploy",
														 options->deploy),
										  PrimaryMetric(model), primary, model->task);
	{
		MaasUsageCounts run = {.training_runs = 1,.training_ms = MaasProgressElapsedMs(&progress)};

		MaasUsageAdd(GetUserId(), name, version, &run);
		MaasQuotaCount(GetUserId(), name, 0, 1);
	}

	MaasWatchEnd(&progress);
	MemoryContextSwitchTo(caller);
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(algorithm->name);
	values[3] = CStringGetTextDatum(MaasTaskName(model->task));
	values[4] = Int64GetDatum(MaasDatasetTrainRows(ds));
	values[5] = Int64GetDatum(ds->rows_skipped);
	/* the summary leaves the curve out: up to a thousand points, in maas.models */
	values[6] = DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(metrics_jb),
									CStringGetTextDatum("training_curve"));
	values[7] = BoolGetDatum(deployed);
	values[8] = Float8GetDatum(train_ms);
	values[9] = Int64GetDatum(memory_bytes);
	values[10] = Int32GetDatum(MaasPoolThreadsUsed());
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* maas_evaluate(name, source) -> jsonb: the deployed model's metrics on source */
PG_FUNCTION_INFO_V1(maas_evaluate);
Datum
maas_evaluate(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *source = MaasRequiredText(fcinfo, 1, "source");
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt;
	MaasModelRef ref;
	MaasProgress progress;
	MaasDataset *ds;
	MaasJson	json;
	double		primary;
	Jsonb	   *result;

	MaasCheckName(name);
	MaasLookupDeployed(name, MAAS_PRIV_PREDICT, &ref);
	if (ref.model->task == MAAS_TASK_DECOMPOSITION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a decomposition, which maas_evaluate has no metric for", name),
				 errhint("maas_info(name) has its explained variance; maas_transform(name, row) projects rows.")));
	MaasProgressStart(&progress, "maas_evaluate");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas evaluate", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	if (ref.model->algorithm->input == MAAS_INPUT_PAIRS)
		ds = MaasPairsEvaluationData(source, ref.model, &progress);
	else
		ds = MaasLoadForModel(source, ref.model, &progress);
	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	if (ref.model->algorithm->input == MAAS_INPUT_PAIRS)
		MaasScorePairs(ref.model, &ds->test, true, &json, &primary);
	else if (ds->test_tokens.start != NULL)
		MaasScoreTokens(ref.model, &ds->test, &ds->test_tokens, &json, &primary);
	else
		MaasEvaluateMatrix(ref.model, &ds->test, &json, &primary);
	{
		MaasUsageCounts rows = {.rows_evaluated = ds->test.n_rows};

		MaasUsageAdd(GetUserId(), name, ref.version, &rows);
	}
	MaasJsonKey(&json, "rows_skipped");
	MaasJsonInt(&json, ds->rows_skipped);
	MaasJsonKey(&json, "version");
	MaasJsonInt(&json, ref.version);
	MaasJsonEndObject(&json);
	MemoryContextSwitchTo(caller);
	result = MaasJsonFinish(&json);
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_JSONB_P(result);
}
