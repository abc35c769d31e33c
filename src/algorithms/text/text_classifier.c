/*
 * text_classifier.c
 *	  text_classifier: fastText's supervised model (Joulin et al., "Bag of
 *	  Tricks for Efficient Text Classification", 2016), as the fasttext
 *	  command-line tool trains it with its softmax loss.
 *
 * A document is the average of the vectors of its words, of an
 * end-of-document token (fastText's "</s>", which every line has) and,
 * with ngrams > 1, of its word n-grams hashed into "buckets" rows; a
 * linear layer and a softmax make the class probabilities.  Training is
 * fastText's SGD: the rows in order, epochs times, the learning rate
 * decaying linearly to 0 over all the tokens, the word vectors starting
 * uniform in +-1/dim and the output at 0.  fastText updates one model from
 * several threads without locks (Hogwild), so its result depends on the
 * thread timing; here the same steps run in one thread, so a seed gives
 * the same model bytes whatever maas.threads is.
 *
 * Only the bucket rows that training data touched are stored: any other
 * bucket a new document hashes into keeps its initial value, which is a
 * function of the seed and the row (InitialValue), so the model bytes do
 * not hold 2,000,000 rows of which a few thousand were ever trained.
 *
 * The documents come tokenized (MAAS_INPUT_TOKENS: the tokenizer of the
 * text column, stored with the model); out-of-vocabulary words (id 1) are
 * left out of the average, as fastText leaves words it has no vector for.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "core/core.h"

#define FT_MAX_DIM			1000
#define FT_MAX_NGRAMS		5
#define FT_MAX_BUCKETS		10000000
#define FT_NGRAM_PRIME		116049371	/* fastText's n-gram hash multiplier */

typedef struct FtOptions
{
	int			epochs;
	int			dim;
	int			ngrams;
	int			buckets;
	double		learning_rate;
} FtOptions;

static const MaasParamSpec ft_params[] = {
	{"epochs", MAAS_PARAM_INT, "5", 1, 10000, NULL,
		"passes over the training rows (fastText's -epoch)",
	offsetof(FtOptions, epochs)},
	{"dim", MAAS_PARAM_INT, "100", 1, FT_MAX_DIM, NULL,
		"size of the word vectors (fastText's -dim)",
	offsetof(FtOptions, dim)},
	{"ngrams", MAAS_PARAM_INT, "1", 1, FT_MAX_NGRAMS, NULL,
		"longest word n-gram with a vector of its own (fastText's -wordNgrams)",
	offsetof(FtOptions, ngrams)},
	{"buckets", MAAS_PARAM_INT, "2000000", 1, FT_MAX_BUCKETS, NULL,
		"rows the word n-grams are hashed into (fastText's -bucket)",
	offsetof(FtOptions, buckets)},
	{"learning_rate", MAAS_PARAM_FLOAT, "0.1", 1e-9, 100, NULL,
		"initial learning rate, decaying linearly to 0 (fastText's -lr)",
	offsetof(FtOptions, learning_rate)},
	{NULL}
};

typedef struct FtState
{
	int			dim;
	int			ngrams;
	int			buckets;		/* 0 when ngrams is 1 */
	uint32		seed;			/* initial values of untouched buckets */
	int			k;				/* classes */
	int			n_words;		/* vocabulary + pad, unknown, end of document */
	float	   *words;			/* n_words x dim */
	int			n_stored;		/* bucket rows trained */
	uint32	   *bucket_ids;		/* ascending */
	float	   *bucket_rows;	/* n_stored x dim */
	float	   *output;			/* k x dim */
} FtState;

/* ---- rows and their initial values ---- */

