/*
 * dataset.c
 *	  Source query -> dense column-major matrices, in one scan.
 *
 * The source (a table name or any query) runs through SPI with a
 * DestReceiver of our own, so each row goes straight from the executor's
 * slot into the matrix without SPI's tuple copies.  Each row is drawn into
 * the train or the test part by a seeded generator as it arrives.  Text
 * columns are collected as codes during the scan; once the vocabulary is
 * known they are expanded into one-hot features, and NULLs are imputed from
 * the training rows.
 */
#include "postgres.h"

#include <math.h>

#include "access/tupdesc.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "nodes/plannodes.h"
#include "utils/plancache.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "data/data.h"
#include "data/load.h"
#include "data/values.h"

#define PROGRESS_EVERY	65536

/* Room for one more training row in float rows, growing by half */
static void
FloatRowsRoom(LoadState *st, int64 rows)
{
	MaasFloatRows *f = &st->ds->train_rows;
	Size		old = MaasFloatRowsBytes(f);
	Size		bytes = mul_size(mul_size(rows, f->n_cols), sizeof(float));
	MemoryContext caller = MemoryContextSwitchTo(st->cxt);

	MaasCheckDataMemory(add_size(st->bytes - old, bytes), "training data");
	MaasFloatRowsReserve(f, rows);
	MemoryContextSwitchTo(caller);
	st->bytes = st->bytes - old + bytes;
	st->ds->memory_bytes = Max(st->ds->memory_bytes, st->bytes);
}

static void
Presize(LoadState *st, SPIPlanPtr plan, double test_size)
{
	double		rows = MaasEstimatedRows(plan);
	double		row_bytes = (double) st->ds->train.n_cols * sizeof(double);
	double		limit = (double) maas_max_memory_kb * 1024 / row_bytes;

	if (rows <= INITIAL_ROWS || rows * 1.1 > limit)
		return;
	if (st->ds->single)
		FloatRowsRoom(st, (int64) (rows * (1 - test_size) * 1.02) + INITIAL_ROWS);
	else
		MaasLoadMatrixResize(st, &st->ds->train, (int64) (rows * (1 - test_size) * 1.02) + INITIAL_ROWS);
	if (test_size > 0)
		MaasLoadMatrixResize(st, &st->ds->test, (int64) (rows * test_size * 1.05) + INITIAL_ROWS);
}

static bool
NameListed(const MaasNames *list, const char *name)
{
	for (int i = 0; list->names != NULL && i < list->n; i++)
		if (strcmp(list->names[i], name) == 0)
			return true;
	return false;
}

static void
AddColumn(LoadState *st, const char *query, TupleDesc desc, int a, bool explicit)
{
	Form_pg_attribute att = TupleDescAttr(desc, a);
	SourceColumn *col = &st->columns[st->n_columns];
	bool		is_array;
	bool		is_vector;

	col->name = pstrdup(NameStr(att->attname));
	col->attno = a;
	col->typid = getBaseType(att->atttypid);
	col->kind = MaasKindOfType(att->atttypid, &is_array, &is_vector);
	if (col->kind == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is of type %s, which maas cannot use as a feature",
						col->name, format_type_be(att->atttypid)),
				 explicit ?
				 errhint("Cast it to a number or to text in the source query.") :
				 errhint("Cast it to a number or to text in the source query, or leave it out with params {\"exclude\": [\"%s\"]}.",
						 col->name)));
	col->width = col->kind == MAAS_COL_ARRAY ? MaasArrayWidth(query, col->name, att->atttypid) : 1;
	col->raw_offset = st->raw_width;
	if (col->kind == MAAS_COL_CATEGORICAL)
		MaasLabelsInit(&col->labels, st->cxt);
	st->raw_width += col->width;
	if (st->raw_width > MAAS_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("source has more than %d features", MAAS_MAX_FEATURES)));
	st->n_columns++;
}

