/*
 * fuzz_model.c
 *	  libFuzzer target: model bytes from anywhere (maas_info(bytea),
 *	  maas_predict(bytea, ...), rows of maas.models).
 *
 * Oracles, beyond "no crash, no sanitizer report":
 *	- MaasModelDeserialize rejects with "invalid maas model" (SQLSTATE XX001)
 *	  and nothing else: no internal error, no out-of-memory;
 *	- a model it accepts is safe to use, without any ERROR: maas_info's
 *	  description (its JSON must be valid jsonb input), feature names, a
 *	  prediction on zeros, on NaNs, on the imputed NaN row and on extreme
 *	  values, explanation and importance where the algorithm has them;
 *	- maas_to_sql's expressions and maas_export's documents are written
 *	  without an ERROR where the algorithm writes them;
 *	- it serializes back to bytes that deserialize again, and serializing
 *	  that second model gives the same bytes (writer and reader agree).
 */
#include "postgres.h"

#include <math.h>

#include "port/pg_crc32c.h"

#include "core/profile.h"
#include "functions/functions.h"
#include "pg_stubs.h"

/*
 * maas_export in each format the algorithm lists; a documented refusal
 * (0A000: a calibrated model as ONNX, a date column in PMML) is an answer,
 * any other error a finding
 */
static void
ExportEach(const MaasModel *model)
{
	char	   *formats = pstrdup(model->algorithm->exports);
	char	   *save = NULL;

	for (char *f = strtok_r(formats, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save))
	{
		MemoryContext cxt = CurrentMemoryContext;

		PG_TRY();
		{
			StringInfoData exported;

			initStringInfo(&exported);
			model->algorithm->export_model(model, f, &exported);
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(cxt);
			if (fuzz_error.sqlerrcode != ERRCODE_FEATURE_NOT_SUPPORTED)
				PG_RE_THROW();
			FlushErrorState();
		}
		PG_END_TRY();
	}
}

