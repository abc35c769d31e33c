/*
 * layers.c
 *	  Dense layers: shapes, initialization, and the forward and backward
 *	  passes over a chunk of rows.
 *
 * Plain C and sgemm over buffers allocated beforehand: these run on the
 * pool's worker threads (one chunk each), so nothing here may palloc,
 * ereport or call PostgreSQL.
 */
#include "postgres.h"

#include <math.h>

#include "core/blas.h"
#include "nn.h"

/* The shapes of a network: hidden layers, then the output layer */
void
NnInitNet(NnNet *net, int n_inputs, int n_hidden, const int *units,
		  const int *activations, const float *dropout, int n_outputs,
		  int output_activation)
{
	int64		offset = 0;
	int			in = n_inputs;

	net->n_layers = n_hidden + 1;
	net->layers = palloc0(sizeof(NnLayer) * net->n_layers);
	net->max_units = n_inputs;
	for (int l = 0; l < net->n_layers; l++)
	{
		NnLayer    *layer = &net->layers[l];
		bool		output = l == n_hidden;

		layer->in = in;
		layer->out = output ? n_outputs : units[l];
		layer->activation = output ? output_activation : activations[l];
		layer->dropout = output ? 0 : dropout[l];
		layer->w = offset;
		offset += (int64) layer->in * layer->out;
		layer->b = offset;
		offset += layer->out;
		in = layer->out;
		net->max_units = Max(net->max_units, layer->out);
	}
	net->n_params = offset;
}

/*
 * Weights and biases uniform in +-1 / sqrt(fan_in): PyTorch's nn.Linear
 * default (He uniform with a = sqrt(5)).  A wider draw (He or Glorot) starts
 * a standardized regression as a large random function that a few epochs
 * do not undo (sql/mlp_quality.sql measured it against PyTorch).
 */
void
NnInitWeights(const NnNet *net, float *params, pg_prng_state *rng)
{
	for (int l = 0; l < net->n_layers; l++)
	{
		const NnLayer *layer = &net->layers[l];
		double		limit = 1.0 / sqrt(layer->in);

		for (int64 i = 0; i < (int64) layer->in * layer->out; i++)
			params[layer->w + i] = (float) ((2.0 * pg_prng_double(rng) - 1.0) * limit);
		for (int k = 0; k < layer->out; k++)
			params[layer->b + k] = (float) ((2.0 * pg_prng_double(rng) - 1.0) * limit);
	}
}

Size
NnWorkBytes(const NnNet *net, int rows)
{
	Size		floats = (Size) rows * net->layers[0].in + 2 * (Size) rows * net->max_units;

	for (int l = 0; l < net->n_layers; l++)
		floats += 3 * (Size) rows * net->layers[l].out;
	return floats * sizeof(float);
}

void
NnWorkInit(NnWork *w, const NnNet *net, int rows, bool dropout)
{
	w->rows = rows;
	w->dropped = false;
	w->z = palloc(sizeof(float *) * net->n_layers);
	w->a = palloc(sizeof(float *) * (net->n_layers + 1));
	w->mask = palloc0(sizeof(float *) * net->n_layers);
	w->a[0] = palloc(sizeof(float) * rows * net->layers[0].in);
	for (int l = 0; l < net->n_layers; l++)
	{
		int			out = net->layers[l].out;

		w->z[l] = palloc(sizeof(float) * rows * out);
		w->a[l + 1] = palloc(sizeof(float) * rows * out);
		if (dropout && net->layers[l].dropout > 0)
			w->mask[l] = palloc(sizeof(float) * rows * out);
	}
	w->da = palloc(sizeof(float) * rows * net->max_units);
	w->dz = palloc(sizeof(float) * rows * net->max_units);
}

static inline float
Gelu(float x)
{
	return 0.5f * x * (1.0f + erff(x * (float) M_SQRT1_2));
}

/* a = activation(z), rows x units */
void
NnActivate(int activation, const float *z, float *a, int rows, int units)
{
	int64		n = (int64) rows * units;

	switch (activation)
	{
		case NN_RELU:
			for (int64 i = 0; i < n; i++)
				a[i] = z[i] > 0 ? z[i] : 0;
			break;
		case NN_SIGMOID:
			for (int64 i = 0; i < n; i++)
				a[i] = (float) MaasSigmoid(z[i]);
			break;
		case NN_TANH:
			for (int64 i = 0; i < n; i++)
				a[i] = tanhf(z[i]);
			break;
		case NN_LINEAR:
			if (a != z)
				memcpy(a, z, sizeof(float) * n);
			break;
		case NN_LEAKY_RELU:
			for (int64 i = 0; i < n; i++)
				a[i] = z[i] > 0 ? z[i] : NN_LEAKY_SLOPE * z[i];
			break;
		case NN_GELU:
			for (int64 i = 0; i < n; i++)
				a[i] = Gelu(z[i]);
			break;
		case NN_SOFTMAX:
			for (int r = 0; r < rows; r++)
			{
				const float *zr = z + (int64) r * units;
				float	   *ar = a + (int64) r * units;
				float		top = zr[0];
				float		total = 0;

				for (int k = 1; k < units; k++)
					top = Max(top, zr[k]);
				for (int k = 0; k < units; k++)
					total += ar[k] = expf(zr[k] - top);
				for (int k = 0; k < units; k++)
					ar[k] /= total;
			}
			break;
	}
}

