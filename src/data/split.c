/*
 * split.c
 *	  The held-out rows of maas_train when they cannot be drawn as rows
 *	  arrive: stratified (each class keeps its share), by time (the latest
 *	  rows by a sortable column) and by group (whole groups on one side).
 *
 * The random split (the default) draws each row as it arrives (dataset.c)
 * and is untouched here.  The others need every row first: the scan puts
 * all rows into the train matrix and keeps each row's split key (the order
 * or group value); once the scan is done the held-out rows move to the
 * test matrix, the train rows keep their arrival order, and the counts
 * the vocabulary and the classes are built from are counted again over the
 * train rows only, so nothing of the held-out rows leaks into the encoding.
 *
 * The rows' sample weights (params "sample_weight") are kept here too, a
 * double per train row, and follow the rows through the split.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "data/load.h"

/* The column whose values split the rows: checked to have a sort order */
void
MaasSplitColumn(LoadState *st, TupleDesc desc, const char *column, const char *role)
{
	Form_pg_attribute att;
	TypeCacheEntry *type;

	st->split_attno = MaasRequireAttribute(desc, column, role);
	if (st->split_attno == st->target_attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" is the target; it cannot also be the %s column",
						column, role)));
	att = TupleDescAttr(desc, st->split_attno);
	st->split_typid = att->atttypid;
	st->split_collation = att->attcollation;
	get_typlenbyval(att->atttypid, &st->split_typlen, &st->split_byval);
	type = lookup_type_cache(att->atttypid, TYPECACHE_CMP_PROC_FINFO);
	if (!OidIsValid(type->cmp_proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s column \"%s\" is of type %s, which has no sort order",
						role, column, format_type_be(att->atttypid)),
				 errhint("Use a column with an ordering (a timestamp, a number, text), or cast it in the source query.")));
	st->split_cmp = &type->cmp_proc_finfo;
	st->keep_keys = true;
}

/*
 * Set up a split from options before the scan: the split column, its sort
 * order, and whether the rows are split after the scan (st->deferred).
 */
void
MaasSplitSetup(LoadState *st, TupleDesc desc, const MaasSplit *split)
{
	st->split_kind = split->kind < 0 ? MAAS_SPLIT_RANDOM : split->kind;
	if (st->split_kind == MAAS_SPLIT_STRATIFIED && !st->classify)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("split \"stratified\" needs a classification target"),
				 errhint("Use split {\"order_by\": column}, {\"group_by\": column} or the random split for regression.")));
	if (split->column != NULL)
		MaasSplitColumn(st, desc, split->column,
						st->split_kind == MAAS_SPLIT_TIME ? "split order_by" : "split group_by");
	st->deferred = st->split_kind != MAAS_SPLIT_RANDOM && st->test_size > 0;
	st->keep_keys &= st->deferred;
}

/* Keep the split key of the row just stored (a deferred split's scan) */
void
MaasSplitKeep(LoadState *st, TupleTableSlot *slot)
{
	int64		i = st->n_keys;

	if (i == st->keys_cap)
	{
		int64		cap = Max(INITIAL_ROWS, st->keys_cap * 2);
		Size		bytes = mul_size(cap, sizeof(Datum) + sizeof(bool));

		MaasCheckDataMemory(add_size(st->bytes, bytes), "training data");
		if (st->keys == NULL)
		{
			st->keys = MemoryContextAllocHuge(st->cxt, cap * sizeof(Datum));
			st->key_null = MemoryContextAllocHuge(st->cxt, cap * sizeof(bool));
		}
		else
		{
			st->keys = repalloc_huge(st->keys, cap * sizeof(Datum));
			st->key_null = repalloc_huge(st->key_null, cap * sizeof(bool));
		}
		st->bytes += (cap - st->keys_cap) * (sizeof(Datum) + sizeof(bool));
		st->keys_cap = cap;
	}
	st->key_null[i] = slot->tts_isnull[st->split_attno];
	if (st->key_null[i] && st->split_kind == MAAS_SPLIT_TIME)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("split column \"%s\" is NULL in row " INT64_FORMAT,
						NameStr(TupleDescAttr(slot->tts_tupleDescriptor, st->split_attno)->attname),
						st->ds->rows_read),
				 errhint("Ordering by time needs every row's time; leave such rows out in the source query.")));
	if (st->key_null[i])
		st->keys[i] = (Datum) 0;
	else
	{
		/* kept past the scan: a copy in the load's context, detoasted */
		MemoryContext caller = MemoryContextSwitchTo(st->cxt);
		Datum		d = slot->tts_values[st->split_attno];

		if (st->split_typlen == -1)
			st->keys[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(d));
		else
			st->keys[i] = datumCopy(d, st->split_byval, st->split_typlen);
		MemoryContextSwitchTo(caller);
	}
	st->n_keys++;
}

