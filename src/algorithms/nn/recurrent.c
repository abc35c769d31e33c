/*
 * recurrent.c
 *	  Recurrent layers over token sequences: an embedding lookup, LSTM and
 *	  GRU, each a forward and a backward pass over a batch (the text models
 *	  of issue 10 stack them: Embedding -> LSTM or GRU -> Dense).
 *
 * Sequences are time-major, T x B x features, so the rows of one step are
 * contiguous: the input's contribution to every gate of every step is one
 * sgemm over T * B rows before the recurrence, and the recurrence itself is
 * one sgemm per step.  Backward runs the recurrence in reverse, keeping the
 * pre-activation gradients of every step, then computes the weights' and
 * the input's gradients with three sgemms over all steps.
 *
 * Gate order and biases are PyTorch's (nn.LSTM: i, f, g, o; nn.GRU: r, z,
 * n with an input and a recurrent bias, which is Keras's GRU with
 * reset_after=True); the LSTM has one bias (PyTorch's two summed, Keras's
 * one).  Weights are in x gates, row-major (torch's weight_ih transposed).
 */
#include "postgres.h"

#include <math.h>

#include "algorithms/nn/nn.h"
#include "core/blas.h"

static inline float
Sigmoid(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

/* ---- embedding ---- */

/* out (n x dim): the rows of table for ids (each in [0, vocabulary)) */
void
NnEmbeddingForward(const float *table, int dim, const int32 *ids, int64 n, float *out)
{
	for (int64 i = 0; i < n; i++)
		memcpy(out + i * dim, table + (int64) ids[i] * dim, sizeof(float) * dim);
}

/* adds dout (n x dim) into the gradient rows of ids */
void
NnEmbeddingBackward(int dim, const int32 *ids, int64 n, const float *dout, float *dtable)
{
	for (int64 i = 0; i < n; i++)
	{
		float	   *g = dtable + (int64) ids[i] * dim;

		for (int j = 0; j < dim; j++)
			g[j] += dout[i * dim + j];
	}
}

/* ---- LSTM ---- */

Size
NnRecurrentParams(int kind, int in, int units)
{
	int			g = kind == NN_LSTM ? 4 : 3;

	/* W, U, bias; the GRU has a recurrent bias too */
	return (Size) in * g * units + (Size) units * g * units +
		(Size) g * units * (kind == NN_LSTM ? 1 : 2);
}

/* Offsets of W, U and the biases in the layer's parameters */
static void
Offsets(int kind, int in, int units, int64 *w, int64 *u, int64 *bi, int64 *bh)
{
	int			g = kind == NN_LSTM ? 4 : 3;

	*w = 0;
	*u = (int64) in * g * units;
	*bi = *u + (int64) units * g * units;
	*bh = *bi + g * units;
}

/*
 * Forward.  x: T x B x in; out h, c: T x B x units (every step's hidden
 * and cell state); gates: T x B x 4 units, after their activations.
 */
void
NnLstmForward(int in, int units, const float *params, const float *x, int T, int B,
			  float *h, float *c, float *gates)
{
	int			G = 4 * units;
	int64		w,
				u,
				bi,
				bh;

	Offsets(NN_LSTM, in, units, &w, &u, &bi, &bh);
	/* every step's input part at once: gates = x W */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T * B, G, in,
				1.0f, x, in, params + w, G, 0.0f, gates, G);
	for (int t = 0; t < T; t++)
	{
		float	   *z = gates + (int64) t * B * G;
		float	   *ht = h + (int64) t * B * units;
		float	   *ct = c + (int64) t * B * units;
		const float *hp = t > 0 ? h + (int64) (t - 1) * B * units : NULL;
		const float *cp = t > 0 ? c + (int64) (t - 1) * B * units : NULL;

		if (hp)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, G, units,
						1.0f, hp, units, params + u, G, 1.0f, z, G);
		for (int r = 0; r < B; r++)
		{
			float	   *zr = z + (int64) r * G;

			for (int j = 0; j < units; j++)
			{
				float		ig = Sigmoid(zr[j] + params[bi + j]);
				float		fg = Sigmoid(zr[units + j] + params[bi + units + j]);
				float		gg = tanhf(zr[2 * units + j] + params[bi + 2 * units + j]);
				float		og = Sigmoid(zr[3 * units + j] + params[bi + 3 * units + j]);
				float		cv = ig * gg + (cp ? fg * cp[(int64) r * units + j] : 0.0f);

				zr[j] = ig;
				zr[units + j] = fg;
				zr[2 * units + j] = gg;
				zr[3 * units + j] = og;
				ct[(int64) r * units + j] = cv;
				ht[(int64) r * units + j] = og * tanhf(cv);
			}
		}
	}
}

