/*
 * steps.c
 *	  One k-means iteration, Lloyd's or Elkan's, as scikit-learn's
 *	  _k_means_lloyd.pyx and _k_means_elkan.pyx do it.
 *
 * Lloyd: the distances of KMEANS_CHUNK rows to every centre are one gemm
 * (-2 x.c plus |c|^2; |x|^2 does not change the nearest), then each row
 * joins its nearest centre.  Elkan (https://cdn.aaai.org/ICML/2003/ICML03-022.pdf)
 * keeps an upper bound on each row's distance to its centre and a lower
 * bound to every other, and skips the distances that the triangle
 * inequality already decides.  Both sum the rows of each cluster per block,
 * then the blocks are added in order and the empty clusters get the rows
 * farthest from their centres.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "algorithms/cluster/kmeans.h"
#include "core/blas.h"

typedef struct StepArg
{
	KmeansWork *w;
	MaasPool   *pool;
} StepArg;

static inline double
Distance(const double *a, const double *b, int p)
{
	double		d = 0;

	for (int j = 0; j < p; j++)
	{
		double		e = a[j] - b[j];

		d += e * e;
	}
	return sqrt(d);
}

/* Zero a block's sums and return the rows it covers */
static void
BlockStart(const KmeansWork *w, int b, int64 *from, int64 *to)
{
	*from = (int64) b * w->block_rows;
	*to = Min(w->n, *from + w->block_rows);
	if (w->update)
	{
		memset(w->block_sums + (int64) b * w->k * w->p, 0, sizeof(double) * w->k * w->p);
		memset(w->block_counts + (int64) b * w->k, 0, sizeof(double) * w->k);
	}
}

static inline void
AddRow(const KmeansWork *w, int b, int label, const double *x)
{
	double	   *sum = w->block_sums + ((int64) b * w->k + label) * w->p;

	w->block_counts[(int64) b * w->k + label] += 1;
	for (int j = 0; j < w->p; j++)
		sum[j] += x[j];
}

static int
LloydTask(void *arg, int b, int worker)
{
	StepArg    *sa = arg;
	KmeansWork *w = sa->w;
	int			k = w->k;
	int			p = w->p;
	/* locals: PostgreSQL builds with -fno-strict-aliasing, so a store
	 * through labels would make the compiler reload every field of w */
	const double *x = w->x;
	const double *cnorm = w->cnorm;
	int		   *labels = w->labels;
	bool		update = w->update;
	double	   *sums = w->block_sums + (int64) b * k * p;
	double	   *counts = w->block_counts + (int64) b * k;
	double	   *d = w->scratch + (int64) worker * KMEANS_CHUNK * k;
	int64		changed = 0;
	int64		from;
	int64		to;

	BlockStart(w, b, &from, &to);
	for (int64 i0 = from; i0 < to; i0 += KMEANS_CHUNK)
	{
		int			rows = (int) Min(KMEANS_CHUNK, to - i0);

		if (MaasPoolCancelled(sa->pool))
			return MAAS_POOL_ECANCEL;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, p, -2.0,
					x + i0 * p, p, w->centers, p, 0.0, d, k);
		for (int r = 0; r < rows; r++)
		{
			const double *dr = d + (int64) r * k;
			int			best = 0;
			double		best_d = dr[0] + cnorm[0];

			for (int c = 1; c < k; c++)
				if (dr[c] + cnorm[c] < best_d)
				{
					best_d = dr[c] + cnorm[c];
					best = c;
				}
			changed += labels[i0 + r] != best;
			labels[i0 + r] = best;
			if (update)
			{
				const double *xr = x + (i0 + r) * p;
				double	   *sum = sums + (int64) best * p;

				counts[best] += 1;
				for (int j = 0; j < p; j++)
					sum[j] += xr[j];
			}
		}
	}
	w->block_changed[b] = changed;
	return MAAS_POOL_OK;
}

