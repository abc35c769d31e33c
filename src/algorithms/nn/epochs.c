/*
 * epochs.c
 *	  What the epoch loop of a mini-batch text model does around its
 *	  batches: a fresh order of the rows, and at an epoch's end the loss
 *	  checked, recorded as progress and, when due, reported as a NOTICE.
 *	  (transformer.c; sequence.c's loop is the same.)
 */
#include "postgres.h"

#include <math.h>

#include "algorithms/nn/attention.h"

/* Fisher-Yates over order[0 .. n) */
void
NnShuffle(int32 *order, int64 n, pg_prng_state *rng)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) pg_prng_uint64_range(rng, 0, i);
		int32		t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/* the end of epoch (1-based) of epochs, whose mean batch loss is loss */
void
NnEpochDone(MaasProgress *progress, int epoch, int epochs, double loss, double learning_rate)
{
	if (!isfinite(loss))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("training diverged in epoch %d: the loss is not finite", epoch),
				 errhint("Lower \"learning_rate\" (now %g).", learning_rate)));
	MaasProgressStep(progress, epoch, epochs, loss);
	if (MaasProgressDue(progress))
		ereport(NOTICE,
				(errmsg("%s: epoch %d of %d, loss %.6g", progress->what, epoch, epochs, loss)));
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
	float	   *params;

	*epochs = MaasReadCount(r, 100000, sizeof(double), "epoch");
	*loss = palloc(sizeof(double) * Max(*epochs, 1));
	MaasReadDoubles(r, *loss, *epochs, false);
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
