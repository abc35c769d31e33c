/*
 * tune.c
 *	  maas_tune: settings compared by cross-validation, the best refit on
 *	  all rows and stored as a version, every trial kept in maas.trials.
 *
 * The source is read once (MaasLoadForFolds): all rows encoded into one
 * matrix, each row's fold beside it.  A trial's fold copies its train and
 * test rows out of that matrix, fits and scores in a memory context of its
 * own, and frees them, so memory stays at the data plus one fold's copy
 * and one model.  Like maas_train it is one transaction: an error or a
 * cancel leaves no version and no trial behind.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "functions/functions.h"

#define MAX_METRICS	16

/* The run: data, folds, what is scored */
typedef struct TuneRun
{
	MaasDataset *ds;
	int		   *fold;			/* per row; -1: always trained on (forward chaining) */
	int			k;
	bool		forward;		/* fold f trains on rows of folds < f */
	int			metric;
	MaasTrainOptions *options;
	MaasProgress *progress;
} TuneRun;

/* Sums of each metric over the folds of one trial */
typedef struct MetricSums
{
	int			n;
	char	   *name[MAX_METRICS];
	double		sum[MAX_METRICS];
	int			count[MAX_METRICS];
} MetricSums;

typedef struct Trial
{
	MaasTrialRow row;
	int			candidate;
	MetricSums	sums;
} Trial;

static MaasTrainData
TrainData(const MaasAlgorithm *algorithm, const MaasDataset *ds, const MaasMatrix *m,
		  const double *sample, const MaasTrainOptions *options)
{
	MaasTrainData data;

	memset(&data, 0, sizeof(data));
	data.weights = MaasFitWeights(&options->class_weight, &ds->target, ds->task, sample,
								  MaasMatrixColumn(m, m->n_cols - 1), m->n_rows);
	data.input = algorithm->input;
	data.seed = options->seed;
	data.m = *m;
	data.n_features = ds->prep.n_features;
	data.task = ds->task;
	data.n_classes = ds->target.n_classes;
	data.prep = &ds->prep;
	if (algorithm->input == MAAS_INPUT_FLOAT_ROWS)
	{
		MaasCheckMemory(mul_size(mul_size(Max(m->n_rows, 1), m->n_cols), sizeof(float)),
						"the float rows of a fold");
		MaasFloatRowsFromMatrix(m, &data.rows);
	}
	return data;
}

/* Copy the rows where take[i] into a new matrix */
static void
Rows(const MaasMatrix *from, const bool *take, int64 n_take, MaasMatrix *to)
{
	to->n_rows = n_take;
	to->ld = Max(n_take, 1);
	to->n_cols = from->n_cols;
	to->data = MemoryContextAllocHuge(CurrentMemoryContext,
									  mul_size(mul_size(to->ld, to->n_cols), sizeof(double)));
	for (int j = 0; j < from->n_cols; j++)
	{
		const double *src = MaasMatrixColumn(from, j);
		double	   *dst = MaasMatrixColumn(to, j);
		int64		r = 0;

		for (int64 i = 0; i < from->n_rows; i++)
			if (take[i])
				dst[r++] = src[i];
	}
}

/*
 * The documents of a fold's train and test rows (test NULL: the refit's
 * all rows), with the vocabulary of its train rows: the returned
 * preprocessing reads them, for the fit (data->prep) and the model
 */
static MaasPreprocess *
FoldDocuments(const MaasDataset *ds, const bool *train, const bool *test,
			  MaasTokenRows *train_docs, MaasTokenRows *test_docs)
{
	MaasPreprocess *prep = palloc(sizeof(MaasPreprocess));
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&ds->prep, &n_text);
	MaasTokenizer *t = MaasFoldTokens(&ds->train_tokens, train, test, text->name,
									  train_docs, test_docs);

	*prep = ds->prep;
	prep->columns = palloc(sizeof(MaasColumn) * Max(prep->n_columns, 1));
	memcpy(prep->columns, ds->prep.columns, sizeof(MaasColumn) * prep->n_columns);
	for (int c = 0; c < prep->n_columns; c++)
		if (prep->columns[c].kind == MAAS_COL_TEXT)
			prep->columns[c].tokenizer = t;
	return prep;
}

