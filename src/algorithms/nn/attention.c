/*
 * attention.c
 *	  The Transformer encoder's layers, each a forward and a backward pass
 *	  over a batch: layer normalization, multi-head self-attention with the
 *	  padding masked, and the encoder block (attention.h).
 *
 * The block is PyTorch's nn.TransformerEncoderLayer with its defaults
 * (norm_first false, "Attention Is All You Need"'s post-norm):
 *     y1 = LayerNorm(x + Dropout(SelfAttention(x)))
 *     y  = LayerNorm(y1 + Dropout(W_2 Dropout(act(W_1 y1 + b_1)) + b_2))
 * with dropout on the attention weights too.  Attention runs per document
 * and head as sgemms over strided views of the q, k, v projections: scores
 * only against a document's own lens[b] keys, so padding gets weight 0
 * exactly as a key padding mask gives; padded steps still compute as
 * queries (their outputs unused), as PyTorch's do.
 *
 * Plain C and sgemm over buffers allocated beforehand (no palloc in the
 * passes): the passes could run on worker threads.
 */
#include "postgres.h"

#include <math.h>

#include "algorithms/nn/attention.h"
#include "core/blas.h"

void
NnEncoderInitShape(NnEncoderShape *s, int d, int heads, int ff, int activation, float dropout)
{
	int64		o = 0;

	s->d = d;
	s->heads = heads;
	s->ff = ff;
	s->activation = activation;
	s->dropout = dropout;
	s->wqkv = o;
	o += (int64) d * 3 * d;
	s->bqkv = o;
	o += 3 * d;
	s->wo = o;
	o += (int64) d * d;
	s->bo = o;
	o += d;
	s->ln1_g = o;
	o += d;
	s->ln1_b = o;
	o += d;
	s->w1 = o;
	o += (int64) d * ff;
	s->b1 = o;
	o += ff;
	s->w2 = o;
	o += (int64) ff * d;
	s->b2 = o;
	o += d;
	s->ln2_g = o;
	o += d;
	s->ln2_b = o;
	o += d;
	s->n_params = o;
}

Size
NnEncoderCacheFloats(const NnEncoderShape *s, int B, int T, bool dropout)
{
	Size		rows = (Size) B * T;
	Size		probs = (Size) B * s->heads * T * T;

	return rows * (3 * s->d + 8 * (Size) s->d + 2 * (Size) s->ff + 2) + probs +
		(dropout ? probs + rows * (2 * (Size) s->d + s->ff) : 0);
}

void
NnEncoderCacheInit(NnEncoderCache *c, const NnEncoderShape *s, int B, int T, bool dropout)
{
	int64		rows = (int64) B * T;
	int64		probs = (int64) B * s->heads * T * T;

	memset(c, 0, sizeof(*c));
	c->qkv = palloc(sizeof(float) * rows * 3 * s->d);
	c->p = palloc(sizeof(float) * probs);
	c->ctx = palloc(sizeof(float) * rows * s->d);
	c->att = palloc(sizeof(float) * rows * s->d);
	c->xhat1 = palloc(sizeof(float) * rows * s->d);
	c->rstd1 = palloc(sizeof(float) * rows);
	c->y1 = palloc(sizeof(float) * rows * s->d);
	c->hz = palloc(sizeof(float) * rows * s->ff);
	c->ha = palloc(sizeof(float) * rows * s->ff);
	c->f = palloc(sizeof(float) * rows * s->d);
	c->xhat2 = palloc(sizeof(float) * rows * s->d);
	c->rstd2 = palloc(sizeof(float) * rows);
	c->y = palloc(sizeof(float) * rows * s->d);
	if (dropout)
	{
		c->pd = palloc(sizeof(float) * probs);
		c->m1 = palloc(sizeof(float) * rows * s->d);
		c->mh = palloc(sizeof(float) * rows * s->ff);
		c->m2 = palloc(sizeof(float) * rows * s->d);
	}
}

Size
NnEncoderWorkFloats(const NnEncoderShape *s, int B, int T)
{
	Size		rows = (Size) B * T;

	return rows * (6 * (Size) s->d + s->ff) + (Size) T * T;
}

void
NnEncoderWorkInit(NnEncoderWork *w, const NnEncoderShape *s, int B, int T)
{
	int64		rows = (int64) B * T;

	w->dqkv = palloc(sizeof(float) * rows * 3 * s->d);
	w->dctx = palloc(sizeof(float) * rows * s->d);
	w->d1 = palloc(sizeof(float) * rows * s->d);
	w->d2 = palloc(sizeof(float) * rows * s->d);
	w->dh = palloc(sizeof(float) * rows * s->ff);
	w->dp = palloc(sizeof(float) * T * T);
}

