/*
 * onnx.c
 *	  The onnx algorithm: its bytes, its description, prediction one row at
 *	  a time, over a matrix and over documents in batches, and the embedding
 *	  of a document.
 *
 * Created only by maas_import(name, 'onnx', bytes, spec) (spec.c); it has
 * no fit.  Stored as: the state version (u8), output kind, activation,
 * pooling, normalize, text (u8 each), the output's rank (u8) and width
 * (u32) and name (string); for features the input's name (string) and
 * element type (u8); for text, per standard input its name (string, "" if
 * the model lacks it) and element type (u8), the token limit (u32) and the
 * tokenizer.json (u32 length, bytes); then the ONNX bytes (u32 length,
 * bytes).
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"

#include "onnx.h"

static void
WriteBlob(StringInfo buf, const char *data, int64 len)
{
	MaasWriteU32(buf, (uint32) len);
	appendBinaryStringInfo(buf, data, (int) len);
}

/* A blob of at most what remains, copied */
static char *
ReadBlob(MaasReader *r, int64 *len, const char *what)
{
	uint32		n = MaasReadU32(r);
	char	   *p;

	if (n > r->len - r->pos)
		MaasReaderFail(r, "the %s claims %u bytes, more than the model holds", what, n);
	p = palloc(n + 1);
	memcpy(p, r->data + r->pos, n);
	p[n] = '\0';
	r->pos += n;
	*len = n;
	return p;
}

/* a u32 as an int, out of range ones as INT_MAX (CheckState refuses them) */
static int
ReadInt(MaasReader *r)
{
	uint32		v = MaasReadU32(r);

	return v > INT_MAX ? INT_MAX : (int) v;
}

static void
OnnxSerialize(const MaasModel *model, StringInfo buf)
{
	const OnnxState *s = model->state;

	MaasWriteU8(buf, ONNX_STATE_VERSION);
	MaasWriteU8(buf, (uint8) s->output);
	MaasWriteU8(buf, (uint8) s->activation);
	MaasWriteU8(buf, (uint8) s->pooling);
	MaasWriteU8(buf, s->normalize ? 1 : 0);
	MaasWriteU8(buf, s->text ? 1 : 0);
	MaasWriteU8(buf, (uint8) s->output_rank);
	MaasWriteU32(buf, (uint32) s->width);
	MaasWriteString(buf, s->output_name);
	if (s->text)
	{
		for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
		{
			MaasWriteString(buf, s->text_input[k]);
			MaasWriteU8(buf, (uint8) s->text_elem[k]);
		}
		MaasWriteU32(buf, (uint32) s->maxlen);
		WriteBlob(buf, s->tokenizer_json, s->tokenizer_len);
	}
	else
	{
		MaasWriteString(buf, s->input_name);
		MaasWriteU8(buf, (uint8) s->input_elem);
	}
	WriteBlob(buf, s->bytes, s->len);
}

static bool
ElemValid(int elem, bool ids)
{
	if (ids)
		return elem == MAAS_ONNX_INT64 || elem == MAAS_ONNX_INT32;
	return elem == MAAS_ONNX_FLOAT || elem == MAAS_ONNX_DOUBLE;
}

/* The outputs the spec gives for the width the model's output has */
static int
OutputsOf(const OnnxState *s)
{
	if (s->output == ONNX_OUT_CLASSES && s->width == 1)
		return 2;
	return s->width;
}

static void
CheckState(MaasReader *r, const OnnxState *s, const MaasModel *model)
{
	if (s->output < ONNX_OUT_VALUE || s->output > ONNX_OUT_EMBEDDING ||
		s->activation > ONNX_ACT_SIGMOID || s->pooling > ONNX_POOL_CLS ||
		s->output_rank < 1 || s->output_rank > 3 ||
		s->width < 1 || s->width > MAAS_MAX_FEATURES || s->output_name[0] == '\0')
		MaasReaderFail(r, "onnx spec out of range");
	if (s->output_rank == 3 && !(s->text && s->output == ONNX_OUT_EMBEDDING))
		MaasReaderFail(r, "onnx output of rank 3 that is not a pooled embedding");
	if (s->output == ONNX_OUT_CLASSES && s->width == 1 && s->activation != ONNX_ACT_SIGMOID)
		MaasReaderFail(r, "onnx classes of one score without a sigmoid");
	if (model->n_outputs != OutputsOf(s))
		MaasReaderFail(r, "onnx output of %d values for a model of %d outputs",
					   s->width, model->n_outputs);
	if ((s->output == ONNX_OUT_VALUE) != (model->task == MAAS_TASK_REGRESSION) ||
		(s->output == ONNX_OUT_CLASSES) != MaasTaskIsClassification(model->task) ||
		(s->output == ONNX_OUT_EMBEDDING) != (model->task == MAAS_TASK_DECOMPOSITION))
		MaasReaderFail(r, "onnx output kind does not match the model's task");
	if (s->text)
	{
		int			n_text;

		if (MaasTextColumn(&model->prep, &n_text) == NULL || model->prep.n_columns != 1 ||
			s->text_input[ONNX_TEXT_IDS][0] == '\0' || s->maxlen < 1 ||
			s->maxlen > MAAS_MAX_MAXLEN)
			MaasReaderFail(r, "onnx text model without its document column or token ids");
		for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
			if (s->text_input[k][0] != '\0' && !ElemValid(s->text_elem[k], true))
				MaasReaderFail(r, "onnx text input of element type %d", s->text_elem[k]);
	}
	else if (s->input_name[0] == '\0' || !ElemValid(s->input_elem, false) ||
			 model->n_features < 1)
		MaasReaderFail(r, "onnx features input missing or of element type %d", s->input_elem);
}

