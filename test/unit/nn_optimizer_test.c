/*
 * nn_optimizer_test.c
 *	  MaasOptimizerStep (src/core/optimizer.c) against torch.optim.
 *	  Prints TAP (test/suite/nn.sh).
 *
 *	  nn_optimizer_test [REFERENCE]   (test/reference/nn_reference.txt)
 *
 * adam, adamw, sgd, sgd with momentum, nesterov: against torch.optim's
 * algorithms as its documentation writes them, here in double (random
 * gradients from 1e-3 to 10 and exact zeros, 8 steps), and against
 * torch.optim's own results in the reference file (its "opt" records,
 * written by test/reference/nn_reference.py).  Parameters pass within
 * OPT_TOL = 1e-5 relative to max(|w|, lr) after every step (observed:
 * <= 2e-6, float32 state over a few steps).  Betas near 1 are included:
 * the moments' weights 1 - beta must be those of the double beta, not of
 * its float32 rounding (0.999f is 1 - 0.99999e-3; 0.99999999f is 1).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/pg_prng.h"
#include "lib/stringinfo.h"

#include "algorithms/algorithms.h"
#include "algorithms/nn/nn.h"
#include "unit.h"

#define OPT_TOL			1e-5

/* ---- optimizers ---- */

typedef struct OptConfig
{
	const char *name;
	int			kind;
	double		lr;
	double		beta1;
	double		beta2;
	double		eps;
	double		momentum;
	bool		nesterov;
	double		weight_decay;
} OptConfig;

/* torch.optim's algorithms (the pseudo-code of its documentation), in double */
typedef struct RefOpt
{
	OptConfig	c;
	int			n;
	int			t;
	double	   *m;
	double	   *v;
} RefOpt;

static void
RefStep(RefOpt *o, double *w, const double *g)
{
	const OptConfig *c = &o->c;

	o->t++;
	for (int i = 0; i < o->n; i++)
	{
		if (c->kind == MAAS_OPTIMIZER_SGD)
		{
			double		d = g[i];

			if (c->momentum != 0)
			{
				/* b_1 = g; b_t = mu b_(t-1) + (1 - dampening = 1) g */
				o->m[i] = o->t == 1 ? d : c->momentum * o->m[i] + d;
				d = c->nesterov ? g[i] + c->momentum * o->m[i] : o->m[i];
			}
			w[i] -= c->lr * d;
		}
		else
		{
			double		mhat;
			double		vhat;

			if (c->kind == MAAS_OPTIMIZER_ADAMW)
				w[i] -= c->lr * c->weight_decay * w[i];
			o->m[i] = c->beta1 * o->m[i] + (1 - c->beta1) * g[i];
			o->v[i] = c->beta2 * o->v[i] + (1 - c->beta2) * g[i] * g[i];
			mhat = o->m[i] / (1 - pow(c->beta1, o->t));
			vhat = o->v[i] / (1 - pow(c->beta2, o->t));
			w[i] -= c->lr * mhat / (sqrt(vhat) + c->eps);
		}
	}
}

static void
InitMaasOpt(MaasOptimizer *o, const OptConfig *c, int n)
{
	memset(o, 0, sizeof(*o));
	o->kind = c->kind;
	o->beta1 = c->beta1;
	o->beta2 = c->beta2;
	o->epsilon = c->eps;
	o->momentum = c->momentum;
	o->nesterov = c->nesterov;
	o->weight_decay = c->weight_decay;
	MaasOptimizerInit(o, n);
}

