/*
 * nn_grad_test.c
 *	  NnBackward (src/algorithms/nn/layers.c) and NnLossGrad (loss.c)
 *	  against finite differences; dropout.  Prints TAP (test/suite/nn.sh).
 *
 * For small random networks (every hidden activation with every loss and
 * its output layer, a deep one with every activation, none hidden,
 * dropout), NnBackward's gradient of every parameter and its dinput of
 * every input are compared with a numeric derivative of L, NnLossGrad's
 * returned (double) sum after NnForward, in single precision as maas
 * computes:
 *     C(h) = (L(p + h) - L(p - h)) / ((p + h) - (p - h))
 * (p + h, p - h the float32 values actually used), extrapolated as
 * Richardson does, D(h) = (4 C(h) - C(2h)) / 3, which cancels the h^2 term
 * of the truncation error: the step can then be large enough (h = FD_STEP
 * = 0.02) that float32 rounding in L (~1e-7 relative) stays small.  D(h /
 * 2) too: |D(h) - D(h / 2)| estimates the entry's remaining error.  An
 * entry passes when
 *     |analytic - D(h)| <= FD_TOL * max(|analytic|, |D(h)|, FD_FLOOR * top)
 *                          + NOISE_K * |D(h) - D(h / 2)|
 * FD_TOL = 1e-2 (1 %), FD_FLOOR = 1e-2, top the largest |D(h)| of the
 * network (parameters and inputs), NOISE_K = 3: entries 100 times smaller
 * than the largest are checked to 1e-4 of it in absolute terms, where
 * float noise would defeat a relative test.  Each TAP line gives the worst
 * ratio of error to allowance (passing: <= 1; observed: <= 0.3).  A wrong
 * sign or a wrong derivative gives ratios of 30 to 200 (test/unit/mutants.sh).
 *
 * Kinks are avoided, not tolerated: rows are redrawn until every
 * pre-activation of a relu/leaky_relu layer is at least KINK_MARGIN = 0.2
 * (5 times the largest step 2h) from 0; mae's and huber's errors are set
 * 0.3 delta or more from 0 and from +-delta (huber: both branches,
 * checked); and every evaluation checks that no relu pre-activation
 * changed sign (else the case fails: its check would be void).  Dropout:
 * every evaluation reseeds the mask generator, so all use one mask; that
 * the mask does change the gradient, that masks drop at their rate and
 * scale by 1 / (1 - rate), and that evaluation (no generator) drops
 * nothing are checked too.  NnBackward adds into grad and overwrites
 * dinput, as nn.h says.
 *
 * Environment: FD_VERBOSE=1 prints every case's worst entries; FD_STEP,
 * FD_TOL, FD_FLOOR and NOISE_K override those settings, for experiments.
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

static double FD_STEP = 2e-2;
static double FD_TOL = 1e-2;
static double FD_FLOOR = 1e-2;	/* of the largest |numeric| */
static double NOISE_K = 3;

#define KINK_MARGIN		0.2

/* ---- networks under test ---- */

typedef struct Case
{
	const char *name;
	int			inputs;
	int			n_hidden;
	int			units[8];
	int			acts[8];
	float		dropout[8];
	int			loss;
	int			classes;		/* output units of categorical_crossentropy */
	double		delta;			/* huber */
	int			rows;
	uint64		seed;
} Case;

typedef struct Net
{
	const Case *c;
	NnNet		net;
	int			k;				/* output units */
	float	   *params;
	float	   *x;				/* rows x inputs */
	float	   *y;
	NnWork		w;
	float	   *dz;				/* scratch of NnLossGrad in evaluations */
	bool		dropout;
	uint64		mask_seed;
	char	   *signs;			/* relu-family pre-activations' signs at p */
	int64		n_signs;
	int64		sign_changes;	/* in the evaluations since */
} Net;

