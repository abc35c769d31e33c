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

/* The ids of an empty document, which a run needs one token of at least */
static int32 *
EmptyIds(const OnnxState *s, int *n)
{
	MaasTokenizer t = {.maxlen = s->maxlen,.encode_arg = s->tokenizer};
	int32	   *ids = palloc(sizeof(int32) * s->maxlen);

	*n = Encode(&t, "", 0, ids);
	if (*n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the onnx model's tokenizer gives no token for an empty document")));
	return ids;
}

/*
 * One standard input of rows documents padded to len tokens: the ids (0
 * past a document's end), the attention mask (1 on its tokens, 0 past) or
 * the type ids (0)
 */
static void *
Ints(int elem, int kind, int rows, int len, const int32 *const *ids, const int *n)
{
	bool		wide = elem == MAAS_ONNX_INT64;
	void	   *v = palloc0(mul_size(mul_size(rows, len), wide ? sizeof(int64) : sizeof(int32)));

	if (kind == ONNX_TEXT_TYPES)
		return v;
	for (int r = 0; r < rows; r++)
		for (int i = 0; i < n[r]; i++)
		{
			int32		x = kind == ONNX_TEXT_IDS ? ids[r][i] : 1;

			if (wide)
				((int64 *) v)[(int64) r * len + i] = x;
			else
				((int32 *) v)[(int64) r * len + i] = x;
		}
	return v;
}

/* One run on rows documents' ids, padded to the longest */
static void
RunIds(const OnnxState *s, int rows, const int32 *const *ids, const int *n, int len,
	   MaasOnnxResult *res)
{
	MaasOnnxModel m = OnnxSessionOf(s);
	MaasOnnxFeed feeds[ONNX_TEXT_INPUTS];
	int64		dims[2] = {rows, len};
	int			n_feeds = 0;

	for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
	{
		if (s->text_input[k][0] == '\0')
			continue;
		feeds[n_feeds].name = s->text_input[k];
		feeds[n_feeds].elem = s->text_elem[k];
		feeds[n_feeds].rank = 2;
		feeds[n_feeds].dims = dims;
		feeds[n_feeds].data = Ints(s->text_elem[k], k, rows, len, ids, n);
		n_feeds++;
	}
	MaasOnnx()->run(&m, n_feeds, feeds, s->output_name, res);
	for (int f = 0; f < n_feeds; f++)
		pfree((void *) feeds[f].data);
}

/* The import's trial run on an empty document */
void
OnnxTrialText(const OnnxState *s, MaasOnnxResult *res)
{
	int			n;
	int32	   *ids = EmptyIds(s, &n);

	RunIds(s, 1, (const int32 *const *) &ids, &n, n, res);
	pfree(ids);
}

/*
 * rows documents' outputs (pooled when per token) into raw, width values a
 * row, in one run: the documents padded to the longest with attention mask
 * 0, which the model's attention ignores, so each row is what a run on the
 * document alone gives; empty documents run as the tokenizer's empty one
 */
void
OnnxRunTexts(const OnnxState *s, int rows, const int32 *const *ids, const int *n, float *raw)
{
	const int32 **use = palloc(sizeof(int32 *) * rows);
	int		   *len = palloc(sizeof(int) * rows);
	int32	   *empty = NULL;
	int			empty_n = 0;
	int			longest = 0;
	MaasOnnxResult res;
	int64		tokens;
	int64		last;

	for (int r = 0; r < rows; r++)
	{
		use[r] = ids[r];
		len[r] = n[r];
		if (n[r] == 0)
		{
			if (empty == NULL)
				empty = EmptyIds(s, &empty_n);
			use[r] = empty;
			len[r] = empty_n;
		}
		longest = Max(longest, len[r]);
	}
	RunIds(s, rows, use, len, longest, &res);
	tokens = res.rank == 3 ? res.dims[1] : 1;
	last = res.rank >= 2 ? res.dims[res.rank - 1] : 1;
	if (res.rank != s->output_rank || res.dims[0] != rows || (res.rank == 3 && tokens != longest) ||
		last != s->width || res.n != rows * tokens * s->width)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("onnx model output \"%s\" has another shape than at import", s->output_name),
				 errdetail("A run on %d texts gave %lld values of rank %d; the import saw %d per token or text, rank %d.",
						   rows, (long long) res.n, res.rank, s->width, s->output_rank)));
	for (int r = 0; r < rows; r++)
	{
		const float *v = res.values + r * tokens * s->width;

		if (res.rank < 3 || s->pooling == ONNX_POOL_CLS)
			memcpy(raw + (int64) r * s->width, v, sizeof(float) * s->width);
		else
		{
			/* the mean, in double, over the tokens the mask keeps: the document's */
			for (int k = 0; k < s->width; k++)
			{
				double		sum = 0;

				for (int i = 0; i < len[r]; i++)
					sum += v[(int64) i * s->width + k];
				raw[(int64) r * s->width + k] = (float) (sum / len[r]);
			}
		}
	}
	pfree(res.values);
	pfree(use);
	pfree(len);
	if (empty)
		pfree(empty);
}