/* Add the numeric members of a metrics object to the sums */
static double
AddMetrics(MetricSums *sums, Jsonb *metrics, const char *scoring)
{
	JsonbIterator *it = JsonbIteratorInit(&metrics->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	double		score = NAN;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		double		x;
		int			m;

		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE || v.type != jbvNumeric || strcmp(key, "rows") == 0)
			continue;
		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											   NumericGetDatum(v.val.numeric)));
		if (strcmp(key, scoring) == 0)
			score = x;
		for (m = 0; m < sums->n; m++)
			if (strcmp(sums->name[m], key) == 0)
				break;
		if (m == sums->n)
		{
			if (m == MAX_METRICS)
				continue;
			sums->name[m] = key;
			sums->sum[m] = 0;
			sums->count[m] = 0;
			sums->n++;
		}
		sums->sum[m] += x;
		sums->count[m]++;
	}
	return score;
}

/* Fit on fold f's train rows among subset, score its test rows */
static double
FitFold(TuneRun *run, const MaasCandidate *c, MaasParams *params, int f,
		const bool *subset, MetricSums *sums)
{
	const MaasMatrix *all = &run->ds->train;
	int64		n = all->n_rows;
	bool	   *in_train = palloc(sizeof(bool) * n);
	bool	   *in_test = palloc(sizeof(bool) * n);
	int64		n_train = 0;
	int64		n_test = 0;
	MaasMatrix	train;
	MaasMatrix	test;
	MaasTrainData data;
	MaasModel  *model;
	MaasJson	json;
	double		primary;
	double		score;
	const double *sample = NULL;
	bool		documents = run->ds->train_tokens.start != NULL;
	MaasTokenRows train_docs;
	MaasTokenRows test_docs;

	for (int64 i = 0; i < n; i++)
	{
		bool		use = subset == NULL || subset[i];

		in_test[i] = use && run->fold[i] == f;
		in_train[i] = use && (run->forward ? run->fold[i] < f : run->fold[i] != f);
		n_train += in_train[i];
		n_test += in_test[i];
	}
	if (n_train == 0 || n_test == 0)
		return NAN;
	MaasCheckDataMemory(add_size(run->ds->memory_bytes,
								 mul_size(mul_size(n_train + n_test, all->n_cols), sizeof(double))),
						"the rows of a fold");
	Rows(all, in_train, n_train, &train);
	Rows(all, in_test, n_test, &test);
	if (run->ds->weights != NULL)
	{
		double	   *w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n_train);
		int64		r = 0;

		for (int64 i = 0; i < n; i++)
			if (in_train[i])
				w[r++] = run->ds->weights[i];
		sample = w;
	}
	data = TrainData(c->algorithm, run->ds, &train, sample, run->options);
	run->progress->what = c->algorithm->name;
	model = MaasNewModel(c->algorithm, run->ds);
	if (documents)
	{
		MaasPreprocess *prep = FoldDocuments(run->ds, in_train, in_test,
											 &train_docs, &test_docs);

		data.tokens = &train_docs;
		data.prep = prep;
		model->prep = *prep;
	}
	model->state = c->algorithm->fit(&data, params->options, run->progress);
	model->n_outputs = MaasModelOutputs(model);
	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	if (documents)
		MaasScoreTokens(model, &test, &test_docs, &json, &primary);
	else
		MaasScoreMatrix(model, &test, model->n_features, &json, &primary);
	MaasJsonEndObject(&json);
	score = AddMetrics(sums, MaasJsonFinish(&json), MaasMetricName(run->metric));
	return score;
}

