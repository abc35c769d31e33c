/*
 * nn_attention_test.c
 *	  The Transformer encoder's layers (src/algorithms/nn/attention.c):
 *	  layer normalization, multi-head self-attention with padding masked,
 *	  the encoder block, against PyTorch and against finite differences.
 *	  Prints TAP (test/suite/nn.sh).
 *
 * PyTorch: for each case of test/reference/nn_attention_reference.txt
 * (written by nn_attention_reference.py: nn.LayerNorm,
 * nn.MultiheadAttention with key_padding_mask, nn.TransformerEncoderLayer
 * with src_key_padding_mask, in float64 on the same float32 weights and
 * inputs), every step's output within REF_TOL = 1e-5 and the gradients of
 * the parameters and the input (loss sum(y * dy) for a random dy) within
 * REF_GRAD_TOL = 1e-4, each relative to max(|reference|, REF_FLOOR of the
 * vector's largest).
 *
 * Finite differences: the same cases, and the encoder cases again with
 * dropout 0.3 and gelu (the masks drawn from a generator seeded alike for every
 * evaluation, so each evaluation drops the same units): every parameter's
 * and input's gradient against Richardson-extrapolated central
 * differences of the float32 forward pass, within FD_TOL = 1 % of
 * max(|analytic|, |numeric|, FD_FLOOR of the largest) plus NOISE_K times
 * the difference of two step sizes' estimates, as nn_recurrent_test does.
 */
#include "postgres.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/nn/attention.h"
#include "unit.h"

#define REF_TOL			1e-5
#define REF_GRAD_TOL	1e-4
#define REF_FLOOR		1e-2
#define FD_STEP			1e-2
#define FD_TOL			1e-2
#define FD_FLOOR		1e-2
#define NOISE_K			3
#define DROPOUT_SEED	42

typedef enum Kind
{
	LAYER_NORM, MHA, ENCODER
} Kind;

typedef struct Case
{
	Kind		kind;
	NnEncoderShape s;
	int			B;
	int			T;
	int		   *lens;
	int64		n_params;
	float	   *dy;
	bool		dropout;
} Case;

/* y for x: the case's layer over params, dropout drawn from a fixed seed */
static float *
Forward(const Case *c, const float *params, const float *x, NnEncoderCache *cache)
{
	int64		rows = (int64) c->B * c->T;
	pg_prng_state rng;

	if (c->kind == LAYER_NORM)
	{
		float	   *y = palloc(sizeof(float) * rows * c->s.d);

		cache->xhat1 = palloc(sizeof(float) * rows * c->s.d);
		cache->rstd1 = palloc(sizeof(float) * rows);
		NnLayerNormForward(params, params + c->s.d, x, rows, c->s.d, y, cache->xhat1,
						   cache->rstd1);
		return y;
	}
	NnEncoderCacheInit(cache, &c->s, c->B, c->T, c->dropout);
	pg_prng_seed(&rng, DROPOUT_SEED);
	if (c->kind == MHA)
	{
		NnAttentionForward(&c->s, params, x, c->B, c->T, c->lens, cache,
						   c->dropout ? &rng : NULL);
		return cache->att;
	}
	NnEncoderForward(&c->s, params, x, c->B, c->T, c->lens, cache, c->dropout ? &rng : NULL);
	return cache->y;
}

/* grad (zeroed first) and dx of sum(y * dy) */
static void
Backward(const Case *c, const float *params, const float *x, const NnEncoderCache *cache,
		 float *grad, float *dx)
{
	int64		rows = (int64) c->B * c->T;
	NnEncoderWork w;

	memset(grad, 0, sizeof(float) * c->n_params);
	if (c->kind == LAYER_NORM)
	{
		NnLayerNormBackward(params, cache->xhat1, cache->rstd1, c->dy, rows, c->s.d,
							grad, grad + c->s.d, dx);
		return;
	}
	NnEncoderWorkInit(&w, &c->s, c->B, c->T);
	if (c->kind == MHA)
	{
		memset(dx, 0, sizeof(float) * rows * c->s.d);
		NnAttentionBackward(&c->s, params, x, c->B, c->T, c->lens, cache, c->dy, grad, dx, &w);
	}
	else
		NnEncoderBackward(&c->s, params, c->B, c->T, c->lens, cache, c->dy, grad, dx, &w);
}

static double
Loss(const Case *c, const float *params, const float *x)
{
	NnEncoderCache cache;
	const float *y = Forward(c, params, x, &cache);
	double		loss = 0;

	for (int64 i = 0; i < (int64) c->B * c->T * c->s.d; i++)
		loss += (double) y[i] * c->dy[i];
	return loss;
}