static inline uint64
SplitMix(uint64 x)
{
	x += UINT64CONST(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/*
 * Row row's initial vector, uniform in +-1/dim: a function of the seed and
 * the row alone, so serving recreates the rows training never touched
 */
static void
InitialValue(uint32 seed, int64 row, int dim, float *out)
{
	uint64		base = SplitMix(((uint64) seed << 32) ^ (uint64) row);

	for (int j = 0; j < dim; j++)
	{
		uint64		h = SplitMix(base + (uint64) j);
		double		u = (double) (h >> 11) * (1.0 / 9007199254740992.0);

		out[j] = (float) ((2.0 * u - 1.0) / dim);
	}
}

/* The end-of-document token's row, after the vocabulary's ids */
#define EOS_ROW(n_words)	((n_words) - 1)

/* A token's part of an n-gram hash; position n is the end of the document */
static inline uint64
TokenHash(const int32 *ids, int n, int eos, int i)
{
	return (uint64) (uint32) (i < n ? ids[i] : eos) * 2654435761u;
}

/*
 * The hashed buckets of a document's n-grams (2..ngrams words, the end of
 * the document included as fastText includes "</s>"), into out; returns
 * how many
 */
static int64
NgramBuckets(const int32 *ids, int n, int eos, int ngrams, int buckets, uint32 *out)
{
	int64		count = 0;

	for (int i = 0; i <= n; i++)
	{
		uint64		h = TokenHash(ids, n, eos, i);

		for (int j = i + 1; j <= n && j < i + ngrams; j++)
		{
			h = h * FT_NGRAM_PRIME + TokenHash(ids, n, eos, j);
			out[count++] = (uint32) (h % (uint64) buckets);
		}
	}
	return count;
}

static int
CompareU32(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return (x > y) - (x < y);
}

static int32
FindBucket(const uint32 *ids, int n, uint32 bucket)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == bucket)
			return mid;
		if (ids[mid] < bucket)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---- training ---- */

/*
 * Every training document as the list of parameter rows it averages:
 * its known words, the end of document, its n-gram buckets (numbered
 * after the words, in the order of state->bucket_ids)
 */
typedef struct FtLines
{
	int64		n;
	int64	   *start;
	int32	   *rows;
	int64	   *tokens;			/* per document: tokens, end included (the lr schedule) */
} FtLines;

static void
BuildLines(FtState *st, const MaasTokenRows *docs, FtLines *lines)
{
	int64		n = docs->n_rows;
	int64		per_doc_grams = st->ngrams > 1 ? (int64) (st->ngrams - 1) : 0;
	int64		cap = docs->n_tokens + n + (docs->n_tokens + n) * per_doc_grams;
	uint32	   *grams;
	uint32	   *all = NULL;
	int64		n_all = 0;
	int64		pos = 0;

	MaasCheckMemory(mul_size(cap, sizeof(int32) * 3), "text_classifier documents");
	lines->n = n;
	lines->start = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n + 1));
	lines->rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(cap, 1));
	lines->tokens = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n, 1));
	grams = palloc(sizeof(uint32) * ((int64) docs->tokenizer->maxlen + 1) * Max(per_doc_grams, 1));
	if (per_doc_grams > 0)
		all = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * Max(cap, 1));
	for (int64 i = 0; i < n; i++)
	{
		const int32 *ids = docs->ids + docs->start[i];
		int			len = (int) (docs->start[i + 1] - docs->start[i]);

		lines->start[i] = pos;
		lines->tokens[i] = len + 1;
		for (int t = 0; t < len; t++)
			if (ids[t] >= MAAS_TOKEN_FIRST)
				lines->rows[pos++] = ids[t];
		lines->rows[pos++] = EOS_ROW(st->n_words);
		if (per_doc_grams > 0)
		{
			int64		g = NgramBuckets(ids, len, EOS_ROW(st->n_words), st->ngrams,
										 st->buckets, grams);

			/* buckets as -1 - bucket until they are numbered */
			for (int64 b = 0; b < g; b++)
			{
				lines->rows[pos++] = -1 - (int32) grams[b];
				all[n_all++] = grams[b];
			}
		}
	}
	lines->start[n] = pos;
	pfree(grams);

	/* the distinct buckets, ascending; then each bucket to its row */
	st->n_stored = 0;
	st->bucket_ids = palloc(sizeof(uint32));
	if (n_all > 0)
	{
		int64		u = 0;

		qsort(all, n_all, sizeof(uint32), CompareU32);
		for (int64 b = 0; b < n_all; b++)
			if (b == 0 || all[b] != all[u - 1])
				all[u++] = all[b];
		st->n_stored = (int) u;
		st->bucket_ids = all;
		for (int64 p = 0; p < pos; p++)
			if (lines->rows[p] < 0)
				lines->rows[p] = st->n_words +
					FindBucket(all, st->n_stored, (uint32) (-1 - lines->rows[p]));
	}
}