/* ---- small pieces ---- */

/* out (rows x n) = bias in every row */
static void
FillBias(float *out, const float *bias, int64 rows, int n)
{
	for (int64 r = 0; r < rows; r++)
		memcpy(out + r * n, bias, sizeof(float) * n);
}

/* db += the column sums of d (rows x n) */
static void
AddColumnSums(const float *d, int64 rows, int n, float *db)
{
	for (int64 r = 0; r < rows; r++)
		for (int j = 0; j < n; j++)
			db[j] += d[r * n + j];
}

/*
 * In training, zero each value with probability p and scale the rest by
 * 1 / (1 - p), keeping the scale in mask
 */
static void
Dropout(float *v, float *mask, int64 n, float p, pg_prng_state *rng)
{
	float		keep = 1.0f / (1.0f - p);

	for (int64 i = 0; i < n; i++)
	{
		mask[i] = pg_prng_double(rng) < p ? 0.0f : keep;
		v[i] *= mask[i];
	}
}

static void
Scale(float *v, const float *mask, int64 n)
{
	if (mask != NULL)
		for (int64 i = 0; i < n; i++)
			v[i] *= mask[i];
}

/* d *= act'(z) for the feed-forward's relu or gelu */
static void
FeedForwardActivationGrad(int activation, const float *z, float *d, int64 n)
{
	if (activation == NN_GELU)
		for (int64 i = 0; i < n; i++)
		{
			float		cdf = 0.5f * (1.0f + erff(z[i] * (float) M_SQRT1_2));
			float		pdf = expf(-0.5f * z[i] * z[i]) * (float) (1.0 / sqrt(2 * M_PI));

			d[i] *= cdf + z[i] * pdf;
		}
	else
		for (int64 i = 0; i < n; i++)
			if (z[i] <= 0)
				d[i] = 0;
}

/* ---- layer normalization ---- */

/*
 * y = (x - mean) / sqrt(var + eps) * gamma + beta per row, var the biased
 * variance (nn.LayerNorm's); keeps xhat and rstd.  y may be x.
 */
void
NnLayerNormForward(const float *gamma, const float *beta, const float *x, int64 rows, int d,
				   float *y, float *xhat, float *rstd)
{
	for (int64 r = 0; r < rows; r++)
	{
		const float *xr = x + r * d;
		double		mean = 0,
					var = 0;
		float		s;

		for (int j = 0; j < d; j++)
			mean += xr[j];
		mean /= d;
		for (int j = 0; j < d; j++)
			var += (xr[j] - mean) * (xr[j] - mean);
		s = (float) (1.0 / sqrt(var / d + NN_LAYER_NORM_EPS));
		rstd[r] = s;
		for (int j = 0; j < d; j++)
		{
			float		h = (float) ((xr[j] - mean) * s);

			xhat[r * d + j] = h;
			y[r * d + j] = h * gamma[j] + beta[j];
		}
	}
}

/*
 * dgamma, dbeta += their gradients; dx (overwritten, may be dy) =
 * rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma
 */
void
NnLayerNormBackward(const float *gamma, const float *xhat, const float *rstd, const float *dy,
					int64 rows, int d, float *dgamma, float *dbeta, float *dx)
{
	for (int64 r = 0; r < rows; r++)
	{
		const float *h = xhat + r * d;
		const float *g = dy + r * d;
		double		mg = 0,
					mgh = 0;

		for (int j = 0; j < d; j++)
		{
			float		gj = g[j] * gamma[j];

			dgamma[j] += g[j] * h[j];
			dbeta[j] += g[j];
			mg += gj;
			mgh += (double) gj * h[j];
		}
		mg /= d;
		mgh /= d;
		for (int j = 0; j < d; j++)
			dx[r * d + j] = (float) (rstd[r] * (g[j] * gamma[j] - mg - h[j] * mgh));
	}
}

/* ---- multi-head self-attention ---- */

/*
 * Row i of scores (T x T, its first len columns computed) into softmax
 * probabilities over the first len, 0 for the padding
 */
static void
MaskedSoftmax(float *p, int T, int len)
{
	for (int i = 0; i < T; i++)
	{
		float	   *row = p + (int64) i * T;
		float		top = row[0];
		double		total = 0;

		for (int j = 1; j < len; j++)
			top = Max(top, row[j]);
		for (int j = 0; j < len; j++)
			total += row[j] = expf(row[j] - top);
		for (int j = 0; j < len; j++)
			row[j] = (float) (row[j] / total);
		for (int j = len; j < T; j++)
			row[j] = 0.0f;
	}
}