/* One trial: every fold, in a context of its own */
static void
RunTrial(TuneRun *run, const MaasCandidate *c, MaasParams *params, const bool *subset,
		 int64 rows, Trial *t)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "maas trial",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = CurrentMemoryContext;
	double	   *scores = palloc(sizeof(double) * run->k);
	double		start = MaasProgressElapsedMs(run->progress);
	double		sum = 0;
	double		ss = 0;
	int			scored = 0;

	memset(&t->sums, 0, sizeof(t->sums));
	for (int f = 0; f < run->k; f++)
	{
		MemoryContextSwitchTo(cxt);
		scores[f] = FitFold(run, c, params, f, subset, &t->sums);
		MemoryContextSwitchTo(caller);
		/* keep the metric names out of the context about to be reset */
		for (int m = 0; m < t->sums.n; m++)
			if (GetMemoryChunkContext(t->sums.name[m]) == cxt)
				t->sums.name[m] = pstrdup(t->sums.name[m]);
		MemoryContextReset(cxt);
		CHECK_FOR_INTERRUPTS();
		if (!isnan(scores[f]))
		{
			sum += scores[f];
			scored++;
		}
	}
	MemoryContextDelete(cxt);
	t->row.scores = scores;
	t->row.n_scores = run->k;
	t->row.algorithm = c->algorithm->name;
	t->row.setting = c->setting;
	t->row.rows = rows;
	t->row.fit_ms = MaasProgressElapsedMs(run->progress) - start;
	/* a fold without a score makes the mean NaN: never the best */
	t->row.mean = scored == run->k ? sum / scored : NAN;
	for (int f = 0; f < run->k; f++)
		ss += (scores[f] - t->row.mean) * (scores[f] - t->row.mean);
	t->row.std = sqrt(ss / run->k);
}

static bool
Better(int metric, double a, double b)
{
	if (isnan(a))
		return false;
	if (isnan(b))
		return true;
	return MaasMetricHigherBetter(metric) ? a > b : a < b;
}

/* Sort candidate indexes by their trial's mean, best first (stable) */
static void
RankCandidates(int metric, int *cand, const double *mean, int n)
{
	for (int i = 1; i < n; i++)
	{
		int			c = cand[i];
		int			j = i;

		while (j > 0 && Better(metric, mean[c], mean[cand[j - 1]]))
		{
			cand[j] = cand[j - 1];
			j--;
		}
		cand[j] = c;
	}
}

/*
 * Run the search: every candidate on all rows, or successive halving
 * (rounds on nested random subsets growing by the factor, the best
 * 1/factor going on).  Returns the trials; *best indexes the best one.
 */
static Trial *
Search(TuneRun *run, MaasSearch *s, MaasParams **params, int *n_trials, int *best)
{
	int			n_cand = s->n_candidates;
	int64		n = run->ds->train.n_rows;
	int			rounds = 1;
	int64		rows = n;
	Trial	   *trials = palloc0(sizeof(Trial) * n_cand * 2 + 1);
	int		   *alive = palloc(sizeof(int) * n_cand);
	double	   *mean = palloc(sizeof(double) * n_cand);
	int			n_alive = n_cand;
	int64	   *perm = NULL;
	bool	   *subset = NULL;

	*n_trials = 0;
	for (int c = 0; c < n_cand; c++)
		alive[c] = c;
	if (s->halving && n_cand > 1)
	{
		int64		min_rows;
		pg_prng_state rng;

		rounds = 1 + (int) floor(log((double) n_cand) / log((double) s->factor) + 1e-9);
		min_rows = s->min_rows > 0 ? s->min_rows :
			Max((int64) (n / pow(s->factor, rounds - 1)),
				(int64) 2 * run->k * Max(run->ds->target.n_classes, 1));
		rows = Min(min_rows, n);
		perm = palloc(sizeof(int64) * n);
		subset = palloc(sizeof(bool) * n);
		for (int64 i = 0; i < n; i++)
			perm[i] = i;
		pg_prng_seed(&rng, (uint64) run->options->seed);
		for (int64 i = n - 1; i > 0; i--)
		{
			int64		j = (int64) pg_prng_uint64_range(&rng, 0, (uint64) i);
			int64		tmp = perm[i];

			perm[i] = perm[j];
			perm[j] = tmp;
		}
	}
	for (int r = 0; r < rounds && n_alive > 0; r++)
	{
		if (subset != NULL)
		{
			memset(subset, 0, sizeof(bool) * n);
			for (int64 i = 0; i < rows; i++)
				subset[perm[i]] = true;
		}
		for (int a = 0; a < n_alive; a++)
		{
			int			c = alive[a];
			Trial	   *t = &trials[(*n_trials)++];

			RunTrial(run, &s->candidates[c], params[c], subset, rows, t);
			t->candidate = c;
			t->row.trial = *n_trials;
			t->row.round = r + 1;
			mean[c] = t->row.mean;
			/* every trial is reported, whatever the fits reported before it */
			if (maas_progress_interval_ms > 0)
				ereport(NOTICE,
						(errmsg("maas_tune: trial %d (round %d of %d, %d settings in it, " INT64_FORMAT " rows): %s %s: %s %.6g (sd %.3g) in %.1f s",
								t->row.trial, r + 1, rounds, n_alive, rows,
								t->row.algorithm,
								JsonbToCString(NULL, &t->row.setting->root, VARSIZE(t->row.setting)),
								MaasMetricName(run->metric), t->row.mean, t->row.std,
								t->row.fit_ms / 1000.0)));
		}
		RankCandidates(run->metric, alive, mean, n_alive);
		if (r == rounds - 1)
			break;
		n_alive = Max(1, (n_alive + s->factor - 1) / s->factor);
		rows = r == rounds - 2 ? n : Min(n, rows * s->factor);
	}
	/* the best of the last round; ties go to the earlier setting */
	*best = -1;
	for (int i = 0; i < *n_trials; i++)
		if (trials[i].row.round == trials[*n_trials - 1].row.round &&
			trials[i].candidate == alive[0])
			*best = i;
	if (*best < 0 || isnan(trials[*best].row.mean))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no setting could be scored on every fold"),
				 errdetail("A fold had no rows to train on or to test, or the metric is undefined on it (roc_auc with one class)."),
				 errhint("Use fewer folds, or more rows.")));
	trials[*best].row.best = true;
	return trials;
}