/* Pick the feature columns: params "features", else all but target and "exclude" */
static void
ChooseColumns(LoadState *st, const char *query, TupleDesc desc,
			  const MaasTrainOptions *options)
{
	const MaasNames *features = &options->features;
	const MaasNames *exclude = &options->exclude;

	for (int i = 0; exclude->names != NULL && i < exclude->n; i++)
		MaasRequireAttribute(desc, exclude->names[i], "excluded");

	st->columns = MemoryContextAllocZero(st->cxt, sizeof(SourceColumn) * Max(desc->natts, 1));
	if (features->names != NULL)
	{
		for (int i = 0; i < features->n; i++)
		{
			int			a = MaasRequireAttribute(desc, features->names[i], "feature");

			if (a == st->target_attno)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" is the target; it cannot also be a feature",
								features->names[i])));
			for (int c = 0; c < st->n_columns; c++)
				if (st->columns[c].attno == a)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("feature \"%s\" is listed twice", features->names[i])));
			if (!NameListed(exclude, features->names[i]))
				AddColumn(st, query, desc, a, true);
		}
	}
	else
	{
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (att->attisdropped || a == st->target_attno || a == st->split_attno ||
				a == st->weight_attno || NameListed(exclude, NameStr(att->attname)))
				continue;
			MaasFindAttribute(desc, NameStr(att->attname));	/* rejects duplicates */
			AddColumn(st, query, desc, a, false);
		}
	}
	if (st->n_columns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source has no feature columns"),
				 errhint("The source has columns: %s.", MaasColumnList(desc))));
}

/* ---- the receiver ---- */

static void
LoadStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
LoadShutdown(DestReceiver *self)
{
}

static void
LoadDestroy(DestReceiver *self)
{
}

static void
ReportProgress(LoadState *st)
{
	int64		rows = st->ds->rows_read;

	/* maas.progress: a few stores in shared memory, every 1024 rows */
	if ((rows & 1023) == 0)
		MaasProgressRows(st->progress, rows);
	if (rows % PROGRESS_EVERY == 0 && MaasProgressDue(st->progress))
		ereport(NOTICE,
				(errmsg("%s: read " INT64_FORMAT " rows in %.1f s",
						st->progress->what, rows,
						MaasProgressElapsedMs(st->progress) / 1000.0)));
}

/* Count a row and deform it; false when its target is NULL (skipped) */
static inline bool
BeginRow(LoadState *st, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	st->ds->rows_read++;
	ReportProgress(st);
	if (st->target_attno >= 0 && slot->tts_isnull[st->target_attno])
	{
		st->ds->rows_skipped++;
		return false;
	}
	return true;
}

/* The part a row goes to: the test or train matrix, NULL for float rows */
static MaasMatrix *
NextRowMatrix(LoadState *st)
{
	MaasMatrix *m = &st->ds->train;
	MaasFloatRows *f = &st->ds->train_rows;

	if (st->test_size > 0 && !st->deferred && pg_prng_double(&st->rng) < st->test_size)
		m = &st->ds->test;
	else if (st->ds->single)
	{
		if (f->n_rows == f->cap)
			FloatRowsRoom(st, Max(INITIAL_ROWS, f->cap + f->cap / 2));
		return NULL;
	}
	if (m->n_rows == m->ld)
	{
		if (m->n_rows >= (int64) MaxAllocHugeSize / sizeof(double))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many rows")));
		MaasLoadMatrixResize(st, m, Max(INITIAL_ROWS, m->ld * 2));
	}
	return m;
}

static void
StoreRow(LoadState *st, MaasMatrix *m, const double *row, int width, double y)
{
	int64		i;

	if (m == NULL)
	{
		MaasFloatRowsAppend(&st->ds->train_rows, row, width, y);
		return;
	}
	i = m->n_rows;
	for (int j = 0; j < width; j++)
		m->data[(int64) j * m->ld + i] = row[j];
	m->data[(int64) width * m->ld + i] = y;
	m->n_rows++;
}