static int
OutputActivation(int loss)
{
	return loss == NN_BCE ? NN_SIGMOID : loss == NN_CCE ? NN_SOFTMAX : NN_LINEAR;
}

static bool
Rectifier(int activation)
{
	return activation == NN_RELU || activation == NN_LEAKY_RELU;
}

/* Forward over the current x (the mask reseeded) and the summed loss */
static double
Evaluate(Net *n, float scale, float *dz)
{
	const NnNet *net = &n->net;
	pg_prng_state rng;

	memcpy(n->w.a[0], n->x, sizeof(float) * n->c->rows * n->c->inputs);
	pg_prng_seed(&rng, n->mask_seed);
	NnForward(net, n->params, &n->w, n->c->rows, n->dropout ? &rng : NULL);
	if (n->signs != NULL)
	{
		int64		s = 0;

		for (int l = 0; l < net->n_layers - 1; l++)
			if (Rectifier(net->layers[l].activation))
				for (int64 i = 0; i < (int64) n->c->rows * net->layers[l].out; i++, s++)
					if ((n->w.z[l][i] > 0) != n->signs[s])
						n->sign_changes++;
	}
	return NnLossGrad(n->c->loss, n->w.z[net->n_layers - 1], n->y, n->c->rows, n->k,
					  n->c->delta, scale, dz);
}

/* Rows of the forward pass at whose relu-family pre-activations are near 0 */
static int
RowsNearKinks(Net *n, bool *near)
{
	const NnNet *net = &n->net;
	int			count = 0;

	Evaluate(n, 1.0f, n->dz);
	memset(near, 0, sizeof(bool) * n->c->rows);
	for (int l = 0; l < net->n_layers - 1; l++)
	{
		int			out = net->layers[l].out;

		if (!Rectifier(net->layers[l].activation))
			continue;
		for (int r = 0; r < n->c->rows; r++)
			for (int k = 0; k < out; k++)
				if (fabsf(n->w.z[l][(int64) r * out + k]) < KINK_MARGIN && !near[r])
				{
					near[r] = true;
					count++;
				}
	}
	return count;
}