/* One SGD step of fastText's softmax model on one document */
static double
Step(FtState *st, float *input, const int32 *rows, int n, int label, float lr,
	 float *hidden, float *grad, float *scores)
{
	int			dim = st->dim;
	double		total = 0;
	double		top;
	float		scale = 1.0f / n;

	memset(hidden, 0, sizeof(float) * dim);
	for (int r = 0; r < n; r++)
	{
		const float *v = input + (int64) rows[r] * dim;

		for (int j = 0; j < dim; j++)
			hidden[j] += v[j];
	}
	for (int j = 0; j < dim; j++)
		hidden[j] *= scale;
	top = -INFINITY;
	for (int c = 0; c < st->k; c++)
	{
		const float *w = st->output + (int64) c * dim;
		float		s = 0;

		for (int j = 0; j < dim; j++)
			s += w[j] * hidden[j];
		scores[c] = s;
		top = Max(top, s);
	}
	for (int c = 0; c < st->k; c++)
	{
		scores[c] = (float) exp(scores[c] - top);
		total += scores[c];
	}
	memset(grad, 0, sizeof(float) * dim);
	for (int c = 0; c < st->k; c++)
	{
		float	   *w = st->output + (int64) c * dim;
		float		alpha = lr * ((c == label ? 1.0f : 0.0f) - (float) (scores[c] / total));

		for (int j = 0; j < dim; j++)
		{
			grad[j] += alpha * w[j];
			w[j] += alpha * hidden[j];
		}
	}
	for (int j = 0; j < dim; j++)
		grad[j] *= scale;
	for (int r = 0; r < n; r++)
	{
		float	   *v = input + (int64) rows[r] * dim;

		for (int j = 0; j < dim; j++)
			v[j] += grad[j];
	}
	return -log(Max(scores[label] / total, 1e-300));
}

static void *
FtFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const FtOptions *opt = options;
	const MaasTokenRows *docs = data->tokens;
	const double *y = MaasTrainY(data);
	FtState    *st = palloc0(sizeof(FtState));
	FtLines		lines;
	int64		n_rows;
	float	   *input;
	float	   *hidden;
	float	   *grad;
	float	   *scores;
	double		all_tokens = 0;
	double		done_tokens = 0;

	Assert(data->input == MAAS_INPUT_TOKENS && docs != NULL);
	st->dim = opt->dim;
	st->ngrams = opt->ngrams;
	st->buckets = opt->ngrams > 1 ? opt->buckets : 0;	/* as fastText */
	st->seed = (uint32) data->seed;
	st->k = data->n_classes;
	st->n_words = docs->tokenizer->n_vocab + MAAS_TOKEN_FIRST + 1;
	BuildLines(st, docs, &lines);

	n_rows = (int64) st->n_words + st->n_stored;
	MaasCheckMemory(mul_size(mul_size(n_rows, st->dim), sizeof(float)),
					"text_classifier vectors");
	input = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * n_rows * st->dim);
	for (int64 r = 0; r < n_rows; r++)
		InitialValue(st->seed, r < st->n_words ? r : st->n_words + st->bucket_ids[r - st->n_words],
					 st->dim, input + r * st->dim);
	st->output = palloc0(sizeof(float) * st->k * st->dim);
	hidden = palloc(sizeof(float) * st->dim);
	grad = palloc(sizeof(float) * st->dim);
	scores = palloc(sizeof(float) * st->k);
	for (int64 i = 0; i < lines.n; i++)
		all_tokens += lines.tokens[i];
	all_tokens *= opt->epochs;

	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		double		loss = 0;

		for (int64 i = 0; i < lines.n; i++)
		{
			float		lr = (float) (opt->learning_rate * (1.0 - done_tokens / all_tokens));

			if ((i & 255) == 0)
				CHECK_FOR_INTERRUPTS();
			loss += Step(st, input, lines.rows + lines.start[i],
						 (int) (lines.start[i + 1] - lines.start[i]), (int) y[i], lr,
						 hidden, grad, scores);
			done_tokens += lines.tokens[i];
		}
		MaasProgressStep(progress, epoch + 1, opt->epochs, loss / Max(lines.n, 1));
		if (progress != NULL && MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: epoch %d of %d, loss %.6g, %.0f words/s",
							progress->what, epoch + 1, opt->epochs, loss / Max(lines.n, 1),
							done_tokens / Max(MaasProgressElapsedMs(progress), 1) * 1000)));
	}
	st->words = input;
	st->bucket_rows = input + (int64) st->n_words * st->dim;
	return st;
}