/* The target of one row as a double: the value, or a class code */
static double
TargetValue(LoadState *st, Datum d)
{
	const char *name = st->ds->target.name;

	if (!st->classify)
	{
		double		v = MaasDatumToDouble(d, st->target_typid);

		RejectNonFinite(v, name);
		return v;
	}
	if (st->target_kind == MAAS_COL_CATEGORICAL)
	{
		char	   *label = MaasDatumToLabel(d, st->target_typid);

		return MaasLabelsCode(&st->classes, label, strlen(label), MAAS_MAX_CLASSES,
							"the target");
	}
	else
	{
		double		v = MaasDatumToDouble(d, st->target_typid);

		RejectNonFinite(v, name);
		if (v == 0)
			v = 0;				/* -0 and 0 are one class */
		return MaasLabelsCode(&st->classes, (const char *) &v, sizeof(double),
							MAAS_MAX_CLASSES, "the target");
	}
}

/*
 * Rows of numbers only, the common case: no per-row memory context and
 * no per-column dispatch beyond the type.
 */
static bool
LoadReceivePlain(TupleTableSlot *slot, DestReceiver *self)
{
	LoadState  *st = (LoadState *) self;
	MaasDataset *ds = st->ds;
	const Datum *values;
	const bool *isnull;
	double	   *row = st->row;
	MaasMatrix *m;
	double		y;

	if (!BeginRow(st, slot))
		return true;
	values = slot->tts_values;
	isnull = slot->tts_isnull;
	for (int c = 0; c < st->n_columns; c++)
	{
		int			a = st->plain_attno[c];

		if (unlikely(isnull[a]))
		{
			if (st->missing == MAAS_MISSING_SKIP)
			{
				ds->rows_skipped++;
				return true;
			}
			if (st->missing == MAAS_MISSING_ERROR)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column \"%s\" is NULL in row " INT64_FORMAT,
								st->columns[c].name, ds->rows_read),
						 errhint("Params {\"missing\": \"impute\"} fill NULLs with the training mean or mode.")));
			row[c] = NAN;
		}
		else
		{
			row[c] = PlainNumber(values[a], st->plain_typid[c]);
			if (unlikely(isnan(row[c]) || isinf(row[c])))
				RejectNonFinite(row[c], st->columns[c].name);
		}
	}
	y = st->target_attno >= 0 ? TargetValue(st, values[st->target_attno]) : 0;

	m = NextRowMatrix(st);
	StoreRow(st, m, row, st->n_columns, y);
	if (st->classify && m != &ds->test)
		st->classes.train_count[(int) y]++;
	if (st->weight_attno >= 0)
		MaasKeepWeight(st, slot, m != &ds->test);
	if (st->keep_keys)
		MaasSplitKeep(st, slot);
	return true;
}

