/*
 * init.c
 *	  Starting centres of k-means: greedy k-means++ or k distinct random rows.
 *
 * Greedy k-means++ as scikit-learn's _kmeans_plusplus does it (Arthur and
 * Vassilvitskii, http://ilpubs.stanford.edu/778/1/2006-13.pdf, with
 * 2 + log k candidates per centre): the first centre is a random row; each
 * next one is the best of the candidates drawn with probability
 * proportional to the squared distance to the nearest centre so far,
 * "best" meaning the smallest total of those distances once it is added.
 * The candidates' distances to every row are one gemm.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "algorithms/cluster/kmeans.h"
#include "core/blas.h"

/* k distinct rows, as the first k of a seeded permutation */
static void
RandomRows(const KmeansWork *w, pg_prng_state *rng, double *centers)
{
	int64	   *pick = palloc(sizeof(int64) * w->k);

	/* Floyd's sampling: k distinct indexes without an n-sized array */
	for (int c = 0; c < w->k; c++)
	{
		int64		j = (int64) pg_prng_uint64_range(rng, 0, w->n - w->k + c);
		bool		seen = false;

		for (int d = 0; d < c && !seen; d++)
			seen = pick[d] == j;
		pick[c] = seen ? w->n - w->k + c : j;
	}
	for (int c = 0; c < w->k; c++)
		memcpy(centers + (int64) c * w->p, w->x + pick[c] * w->p, sizeof(double) * w->p);
	pfree(pick);
}

/* The first index whose prefix sum reaches v (numpy's searchsorted, left) */
static int64
SearchSorted(const double *cumsum, int64 n, double v)
{
	int64		lo = 0;
	int64		hi = n;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (cumsum[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return Min(lo, n - 1);
}

/* Squared distances of t rows cand (t x p) to every row: dist, t x n */
static void
CandidateDistances(const KmeansWork *w, const double *cand, int t, double *dist)
{
	int64		n = w->n;
	int			p = w->p;

	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, (int) n, p, -2.0,
				cand, p, w->x, p, 0.0, dist, (int) n);
	for (int c = 0; c < t; c++)
	{
		double		norm = 0;
		double	   *d = dist + (int64) c * n;

		for (int j = 0; j < p; j++)
			norm += cand[(int64) c * p + j] * cand[(int64) c * p + j];
		for (int64 i = 0; i < n; i++)
			d[i] = Max(d[i] + norm + w->xnorm[i], 0);
	}
}

void
KmeansInitCenters(KmeansWork *w, int init, pg_prng_state *rng, double *centers)
{
	int64		n = w->n;
	int			p = w->p;
	int			trials = 2 + (int) log((double) w->k);
	double	   *closest;
	double	   *dist;
	double	   *cumsum;
	double	   *cand;
	int64	   *ids;
	double		pot = 0;
	int64		first;

	if (init == KMEANS_RANDOM)
	{
		RandomRows(w, rng, centers);
		return;
	}
	closest = w->closest;
	cumsum = w->cumsum;
	dist = w->candidates;
	cand = palloc(sizeof(double) * trials * p);
	ids = palloc(sizeof(int64) * trials);

	first = (int64) pg_prng_uint64_range(rng, 0, n - 1);
	memcpy(centers, w->x + first * p, sizeof(double) * p);
	CandidateDistances(w, centers, 1, closest);
	for (int64 i = 0; i < n; i++)
		pot += closest[i];

	for (int c = 1; c < w->k; c++)
	{
		int			best = 0;
		double		best_pot = INFINITY;

		/* can take a while: k rounds over every row */
		CHECK_FOR_INTERRUPTS();
		cumsum[0] = closest[0];
		for (int64 i = 1; i < n; i++)
			cumsum[i] = cumsum[i - 1] + closest[i];
		for (int t = 0; t < trials; t++)
		{
			ids[t] = SearchSorted(cumsum, n, pg_prng_double(rng) * pot);
			memcpy(cand + (int64) t * p, w->x + ids[t] * p, sizeof(double) * p);
		}
		CandidateDistances(w, cand, trials, dist);
		for (int t = 0; t < trials; t++)
		{
			double	   *d = dist + (int64) t * n;
			double		total = 0;

			for (int64 i = 0; i < n; i++)
			{
				d[i] = Min(d[i], closest[i]);
				total += d[i];
			}
			if (total < best_pot)
			{
				best_pot = total;
				best = t;
			}
		}
		pot = best_pot;
		memcpy(closest, dist + (int64) best * n, sizeof(double) * n);
		memcpy(centers + (int64) c * p, w->x + ids[best] * p, sizeof(double) * p);
	}
	pfree(cand);
	pfree(ids);
}