/*
 * The weights' and biases' gradient (added into grad, the layer's part of
 * it) and the input's (dx, T x B x in, overwritten; NULL: not needed) from
 * dh: T x B x units, the loss's gradient with respect to every step's
 * output (zeros where a step's output is not used).  work: T x B x 4 units
 * + 2 x B x units floats.
 */
void
NnLstmBackward(int in, int units, const float *params, const float *x, int T, int B,
			   const float *h, const float *c, const float *gates, const float *dh,
			   float *grad, float *dx, float *work)
{
	int			G = 4 * units;
	float	   *dz = work;
	float	   *dh_next = work + (int64) T * B * G;
	float	   *dc_next = dh_next + (int64) B * units;
	int64		w,
				u,
				bi,
				bh;

	Offsets(NN_LSTM, in, units, &w, &u, &bi, &bh);
	memset(dh_next, 0, sizeof(float) * B * units);
	memset(dc_next, 0, sizeof(float) * B * units);
	for (int t = T - 1; t >= 0; t--)
	{
		const float *g = gates + (int64) t * B * G;
		const float *ct = c + (int64) t * B * units;
		const float *cp = t > 0 ? c + (int64) (t - 1) * B * units : NULL;
		float	   *dzt = dz + (int64) t * B * G;

		for (int r = 0; r < B; r++)
			for (int j = 0; j < units; j++)
			{
				int64		k = (int64) r * units + j;
				const float *gr = g + (int64) r * G;
				float		ig = gr[j],
							fg = gr[units + j],
							gg = gr[2 * units + j],
							og = gr[3 * units + j];
				float		tc = tanhf(ct[k]);
				float		dht = dh[(int64) t * B * units + k] + dh_next[k];
				float		dct = dht * og * (1.0f - tc * tc) + dc_next[k];
				float	   *dzr = dzt + (int64) r * G;

				dzr[j] = dct * gg * ig * (1.0f - ig);
				dzr[units + j] = cp ? dct * cp[k] * fg * (1.0f - fg) : 0.0f;
				dzr[2 * units + j] = dct * ig * (1.0f - gg * gg);
				dzr[3 * units + j] = dht * tc * og * (1.0f - og);
				dc_next[k] = dct * fg;
			}
		/* dh of the step before: dz U^T */
		if (t > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, units, G,
						1.0f, dzt, G, params + u, G, 0.0f, dh_next, units);
	}
	/* dW = x^T dz; dU = h_{t-1}^T dz over steps 1..T-1; db = sum dz */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, G, T * B,
				1.0f, x, in, dz, G, 1.0f, grad + w, G);
	if (T > 1)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, units, G, (T - 1) * B,
					1.0f, h, units, dz + (int64) B * G, G, 1.0f, grad + u, G);
	for (int64 r = 0; r < (int64) T * B; r++)
		for (int j = 0; j < G; j++)
			grad[bi + j] += dz[r * G + j];
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T * B, in, G,
					1.0f, dz, G, params + w, G, 0.0f, dx, in);
}

/* ---- GRU ---- */