static bool
LoadReceiveFit(TupleTableSlot *slot, DestReceiver *self)
{
	LoadState  *st = (LoadState *) self;
	MaasDataset *ds = st->ds;
	MemoryContext old;
	MaasMatrix *m;
	double		y;

	if (!BeginRow(st, slot))
		return true;
	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);

	st->n_row_tokens = 0;		/* a NULL document is an empty one */
	for (int c = 0; c < st->n_columns; c++)
	{
		SourceColumn *col = &st->columns[c];
		Datum		d = slot->tts_values[col->attno];
		double	   *out = st->row + col->raw_offset;

		st->codes[c] = -1;
		if (slot->tts_isnull[col->attno])
		{
			if (st->missing == MAAS_MISSING_SKIP)
			{
				ds->rows_skipped++;
				MemoryContextSwitchTo(old);
				return true;
			}
			if (st->missing == MAAS_MISSING_ERROR)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column \"%s\" is NULL in row " INT64_FORMAT,
								col->name, ds->rows_read),
						 errhint("Params {\"missing\": \"impute\"} fill NULLs with the training mean or mode.")));
			for (int k = 0; k < col->width; k++)
				out[k] = NAN;
			continue;
		}
		switch (col->kind)
		{
			case MAAS_COL_NUMERIC:
			case MAAS_COL_BOOLEAN:
				out[0] = MaasDatumToDouble(d, col->typid);
				RejectNonFinite(out[0], col->name);
				break;
			case MAAS_COL_CATEGORICAL:
				{
					int			len;
					const char *label = MaasDatumText(d, col->typid, &len);

					st->codes[c] = MaasLabelsCode(&col->labels, label, len,
												INT_MAX, col->name);
					out[0] = st->codes[c];
					break;
				}
			case MAAS_COL_TEXT:
				MaasLoadTextValue(st, col, d);
				break;
			case MAAS_COL_TIMESTAMP:
			case MAAS_COL_INTERVAL:
				out[0] = MaasDatumToEpoch(d, col->typid, col->name);
				break;
			case MAAS_COL_ARRAY:
				MaasArrayToDoubles(d, col->typid, out, col->width, col->name);
				if (st->missing != MAAS_MISSING_IMPUTE && st->missing != MAAS_MISSING_NATIVE)
					for (int k = 0; k < col->width; k++)
						if (isnan(out[k]))
						{
							if (st->missing == MAAS_MISSING_ERROR)
								ereport(ERROR,
										(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
										 errmsg("column \"%s\" has a NULL element in row " INT64_FORMAT,
												col->name, ds->rows_read)));
							ds->rows_skipped++;
							MemoryContextSwitchTo(old);
							return true;
						}
				break;
		}
	}
	y = st->target_attno >= 0 ? TargetValue(st, slot->tts_values[st->target_attno]) : 0;
	MemoryContextSwitchTo(old);

	m = NextRowMatrix(st);
	StoreRow(st, m, st->row, st->raw_width, y);
	if (st->row_tokens != NULL)
		MaasLoadTextStore(st, m == &ds->test);
	if (st->weight_attno >= 0)
		MaasKeepWeight(st, slot, m != &ds->test);
	if (m != &ds->test)
	{
		for (int c = 0; c < st->n_columns; c++)
			if (st->codes[c] >= 0)
				st->columns[c].labels.train_count[st->codes[c]]++;
		if (st->classify)
			st->classes.train_count[(int) y]++;
	}
	if (st->keep_keys)
		MaasSplitKeep(st, slot);
	return true;
}

static LoadState *
NewLoadState(LoadMode mode, MaasProgress *progress)
{
	LoadState  *st = palloc0(sizeof(LoadState));

	st->pub.receiveSlot = mode == LOAD_FIT ? LoadReceiveFit : NULL;
	st->pub.rStartup = LoadStartup;
	st->pub.rShutdown = LoadShutdown;
	st->pub.rDestroy = LoadDestroy;
	st->pub.mydest = DestNone;
	st->mode = mode;
	st->cxt = CurrentMemoryContext;
	st->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "maas row",
										ALLOCSET_DEFAULT_SIZES);
	st->ds = palloc0(sizeof(MaasDataset));
	st->progress = progress;
	st->split_attno = -1;
	st->weight_attno = -1;
	return st;
}

static void
RunSource(LoadState *st, SPIPlanPtr plan)
{
	SPIExecuteOptions options;
	int			rc;
	int			nest_level;

	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = (DestReceiver *) st;

	/*
	 * The seeded split and the tree bins follow the order rows arrive in; a
	 * synchronized scan starts wherever another scan of the table is, so the
	 * same table and seed could give another model.  Set for this read only,
	 * as a function's SET clause is: an error unwinds it with the
	 * transaction.
	 */
	nest_level = NewGUCNestLevel();
	(void) set_config_option("synchronize_seqscans", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rc = SPI_execute_plan_extended(plan, &options);
	AtEOXact_GUC(true, nest_level);
	if (rc < 0)
		elog(ERROR, "source query failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(st->row_cxt);
}

static void
NoRows(MaasDataset *ds, const char *purpose)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("source has no rows to %s", purpose),
			 errdetail(INT64_FORMAT " rows read, " INT64_FORMAT " skipped for a NULL target or feature.",
					   ds->rows_read, ds->rows_skipped)));
}