/*
 * qkv = x W_qkv + b_qkv; per document and head, p = softmax(q k^T /
 * sqrt(d / heads)) over its keys, pd = p after dropout (training, rng
 * given and dropout > 0), ctx = pd v; att = ctx W_o + b_o
 */
void
NnAttentionForward(const NnEncoderShape *s, const float *params, const float *x, int B, int T,
				   const int *lens, NnEncoderCache *c, pg_prng_state *rng)
{
	int			d = s->d;
	int			dh = d / s->heads;
	int64		rows = (int64) B * T;
	float		scale = (float) (1.0 / sqrt(dh));
	bool		drop = rng != NULL && s->dropout > 0 && c->pd != NULL;

	FillBias(c->qkv, params + s->bqkv, rows, 3 * d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, 3 * d, d,
				1.0f, x, d, params + s->wqkv, 3 * d, 1.0f, c->qkv, 3 * d);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < s->heads; h++)
		{
			const float *q = c->qkv + (int64) b * T * 3 * d + h * dh;
			float	   *p = c->p + ((int64) b * s->heads + h) * T * T;
			float	   *pd = p;

			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, lens[b], dh,
						scale, q, 3 * d, q + d, 3 * d, 0.0f, p, T);
			MaskedSoftmax(p, T, lens[b]);
			if (drop)
			{
				float		keep = 1.0f / (1.0f - s->dropout);

				pd = c->pd + ((int64) b * s->heads + h) * T * T;
				for (int64 i = 0; i < (int64) T * T; i++)
					pd[i] = pg_prng_double(rng) < s->dropout ? 0.0f : p[i] * keep;
			}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, lens[b],
						1.0f, pd, T, q + 2 * d, 3 * d,
						0.0f, c->ctx + (int64) b * T * d + h * dh, d);
		}
	c->dropped = drop;
	FillBias(c->att, params + s->bo, rows, d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, d, d,
				1.0f, c->ctx, d, params + s->wo, d, 1.0f, c->att, d);
}

/*
 * From datt (rows x d, the gradient of att before any dropout of the
 * block), add the weights' gradient into grad (the block's part) and the
 * input's into dx (rows x d, added to)
 */
void
NnAttentionBackward(const NnEncoderShape *s, const float *params, const float *x, int B, int T,
					const int *lens, const NnEncoderCache *c, const float *datt, float *grad,
					float *dx, NnEncoderWork *w)
{
	int			d = s->d;
	int			dh = d / s->heads;
	int64		rows = (int64) B * T;
	float		scale = (float) (1.0 / sqrt(dh));
	float		keep = c->dropped ? 1.0f / (1.0f - s->dropout) : 1.0f;

	/* the output projection */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, (int) rows,
				1.0f, c->ctx, d, datt, d, 1.0f, grad + s->wo, d);
	AddColumnSums(datt, rows, d, grad + s->bo);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, d, d,
				1.0f, datt, d, params + s->wo, d, 0.0f, w->dctx, d);
	memset(w->dqkv, 0, sizeof(float) * rows * 3 * d);
	for (int b = 0; b < B; b++)
		for (int h = 0; h < s->heads; h++)
		{
			int			len = lens[b];
			int64		off = ((int64) b * s->heads + h) * T * T;
			const float *q = c->qkv + (int64) b * T * 3 * d + h * dh;
			const float *p = c->p + off;
			const float *pd = c->dropped ? c->pd + off : p;
			const float *dctx = w->dctx + (int64) b * T * d + h * dh;
			float	   *dq = w->dqkv + (int64) b * T * 3 * d + h * dh;
			float	   *dp = w->dp;

			/* dpd = dctx v^T; dv = pd^T dctx (the first len rows) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, len, dh,
						1.0f, dctx, d, q + 2 * d, 3 * d, 0.0f, dp, T);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, len, dh, T,
						1.0f, pd, T, dctx, d, 0.0f, dq + 2 * d, 3 * d);
			/* through dropout (a kept weight is non-zero), then softmax */
			for (int i = 0; i < T; i++)
			{
				float	   *dr = dp + (int64) i * T;
				const float *pr = p + (int64) i * T;
				const float *pdr = pd + (int64) i * T;
				double		dot = 0;

				if (c->dropped)
					for (int j = 0; j < len; j++)
						dr[j] = pdr[j] != 0.0f ? dr[j] * keep : 0.0f;
				for (int j = 0; j < len; j++)
					dot += (double) pr[j] * dr[j];
				for (int j = 0; j < len; j++)
					dr[j] = pr[j] * (dr[j] - (float) dot) * scale;
			}
			/* dq = ds k; dk = ds^T q */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, len,
						1.0f, dp, T, q + d, 3 * d, 0.0f, dq, 3 * d);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, len, dh, T,
						1.0f, dp, T, q, 3 * d, 0.0f, dq + d, 3 * d);
		}
	/* the input projection */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, 3 * d, (int) rows,
				1.0f, x, d, w->dqkv, 3 * d, 1.0f, grad + s->wqkv, 3 * d);
	AddColumnSums(w->dqkv, rows, 3 * d, grad + s->bqkv);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, d, 3 * d,
				1.0f, w->dqkv, 3 * d, params + s->wqkv, 3 * d, 1.0f, dx, d);
}