/* Elkan's first assignment: bounds from the centres in order */
static int
ElkanStartTask(void *arg, int b, int worker)
{
	StepArg    *sa = arg;
	KmeansWork *w = sa->w;
	int			k = w->k;
	int			p = w->p;
	int64		from = (int64) b * w->block_rows;
	int64		to = Min(w->n, from + w->block_rows);

	for (int64 i = from; i < to; i++)
	{
		const double *x = w->x + i * p;
		double	   *lower = w->lower + i * k;
		int			label = 0;
		double		u = Distance(x, w->centers, p);

		if ((i & 1023) == 0 && MaasPoolCancelled(sa->pool))
			return MAAS_POOL_ECANCEL;
		memset(lower, 0, sizeof(double) * k);
		lower[0] = u;
		for (int j = 1; j < k; j++)
			if (u > w->half[label * k + j])
			{
				double		d = Distance(x, w->centers + (int64) j * p, p);

				lower[j] = d;
				if (d < u)
				{
					label = j;
					u = d;
				}
			}
		w->labels[i] = label;
		w->upper[i] = u;
	}
	return MAAS_POOL_OK;
}

static int
ElkanTask(void *arg, int b, int worker)
{
	StepArg    *sa = arg;
	KmeansWork *w = sa->w;
	int			k = w->k;
	int			p = w->p;
	int64		changed = 0;
	int64		from;
	int64		to;

	BlockStart(w, b, &from, &to);
	for (int64 i = from; i < to; i++)
	{
		const double *x = w->x + i * p;
		double	   *lower = w->lower + i * k;
		int			label = w->labels[i];
		double		u = w->upper[i];

		if ((i & 1023) == 0 && MaasPoolCancelled(sa->pool))
			return MAAS_POOL_ECANCEL;
		if (!(w->next_half[label] >= u))
		{
			bool		tight = false;

			for (int j = 0; j < k; j++)
			{
				if (j == label || !(u > lower[j]) || !(u > w->half[label * k + j]))
					continue;
				if (!tight)
				{
					u = Distance(x, w->centers + (int64) label * p, p);
					lower[label] = u;
					tight = true;
				}
				if (u > lower[j] || u > w->half[label * k + j])
				{
					double		d = Distance(x, w->centers + (int64) j * p, p);

					lower[j] = d;
					if (d < u)
					{
						label = j;
						u = d;
					}
				}
			}
		}
		changed += w->labels[i] != label;
		w->labels[i] = label;
		w->upper[i] = u;
		if (w->update)
			AddRow(w, b, label, x);
	}
	w->block_changed[b] = changed;
	return MAAS_POOL_OK;
}

/* Elkan: move the bounds by how far the centres moved */
static int
ElkanBoundsTask(void *arg, int b, int worker)
{
	KmeansWork *w = ((StepArg *) arg)->w;
	int			k = w->k;
	int64		from = (int64) b * w->block_rows;
	int64		to = Min(w->n, from + w->block_rows);

	for (int64 i = from; i < to; i++)
	{
		double	   *lower = w->lower + i * k;

		w->upper[i] += w->shift[w->labels[i]];
		for (int j = 0; j < k; j++)
			lower[j] = Max(lower[j] - w->shift[j], 0);
	}
	return MAAS_POOL_OK;
}

/* Half the distance between each two centres, and to each one's nearest */
static void
CenterDistances(KmeansWork *w)
{
	int			k = w->k;

	for (int a = 0; a < k; a++)
	{
		w->half[a * k + a] = 0;
		for (int b = a + 1; b < k; b++)
			w->half[a * k + b] = w->half[b * k + a] =
				Distance(w->centers + (int64) a * w->p, w->centers + (int64) b * w->p, w->p) / 2;
	}
	for (int a = 0; a < k; a++)
	{
		w->next_half[a] = INFINITY;
		for (int b = 0; b < k; b++)
			if (b != a)
				w->next_half[a] = Min(w->next_half[a], w->half[a * k + b]);
	}
}

/* Elkan's starting labels and bounds for the current centres */
void
KmeansStartBounds(KmeansWork *w, MaasPool *pool)
{
	StepArg		sa = {w, pool};

	CenterDistances(w);
	MaasPoolRun(pool, w->n_blocks, ElkanStartTask, &sa);
}

/*
 * Empty clusters take the rows farthest from their centres (scikit-learn's
 * _relocate_empty_clusters_dense), each leaving the cluster it was in.
 */
