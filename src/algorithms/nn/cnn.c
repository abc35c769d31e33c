/*
 * cnn.c
 *	  cnn: a text classifier over the tokens of a document column, Kim's
 *	  (2014) convolutional network as Keras writes it:
 *	      Embedding(V, embedding_dim) -> for each width w in filter_sizes:
 *	      Conv1D(filters, w, activation='relu') -> GlobalMaxPooling1D,
 *	      concatenated -> Dropout(dropout) -> Dense(k)
 *	  with Keras's initializers (embedding uniform in +-0.05, Glorot-uniform
 *	  kernels and dense weights, zero biases), trained with Adam on
 *	  mini-batches of shuffled rows.
 *
 * Documents are placed as lstm and gru place them (sequence.c): the last T
 * token ids, padded at the front; T the longest training document (at most
 * the tokenizer's maxlen), at least the widest filter.  The convolutions
 * are conv.c's; the output is one sigmoid unit for two classes (binary
 * cross-entropy), a softmax otherwise.  BLAS runs in one thread, so a seed
 * gives the same bytes.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "algorithms/nn/nn.h"
#include "core/blas.h"

#define CNN_MAX_DIM		4096
#define CNN_MAX_WIDTH	64
#define CNN_MAX_WIDTHS	16
#define CNN_MAX_CLASSES 1024

typedef struct CnnOptions
{
	int			embedding_dim;
	MaasInts	filter_sizes;
	int			filters;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		dropout;
} CnnOptions;

static const MaasParamSpec cnn_params[] = {
	{"embedding_dim", MAAS_PARAM_INT, "64", 1, CNN_MAX_DIM, NULL,
		"size of each token's vector (Keras's Embedding output_dim)",
	offsetof(CnnOptions, embedding_dim)},
	{"filter_sizes", MAAS_PARAM_INTS, NULL, 1, CNN_MAX_WIDTH, NULL,
		"widths of the convolutions, in tokens, each with \"filters\" filters (default [3, 4, 5])",
	offsetof(CnnOptions, filter_sizes)},
	{"filters", MAAS_PARAM_INT, "100", 1, CNN_MAX_DIM, NULL,
		"filters of each width",
	offsetof(CnnOptions, filters)},
	NN_TEXT_PARAMS(CnnOptions),
	{"dropout", MAAS_PARAM_FLOAT, "0.5", 0, 0.99, NULL,
		"share of the pooled features dropped in training (Kim's 0.5)",
	offsetof(CnnOptions, dropout)},
	{NULL}
};

typedef struct CnnState
{
	int			n_words;		/* rows of the embedding: ids 0 .. n_words - 1 */
	int			dim;			/* embedding_dim */
	int			n_widths;
	int			widths[CNN_MAX_WIDTHS];
	int			filters;		/* per width */
	int			features;		/* n_widths * filters: the pooled features */
	int			k;				/* dense outputs: 1 (sigmoid) or the classes */
	int			steps;			/* T */
	int			epochs;
	double	   *loss;			/* per epoch */
	int64		n_params;
	float	   *params;			/* embedding, each convolution, dense W, dense b */
	/* predict's buffers, for one document */
	struct CnnBatch *one;
} CnnState;

/* The buffers of a batch of at most B documents */
typedef struct CnnBatch
{
	int32	   *ids;			/* B x T */
	float	   *x;				/* B x T x dim */
	float	   *dx;
	float	   *y;				/* B x T x filters: one convolution's output */
	float	   *pooled;			/* B x features, after dropout */
	int32	   *argmax;			/* B x features */
	float	   *mask;			/* B x features */
	float	   *z;				/* B x k */
	float	   *dz;
	float	   *dpooled;		/* B x features */
	float	   *target;			/* B */
} CnnBatch;

/* Offsets of the parts of the parameters */
static int64
ConvOffset(const CnnState *st, int c)
{
	int64		off = (int64) st->n_words * st->dim;

	for (int i = 0; i < c; i++)
		off += NnConvParams(st->dim, st->widths[i], st->filters);
	return off;
}