/* Whether rows i and j have the same key (NULLs are one group) */
static bool
SameKey(LoadState *st, int64 i, int64 j)
{
	if (st->key_null[i] || st->key_null[j])
		return st->key_null[i] && st->key_null[j];
	return DatumGetInt32(FunctionCall2Coll(st->split_cmp, st->split_collation,
										   st->keys[i], st->keys[j])) == 0;
}

/* Rows by key, NULLs last, ties in arrival order */
static int
CompareKeys(const void *a, const void *b, void *arg)
{
	LoadState  *st = arg;
	int64		i = *(const int64 *) a;
	int64		j = *(const int64 *) b;
	int			c;

	if (st->key_null[i] || st->key_null[j])
		c = (int) st->key_null[i] - (int) st->key_null[j];
	else
		c = DatumGetInt32(FunctionCall2Coll(st->split_cmp, st->split_collation,
											st->keys[i], st->keys[j]));
	if (c != 0)
		return c;
	return i < j ? -1 : i > j ? 1 : 0;
}

static int64 *
SortedRows(LoadState *st, int64 n)
{
	int64	   *order = palloc(sizeof(int64) * n);

	for (int64 i = 0; i < n; i++)
		order[i] = i;
	CHECK_FOR_INTERRUPTS();
	qsort_arg(order, n, sizeof(int64), CompareKeys, st);
	return order;
}

static int64
HeldOut(double test_size, int64 n, const char *what)
{
	int64		n_test = (int64) ceil(test_size * n);

	if (n_test >= n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("test_size %g holds out all " INT64_FORMAT " %s", test_size, n, what),
				 errhint("Lower test_size, or train on more rows.")));
	return n_test;
}

/* Fisher-Yates over a[0..n) */
static void
Shuffle(pg_prng_state *rng, int64 *a, int64 n)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) pg_prng_uint64_range(rng, 0, (uint64) i);
		int64		t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* The latest ceil(test_size * n) rows by the order column */
static void
TimeSplit(LoadState *st, int64 n, bool *is_test)
{
	int64	   *order = SortedRows(st, n);
	int64		n_test = HeldOut(st->test_size, n, "rows");

	for (int64 k = n - n_test; k < n; k++)
		is_test[order[k]] = true;
}

/* ceil(test_size * groups) whole groups, drawn with the seed */
static void
GroupSplit(LoadState *st, int64 n, bool *is_test)
{
	int64	   *order = SortedRows(st, n);
	int64	   *group = palloc(sizeof(int64) * n);
	int64	   *perm;
	bool	   *test_group;
	int64		n_groups = 0;
	int64		n_test;

	for (int64 k = 0; k < n; k++)
	{
		if (k == 0 || !SameKey(st, order[k - 1], order[k]))
			n_groups++;
		group[order[k]] = n_groups - 1;
	}
	n_test = HeldOut(st->test_size, n_groups, "groups");
	if (n_test == 0)
		n_test = 1;
	perm = palloc(sizeof(int64) * n_groups);
	test_group = palloc0(sizeof(bool) * n_groups);
	for (int64 g = 0; g < n_groups; g++)
		perm[g] = g;
	Shuffle(&st->rng, perm, n_groups);
	for (int64 g = 0; g < n_test; g++)
		test_group[perm[g]] = true;
	for (int64 i = 0; i < n; i++)
		is_test[i] = test_group[group[i]];
}

/*
 * ceil(test_size * n) rows, each class's share in proportion to its rows
 * (floors, then the largest remainders, ties to the larger class, then the
 * earlier one), the rows of a class drawn with the seed
 */