/* The target column, its kind, and the task it makes */
static void
ChooseTarget(LoadState *st, TupleDesc desc, const char *target,
			 const MaasAlgorithm *algorithm, int task_choice)
{
	MaasDataset *ds = st->ds;
	bool		is_array;
	bool		is_vector;

	st->target_attno = MaasRequireAttribute(desc, target, "target");
	st->target_typid = getBaseType(TupleDescAttr(desc, st->target_attno)->atttypid);
	st->target_kind = MaasKindOfType(st->target_typid, &is_array, &is_vector);
	if (st->target_kind == 0 || st->target_kind == MAAS_COL_TIMESTAMP ||
		st->target_kind == MAAS_COL_INTERVAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target \"%s\" is of type %s; it must be a number, a boolean or text",
						target, format_type_be(st->target_typid))));
	ds->task = MaasResolveTask(algorithm, task_choice, st->target_kind, target);
	st->classify = ds->task != MAAS_TASK_REGRESSION;
	ds->target.name = pstrdup(target);
	ds->target.kind = st->target_kind == MAAS_COL_NUMERIC || st->target_kind == MAAS_COL_BOOLEAN ?
		st->target_kind : MAAS_COL_CATEGORICAL;
	if (st->classify)
		MaasLabelsInit(&st->classes, st->cxt);
}

/*
 * Read the source for training: discover the encoding, split, impute.
 * folds (maas_tune): every row kept for training, and the fold of each
 * row into *fold_out.  Must run inside SPI_connect; results live in the
 * current memory context.
 */
static MaasDataset *
LoadTraining(const char *source, const char *target, const MaasAlgorithm *algorithm,
			 const MaasTrainOptions *options, const MaasFoldSpec *folds,
			 int **fold_out, int *n_folds, MaasProgress *progress)
{
	LoadState  *st = NewLoadState(LOAD_FIT, progress);
	MaasDataset *ds = st->ds;
	char	   *query = MaasSourceQuery(source);
	TupleDesc	desc;
	SPIPlanPtr	plan = MaasPrepareSource(query, &desc);

	/* unsupervised (a NULL target): no target column, y is all zeros */
	st->target_attno = -1;
	ds->task = MaasUnsupervisedTask(algorithm);
	ds->target.kind = MAAS_COL_NUMERIC;
	if (target != NULL)
		ChooseTarget(st, desc, target, algorithm, options->task);

	Assert(options->missing >= 0);	/* resolved by MaasResolveMissing */
	st->missing = options->missing;
	st->test_size = folds ? 0 : options->test_size;
	st->time_cyclical = options->time_encoding == 1;
	pg_prng_seed(&st->rng, (uint64) options->seed);
	if (folds == NULL)
		MaasSplitSetup(st, desc, &options->split);
	else if (folds->column != NULL)
	{
		MaasSplitColumn(st, desc, folds->column, "folds");
		/* an order needs every row's value; groups and fold values may be NULL */
		st->split_kind = folds->kind == MAAS_FOLDS_TIME ? MAAS_SPLIT_TIME : MAAS_SPLIT_GROUP;
	}

	MaasWeightColumn(st, desc, &options->sample_weight);

	ChooseColumns(st, query, desc, options);
	MaasLoadCheckTextColumns(st, algorithm, options, query);
	st->row = palloc(sizeof(double) * Max(st->raw_width, 1));
	st->codes = palloc(sizeof(int) * st->n_columns);
	st->plain = true;
	st->plain_attno = palloc(sizeof(int) * st->n_columns);
	st->plain_typid = palloc(sizeof(Oid) * st->n_columns);
	for (int c = 0; c < st->n_columns; c++)
	{
		st->plain_attno[c] = st->columns[c].attno;
		st->plain_typid[c] = st->columns[c].typid;
		st->plain &= IsPlainType(st->columns[c].typid) && st->columns[c].width == 1;
	}
	/* a text target allocates its label: the general path resets memory */
	if (st->plain && (!st->classify || st->target_kind != MAAS_COL_CATEGORICAL) &&
		(st->target_attno < 0 || IsPlainType(st->target_typid)))
		st->pub.receiveSlot = LoadReceivePlain;
	MaasLoadMatrixInit(&ds->train, st->raw_width + 1);
	MaasLoadMatrixInit(&ds->test, st->raw_width + 1);
	/* a split after the scan reads doubles, then makes the float rows */
	ds->single = algorithm->input == MAAS_INPUT_FLOAT_ROWS && !st->deferred;
	if (ds->single)
		MaasFloatRowsInit(&ds->train_rows, st->raw_width + 1);
	Presize(st, plan, st->deferred ? 0 : st->test_size);

	RunSource(st, plan);
	if (st->deferred)
		MaasSplitRows(st, algorithm->input == MAAS_INPUT_FLOAT_ROWS);

	if (MaasDatasetTrainRows(ds) == 0)
		NoRows(ds, "train on");
	ds->weights = st->weights;
	if (st->classify)
		MaasLoadFinishClasses(st);
	if (folds != NULL)
	{
		MaasFoldSpec spec = *folds;

		if (spec.kind == MAAS_FOLDS_PLAIN && spec.stratify && st->classify)
			spec.kind = MAAS_FOLDS_STRATIFIED;
		*fold_out = MemoryContextAllocHuge(CurrentMemoryContext,
										   sizeof(int) * ds->train.n_rows);
		*n_folds = MaasLoadFolds(st, &spec, *fold_out);
	}
	MaasLoadFinishColumns(st, options->max_categories);
	MaasLoadBuildPreprocess(st);
	MaasLoadProfile(st);		/* from the raw rows, before they are encoded */
	if (ds->single)
		MaasLoadEncodeFloatRows(st);
	else
		MaasLoadEncode(st, &ds->train);
	MaasLoadEncode(st, &ds->test);
	return ds;
}