#define DENSE_W(st)		ConvOffset(st, (st)->n_widths)
#define DENSE_B(st)		(DENSE_W(st) + (int64) (st)->features * (st)->k)

static float
UniformF(pg_prng_state *rng, double limit)
{
	return (float) ((2.0 * pg_prng_double(rng) - 1.0) * limit);
}

static void
InitWeights(CnnState *st, pg_prng_state *rng)
{
	float	   *p = st->params;
	int64		emb = (int64) st->n_words * st->dim;

	for (int64 i = 0; i < emb; i++)
		p[i] = UniformF(rng, 0.05);
	for (int c = 0; c < st->n_widths; c++)
	{
		int			w = st->widths[c];
		int64		off = ConvOffset(st, c);
		int64		n = (int64) w * st->dim * st->filters;
		/* Keras's Glorot for a kernel: fans times the receptive field */
		double		limit = sqrt(6.0 / ((double) w * st->dim + (double) w * st->filters));

		for (int64 i = 0; i < n; i++)
			p[off + i] = UniformF(rng, limit);
		memset(p + off + n, 0, sizeof(float) * st->filters);
	}
	for (int64 i = 0; i < (int64) st->features * st->k; i++)
		p[DENSE_W(st) + i] = UniformF(rng, sqrt(6.0 / (st->features + st->k)));
	memset(p + DENSE_B(st), 0, sizeof(float) * st->k);
}

static void
BatchInit(CnnBatch *b, const CnnState *st, int B, bool training)
{
	int64		bt = (int64) B * st->steps;

	b->ids = palloc(sizeof(int32) * bt);
	b->x = palloc(sizeof(float) * bt * st->dim);
	b->y = palloc(sizeof(float) * bt * st->filters);
	b->pooled = palloc(sizeof(float) * B * st->features);
	b->argmax = palloc(sizeof(int32) * B * st->features);
	b->z = palloc(sizeof(float) * B * st->k);
	if (!training)
		return;
	b->dx = palloc(sizeof(float) * bt * st->dim);
	b->mask = palloc(sizeof(float) * B * st->features);
	b->dz = palloc(sizeof(float) * B * st->k);
	b->dpooled = palloc(sizeof(float) * B * st->features);
	b->target = palloc(sizeof(float) * B);
}

static Size
BatchBytes(const CnnState *st, int B)
{
	Size		bt = (Size) B * st->steps;

	return bt * (sizeof(int32) + sizeof(float) * (2 * st->dim + st->filters)) +
		(Size) B * (sizeof(float) * (4 * st->features + 2 * st->k + 1));
}

/*
 * The pooled features of B documents whose ids are in b->ids (B x T): the
 * convolutions' pooled outputs side by side, B x features
 */
static void
ForwardFeatures(const CnnState *st, CnnBatch *b, int B)
{
	NnEmbeddingForward(st->params, st->dim, b->ids, (int64) B * st->steps, b->x);
	for (int c = 0; c < st->n_widths; c++)
		NnConvPoolForward(st->dim, st->widths[c], st->filters, st->params + ConvOffset(st, c),
						  b->x, st->steps, B, b->y, b->pooled + (int64) c * st->filters,
						  b->argmax + (int64) c * st->filters, st->features);
}

/* z = pooled W + b */
static void
ForwardDense(const CnnState *st, const float *pooled, float *z, int B)
{
	for (int r = 0; r < B; r++)
		memcpy(z + (int64) r * st->k, st->params + DENSE_B(st), sizeof(float) * st->k);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, st->k, st->features,
				1.0f, pooled, st->features, st->params + DENSE_W(st), st->k, 1.0f, z, st->k);
}

