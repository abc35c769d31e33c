/*
 * profile.c
 *	  The data side of a model's profile (core/profile.h): the training
 *	  rows' profile, taken from the rows already read (no second scan), and
 *	  the same bins filled from a source for maas_drift, in one scan.
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/profile.h"
#include "data/data.h"
#include "data/load.h"

/*
 * raw value of column src in train row i (before encoding).  Rows kept in
 * single precision (an MLP's) give a number back at 7 significant digits,
 * so that a value of the data (4.5, not 4.4999998) becomes an edge and is
 * binned as serving bins it (epochs and intervals as they come back).
 */
static double
RawValue(const LoadState *st, const SourceColumn *src, int64 i)
{
	const MaasDataset *ds = st->ds;
	char		digits[32];
	double		v;

	if (!ds->single)
		return MaasMatrixColumn(&ds->train, src->raw_offset)[i];
	v = MaasFloatRowsValue(&ds->train_rows, i, src->raw_offset);
	if (!isfinite(v) || (src->kind != MAAS_COL_NUMERIC && src->kind != MAAS_COL_BOOLEAN))
		return v;
	snprintf(digits, sizeof(digits), "%.7g", v);
	return strtod(digits, NULL);
}

/*
 * The profile of the training rows' inputs, from their raw values still in
 * memory (numbers, epochs, category codes before the one-hot), at most
 * MAAS_PROFILE_SAMPLE rows spread evenly over them.  Called between
 * MaasLoadBuildPreprocess and the encoding.
 */
void
MaasLoadProfile(LoadState *st)
{
	MaasDataset *ds = st->ds;
	int64		n = ds->single ? ds->train_rows.n_rows : ds->train.n_rows;
	int64		s = Min(n, MAAS_PROFILE_SAMPLE);
	double	   *v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(s, 1));
	MaasProfile *p = MaasProfileNew(st->n_columns + 1, s);

	for (int c = 0; c < st->n_columns; c++)
	{
		const SourceColumn *src = &st->columns[c];
		const MaasColumn *col = &ds->prep.columns[c];
		MaasProfileKind kind = MaasProfileKindOf(col);

		if (kind == 0 || (kind != MAAS_PROFILE_CATEGORY && src->width != 1))
			continue;
		CHECK_FOR_INTERRUPTS();
		for (int64 j = 0; j < s; j++)
		{
			double		x = RawValue(st, src, n == s ? j : (int64) ((double) j * n / s));

			/* a text value's code -> its category index, -1 for one not kept */
			if (kind == MAAS_PROFILE_CATEGORY && !isnan(x))
				x = src->remap[(int) x];
			v[j] = x;
		}
		if (kind == MAAS_PROFILE_CATEGORY)
			MaasProfileCategories(p, c, v, s, col->n_categories);
		else
			MaasProfileQuantiles(p, c, kind, v, s, true);
	}
	pfree(v);
	ds->profile = p;
}

/* ---- a source binned with a model's profile (maas_drift) ---- */

#define DRIFT_BATCH		1024	/* rows predicted at once */

typedef struct DriftState
{
	DestReceiver pub;
	const MaasModel *model;
	const MaasProfile *profile;
	MaasProfile *actual;		/* counts, then shares */
	MaasBinding *binding;
	int		  **category_bins;	/* per entry: category index -> bin */
	MemoryContext row_cxt;
	double	   *x;				/* one encoded row */
	MaasMatrix	batch;			/* rows waiting for their predictions */
	int64		predicted;		/* finite predictions binned */
	MaasProgress *progress;
} DriftState;

static void
DriftStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
DriftShutdown(DestReceiver *self)
{
}

/* Predict the waiting rows and count their predictions' bins */
static void
FlushBatch(DriftState *st)
{
	const MaasProfileEntry *e = st->profile->prediction;
	MaasProfileEntry *a = st->actual->prediction;
	MemoryContext old;
	double	   *out;

	if (st->batch.n_rows == 0)
		return;
	old = MemoryContextSwitchTo(st->row_cxt);
	out = MaasPredictRows(st->model, &st->batch, st->model->n_features);
	for (int64 i = 0; i < st->batch.n_rows; i++)
	{
		double		v = MaasProfilePredicted(st->model, out + i * st->model->n_outputs);

		/* an overflowing regressor's value has no bin (nor had it in training) */
		if (!isfinite(v))
			continue;
		a->shares[MaasProfileBin(e, v)]++;
		st->predicted++;
	}
	st->batch.n_rows = 0;
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->row_cxt);
}

