/*
 * profile.c
 *	  A model's training profile (profile.h says what it holds): built from
 *	  the training rows already in memory, read and written as the model
 *	  bytes' profile section, and compared with fresh rows by the population
 *	  stability index.
 *
 * Numeric and date columns get the numpy.quantile (linear) values at
 * 1/10 .. 9/10 of their non-NULL training values as edges, duplicates
 * dropped (a column of few distinct values gets fewer bins), and the share
 * of rows in each bin and of NULLs.  Text columns keep their 20 most
 * frequent categories (ties: the earlier in the vocabulary), the share of
 * every other value and of NULL.  Predictions: a regressor's values are
 * binned as a numeric column, a classifier's (or clustering's) predicted
 * class shares are kept.
 *
 * PSI = sum over bins of (a - e) * ln(a / e), a and e the actual and
 * expected shares, each raised to MAAS_PSI_EPSILON when smaller, so an
 * empty bin on one side counts as a large but finite shift.
 */
#include "postgres.h"

#include <math.h>

#include "core/evaluation.h"
#include "core/profile.h"

MaasProfile *
MaasProfileNew(int max_entries, int64 rows)
{
	MaasProfile *p = palloc0(sizeof(MaasProfile));

	p->rows = rows;
	p->entries = palloc0(sizeof(MaasProfileEntry) * Max(max_entries, 1));
	return p;
}

static MaasProfileEntry *
AddEntry(MaasProfile *p, MaasProfileKind kind, int column, int n_shares)
{
	MaasProfileEntry *e = &p->entries[p->n_entries++];

	e->kind = kind;
	e->column = column;
	e->n_shares = n_shares;
	e->shares = palloc0(sizeof(double) * Max(n_shares, 1));
	return e;
}

/* Counts -> shares of n */
static void
Normalize(MaasProfileEntry *e, int64 n)
{
	for (int b = 0; b < e->n_shares; b++)
		e->shares[b] = n > 0 ? e->shares[b] / n : 0;
}

/*
 * Quantile bins of n values (NaN: NULL), sorted in place; with_null: a
 * last share for the NULLs (input columns, not predictions)
 */
MaasProfileEntry *
MaasProfileQuantiles(MaasProfile *p, int column, MaasProfileKind kind, double *values,
					 int64 n, bool with_null)
{
	int64		m = 0;
	double		edges[MAAS_PROFILE_BINS - 1];
	int			n_edges = 0;
	MaasProfileEntry *e;

	/* predictions may overflow: only finite ones are binned */
	for (int64 i = 0; i < n; i++)
		if (with_null ? !isnan(values[i]) : isfinite(values[i]))
			values[m++] = values[i];
	if (m == 0 && !with_null)
		return NULL;
	qsort(values, m, sizeof(double), MaasCompareDoubles);
	for (int k = 1; k < MAAS_PROFILE_BINS && m > 0; k++)
	{
		double		q = MaasSortedQuantile(values, m, (double) k / MAAS_PROFILE_BINS);

		if (n_edges == 0 || q > edges[n_edges - 1])
			edges[n_edges++] = q;
	}
	e = AddEntry(p, kind, column, n_edges + 1 + (with_null ? 1 : 0));
	e->n_edges = n_edges;
	e->edges = palloc(sizeof(double) * Max(n_edges, 1));
	memcpy(e->edges, edges, sizeof(double) * n_edges);
	for (int64 i = 0; i < m; i++)
		e->shares[MaasProfileBin(e, values[i])]++;
	if (with_null)
		e->shares[n_edges + 1] = (double) (n - m);
	Normalize(e, with_null ? n : m);
	return e;
}

/* Most frequent first; ties: the earlier category */
static int
CompareCount(const void *a, const void *b, void *arg)
{
	const int64 *count = arg;
	int			i = *(const int *) a;
	int			j = *(const int *) b;

	if (count[i] != count[j])
		return count[i] > count[j] ? -1 : 1;
	return (i > j) - (i < j);
}

/* Category shares of n values: an index, -1 (another value) or NaN (NULL) */
MaasProfileEntry *
MaasProfileCategories(MaasProfile *p, int column, const double *index, int64 n,
					  int n_categories)
{
	int64	   *count = palloc0(sizeof(int64) * Max(n_categories, 1));
	int		   *order = palloc(sizeof(int) * Max(n_categories, 1));
	int			kept = 0;
	MaasProfileEntry *e;
	int		   *bins;

	for (int64 i = 0; i < n; i++)
		if (!isnan(index[i]) && index[i] >= 0)
			count[(int) index[i]]++;
	for (int k = 0; k < n_categories; k++)
		order[k] = k;
	qsort_arg(order, n_categories, sizeof(int), CompareCount, count);
	while (kept < Min(n_categories, MAAS_PROFILE_TOP) && count[order[kept]] > 0)
		kept++;
	e = AddEntry(p, MAAS_PROFILE_CATEGORY, column, kept + 2);
	e->n_labels = kept;
	e->labels = palloc(sizeof(int32) * Max(kept, 1));
	for (int k = 0; k < kept; k++)
		e->labels[k] = order[k];
	bins = MaasProfileCategoryBins(e, n_categories);
	for (int64 i = 0; i < n; i++)
		e->shares[isnan(index[i]) ? kept + 1 : index[i] < 0 ? kept : bins[(int) index[i]]]++;
	Normalize(e, n);
	pfree(count);
	pfree(order);
	pfree(bins);
	return e;
}