static void
MakeNet(Net *n, const Case *c)
{
	NnNet	   *net = &n->net;
	pg_prng_state rng;
	int			acts[8];
	bool	   *near = palloc(sizeof(bool) * c->rows);
	bool		rectifiers = false;
	int			tries = 0;

	memset(n, 0, sizeof(*n));
	n->c = c;
	n->k = c->loss == NN_CCE ? c->classes : 1;
	memcpy(acts, c->acts, sizeof(acts));
	NnInitNet(net, c->inputs, c->n_hidden, c->units, acts, c->dropout, n->k,
			  OutputActivation(c->loss));
	pg_prng_seed(&rng, c->seed);
	n->params = palloc(sizeof(float) * net->n_params);
	for (int l = 0; l < net->n_layers; l++)
	{
		const NnLayer *layer = &net->layers[l];
		double		limit = 1.2 * sqrt(3.0 / layer->in);

		for (int64 i = 0; i < (int64) layer->in * layer->out; i++)
			n->params[layer->w + i] = (float) Uniform(&rng, -limit, limit);
		for (int k = 0; k < layer->out; k++)
			n->params[layer->b + k] = (float) Uniform(&rng, -0.5, 0.5);
		if (l < c->n_hidden && c->dropout[l] > 0)
			n->dropout = true;
		if (l < c->n_hidden && Rectifier(layer->activation))
			rectifiers = true;
	}
	n->mask_seed = c->seed * 7919 + 1;
	NnWorkInit(&n->w, net, c->rows, n->dropout);
	n->dz = palloc(sizeof(float) * c->rows * n->k);
	n->x = palloc(sizeof(float) * c->rows * c->inputs);
	n->y = palloc0(sizeof(float) * c->rows);
	for (int i = 0; i < c->rows * c->inputs; i++)
		n->x[i] = (float) Uniform(&rng, -2, 2);
	/* redraw the rows that come near a kink (the masks do not depend on x) */
	while (rectifiers && RowsNearKinks(n, near) > 0)
	{
		if (++tries > 10000)
		{
			Diag("%s: no rows away from the kinks after %d draws", c->name, tries);
			break;
		}
		for (int r = 0; r < c->rows; r++)
			if (near[r])
				for (int j = 0; j < c->inputs; j++)
					n->x[r * c->inputs + j] = (float) Uniform(&rng, -2, 2);
	}
	/* targets: errors away from mae's and huber's kinks */
	Evaluate(n, 1.0f, n->dz);
	for (int r = 0; r < c->rows; r++)
	{
		static const double mags[] = {0.3, 1.7, 0.55, 2.6, 0.8, 1.3};
		float		z = n->w.z[net->n_layers - 1][(int64) r * n->k];
		double		sign = pg_prng_double(&rng) < 0.5 ? -1 : 1;

		switch (c->loss)
		{
			case NN_MSE:
				n->y[r] = (float) Uniform(&rng, -2, 2);
				break;
			case NN_MAE:
			case NN_HUBER:
				n->y[r] = (float) (z + sign * mags[r % 6] * (c->loss == NN_HUBER ? c->delta : 1));
				break;
			case NN_BCE:
				n->y[r] = (float) (r % 2);
				break;
			case NN_CCE:
				n->y[r] = (float) pg_prng_uint64_range(&rng, 0, n->k - 1);
				break;
		}
	}
	/* the relu-family signs at p, to see that no difference crosses a kink */
	if (rectifiers)
	{
		int64		s = 0;

		for (int l = 0; l < net->n_layers - 1; l++)
			if (Rectifier(net->layers[l].activation))
				n->n_signs += (int64) c->rows * net->layers[l].out;
		n->signs = palloc(n->n_signs);
		for (int l = 0; l < net->n_layers - 1; l++)
			if (Rectifier(net->layers[l].activation))
				for (int64 i = 0; i < (int64) c->rows * net->layers[l].out; i++)
					n->signs[s++] = n->w.z[l][i] > 0;
	}
	pfree(near);
}

/* Central difference of the loss in *v with step h */
static double
Central(Net *n, float *v, double h)
{
	float		keep = *v;
	float		plus = (float) (keep + h);
	float		minus = (float) (keep - h);
	double		lp;
	double		lm;

	*v = plus;
	lp = Evaluate(n, 1.0f, n->dz);
	*v = minus;
	lm = Evaluate(n, 1.0f, n->dz);
	*v = keep;
	return (lp - lm) / ((double) plus - (double) minus);
}

/*
 * Richardson's extrapolation of central differences with steps h and 2h,
 * (4 D(h) - D(2h)) / 3: the h^2 term of the truncation error cancels, so h
 * can be large enough for float32 rounding not to matter
 */
static double
Difference(Net *n, float *v, double h)
{
	return (4 * Central(n, v, h) - Central(n, v, 2 * h)) / 3;
}

typedef struct GradResult
{
	double		param_err;		/* largest |error| / allowed of the parameters */
	int64		param_worst;
	double		input_err;		/* of the inputs */
	int64		input_worst;
	double		top_grad;		/* largest |numeric| of parameters and inputs */
	double	   *analytic;
	double	   *numeric;		/* Difference with step h */
	double	   *numeric2;		/* with step h / 2 */
} GradResult;

/*
 * |analytic - numeric| over what is allowed: FD_TOL relative (floor
 * FD_FLOOR of the largest entry), plus NOISE_K times the entry's own
 * noise estimate |D(h) - D(h / 2)|; the largest ratio, and where
 */