/* The gradient of the batch's loss (its dz set) into grad */
static void
Backward(const CnnState *st, CnnBatch *b, int B, float *grad)
{
	/* dense: dW = pooled^T dz, db = sum dz, dpooled = dz W^T (through dropout) */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, st->features, st->k, B,
				1.0f, b->pooled, st->features, b->dz, st->k, 1.0f, grad + DENSE_W(st), st->k);
	for (int r = 0; r < B; r++)
		for (int j = 0; j < st->k; j++)
			grad[DENSE_B(st) + j] += b->dz[(int64) r * st->k + j];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, st->features, st->k,
				1.0f, b->dz, st->k, st->params + DENSE_W(st), st->k, 0.0f, b->dpooled,
				st->features);
	/* a dropped feature's gradient is 0 (and its pooled value too) */
	for (int64 i = 0; i < (int64) B * st->features; i++)
		b->dpooled[i] *= b->mask[i];
	memset(b->dx, 0, sizeof(float) * B * st->steps * st->dim);
	for (int c = 0; c < st->n_widths; c++)
	{
		int64		col = (int64) c * st->filters;

		NnConvPoolBackward(st->dim, st->widths[c], st->filters, st->params + ConvOffset(st, c),
						   b->x, st->steps, B, b->pooled + col, b->argmax + col,
						   b->dpooled + col, st->features, grad + ConvOffset(st, c), b->dx);
	}
	NnEmbeddingBackward(st->dim, b->ids, (int64) B * st->steps, b->dx, grad);
}

/* ---- training ---- */

/* The shape of the network from the options and the data */
static CnnState *
Shape(const MaasTrainData *data, const CnnOptions *opt)
{
	const MaasTokenRows *docs = data->tokens;
	static const int default_widths[] = {3, 4, 5};
	CnnState   *st = palloc0(sizeof(CnnState));
	int			longest = 1;
	int			widest = 1;

	st->n_words = docs->tokenizer->n_vocab + MAAS_TOKEN_FIRST;
	st->dim = opt->embedding_dim;
	st->filters = opt->filters;
	st->n_widths = opt->filter_sizes.values ? opt->filter_sizes.n : lengthof(default_widths);
	if (st->n_widths < 1 || st->n_widths > CNN_MAX_WIDTHS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"filter_sizes\" must give 1 to %d widths, not %d",
						CNN_MAX_WIDTHS, st->n_widths),
				 errhint("For example \"filter_sizes\": [3, 4, 5].")));
	for (int c = 0; c < st->n_widths; c++)
	{
		st->widths[c] = opt->filter_sizes.values ? opt->filter_sizes.values[c] : default_widths[c];
		widest = Max(widest, st->widths[c]);
	}
	st->features = st->n_widths * st->filters;
	st->k = data->n_classes == 2 ? 1 : data->n_classes;
	if (st->k > CNN_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cnn classifies into at most %d classes, not %d",
						CNN_MAX_CLASSES, st->k)));
	for (int64 i = 0; i < docs->n_rows; i++)
		longest = Max(longest, (int) (docs->start[i + 1] - docs->start[i]));
	/* a document shorter than a filter is padded to its width */
	st->steps = Max(longest, widest);
	st->n_params = DENSE_B(st) + st->k;
	return st;
}

/* The rows order[s .. s + B) into b: ids and targets */
static void
PlaceBatch(const CnnState *st, CnnBatch *b, const MaasTokenRows *docs, const double *y,
		   const int32 *order, int B)
{
	for (int r = 0; r < B; r++)
	{
		int64		d = order[r];

		MaasPadTokens(docs->ids + docs->start[d], (int) (docs->start[d + 1] - docs->start[d]),
					  st->steps, b->ids + (int64) r * st->steps);
		b->target[r] = (float) y[d];
	}
}