/* Central difference of the loss in one float, v +- step (as used) */
static double
Central(const Case *c, float *v, double step, const float *params, const float *x)
{
	float		keep = *v;
	float		up = keep + (float) step;
	float		down = keep - (float) step;
	double		lu,
				ld;

	*v = up;
	lu = Loss(c, params, x);
	*v = down;
	ld = Loss(c, params, x);
	*v = keep;
	return (lu - ld) / ((double) up - (double) down);
}

/* Worst ratio of error to allowance over v's count entries, gradient g */
static double
CheckFd(const Case *c, float *v, int64 count, const float *g, const float *params,
		const float *x, double top)
{
	double		worst = 0;

	for (int64 i = 0; i < count; i++)
	{
		double		c1 = Central(c, &v[i], FD_STEP, params, x);
		double		c2 = Central(c, &v[i], 2 * FD_STEP, params, x);
		double		ch = Central(c, &v[i], FD_STEP / 2, params, x);
		double		d = (4 * c1 - c2) / 3;
		double		d_half = (4 * ch - c1) / 3;
		double		allow = FD_TOL * Max(Max(fabs(g[i]), fabs(d)), FD_FLOOR * top) +
			NOISE_K * fabs(d - d_half);

		if (getenv("FD_VERBOSE") && fabs(g[i] - d) / allow > 1)
			Diag("entry %lld: analytic %.6g numeric %.6g (half step %.6g)", (long long) i, g[i], d, d_half);
		worst = Max(worst, fabs(g[i] - d) / allow);
	}
	return worst;
}

static double
Largest(const float *v, int64 n)
{
	double		m = 0;

	for (int64 i = 0; i < n; i++)
		m = Max(m, fabs(v[i]));
	return m;
}

/* gradients of c at params, x against finite differences */
static void
FiniteDifferences(const Case *c, const float *params0, const float *x0, const char *name)
{
	int64		nx = (int64) c->B * c->T * c->s.d;
	float	   *params = palloc(sizeof(float) * c->n_params);
	float	   *x = palloc(sizeof(float) * nx);
	float	   *grad = palloc(sizeof(float) * c->n_params);
	float	   *dx = palloc(sizeof(float) * nx);
	NnEncoderCache cache;
	double		top,
				w_params,
				w_in;

	memcpy(params, params0, sizeof(float) * c->n_params);
	memcpy(x, x0, sizeof(float) * nx);
	Forward(c, params, x, &cache);
	Backward(c, params, x, &cache, grad, dx);
	top = Max(Largest(grad, c->n_params), Largest(dx, nx));
	w_params = CheckFd(c, params, c->n_params, grad, params, x, top);
	w_in = CheckFd(c, x, nx, dx, params, x, top);
	Tap(w_params <= 1 && w_in <= 1,
		"finite differences, %s%s: worst error / allowance, parameters %.2f, input %.2f",
		name, c->dropout ? " with dropout (gelu)" : "", w_params, w_in);
}