/* What must hold for a model that deserialized */
static void
UseModel(const MaasModel *model, size_t size)
{
	int			p = model->n_features;
	int			k = model->n_outputs;
	double	   *x = palloc0(sizeof(double) * p);
	double	   *out = palloc(sizeof(double) * k);
	double	   *contrib = palloc(sizeof(double) * p);
	double		base;
	double		v;
	MaasInput	in = {0};
	int			n_text;
	/* a document's ids: padding, unknown, known, out of range */
	static const int32 tokens[] = {0, 1, 2, 3, 2, 1000000, -5, 2, 3, 4};

	MaasModelDescribe(model, size);
	MaasModelDescribe(model, 0);
	MaasFeaturesJson(&model->prep);
	for (int j = 0; j < p; j++)
		pfree(MaasFeatureName(&model->prep, j));

	in.kind = model->algorithm->input == MAAS_INPUT_TOKENS ? MAAS_INPUT_TOKENS : MAAS_INPUT_DENSE;
	in.x = x;
	in.tokens = tokens;
	in.n_tokens = lengthof(tokens);
	/* onnx models run in ONNX Runtime, a module the fuzzers do not load */
	for (int pass = model->algorithm->fit == NULL ? 4 : 0; pass < 4; pass++)
	{
		for (int j = 0; j < p; j++)
			x[j] = pass == 0 ? 0.0 :
				pass == 3 ? ((j & 1) ? -1e308 : 1e308) : NAN;
		if (pass == 2)
			MaasImpute(&model->prep, x);	/* what a NULL becomes */
		model->algorithm->predict(model, &in, out);
		/* a decomposition has coordinates only: maas_predict refuses it */
		v = model->task == MAAS_TASK_DECOMPOSITION ? out[0] : MaasPredictValue(model, out);
		(void) v;
		if (MaasTaskIsClassification(model->task))
		{
			int			c = MaasArgmax(out, k);

			if (c < 0 || c >= model->target.n_classes)
				FuzzFail("argmax %d outside %d classes", c, model->target.n_classes);
			(void) strlen(model->target.labels[c]);
		}
		/* maas_explain refuses models of documents without explain_tokens (explain.c) */
		if (model->algorithm->explain &&
			(MaasTextColumn(&model->prep, &n_text) == NULL || model->algorithm->explain_tokens))
			model->algorithm->explain(model, &in, contrib, &base);
		if (model->algorithm->explain_tokens && MaasTextColumn(&model->prep, &n_text) != NULL)
		{
			double		words[lengthof(tokens)];

			model->algorithm->explain_tokens(model, &in, words);
		}
	}
	/* recommenders: every item's score for a user, a new user, similar items */
	if (model->algorithm->input == MAAS_INPUT_PAIRS)
	{
		const MaasPairs *pairs = model->algorithm->pairs(model);
		double	   *scores = palloc(sizeof(double) * pairs->items.n);

		model->algorithm->score_items(model, pairs->users.n - 1, scores);
		model->algorithm->score_items(model, -1, scores);
		model->algorithm->similar_items(model, pairs->items.n - 1, scores);
		pfree(scores);
	}
	if (model->algorithm->importance)
	{
		double	   *gain = palloc0(sizeof(double) * p);
		double	   *splits = palloc0(sizeof(double) * p);

		model->algorithm->importance(model, gain, splits);
	}
	/*
	 * maas_to_sql (the value, and a classifier's probabilities), maas_export;
	 * the SQL layer refuses both for a model that reads documents
	 */
	if (MaasTextColumn(&model->prep, &n_text) != NULL)
		return;
	if (model->algorithm->to_sql &&
		(model->task == MAAS_TASK_REGRESSION || MaasTaskIsClassification(model->task)))
	{
		char	  **feature = palloc(sizeof(char *) * Max(p, 1));
		StringInfoData sql;

		for (int j = 0; j < p; j++)
			feature[j] = psprintf("x%d", j);
		initStringInfo(&sql);
		model->algorithm->to_sql(model, feature, false, &sql);
		if (MaasTaskIsClassification(model->task))
			model->algorithm->to_sql(model, feature, true, &sql);
	}
	if (model->algorithm->export_model)
		ExportEach(model);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MaasModel  *volatile model = NULL;
	bytea	   *bytes;

	FuzzBegin();

	/*
	 * Mutations rarely keep the CRC-32C of the payload right, and nothing
	 * past the header would be reached; so the checksum is recomputed,
	 * except for sizes that are a multiple of 13, which keep the stored one
	 * (and exercise the check).
	 */
	if (size >= 32 && size % 13 != 0)
	{
		uint8	   *patched = palloc(size);
		pg_crc32c	crc;

		memcpy(patched, data, size);
		INIT_CRC32C(crc);
		COMP_CRC32C(crc, patched + 32, size - 32);
		FIN_CRC32C(crc);
		for (int i = 0; i < 4; i++)
			patched[24 + i] = (uint8) (crc >> (8 * i));
		data = patched;
	}

	/* odd sizes: a 1-byte header at an odd address, as in a tuple */
	bytes = FuzzBytea(data, size, size & 1);

	PG_TRY();
	{
		model = MaasModelDeserialize(bytes);
		/* the profile section is read where it is used (maas_drift) */
		(void) MaasModelProfile(model);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(fuzz_cxt);
		if (fuzz_error.sqlerrcode != MAAS_ERRCODE_BAD_MODEL ||
			strcmp(fuzz_error.message, "invalid maas model") != 0)
			FuzzFailOnError("rejecting model bytes, instead of \"invalid maas model\"");
		model = NULL;
	}
	PG_END_TRY();

	if (model != NULL)
	{
		PG_TRY();
		{
			bytea	   *again;
			bytea	   *third;
			MaasModel  *model2;

			UseModel(model, size);
			again = MaasModelSerialize(model);
			model2 = MaasModelDeserialize(again);
			UseModel(model2, VARSIZE(again) - VARHDRSZ);
			third = MaasModelSerialize(model2);
			if (VARSIZE(third) != VARSIZE(again) ||
				memcmp(third, again, VARSIZE(again)) != 0)
				FuzzFail("serialize(deserialize(serialize(m))) differs from serialize(m)");
		}
		PG_CATCH();
		{
			FuzzFailOnError("using a model that deserialized");
		}
		PG_END_TRY();
	}
	FuzzEnd();
	return 0;
}
