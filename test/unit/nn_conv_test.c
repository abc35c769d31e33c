/*
 * nn_conv_test.c
 *	  The convolution layer (src/algorithms/nn/conv.c): Conv1d, ReLU and
 *	  global max pooling over time, alone and behind an embedding, against
 *	  PyTorch and against finite differences.  Prints TAP
 *	  (test/suite/nn.sh).
 *
 * PyTorch: for each network of test/reference/nn_conv_reference.txt
 * (written by nn_conv_reference.py; nn.Conv1d, relu and max over time in
 * float64 on the same float32 weights and inputs), the pooled features
 * within REF_TOL = 1e-5 and the gradients of the kernel, the biases, the
 * input and the embedding table (loss sum(pooled * dpooled) for a random
 * dpooled) within REF_GRAD_TOL = 1e-4, each relative to max(|reference|,
 * REF_FLOOR of the vector's largest).
 *
 * Finite differences: the same networks, the gradient of every parameter
 * and input against Richardson-extrapolated central differences of the
 * loss computed by the forward pass in float32, as nn_recurrent_test does
 * (an entry passes within FD_TOL = 1 % of max(|analytic|, |numeric|,
 * FD_FLOOR of the largest) plus NOISE_K times the difference of two step
 * sizes' estimates).  The step is small (1e-3): max pooling and ReLU are
 * piecewise linear, and a step that moves a maximum to another position
 * or across 0 measures a different piece.
 *
 * The layer writes its features into columns of a wider matrix (ld): each
 * network is also run at ld = filters + 3 and must give the same values.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/nn/nn.h"
#include "unit.h"

#define REF_TOL			1e-5
#define REF_GRAD_TOL	1e-4
#define REF_FLOOR		1e-2
#define FD_STEP			1e-3
#define FD_TOL			1e-2
#define FD_FLOOR		1e-2
#define NOISE_K			3

typedef struct Net
{
	int			in;
	int			width;
	int			filters;
	int			T;
	int			B;
	int			vocab;
	int64		n_params;
	float	   *params;
	float	   *table;			/* vocab x in, or NULL */
	int32	   *ids;
	float	   *x;				/* B x T x in */
	float	   *dpooled;		/* B x filters */
} Net;

/* pooled and argmax (B rows of ld) of net's x */
static void
Forward(const Net *n, const float *params, const float *x, float *pooled, int32 *argmax,
		int ld)
{
	float	   *y = palloc(sizeof(float) * n->B * n->T * n->filters);

	NnConvPoolForward(n->in, n->width, n->filters, params, x, n->T, n->B, y, pooled,
					  argmax, ld);
	pfree(y);
}

/* sum(pooled * dpooled) in double over net's input: the table's rows when embedded */
static double
Loss(const Net *n, const float *params, const float *table, const float *x)
{
	float	   *pooled = palloc(sizeof(float) * n->B * n->filters);
	int32	   *argmax = palloc(sizeof(int32) * n->B * n->filters);
	float	   *in = (float *) x;
	double		loss = 0;

	if (table != NULL)
	{
		in = palloc(sizeof(float) * n->T * n->B * n->in);
		NnEmbeddingForward(table, n->in, n->ids, (int64) n->T * n->B, in);
	}
	Forward(n, params, in, pooled, argmax, n->filters);
	for (int64 i = 0; i < (int64) n->B * n->filters; i++)
		loss += (double) pooled[i] * n->dpooled[i];
	return loss;
}

/* What the finite differences perturb: the floats of params, table and x */
typedef struct FdCtx
{
	const Net  *n;
	float	   *params;
	float	   *table;
	float	   *x;
} FdCtx;

static double
FdLoss(const void *arg)
{
	const FdCtx *c = arg;

	return Loss(c->n, c->params, c->table, c->x);
}

/* The features at ld = filters + 3 equal those at ld = filters, and the gradient too */
static bool
SameAtWiderLd(const Net *n, const float *pooled, const float *grad)
{
	int			ld = n->filters + 3;
	int64		bf = (int64) n->B * n->filters;
	float	   *wide = palloc0(sizeof(float) * n->B * ld);
	int32	   *argmax = palloc0(sizeof(int32) * n->B * ld);
	float	   *dwide = palloc0(sizeof(float) * n->B * ld);
	float	   *g = palloc0(sizeof(float) * n->n_params);
	bool		same = true;

	Forward(n, n->params, n->x, wide, argmax, ld);
	for (int64 i = 0; i < bf; i++)
	{
		int64		at = (i / n->filters) * ld + i % n->filters;

		same &= wide[at] == pooled[i];
		dwide[at] = n->dpooled[i];
	}
	NnConvPoolBackward(n->in, n->width, n->filters, n->params, n->x, n->T, n->B, wide,
					   argmax, dwide, ld, g, NULL);
	return same && memcmp(g, grad, sizeof(float) * n->n_params) == 0;
}