/* The params of every candidate, checked before anything is read */
static MaasParams **
ParseCandidates(MaasSearch *s, Jsonb *params_jb, MaasTrainOptions **common)
{
	MaasParams **params = palloc(sizeof(MaasParams *) * s->n_candidates);
	bool		all_native = true;
	Jsonb	   *base = params_jb ? params_jb :
		DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	for (int c = 0; c < s->n_candidates; c++)
	{
		const MaasAlgorithm *algorithm = s->candidates[c].algorithm;
		Jsonb	   *merged = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
																JsonbPGetDatum(base),
																JsonbPGetDatum(s->candidates[c].setting)));

		if (MaasUnsupervisedTask(algorithm) != 0 || algorithm->input == MAAS_INPUT_PAIRS)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("maas_tune cross-validates supervised models; %s is not one",
							algorithm->name)));
		params[c] = MaasParseParams(merged, maas_train_params, sizeof(MaasTrainOptions),
									algorithm);
		MaasCheckWeighable(algorithm, params[c]->common);
		all_native &= algorithm->handles_missing;
	}
	*common = params[0]->common;
	if ((*common)->split.kind >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("maas_tune validates by folds; it takes no \"split\""),
				 errhint("Search {\"folds\": {\"k\": 5, \"group_by\": column}} or {\"folds\": {\"k\": 5, \"order_by\": column}}.")));
	/* one encoding for all: native NULLs only if every algorithm takes them */
	if ((*common)->missing < 0 && !all_native)
		(*common)->missing = MAAS_MISSING_IMPUTE;
	for (int c = 0; c < s->n_candidates; c++)
	{
		MaasTrainOptions *o = params[c]->common;

		o->missing = (*common)->missing;
		MaasResolveMissing(s->candidates[c].algorithm, o);
		(*common)->missing = o->missing;
	}
	return params;
}

/* Every algorithm must make the task the data made */
static void
CheckTasks(MaasSearch *s, const MaasDataset *ds, const MaasTrainOptions *options,
		   const char *target)
{
	for (int c = 0; c < s->n_candidates; c++)
	{
		const MaasAlgorithm *algorithm = s->candidates[c].algorithm;
		MaasTask	task = MaasResolveTask(algorithm, options->task, ds->target.kind, target);

		if (MaasTaskIsClassification(task) != MaasTaskIsClassification(ds->task))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s makes a %s model of \"%s\", %s a %s one",
							algorithm->name, MaasTaskName(task), target,
							s->candidates[0].algorithm->name, MaasTaskName(ds->task)),
					 errhint("Compare algorithms of one task, or set params {\"task\": \"classification\"} or \"regression\".")));
	}
}