static double
WorstRatio(const double *an, const double *nu, const double *nu2, int64 n, double top,
		   int64 *where)
{
	double		worst = 0;

	*where = 0;
	for (int64 i = 0; i < n; i++)
	{
		double		allowed = FD_TOL * Max(Max(fabs(an[i]), fabs(nu[i])), Max(FD_FLOOR * top, 1e-7)) +
			NOISE_K * fabs(nu[i] - nu2[i]);
		double		e = fabs(an[i] - nu[i]) / allowed;

		if (!(e <= worst))
		{
			worst = isnan(e) ? INFINITY : e;
			*where = i;
		}
	}
	return worst;
}

/* NnBackward's gradients against finite differences */
static void
CheckGradient(Net *n, GradResult *res)
{
	const NnNet *net = &n->net;
	const Case *c = n->c;
	int64		np = net->n_params;
	int64		ni = (int64) c->rows * c->inputs;
	float	   *grad = palloc0(sizeof(float) * np);
	float	   *dinput = palloc(sizeof(float) * ni);
	double	   *an = palloc(sizeof(double) * (np + ni));
	double	   *nu = palloc(sizeof(double) * (np + ni));
	double	   *nu2 = palloc(sizeof(double) * (np + ni));
	const float scale = 0.5f;	/* the gradient of scale * the sum: a power of 2 */

	for (int64 i = 0; i < ni; i++)
		dinput[i] = NAN;		/* NnBackward overwrites dinput */
	Evaluate(n, scale, n->w.dz);
	NnBackward(net, n->params, &n->w, c->rows, grad, dinput);
	for (int64 i = 0; i < np; i++)
		an[i] = grad[i] / scale;
	for (int64 i = 0; i < ni; i++)
		an[np + i] = dinput[i] / scale;
	n->sign_changes = 0;
	for (int64 i = 0; i < np + ni; i++)
	{
		float	   *v = i < np ? &n->params[i] : &n->x[i - np];

		nu[i] = Difference(n, v, FD_STEP);
		nu2[i] = Difference(n, v, FD_STEP / 2);
	}
	res->top_grad = 0;
	for (int64 i = 0; i < np + ni; i++)
		res->top_grad = Max(res->top_grad, fabs(nu[i]));
	res->param_err = WorstRatio(an, nu, nu2, np, res->top_grad, &res->param_worst);
	res->input_err = WorstRatio(an + np, nu + np, nu2 + np, ni, res->top_grad, &res->input_worst);
	res->analytic = an;
	res->numeric = nu;
	res->numeric2 = nu2;
	pfree(grad);
	pfree(dinput);
}

static void
DescribeCase(const Case *c, char *buf, size_t size)
{
	int			len = snprintf(buf, size, "%d", c->inputs);

	for (int l = 0; l < c->n_hidden; l++)
		len += snprintf(buf + len, size - len, "-%d%s%s", c->units[l], unit_activations[c->acts[l]],
						c->dropout[l] > 0 ? psprintf("(dropout %.2g)", c->dropout[l]) : "");
	snprintf(buf + len, size - len, "-%d %s", c->loss == NN_CCE ? c->classes : 1,
			 unit_losses[c->loss]);
}

static void
GradientTest(const Case *c)
{
	Net			n;
	GradResult	res;
	char		shape[512];
	bool		ok;

	MakeNet(&n, c);
	CheckGradient(&n, &res);
	DescribeCase(c, shape, sizeof(shape));
	ok = res.param_err <= 1 && res.input_err <= 1 && n.sign_changes == 0;
	Tap(ok, "finite differences, %s [%s]: %lld params, worst %.2f of the tolerance; %d inputs, worst %.2f",
		c->name, shape, (long long) n.net.n_params, res.param_err, c->rows * c->inputs,
		res.input_err);
	if (n.sign_changes > 0)
		Diag("  %lld relu pre-activations changed sign in the differences (kink crossed)",
			 (long long) n.sign_changes);
	if (res.param_err > 1 || getenv("FD_VERBOSE"))
		Diag("  worst parameter %lld: NnBackward %.8g, difference %.8g (step h / 2: %.8g), largest %.3g",
			 (long long) res.param_worst, res.analytic[res.param_worst],
			 res.numeric[res.param_worst], res.numeric2[res.param_worst], res.top_grad);
	if (res.input_err > 1 || getenv("FD_VERBOSE"))
		Diag("  worst input %lld: NnBackward %.8g, difference %.8g (step h / 2: %.8g)",
			 (long long) res.input_worst, res.analytic[n.net.n_params + res.input_worst],
			 res.numeric[n.net.n_params + res.input_worst],
			 res.numeric2[n.net.n_params + res.input_worst]);
	if (res.top_grad < 1e-3)
		Diag("  the gradient is nearly 0 (largest %.2g): a weak check", res.top_grad);
}

