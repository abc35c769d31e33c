/*
 * nn_recurrent_test.c
 *	  The recurrent layers (src/algorithms/nn/recurrent.c): embedding, LSTM
 *	  and GRU, against PyTorch and against finite differences.  Prints TAP
 *	  (test/suite/nn.sh).
 *
 * PyTorch: for each network of test/reference/nn_recurrent_reference.txt
 * (written by nn_recurrent_reference.py; nn.LSTM / nn.GRU in float64 on
 * the same float32 weights and inputs), every step's output within REF_TOL
 * = 1e-5 and the gradients of the weights, the input and the embedding
 * table (loss sum(h * dh) for a random dh) within REF_GRAD_TOL = 1e-4, each
 * relative to max(|reference|, REF_FLOOR of the vector's largest).
 * Networks with dirs=2 are bidirectional=True, run through NnBiForward and
 * NnBiBackward: every step's output is then [forward, reversed direction's
 * output at that step], as torch's.
 *
 * Finite differences: the same networks, the gradient of every parameter
 * and input against Richardson-extrapolated central differences of the
 * loss computed by the forward pass in float32, as nn_grad_test does: an
 * entry passes within FD_TOL = 1 % of max(|analytic|, |numeric|, FD_FLOOR
 * of the largest) plus NOISE_K times the difference of two step sizes'
 * estimates.  A wrong gate derivative gives errors of 10 % to 100 %.
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
#define FD_STEP			2e-2
#define FD_TOL			1e-2
#define FD_FLOOR		1e-2
#define NOISE_K			3

typedef struct Net
{
	int			kind;
	int			in;
	int			units;
	int			T;
	int			B;
	int			vocab;
	int			dirs;			/* 2: bidirectional */
	int64		n_params;
	float	   *params;
	float	   *table;			/* vocab x in, or NULL */
	int32	   *ids;
	float	   *x;				/* T x B x in */
	float	   *dh;				/* T x B x dirs x units */
	float	   *dhd[2];			/* dh of each direction, in its own order of steps */
} Net;

/* The outputs of every step, and what backward needs, for net's x */
typedef struct Pass
{
	NnRecurrentPass dir[2];
	float	   *xr;				/* x reversed */
	float	   *h;				/* T x B x dirs x units, torch's layout */
} Pass;

static void
Forward(const Net *n, const float *params, const float *x, Pass *p)
{
	int64		steps = (int64) n->T * n->B;

	for (int d = 0; d < n->dirs; d++)
	{
		NnRecurrentPass *q = &p->dir[d];

		q->h = palloc(sizeof(float) * steps * n->units);
		q->c = palloc(sizeof(float) * steps * n->units);
		q->hn = palloc(sizeof(float) * steps * n->units);
		q->gates = palloc(sizeof(float) * steps * 4 * n->units);
		q->work = palloc(sizeof(float) * (2 * steps * 4 * n->units + 2 * n->B * n->units));
	}
	p->xr = palloc(sizeof(float) * steps * n->in);
	if (n->dirs == 2)
		NnBiForward(n->kind, n->in, n->units, params, x, n->T, n->B, p->xr, p->dir);
	else
		NnRecurrentForward(n->kind, n->in, n->units, params, x, n->T, n->B, &p->dir[0]);
	/* step t of the reversed direction is its step T - 1 - t */
	p->h = palloc(sizeof(float) * steps * n->dirs * n->units);
	for (int t = 0; t < n->T; t++)
		for (int d = 0; d < n->dirs; d++)
			for (int b = 0; b < n->B; b++)
				memcpy(p->h + (((int64) t * n->B + b) * n->dirs + d) * n->units,
					   p->dir[d].h + ((int64) (d ? n->T - 1 - t : t) * n->B + b) * n->units,
					   sizeof(float) * n->units);
}

/* dh in each direction's order of steps */
static void
SplitDh(Net *n)
{
	for (int d = 0; d < n->dirs; d++)
	{
		n->dhd[d] = palloc(sizeof(float) * n->T * n->B * n->units);
		for (int t = 0; t < n->T; t++)
			for (int b = 0; b < n->B; b++)
				memcpy(n->dhd[d] + ((int64) (d ? n->T - 1 - t : t) * n->B + b) * n->units,
					   n->dh + (((int64) t * n->B + b) * n->dirs + d) * n->units,
					   sizeof(float) * n->units);
	}
}

/* sum(h * dh) in double over net's input: the table's rows when embedded */
static double
Loss(const Net *n, const float *params, const float *table, const float *x)
{
	Pass		p;
	double		loss = 0;
	int64		m = (int64) n->T * n->B * n->dirs * n->units;
	float	   *in = (float *) x;

	if (table != NULL)
	{
		in = palloc(sizeof(float) * n->T * n->B * n->in);
		NnEmbeddingForward(table, n->in, n->ids, (int64) n->T * n->B, in);
	}
	Forward(n, params, in, &p);
	for (int64 i = 0; i < m; i++)
		loss += (double) p.h[i] * n->dh[i];
	return loss;
}

