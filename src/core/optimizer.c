/*
 * optimizer.c
 *	  First-order optimizers over a float parameter vector: Adam, AdamW and
 *	  SGD with momentum, as PyTorch writes them.
 *
 * One step takes the gradient of the whole vector; the state (moments,
 * velocity) is the optimizer's.  Plain C over memory allocated at init, so
 * a step may run anywhere.
 */
#include "postgres.h"

#include <math.h>

#include "core/core.h"

void
MaasOptimizerInit(MaasOptimizer *o, int64 n)
{
	o->n = n;
	o->t = 0;
	o->m = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(n, 1));
	memset(o->m, 0, sizeof(float) * Max(n, 1));
	o->v = NULL;
	if (o->kind != MAAS_OPTIMIZER_SGD)
	{
		o->v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(n, 1));
		memset(o->v, 0, sizeof(float) * Max(n, 1));
	}
}

/* Bytes of state for n parameters */
Size
MaasOptimizerBytes(int kind, int64 n)
{
	return (Size) n * sizeof(float) * (kind == MAAS_OPTIMIZER_SGD ? 1 : 2);
}

/* w -= the step for gradient g, at learning rate lr */
void
MaasOptimizerStep(MaasOptimizer *o, float *w, const float *g, double lr)
{
	int64		n = o->n;

	o->t++;
	if (o->kind == MAAS_OPTIMIZER_SGD)
	{
		float		mu = (float) o->momentum;
		float		step = (float) lr;

		for (int64 i = 0; i < n; i++)
		{
			float		d = g[i];

			if (mu != 0)
			{
				o->m[i] = o->t == 1 ? d : mu * o->m[i] + d;
				d = o->nesterov ? d + mu * o->m[i] : o->m[i];
			}
			w[i] -= step * d;
		}
		return;
	}
	else
	{
		float		b1 = (float) o->beta1;
		float		b2 = (float) o->beta2;
		/* not 1 - b1: 0.999f is not 0.999, and 1 - 0.99999999f is 0 */
		float		a1 = (float) (1.0 - o->beta1);
		float		a2 = (float) (1.0 - o->beta2);
		float		c1 = (float) (1.0 - pow(o->beta1, (double) o->t));
		float		c2 = (float) sqrt(1.0 - pow(o->beta2, (double) o->t));
		float		step = (float) lr;
		float		eps = (float) o->epsilon;
		float		decay = o->kind == MAAS_OPTIMIZER_ADAMW ? (float) (lr * o->weight_decay) : 0;

		for (int64 i = 0; i < n; i++)
		{
			float		m = o->m[i] = b1 * o->m[i] + a1 * g[i];
			float		v = o->v[i] = b2 * o->v[i] + a2 * g[i] * g[i];

			/* AdamW: the decay is decoupled from the gradient */
			w[i] -= decay * w[i];
			w[i] -= step * (m / c1) / (sqrtf(v) / c2 + eps);
		}
	}
}