static void
Check(const Record *r)
{
	Case		c;
	char	   *kind = HeadValue(r, "kind");
	int			d = atoi(HeadValue(r, "d"));
	int			ip,
				il,
				ix,
				iy,
				idy,
				igrad,
				idin;
	int64		n;
	NnEncoderCache cache;
	float	   *y;
	float	   *grad;
	float	   *dx;
	double		e_y,
				e_grad,
				e_dx;

	memset(&c, 0, sizeof(c));
	c.kind = strcmp(kind, "layernorm") == 0 ? LAYER_NORM : strcmp(kind, "mha") == 0 ? MHA : ENCODER;
	c.B = atoi(HeadValue(r, "B"));
	c.T = atoi(HeadValue(r, "T"));
	NnEncoderInitShape(&c.s, d, atoi(HeadValue(r, "heads")), atoi(HeadValue(r, "ff")),
					   strcmp(HeadValue(r, "activation"), "gelu") == 0 ? NN_GELU : NN_RELU, 0.0f);
	c.n_params = c.kind == LAYER_NORM ? 2 * d : c.s.n_params;
	n = (int64) c.B * c.T * d;
	if ((ip = Need(r, "params", 0, c.n_params)) < 0 ||
		(il = Need(r, "lens", 0, c.B)) < 0 ||
		(ix = Need(r, "x", 0, n)) < 0 ||
		(iy = Need(r, "y", 0, n)) < 0 ||
		(idy = Need(r, "dy", 0, n)) < 0 ||
		(igrad = Need(r, "grad", 0, c.n_params)) < 0 ||
		(idin = Need(r, "dinput", 0, n)) < 0)
		return;
	c.lens = palloc(sizeof(int) * c.B);
	for (int b = 0; b < c.B; b++)
		c.lens[b] = (int) r->values[il][b];
	c.dy = r->floats[idy];

	/* PyTorch */
	y = Forward(&c, r->floats[ip], r->floats[ix], &cache);
	grad = palloc(sizeof(float) * c.n_params);
	dx = palloc(sizeof(float) * n);
	Backward(&c, r->floats[ip], r->floats[ix], &cache, grad, dx);
	e_y = MaxRelErr(ToDouble(y, n), r->values[iy], n, REF_FLOOR, 1e-30, NULL);
	e_grad = MaxRelErr(ToDouble(grad, c.n_params), r->values[igrad], c.n_params,
					   REF_FLOOR, 1e-30, NULL);
	e_dx = MaxRelErr(ToDouble(dx, n), r->values[idin], n, REF_FLOOR, 1e-30, NULL);
	Tap(e_y <= REF_TOL, "PyTorch, %s: every step's output, max err %.1e", r->name, e_y);
	Tap(e_grad <= REF_GRAD_TOL && e_dx <= REF_GRAD_TOL,
		"PyTorch, %s: gradients of parameters %.1e, input %.1e", r->name, e_grad, e_dx);

	FiniteDifferences(&c, r->floats[ip], r->floats[ix], r->name);
	if (c.kind == ENCODER)
	{
		/* gelu: relu's kinks, crossed by a step, are not dropout's to test */
		NnEncoderInitShape(&c.s, d, c.s.heads, c.s.ff, NN_GELU, 0.3f);
		c.dropout = true;
		FiniteDifferences(&c, r->floats[ip], r->floats[ix], r->name);
	}
}

/* dropout zeroes about its share and scales the rest; a pass without it, none */
static void
CheckDropout(void)
{
	NnEncoderShape s;
	NnEncoderCache c;
	pg_prng_state rng;
	int			B = 4,
				T = 6,
				lens[4] = {6, 6, 6, 6};
	float	   *params;
	float	   *x;
	int64		zeros = 0,
				total,
				wrong = 0;

	NnEncoderInitShape(&s, 8, 2, 16, NN_RELU, 0.25f);
	params = palloc0(sizeof(float) * s.n_params);
	x = palloc(sizeof(float) * B * T * 8);
	pg_prng_seed(&rng, 7);
	for (int64 i = 0; i < s.n_params; i++)
		params[i] = (float) Uniform(&rng, -0.5, 0.5);
	for (int i = 0; i < B * T * 8; i++)
		x[i] = (float) Uniform(&rng, -1, 1);
	NnEncoderCacheInit(&c, &s, B, T, true);
	NnEncoderForward(&s, params, x, B, T, lens, &c, &rng);
	total = (int64) B * T * 16;
	for (int64 i = 0; i < total; i++)
	{
		zeros += c.mh[i] == 0.0f;
		wrong += c.mh[i] != 0.0f && fabsf(c.mh[i] - 1.0f / 0.75f) > 1e-6f;
	}
	Tap(c.dropped && wrong == 0 && zeros > total * 0.15 && zeros < total * 0.35,
		"dropout 0.25 zeroes %lld of %lld hidden units, scales the rest by 4/3", (long long) zeros,
		(long long) total);
	NnEncoderForward(&s, params, x, B, T, lens, &c, NULL);
	Tap(!c.dropped, "a pass without a generator applies no dropout");
}

int
main(int argc, char **argv)
{
	/* test/suite/nn.sh passes nn_reference.txt; this program's file is beside it */
	const char *given = argc > 1 ? argv[1] : "test/reference/nn_reference.txt";
	const char *slash = strrchr(given, '/');
	char	   *path;
	char	   *error = NULL;
	Record	  **records = NULL;
	int			n_records;
	int			n_cases = 0;

	UnitBegin();
	path = psprintf("%.*snn_attention_reference.txt",
					slash ? (int) (slash - given + 1) : 0, given);
	n_records = ReadReference(path, &records, &error);
	if (error != NULL)
		Tap(false, "read the PyTorch reference: %s", error);
	for (int i = 0; i < n_records; i++)
		if (strncmp(records[i]->head, "net ", 4) == 0)
		{
			Check(records[i]);
			n_cases++;
		}
	Tap(error == NULL && n_cases >= 6, "the attention reference has %d cases", n_cases);
	CheckDropout();
	return UnitEnd();
}