/* Parameters' error: |w - ref| / max(|ref|, lr) */
static double
OptErr(const float *w, const double *ref, int n, double lr)
{
	double		worst = 0;

	for (int i = 0; i < n; i++)
	{
		double		e = fabs(w[i] - ref[i]) / Max(fabs(ref[i]), lr);

		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

static void
OptimizerFormulaTest(const OptConfig *c)
{
	const int	n = 40;
	const int	steps = 8;
	MaasOptimizer o;
	RefOpt		ref;
	float	   *w = palloc(sizeof(float) * n);
	float	   *g = palloc(sizeof(float) * n);
	double	   *rw = palloc(sizeof(double) * n);
	double	   *rg = palloc(sizeof(double) * n);
	pg_prng_state rng;
	double		worst = 0;

	pg_prng_seed(&rng, 4242);
	InitMaasOpt(&o, c, n);
	ref.c = *c;
	ref.n = n;
	ref.t = 0;
	ref.m = palloc0(sizeof(double) * n);
	ref.v = palloc0(sizeof(double) * n);
	for (int i = 0; i < n; i++)
		rw[i] = w[i] = (float) Uniform(&rng, -1, 1);
	for (int s = 0; s < steps; s++)
	{
		for (int i = 0; i < n; i++)
		{
			/* gradients of every size, some exactly 0 */
			double		size = pow(10.0, (i % 5) - 3);

			g[i] = (i % 7 == 6) ? 0.0f : (float) (Uniform(&rng, -1, 1) * size);
			rg[i] = g[i];
		}
		MaasOptimizerStep(&o, w, g, c->lr);
		RefStep(&ref, rw, rg);
		worst = Max(worst, OptErr(w, rw, n, c->lr));
	}
	Tap(worst <= OPT_TOL, "optimizer %s against torch.optim's formulas: %d steps, max err %.1e",
		c->name, steps, worst);
}

static void
ReferenceOpt(const Record *r)
{
	char	   *name = pnstrdup(r->head + 4, strcspn(r->head + 4, " \n"));
	char	   *kind = HeadValue(r, "kind");
	OptConfig	c;
	int			n = atoi(HeadValue(r, "n"));
	int			steps = atoi(HeadValue(r, "steps"));
	MaasOptimizer o;
	int			iw0;
	float	   *w;
	double		worst = 0;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.kind = strcmp(kind, "adam") == 0 ? MAAS_OPTIMIZER_ADAM :
		strcmp(kind, "adamw") == 0 ? MAAS_OPTIMIZER_ADAMW : MAAS_OPTIMIZER_SGD;
	c.lr = strtod(HeadValue(r, "lr"), NULL);
	c.beta1 = strtod(HeadValue(r, "beta1"), NULL);
	c.beta2 = strtod(HeadValue(r, "beta2"), NULL);
	c.eps = strtod(HeadValue(r, "eps"), NULL);
	c.momentum = strtod(HeadValue(r, "momentum"), NULL);
	c.nesterov = atoi(HeadValue(r, "nesterov")) != 0;
	c.weight_decay = strtod(HeadValue(r, "weight_decay"), NULL);
	if ((iw0 = Need(r, "w0", 0, n)) < 0)
		return;
	InitMaasOpt(&o, &c, n);
	w = palloc(sizeof(float) * n);
	memcpy(w, r->floats[iw0], sizeof(float) * n);
	for (int s = 0; s < steps; s++)
	{
		int			ig = Need(r, "g", s, n);
		int			iw = Need(r, "w", s, n);

		if (ig < 0 || iw < 0)
			return;
		MaasOptimizerStep(&o, w, r->floats[ig], c.lr);
		worst = Max(worst, OptErr(w, r->values[iw], n, c.lr));
	}
	Tap(worst <= OPT_TOL, "PyTorch, optimizer %s: %d steps of torch.optim's %s, max err %.1e",
		name, steps, kind, worst);
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "test/reference/nn_reference.txt";
	static const OptConfig configs[] = {
		{"adam", MAAS_OPTIMIZER_ADAM, 0.01, 0.9, 0.999, 1e-8},
		{"adam (beta 0.5, 0.9, eps 1e-3)", MAAS_OPTIMIZER_ADAM, 0.1, 0.5, 0.9, 1e-3},
		/* beta_2 near 1 (params allow up to 0.999999999): 1 - beta_2 in float */
		{"adam (beta 0.9, 0.9999)", MAAS_OPTIMIZER_ADAM, 0.01, 0.9, 0.9999, 1e-8},
		{"adam (beta 0.9, 0.99999999)", MAAS_OPTIMIZER_ADAM, 0.01, 0.9, 0.99999999, 1e-7},
		{"adamw", MAAS_OPTIMIZER_ADAMW, 0.01, 0.9, 0.999, 1e-7, 0, false, 0.1},
		{"adamw (weight decay 0.5)", MAAS_OPTIMIZER_ADAMW, 0.05, 0.8, 0.99, 1e-6, 0, false, 0.5},
		{"sgd", MAAS_OPTIMIZER_SGD, 0.1},
		{"sgd momentum 0.9", MAAS_OPTIMIZER_SGD, 0.05, 0, 0, 0, 0.9},
		{"sgd nesterov 0.9", MAAS_OPTIMIZER_SGD, 0.05, 0, 0, 0, 0.9, true},
		{"sgd nesterov 0.5", MAAS_OPTIMIZER_SGD, 0.2, 0, 0, 0, 0.5, true},
	};
	char	   *error = NULL;
	Record	  **records = NULL;
	int			n_records;
	int			n_opts = 0;

	UnitBegin();
	for (int i = 0; i < lengthof(configs); i++)
		OptimizerFormulaTest(&configs[i]);
	n_records = ReadReference(path, &records, &error);
	if (error != NULL)
		Tap(false, "read the PyTorch reference: %s", error);
	for (int i = 0; i < n_records; i++)
		if (strncmp(records[i]->head, "opt ", 4) == 0)
		{
			ReferenceOpt(records[i]);
			n_opts++;
		}
	Tap(error == NULL && n_opts >= 5, "the PyTorch reference has %d optimizer runs", n_opts);
	return UnitEnd();
}