static void
RelocateEmpty(KmeansWork *w, double *sums, double *counts)
{
	int			k = w->k;
	int			p = w->p;
	int			n_empty = 0;
	double	   *far;
	int64	   *far_row;

	for (int c = 0; c < k; c++)
		n_empty += counts[c] == 0;
	if (n_empty == 0)
		return;
	far = palloc(sizeof(double) * n_empty);
	far_row = palloc(sizeof(int64) * n_empty);
	for (int e = 0; e < n_empty; e++)
	{
		far[e] = -1;
		far_row[e] = -1;
	}
	/* the n_empty largest distances, kept sorted descending */
	for (int64 i = 0; i < w->n; i++)
	{
		const double *x = w->x + i * p;
		double		d = Distance(x, w->centers + (int64) w->labels[i] * p, p);
		int			e = n_empty;

		if (d <= far[n_empty - 1])
			continue;
		while (e > 0 && d > far[e - 1])
		{
			if (e < n_empty)
			{
				far[e] = far[e - 1];
				far_row[e] = far_row[e - 1];
			}
			e--;
		}
		far[e] = d;
		far_row[e] = i;
	}
	for (int c = 0, e = 0; c < k && e < n_empty; c++)
	{
		const double *x;
		int			old;

		if (counts[c] != 0)
			continue;
		if (far_row[e] < 0)
			break;
		x = w->x + far_row[e] * p;
		old = w->labels[far_row[e]];
		for (int j = 0; j < p; j++)
		{
			sums[(int64) c * p + j] = x[j];
			sums[(int64) old * p + j] -= x[j];
		}
		counts[c] = 1;
		counts[old] -= 1;
		e++;
	}
	pfree(far);
	pfree(far_row);
}

/*
 * One iteration: assign every row to its nearest centre; with w->update,
 * also compute centers_new and each centre's shift.  Returns the count of
 * rows whose label changed.
 */
int64
KmeansStep(KmeansWork *w, MaasPool *pool)
{
	StepArg		sa = {w, pool};
	int			k = w->k;
	int			p = w->p;
	int64		changed = 0;
	double	   *counts;

	if (w->algorithm == KMEANS_ELKAN)
		CenterDistances(w);
	else
		for (int c = 0; c < k; c++)
		{
			const double *ctr = w->centers + (int64) c * p;

			w->cnorm[c] = 0;
			for (int j = 0; j < p; j++)
				w->cnorm[c] += ctr[j] * ctr[j];
		}
	MaasPoolRun(pool, w->n_blocks, w->algorithm == KMEANS_ELKAN ? ElkanTask : LloydTask, &sa);
	for (int b = 0; b < w->n_blocks; b++)
		changed += w->block_changed[b];
	if (!w->update)
		return changed;

	/* blocks in order, whatever thread ran them */
	counts = palloc0(sizeof(double) * k);
	memset(w->centers_new, 0, sizeof(double) * k * p);
	for (int b = 0; b < w->n_blocks; b++)
	{
		const double *bs = w->block_sums + (int64) b * k * p;

		for (int64 i = 0; i < (int64) k * p; i++)
			w->centers_new[i] += bs[i];
		for (int c = 0; c < k; c++)
			counts[c] += w->block_counts[(int64) b * k + c];
	}
	RelocateEmpty(w, w->centers_new, counts);
	for (int c = 0; c < k; c++)
	{
		double	   *ctr = w->centers_new + (int64) c * p;

		if (counts[c] > 0)
			for (int j = 0; j < p; j++)
				ctr[j] /= counts[c];
		else
			memcpy(ctr, w->centers + (int64) c * p, sizeof(double) * p);
		w->shift[c] = Distance(ctr, w->centers + (int64) c * p, p);
	}
	pfree(counts);
	if (w->algorithm == KMEANS_ELKAN)
		MaasPoolRun(pool, w->n_blocks, ElkanBoundsTask, &sa);
	return changed;
}

/* Sum of squared distances of the rows to their centres */
double
KmeansInertia(const KmeansWork *w)
{
	double		inertia = 0;

	for (int64 i = 0; i < w->n; i++)
	{
		double		d = Distance(w->x + i * w->p, w->centers + (int64) w->labels[i] * w->p, w->p);

		inertia += d * d;
	}
	return inertia;
}
