/*
 * text_train.c
 *	  What the text models over token sequences (sequence.c's lstm and gru,
 *	  cnn.c, transformer.c) share: Keras's Adam, the shuffle of each epoch,
 *	  the end of an epoch, and the loss history and parameters that end
 *	  their bytes.
 */
#include "postgres.h"

#include <math.h>

#include "algorithms/nn/nn.h"

/* Adam with Keras's defaults */
void
NnTextAdam(MaasOptimizer *adam, int64 n_params)
{
	memset(adam, 0, sizeof(MaasOptimizer));
	adam->kind = MAAS_OPTIMIZER_ADAM;
	adam->beta1 = 0.9;
	adam->beta2 = 0.999;
	adam->epsilon = 1e-7;		/* Keras's */
	MaasOptimizerInit(adam, n_params);
}

/* Fisher-Yates over order[0 .. n) */
void
NnTextShuffle(int32 *order, int64 n, pg_prng_state *rng)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) pg_prng_uint64_range(rng, 0, i);
		int32		t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/*
 * Epoch epoch (from 1) of epochs ended with mean loss loss: an error if it
 * is not finite, else recorded in history[epoch - 1] and reported
 */
void
NnTextEpochEnd(MaasProgress *progress, int epoch, int epochs, double loss,
			   double learning_rate, double *history)
{
	if (!isfinite(loss))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("training diverged in epoch %d: the loss is not finite", epoch),
				 errhint("Lower \"learning_rate\" (now %g).", learning_rate)));
	history[epoch - 1] = loss;
	MaasProgressStep(progress, epoch, epochs, loss);
	if (MaasProgressDue(progress))
		ereport(NOTICE,
				(errmsg("%s: epoch %d of %d, loss %.6g", progress->what, epoch, epochs, loss)));
}

/* The n_params finite floats that end a model's bytes */
float *
NnTextReadParams(MaasReader *r, int64 n_params)
{
	float	   *params;

	if ((uint64) n_params * sizeof(float) != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes for %lld parameters", r->len - r->pos,
					   (long long) n_params);
	params = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * n_params);
	MaasReadFloats(r, params, n_params);
	for (int64 i = 0; i < n_params; i++)
		if (!isfinite(params[i]))
			MaasReaderFail(r, "parameter %lld is not finite", (long long) i);
	return params;
}

/* ---- a text model's bytes after its sizes: the loss history, the parameters ---- */

void
NnWriteHistory(StringInfo buf, const double *loss, int epochs, const float *params,
			   int64 n_params)
{
	MaasWriteU32(buf, (uint32) epochs);
	MaasWriteDoubles(buf, loss, epochs);
	MaasWriteFloats(buf, params, n_params);
}

/*
 * The loss history (palloc'd into *loss) and n_params finite parameters,
 * which must be the rest of the bytes; returns the parameters
 */
float *
NnReadHistory(MaasReader *r, int *epochs, double **loss, int64 n_params)
{
	*epochs = MaasReadCount(r, 100000, sizeof(double), "epoch");
	*loss = palloc(sizeof(double) * Max(*epochs, 1));
	MaasReadDoubles(r, *loss, *epochs, false);
	return NnTextReadParams(r, n_params);
}

/* maas_info's "parameters" and "history" members */
void
NnDescribeHistory(MaasJson *json, int64 n_params, const double *loss, int epochs)
{
	MaasJsonKey(json, "parameters");
	MaasJsonInt(json, n_params);
	MaasJsonKey(json, "history");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "loss");
	MaasJsonNumberArray(json, loss, epochs);
	MaasJsonEndObject(json);
}