MaasDataset *
MaasLoadForTraining(const char *source, const char *target,
					const MaasAlgorithm *algorithm, const MaasTrainOptions *options,
					MaasProgress *progress)
{
	return LoadTraining(source, target, algorithm, options, NULL, NULL, NULL, progress);
}

/*
 * Read the source once for cross-validation: every row into the train
 * matrix (doubles, whatever the algorithm reads), the encoding learned from
 * all rows, and each row's fold.  A document's vocabulary keeps every
 * token of every row: each fold picks its own num_words from its training
 * rows (MaasFoldTokens).  Returns the number of folds.
 */
int
MaasLoadForFolds(const char *source, const char *target, const MaasAlgorithm *algorithm,
				 const MaasTrainOptions *options, const MaasFoldSpec *folds,
				 MaasProgress *progress, MaasDataset **ds, int **fold)
{
	MaasAlgorithm dense = *algorithm;
	MaasTrainOptions every_word = *options;
	int			n_folds = 0;

	/* token sequences stay tokens: the input decides what a document is */
	if (dense.input == MAAS_INPUT_FLOAT_ROWS)
		dense.input = MAAS_INPUT_DENSE;
	every_word.num_words = 0;
	*ds = LoadTraining(source, target, &dense, &every_word, folds, fold, &n_folds, progress);
	if ((*ds)->train_tokens.start != NULL)
	{
		int			n_text;

		MaasTextColumn(&(*ds)->prep, &n_text)->tokenizer->num_words = options->num_words;
	}
	return n_folds;
}

int64
MaasDatasetTrainRows(const MaasDataset *ds)
{
	return ds->single ? ds->train_rows.n_rows : ds->train.n_rows;
}

/* ---- apply mode: encode with a model's spec (evaluation) ---- */

