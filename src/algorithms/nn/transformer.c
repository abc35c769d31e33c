/*
 * transformer.c
 *	  transformer: a text classifier over the tokens of a document column,
 *	  PyTorch's
 *	      Embedding(V, d) + Embedding(T, d) (learned positions)
 *	      -> layers x nn.TransformerEncoderLayer(d, heads, ff_dim, dropout,
 *	                                             activation, batch_first=True)
 *	      -> the mean over the document's tokens -> Linear(d, k)
 *	  with the padding masked in attention and left out of the mean
 *	  (test/reference/transformer_reference.py is that network), trained
 *	  with Adam on mini-batches of shuffled rows.
 *
 * A document is its first T token ids (T the longest training document,
 * at most the tokenizer's maxlen and TF_MAX_STEPS), padded at the end:
 * learned positions then count from a document's first token whatever the
 * batch, and a batch runs only as long as its longest document.  An empty
 * document is one unknown word.  Initial weights are PyTorch's defaults
 * (Xavier-uniform q, k, v projections, zero attention biases, nn.Linear's
 * uniform in +-1 / sqrt(fan_in), unit layer norms), the embeddings uniform
 * in +-0.05 as sequence.c's and the classifier Glorot-uniform.  The layers
 * are attention.c's; BLAS runs in one thread, so a seed gives the same
 * bytes.  The pooled mean is also what maas_embed returns (embed).
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "algorithms/nn/attention.h"
#include "core/blas.h"

#define TF_MAX_DIM		4096
#define TF_MAX_FF		16384
#define TF_MAX_HEADS	64
#define TF_MAX_LAYERS	64
#define TF_MAX_STEPS	512		/* attention costs T^2: longer documents are cut */
#define TF_MAX_CLASSES	1024
#define TF_ACTIVATIONS	"relu,gelu"

typedef struct TfOptions
{
	int			embedding_dim;
	int			heads;
	int			layers;
	int			ff_dim;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		dropout;
	int			activation;		/* index in TF_ACTIVATIONS */
} TfOptions;

static const MaasParamSpec tf_params[] = {
	{"embedding_dim", MAAS_PARAM_INT, "64", 1, TF_MAX_DIM, NULL,
		"size of each token's vector, the model width (PyTorch's d_model)",
	offsetof(TfOptions, embedding_dim)},
	{"heads", MAAS_PARAM_INT, "4", 1, TF_MAX_HEADS, NULL,
		"attention heads of each encoder layer; they divide embedding_dim",
	offsetof(TfOptions, heads)},
	{"layers", MAAS_PARAM_INT, "2", 1, TF_MAX_LAYERS, NULL,
		"encoder layers",
	offsetof(TfOptions, layers)},
	{"ff_dim", MAAS_PARAM_INT, "128", 1, TF_MAX_FF, NULL,
		"width of each layer's feed-forward part (PyTorch's dim_feedforward)",
	offsetof(TfOptions, ff_dim)},
	{"epochs", MAAS_PARAM_INT, "10", 1, 100000, NULL,
		"passes over the training rows",
	offsetof(TfOptions, epochs)},
	{"batch_size", MAAS_PARAM_INT, "32", 1, 65536, NULL,
		"rows per Adam step",
	offsetof(TfOptions, batch_size)},
	{"learning_rate", MAAS_PARAM_FLOAT, "0.001", 1e-9, 10, NULL,
		"Adam's step size (PyTorch's default)",
	offsetof(TfOptions, learning_rate)},
	{"dropout", MAAS_PARAM_FLOAT, "0.1", 0, 0.99, NULL,
		"dropout of the attention weights and of each layer's sublayers, in training (PyTorch's default)",
	offsetof(TfOptions, dropout)},
	{"activation", MAAS_PARAM_CHOICE, "\"relu\"", 0, 0, TF_ACTIVATIONS,
		"the feed-forward part's activation",
	offsetof(TfOptions, activation)},
	{NULL}
};