static void
StratifiedSplit(LoadState *st, int64 n, bool *is_test)
{
	int			n_classes = st->classes.n;
	const double *y = MaasMatrixColumn(&st->ds->train, st->ds->train.n_cols - 1);
	int64	   *count = palloc0(sizeof(int64) * n_classes);
	int64	   *take = palloc0(sizeof(int64) * n_classes);
	double	   *rest = palloc(sizeof(double) * n_classes);
	int64		n_test = HeldOut(st->test_size, n, "rows");
	int64		given = 0;
	int64	   *rows = palloc(sizeof(int64) * n);

	for (int64 i = 0; i < n; i++)
		count[(int) y[i]]++;
	for (int k = 0; k < n_classes; k++)
	{
		double		share = (double) n_test * count[k] / n;

		take[k] = (int64) floor(share);
		rest[k] = share - take[k];
		given += take[k];
	}
	while (given < n_test)
	{
		int			best = -1;

		for (int k = 0; k < n_classes; k++)
			if (take[k] < count[k] &&
				(best < 0 || rest[k] > rest[best] ||
				 (rest[k] == rest[best] && count[k] > count[best])))
				best = k;
		take[best]++;
		rest[best] = -1;
		given++;
	}
	for (int k = 0; k < n_classes; k++)
	{
		int64		m = 0;

		for (int64 i = 0; i < n; i++)
			if ((int) y[i] == k)
				rows[m++] = i;
		Shuffle(&st->rng, rows, m);
		for (int64 t = 0; t < take[k]; t++)
			is_test[rows[t]] = true;
	}
}

/* Count the categories and classes of the train rows again */
static void
Recount(LoadState *st)
{
	const MaasMatrix *train = &st->ds->train;

	if (st->classify)
	{
		const double *y = MaasMatrixColumn(train, train->n_cols - 1);

		memset(st->classes.train_count, 0, sizeof(int64) * st->classes.n);
		for (int64 i = 0; i < train->n_rows; i++)
			st->classes.train_count[(int) y[i]]++;
	}
	for (int c = 0; c < st->n_columns; c++)
	{
		SourceColumn *col = &st->columns[c];
		const double *x = MaasMatrixColumn(train, col->raw_offset);

		if (col->kind != MAAS_COL_CATEGORICAL)
			continue;
		memset(col->labels.train_count, 0, sizeof(int64) * col->labels.n);
		for (int64 i = 0; i < train->n_rows; i++)
			if (!isnan(x[i]))
				col->labels.train_count[(int) x[i]]++;
	}
}

/*
 * After a deferred split's scan: choose the held-out rows, move them to
 * the test matrix, recount, and turn the train rows into float rows for an
 * algorithm that reads those (the scan read them as doubles).
 */
void
MaasSplitRows(LoadState *st, bool single)
{
	MaasDataset *ds = st->ds;
	MaasMatrix *train = &ds->train;
	MaasMatrix *test = &ds->test;
	int64		n = train->n_rows;
	bool	   *is_test;
	int64		n_test = 0;

	Assert(st->deferred);
	if (n == 0)
		return;
	is_test = palloc0(sizeof(bool) * n);
	if (st->split_kind == MAAS_SPLIT_TIME)
		TimeSplit(st, n, is_test);
	else if (st->split_kind == MAAS_SPLIT_GROUP)
		GroupSplit(st, n, is_test);
	else
		StratifiedSplit(st, n, is_test);
	for (int64 i = 0; i < n; i++)
		n_test += is_test[i];
	if (n_test > 0)
		MaasLoadMatrixResize(st, test, n_test);
	for (int j = 0; j < train->n_cols; j++)
	{
		double	   *from = MaasMatrixColumn(train, j);
		double	   *to = MaasMatrixColumn(test, j);
		int64		kept = 0;
		int64		held = 0;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
		{
			if (is_test[i])
				to[held++] = from[i];
			else
				from[kept++] = from[i];
		}
	}
	test->n_rows = n_test;
	train->n_rows = n - n_test;
	if (st->weights != NULL)
	{
		int64		kept = 0;

		for (int64 i = 0; i < n; i++)
			if (!is_test[i])
				st->weights[kept++] = st->weights[i];
		st->n_weights = kept;
	}
	MaasLoadTextSplit(st, is_test);
	Recount(st);

	if (single)
	{
		Size		bytes = mul_size(mul_size(Max(train->n_rows, 1), train->n_cols), sizeof(float));

		MaasCheckDataMemory(add_size(st->bytes, bytes), "training data");
		MaasFloatRowsFromMatrix(train, &ds->train_rows);
		st->bytes -= (Size) train->ld * train->n_cols * sizeof(double);
		st->bytes += bytes;
		ds->memory_bytes = Max(ds->memory_bytes, st->bytes);
		pfree(train->data);
		MaasLoadMatrixInit(train, train->n_cols);
		ds->single = true;
	}
}

/* ---- cross-validation folds (maas_tune) ---- */

static void
TooManyFolds(int k, int64 n, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%d folds need at least %d %s, the source has " INT64_FORMAT,
					k, k, what, n),
			 errhint("Use fewer folds (search {\"folds\": %d}), or more rows.", (int) Max(2, Min(n, 5)))));
}

