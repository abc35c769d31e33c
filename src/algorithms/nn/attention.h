/*
 * attention.h
 *	  The Transformer encoder's layers (attention.c): layer normalization,
 *	  multi-head self-attention with the padding masked, and the encoder
 *	  block that stacks them with a feed-forward layer, as PyTorch's
 *	  nn.TransformerEncoderLayer (post-norm, its default).
 *
 * Rows are batch-major: B documents of T steps, row b * T + t, each row of
 * width d.  Document b's tokens are its first lens[b] steps (1 <= lens[b]
 * <= T); the rest is padding, which no step attends to.  Weights are
 * in x out row-major (torch's weight transposed), as nn.h's dense layers.
 */
#ifndef MAAS_NN_ATTENTION_H
#define MAAS_NN_ATTENTION_H

#include "algorithms/nn/nn.h"

#define NN_LAYER_NORM_EPS	1e-5f	/* nn.LayerNorm's default */

/* One encoder block's sizes, and the offsets of its parameters */
typedef struct NnEncoderShape
{
	int			d;				/* model width */
	int			heads;			/* d % heads == 0 */
	int			ff;				/* feed-forward width */
	int			activation;		/* NN_RELU or NN_GELU */
	float		dropout;		/* attention weights, both sublayers, ff hidden */
	/* offsets: W_qkv (d x 3d: q, k, v), its bias, W_o (d x d), its bias */
	int64		wqkv,
				bqkv,
				wo,
				bo;
	/* first layer norm's gain and bias, W_1 (d x ff), b_1, W_2 (ff x d), b_2 */
	int64		ln1_g,
				ln1_b,
				w1,
				b1,
				w2,
				b2;
	int64		ln2_g,
				ln2_b;
	int64		n_params;
} NnEncoderShape;

/*
 * One block's activations over a batch (what backward needs).  p and pd
 * are B x heads x T x T; pd is p after dropout.  The masks hold each
 * output's dropout scale (0 or 1 / (1 - p)).  pd and the masks are NULL in
 * a cache made without dropout, and unused after a pass without it.
 */
typedef struct NnEncoderCache
{
	const float *x;				/* the block's input, rows x d (not owned) */
	float	   *qkv;			/* rows x 3d */
	float	   *p;
	float	   *pd;
	float	   *ctx;			/* rows x d: the heads' outputs side by side */
	float	   *att;			/* rows x d: ctx W_o + b_o, after dropout */
	float	   *m1;
	float	   *xhat1;			/* rows x d: first norm's standardized input */
	float	   *rstd1;			/* rows: 1 / its standard deviation */
	float	   *y1;				/* rows x d: the first norm's output */
	float	   *hz;				/* rows x ff: pre-activation */
	float	   *ha;				/* rows x ff: after activation and dropout */
	float	   *mh;
	float	   *f;				/* rows x d: the feed-forward output, after dropout */
	float	   *m2;
	float	   *xhat2;
	float	   *rstd2;
	float	   *y;				/* rows x d: the block's output */
	bool		dropped;		/* the last forward pass applied dropout */
} NnEncoderCache;

/* backward's scratch over a batch */
typedef struct NnEncoderWork
{
	float	   *dqkv;			/* rows x 3d */
	float	   *dctx;			/* rows x d */
	float	   *d1;				/* rows x d */
	float	   *d2;				/* rows x d */
	float	   *dh;				/* rows x ff */
	float	   *dp;				/* T x T */
} NnEncoderWork;

extern void NnEncoderInitShape(NnEncoderShape *s, int d, int heads, int ff, int activation,
							   float dropout);
extern Size NnEncoderCacheFloats(const NnEncoderShape *s, int B, int T, bool dropout);
extern void NnEncoderCacheInit(NnEncoderCache *c, const NnEncoderShape *s, int B, int T,
							   bool dropout);
extern Size NnEncoderWorkFloats(const NnEncoderShape *s, int B, int T);
extern void NnEncoderWorkInit(NnEncoderWork *w, const NnEncoderShape *s, int B, int T);

extern void NnLayerNormForward(const float *gamma, const float *beta, const float *x,
							   int64 rows, int d, float *y, float *xhat, float *rstd);
extern void NnLayerNormBackward(const float *gamma, const float *xhat, const float *rstd,
								const float *dy, int64 rows, int d, float *dgamma,
								float *dbeta, float *dx);
extern void NnAttentionForward(const NnEncoderShape *s, const float *params, const float *x,
							   int B, int T, const int *lens, NnEncoderCache *c,
							   pg_prng_state *rng);
extern void NnAttentionBackward(const NnEncoderShape *s, const float *params, const float *x,
								int B, int T, const int *lens, const NnEncoderCache *c,
								const float *datt, float *grad, float *dx, NnEncoderWork *w);
extern void NnEncoderForward(const NnEncoderShape *s, const float *params, const float *x,
							 int B, int T, const int *lens, NnEncoderCache *c,
							 pg_prng_state *rng);
extern void NnEncoderBackward(const NnEncoderShape *s, const float *params, int B, int T,
							  const int *lens, const NnEncoderCache *c, const float *dy,
							  float *grad, float *dx, NnEncoderWork *w);


#endif							/* MAAS_NN_ATTENTION_H */