/*
 * The algorithm the source is read for: a token-sequence model's when one
 * is compared, so that its document column is found (a model of
 * documents beside dense rows reads it as well)
 */
static const MaasAlgorithm *
Reader(const MaasSearch *s)
{
	for (int c = 0; c < s->n_candidates; c++)
		if (s->candidates[c].algorithm->input == MAAS_INPUT_TOKENS)
			return s->candidates[c].algorithm;
	return s->candidates[0].algorithm;
}

/* Every algorithm must read what was read: a document, or dense rows only */
static void
CheckDocuments(const MaasSearch *s, const MaasDataset *ds)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&ds->prep, &n_text);

	for (int c = 0; c < s->n_candidates; c++)
	{
		const MaasAlgorithm *algorithm = s->candidates[c].algorithm;

		if (text != NULL && algorithm->input != MAAS_INPUT_TOKENS &&
			!algorithm->reads_documents)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s does not read documents (column \"%s\")", algorithm->name,
							text->name),
					 errhint("Compare it with models of documents in another call, over a source without the document.")));
		if (algorithm->input == MAAS_INPUT_TOKENS && ds->prep.n_features > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s reads one text column, but the source has %d feature columns",
							algorithm->name, ds->prep.n_columns),
					 errhint("Name the document with params {\"features\": [\"%s\"]}.",
							 text ? text->name : "column")));
	}
}

/* The best trial's metrics, averaged over its folds */
static Jsonb *
MeanMetrics(const Trial *t, int k, const char *scoring, const MaasProgress *progress)
{
	MaasJson	json;

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	for (int m = 0; m < t->sums.n; m++)
	{
		MaasJsonKey(&json, t->sums.name[m]);
		MaasJsonNumber(&json, t->sums.count[m] == k ? t->sums.sum[m] / k : NAN);
	}
	MaasJsonKey(&json, "rows");
	MaasJsonInt(&json, t->row.rows);
	MaasJsonKey(&json, "folds");
	MaasJsonInt(&json, k);
	MaasJsonKey(&json, "scoring");
	MaasJsonString(&json, scoring);
	MaasJsonKey(&json, "std");
	MaasJsonNumber(&json, t->row.std);
	MaasJsonKey(&json, "evaluated_on");
	MaasJsonString(&json, "cross_validation");
	/* the refit's loss per iteration, as maas_train keeps it */
	MaasProgressCurveJson(progress, &json);
	MaasJsonEndObject(&json);
	return MaasJsonFinish(&json);
}

/*
 * maas_tune(name, algorithm, source, target, search, params) -> maas.tune_result
 */