/* a batch's buffers (or predict's, B = 1) */
typedef struct TfBatch
{
	int			B;
	int			T;
	int32	   *ids;			/* B x T */
	int		   *lens;			/* B */
	float	   *x0;				/* B x T x d: token plus position embedding */
	NnEncoderCache *caches;		/* per layer */
	float	   *pooled;			/* B x d */
	float	   *z;				/* B x k */
	/* training */
	NnEncoderWork work;
	float	   *dz;
	float	   *dy;				/* B x T x d */
	float	   *dx;
	float	   *yf;				/* B: the labels */
} TfBatch;

typedef struct TfState
{
	int			n_words;		/* rows of the embedding: ids 0 .. n_words - 1 */
	int			d;
	int			heads;
	int			n_layers;
	int			ff;
	int			activation;		/* NN_RELU or NN_GELU */
	int			k;				/* dense outputs: 1 (sigmoid) or the classes */
	int			steps;			/* T: position embeddings */
	int			epochs;
	double	   *loss;			/* per epoch */
	NnEncoderShape shape;
	int64		n_params;
	float	   *params;			/* tokens, positions, layers, dense W, dense b */
	TfBatch		pred;			/* predict's buffers */
} TfState;

/* Offsets of the parts of the parameters */
#define POS_OFFSET(st)		((int64) (st)->n_words * (st)->d)
#define LAYER_OFFSET(st, l)	(POS_OFFSET(st) + (int64) (st)->steps * (st)->d + (int64) (l) * (st)->shape.n_params)
#define DENSE_W(st)			LAYER_OFFSET(st, (st)->n_layers)
#define DENSE_B(st)			(DENSE_W(st) + (int64) (st)->d * (st)->k)

static void
SetShape(TfState *st, float dropout)
{
	NnEncoderInitShape(&st->shape, st->d, st->heads, st->ff, st->activation, dropout);
	st->n_params = DENSE_B(st) + st->k;
}

/* ---- initial weights ---- */

static void
Uniform(float *p, int64 n, double limit, pg_prng_state *rng)
{
	for (int64 i = 0; i < n; i++)
		p[i] = (float) ((2.0 * pg_prng_double(rng) - 1.0) * limit);
}

static void
Fill(float *p, int64 n, float v)
{
	for (int64 i = 0; i < n; i++)
		p[i] = v;
}

static void
InitWeights(TfState *st, pg_prng_state *rng)
{
	const NnEncoderShape *s = &st->shape;
	float	   *p = st->params;
	int			d = st->d;

	Uniform(p, LAYER_OFFSET(st, 0), 0.05, rng);
	for (int l = 0; l < st->n_layers; l++)
	{
		float	   *b = p + LAYER_OFFSET(st, l);

		Uniform(b + s->wqkv, (int64) d * 3 * d, sqrt(6.0 / (d + 3 * d)), rng);
		Fill(b + s->bqkv, 3 * d, 0.0f);
		Uniform(b + s->wo, (int64) d * d, 1.0 / sqrt(d), rng);
		Fill(b + s->bo, d, 0.0f);
		Fill(b + s->ln1_g, d, 1.0f);
		Fill(b + s->ln1_b, d, 0.0f);
		Uniform(b + s->w1, (int64) d * st->ff, 1.0 / sqrt(d), rng);
		Uniform(b + s->b1, st->ff, 1.0 / sqrt(d), rng);
		Uniform(b + s->w2, (int64) st->ff * d, 1.0 / sqrt(st->ff), rng);
		Uniform(b + s->b2, d, 1.0 / sqrt(st->ff), rng);
		Fill(b + s->ln2_g, d, 1.0f);
		Fill(b + s->ln2_b, d, 0.0f);
	}
	Uniform(p + DENSE_W(st), (int64) d * st->k, sqrt(6.0 / (d + st->k)), rng);
	Fill(p + DENSE_B(st), st->k, 0.0f);
}

/* ---- buffers ---- */

