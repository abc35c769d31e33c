/*
 * run.c
 *	  Runs of an onnx model on feature rows, and what its output becomes.
 *
 * Rows go to ONNX Runtime in batches of ONNX_BATCH (one run each), with a
 * look at pending interrupts between batches: a cancel stops a long
 * prediction at the next batch.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "onnx.h"

MaasOnnxModel
OnnxSessionOf(const OnnxState *s)
{
	MaasOnnxModel m;

	m.bytes = s->bytes;
	m.len = s->len;
	m.key = s->key;
	m.threads = maas_threads;
	return m;
}

/* The output's raw values of one row (width) -> the model's n_out outputs */
void
OnnxFinish(const OnnxState *s, const float *raw, double *out, int n_out)
{
	int			w = s->width;

	if (s->output == ONNX_OUT_CLASSES && s->activation == ONNX_ACT_SIGMOID && w == 1)
	{
		double		p = 1.0 / (1.0 + exp(-(double) raw[0]));

		out[0] = 1.0 - p;
		out[1] = p;
		return;
	}
	for (int k = 0; k < w; k++)
		out[k] = raw[k];
	if (s->output == ONNX_OUT_CLASSES && s->activation == ONNX_ACT_SOFTMAX)
	{
		double		top = out[0];
		double		sum = 0;

		for (int k = 1; k < w; k++)
			top = Max(top, out[k]);
		for (int k = 0; k < w; k++)
			sum += (out[k] = exp(out[k] - top));
		for (int k = 0; k < w; k++)
			out[k] /= sum;
	}
	else if (s->output == ONNX_OUT_CLASSES && s->activation == ONNX_ACT_SIGMOID)
	{
		double		sum = 0;

		for (int k = 0; k < w; k++)
			sum += (out[k] = 1.0 / (1.0 + exp(-out[k])));
		for (int k = 0; k < w; k++)
			out[k] /= sum;
	}
	else if (s->output == ONNX_OUT_EMBEDDING && s->normalize)
	{
		double		norm = 0;

		for (int k = 0; k < w; k++)
			norm += out[k] * out[k];
		norm = sqrt(norm);
		if (norm > 0)
			for (int k = 0; k < w; k++)
				out[k] /= norm;
	}
	for (int k = 0; k < n_out; k++)
		if (!isfinite(out[k]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("onnx model output \"%s\" is not finite", s->output_name),
					 errdetail("Value %d of the row is %g.", k, out[k])));
}

/* The output of a run holds rows x width values */
static void
CheckResult(const OnnxState *s, const MaasOnnxResult *res, int64 rows)
{
	int64		per_row = 1;

	for (int d = 1; d < res->rank; d++)
		per_row *= res->dims[d];
	if (res->rank != s->output_rank || res->rank < 1 || res->dims[0] != rows ||
		(s->output_rank < 3 && per_row != s->width) || res->n != rows * per_row)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("onnx model output \"%s\" has another shape than at import", s->output_name),
				 errdetail("A run on %lld rows gave %lld values of rank %d; the import saw %d per row, rank %d.",
						   (long long) rows, (long long) res->n, res->rank, s->width,
						   s->output_rank)));
}

/*
 * n_rows feature rows of a column-major matrix (feature j of row i at
 * x[i + j * ld]) into out, n_out values a row
 */
void
OnnxRunFeatures(const OnnxState *s, const double *x, int64 n_rows, int64 ld,
				int n_features, double *out, int n_out)
{
	const MaasOnnxApi *api = MaasOnnx();
	MaasOnnxModel m = OnnxSessionOf(s);
	int64		batch = Min(n_rows, ONNX_BATCH);
	bool		dbl = s->input_elem == MAAS_ONNX_DOUBLE;
	void	   *buf = palloc(mul_size(mul_size(batch, n_features), dbl ? sizeof(double) : sizeof(float)));

	for (int64 start = 0; start < n_rows; start += batch)
	{
		int64		b = Min(batch, n_rows - start);
		int64		dims[2] = {b, n_features};
		MaasOnnxFeed feed = {s->input_name, s->input_elem, 2, dims, buf};
		MaasOnnxResult res;

		/* a long prediction stops at the next batch */
		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < b; i++)
			for (int j = 0; j < n_features; j++)
			{
				double		v = x[start + i + (int64) j * ld];

				if (dbl)
					((double *) buf)[i * n_features + j] = v;
				else
					((float *) buf)[i * n_features + j] = (float) v;
			}
		api->run(&m, 1, &feed, s->output_name, &res);
		CheckResult(s, &res, b);
		for (int64 i = 0; i < b; i++)
			OnnxFinish(s, res.values + i * s->width, out + (start + i) * n_out, n_out);
		pfree(res.values);
	}
	pfree(buf);
}
