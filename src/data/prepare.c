/*
 * prepare.c
 *	  The matrices of a read, and what follows the scan: the classes in
 *	  sorted order, each column's vocabulary and imputation values from the
 *	  training rows, the preprocessing spec, and the encoding of the raw
 *	  matrix through the encoder serving uses.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "data/load.h"

void
MaasLoadMatrixResize(LoadState *st, MaasMatrix *m, int64 rows)
{
	Size		bytes = mul_size(mul_size(rows, m->n_cols), sizeof(double));
	Size		old_bytes = (Size) m->ld * m->n_cols * sizeof(double);
	double	   *data;

	MaasCheckDataMemory(add_size(st->bytes, bytes), "training data");
	st->ds->memory_bytes = Max(st->ds->memory_bytes, st->bytes + bytes);
	data = MemoryContextAllocHuge(st->cxt, bytes);
	for (int j = 0; j < m->n_cols && m->n_rows > 0; j++)
		memcpy(data + j * rows, m->data + j * m->ld, sizeof(double) * m->n_rows);
	if (m->data)
		pfree(m->data);
	st->bytes = st->bytes - old_bytes + bytes;
	m->data = data;
	m->ld = rows;
}

void
MaasLoadMatrixInit(MaasMatrix *m, int n_cols)
{
	m->n_rows = 0;
	m->ld = 0;
	m->n_cols = n_cols;
	m->data = NULL;
}

/* ---- after the scan ---- */

/* Number the classes in sorted order and recode the target columns */
void
MaasLoadFinishClasses(LoadState *st)
{
	MaasDataset *ds = st->ds;
	MaasLabels   *m = &st->classes;
	int		   *rank = palloc(sizeof(int) * Max(m->n, 1));
	double	   *values = NULL;
	MaasMatrix *parts[2] = {&ds->train, &ds->test};

	if (st->target_kind != MAAS_COL_CATEGORICAL)
	{
		values = palloc(sizeof(double) * Max(m->n, 1));
		for (int k = 0; k < m->n; k++)
			memcpy(&values[k], m->data[k], sizeof(double));
	}
	MaasTargetClasses(&ds->target, m->n, m->data, values, rank);
	if (ds->single)
	{
		MaasFloatRows *f = &ds->train_rows;
		int			j = f->n_cols - 1;
		double		origin = f->origin[j];

		f->origin[j] = 0;
		for (int64 i = 0; i < f->n_rows; i++)
			MaasFloatRow(f, i)[j] = rank[(int) (MaasFloatRow(f, i)[j] + origin)];
	}
	for (int p = 0; p < 2; p++)
	{
		double	   *y = MaasMatrixColumn(parts[p], parts[p]->n_cols - 1);

		for (int64 i = 0; i < parts[p]->n_rows; i++)
			y[i] = rank[(int) y[i]];
	}
	ds->task = m->n == 2 ? MAAS_TASK_BINARY : MAAS_TASK_MULTICLASS;
}

static void
NoValues(const char *column)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("column \"%s\" has only NULLs in the training rows", column),
			 errhint("Exclude it with params {\"exclude\": [\"%s\"]}.", column)));
}

/* Vocabulary, mode and imputation values of each column, from train rows */
void
MaasLoadFinishColumns(LoadState *st, int max_categories)
{
	MaasMatrix *train = &st->ds->train;

	for (int c = 0; c < st->n_columns; c++)
	{
		SourceColumn *col = &st->columns[c];

		if (col->kind == MAAS_COL_TEXT)
			MaasLoadFinishText(st, col);
		else if (col->kind == MAAS_COL_CATEGORICAL)
		{
			MaasLabels   *m = &col->labels;
			int		   *order = palloc(sizeof(int) * Max(m->n, 1));
			int			kept = 0;

			for (int k = 0; k < m->n; k++)
				if (m->train_count[k] > 0)
					order[kept++] = k;
			if (kept == 0)
				NoValues(col->name);
			qsort_arg(order, kept, sizeof(int), MaasCompareLabelFrequency, m);
			col->mode = order[0];
			kept = Min(kept, max_categories);
			qsort_arg(order, kept, sizeof(int), MaasCompareLabelText, m);
			col->remap = palloc(sizeof(int) * Max(m->n, 1));
			for (int k = 0; k < m->n; k++)
				col->remap[k] = -1;
			for (int k = 0; k < kept; k++)
				col->remap[order[k]] = k;
			col->mode = col->remap[col->mode];
			col->n_categories = kept;
			col->impute = palloc0(sizeof(double) * kept);
			if (st->missing == MAAS_MISSING_NATIVE)
				for (int k = 0; k < kept; k++)
					col->impute[k] = NAN;
			else
				col->impute[col->mode] = 1.0;
		}
		else
		{
			col->impute = palloc(sizeof(double) * col->width);
			for (int k = 0; k < col->width; k++)
			{
				const double *x = MaasMatrixColumn(train, col->raw_offset + k);
				const MaasFloatRows *f = &st->ds->train_rows;
				int64		rows = st->ds->single ? f->n_rows : train->n_rows;
				double		sum = 0;
				int64		n = 0;

				for (int64 i = 0; i < rows; i++)
				{
					double		v = st->ds->single ?
						MaasFloatRowsValue(f, i, col->raw_offset + k) : x[i];

					if (!isnan(v))
					{
						sum += v;
						n++;
					}
				}
				if (n == 0)
					NoValues(col->name);
				col->impute[k] = st->missing == MAAS_MISSING_NATIVE ? NAN : sum / n;
			}
		}
	}
}