static Size
BatchFloats(const TfState *st, int B, bool training)
{
	Size		rows = (Size) B * st->steps;
	Size		f = rows * st->d + (Size) B * (st->d + st->k) +
		st->n_layers * NnEncoderCacheFloats(&st->shape, B, st->steps, training);

	if (training)
		f += NnEncoderWorkFloats(&st->shape, B, st->steps) + 2 * rows * st->d +
			(Size) B * (st->k + 1);
	return f + rows;			/* the ids */
}

static void
BatchInit(TfBatch *b, const TfState *st, int B, bool training)
{
	int64		rows = (int64) B * st->steps;

	b->B = B;
	b->ids = palloc(sizeof(int32) * rows);
	b->lens = palloc(sizeof(int) * B);
	b->x0 = palloc(sizeof(float) * rows * st->d);
	b->caches = palloc(sizeof(NnEncoderCache) * st->n_layers);
	for (int l = 0; l < st->n_layers; l++)
		NnEncoderCacheInit(&b->caches[l], &st->shape, B, st->steps, training);
	b->pooled = palloc(sizeof(float) * B * st->d);
	b->z = palloc(sizeof(float) * B * st->k);
	if (training)
	{
		NnEncoderWorkInit(&b->work, &st->shape, B, st->steps);
		b->dz = palloc(sizeof(float) * B * st->k);
		b->dy = palloc(sizeof(float) * rows * st->d);
		b->dx = palloc(sizeof(float) * rows * st->d);
		b->yf = palloc(sizeof(float) * B);
	}
}

/*
 * Row r of the batch: a document's first tokens (at most steps; an empty
 * one is one unknown word), ids this model has no row for as unknown
 */
static void
PlaceDocument(const TfState *st, const int32 *tokens, int n, TfBatch *b, int r)
{
	int			len = Min(n, st->steps);
	int32	   *ids = b->ids + (int64) r * st->steps;

	for (int t = 0; t < len; t++)
		ids[t] = tokens[t] < 0 || tokens[t] >= st->n_words ? MAAS_TOKEN_OOV : tokens[t];
	if (len == 0)
		ids[len++] = MAAS_TOKEN_OOV;
	b->lens[r] = len;
}

/* ---- forward and backward ---- */

/*
 * The batch's first B rows (placed with stride steps) packed to T = the
 * longest of them, through the layers, then pooled and classified
 */
static void
Forward(const TfState *st, TfBatch *b, int B, pg_prng_state *rng)
{
	int			d = st->d;
	int			T = 1;
	const float *x;

	for (int r = 0; r < B; r++)
		T = Max(T, b->lens[r]);
	b->T = T;
	/* repack ids B x steps -> B x T, padded with the padding id */
	for (int r = 0; r < B; r++)
	{
		memmove(b->ids + (int64) r * T, b->ids + (int64) r * st->steps, sizeof(int32) * b->lens[r]);
		for (int t = b->lens[r]; t < T; t++)
			b->ids[(int64) r * T + t] = MAAS_TOKEN_PAD;
	}
	NnEmbeddingForward(st->params, d, b->ids, (int64) B * T, b->x0);
	for (int r = 0; r < B; r++)
		for (int t = 0; t < T; t++)
		{
			float	   *row = b->x0 + ((int64) r * T + t) * d;
			const float *pos = st->params + POS_OFFSET(st) + (int64) t * d;

			for (int j = 0; j < d; j++)
				row[j] += pos[j];
		}
	x = b->x0;
	for (int l = 0; l < st->n_layers; l++)
	{
		NnEncoderForward(&st->shape, st->params + LAYER_OFFSET(st, l), x, B, T, b->lens,
						 &b->caches[l], rng);
		x = b->caches[l].y;
	}
	/* the mean of each document's own steps */
	for (int r = 0; r < B; r++)
	{
		float	   *out = b->pooled + (int64) r * d;

		memset(out, 0, sizeof(float) * d);
		for (int t = 0; t < b->lens[r]; t++)
			for (int j = 0; j < d; j++)
				out[j] += x[((int64) r * T + t) * d + j];
		for (int j = 0; j < d; j++)
			out[j] /= b->lens[r];
	}
	for (int r = 0; r < B; r++)
		memcpy(b->z + (int64) r * st->k, st->params + DENSE_B(st), sizeof(float) * st->k);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, st->k, d,
				1.0f, b->pooled, d, st->params + DENSE_W(st), st->k, 1.0f, b->z, st->k);
}