/* One pass over the rows in order; the mean loss of its batches */
static double
Epoch(CnnState *st, CnnBatch *b, const MaasTrainData *data, const CnnOptions *opt,
	  const int32 *order, int B, MaasOptimizer *adam, float *grad, pg_prng_state *rng)
{
	int64		n = data->tokens->n_rows;
	double		loss = 0;
	int64		batches = 0;

	for (int64 s = 0; s < n; s += B)
	{
		int			rows = (int) Min(B, n - s);

		CHECK_FOR_INTERRUPTS();
		PlaceBatch(st, b, data->tokens, MaasTrainY(data), order + s, rows);
		ForwardFeatures(st, b, rows);
		for (int64 i = 0; i < (int64) rows * st->features; i++)
		{
			b->mask[i] = opt->dropout > 0 && pg_prng_double(rng) < opt->dropout ?
				0.0f : (float) (1.0 / (1.0 - opt->dropout));
			b->pooled[i] *= b->mask[i];
		}
		ForwardDense(st, b->pooled, b->z, rows);
		loss += NnLossGrad(st->k == 1 ? NN_BCE : NN_CCE, b->z, b->target, rows, st->k,
						   0, 1.0f / rows, b->dz) / rows;
		memset(grad, 0, sizeof(float) * st->n_params);
		Backward(st, b, rows, grad);
		MaasOptimizerStep(adam, st->params, grad, opt->learning_rate);
		batches++;
	}
	return loss / Max(batches, 1);
}

static void *
CnnFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const CnnOptions *opt = options;
	int64		n = data->tokens->n_rows;
	CnnState   *st;
	CnnBatch	b;
	MaasOptimizer adam;
	float	   *grad;
	int32	   *order;
	pg_prng_state rng;
	int			B = (int) Min(opt->batch_size, Max(n, 1));

	Assert(data->input == MAAS_INPUT_TOKENS && data->tokens != NULL);
	st = Shape(data, opt);
	MaasCheckMemory(add_size(mul_size(st->n_params, 4 * sizeof(float)), BatchBytes(st, B)),
					"cnn training");
	st->params = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	grad = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	pg_prng_seed(&rng, (uint64) data->seed);
	InitWeights(st, &rng);
	NnTextAdam(&adam, st->n_params);
	BatchInit(&b, st, B, true);
	order = palloc(sizeof(int32) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
		order[i] = (int32) i;
	st->loss = palloc0(sizeof(double) * opt->epochs);

	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		NnTextShuffle(order, n, &rng);
		NnTextEpochEnd(progress, epoch + 1, opt->epochs,
					   Epoch(st, &b, data, opt, order, B, &adam, grad, &rng),
					   opt->learning_rate, st->loss);
		st->epochs = epoch + 1;
	}
	pfree(grad);
	st->one = palloc0(sizeof(CnnBatch));
	BatchInit(st->one, st, 1, false);
	return st;
}

/* ---- serving ---- */

/* The pooled features of one document into st->one->pooled */
static void
Features(const CnnState *st, const MaasInput *in)
{
	CnnBatch   *b = st->one;

	MaasPadTokens(in->tokens, in->n_tokens, st->steps, b->ids);
	/* ids the tokenizer gave but this model has no row for are unknown words */
	for (int t = 0; t < st->steps; t++)
		if (b->ids[t] < 0 || b->ids[t] >= st->n_words)
			b->ids[t] = MAAS_TOKEN_OOV;
	ForwardFeatures(st, b, 1);
}

static void
CnnPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const CnnState *st = model->state;

	Features(st, in);
	ForwardDense(st, st->one->pooled, st->one->z, 1);
	NnClassProbabilities(st->one->z, st->k, out);
}

static int
CnnEmbedWidth(const MaasModel *model)
{
	return ((const CnnState *) model->state)->features;
}

/* The pooled features the dense layer reads, before dropout (none in serving) */
static void
CnnEmbed(const MaasModel *model, const MaasInput *in, double *out)
{
	const CnnState *st = model->state;

	Features(st, in);
	for (int j = 0; j < st->features; j++)
		out[j] = st->one->pooled[j];
}

/* ---- bytes ---- */

static void
CnnSerialize(const MaasModel *model, StringInfo buf)
{
	const CnnState *st = model->state;

	MaasWriteU32(buf, (uint32) st->dim);
	MaasWriteU32(buf, (uint32) st->filters);
	MaasWriteU32(buf, (uint32) st->n_widths);
	for (int c = 0; c < st->n_widths; c++)
		MaasWriteU32(buf, (uint32) st->widths[c]);
	MaasWriteU32(buf, (uint32) st->steps);
	MaasWriteU32(buf, (uint32) st->n_words);
	MaasWriteU32(buf, (uint32) st->epochs);
	MaasWriteDoubles(buf, st->loss, st->epochs);
	MaasWriteFloats(buf, st->params, st->n_params);
}