static bool
LoadReceiveApply(TupleTableSlot *slot, DestReceiver *self)
{
	LoadState  *st = (LoadState *) self;
	MaasDataset *ds = st->ds;
	const MaasModel *model = st->model;
	MemoryContext old;
	MaasMatrix *m = &ds->test;
	Datum		d;
	double		y;

	if (!BeginRow(st, slot))
		return true;
	MemoryContextReset(st->row_cxt);
	old = MemoryContextSwitchTo(st->row_cxt);
	MaasEncodeRow(model, st->binding, slot->tts_values, slot->tts_isnull, st->row);
	MaasLoadTextApplyRow(st);
	d = st->target_attno >= 0 ? slot->tts_values[st->target_attno] : (Datum) 0;
	if (st->target_attno < 0)
		y = 0;
	else if (model->task == MAAS_TASK_REGRESSION)
	{
		y = MaasDatumToDouble(d, st->target_typid);
		RejectNonFinite(y, model->target.name);
	}
	else
	{
		int			k = -1;

		if (model->target.kind == MAAS_COL_CATEGORICAL)
		{
			char	   *label = MaasDatumToLabel(d, st->target_typid);

			for (int c = 0; c < model->target.n_classes && k < 0; c++)
				if (strcmp(model->target.labels[c], label) == 0)
					k = c;
		}
		else
		{
			double		v = MaasDatumToDouble(d, st->target_typid);

			for (int c = 0; c < model->target.n_classes && k < 0; c++)
				if (model->target.values[c] == v)
					k = c;
		}
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("target value \"%s\" is not one of the model's classes",
							MaasDatumToLabel(d, st->target_typid)),
					 errhint("The model's classes are: %s.", MaasClassList(&model->target))));
		y = k;
	}
	MemoryContextSwitchTo(old);
	if (m->n_rows == m->ld)
		MaasLoadMatrixResize(st, m, Max(INITIAL_ROWS, m->ld * 2));
	StoreRow(st, m, st->row, model->n_features, y);
	return true;
}

/*
 * Read the source with a model's encoding, every row into ds->test, for
 * evaluation.  Must run inside SPI_connect; returns in the caller's memory
 * context (the rows themselves live until SPI_finish).
 */
MaasDataset *
MaasLoadForModel(const char *source, const MaasModel *model, MaasProgress *progress)
{
	MemoryContext caller = CurrentMemoryContext;
	LoadState  *st = NewLoadState(LOAD_APPLY, progress);
	MaasDataset *ds = st->ds;
	char	   *query = MaasSourceQuery(source);
	TupleDesc	desc;
	SPIPlanPtr	plan = MaasPrepareSource(query, &desc);

	st->target_attno = -1;
	if (model->target.name == NULL && !MaasTaskIsUnsupervised(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model does not name its target column"),
				 errhint("Models built by maas_fit have no target name; evaluate them with maas_predict in a query.")));
	st->pub.receiveSlot = LoadReceiveApply;
	st->model = model;
	if (model->target.name != NULL)
	{
		st->target_attno = MaasRequireAttribute(desc, model->target.name, "target");
		st->target_typid = getBaseType(TupleDescAttr(desc, st->target_attno)->atttypid);
	}
	st->binding = MaasBindTupleDesc(model, desc);
	if (st->target_attno >= 0)
	{
		bool		is_array;
		bool		is_vector;
		MaasColumnKind kind = MaasKindOfType(st->target_typid, &is_array, &is_vector);

		bool		numeric = kind == MAAS_COL_NUMERIC || kind == MAAS_COL_BOOLEAN;

		if (model->target.kind == MAAS_COL_CATEGORICAL ? kind != MAAS_COL_CATEGORICAL : !numeric)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("target \"%s\" is of type %s, which does not match the model's target",
							model->target.name, format_type_be(st->target_typid))));
	}
	st->row = palloc(sizeof(double) * Max(model->n_features, 1));
	ds->task = model->task;
	MaasLoadMatrixInit(&ds->train, model->n_features + 1);
	MaasLoadMatrixInit(&ds->test, model->n_features + 1);
	Presize(st, plan, 1.0);

	RunSource(st, plan);
	if (ds->test.n_rows == 0)
		NoRows(ds, "evaluate");
	/* SPI left its own context current, which SPI_finish frees */
	MemoryContextSwitchTo(caller);
	return ds;
}