/* From b->dz: the parameters' gradient added into grad */
static void
Backward(const TfState *st, TfBatch *b, int B, float *grad)
{
	int			d = st->d;
	int			T = b->T;
	float	   *dpooled = b->dx;	/* B x d, before dx is needed */

	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, st->k, B,
				1.0f, b->pooled, d, b->dz, st->k, 1.0f, grad + DENSE_W(st), st->k);
	for (int r = 0; r < B; r++)
		for (int j = 0; j < st->k; j++)
			grad[DENSE_B(st) + j] += b->dz[(int64) r * st->k + j];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, d, st->k,
				1.0f, b->dz, st->k, st->params + DENSE_W(st), st->k, 0.0f, dpooled, d);
	/* the mean spreads its gradient over the document's steps, none to padding */
	for (int r = B - 1; r >= 0; r--)
		for (int t = 0; t < T; t++)
		{
			float	   *row = b->dy + ((int64) r * T + t) * d;

			for (int j = 0; j < d; j++)
				row[j] = t < b->lens[r] ? dpooled[(int64) r * d + j] / b->lens[r] : 0.0f;
		}
	for (int l = st->n_layers - 1; l >= 0; l--)
	{
		float	   *t;

		NnEncoderBackward(&st->shape, st->params + LAYER_OFFSET(st, l), B, T, b->lens,
						  &b->caches[l], b->dy, grad + LAYER_OFFSET(st, l), b->dx, &b->work);
		t = b->dy;
		b->dy = b->dx;
		b->dx = t;
	}
	/* b->dy: the gradient of x0, tokens' and positions' */
	NnEmbeddingBackward(d, b->ids, (int64) B * T, b->dy, grad);
	for (int r = 0; r < B; r++)
		for (int t = 0; t < b->lens[r]; t++)
		{
			float	   *g = grad + POS_OFFSET(st) + (int64) t * d;
			const float *dr = b->dy + ((int64) r * T + t) * d;

			for (int j = 0; j < d; j++)
				g[j] += dr[j];
		}
}

/* ---- training ---- */

static void
CheckOptions(const TfOptions *opt, int k)
{
	if (opt->embedding_dim % opt->heads != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"heads\" (%d) must divide \"embedding_dim\" (%d)",
						opt->heads, opt->embedding_dim),
				 errhint("Each head attends over embedding_dim / heads dimensions.")));
	if (k > TF_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("transformer classifies into at most %d classes, not %d",
						TF_MAX_CLASSES, k)));
}

/* one epoch over the rows in order; the mean batch loss */
static double
Epoch(TfState *st, TfBatch *b, const MaasTrainData *data, const int32 *order, int B,
	  float *grad, MaasOptimizer *adam, double lr, pg_prng_state *rng)
{
	const MaasTokenRows *docs = data->tokens;
	const double *y = MaasTrainY(data);
	int64		n = docs->n_rows;
	double		loss = 0;
	int64		batches = 0;

	for (int64 s = 0; s < n; s += B)
	{
		int			rows = (int) Min(B, n - s);

		/* a batch can take a while */
		CHECK_FOR_INTERRUPTS();
		for (int r = 0; r < rows; r++)
		{
			int64		i = order[s + r];

			PlaceDocument(st, docs->ids + docs->start[i], (int) (docs->start[i + 1] - docs->start[i]),
						  b, r);
			b->yf[r] = (float) y[i];
		}
		Forward(st, b, rows, st->shape.dropout > 0 ? rng : NULL);
		loss += NnLossGrad(st->k == 1 ? NN_BCE : NN_CCE, b->z, b->yf, rows, st->k, 0,
						   1.0f / rows, b->dz) / rows;
		memset(grad, 0, sizeof(float) * st->n_params);
		Backward(st, b, rows, grad);
		MaasOptimizerStep(adam, st->params, grad, lr);
		batches++;
	}
	return loss / Max(batches, 1);
}