/* The predictions entry of a classifier or clustering: class shares */
MaasProfileEntry *
MaasProfileClasses(MaasProfile *p, const double *cls, int64 n, int n_classes)
{
	MaasProfileEntry *e = AddEntry(p, MAAS_PROFILE_CLASS, -1, n_classes);

	for (int64 i = 0; i < n; i++)
		e->shares[(int) cls[i]]++;
	Normalize(e, n);
	p->prediction = e;
	return e;
}

/* The bin of a value of a numeric, date or class entry (NaN: NULL's) */
int
MaasProfileBin(const MaasProfileEntry *e, double v)
{
	int			lo = 0;
	int			hi = e->n_edges;

	if (e->kind == MAAS_PROFILE_CLASS)
		return (int) v;
	if (isnan(v))
		return e->n_edges + 1;
	/* the number of edges below v */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (e->edges[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Per category index of the column, its bin in a category entry */
int *
MaasProfileCategoryBins(const MaasProfileEntry *e, int n_categories)
{
	int		   *bins = palloc(sizeof(int) * Max(n_categories, 1));

	for (int k = 0; k < n_categories; k++)
		bins[k] = e->n_labels;
	for (int k = 0; k < e->n_labels; k++)
		bins[e->labels[k]] = k;
	return bins;
}

double
MaasPsi(const double *expected, const double *actual, int n)
{
	double		psi = 0;

	for (int b = 0; b < n; b++)
	{
		double		e = Max(expected[b], MAAS_PSI_EPSILON);
		double		a = Max(actual[b], MAAS_PSI_EPSILON);

		psi += (a - e) * log(a / e);
	}
	return psi;
}

/* ---- bytes ---- */

/*
 * rows (a double), entry count (u32), then per entry: kind (u8), column (u32,
 * 0xFFFFFFFF for the predictions, last), edges (u32 count, doubles),
 * labels (u32 count, u32 each), shares (u32 count, doubles)
 */
void
MaasProfileWrite(StringInfo buf, const MaasProfile *p)
{
	MaasWriteDouble(buf, (double) p->rows);
	MaasWriteU32(buf, (uint32) p->n_entries);
	for (int i = 0; i < p->n_entries; i++)
	{
		const MaasProfileEntry *e = &p->entries[i];

		MaasWriteU8(buf, (uint8) e->kind);
		MaasWriteU32(buf, e->column < 0 ? PG_UINT32_MAX : (uint32) e->column);
		MaasWriteU32(buf, (uint32) e->n_edges);
		MaasWriteDoubles(buf, e->edges, e->n_edges);
		MaasWriteU32(buf, (uint32) e->n_labels);
		for (int k = 0; k < e->n_labels; k++)
			MaasWriteU32(buf, (uint32) e->labels[k]);
		MaasWriteU32(buf, (uint32) e->n_shares);
		MaasWriteDoubles(buf, e->shares, e->n_shares);
	}
}

/* The kind of entry a column of this kind gets; 0: none (arrays, documents) */
MaasProfileKind
MaasProfileKindOf(const MaasColumn *col)
{
	switch (col->kind)
	{
		case MAAS_COL_NUMERIC:
		case MAAS_COL_BOOLEAN:
		case MAAS_COL_INTERVAL:
			return MAAS_PROFILE_NUMERIC;
		case MAAS_COL_TIMESTAMP:
			return MAAS_PROFILE_DATE;
		case MAAS_COL_CATEGORICAL:
			return MAAS_PROFILE_CATEGORY;
		default:
			return 0;
	}
}

/* The shares an entry must have, from its kind and counts */
static int
SharesWanted(const MaasProfileEntry *e, const MaasModel *model)
{
	switch (e->kind)
	{
		case MAAS_PROFILE_NUMERIC:
		case MAAS_PROFILE_DATE:
			return e->n_edges + (e->column >= 0 ? 2 : 1);
		case MAAS_PROFILE_CATEGORY:
			return e->n_labels + 2;
		default:
			return model->n_outputs;
	}
}

static void
ReadEntry(MaasReader *r, MaasProfileEntry *e, const MaasModel *model, int last_column)
{
	uint8		kind = MaasReadU8(r);
	uint32		column = MaasReadU32(r);
	double		sum = 0;
	int			n_categories = 0;

	if (kind < MAAS_PROFILE_NUMERIC || kind > MAAS_PROFILE_CLASS)
		MaasReaderFail(r, "unknown entry kind %u", kind);
	e->kind = (MaasProfileKind) kind;
	e->column = column == PG_UINT32_MAX ? -1 : (int) Min(column, (uint32) INT_MAX);
	if (e->column >= 0)
	{
		/* columns in increasing order, each of its own kind */
		if (e->column >= model->prep.n_columns || e->column <= last_column)
			MaasReaderFail(r, "entry of column %u", column);
		if (MaasProfileKindOf(&model->prep.columns[e->column]) != e->kind ||
			model->prep.columns[e->column].width < 1 ||
			(e->kind != MAAS_PROFILE_CATEGORY && model->prep.columns[e->column].kind != MAAS_COL_TIMESTAMP &&
			 model->prep.columns[e->column].width != 1))
			MaasReaderFail(r, "entry of kind %u for column \"%s\"", kind,
						   model->prep.columns[e->column].name);
		n_categories = model->prep.columns[e->column].n_categories;
	}
	else if (kind == MAAS_PROFILE_CATEGORY || kind == MAAS_PROFILE_DATE ||
			 (kind == MAAS_PROFILE_NUMERIC) != (model->task == MAAS_TASK_REGRESSION) ||
			 (kind == MAAS_PROFILE_CLASS && !MaasTaskIsClassification(model->task) &&
			  model->task != MAAS_TASK_CLUSTERING))
		MaasReaderFail(r, "predictions entry of kind %u for a %s model", kind,
					   MaasTaskName(model->task));

	e->n_edges = MaasReadCount(r, e->kind == MAAS_PROFILE_CLASS || e->kind == MAAS_PROFILE_CATEGORY ?
							   0 : MAAS_PROFILE_MAX_EDGES, 8, "edge");
	e->edges = palloc(sizeof(double) * Max(e->n_edges, 1));
	MaasReadDoubles(r, e->edges, e->n_edges, true);
	for (int k = 1; k < e->n_edges; k++)
		if (e->edges[k] <= e->edges[k - 1])
			MaasReaderFail(r, "edges are not increasing");

	e->n_labels = MaasReadCount(r, e->kind == MAAS_PROFILE_CATEGORY ?
								Min(n_categories, MAAS_PROFILE_TOP) : 0, 4, "label");
	e->labels = palloc(sizeof(int32) * Max(e->n_labels, 1));
	for (int k = 0; k < e->n_labels; k++)
	{
		uint32		label = MaasReadU32(r);

		if (label >= (uint32) n_categories)
			MaasReaderFail(r, "category %u of %d", label, n_categories);
		e->labels[k] = (int32) label;
		for (int j = 0; j < k; j++)
			if (e->labels[j] == e->labels[k])
				MaasReaderFail(r, "category %u twice", label);
	}

	e->n_shares = MaasReadCount(r, MAAS_MAX_FEATURES + MAAS_PROFILE_MAX_EDGES, 8, "share");
	if (e->n_shares != SharesWanted(e, model))
		MaasReaderFail(r, "%d shares, %d expected", e->n_shares, SharesWanted(e, model));
	e->shares = palloc(sizeof(double) * e->n_shares);
	MaasReadDoubles(r, e->shares, e->n_shares, true);
	for (int b = 0; b < e->n_shares; b++)
	{
		if (e->shares[b] < 0 || e->shares[b] > 1)
			MaasReaderFail(r, "share %g outside [0, 1]", e->shares[b]);
		sum += e->shares[b];
	}
	if (fabs(sum - 1) > 1e-6)
		MaasReaderFail(r, "shares sum to %g, not 1", sum);
}

/* The profile section of model (its columns and task already read) */
MaasProfile *
MaasProfileRead(MaasReader *r, const MaasModel *model)
{
	double		rows = MaasReadFinite(r);
	/* an entry takes at least 17 bytes: kind, column, three counts */
	int			n = MaasReadCount(r, model->prep.n_columns + 1, 17, "profile entry");
	MaasProfile *p;
	int			last_column = -1;

	if (rows < 1 || rows > 1e15 || rows != floor(rows))
		MaasReaderFail(r, "%g rows profiled", rows);
	p = MaasProfileNew(n, (int64) rows);
	for (int i = 0; i < n; i++)
	{
		MaasProfileEntry *e = &p->entries[i];

		if (p->prediction != NULL)
			MaasReaderFail(r, "an entry after the predictions");
		ReadEntry(r, e, model, last_column);
		p->n_entries++;
		if (e->column < 0)
			p->prediction = e;
		else
			last_column = e->column;
	}
	return p;
}

/* What a prediction is binned by: the value, the class or the cluster */
double
MaasProfilePredicted(const MaasModel *model, const double *out)
{
	if (MaasTaskIsClassification(model->task))
		return (double) MaasArgmax(out, model->n_outputs);
	return MaasPredictValue(model, out);
}

/* The profile a model keeps, read and checked; NULL when it has none */
MaasProfile *
MaasModelProfile(const MaasModel *model)
{
	MaasReader	r;
	MaasProfile *p;

	if (model->profile == NULL)
		return NULL;
	MaasReaderInit(&r, model->profile, model->profile_len, "profile");
	p = MaasProfileRead(&r, model);
	if (r.pos != r.len)
		MaasReaderFail(&r, "%zu unread bytes", r.len - r.pos);
	return p;
}

