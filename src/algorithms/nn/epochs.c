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
