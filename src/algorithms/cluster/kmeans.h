/*
 * kmeans.h
 *	  k-means: what its files share.
 *
 * kmeans.c is the algorithm (options, the n_init runs, model bytes);
 * init.c chooses starting centres (greedy k-means++ or random rows);
 * steps.c runs the Lloyd and Elkan iterations over blocks of rows on the
 * thread pool.
 */
#ifndef MAAS_KMEANS_H
#define MAAS_KMEANS_H

#include "common/pg_prng.h"

#include "core/core.h"

#define KMEANS_CHUNK		256		/* rows per distance gemm */

typedef enum KmeansAlgorithm
{
	KMEANS_LLOYD, KMEANS_ELKAN	/* "lloyd,elkan" */
} KmeansAlgorithm;

typedef enum KmeansInit
{
	KMEANS_PLUSPLUS, KMEANS_RANDOM	/* "k-means++,random" */
} KmeansInit;

/*
 * One fit's working set.  Rows are centered (as scikit-learn does, for
 * precision) and row-major: a row is contiguous for the distance gemm,
 * Elkan's pairwise distances and the centre sums.  Blocks of rows are the
 * pool's tasks: each has its own partial sums, added in block order, so
 * the result does not depend on the thread count.
 */
typedef struct KmeansWork
{
	int64		n;
	int			p;
	int			k;
	const double *x;			/* n x p, centered */
	const double *xnorm;		/* n squared row norms */
	int			algorithm;		/* KmeansAlgorithm */

	double	   *centers;		/* k x p */
	double	   *centers_new;	/* k x p */
	double	   *cnorm;			/* k squared norms of centers */
	double	   *shift;			/* k: how far each centre moved */
	double	   *half;			/* Elkan: k x k half distances between centres */
	double	   *next_half;		/* Elkan: k, the least half distance to another */
	int		   *labels;			/* n */
	double	   *upper;			/* Elkan: n upper bounds */
	double	   *lower;			/* Elkan: n x k lower bounds */

	int			n_blocks;
	int64		block_rows;
	double	   *block_sums;		/* n_blocks x k x p */
	double	   *block_counts;	/* n_blocks x k */
	int64	   *block_changed;	/* n_blocks: labels that changed */
	double	   *scratch;		/* per worker: KMEANS_CHUNK x k */
	/* k-means++: allocated once for every run */
	double	   *closest;		/* n: squared distance to the nearest centre */
	double	   *cumsum;			/* n: its prefix sums */
	double	   *candidates;		/* trials x n: squared distances to the candidates */
	bool		update;			/* accumulate the centre sums */
} KmeansWork;

/* init.c */
extern void KmeansInitCenters(KmeansWork *w, int init, pg_prng_state *rng,
							  double *centers);

/* steps.c */
extern void KmeansStartBounds(KmeansWork *w, MaasPool *pool);
extern int64 KmeansStep(KmeansWork *w, MaasPool *pool);
extern double KmeansInertia(const KmeansWork *w);

#endif							/* MAAS_KMEANS_H */