static void *
TfFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const TfOptions *opt = options;
	const MaasTokenRows *docs = data->tokens;
	int64		n = docs->n_rows;
	TfState    *st = palloc0(sizeof(TfState));
	TfBatch		b;
	MaasOptimizer adam = {0};
	float	   *grad;
	int32	   *order;
	pg_prng_state rng;
	int			B = (int) Min(opt->batch_size, Max(n, 1));
	int			longest = 1;

	Assert(data->input == MAAS_INPUT_TOKENS && docs != NULL);
	st->k = data->n_classes == 2 ? 1 : data->n_classes;
	CheckOptions(opt, st->k);
	st->n_words = docs->tokenizer->n_vocab + MAAS_TOKEN_FIRST;
	st->d = opt->embedding_dim;
	st->heads = opt->heads;
	st->n_layers = opt->layers;
	st->ff = opt->ff_dim;
	st->activation = opt->activation == 1 ? NN_GELU : NN_RELU;
	for (int64 i = 0; i < n; i++)
		longest = Max(longest, (int) (docs->start[i + 1] - docs->start[i]));
	st->steps = Min(longest, TF_MAX_STEPS);
	SetShape(st, (float) opt->dropout);
	MaasCheckMemory(add_size(mul_size(st->n_params, 4 * sizeof(float)),
							 mul_size(BatchFloats(st, B, true), sizeof(float))),
					"transformer training");

	st->params = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	grad = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	pg_prng_seed(&rng, (uint64) data->seed);
	InitWeights(st, &rng);
	adam.kind = MAAS_OPTIMIZER_ADAM;
	adam.beta1 = 0.9;
	adam.beta2 = 0.999;
	adam.epsilon = 1e-8;		/* PyTorch's */
	MaasOptimizerInit(&adam, st->n_params);
	BatchInit(&b, st, B, true);
	order = palloc(sizeof(int32) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
		order[i] = (int32) i;
	st->loss = palloc0(sizeof(double) * opt->epochs);

	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		double		loss;

		NnTextShuffle(order, n, &rng);
		loss = Epoch(st, &b, data, order, B, grad, &adam, opt->learning_rate, &rng);
		st->epochs = epoch + 1;
		NnTextEpochEnd(progress, epoch + 1, opt->epochs, loss, opt->learning_rate, st->loss);
	}
	pfree(grad);
	BatchInit(&st->pred, st, 1, false);
	return st;
}

/* ---- serving ---- */

/* the pooled representation of one document, in st->pred.pooled */
static void
Encode(const MaasModel *model, const MaasInput *in)
{
	TfState    *st = model->state;

	PlaceDocument(st, in->tokens, in->n_tokens, &st->pred, 0);
	Forward(st, &st->pred, 1, NULL);
}

static void
TfPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	TfState    *st = model->state;

	Encode(model, in);
	NnClassProbabilities(st->pred.z, st->k, out);
}

static int
TfEmbedWidth(const MaasModel *model)
{
	return ((const TfState *) model->state)->d;
}

static void
TfEmbed(const MaasModel *model, const MaasInput *in, double *out)
{
	TfState    *st = model->state;

	Encode(model, in);
	for (int j = 0; j < st->d; j++)
		out[j] = st->pred.pooled[j];
}

/* ---- bytes ---- */