/* ---- the encoder block ---- */

/* Forward over x (rows x d); rng given: training, with dropout */
void
NnEncoderForward(const NnEncoderShape *s, const float *params, const float *x, int B, int T,
				 const int *lens, NnEncoderCache *c, pg_prng_state *rng)
{
	int			d = s->d;
	int64		rows = (int64) B * T;
	bool		drop = rng != NULL && s->dropout > 0 && c->m1 != NULL;

	c->x = x;
	NnAttentionForward(s, params, x, B, T, lens, c, drop ? rng : NULL);
	if (drop)
		Dropout(c->att, c->m1, rows * d, s->dropout, rng);
	for (int64 i = 0; i < rows * d; i++)
		c->y1[i] = x[i] + c->att[i];
	NnLayerNormForward(params + s->ln1_g, params + s->ln1_b, c->y1, rows, d, c->y1,
					   c->xhat1, c->rstd1);

	/* feed-forward */
	FillBias(c->hz, params + s->b1, rows, s->ff);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, s->ff, d,
				1.0f, c->y1, d, params + s->w1, s->ff, 1.0f, c->hz, s->ff);
	NnActivate(s->activation, c->hz, c->ha, (int) rows, s->ff);
	if (drop)
		Dropout(c->ha, c->mh, rows * s->ff, s->dropout, rng);
	FillBias(c->f, params + s->b2, rows, d);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, d, s->ff,
				1.0f, c->ha, s->ff, params + s->w2, d, 1.0f, c->f, d);
	if (drop)
		Dropout(c->f, c->m2, rows * d, s->dropout, rng);
	for (int64 i = 0; i < rows * d; i++)
		c->y[i] = c->y1[i] + c->f[i];
	NnLayerNormForward(params + s->ln2_g, params + s->ln2_b, c->y, rows, d, c->y,
					   c->xhat2, c->rstd2);
}

/*
 * Backward from dy (rows x d, the gradient of the block's output): the
 * parameters' gradient added into grad (the block's part), the input's
 * written to dx (rows x d)
 */
void
NnEncoderBackward(const NnEncoderShape *s, const float *params, int B, int T, const int *lens,
				  const NnEncoderCache *c, const float *dy, float *grad, float *dx,
				  NnEncoderWork *w)
{
	int			d = s->d;
	int64		rows = (int64) B * T;

	/* second norm: d1 = the gradient of y1 + f; d2 that of f before dropout */
	NnLayerNormBackward(params + s->ln2_g, c->xhat2, c->rstd2, dy, rows, d,
						grad + s->ln2_g, grad + s->ln2_b, w->d1);
	memcpy(w->d2, w->d1, sizeof(float) * rows * d);
	Scale(w->d2, c->dropped ? c->m2 : NULL, rows * d);

	/* feed-forward; d1 becomes the gradient of y1 */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s->ff, d, (int) rows,
				1.0f, c->ha, s->ff, w->d2, d, 1.0f, grad + s->w2, d);
	AddColumnSums(w->d2, rows, d, grad + s->b2);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, s->ff, d,
				1.0f, w->d2, d, params + s->w2, d, 0.0f, w->dh, s->ff);
	Scale(w->dh, c->dropped ? c->mh : NULL, rows * s->ff);
	FeedForwardActivationGrad(s->activation, c->hz, w->dh, rows * s->ff);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, s->ff, (int) rows,
				1.0f, c->y1, d, w->dh, s->ff, 1.0f, grad + s->w1, s->ff);
	AddColumnSums(w->dh, rows, s->ff, grad + s->b1);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, d, s->ff,
				1.0f, w->dh, s->ff, params + s->w1, s->ff, 1.0f, w->d1, d);

	/* first norm: dx = the residual's share, d1 the attention output's */
	NnLayerNormBackward(params + s->ln1_g, c->xhat1, c->rstd1, w->d1, rows, d,
						grad + s->ln1_g, grad + s->ln1_b, w->d1);
	memcpy(dx, w->d1, sizeof(float) * rows * d);
	Scale(w->d1, c->dropped ? c->m1 : NULL, rows * d);
	NnAttentionBackward(s, params, c->x, B, T, lens, c, w->d1, grad, dx, w);
}