/* ---- serving ---- */

/*
 * The sum of the vectors of a document's words and n-grams into hidden
 * (dim floats); returns how many were summed
 */
static int
FtHidden(const FtState *st, const MaasInput *in, float *hidden)
{
	int			dim = st->dim;
	float		row[FT_MAX_DIM];
	int			n = 0;

	memset(hidden, 0, sizeof(float) * dim);
	for (int t = 0; t <= in->n_tokens; t++)
	{
		int32		id = t < in->n_tokens ? in->tokens[t] : EOS_ROW(st->n_words);
		const float *v;

		if (id < MAAS_TOKEN_FIRST || id >= st->n_words)
			continue;			/* out of the vocabulary */
		v = st->words + (int64) id * dim;
		for (int j = 0; j < dim; j++)
			hidden[j] += v[j];
		n++;
	}
	if (st->ngrams > 1)
	{
		/* hashing a window at a time: no buffer of the document's size */
		for (int i = 0; i <= in->n_tokens; i++)
		{
			uint64		h = TokenHash(in->tokens, in->n_tokens, EOS_ROW(st->n_words), i);

			for (int j = i + 1; j <= in->n_tokens && j < i + st->ngrams; j++)
			{
				uint32		bucket;
				int32		r;
				const float *v;

				h = h * FT_NGRAM_PRIME + TokenHash(in->tokens, in->n_tokens, EOS_ROW(st->n_words), j);
				bucket = (uint32) (h % (uint64) st->buckets);
				r = FindBucket(st->bucket_ids, st->n_stored, bucket);
				if (r >= 0)
					v = st->bucket_rows + (int64) r * dim;
				else
				{
					InitialValue(st->seed, (int64) st->n_words + bucket, dim, row);
					v = row;
				}
				for (int k = 0; k < dim; k++)
					hidden[k] += v[k];
				n++;
			}
		}
	}
	return n;
}

static void
FtPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const FtState *st = model->state;
	int			dim = st->dim;
	float		hidden[FT_MAX_DIM];
	int			n = FtHidden(st, in, hidden);

	for (int c = 0; c < st->k; c++)
	{
		const float *w = st->output + (int64) c * dim;
		float		s = 0;

		for (int j = 0; j < dim; j++)
			s += w[j] * hidden[j];
		out[c] = (double) s / Max(n, 1);
	}
	MaasSoftmax(out, st->k);
}

static int
FtEmbedWidth(const MaasModel *model)
{
	return ((const FtState *) model->state)->dim;
}

/* The averaged vector the linear layer reads */
static void
FtEmbed(const MaasModel *model, const MaasInput *in, double *out)
{
	const FtState *st = model->state;
	float		hidden[FT_MAX_DIM];
	int			n = FtHidden(st, in, hidden);

	for (int j = 0; j < st->dim; j++)
		out[j] = (double) hidden[j] / Max(n, 1);
}

/* ---- bytes ---- */

static void
FtSerialize(const MaasModel *model, StringInfo buf)
{
	const FtState *st = model->state;

	MaasWriteU32(buf, (uint32) st->dim);
	MaasWriteU32(buf, (uint32) st->ngrams);
	MaasWriteU32(buf, (uint32) st->buckets);
	MaasWriteU32(buf, st->seed);
	MaasWriteU32(buf, (uint32) st->n_words);
	MaasWriteFloats(buf, st->words, (int64) st->n_words * st->dim);
	MaasWriteU32(buf, (uint32) st->n_stored);
	for (int i = 0; i < st->n_stored; i++)
		MaasWriteU32(buf, st->bucket_ids[i]);
	MaasWriteFloats(buf, st->bucket_rows, (int64) st->n_stored * st->dim);
	MaasWriteFloats(buf, st->output, (int64) st->k * st->dim);
}

