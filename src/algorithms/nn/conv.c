/*
 * conv.c
 *	  A 1-D convolution over token sequences with ReLU and global max
 *	  pooling, forward and backward over a batch (the cnn text model of
 *	  issue 10: Embedding -> several of these -> Dense).
 *
 * Sequences are batch-major here, B x T x in, so the window of width w at
 * step t of a document is w * in contiguous floats.  Instead of copying
 * windows into an im2col matrix, the convolution is w sgemms over all B * T
 * rows at once: y[r] = sum_j x[r + j] K_j, K_j the kernel's in x filters
 * slice for offset j.  Rows whose window runs past the end of their
 * document (t > T - w) are computed and ignored; pooling reads only the
 * T - w + 1 valid ones.  Backward is the transpose, dK_j = x[j:]^T dy and
 * dx[j:] += dy K_j^T, with dy zero except at each (document, filter)'s
 * maximum: axpys over those windows alone.
 *
 * Layout: the kernel, width x in x filters (PyTorch's Conv1d weight[f][c][j]
 * is K[j][c][f]), then the filters' biases.  ReLU and the max commute
 * (both monotone), so pooled = relu(max_t y + b): the argmax of y is the
 * one input a pooled feature depends on.
 */
#include "postgres.h"

#include "algorithms/nn/nn.h"
#include "core/blas.h"

Size
NnConvParams(int in, int width, int filters)
{
	return (Size) width * in * filters + filters;
}

/*
 * Forward.  x: B x T x in (T >= width); y: B * T x filters, the convolution
 * before bias and ReLU; pooled, argmax: B rows of ld (>= filters), the
 * features and the row of y each comes from, in the first filters columns
 * (so several convolutions write side by side).
 */
void
NnConvPoolForward(int in, int width, int filters, const float *params, const float *x,
				  int T, int B, float *y, float *pooled, int32 *argmax, int ld)
{
	int64		rows = (int64) B * T - width + 1;
	const float *bias = params + (int64) width * in * filters;

	Assert(T >= width);
	for (int j = 0; j < width; j++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) rows, filters, in,
					1.0f, x + (int64) j * in, in, params + (int64) j * in * filters, filters,
					j > 0 ? 1.0f : 0.0f, y, filters);
	for (int b = 0; b < B; b++)
		for (int f = 0; f < filters; f++)
		{
			int64		best = (int64) b * T;

			for (int t = 1; t <= T - width; t++)
			{
				int64		r = (int64) b * T + t;

				if (y[r * filters + f] > y[best * filters + f])
					best = r;
			}
			argmax[(int64) b * ld + f] = (int32) best;
			pooled[(int64) b * ld + f] = Max(y[best * filters + f] + bias[f], 0.0f);
		}
}

/*
 * The kernel's and biases' gradient (added into grad, the layer's part) and
 * the input's (added into dx, B x T x in; NULL: not needed) from dpooled;
 * pooled, argmax and dpooled are B rows of ld as forward wrote them.
 *
 * The gradient of y is zero but at one row per (document, filter), so
 * instead of x^T dy over every row, each of those adds its window of x to
 * its filter's column of each K_j, and K_j's column to its window of dx:
 * width x in multiply-adds per feature, about a T-th of the dense
 * products' work.
 */
void
NnConvPoolBackward(int in, int width, int filters, const float *params, const float *x,
				   int T, int B, const float *pooled, const int32 *argmax,
				   const float *dpooled, int ld, float *grad, float *dx)
{
	float	   *dbias = grad + (int64) width * in * filters;

	for (int b = 0; b < B; b++)
		for (int f = 0; f < filters; f++)
		{
			int64		i = (int64) b * ld + f;
			float		g = dpooled[i];

			if (!(pooled[i] > 0))	/* ReLU's derivative */
				continue;
			dbias[f] += g;
			for (int j = 0; j < width; j++)
			{
				const float *xr = x + ((int64) argmax[i] + j) * in;
				float	   *dxr = dx ? dx + ((int64) argmax[i] + j) * in : NULL;
				int64		k = (int64) j * in * filters + f;

				/* dK_j[:, f] += g x[row]; dx[row] += g K_j[:, f] */
				for (int c = 0; c < in; c++)
					grad[k + (int64) c * filters] += g * xr[c];
				if (dxr)
					for (int c = 0; c < in; c++)
						dxr[c] += g * params[k + (int64) c * filters];
			}
		}
}
