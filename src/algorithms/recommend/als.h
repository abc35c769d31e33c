/*
 * als.h
 *	  als: matrix factorization of (user, item, rating) pairs by alternating
 *	  least squares; what its fit (als.c) and its model (als_model.c) share.
 */
#ifndef MAAS_ALS_H
#define MAAS_ALS_H

#include "core/core.h"

#define ALS_MAX_FACTORS		1024

typedef struct AlsOptions
{
	MaasNames	user;			/* read by the SQL layer: the key columns */
	MaasNames	item;
	int			factors;
	int			iterations;
	double		regularization;
	bool		implicit;
	double		alpha;
	int			cg_steps;
	bool		keep_seen;
} AlsOptions;

/*
 * The fitted model: the prediction of user u and item i is
 * mean + user_bias[u] + item_bias[i] + x_u . y_i (explicit), or x_u . y_i
 * (implicit, where mean and the biases are 0 and not stored).
 */
typedef struct AlsState
{
	int			k;				/* factors */
	double		mean;
	double	   *x;				/* users x k, row-major */
	double	   *y;				/* items x k, row-major */
	double	   *user_bias;		/* explicit only */
	double	   *item_bias;
	int			n_history;
	double	   *history;		/* training loss after each iteration */
	MaasPairs	pairs;
	double	   *item_norm;		/* |y_i|, for similar items; not stored */
} AlsState;

/* als.c */
extern void *AlsFit(const MaasTrainData *data, const void *options, MaasProgress *progress);
extern const MaasParamSpec als_params[];
extern void AlsItemNorms(AlsState *st, int32 n_items);

#endif							/* MAAS_ALS_H */