static void
Check(const Record *r)
{
	Net			n;
	int			ip,
				ix,
				ipool,
				idp,
				igrad,
				idin,
				itab = -1,
				iids = -1,
				idtab = -1;
	int64		bt,
				bf;
	float	   *pooled,
			   *grad,
			   *dx,
			   *dtable = NULL;
	int32	   *argmax;
	double		e_pool,
				e_grad,
				e_dx,
				e_tab = 0,
				top;

	memset(&n, 0, sizeof(n));
	n.in = atoi(HeadValue(r, "in"));
	n.width = atoi(HeadValue(r, "width"));
	n.filters = atoi(HeadValue(r, "filters"));
	n.T = atoi(HeadValue(r, "T"));
	n.B = atoi(HeadValue(r, "B"));
	n.vocab = atoi(HeadValue(r, "vocab"));
	n.n_params = NnConvParams(n.in, n.width, n.filters);
	bt = (int64) n.B * n.T;
	bf = (int64) n.B * n.filters;
	if ((ip = Need(r, "params", 0, n.n_params)) < 0 ||
		(ix = Need(r, "x", 0, bt * n.in)) < 0 ||
		(ipool = Need(r, "pooled", 0, bf)) < 0 ||
		(idp = Need(r, "dpooled", 0, bf)) < 0 ||
		(igrad = Need(r, "grad", 0, n.n_params)) < 0 ||
		(idin = Need(r, "dinput", 0, bt * n.in)) < 0 ||
		(n.vocab > 0 &&
		 ((itab = Need(r, "table", 0, (int64) n.vocab * n.in)) < 0 ||
		  (iids = Need(r, "ids", 0, bt)) < 0 ||
		  (idtab = Need(r, "dtable", 0, (int64) n.vocab * n.in)) < 0)))
		return;
	n.params = r->floats[ip];
	n.x = r->floats[ix];
	n.dpooled = r->floats[idp];
	if (n.vocab > 0)
	{
		n.table = r->floats[itab];
		n.ids = palloc(sizeof(int32) * bt);
		for (int64 i = 0; i < bt; i++)
			n.ids[i] = (int32) r->values[iids][i];
		NnEmbeddingForward(n.table, n.in, n.ids, bt, n.x);
	}

	/* PyTorch */
	pooled = palloc(sizeof(float) * bf);
	argmax = palloc(sizeof(int32) * bf);
	Forward(&n, n.params, n.x, pooled, argmax, n.filters);
	grad = palloc0(sizeof(float) * n.n_params);
	dx = palloc0(sizeof(float) * bt * n.in);
	NnConvPoolBackward(n.in, n.width, n.filters, n.params, n.x, n.T, n.B, pooled, argmax,
					   n.dpooled, n.filters, grad, dx);
	e_pool = MaxRelErr(ToDouble(pooled, bf), r->values[ipool], bf, REF_FLOOR, 1e-30, NULL);
	e_grad = MaxRelErr(ToDouble(grad, n.n_params), r->values[igrad], n.n_params,
					   REF_FLOOR, 1e-30, NULL);
	e_dx = MaxRelErr(ToDouble(dx, bt * n.in), r->values[idin], bt * n.in,
					 REF_FLOOR, 1e-30, NULL);
	if (n.vocab > 0)
	{
		dtable = palloc0(sizeof(float) * n.vocab * n.in);
		NnEmbeddingBackward(n.in, n.ids, bt, dx, dtable);
		e_tab = MaxRelErr(ToDouble(dtable, (int64) n.vocab * n.in), r->values[idtab],
						  (int64) n.vocab * n.in, REF_FLOOR, 1e-30, NULL);
	}
	Tap(e_pool <= REF_TOL, "PyTorch, %s: pooled features, max err %.1e", r->name, e_pool);
	Tap(e_grad <= REF_GRAD_TOL && e_dx <= REF_GRAD_TOL && e_tab <= REF_GRAD_TOL,
		"PyTorch, %s: gradients of weights %.1e, input %.1e, embedding %.1e",
		r->name, e_grad, e_dx, e_tab);
	Tap(SameAtWiderLd(&n, pooled, grad), "%s: the same features and gradient side by side (ld %d)",
		r->name, n.filters + 3);

	/* finite differences of the weights and of the input (or the table) */
	top = Max(LargestAbs(grad, n.n_params), n.vocab > 0 ? LargestAbs(dtable, (int64) n.vocab * n.in) :
			  LargestAbs(dx, bt * n.in));
	{
		float	   *params = palloc(sizeof(float) * n.n_params);
		float	   *x = palloc(sizeof(float) * bt * n.in);
		float	   *table = n.vocab > 0 ? palloc(sizeof(float) * n.vocab * n.in) : NULL;
		FdCtx		ctx = {&n, params, table, x};
		double		w_params,
					w_in;

		memcpy(params, n.params, sizeof(float) * n.n_params);
		memcpy(x, n.x, sizeof(float) * bt * n.in);
		if (table)
			memcpy(table, n.table, sizeof(float) * n.vocab * n.in);
		w_params = FdWorst(FdLoss, &ctx, params, n.n_params, grad,
								 top, FD_STEP, FD_TOL, FD_FLOOR, NOISE_K);
		w_in = table ? FdWorst(FdLoss, &ctx, table, (int64) n.vocab * n.in, dtable,
								 top, FD_STEP, FD_TOL, FD_FLOOR, NOISE_K) :
			FdWorst(FdLoss, &ctx, x, bt * n.in, dx,
								 top, FD_STEP, FD_TOL, FD_FLOOR, NOISE_K);
		Tap(w_params <= 1 && w_in <= 1,
			"finite differences, %s: worst error / allowance, weights %.2f, %s %.2f",
			r->name, w_params, table ? "embedding" : "input", w_in);
	}
}

int
main(int argc, char **argv)
{
	UnitBegin();
	/* test/suite/nn.sh passes nn_reference.txt; this program's file is beside it */
	CheckNets(argc > 1 ? argv[1] : "test/reference/nn_reference.txt", "nn_conv_reference.txt", Check, 6);
	return UnitEnd();
}