static bool
DriftReceive(TupleTableSlot *slot, DestReceiver *self)
{
	DriftState *st = (DriftState *) self;
	const MaasModel *model = st->model;
	MemoryContext old;

	slot_getallattrs(slot);
	st->actual->rows++;
	if ((st->actual->rows & 1023) == 0)
		MaasProgressRows(st->progress, st->actual->rows);
	old = MemoryContextSwitchTo(st->row_cxt);
	MaasEncodeRow(model, st->binding, slot->tts_values, slot->tts_isnull, st->x);
	for (int i = 0; i < st->profile->n_entries; i++)
	{
		const MaasProfileEntry *e = &st->profile->entries[i];
		const MaasColumn *col;
		int			a;
		int			bin;

		if (e->column < 0)
			continue;
		col = &model->prep.columns[e->column];
		a = st->binding->attno[e->column];
		if (slot->tts_isnull[a])
			bin = e->n_shares - 1;
		else if (e->kind == MAAS_PROFILE_CATEGORY)
		{
			int			len;
			const char *label = MaasDatumText(slot->tts_values[a], st->binding->typid[e->column],
											  &len);
			int			k = MaasCategoryIndex(col, label, len);

			bin = k < 0 ? e->n_labels : st->category_bins[i][k];
		}
		else					/* the value, or a timestamp's epoch: feature 0 */
			bin = MaasProfileBin(e, st->x[col->offset]);
		st->actual->entries[i].shares[bin]++;
	}
	MemoryContextSwitchTo(old);
	if (st->profile->prediction != NULL)
	{
		int64		r = st->batch.n_rows++;

		for (int j = 0; j < model->n_features; j++)
			MaasMatrixColumn(&st->batch, j)[r] = st->x[j];
		if (st->batch.n_rows == DRIFT_BATCH)
			FlushBatch(st);
	}
	else
		MemoryContextReset(st->row_cxt);
	return true;
}

/*
 * Read source once with model's encoding and bin every row (its inputs
 * and its prediction) with the model's profile: a profile of the same
 * bins holding the source's shares.  Must run inside SPI_connect.
 */
MaasProfile *
MaasLoadDrift(const char *source, const MaasModel *model, const MaasProfile *profile,
			  MaasProgress *progress)
{
	DriftState *st = palloc0(sizeof(DriftState));
	char	   *query = MaasSourceQuery(source);
	TupleDesc	desc;
	SPIPlanPtr	plan = MaasPrepareSource(query, &desc);
	SPIExecuteOptions options;
	int			rc;

	st->pub.receiveSlot = DriftReceive;
	st->pub.rStartup = DriftStartup;
	st->pub.rShutdown = DriftShutdown;
	st->pub.rDestroy = DriftShutdown;
	st->pub.mydest = DestNone;
	st->model = model;
	st->profile = profile;
	st->progress = progress;
	st->binding = MaasBindTupleDesc(model, desc);
	st->x = palloc0(sizeof(double) * Max(model->n_features, 1));
	st->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "maas drift row",
										ALLOCSET_DEFAULT_SIZES);
	st->actual = MaasProfileNew(profile->n_entries, 0);
	st->category_bins = palloc0(sizeof(int *) * Max(profile->n_entries, 1));
	for (int i = 0; i < profile->n_entries; i++)
	{
		const MaasProfileEntry *e = &profile->entries[i];
		MaasProfileEntry *a = &st->actual->entries[i];

		*a = *e;
		a->shares = palloc0(sizeof(double) * e->n_shares);
		if (e->kind == MAAS_PROFILE_CATEGORY)
			st->category_bins[i] = MaasProfileCategoryBins(e,
														   model->prep.columns[e->column].n_categories);
		if (e->column < 0)
			st->actual->prediction = a;
	}
	st->actual->n_entries = profile->n_entries;
	if (profile->prediction != NULL)
	{
		st->batch.n_cols = model->n_features;
		st->batch.ld = DRIFT_BATCH;
		st->batch.data = palloc(sizeof(double) * DRIFT_BATCH * Max(model->n_features, 1));
	}

	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = (DestReceiver *) st;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "source query failed: %s", SPI_result_code_string(rc));
	if (profile->prediction != NULL)
		FlushBatch(st);
	if (st->actual->rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("source has no rows to compare with the model's profile")));
	for (int i = 0; i < st->actual->n_entries; i++)
	{
		MaasProfileEntry *a = &st->actual->entries[i];

		int64		n = a->column < 0 ? st->predicted : st->actual->rows;

		for (int b = 0; b < a->n_shares; b++)
			a->shares[b] = n > 0 ? a->shares[b] / n : 0;
	}
	MemoryContextDelete(st->row_cxt);
	return st->actual;
}