/* d *= activation'(z); from z alone, as the output may carry dropout */
static void
ActivationGrad(int activation, const float *z, float *d, int64 n)
{
	switch (activation)
	{
		case NN_RELU:
			for (int64 i = 0; i < n; i++)
				d[i] = z[i] > 0 ? d[i] : 0;
			break;
		case NN_SIGMOID:
			for (int64 i = 0; i < n; i++)
			{
				float		a = (float) MaasSigmoid(z[i]);

				d[i] *= a * (1 - a);
			}
			break;
		case NN_TANH:
			for (int64 i = 0; i < n; i++)
			{
				float		a = tanhf(z[i]);

				d[i] *= 1 - a * a;
			}
			break;
		case NN_LINEAR:
			break;
		case NN_LEAKY_RELU:
			for (int64 i = 0; i < n; i++)
				d[i] = z[i] > 0 ? d[i] : NN_LEAKY_SLOPE * d[i];
			break;
		case NN_GELU:
			for (int64 i = 0; i < n; i++)
			{
				float		cdf = 0.5f * (1.0f + erff(z[i] * (float) M_SQRT1_2));
				float		pdf = expf(-0.5f * z[i] * z[i]) * (float) (1.0 / sqrt(2 * M_PI));

				d[i] *= cdf + z[i] * pdf;
			}
			break;
		case NN_SOFTMAX:
			/* only as the output, whose gradient the loss gives for z */
			break;
	}
}

/*
 * Forward over rows rows of w->a[0].  In training (dropout_rng not NULL)
 * each dropout layer zeroes outputs with its probability and scales the
 * rest by 1 / (1 - p), keeping the scale in w->mask for backward.
 */
void
NnForward(const NnNet *net, const float *params, NnWork *w, int rows,
		  pg_prng_state *dropout_rng)
{
	w->dropped = dropout_rng != NULL;
	for (int l = 0; l < net->n_layers; l++)
	{
		const NnLayer *layer = &net->layers[l];
		float	   *z = w->z[l];
		float	   *a = w->a[l + 1];
		const float *bias = params + layer->b;

		for (int r = 0; r < rows; r++)
			memcpy(z + (int64) r * layer->out, bias, sizeof(float) * layer->out);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, layer->out, layer->in,
					1.0f, w->a[l], layer->in, params + layer->w, layer->out,
					1.0f, z, layer->out);
		NnActivate(layer->activation, z, a, rows, layer->out);
		if (dropout_rng != NULL && w->mask[l] != NULL)
		{
			float		keep = 1.0f - layer->dropout;
			float	   *mask = w->mask[l];

			for (int64 i = 0; i < (int64) rows * layer->out; i++)
			{
				mask[i] = pg_prng_double(dropout_rng) < layer->dropout ? 0.0f : 1.0f / keep;
				a[i] *= mask[i];
			}
		}
	}
}

/*
 * Backward from w->dz, the loss's gradient with respect to the output
 * layer's pre-activation, adding the parameters' gradient into grad, and
 * when dinput is not NULL, the gradient with respect to the inputs.
 */
void
NnBackward(const NnNet *net, const float *params, NnWork *w, int rows, float *grad,
		   float *dinput)
{
	float	   *dz = w->dz;
	float	   *da = w->da;

	for (int l = net->n_layers - 1; l >= 0; l--)
	{
		const NnLayer *layer = &net->layers[l];
		float	   *db = grad + layer->b;

		/* dW += A^T dZ, db += column sums of dZ */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, layer->in, layer->out, rows,
					1.0f, w->a[l], layer->in, dz, layer->out,
					1.0f, grad + layer->w, layer->out);
		for (int r = 0; r < rows; r++)
		{
			const float *dzr = dz + (int64) r * layer->out;

			for (int k = 0; k < layer->out; k++)
				db[k] += dzr[k];
		}
		if (l == 0)
		{
			if (dinput != NULL)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, layer->in, layer->out,
							1.0f, dz, layer->out, params + layer->w, layer->out,
							0.0f, dinput, layer->in);
			break;
		}
		/* dA of the layer below = dZ W^T, then through its dropout and activation */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, layer->in, layer->out,
					1.0f, dz, layer->out, params + layer->w, layer->out,
					0.0f, da, layer->in);
		{
			const NnLayer *below = &net->layers[l - 1];
			int64		n = (int64) rows * below->out;

			if (w->dropped && w->mask[l - 1] != NULL)
				for (int64 i = 0; i < n; i++)
					da[i] *= w->mask[l - 1][i];
			ActivationGrad(below->activation, w->z[l - 1], da, n);
		}
		/* da becomes the next dz */
		{
			float	   *t = dz;

			dz = da;
			da = t;
		}
	}
}

/*
 * A classifier's probabilities from its output layer's pre-activation z:
 * one unit is a sigmoid's two classes (out[1] the second), more a softmax
 */
void
NnClassProbabilities(const float *z, int units, double *out)
{
	if (units == 1)
	{
		out[1] = MaasSigmoid(z[0]);
		out[0] = 1.0 - out[1];
		return;
	}
	for (int k = 0; k < units; k++)
		out[k] = z[k];
	MaasSoftmax(out, units);
}