PG_FUNCTION_INFO_V1(maas_tune);
Datum
maas_tune(PG_FUNCTION_ARGS)
{
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	const MaasAlgorithm *algorithm = PG_ARGISNULL(1) ? NULL :
		MaasFindAlgorithm(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	char	   *source = MaasRequiredText(fcinfo, 2, "source");
	char	   *target = MaasRequiredText(fcinfo, 3, "target");
	Jsonb	   *search_jb = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	Jsonb	   *params_jb = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt;
	MaasSearch *s;
	MaasParams **params;
	MaasTrainOptions *options;
	MaasProgress progress;
	TuneRun		run;
	Trial	   *trials;
	int			n_trials;
	int			best;
	const MaasCandidate *winner;
	MaasTrainData data;
	MaasTokenRows refit_docs;
	MaasModel  *model;
	MaasJson	params_json;
	Jsonb	   *metrics;
	MaasTrialRow *rows;
	int32		version;
	bool		deployed;
	double		tune_ms;
	TupleDesc	desc;
	Datum		values[10];
	bool		nulls[10] = {0};
	MaasTask	task;

	MaasCheckWritable("maas_tune()");
	MaasCheckName(name);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "maas_tune must return a composite type");
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas tune", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	s = MaasParseSearch(search_jb, algorithm);
	params = ParseCandidates(s, params_jb, &options);

	MaasQuotaCheck(name, GetUserId(), true);
	MaasProgressStart(&progress, "maas_tune");
	MaasMemoryReset();
	MaasPoolResetUsage();
	/* SPI_finish returns to the context SPI_connect was called in: not cxt */
	MemoryContextSwitchTo(caller);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);

	memset(&run, 0, sizeof(run));
	run.options = options;
	run.progress = &progress;
	run.k = MaasLoadForFolds(source, target, Reader(s), options, &s->folds,
							 &progress, &run.ds, &run.fold);
	run.forward = s->folds.kind == MAAS_FOLDS_TIME;
	task = run.ds->task;
	CheckTasks(s, run.ds, options, target);
	CheckDocuments(s, run.ds);
	run.metric = MaasSearchMetric(s->scoring ? s->scoring :
								  MaasTaskIsClassification(task) ? "accuracy" : "r2", &task);

	trials = Search(&run, s, params, &n_trials, &best);

	/* the best setting, refit on every row */
	winner = &s->candidates[trials[best].candidate];
	progress.what = winner->algorithm->name;
	data = TrainData(winner->algorithm, run.ds, &run.ds->train, run.ds->weights, options);
	model = MaasNewModel(winner->algorithm, run.ds);
	if (run.ds->train_tokens.start != NULL)
	{
		bool	   *every = palloc(sizeof(bool) * run.ds->train.n_rows);

		memset(every, true, sizeof(bool) * run.ds->train.n_rows);
		data.prep = FoldDocuments(run.ds, every, NULL, &refit_docs, NULL);
		data.tokens = &refit_docs;
		model->prep = *data.prep;
	}
	MaasProgressKeepCurve(&progress);
	model->state = winner->algorithm->fit(&data, params[trials[best].candidate]->options,
										  &progress);
	model->n_outputs = MaasModelOutputs(model);
	if (MaasKeepsProfile(params[trials[best].candidate]))
		MaasAttachProfile(model, run.ds);
	metrics = MeanMetrics(&trials[best], run.k, MaasMetricName(run.metric), &progress);

	MaasJsonInit(&params_json);
	MaasJsonBeginObject(&params_json);
	MaasParamsToJson(params[trials[best].candidate], &params_json);
	MaasJsonEndObject(&params_json);
	tune_ms = MaasProgressElapsedMs(&progress);
	version = MaasRegistryInsert(name, winner->algorithm->name, model->task,
								 MaasJsonFinish(&params_json), MaasFeaturesJson(&model->prep),
								 target, metrics, MaasModelSerialize(model),
								 run.ds->train.n_rows, tune_ms,
								 (int64) (run.ds->memory_bytes + MaasMemoryWorkPeak()));
	/* auto-deploy as maas_train: by r2 or accuracy, here their fold mean */
	{
		MetricSums *sums = &trials[best].sums;
		const char *primary_name = MaasTaskIsClassification(task) ? "accuracy" : "r2";
		double		primary = NAN;

		for (int m = 0; m < sums->n; m++)
			if (strcmp(sums->name[m], primary_name) == 0)
				primary = sums->sum[m] / run.k;
		deployed = MaasRegistryDeployIfBetter(name, version,
											  MaasChoiceName(maas_train_params, "deploy",
															 options->deploy),
											  primary_name, primary, model->task);
	}
	rows = palloc(sizeof(MaasTrialRow) * n_trials);
	for (int i = 0; i < n_trials; i++)
		rows[i] = trials[i].row;
	MaasTrialsInsert(name, version, MaasMetricName(run.metric), rows, n_trials);
	{
		MaasUsageCounts used = {.training_runs = 1,.training_ms = tune_ms};

		MaasUsageAdd(GetUserId(), name, version, &used);
		MaasQuotaCount(GetUserId(), name, 0, 1);
	}

	MemoryContextSwitchTo(caller);
	values[0] = CStringGetTextDatum(name);
	values[1] = Int32GetDatum(version);
	values[2] = CStringGetTextDatum(winner->algorithm->name);
	values[3] = PointerGetDatum(DatumGetJsonbPCopy(JsonbPGetDatum(winner->setting)));
	values[4] = CStringGetTextDatum(MaasMetricName(run.metric));
	values[5] = Float8GetDatum(trials[best].row.mean);
	values[6] = Float8GetDatum(trials[best].row.std);
	values[7] = Int32GetDatum(n_trials);
	values[8] = BoolGetDatum(deployed);
	values[9] = Float8GetDatum(tune_ms);
	SPI_finish();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