static void *
OnnxDeserialize(MaasReader *r, const MaasModel *model)
{
	OnnxState  *s = palloc0(sizeof(OnnxState));
	uint8		version = MaasReadU8(r);

	if (version != ONNX_STATE_VERSION)
		MaasReaderFail(r, "onnx state version %u", version);
	s->output = MaasReadU8(r);
	s->activation = MaasReadU8(r);
	s->pooling = MaasReadU8(r);
	s->normalize = MaasReadU8(r) != 0;
	s->text = MaasReadU8(r) != 0;
	s->output_rank = MaasReadU8(r);
	s->width = ReadInt(r);
	s->output_name = MaasReadString(r);
	if (s->text)
	{
		for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
		{
			s->text_input[k] = MaasReadString(r);
			s->text_elem[k] = MaasReadU8(r);
		}
		s->maxlen = ReadInt(r);
		s->tokenizer_json = ReadBlob(r, &s->tokenizer_len, "tokenizer");
	}
	else
	{
		s->input_name = MaasReadString(r);
		s->input_elem = MaasReadU8(r);
	}
	s->bytes = ReadBlob(r, &s->len, "onnx model");
	if (s->len == 0)
		MaasReaderFail(r, "empty onnx model");
	CheckState(r, s, model);
	s->key = hash_bytes_extended((const unsigned char *) s->bytes, (int) s->len, 0x6d616173);
	if (s->text)
		OnnxTextAttach(s, model);
	return s;
}

static const char *
OutputName(OnnxOutput o)
{
	return o == ONNX_OUT_VALUE ? "value" : o == ONNX_OUT_CLASSES ? "classes" : "embedding";
}

static void
OnnxDescribe(const MaasModel *model, MaasJson *json)
{
	const OnnxState *s = model->state;
	static const char *const act[] = {"none", "softmax", "sigmoid"};

	MaasJsonKey(json, "onnx_bytes");
	MaasJsonInt(json, s->len);
	MaasJsonKey(json, "output");
	MaasJsonString(json, OutputName(s->output));
	MaasJsonKey(json, "output_name");
	MaasJsonString(json, s->output_name);
	MaasJsonKey(json, "output_width");
	MaasJsonInt(json, s->width);
	if (s->output == ONNX_OUT_CLASSES)
	{
		MaasJsonKey(json, "activation");
		MaasJsonString(json, act[s->activation]);
	}
	if (s->text)
	{
		MaasJsonKey(json, "inputs");
		MaasJsonBeginArray(json);
		for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
			if (s->text_input[k][0] != '\0')
				MaasJsonString(json, s->text_input[k]);
		MaasJsonEndArray(json);
		MaasJsonKey(json, "max_length");
		MaasJsonInt(json, s->maxlen);
		MaasJsonKey(json, "tokenizer_bytes");
		MaasJsonInt(json, s->tokenizer_len);
		if (s->output == ONNX_OUT_EMBEDDING)
		{
			MaasJsonKey(json, "pooling");
			MaasJsonString(json, s->output_rank == 3 ?
						   (s->pooling == ONNX_POOL_CLS ? "cls" : "mean") : "none");
		}
	}
	else
	{
		MaasJsonKey(json, "input");
		MaasJsonString(json, s->input_name);
	}
	if (s->output == ONNX_OUT_EMBEDDING)
	{
		MaasJsonKey(json, "normalize");
		MaasJsonBool(json, s->normalize);
	}
}