/*
 * Forward.  x: T x B x in; out h: T x B x units; gates: T x B x 3 units
 * (r, z, n after their activations); hn: T x B x units, the recurrent part
 * of n before the reset gate scales it (h_{t-1} U_n + b_hn).
 */
void
NnGruForward(int in, int units, const float *params, const float *x, int T, int B,
			 float *h, float *gates, float *hn, float *work)
{
	int			G = 3 * units;
	float	   *ah = work;		/* B x 3 units: h_{t-1} U + b_h */
	int64		w,
				u,
				bi,
				bh;

	Offsets(NN_GRU, in, units, &w, &u, &bi, &bh);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T * B, G, in,
				1.0f, x, in, params + w, G, 0.0f, gates, G);
	for (int t = 0; t < T; t++)
	{
		float	   *a = gates + (int64) t * B * G;
		float	   *ht = h + (int64) t * B * units;
		float	   *hnt = hn + (int64) t * B * units;
		const float *hp = t > 0 ? h + (int64) (t - 1) * B * units : NULL;

		for (int r = 0; r < B; r++)
			memcpy(ah + (int64) r * G, params + bh, sizeof(float) * G);
		if (hp)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, G, units,
						1.0f, hp, units, params + u, G, 1.0f, ah, G);
		for (int r = 0; r < B; r++)
		{
			float	   *ar = a + (int64) r * G;
			const float *hr = ah + (int64) r * G;

			for (int j = 0; j < units; j++)
			{
				int64		k = (int64) r * units + j;
				float		rg = Sigmoid(ar[j] + params[bi + j] + hr[j]);
				float		zg = Sigmoid(ar[units + j] + params[bi + units + j] + hr[units + j]);
				float		ng = tanhf(ar[2 * units + j] + params[bi + 2 * units + j] +
									   rg * hr[2 * units + j]);

				ar[j] = rg;
				ar[units + j] = zg;
				ar[2 * units + j] = ng;
				hnt[k] = hr[2 * units + j];
				ht[k] = (1.0f - zg) * ng + (hp ? zg * hp[k] : 0.0f);
			}
		}
	}
}

/*
 * As NnLstmBackward.  work: 2 x T x B x 3 units + B x units floats.
 */
void
NnGruBackward(int in, int units, const float *params, const float *x, int T, int B,
			  const float *h, const float *gates, const float *hn, const float *dh,
			  float *grad, float *dx, float *work)
{
	int			G = 3 * units;
	float	   *dax = work;		/* T x B x 3 units: the input part's gradient */
	float	   *dah = dax + (int64) T * B * G;	/* the recurrent part's */
	float	   *dh_next = dah + (int64) T * B * G;
	int64		w,
				u,
				bi,
				bh;

	Offsets(NN_GRU, in, units, &w, &u, &bi, &bh);
	memset(dh_next, 0, sizeof(float) * B * units);
	for (int t = T - 1; t >= 0; t--)
	{
		const float *g = gates + (int64) t * B * G;
		const float *hp = t > 0 ? h + (int64) (t - 1) * B * units : NULL;
		float	   *daxt = dax + (int64) t * B * G;
		float	   *daht = dah + (int64) t * B * G;

		for (int r = 0; r < B; r++)
			for (int j = 0; j < units; j++)
			{
				int64		k = (int64) r * units + j;
				const float *gr = g + (int64) r * G;
				float		rg = gr[j],
							zg = gr[units + j],
							ng = gr[2 * units + j];
				float		hprev = hp ? hp[k] : 0.0f;
				float		dht = dh[(int64) t * B * units + k] + dh_next[k];
				float		dn = dht * (1.0f - zg) * (1.0f - ng * ng);
				float		dr = dn * hn[(int64) t * B * units + k] * rg * (1.0f - rg);
				float		dzg = dht * (hprev - ng) * zg * (1.0f - zg);
				float	   *dxr = daxt + (int64) r * G;
				float	   *dhr = daht + (int64) r * G;

				dxr[j] = dhr[j] = dr;
				dxr[units + j] = dhr[units + j] = dzg;
				dxr[2 * units + j] = dn;
				dhr[2 * units + j] = dn * rg;
				dh_next[k] = dht * zg;	/* the direct path; dah U^T is added */
			}
		if (t > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, units, G,
						1.0f, daht, G, params + u, G, 1.0f, dh_next, units);
	}
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, G, T * B,
				1.0f, x, in, dax, G, 1.0f, grad + w, G);
	if (T > 1)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, units, G, (T - 1) * B,
					1.0f, h, units, dah + (int64) B * G, G, 1.0f, grad + u, G);
	for (int64 r = 0; r < (int64) T * B; r++)
		for (int j = 0; j < G; j++)
		{
			grad[bi + j] += dax[r * G + j];
			grad[bh + j] += dah[r * G + j];
		}
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T * B, in, G,
					1.0f, dax, G, params + w, G, 0.0f, dx, in);
}

