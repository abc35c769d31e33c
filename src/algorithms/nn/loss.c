/*
 * loss.c
 *	  Losses of a network's output and their gradient with respect to the
 *	  output layer's pre-activation z.
 *
 * The classification losses take z as logits (the sigmoid or softmax is
 * folded in), which is both exact and stable: the gradient is p - y.
 * Plain C: runs on worker threads.
 */
#include "postgres.h"

#include <math.h>

#include "nn.h"

/*
 * Sum of the losses of rows rows (z and dz rows x units; y one value per
 * row: the standardized target, 0/1, or the class), and in dz the gradient
 * of scale times that sum.
 */
double
NnLossGrad(int loss, const float *z, const float *y, int rows, int units,
		   double huber_delta, float scale, float *dz)
{
	double		total = 0;

	for (int r = 0; r < rows; r++)
	{
		const float *zr = z + (int64) r * units;
		float	   *dr = dz + (int64) r * units;
		float		e;

		switch (loss)
		{
			case NN_MSE:
				e = zr[0] - y[r];
				total += (double) e * e;
				dr[0] = scale * 2 * e;
				break;
			case NN_MAE:
				e = zr[0] - y[r];
				total += fabsf(e);
				dr[0] = scale * (e > 0 ? 1.0f : e < 0 ? -1.0f : 0.0f);
				break;
			case NN_HUBER:
				e = zr[0] - y[r];
				if (fabs(e) <= huber_delta)
				{
					total += 0.5 * e * e;
					dr[0] = scale * e;
				}
				else
				{
					total += huber_delta * (fabs(e) - 0.5 * huber_delta);
					dr[0] = scale * (float) (e > 0 ? huber_delta : -huber_delta);
				}
				break;
			case NN_BCE:
				{
					/* log(1 + e^z) - y z, without overflow */
					double		v = zr[0];

					total += (v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))) - y[r] * v;
					dr[0] = scale * ((float) MaasSigmoid(v) - y[r]);
					break;
				}
			case NN_CCE:
				{
					int			c = (int) y[r];
					float		top = zr[0];
					double		sum = 0;

					for (int k = 1; k < units; k++)
						top = Max(top, zr[k]);
					for (int k = 0; k < units; k++)
						sum += exp((double) (zr[k] - top));
					total += top + log(sum) - zr[c];
					for (int k = 0; k < units; k++)
						dr[k] = scale * ((float) (exp((double) (zr[k] - top)) / sum) - (k == c));
					break;
				}
		}
	}
	return total;
}