static void
Backward(const Net *n, const Pass *p, const float *x, float *grad, float *dx)
{
	if (n->dirs == 2)
		NnBiBackward(n->kind, n->in, n->units, n->params, x, p->xr, n->T, n->B, p->dir,
					 n->dhd[0], n->dhd[1], grad, dx,
					 palloc(sizeof(float) * n->T * n->B * n->in));
	else
		NnRecurrentBackward(n->kind, n->in, n->units, n->params, x, n->T, n->B, &p->dir[0],
							n->dhd[0], grad, dx);
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

static void
Check(const Record *r)
{
	Net			n;
	char	   *kind = HeadValue(r, "kind");
	int			ip,
				ix,
				ih,
				idh,
				igrad,
				idin,
				itab = -1,
				iids = -1,
				idtab = -1;
	int64		steps;
	Pass		p;
	float	   *grad;
	float	   *dx;
	float	   *dtable = NULL;
	double		e_h,
				e_grad,
				e_dx,
				e_tab = 0,
				top;

	memset(&n, 0, sizeof(n));
	n.kind = kind && strcmp(kind, "gru") == 0 ? NN_GRU : NN_LSTM;
	n.in = atoi(HeadValue(r, "in"));
	n.units = atoi(HeadValue(r, "units"));
	n.T = atoi(HeadValue(r, "T"));
	n.B = atoi(HeadValue(r, "B"));
	n.vocab = atoi(HeadValue(r, "vocab"));
	n.dirs = HeadValue(r, "dirs") && atoi(HeadValue(r, "dirs")) == 2 ? 2 : 1;
	n.n_params = n.dirs * NnRecurrentParams(n.kind, n.in, n.units);
	steps = (int64) n.T * n.B;
	if ((ip = Need(r, "params", 0, n.n_params)) < 0 ||
		(ix = Need(r, "x", 0, steps * n.in)) < 0 ||
		(ih = Need(r, "h", 0, steps * n.dirs * n.units)) < 0 ||
		(idh = Need(r, "dh", 0, steps * n.dirs * n.units)) < 0 ||
		(igrad = Need(r, "grad", 0, n.n_params)) < 0 ||
		(idin = Need(r, "dinput", 0, steps * n.in)) < 0 ||
		(n.vocab > 0 &&
		 ((itab = Need(r, "table", 0, (int64) n.vocab * n.in)) < 0 ||
		  (iids = Need(r, "ids", 0, steps)) < 0 ||
		  (idtab = Need(r, "dtable", 0, (int64) n.vocab * n.in)) < 0)))
		return;
	n.params = r->floats[ip];
	n.x = r->floats[ix];
	n.dh = r->floats[idh];
	SplitDh(&n);
	if (n.vocab > 0)
	{
		n.table = r->floats[itab];
		n.ids = palloc(sizeof(int32) * steps);
		for (int64 i = 0; i < steps; i++)
			n.ids[i] = (int32) r->values[iids][i];
		/* the embedding gives the very floats of x */
		NnEmbeddingForward(n.table, n.in, n.ids, steps, n.x);
	}

	/* PyTorch */
	Forward(&n, n.params, n.x, &p);
	grad = palloc0(sizeof(float) * n.n_params);
	dx = palloc(sizeof(float) * steps * n.in);
	Backward(&n, &p, n.x, grad, dx);
	e_h = MaxRelErr(ToDouble(p.h, steps * n.dirs * n.units), r->values[ih],
					steps * n.dirs * n.units,
					REF_FLOOR, 1e-30, NULL);
	e_grad = MaxRelErr(ToDouble(grad, n.n_params), r->values[igrad], n.n_params,
					   REF_FLOOR, 1e-30, NULL);
	e_dx = MaxRelErr(ToDouble(dx, steps * n.in), r->values[idin], steps * n.in,
					 REF_FLOOR, 1e-30, NULL);
	if (n.vocab > 0)
	{
		dtable = palloc0(sizeof(float) * n.vocab * n.in);
		NnEmbeddingBackward(n.in, n.ids, steps, dx, dtable);
		e_tab = MaxRelErr(ToDouble(dtable, (int64) n.vocab * n.in), r->values[idtab],
						  (int64) n.vocab * n.in, REF_FLOOR, 1e-30, NULL);
	}
	Tap(e_h <= REF_TOL, "PyTorch, %s: every step's output, max err %.1e", r->name, e_h);
	Tap(e_grad <= REF_GRAD_TOL && e_dx <= REF_GRAD_TOL && e_tab <= REF_GRAD_TOL,
		"PyTorch, %s: gradients of weights %.1e, input %.1e, embedding %.1e",
		r->name, e_grad, e_dx, e_tab);

	/* finite differences of the weights and of the input (or the table) */
	top = Max(LargestAbs(grad, n.n_params), n.vocab > 0 ? LargestAbs(dtable, (int64) n.vocab * n.in) :
			  LargestAbs(dx, steps * n.in));
	{
		float	   *params = palloc(sizeof(float) * n.n_params);
		float	   *x = palloc(sizeof(float) * steps * n.in);
		float	   *table = n.vocab > 0 ? palloc(sizeof(float) * n.vocab * n.in) : NULL;
		FdCtx		ctx = {&n, params, table, x};
		double		w_params,
					w_in;

		memcpy(params, n.params, sizeof(float) * n.n_params);
		memcpy(x, n.x, sizeof(float) * steps * n.in);
		if (table)
			memcpy(table, n.table, sizeof(float) * n.vocab * n.in);
		w_params = FdWorst(FdLoss, &ctx, params, n.n_params, grad,
								 top, FD_STEP, FD_TOL, FD_FLOOR, NOISE_K);
		w_in = table ? FdWorst(FdLoss, &ctx, table, (int64) n.vocab * n.in, dtable,
								 top, FD_STEP, FD_TOL, FD_FLOOR, NOISE_K) :
			FdWorst(FdLoss, &ctx, x, steps * n.in, dx,
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
	CheckNets(argc > 1 ? argv[1] : "test/reference/nn_reference.txt", "nn_recurrent_reference.txt", Check, 8);
	return UnitEnd();
}