/* Huber's two branches both present in a case's rows */
static void
HuberBranches(const Case *c)
{
	Net			n;
	int			inner = 0;
	int			outer = 0;

	MakeNet(&n, c);
	Evaluate(&n, 1.0f, n.dz);
	for (int r = 0; r < c->rows; r++)
	{
		double		e = fabs(n.w.z[n.net.n_layers - 1][r] - n.y[r]);

		if (e < c->delta)
			inner++;
		else
			outer++;
	}
	Tap(inner > 0 && outer > 0, "huber, %s: both branches checked (%d rows quadratic, %d linear)",
		c->name, inner, outer);
}

/* Backward adds into grad, overwrites dinput, and dinput NULL changes nothing */
static void
AccumulateTest(const Case *c)
{
	Net			n;
	const NnNet *net;
	int64		np;
	int64		ni;
	float	   *g0;
	float	   *g1;
	float	   *g2;
	float	   *g3;
	float	   *d1;
	bool		same = true;
	double		err;

	MakeNet(&n, c);
	net = &n.net;
	np = net->n_params;
	ni = (int64) c->rows * c->inputs;
	g0 = palloc(sizeof(float) * np);
	g1 = palloc0(sizeof(float) * np);
	g2 = palloc(sizeof(float) * np);
	g3 = palloc0(sizeof(float) * np);
	d1 = palloc(sizeof(float) * ni);
	{
		pg_prng_state rng;

		pg_prng_seed(&rng, 77);
		for (int64 i = 0; i < np; i++)
			g0[i] = g2[i] = (float) Uniform(&rng, -1, 1);
	}
	Evaluate(&n, 1.0f, n.w.dz);
	NnBackward(net, n.params, &n.w, c->rows, g1, d1);
	Evaluate(&n, 1.0f, n.w.dz);
	NnBackward(net, n.params, &n.w, c->rows, g2, NULL);
	Evaluate(&n, 1.0f, n.w.dz);
	NnBackward(net, n.params, &n.w, c->rows, g3, NULL);
	/* g0 + g1 rounded once or twice: within 2 ulps of |g0| + |g1| */
	err = 0;
	for (int64 i = 0; i < np; i++)
	{
		err = Max(err, fabs(g2[i] - ((double) g0[i] + g1[i])) /
				  ((fabs(g0[i]) + fabs(g1[i])) * FLT_EPSILON + 1e-30));
		same = same && g1[i] == g3[i];
	}
	Tap(err <= 2 && same,
		"NnBackward adds into grad (max err %.2g ulp of |grad| + |added|), and dinput NULL gives the same gradient (%s)",
		err, same ? "bit for bit" : "differs");
}

/* ---- dropout ---- */