/* ---- either kind, and both directions ---- */

void
NnRecurrentForward(int kind, int in, int units, const float *params, const float *x,
				   int T, int B, NnRecurrentPass *p)
{
	if (kind == NN_LSTM)
		NnLstmForward(in, units, params, x, T, B, p->h, p->c, p->gates);
	else
		NnGruForward(in, units, params, x, T, B, p->h, p->gates, p->hn, p->work);
}

void
NnRecurrentBackward(int kind, int in, int units, const float *params, const float *x,
					int T, int B, const NnRecurrentPass *p, const float *dh, float *grad,
					float *dx)
{
	if (kind == NN_LSTM)
		NnLstmBackward(in, units, params, x, T, B, p->h, p->c, p->gates, dh, grad, dx,
					   p->work);
	else
		NnGruBackward(in, units, params, x, T, B, p->h, p->gates, p->hn, dh, grad, dx,
					  p->work);
}

/* dst (T x B x width): src's steps in reverse order */
void
NnReverseSteps(const float *src, int T, int B, int width, float *dst)
{
	int64		step = (int64) B * width;

	for (int t = 0; t < T; t++)
		memcpy(dst + (int64) (T - 1 - t) * step, src + (int64) t * step, sizeof(float) * step);
}

/*
 * Both directions over x: dir[0] reads x with params, dir[1] reads xr (x
 * reversed, written here) with the NnRecurrentParams floats after them
 */
void
NnBiForward(int kind, int in, int units, const float *params, const float *x, int T, int B,
			float *xr, NnRecurrentPass *dir)
{
	NnRecurrentForward(kind, in, units, params, x, T, B, &dir[0]);
	NnReverseSteps(x, T, B, in, xr);
	NnRecurrentForward(kind, in, units, params + NnRecurrentParams(kind, in, units), xr,
					   T, B, &dir[1]);
}

/*
 * Backward of NnBiForward: dh and dhr are the gradients of dir[0]'s and
 * dir[1]'s outputs, each in its own order of steps; the input's gradient
 * is dx (dxr: work, T x B x in) and both directions' go into grad
 */
void
NnBiBackward(int kind, int in, int units, const float *params, const float *x,
			 const float *xr, int T, int B, const NnRecurrentPass *dir, const float *dh,
			 const float *dhr, float *grad, float *dx, float *dxr)
{
	Size		one = NnRecurrentParams(kind, in, units);
	int64		step = (int64) B * in;

	NnRecurrentBackward(kind, in, units, params, x, T, B, &dir[0], dh, grad, dx);
	NnRecurrentBackward(kind, in, units, params + one, xr, T, B, &dir[1], dhr, grad + one,
						dxr);
	/* x_t reached the reversed direction at its step T - 1 - t */
	for (int t = 0; t < T; t++)
	{
		float	   *d = dx + (int64) t * step;
		const float *e = dxr + (int64) (T - 1 - t) * step;

		for (int64 i = 0; i < step; i++)
			d[i] += e[i];
	}
}