/* KFold without shuffling: k contiguous blocks in arrival order */
static void
PlainFolds(int k, int64 n, int *fold)
{
	int64		i = 0;

	if (n < k)
		TooManyFolds(k, n, "rows");
	for (int f = 0; f < k; f++)
	{
		int64		size = n / k + (f < n % k ? 1 : 0);

		for (int64 r = 0; r < size; r++)
			fold[i++] = f;
	}
}

/*
 * StratifiedKFold without shuffling, as scikit-learn makes it: the classes
 * sorted, every k-th label of that order counts toward a fold, and each
 * class's rows in arrival order fill its folds one after another
 */
static void
StratifiedFolds(LoadState *st, int k, int64 n, int *fold)
{
	int			n_classes = st->classes.n;
	const double *y = MaasMatrixColumn(&st->ds->train, st->ds->train.n_cols - 1);
	int64	   *count = palloc0(sizeof(int64) * n_classes);
	int64	   *alloc = palloc0(sizeof(int64) * n_classes * k);
	int64	   *next = palloc0(sizeof(int64) * n_classes);
	int64	   *filled = palloc0(sizeof(int64) * n_classes);
	int64		start = 0;

	for (int64 i = 0; i < n; i++)
		count[(int) y[i]]++;
	for (int c = 0; c < n_classes; c++)
		if (count[c] < k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%d stratified folds need at least %d rows of each class, class \"%s\" has " INT64_FORMAT,
							k, k, st->ds->target.labels[c], count[c]),
					 errhint("Use fewer folds, or search {\"folds\": {\"k\": %d, \"stratified\": false}}.", k)));
	for (int c = 0; c < n_classes; c++)
	{
		for (int64 p = start; p < start + count[c]; p++)
			alloc[(p % k) * n_classes + c]++;
		start += count[c];
	}
	for (int64 i = 0; i < n; i++)
	{
		int			c = (int) y[i];

		while (filled[c] == alloc[next[c] * n_classes + c])
		{
			next[c]++;
			filled[c] = 0;
		}
		fold[i] = (int) next[c];
		filled[c]++;
	}
}

/*
 * GroupKFold: the groups (in sorted order) by size, largest first (ties:
 * the later group first, as scikit-learn's reversed argsort), each into the
 * fold with the fewest rows so far
 */
static int64 *
GroupOf(LoadState *st, int64 n, int64 *n_groups, int64 **size)
{
	int64	   *order = SortedRows(st, n);
	int64	   *group = palloc(sizeof(int64) * n);

	*n_groups = 0;
	for (int64 r = 0; r < n; r++)
	{
		if (r == 0 || !SameKey(st, order[r - 1], order[r]))
			(*n_groups)++;
		group[order[r]] = *n_groups - 1;
	}
	*size = palloc0(sizeof(int64) * Max(*n_groups, 1));
	for (int64 i = 0; i < n; i++)
		(*size)[group[i]]++;
	return group;
}