void
MaasLoadBuildPreprocess(LoadState *st)
{
	MaasPreprocess *prep = &st->ds->prep;
	int			offset = 0;

	prep->n_columns = st->n_columns;
	prep->columns = palloc0(sizeof(MaasColumn) * st->n_columns);
	for (int c = 0; c < st->n_columns; c++)
	{
		SourceColumn *src = &st->columns[c];
		MaasColumn *col = &prep->columns[c];

		col->name = src->name;
		col->kind = src->kind;
		col->offset = offset;
		col->impute = src->impute;
		if (src->kind == MAAS_COL_CATEGORICAL)
		{
			col->width = src->n_categories;
			col->n_categories = src->n_categories;
			col->categories = palloc(sizeof(char *) * Max(src->n_categories, 1));
			for (int k = 0; k < src->labels.n; k++)
				if (src->remap[k] >= 0)
					col->categories[src->remap[k]] = src->labels.data[k];
		}
		else
			col->width = src->width;
		col->tokenizer = src->tokenizer;
		offset += col->width;
	}
	prep->n_features = offset;
}

/*
 * Raw matrix -> encoded matrix, through the encoder serving uses
 * (MaasEncodeColumn): text codes become vocabulary indexes, then one-hot;
 * NULLs are imputed.  A text column's one-hot cannot overwrite its codes,
 * so with one the encoded matrix is a new one.
 */
void
MaasLoadEncode(LoadState *st, MaasMatrix *m)
{
	const MaasPreprocess *prep = &st->ds->prep;
	MaasMatrix	out;
	bool		in_place = prep->n_features == st->raw_width;

	for (int c = 0; c < st->n_columns; c++)
		in_place &= st->columns[c].kind != MAAS_COL_CATEGORICAL;
	if (m->n_rows == 0)
	{
		MaasLoadMatrixInit(m, prep->n_features + 1);
		return;
	}
	if (!in_place)
	{
		MaasLoadMatrixInit(&out, prep->n_features + 1);
		MaasLoadMatrixResize(st, &out, m->n_rows);
		out.n_rows = m->n_rows;
	}
	else
		out = *m;

	for (int c = 0; c < st->n_columns; c++)
	{
		const SourceColumn *src = &st->columns[c];
		const MaasColumn *col = &prep->columns[c];
		double	   *raw = MaasMatrixColumn(m, src->raw_offset);

		CHECK_FOR_INTERRUPTS();
		if (col->kind == MAAS_COL_CATEGORICAL)
			for (int64 i = 0; i < m->n_rows; i++)
				if (!isnan(raw[i]))
					raw[i] = src->remap[(int) raw[i]];
		MaasEncodeColumn(col, raw, m->ld, MaasMatrixColumn(&out, col->offset), out.ld,
						 m->n_rows);
	}
	if (!in_place)
	{
		memcpy(MaasMatrixColumn(&out, prep->n_features), MaasMatrixColumn(m, st->raw_width),
			   sizeof(double) * m->n_rows);
		st->bytes -= (Size) m->ld * m->n_cols * sizeof(double);
		pfree(m->data);
	}
	*m = out;
}

/* Encode float rows: the same encoder, a row at a time */
void
MaasLoadEncodeFloatRows(LoadState *st)
{
	MaasDataset *ds = st->ds;
	int		   *raw_offset = palloc(sizeof(int) * st->n_columns);
	int		  **remap = palloc(sizeof(int *) * st->n_columns);
	Size		others = st->bytes - MaasFloatRowsBytes(&ds->train_rows);
	Size		peak;

	for (int c = 0; c < st->n_columns; c++)
	{
		raw_offset[c] = st->columns[c].raw_offset;
		remap[c] = st->columns[c].remap;
	}
	peak = MaasFloatRowsEncode(&ds->train_rows, &ds->prep, raw_offset, remap, others);
	ds->memory_bytes = Max(ds->memory_bytes, others + peak);
	st->bytes = others + MaasFloatRowsBytes(&ds->train_rows);
}