/* The shape part of the bytes, every count checked */
static void
ReadShape(MaasReader *r, const MaasModel *model, CnnState *st)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);
	int			widest = 1;

	if (text == NULL || model->prep.n_columns != 1 || model->n_features != 0)
		MaasReaderFail(r, "cnn reads one text column and nothing else");
	st->k = model->n_outputs == 2 ? 1 : model->n_outputs;
	if (st->k < 1 || st->k > CNN_MAX_CLASSES)
		MaasReaderFail(r, "%d classes", st->k);
	st->dim = (int) MaasReadU32(r);
	st->filters = (int) MaasReadU32(r);
	if (st->dim < 1 || st->dim > CNN_MAX_DIM || st->filters < 1 || st->filters > CNN_MAX_DIM)
		MaasReaderFail(r, "embedding_dim %d or filters %d outside 1..%d", st->dim,
					   st->filters, CNN_MAX_DIM);
	st->n_widths = (int) MaasReadU32(r);
	if (st->n_widths < 1 || st->n_widths > CNN_MAX_WIDTHS)
		MaasReaderFail(r, "%d filter sizes", st->n_widths);
	for (int c = 0; c < st->n_widths; c++)
	{
		st->widths[c] = (int) MaasReadU32(r);
		if (st->widths[c] < 1 || st->widths[c] > CNN_MAX_WIDTH)
			MaasReaderFail(r, "filter size %d outside 1..%d", st->widths[c], CNN_MAX_WIDTH);
		widest = Max(widest, st->widths[c]);
	}
	st->features = st->n_widths * st->filters;
	st->steps = (int) MaasReadU32(r);
	if (st->steps < widest || st->steps > Max(text->tokenizer->maxlen, widest))
		MaasReaderFail(r, "%d steps for filters up to %d wide and a tokenizer keeping %d tokens",
					   st->steps, widest, text->tokenizer->maxlen);
	st->n_words = (int) MaasReadU32(r);
	if (st->n_words != text->tokenizer->n_vocab + MAAS_TOKEN_FIRST)
		MaasReaderFail(r, "%d embedding rows for a vocabulary of %d", st->n_words,
					   text->tokenizer->n_vocab);
}

static void *
CnnDeserialize(MaasReader *r, const MaasModel *model)
{
	CnnState   *st = palloc0(sizeof(CnnState));

	ReadShape(r, model, st);
	st->epochs = MaasReadCount(r, 100000, sizeof(double), "epoch");
	st->loss = palloc(sizeof(double) * Max(st->epochs, 1));
	MaasReadDoubles(r, st->loss, st->epochs, false);
	st->n_params = DENSE_B(st) + st->k;
	st->params = NnTextReadParams(r, st->n_params);
	st->one = palloc0(sizeof(CnnBatch));
	BatchInit(st->one, st, 1, false);
	return st;
}

static void
CnnDescribe(const MaasModel *model, MaasJson *json)
{
	const CnnState *st = model->state;

	MaasJsonKey(json, "embedding_dim");
	MaasJsonInt(json, st->dim);
	MaasJsonKey(json, "filter_sizes");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->n_widths; c++)
		MaasJsonInt(json, st->widths[c]);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "filters");
	MaasJsonInt(json, st->filters);
	MaasJsonKey(json, "steps");
	MaasJsonInt(json, st->steps);
	NnDescribeHistory(json, st->n_params, st->loss, st->epochs);
}

const MaasAlgorithm maas_cnn = {
	.name = "cnn",
	.id = 19,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_TOKENS,
	.params = cnn_params,
	.options_size = sizeof(CnnOptions),
	.fit = CnnFit,
	.predict = CnnPredict,
	.serialize = CnnSerialize,
	.deserialize = CnnDeserialize,
	.describe = CnnDescribe,
	.embed_width = CnnEmbedWidth,
	.embed = CnnEmbed,
};