static void
GroupFolds(LoadState *st, int k, int64 n, int *fold)
{
	int64		n_groups;
	int64	   *size;
	int64	   *group = GroupOf(st, n, &n_groups, &size);
	int64	   *by_size = palloc(sizeof(int64) * n_groups);
	int64	   *weight = palloc0(sizeof(int64) * k);
	int		   *group_fold = palloc(sizeof(int) * n_groups);

	if (n_groups < k)
		TooManyFolds(k, n_groups, "groups");
	/* stable ascending by size, then walked backwards */
	for (int64 g = 0; g < n_groups; g++)
	{
		int64		j = g;

		while (j > 0 && size[by_size[j - 1]] > size[g])
		{
			by_size[j] = by_size[j - 1];
			j--;
		}
		by_size[j] = g;
		if ((g & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (int64 r = n_groups - 1; r >= 0; r--)
	{
		int			lightest = 0;

		for (int f = 1; f < k; f++)
			if (weight[f] < weight[lightest])
				lightest = f;
		weight[lightest] += size[by_size[r]];
		group_fold[by_size[r]] = lightest;
	}
	for (int64 i = 0; i < n; i++)
		fold[i] = group_fold[group[i]];
}

/* One fold per distinct value of the fold column, in sorted order */
static int
ColumnFolds(LoadState *st, int64 n, int *fold)
{
	int64		n_groups;
	int64	   *size;
	int64	   *group = GroupOf(st, n, &n_groups, &size);

	if (n_groups < 2 || n_groups > MAAS_MAX_FOLDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fold column has " INT64_FORMAT " distinct values; cross-validation needs 2 to %d folds",
						n_groups, MAAS_MAX_FOLDS)));
	for (int64 i = 0; i < n; i++)
		fold[i] = (int) group[i];
	return (int) n_groups;
}

/*
 * Forward chaining (TimeSeriesSplit): rows by the order column in k + 1
 * blocks of n / (k + 1), the first taking the remainder; fold f tests
 * block f + 1 and trains on the blocks before it.  The first block's rows
 * get -1 (always trained on); a row of fold f is trained on by folds after f.
 */
static void
TimeFolds(LoadState *st, int k, int64 n, int *fold)
{
	int64	   *order = SortedRows(st, n);
	int64		size = n / (k + 1);
	int64		first = n - size * k;

	if (size < 1)
		TooManyFolds(k + 1, n, "rows (forward chaining tests k blocks after a first one)");
	for (int64 r = 0; r < n; r++)
		fold[order[r]] = r < first ? -1 : (int) ((r - first) / size);
}

/* The fold of each loaded row; returns the number of folds */
int
MaasLoadFolds(LoadState *st, const MaasFoldSpec *spec, int *fold)
{
	int64		n = st->ds->train.n_rows;

	switch (spec->kind)
	{
		case MAAS_FOLDS_PLAIN:
			PlainFolds(spec->k, n, fold);
			return spec->k;
		case MAAS_FOLDS_STRATIFIED:
			if (n < spec->k)
				TooManyFolds(spec->k, n, "rows");
			StratifiedFolds(st, spec->k, n, fold);
			return spec->k;
		case MAAS_FOLDS_GROUP:
			GroupFolds(st, spec->k, n, fold);
			return spec->k;
		case MAAS_FOLDS_TIME:
			TimeFolds(st, spec->k, n, fold);
			return spec->k;
		case MAAS_FOLDS_COLUMN:
			return ColumnFolds(st, n, fold);
	}
	return 0;
}

/* ---- sample weights ---- */

/* The weight column: numeric, not the target, not a feature */
void
MaasWeightColumn(LoadState *st, TupleDesc desc, const MaasNames *column)
{
	bool		is_array;
	bool		is_vector;
	MaasColumnKind kind;

	st->weight_attno = -1;
	if (column->names == NULL)
		return;
	if (column->n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"sample_weight\" names one column"),
				 errhint("For example: {\"sample_weight\": \"weight\"}.")));
	st->weight_attno = MaasRequireAttribute(desc, column->names[0], "sample_weight");
	if (st->weight_attno == st->target_attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" is the target; it cannot also be the sample_weight",
						column->names[0])));
	st->weight_typid = getBaseType(TupleDescAttr(desc, st->weight_attno)->atttypid);
	kind = MaasKindOfType(st->weight_typid, &is_array, &is_vector);
	if (kind != MAAS_COL_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("sample_weight column \"%s\" is of type %s; it must be a number",
						column->names[0], format_type_be(st->weight_typid))));
}

/* Check the weight of the row just read; keep it when the row is trained on */
void
MaasKeepWeight(LoadState *st, TupleTableSlot *slot, bool keep)
{
	const char *name = NameStr(TupleDescAttr(slot->tts_tupleDescriptor, st->weight_attno)->attname);
	double		w;

	if (slot->tts_isnull[st->weight_attno])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sample_weight column \"%s\" is NULL in row " INT64_FORMAT,
						name, st->ds->rows_read),
				 errhint("Give every row a weight, e.g. coalesce(%s, 1) in the source query.", name)));
	w = MaasDatumToDouble(slot->tts_values[st->weight_attno], st->weight_typid);
	if (!(w >= 0) || isinf(w))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sample_weight column \"%s\" is %g in row " INT64_FORMAT "; weights must be finite and not negative",
						name, w, st->ds->rows_read)));
	if (!keep)
		return;
	if (st->n_weights == st->weights_cap)
	{
		int64		cap = Max(INITIAL_ROWS, st->weights_cap * 2);

		MaasCheckDataMemory(add_size(st->bytes, mul_size(cap - st->weights_cap, sizeof(double))),
							"training data");
		st->weights = st->weights == NULL ?
			MemoryContextAllocHuge(st->cxt, cap * sizeof(double)) :
			repalloc_huge(st->weights, cap * sizeof(double));
		st->bytes += (cap - st->weights_cap) * sizeof(double);
		st->weights_cap = cap;
	}
	st->weights[st->n_weights++] = w;
}