/* A document's output (its tokens, or the tokens of an empty one) */
static void
PredictText(const MaasModel *model, const OnnxState *s, const MaasInput *in, double *out)
{
	float	   *raw = palloc(sizeof(float) * s->width);

	OnnxRunTexts(s, 1, &in->tokens, &in->n_tokens, raw);
	OnnxFinish(s, raw, out, model->n_outputs);
	pfree(raw);
}

static void
OnnxPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const OnnxState *s = model->state;

	if (s->text)
		PredictText(model, s, in, out);
	else
		OnnxRunFeatures(s, in->x, 1, 1, model->n_features, out, model->n_outputs);
}

static void
OnnxPredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features, double *out)
{
	const OnnxState *s = model->state;

	if (s->text)
		elog(ERROR, "an onnx model of documents predicts one document at a time");
	OnnxRunFeatures(s, m->data, m->n_rows, m->ld, model->n_features, out, model->n_outputs);
}

/* rows by token count, then position: documents of a batch alike in length */
static int
CompareLength(const void *a, const void *b, void *arg)
{
	const MaasTokenRows *t = arg;
	int64		i = *(const int64 *) a;
	int64		j = *(const int64 *) b;
	int64		li = t->start[i + 1] - t->start[i];
	int64		lj = t->start[j + 1] - t->start[j];

	if (li != lj)
		return li < lj ? -1 : 1;
	return i < j ? -1 : i > j ? 1 : 0;
}

/*
 * Documents in runs of ONNX_TEXT_BATCH, padded to each batch's longest,
 * with a look at pending interrupts between runs.  The batches take the
 * documents by length, so little of a run is padding; the padding changes
 * no output (the attention mask), so the order changes none either.
 */
static void
OnnxPredictTokens(const MaasModel *model, const MaasTokenRows *tokens, double *out)
{
	const OnnxState *s = model->state;
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(int64) * Max(tokens->n_rows, 1));
	const int32 **ids = palloc(sizeof(int32 *) * ONNX_TEXT_BATCH);
	int		   *n = palloc(sizeof(int) * ONNX_TEXT_BATCH);
	float	   *raw = palloc(sizeof(float) * ONNX_TEXT_BATCH * s->width);

	if (!s->text)
		elog(ERROR, "an onnx model of features predicts no documents");
	for (int64 i = 0; i < tokens->n_rows; i++)
		order[i] = i;
	qsort_arg(order, tokens->n_rows, sizeof(int64), CompareLength, (void *) tokens);
	for (int64 start = 0; start < tokens->n_rows; start += ONNX_TEXT_BATCH)
	{
		int			b = (int) Min(ONNX_TEXT_BATCH, tokens->n_rows - start);

		CHECK_FOR_INTERRUPTS();
		for (int r = 0; r < b; r++)
		{
			int64		i = order[start + r];

			ids[r] = tokens->ids + tokens->start[i];
			n[r] = (int) (tokens->start[i + 1] - tokens->start[i]);
		}
		OnnxRunTexts(s, b, ids, n, raw);
		for (int r = 0; r < b; r++)
			OnnxFinish(s, raw + (int64) r * s->width, out + order[start + r] * model->n_outputs,
					   model->n_outputs);
	}
	pfree(order);
	pfree(ids);
	pfree(n);
	pfree(raw);
}

static int
OnnxEmbedWidth(const MaasModel *model)
{
	const OnnxState *s = model->state;

	return s->output == ONNX_OUT_EMBEDDING ? s->width : 0;
}

static void
OnnxEmbed(const MaasModel *model, const MaasInput *in, double *out)
{
	const OnnxState *s = model->state;

	if (s->output != ONNX_OUT_EMBEDDING)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("this onnx model's output is %s, not an embedding", OutputName(s->output)),
				 errhint("Import the model with \"output\": \"embedding\" (and the output_name of its hidden states) to embed with it.")));
	OnnxPredict(model, in, out);
}

const MaasAlgorithm maas_onnx = {
	.name = "onnx",
	.id = 21,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION) | MAAS_TASKS_CLASSIFY |
	MAAS_TASK_BIT(MAAS_TASK_DECOMPOSITION),
	/* NULLs reach the model as NaN: some take them (trees), others give NaN, an error */
	.handles_missing = true,
	.input = MAAS_INPUT_DENSE,
	.params = NULL,
	.options_size = 0,
	.fit = NULL,
	.predict = OnnxPredict,
	.serialize = OnnxSerialize,
	.deserialize = OnnxDeserialize,
	.describe = OnnxDescribe,
	.predict_matrix = OnnxPredictMatrix,
	.predict_tokens = OnnxPredictTokens,
	.imports = ONNX_FORMAT,
	.import = OnnxImport,
	.embed_width = OnnxEmbedWidth,
	.embed = OnnxEmbed,
};
