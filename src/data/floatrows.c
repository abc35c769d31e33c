/*
 * floatrows.c
 *	  Training rows in single precision, row-major (MAAS_INPUT_FLOAT_ROWS).
 *
 * An algorithm that computes in float (the MLP) reads a mini-batch as rows;
 * loading straight into float rows spares it the double matrix and a
 * second copy, so training needs little more than the float matrix itself.
 * Rows grow with repalloc, which for large blocks moves pages rather than
 * copying them.  Each column keeps an origin, the first value seen: rows
 * hold the difference, so a column far from zero (timestamps, ids, prices
 * in the millions) keeps the precision of its spread, not of its offset.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "data/data.h"

void
MaasFloatRowsInit(MaasFloatRows *f, int n_cols)
{
	f->n_rows = 0;
	f->cap = 0;
	f->n_cols = n_cols;
	f->data = NULL;
	f->origin = palloc(sizeof(double) * n_cols);
	for (int j = 0; j < n_cols; j++)
		f->origin[j] = NAN;		/* set by the first value */
}

/* Room for rows; returns the bytes the rows then take */
Size
MaasFloatRowsReserve(MaasFloatRows *f, int64 rows)
{
	Size		bytes = mul_size(mul_size(Max(rows, 1), f->n_cols), sizeof(float));

	if (f->data == NULL)
		f->data = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
	else
		f->data = repalloc_huge(f->data, bytes);
	f->cap = Max(rows, 1);
	return bytes;
}

Size
MaasFloatRowsBytes(const MaasFloatRows *f)
{
	return (Size) f->cap * f->n_cols * sizeof(float);
}

/* One row of width values and its target; NaN marks a missing value */
void
MaasFloatRowsAppend(MaasFloatRows *f, const double *row, int width, double y)
{
	float	   *out = MaasFloatRow(f, f->n_rows);

	Assert(f->n_rows < f->cap && width + 1 == f->n_cols);
	for (int j = 0; j <= width; j++)
	{
		double		v = j < width ? row[j] : y;

		if (isnan(f->origin[j]) && !isnan(v))
			f->origin[j] = v;
		out[j] = (float) (v - f->origin[j]);
	}
	f->n_rows++;
}

/* A column's value in row i, in double; NaN when missing */
double
MaasFloatRowsValue(const MaasFloatRows *f, int64 i, int j)
{
	return (double) MaasFloatRow(f, i)[j] + f->origin[j];
}

/* Set a column's value in row i */
void
MaasFloatRowsSet(MaasFloatRows *f, int64 i, int j, double v)
{
	if (isnan(f->origin[j]))
		f->origin[j] = 0;
	MaasFloatRow(f, i)[j] = (float) (v - f->origin[j]);
}

/*
 * Raw rows -> encoded rows, through the encoder serving uses
 * (MaasEncodeColumn) one row at a time.  raw_offset gives each column's
 * first raw value, remap (NULL for columns without categories) a text
 * code's category.  In place when the encoding keeps the width and has no
 * one-hot column; else into a new set that replaces the raw one.  Returns
 * the peak bytes of the rows; others is what the run holds besides.
 */
Size
MaasFloatRowsEncode(MaasFloatRows *rows, const MaasPreprocess *prep,
					const int *raw_offset, int *const *remap, Size others)
{
	MaasFloatRows *raw = rows;
	MaasFloatRows out;
	int			raw_width = raw->n_cols - 1;
	int			p = prep->n_features;
	double	   *in = palloc(sizeof(double) * raw_width);
	double	   *enc = palloc(sizeof(double) * p);
	bool		in_place = p == raw_width;
	Size		peak;

	MaasFloatRowsShrink(raw);
	peak = MaasFloatRowsBytes(raw);
	for (int c = 0; c < prep->n_columns; c++)
		in_place &= prep->columns[c].kind != MAAS_COL_CATEGORICAL &&
			prep->columns[c].kind != MAAS_COL_TIMESTAMP;
	if (in_place)
		out = *raw;
	else
	{
		/* an encoded feature keeps its raw column's origin; one-hot ones 0 */
		MaasFloatRowsInit(&out, p + 1);
		peak = add_size(peak, mul_size(mul_size(raw->n_rows, p + 1), sizeof(float)));
		MaasCheckDataMemory(add_size(others, peak), "training data");
		MaasFloatRowsReserve(&out, raw->n_rows);
		for (int c = 0; c < prep->n_columns; c++)
		{
			const MaasColumn *col = &prep->columns[c];

			for (int k = 0; k < col->width; k++)
				out.origin[col->offset + k] = col->kind == MAAS_COL_CATEGORICAL ||
					(col->kind == MAAS_COL_TIMESTAMP && k > 0) ?
					0 : raw->origin[raw_offset[c] + k];
		}
		out.origin[p] = raw->origin[raw_width];
	}
	for (int j = 0; j <= p; j++)
		if (isnan(out.origin[j]))
			out.origin[j] = 0;

	for (int64 i = 0; i < raw->n_rows; i++)
	{
		float	   *src = MaasFloatRow(raw, i);
		float	   *dst = MaasFloatRow(&out, i);
		float		y = src[raw_width];

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < raw_width; j++)
			in[j] = (double) src[j] + raw->origin[j];
		for (int c = 0; c < prep->n_columns; c++)
		{
			const MaasColumn *col = &prep->columns[c];
			double	   *v = in + raw_offset[c];

			if (col->kind == MAAS_COL_CATEGORICAL && !isnan(v[0]))
				v[0] = remap[c][(int) v[0]];
			MaasEncodeColumn(col, v, 1, enc + col->offset, 1, 1);
		}
		for (int j = 0; j < p; j++)
			dst[j] = (float) (enc[j] - out.origin[j]);
		dst[p] = y;
	}
	out.n_rows = raw->n_rows;
	if (!in_place)
	{
		pfree(raw->data);
		pfree(raw->origin);
	}
	*rows = out;
	pfree(in);
	pfree(enc);
	return peak;
}

/* Give back the unused capacity */
void
MaasFloatRowsShrink(MaasFloatRows *f)
{
	if (f->data != NULL && f->cap > Max(f->n_rows, 1))
		MaasFloatRowsReserve(f, f->n_rows);
}

/* Float rows from a column-major double matrix (maas_fit's rows) */
void
MaasFloatRowsFromMatrix(const MaasMatrix *m, MaasFloatRows *f)
{
	int			width = m->n_cols - 1;
	double	   *row = palloc(sizeof(double) * width);

	MaasFloatRowsInit(f, m->n_cols);
	MaasFloatRowsReserve(f, m->n_rows);
	for (int64 i = 0; i < m->n_rows; i++)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < width; j++)
			row[j] = MaasMatrixColumn(m, j)[i];
		MaasFloatRowsAppend(f, row, width, MaasMatrixColumn(m, width)[i]);
	}
	for (int j = 0; j < m->n_cols; j++)
		if (isnan(f->origin[j]))
			f->origin[j] = 0;
	pfree(row);
}