static void
DropoutMaskTest(void)
{
	NnNet		net;
	NnWork		w;
	int			units[2] = {50, 40};
	int			acts[2] = {NN_TANH, NN_RELU};
	float		dropout[2] = {0.3f, 0.5f};
	int			rows = 400;
	float	   *params;
	pg_prng_state rng;
	bool		ok = true;
	char		detail[256] = "";

	NnInitNet(&net, 6, 2, units, acts, dropout, 1, NN_LINEAR);
	params = palloc(sizeof(float) * net.n_params);
	pg_prng_seed(&rng, 5);
	NnInitWeights(&net, params, &rng);
	for (int64 i = 0; i < net.n_params; i++)
		params[i] += (float) Uniform(&rng, -0.1, 0.1);	/* nonzero biases */
	NnWorkInit(&w, &net, rows, true);
	for (int i = 0; i < rows * 6; i++)
		w.a[0][i] = (float) Uniform(&rng, -2, 2);
	NnForward(&net, params, &w, rows, &rng);
	for (int l = 0; l < 2 && ok; l++)
	{
		int64		n = (int64) rows * units[l];
		int64		zeros = 0;
		float		scale = 1.0f / (1.0f - dropout[l]);
		float	   *a = palloc(sizeof(float) * n);
		double		sd = sqrt(n * dropout[l] * (1 - dropout[l]));

		NnActivate(acts[l], w.z[l], a, rows, units[l]);
		for (int64 i = 0; i < n; i++)
		{
			float		m = w.mask[l][i];

			if (m == 0)
				zeros++;
			else if (m != scale)
			{
				ok = false;
				snprintf(detail, sizeof(detail), "layer %d: a kept unit scaled by %g, not %g",
						 l, m, scale);
				break;
			}
			if (w.a[l + 1][i] != a[i] * m)
			{
				ok = false;
				snprintf(detail, sizeof(detail), "layer %d: output %g is not activation %g times mask %g",
						 l, w.a[l + 1][i], a[i], m);
				break;
			}
		}
		if (ok && fabs(zeros - n * dropout[l]) > 4 * sd)
		{
			ok = false;
			snprintf(detail, sizeof(detail), "layer %d: %lld of %lld dropped at rate %g",
					 l, (long long) zeros, (long long) n, dropout[l]);
		}
	}
	Tap(ok, "dropout: masks drop at their rate and scale the rest by 1 / (1 - rate)%s%s",
		ok ? "" : ": ", detail);

	/* evaluation (no generator): no dropout at all */
	NnForward(&net, params, &w, rows, NULL);
	ok = true;
	for (int l = 0; l < 2; l++)
	{
		float	   *a = palloc(sizeof(float) * rows * units[l]);

		NnActivate(acts[l], w.z[l], a, rows, units[l]);
		ok = ok && memcmp(a, w.a[l + 1], sizeof(float) * rows * units[l]) == 0;
	}
	Tap(ok, "dropout: none in evaluation (NnForward without a generator)");
}

/* With dropout, the gradient differs from the one without (the mask is used) */
static void
DropoutUsedTest(const Case *c)
{
	Net			n;
	GradResult	with;
	GradResult	without;
	double		err;

	MakeNet(&n, c);
	CheckGradient(&n, &with);
	n.dropout = false;
	n.signs = NULL;
	CheckGradient(&n, &without);
	err = MaxRelErr(with.analytic, without.analytic, n.net.n_params, 0, 1e-12, NULL);
	Tap(err > 0.1, "dropout, %s: the mask changes the gradient (max relative change %.2g)",
		c->name, err);
}

static Case
Mlp(const char *name, int inputs, int n_hidden, const int *units, const int *acts,
	const float *dropout, int loss, int classes, int rows, uint64 seed)
{
	Case		c;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.inputs = inputs;
	c.n_hidden = n_hidden;
	if (n_hidden > 0)
	{
		memcpy(c.units, units, sizeof(int) * n_hidden);
		memcpy(c.acts, acts, sizeof(int) * n_hidden);
	}
	if (dropout)
		memcpy(c.dropout, dropout, sizeof(float) * n_hidden);
	c.loss = loss;
	c.classes = classes;
	c.delta = loss == NN_HUBER ? 0.8 : 1.0;
	c.rows = rows;
	c.seed = seed;
	return c;
}

