/*
 * fuzz_import.c
 *	  libFuzzer target: model files of other libraries (maas_import),
 *	  read by the algorithm that imports the format.
 *
 * Input: one byte choosing the format (even: xgboost, odd: lightgbm),
 * then the file's bytes.
 *
 * Oracles, beyond "no crash, no sanitizer report":
 *	- a rejection is a user error: invalid input (22P02), an unsupported
 *	  feature (0A000), an invalid value (22023), bad encoding (22021) or a
 *	  limit (54000), never an internal error or out-of-memory;
 *	- a file it accepts gives a model that serializes, deserializes and
 *	  predicts, explains and ranks features without any ERROR, and whose
 *	  bytes are the same after a second round trip.
 */
#include "postgres.h"

#include <math.h>

#include "functions/functions.h"
#include "pg_stubs.h"

/* The model maas_import stores: numeric columns f0.., classes 0..K-1 */
static MaasModel *
ModelOf(const MaasAlgorithm *algorithm, const MaasImported *imp)
{
	MaasModel  *model = palloc0(sizeof(MaasModel));
	MaasPreprocess *prep = &model->prep;
	int			K = MaasTaskIsClassification(imp->task) ? imp->n_classes : 0;

	model->algorithm = algorithm;
	model->task = imp->task;
	model->n_features = imp->n_features;
	model->n_outputs = K > 0 ? K : 1;
	model->state = imp->state;
	prep->n_columns = prep->n_features = imp->n_features;
	prep->columns = palloc0(sizeof(MaasColumn) * imp->n_features);
	for (int j = 0; j < imp->n_features; j++)
	{
		prep->columns[j].name = psprintf("f%d", j);
		prep->columns[j].kind = MAAS_COL_NUMERIC;
		prep->columns[j].offset = j;
		prep->columns[j].width = 1;
		prep->columns[j].impute = palloc(sizeof(double));
		prep->columns[j].impute[0] = NAN;
	}
	model->target.kind = MAAS_COL_NUMERIC;
	model->target.n_classes = K;
	model->target.labels = palloc(sizeof(char *) * Max(K, 1));
	model->target.values = palloc(sizeof(double) * Max(K, 1));
	for (int k = 0; k < K; k++)
	{
		model->target.labels[k] = psprintf("%d", k);
		model->target.values[k] = k;
	}
	return model;
}

static void
UseModel(const MaasModel *model)
{
	int			p = model->n_features;
	double	   *x = palloc0(sizeof(double) * p);
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	double	   *contrib = palloc(sizeof(double) * p);
	double	   *gain = palloc0(sizeof(double) * p);
	double	   *splits = palloc0(sizeof(double) * p);
	double		base;
	MaasInput	in = {.kind = MAAS_INPUT_DENSE,.x = x};

	for (int pass = 0; pass < 3; pass++)
	{
		for (int j = 0; j < p; j++)
			x[j] = pass == 0 ? 0.0 : pass == 1 ? NAN : ((j & 1) ? -1e308 : 1e308);
		model->algorithm->predict(model, &in, out);
		(void) MaasPredictValue(model, out);
		model->algorithm->explain(model, &in, contrib, &base);
	}
	model->algorithm->importance(model, gain, splits);
	MaasModelDescribe(model, 0);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *format;
	const MaasAlgorithm *algorithm;
	MaasImported imp;
	bool		accepted = false;

	if (size < 1)
		return 0;
	FuzzBegin();
	format = (data[0] & 1) ? "lightgbm" : "xgboost";
	algorithm = MaasFindImporter(format);
	memset(&imp, 0, sizeof(imp));
	PG_TRY();
	{
		algorithm->import(format, (const char *) data + 1, (int64) size - 1, &imp);
		accepted = true;
	}
	PG_CATCH();
	{
		int			code = fuzz_error.sqlerrcode;

		MemoryContextSwitchTo(fuzz_cxt);
		if (code != ERRCODE_INVALID_TEXT_REPRESENTATION && code != ERRCODE_FEATURE_NOT_SUPPORTED &&
			code != ERRCODE_INVALID_PARAMETER_VALUE && code != ERRCODE_CHARACTER_NOT_IN_REPERTOIRE &&
			code != ERRCODE_PROGRAM_LIMIT_EXCEEDED && code != ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE &&
			code != ERRCODE_UNTRANSLATABLE_CHARACTER)
			FuzzFailOnError("rejecting a model file, instead of a user error");
	}
	PG_END_TRY();

	if (accepted)
	{
		PG_TRY();
		{
			MaasModel  *model = ModelOf(algorithm, &imp);
			bytea	   *bytes = MaasModelSerialize(model);
			MaasModel  *again = MaasModelDeserialize(bytes);
			bytea	   *bytes2;

			UseModel(model);
			UseModel(again);
			bytes2 = MaasModelSerialize(again);
			if (VARSIZE(bytes2) != VARSIZE(bytes) || memcmp(bytes, bytes2, VARSIZE(bytes)) != 0)
				FuzzFail("an imported model's bytes change on a round trip");
		}
		PG_CATCH();
		{
			FuzzFailOnError("using an imported model");
		}
		PG_END_TRY();
	}
	FuzzEnd();
	return 0;
}
