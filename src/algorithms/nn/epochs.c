/*
 * epochs.c
 *	  A text model's loss per epoch and parameters in its bytes and in
 *	  maas_info (transformer.c; the epoch loop's pieces are text_train.c's).
 */
#include "postgres.h"

#include "algorithms/nn/attention.h"

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