/* Every hidden activation with every loss, and a few special networks */
static void
GradientTests(void)
{
	uint64		seed = 100;

	for (int a = NN_RELU; a <= NN_GELU; a++)
		for (int loss = NN_MSE; loss <= NN_CCE; loss++)
		{
			int			units[2] = {6, 5};
			int			acts[2] = {a, a};
			Case		c = Mlp(psprintf("%s/%s", unit_activations[a], unit_losses[loss]), 4, 2,
								units, acts, NULL, loss, 3, 6, ++seed);

			GradientTest(&c);
		}
	{
		int			units[6] = {7, 6, 5, 4, 5, 3};
		int			acts[6] = {NN_RELU, NN_GELU, NN_TANH, NN_SIGMOID, NN_LEAKY_RELU, NN_LINEAR};
		Case		c = Mlp("deep, one of each", 5, 6, units, acts, NULL, NN_CCE, 4, 7, 201);

		GradientTest(&c);
		c = Mlp("deep, one of each", 5, 6, units, acts, NULL, NN_MSE, 1, 7, 202);
		GradientTest(&c);
	}
	{
		Case		c = Mlp("no hidden layer", 5, 0, NULL, NULL, NULL, NN_BCE, 1, 6, 203);

		GradientTest(&c);
		c = Mlp("no hidden layer", 5, 0, NULL, NULL, NULL, NN_CCE, 3, 6, 204);
		GradientTest(&c);
	}
	{
		int			units[1] = {6};
		int			acts[1] = {NN_SIGMOID};
		Case		c = Mlp("huber delta 2.5", 3, 1, units, acts, NULL, NN_HUBER, 1, 8, 205);

		c.delta = 2.5;
		GradientTest(&c);
		HuberBranches(&c);
		c = Mlp("huber delta 0.8", 3, 1, units, acts, NULL, NN_HUBER, 1, 8, 206);
		HuberBranches(&c);
	}
	{
		int			units[2] = {6, 5};
		int			acts[2] = {NN_TANH, NN_RELU};
		Case		c = Mlp("accumulate", 4, 2, units, acts, NULL, NN_CCE, 3, 6, 207);

		AccumulateTest(&c);
	}
}

static void
DropoutTests(void)
{
	int			units[2] = {8, 6};
	float		dropout[2] = {0.3f, 0.5f};
	int			a1[2] = {NN_TANH, NN_RELU};
	int			a2[2] = {NN_GELU, NN_SIGMOID};
	int			a3[2] = {NN_LEAKY_RELU, NN_LINEAR};
	Case		c = Mlp("dropout", 4, 2, units, a1, dropout, NN_MSE, 1, 8, 301);

	DropoutMaskTest();
	GradientTest(&c);
	DropoutUsedTest(&c);
	c = Mlp("dropout", 4, 2, units, a2, dropout, NN_CCE, 3, 8, 302);
	GradientTest(&c);
	c = Mlp("dropout", 4, 2, units, a3, dropout, NN_BCE, 1, 8, 303);
	GradientTest(&c);
}

int
main(int argc, char **argv)
{
	UnitBegin();
	if (getenv("FD_STEP"))
		FD_STEP = atof(getenv("FD_STEP"));
	if (getenv("FD_TOL"))
		FD_TOL = atof(getenv("FD_TOL"));
	if (getenv("FD_FLOOR"))
		FD_FLOOR = atof(getenv("FD_FLOOR"));
	if (getenv("NOISE_K"))
		NOISE_K = atof(getenv("NOISE_K"));
	Diag("finite differences: step %g, Richardson with 2 h; tolerance %g relative, floor %g of the largest, plus %g times |D(h) - D(h / 2)|; kink margin %g",
		 FD_STEP, FD_TOL, FD_FLOOR, NOISE_K, KINK_MARGIN);
	GradientTests();
	DropoutTests();
	return UnitEnd();
}