static void *
FtDeserialize(MaasReader *r, const MaasModel *model)
{
	FtState    *st = palloc0(sizeof(FtState));
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);

	if (text == NULL || model->prep.n_columns != 1 || model->n_features != 0)
		MaasReaderFail(r, "text_classifier reads one text column and nothing else");
	st->k = model->n_outputs;
	st->dim = (int) MaasReadU32(r);
	if (st->dim < 1 || st->dim > FT_MAX_DIM)
		MaasReaderFail(r, "dim %d is outside 1..%d", st->dim, FT_MAX_DIM);
	st->ngrams = (int) MaasReadU32(r);
	if (st->ngrams < 1 || st->ngrams > FT_MAX_NGRAMS)
		MaasReaderFail(r, "ngrams %d is outside 1..%d", st->ngrams, FT_MAX_NGRAMS);
	st->buckets = (int) MaasReadU32(r);
	if (st->buckets < 0 || st->buckets > FT_MAX_BUCKETS || (st->ngrams > 1) != (st->buckets > 0))
		MaasReaderFail(r, "%d buckets for ngrams %d", st->buckets, st->ngrams);
	st->seed = MaasReadU32(r);
	st->n_words = MaasReadCount(r, MAAS_MAX_VOCAB + MAAS_TOKEN_FIRST + 1,
								(size_t) st->dim * 4, "word vector");
	if (st->n_words != text->tokenizer->n_vocab + MAAS_TOKEN_FIRST + 1)
		MaasReaderFail(r, "%d word vectors for a vocabulary of %d", st->n_words,
					   text->tokenizer->n_vocab);
	st->words = palloc(sizeof(float) * st->n_words * st->dim);
	MaasReadFloats(r, st->words, (int64) st->n_words * st->dim);
	st->n_stored = MaasReadCount(r, st->buckets, 4 + (size_t) st->dim * 4, "bucket");
	st->bucket_ids = palloc(sizeof(uint32) * Max(st->n_stored, 1));
	for (int i = 0; i < st->n_stored; i++)
	{
		st->bucket_ids[i] = MaasReadU32(r);
		if (st->bucket_ids[i] >= (uint32) st->buckets ||
			(i > 0 && st->bucket_ids[i] <= st->bucket_ids[i - 1]))
			MaasReaderFail(r, "bucket ids are not ascending below %d", st->buckets);
	}
	st->bucket_rows = palloc(sizeof(float) * Max((int64) st->n_stored * st->dim, 1));
	MaasReadFloats(r, st->bucket_rows, (int64) st->n_stored * st->dim);
	if ((uint64) st->k * st->dim * 4 > r->len - r->pos)
		MaasReaderFail(r, "truncated output layer");
	st->output = palloc(sizeof(float) * st->k * st->dim);
	MaasReadFloats(r, st->output, (int64) st->k * st->dim);
	return st;
}

static void
FtDescribe(const MaasModel *model, MaasJson *json)
{
	const FtState *st = model->state;

	MaasJsonKey(json, "dim");
	MaasJsonInt(json, st->dim);
	MaasJsonKey(json, "ngrams");
	MaasJsonInt(json, st->ngrams);
	MaasJsonKey(json, "buckets");
	MaasJsonInt(json, st->buckets);
	MaasJsonKey(json, "word_vectors");
	MaasJsonInt(json, st->n_words);
	MaasJsonKey(json, "trained_buckets");
	MaasJsonInt(json, st->n_stored);
}

const MaasAlgorithm maas_text_classifier = {
	.name = "text_classifier",
	.id = 16,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_TOKENS,
	.params = ft_params,
	.options_size = sizeof(FtOptions),
	.fit = FtFit,
	.predict = FtPredict,
	.serialize = FtSerialize,
	.deserialize = FtDeserialize,
	.describe = FtDescribe,
	.embed_width = FtEmbedWidth,
	.embed = FtEmbed,
};