static void
TfSerialize(const MaasModel *model, StringInfo buf)
{
	const TfState *st = model->state;

	MaasWriteU32(buf, (uint32) st->d);
	MaasWriteU32(buf, (uint32) st->heads);
	MaasWriteU32(buf, (uint32) st->n_layers);
	MaasWriteU32(buf, (uint32) st->ff);
	MaasWriteU32(buf, (uint32) (st->activation == NN_GELU ? 1 : 0));
	MaasWriteU32(buf, (uint32) st->steps);
	MaasWriteU32(buf, (uint32) st->n_words);
	NnWriteHistory(buf, st->loss, st->epochs, st->params, st->n_params);
}

static void *
TfDeserialize(MaasReader *r, const MaasModel *model)
{
	TfState    *st = palloc0(sizeof(TfState));
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);
	uint32		activation;

	if (text == NULL || model->prep.n_columns != 1 || model->n_features != 0)
		MaasReaderFail(r, "transformer reads one text column and nothing else");
	st->k = model->n_outputs == 2 ? 1 : model->n_outputs;
	if (st->k < 1 || st->k > TF_MAX_CLASSES)
		MaasReaderFail(r, "%d classes", st->k);
	st->d = (int) MaasReadU32(r);
	st->heads = (int) MaasReadU32(r);
	st->n_layers = (int) MaasReadU32(r);
	st->ff = (int) MaasReadU32(r);
	if (st->d < 1 || st->d > TF_MAX_DIM || st->heads < 1 || st->heads > TF_MAX_HEADS ||
		st->d % st->heads != 0 || st->n_layers < 1 || st->n_layers > TF_MAX_LAYERS ||
		st->ff < 1 || st->ff > TF_MAX_FF)
		MaasReaderFail(r, "embedding_dim %d, heads %d, layers %d or ff_dim %d out of range",
					   st->d, st->heads, st->n_layers, st->ff);
	activation = MaasReadU32(r);
	if (activation > 1)
		MaasReaderFail(r, "activation %u", activation);
	st->activation = activation == 1 ? NN_GELU : NN_RELU;
	st->steps = (int) MaasReadU32(r);
	if (st->steps < 1 || st->steps > Min(text->tokenizer->maxlen, TF_MAX_STEPS))
		MaasReaderFail(r, "%d steps for a tokenizer keeping %d tokens", st->steps,
					   text->tokenizer->maxlen);
	st->n_words = (int) MaasReadU32(r);
	if (st->n_words != text->tokenizer->n_vocab + MAAS_TOKEN_FIRST)
		MaasReaderFail(r, "%d embedding rows for a vocabulary of %d", st->n_words,
					   text->tokenizer->n_vocab);
	SetShape(st, 0.0f);
	st->params = NnReadHistory(r, &st->epochs, &st->loss, st->n_params);
	MaasCheckMemory(mul_size(BatchFloats(st, 1, false), sizeof(float)), "transformer prediction");
	BatchInit(&st->pred, st, 1, false);
	return st;
}

static void
TfDescribe(const MaasModel *model, MaasJson *json)
{
	const TfState *st = model->state;

	MaasJsonKey(json, "embedding_dim");
	MaasJsonInt(json, st->d);
	MaasJsonKey(json, "heads");
	MaasJsonInt(json, st->heads);
	MaasJsonKey(json, "layers");
	MaasJsonInt(json, st->n_layers);
	MaasJsonKey(json, "ff_dim");
	MaasJsonInt(json, st->ff);
	MaasJsonKey(json, "activation");
	MaasJsonString(json, st->activation == NN_GELU ? "gelu" : "relu");
	MaasJsonKey(json, "steps");
	MaasJsonInt(json, st->steps);
	NnDescribeHistory(json, st->n_params, st->loss, st->epochs);
}

const MaasAlgorithm maas_transformer = {
	.name = "transformer",
	.id = 20,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_TOKENS,
	.params = tf_params,
	.options_size = sizeof(TfOptions),
	.fit = TfFit,
	.predict = TfPredict,
	.serialize = TfSerialize,
	.deserialize = TfDeserialize,
	.describe = TfDescribe,
	.embed_width = TfEmbedWidth,
	.embed = TfEmbed,
};
