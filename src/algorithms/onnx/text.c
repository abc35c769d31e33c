/*
 * text.c
 *	  Documents of an onnx text model: the Hugging Face tokenizer the model
 *	  came with (core/hftokenizer.h), the runs on token ids, and pooling.
 *
 * The model's one text column carries a MaasTokenizer whose encode hook is
 * this model's tokenizer (set when the model is read), so every input form
 * (a row, the text argument, maas_embed) tokenizes through the encoder as
 * any text model does.  A document is one sequence: ids as the tokenizer
 * gives them (special tokens, its truncation), the attention mask all
 * ones (the file's padding is dropped: one document needs none), type ids
 * zero.
 */
#include "postgres.h"

#include <math.h>

#include "core/hftokenizer.h"

#include "onnx.h"

/* The tokenizer's ids of a document that the attention mask keeps */
static int
Encode(const MaasTokenizer *t, const char *text, int len, int32 *ids)
{
	MaasHfEncoding enc;
	int			n = 0;

	MaasHfTokenizerEncode((const MaasHfTokenizer *) t->encode_arg, text, len, &enc);
	for (int i = 0; i < enc.n && n < t->maxlen; i++)
		if (enc.attention_mask == NULL || enc.attention_mask[i] != 0)
			ids[n++] = enc.ids[i];
	if (enc.ids)
		pfree(enc.ids);
	if (enc.type_ids)
		pfree(enc.type_ids);
	if (enc.attention_mask)
		pfree(enc.attention_mask);
	return n;
}

/* The truncation's max_length of the tokenizer.json, else the default */
static int
MaxLength(const OnnxState *s)
{
	Jsonb	   *jb = MaasJsonParse("tokenizer", s->tokenizer_json, s->tokenizer_len);
	JsonbValue *t = MaasJsonMember(&jb->root, "truncation");
	JsonbValue *m;

	if (t == NULL || t->type != jbvBinary)
		return ONNX_DEFAULT_MAXLEN;
	m = MaasJsonMember(t->val.binary.data, "max_length");
	if (m == NULL || m->type != jbvNumeric)
		return ONNX_DEFAULT_MAXLEN;
	return (int) Max(1, Min(MaasJsonDouble("tokenizer", m, "truncation.max_length"),
							(double) MAAS_MAX_MAXLEN));
}

/* At import: the tokenizer, and the document column's tokenizer over it */
MaasTokenizer *
OnnxDocumentTokenizer(OnnxState *s)
{
	MaasTokenizer *t = palloc0(sizeof(MaasTokenizer));

	s->tokenizer = MaasHfTokenizerParse(s->tokenizer_json, s->tokenizer_len);
	s->maxlen = MaxLength(s);
	t->maxlen = s->maxlen;
	t->ngram_min = t->ngram_max = 1;
	t->stem = "";
	t->encode = Encode;
	t->encode_arg = s->tokenizer;
	return t;
}

/* When the model is read: the tokenizer again, hooked to the column */
void
OnnxTextAttach(OnnxState *s, const MaasModel *model)
{
	int			n_text;
	MaasTokenizer *t = (MaasTokenizer *) MaasTextColumn(&model->prep, &n_text)->tokenizer;

	s->tokenizer = MaasHfTokenizerParse(s->tokenizer_json, s->tokenizer_len);
	t->maxlen = Min(t->maxlen, s->maxlen);
	t->encode = Encode;
	t->encode_arg = s->tokenizer;
}

static void *
Ints(int elem, int n, const int32 *ids, int32 fill)
{
	if (elem == MAAS_ONNX_INT64)
	{
		int64	   *v = palloc(sizeof(int64) * n);

		for (int i = 0; i < n; i++)
			v[i] = ids ? ids[i] : fill;
		return v;
	}
	else
	{
		int32	   *v = palloc(sizeof(int32) * n);

		for (int i = 0; i < n; i++)
			v[i] = ids ? ids[i] : fill;
		return v;
	}
}

/* One run on one document's ids (those of an empty one when none) */
static void
RunIds(const OnnxState *s, const int32 *ids, int n, MaasOnnxResult *res)
{
	MaasOnnxModel m = OnnxSessionOf(s);
	MaasOnnxFeed feeds[ONNX_TEXT_INPUTS];
	int64		dims[2];
	int			n_feeds = 0;
	int32	   *empty = NULL;

	if (n == 0)
	{
		MaasTokenizer t = {.maxlen = s->maxlen,.encode_arg = s->tokenizer};

		empty = palloc(sizeof(int32) * s->maxlen);
		n = Encode(&t, "", 0, empty);
		ids = empty;
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the onnx model's tokenizer gives no token for an empty document")));
	}
	dims[0] = 1;
	dims[1] = n;
	for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
	{
		if (s->text_input[k][0] == '\0')
			continue;
		feeds[n_feeds].name = s->text_input[k];
		feeds[n_feeds].elem = s->text_elem[k];
		feeds[n_feeds].rank = 2;
		feeds[n_feeds].dims = dims;
		feeds[n_feeds].data = Ints(s->text_elem[k], n, k == ONNX_TEXT_IDS ? ids : NULL,
								   k == ONNX_TEXT_MASK ? 1 : 0);
		n_feeds++;
	}
	MaasOnnx()->run(&m, n_feeds, feeds, s->output_name, res);
	for (int f = 0; f < n_feeds; f++)
		pfree((void *) feeds[f].data);
	if (empty)
		pfree(empty);
}

/* The import's trial run on an empty document */
void
OnnxTrialText(const OnnxState *s, MaasOnnxResult *res)
{
	RunIds(s, NULL, 0, res);
}

/* A document's output (pooled when per token) into raw, width values */
void
OnnxRunText(const OnnxState *s, const int32 *ids, int n, float *raw)
{
	MaasOnnxResult res;
	int64		tokens;
	int64		last;

	RunIds(s, ids, n, &res);
	tokens = res.rank == 3 ? res.dims[1] : 1;
	last = res.rank >= 2 ? res.dims[res.rank - 1] : 1;
	if (res.rank != s->output_rank || res.dims[0] != 1 || tokens < 1 || last != s->width ||
		res.n != tokens * s->width)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("onnx model output \"%s\" has another shape than at import", s->output_name),
				 errdetail("A run gave %lld values of rank %d; the import saw %d per token or text, rank %d.",
						   (long long) res.n, res.rank, s->width, s->output_rank)));
	if (res.rank < 3 || s->pooling == ONNX_POOL_CLS)
		memcpy(raw, res.values, sizeof(float) * s->width);
	else
	{
		/* the mean over the tokens, in double: every token is unmasked */
		for (int k = 0; k < s->width; k++)
		{
			double		sum = 0;

			for (int64 i = 0; i < tokens; i++)
				sum += res.values[i * s->width + k];
			raw[k] = (float) (sum / tokens);
		}
	}
	pfree(res.values);
}
