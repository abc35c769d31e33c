/*
 * sequence.c
 *	  lstm and gru: text classifiers over the tokens of a document column,
 *	  Keras's
 *	      Sequential([Embedding(V, embedding_dim), LSTM(units), Dense(k)])
 *	  with the same initializers (embedding uniform in +-0.05, Glorot-uniform
 *	  kernels, orthogonal recurrent weights, zero biases with the LSTM's
 *	  forget gate at 1), trained with Adam on mini-batches of shuffled rows.
 *
 * A document is its token ids as the column's tokenizer gives them, the
 * last T kept and padded at the front with the padding id, as Keras's
 * pad_sequences does; T is the longest training document, at most the
 * tokenizer's maxlen.  The classifier reads the recurrent layer's last
 * output (dropout, if any, applied to it in training): one sigmoid unit for
 * two classes (binary cross-entropy), a softmax otherwise.
 *
 * "bidirectional" adds a second recurrent layer reading the padded steps
 * in reverse, as PyTorch's bidirectional=True on the padded batch and
 * Keras's Bidirectional(LSTM(units)) without masking: it reads the real
 * tokens first and the front padding last, and the dense layer reads
 * [forward last state, backward last state], 2 units wide.  The layers are
 * recurrent.c's; BLAS runs in one thread, so a seed gives the same bytes.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "miscadmin.h"

#include "algorithms/nn/nn.h"
#include "core/blas.h"

#define SEQ_MAX_DIM		4096

typedef struct SeqOptions
{
	int			embedding_dim;
	int			units;
	int			epochs;
	int			batch_size;
	double		learning_rate;
	double		dropout;
	bool		bidirectional;
} SeqOptions;

static const MaasParamSpec seq_params[] = {
	{"embedding_dim", MAAS_PARAM_INT, "64", 1, SEQ_MAX_DIM, NULL,
		"size of each token's vector (Keras's Embedding output_dim)",
	offsetof(SeqOptions, embedding_dim)},
	{"units", MAAS_PARAM_INT, "64", 1, SEQ_MAX_DIM, NULL,
		"units of the recurrent layer",
	offsetof(SeqOptions, units)},
	NN_TEXT_PARAMS(SeqOptions),
	{"dropout", MAAS_PARAM_FLOAT, "0", 0, 0.99, NULL,
		"share of the recurrent layer's outputs dropped in training",
	offsetof(SeqOptions, dropout)},
	{"bidirectional", MAAS_PARAM_BOOL, "false", 0, 0, NULL,
		"a second recurrent layer reads the document backwards (Keras's Bidirectional)",
	offsetof(SeqOptions, bidirectional)},
	{NULL}
};

typedef struct SeqState
{
	int			kind;			/* NnRecurrentKind */
	int			n_words;		/* rows of the embedding: ids 0 .. n_words - 1 */
	int			dim;			/* embedding_dim */
	int			units;
	int			dirs;			/* 1, or 2 when bidirectional */
	int			k;				/* dense outputs: 1 (sigmoid) or the classes */
	int			steps;			/* T */
	int			epochs;
	double	   *loss;			/* per epoch */
	int64		n_params;
	float	   *params;			/* embedding, recurrent layer(s), dense W, dense b */
	struct SeqBatch *one;		/* predict's buffers, for one document */
} SeqState;

/*
 * In the bytes, bidirectional is this bit of units (at most SEQ_MAX_DIM):
 * bytes written before it have it clear and read as one direction
 */
#define SEQ_BIDIRECTIONAL	0x10000

/* Offsets of the parts of the parameters; WIDTH what the dense layer reads */
#define WIDTH(st)			((st)->dirs * (st)->units)
#define REC_OFFSET(st)		((int64) (st)->n_words * (st)->dim)
#define DENSE_W(st)			(REC_OFFSET(st) + (st)->dirs * (int64) NnRecurrentParams((st)->kind, (st)->dim, (st)->units))
#define DENSE_B(st)			(DENSE_W(st) + (int64) WIDTH(st) * (st)->k)

static int64
ParamCount(const SeqState *st)
{
	return DENSE_B(st) + st->k;
}

/* ---- initial weights, as Keras's ---- */

static float
UniformF(pg_prng_state *rng, double limit)
{
	return (float) ((2.0 * pg_prng_double(rng) - 1.0) * limit);
}

static double
Normal(pg_prng_state *rng)
{
	double		u = pg_prng_double(rng);
	double		v = pg_prng_double(rng);

	return sqrt(-2.0 * log(Max(u, 1e-300))) * cos(2.0 * M_PI * v);
}

/* rows x cols with orthonormal rows (rows <= cols), from Gaussian rows */
static void
Orthogonal(float *out, int rows, int cols, pg_prng_state *rng)
{
	double	   *m = palloc(sizeof(double) * rows * cols);

	for (int64 i = 0; i < (int64) rows * cols; i++)
		m[i] = Normal(rng);
	for (int r = 0; r < rows; r++)
	{
		double	   *v = m + (int64) r * cols;
		double		norm = 0;

		/* modified Gram-Schmidt against the rows before */
		for (int q = 0; q < r; q++)
		{
			const double *u = m + (int64) q * cols;
			double		dot = 0;

			for (int j = 0; j < cols; j++)
				dot += u[j] * v[j];
			for (int j = 0; j < cols; j++)
				v[j] -= dot * u[j];
		}
		for (int j = 0; j < cols; j++)
			norm += v[j] * v[j];
		norm = sqrt(Max(norm, 1e-300));
		for (int j = 0; j < cols; j++)
			v[j] /= norm;
	}
	for (int64 i = 0; i < (int64) rows * cols; i++)
		out[i] = (float) m[i];
	pfree(m);
}

static void
InitWeights(SeqState *st, pg_prng_state *rng)
{
	int			g = st->kind == NN_LSTM ? 4 : 3;
	int64		rec = REC_OFFSET(st);
	float	   *p = st->params;

	for (int64 i = 0; i < rec; i++)
		p[i] = UniformF(rng, 0.05);
	/*
	 * kernel (dim x g units): Glorot over the whole of it, as Keras; each
	 * direction in turn, so that one direction draws what it always did
	 */
	for (int d = 0; d < st->dirs; d++, rec += NnRecurrentParams(st->kind, st->dim, st->units))
	{
		float	   *bias = p + rec + (int64) (st->dim + st->units) * g * st->units;

		for (int64 i = 0; i < (int64) st->dim * g * st->units; i++)
			p[rec + i] = UniformF(rng, sqrt(6.0 / (st->dim + g * st->units)));
		Orthogonal(p + rec + (int64) st->dim * g * st->units, st->units, g * st->units, rng);
		memset(bias, 0, sizeof(float) * g * st->units * (st->kind == NN_LSTM ? 1 : 2));
		if (st->kind == NN_LSTM)
			for (int j = 0; j < st->units; j++)
				bias[st->units + j] = 1.0f; /* the forget gate */
	}
	for (int64 i = 0; i < (int64) WIDTH(st) * st->k; i++)
		p[DENSE_W(st) + i] = UniformF(rng, sqrt(6.0 / (WIDTH(st) + st->k)));
	memset(p + DENSE_B(st), 0, sizeof(float) * st->k);
}

/* ---- a batch: ids, forward, loss, backward ---- */

/*
 * The ids of a document, time-major at column b of a T x B block: its last
 * T tokens, padded at the front
 */
static void
PlaceDocument(const int32 *tokens, int n, int steps, int B, int b, int32 *ids)
{
	int			keep = Min(n, steps);
	int			pad = steps - keep;

	for (int t = 0; t < steps; t++)
		ids[(int64) t * B + b] = t < pad ? MAAS_TOKEN_PAD : tokens[n - keep + (t - pad)];
}

typedef struct SeqBatch
{
	int			B;
	int32	   *ids;			/* T x B */
	float	   *x;				/* T x B x dim */
	float	   *xr;				/* x reversed in time, for the second direction */
	NnRecurrentPass dir[2];		/* each direction's buffers */
	float	   *dh[2];			/* T x B x units, only the last step non-zero */
	float	   *dx;				/* T x B x dim */
	float	   *dxr;
	float	   *last;			/* B x width, after dropout */
	float	   *dlast;
	float	   *mask;			/* B x width */
	float	   *z;				/* B x k */
	float	   *dz;
} SeqBatch;

static Size
BatchFloats(const SeqState *st, int B)
{
	Size		tb = (Size) st->steps * B;

	return tb * st->dim * 4 + st->dirs * (tb * st->units * 5 + tb * 4 * st->units * 3 +
										  (Size) B * st->units * 5) + (Size) B * st->k * 2;
}

static void
BatchInit(SeqBatch *b, const SeqState *st, int B)
{
	int64		tb = (int64) st->steps * B;

	b->B = B;
	b->ids = palloc(sizeof(int32) * tb);
	b->x = palloc(sizeof(float) * tb * st->dim);
	b->xr = st->dirs > 1 ? palloc(sizeof(float) * tb * st->dim) : NULL;
	for (int d = 0; d < st->dirs; d++)
	{
		NnRecurrentPass *p = &b->dir[d];

		p->h = palloc(sizeof(float) * tb * st->units);
		p->c = palloc(sizeof(float) * tb * st->units);
		p->gates = palloc(sizeof(float) * tb * 4 * st->units);
		p->hn = palloc(sizeof(float) * tb * st->units);
		p->work = palloc(sizeof(float) * (2 * tb * 4 * st->units + 2 * (int64) B * st->units));
		b->dh[d] = palloc0(sizeof(float) * tb * st->units);
	}
	b->dx = palloc(sizeof(float) * tb * st->dim);
	b->dxr = st->dirs > 1 ? palloc(sizeof(float) * tb * st->dim) : NULL;
	b->last = palloc(sizeof(float) * B * WIDTH(st));
	b->dlast = palloc(sizeof(float) * B * WIDTH(st));
	b->mask = palloc(sizeof(float) * B * WIDTH(st));
	b->z = palloc(sizeof(float) * B * st->k);
	b->dz = palloc(sizeof(float) * B * st->k);
}

/*
 * Embedding and recurrent layer(s) over the batch's ids; in last, each
 * row's last output of every direction side by side
 */
static void
ForwardSequence(const SeqState *st, SeqBatch *b, int B)
{
	int64		tail = (int64) (st->steps - 1) * B * st->units;

	NnEmbeddingForward(st->params, st->dim, b->ids, (int64) st->steps * B, b->x);
	if (st->dirs > 1)
		NnBiForward(st->kind, st->dim, st->units, st->params + REC_OFFSET(st), b->x,
					st->steps, B, b->xr, b->dir);
	else
		NnRecurrentForward(st->kind, st->dim, st->units, st->params + REC_OFFSET(st), b->x,
						   st->steps, B, &b->dir[0]);
	for (int r = 0; r < B; r++)
		for (int d = 0; d < st->dirs; d++)
			memcpy(b->last + (int64) r * WIDTH(st) + d * st->units,
				   b->dir[d].h + tail + (int64) r * st->units, sizeof(float) * st->units);
}

/* z = last W + b */
static void
ForwardDense(const SeqState *st, const float *last, float *z, int B)
{
	for (int r = 0; r < B; r++)
		memcpy(z + (int64) r * st->k, st->params + DENSE_B(st), sizeof(float) * st->k);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, st->k, WIDTH(st),
				1.0f, last, WIDTH(st), st->params + DENSE_W(st), st->k, 1.0f, z, st->k);
}

/* Mean loss of the batch, and its gradient dz with respect to z */
static double
LossGrad(const SeqState *st, SeqBatch *b, const double *y, const int32 *rows, int B)
{
	double		loss = 0;

	for (int r = 0; r < B; r++)
	{
		const float *z = b->z + (int64) r * st->k;
		float	   *dz = b->dz + (int64) r * st->k;
		int			label = (int) y[rows[r]];

		if (st->k == 1)
		{
			double		p = MaasSigmoid(z[0]);

			/* log(1 + e^z) - label z, stably */
			loss += Max(z[0], 0) - (double) z[0] * label + log1p(exp(-fabs(z[0])));
			dz[0] = (float) ((p - label) / B);
		}
		else
		{
			double		top = z[0],
						sum = 0;

			for (int j = 1; j < st->k; j++)
				top = Max(top, z[j]);
			for (int j = 0; j < st->k; j++)
				sum += exp(z[j] - top);
			loss += top + log(sum) - z[label];
			for (int j = 0; j < st->k; j++)
				dz[j] = (float) ((exp(z[j] - top) / sum - (j == label)) / B);
		}
	}
	return loss / B;
}

static void
Backward(const SeqState *st, SeqBatch *b, int B, float *grad)
{
	int64		tb = (int64) st->steps * B;
	int			width = WIDTH(st);

	/* dense: dW = last^T dz, db = sum dz, dlast = dz W^T (through dropout) */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, width, st->k, B,
				1.0f, b->last, width, b->dz, st->k, 1.0f, grad + DENSE_W(st), st->k);
	for (int r = 0; r < B; r++)
		for (int j = 0; j < st->k; j++)
			grad[DENSE_B(st) + j] += b->dz[(int64) r * st->k + j];
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, width, st->k,
				1.0f, b->dz, st->k, st->params + DENSE_W(st), st->k, 0.0f, b->dlast, width);
	/* each direction's part into the last step of its dh, zeros before */
	for (int d = 0; d < st->dirs; d++)
		memset(b->dh[d], 0, sizeof(float) * tb * st->units);
	for (int r = 0; r < B; r++)
		for (int d = 0; d < st->dirs; d++)
			for (int j = 0; j < st->units; j++)
			{
				int64		i = (int64) r * width + d * st->units + j;

				b->dh[d][(tb - B + r) * st->units + j] = b->dlast[i] * b->mask[i];
			}
	if (st->dirs > 1)
		NnBiBackward(st->kind, st->dim, st->units, st->params + REC_OFFSET(st), b->x, b->xr,
					 st->steps, B, b->dir, b->dh[0], b->dh[1], grad + REC_OFFSET(st), b->dx,
					 b->dxr);
	else
		NnRecurrentBackward(st->kind, st->dim, st->units, st->params + REC_OFFSET(st), b->x,
							st->steps, B, &b->dir[0], b->dh[0], grad + REC_OFFSET(st), b->dx);
	NnEmbeddingBackward(st->dim, b->ids, tb, b->dx, grad);
}

static void PredictBuffers(SeqState *st);

/* ---- training ---- */

static void
Diverged(int epoch, const SeqOptions *opt)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("training diverged in epoch %d: the loss is not finite", epoch),
			 errhint("Lower \"learning_rate\" (now %g).", opt->learning_rate)));
}

static void *
SeqFit(const MaasTrainData *data, const void *options, MaasProgress *progress, int kind)
{
	const SeqOptions *opt = options;
	const MaasTokenRows *docs = data->tokens;
	const double *y = MaasTrainY(data);
	int64		n = docs->n_rows;
	SeqState   *st = palloc0(sizeof(SeqState));
	SeqBatch	b;
	MaasOptimizer adam;
	float	   *grad;
	int32	   *order;
	pg_prng_state rng;
	int			B = (int) Min(opt->batch_size, Max(n, 1));
	int			longest = 1;

	Assert(data->input == MAAS_INPUT_TOKENS && docs != NULL);
	st->kind = kind;
	st->n_words = docs->tokenizer->n_vocab + MAAS_TOKEN_FIRST;
	st->dim = opt->embedding_dim;
	st->units = opt->units;
	st->dirs = opt->bidirectional ? 2 : 1;
	st->k = data->n_classes == 2 ? 1 : data->n_classes;
	if (st->k > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s classifies into at most 1024 classes, not %d",
						kind == NN_LSTM ? "lstm" : "gru", st->k)));
	for (int64 i = 0; i < n; i++)
		longest = Max(longest, (int) (docs->start[i + 1] - docs->start[i]));
	st->steps = longest;
	st->n_params = ParamCount(st);
	MaasCheckMemory(add_size(mul_size(st->n_params, 4 * sizeof(float)),
							 mul_size(BatchFloats(st, B), sizeof(float))),
					"lstm/gru training");

	st->params = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	grad = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * st->n_params);
	pg_prng_seed(&rng, (uint64) data->seed);
	InitWeights(st, &rng);
	NnTextAdam(&adam, st->n_params);
	BatchInit(&b, st, B);
	order = palloc(sizeof(int32) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
		order[i] = (int32) i;
	st->loss = palloc0(sizeof(double) * opt->epochs);

	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		double		loss = 0;
		int64		batches = 0;

		NnTextShuffle(order, n, &rng);
		for (int64 s = 0; s < n; s += B)
		{
			int			rows = (int) Min(B, n - s);

			CHECK_FOR_INTERRUPTS();
			for (int r = 0; r < rows; r++)
			{
				int64		d = order[s + r];

				PlaceDocument(docs->ids + docs->start[d], (int) (docs->start[d + 1] - docs->start[d]),
							  st->steps, rows, r, b.ids);
			}
			ForwardSequence(st, &b, rows);
			for (int64 i = 0; i < (int64) rows * WIDTH(st); i++)
			{
				b.mask[i] = opt->dropout > 0 && pg_prng_double(&rng) < opt->dropout ?
					0.0f : (float) (1.0 / (1.0 - opt->dropout));
				b.last[i] *= b.mask[i];
			}
			ForwardDense(st, b.last, b.z, rows);
			loss += LossGrad(st, &b, y, order + s, rows);
			memset(grad, 0, sizeof(float) * st->n_params);
			Backward(st, &b, rows, grad);
			MaasOptimizerStep(&adam, st->params, grad, opt->learning_rate);
			batches++;
		}
		loss /= Max(batches, 1);
		if (!isfinite(loss))
			Diverged(epoch + 1, opt);
		st->loss[epoch] = loss;
		st->epochs = epoch + 1;
		MaasProgressStep(progress, epoch + 1, opt->epochs, loss);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: epoch %d of %d, loss %.6g",
							progress->what, epoch + 1, opt->epochs, loss)));
	}
	pfree(grad);
	PredictBuffers(st);
	return st;
}

static void *
LstmFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	return SeqFit(data, options, progress, NN_LSTM);
}

static void *
GruFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	return SeqFit(data, options, progress, NN_GRU);
}

/* ---- serving ---- */

/* predict's buffers, in the memory of the model's state */
static void
PredictBuffers(SeqState *st)
{
	st->one = palloc(sizeof(SeqBatch));
	BatchInit(st->one, st, 1);
}

/* What the dense layer reads for one document (width floats) */
static const float *
SeqLast(const SeqState *st, const MaasInput *in)
{
	SeqBatch   *b = st->one;

	PlaceDocument(in->tokens, in->n_tokens, st->steps, 1, 0, b->ids);
	/* ids the tokenizer gave but this model has no row for are unknown words */
	for (int t = 0; t < st->steps; t++)
		if (b->ids[t] < 0 || b->ids[t] >= st->n_words)
			b->ids[t] = MAAS_TOKEN_OOV;
	ForwardSequence(st, b, 1);
	return b->last;
}

static void
SeqPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const SeqState *st = model->state;
	float		z[1024];

	ForwardDense(st, SeqLast(st, in), z, 1);
	NnClassProbabilities(z, st->k, out);
}

static int
SeqEmbedWidth(const MaasModel *model)
{
	return WIDTH((const SeqState *) model->state);
}

/* The last hidden state (of each direction), what the dense layer reads */
static void
SeqEmbed(const MaasModel *model, const MaasInput *in, double *out)
{
	const SeqState *st = model->state;
	const float *last = SeqLast(st, in);

	for (int j = 0; j < WIDTH(st); j++)
		out[j] = last[j];
}

/* ---- bytes ---- */

static void
SeqSerialize(const MaasModel *model, StringInfo buf)
{
	const SeqState *st = model->state;

	MaasWriteU32(buf, (uint32) st->dim);
	MaasWriteU32(buf, (uint32) st->units | (st->dirs > 1 ? SEQ_BIDIRECTIONAL : 0));
	MaasWriteU32(buf, (uint32) st->steps);
	MaasWriteU32(buf, (uint32) st->n_words);
	MaasWriteU32(buf, (uint32) st->epochs);
	MaasWriteDoubles(buf, st->loss, st->epochs);
	MaasWriteFloats(buf, st->params, st->n_params);
}

static void *
SeqDeserialize(MaasReader *r, const MaasModel *model, int kind)
{
	SeqState   *st = palloc0(sizeof(SeqState));
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);

	if (text == NULL || model->prep.n_columns != 1 || model->n_features != 0)
		MaasReaderFail(r, "%s reads one text column and nothing else", model->algorithm->name);
	st->kind = kind;
	st->k = model->n_outputs == 2 ? 1 : model->n_outputs;
	if (st->k > 1024)
		MaasReaderFail(r, "%d classes", st->k);
	st->dim = (int) MaasReadU32(r);
	st->units = (int) MaasReadU32(r);
	st->dirs = st->units & SEQ_BIDIRECTIONAL ? 2 : 1;
	st->units &= ~SEQ_BIDIRECTIONAL;	/* any other high bit fails the range */
	if (st->dim < 1 || st->dim > SEQ_MAX_DIM || st->units < 1 || st->units > SEQ_MAX_DIM)
		MaasReaderFail(r, "embedding_dim %d or units %d outside 1..%d", st->dim, st->units,
					   SEQ_MAX_DIM);
	st->steps = (int) MaasReadU32(r);
	if (st->steps < 1 || st->steps > text->tokenizer->maxlen)
		MaasReaderFail(r, "%d steps for a tokenizer keeping %d tokens", st->steps,
					   text->tokenizer->maxlen);
	st->n_words = (int) MaasReadU32(r);
	if (st->n_words != text->tokenizer->n_vocab + MAAS_TOKEN_FIRST)
		MaasReaderFail(r, "%d embedding rows for a vocabulary of %d", st->n_words,
					   text->tokenizer->n_vocab);
	st->epochs = MaasReadCount(r, 100000, sizeof(double), "epoch");
	st->loss = palloc(sizeof(double) * Max(st->epochs, 1));
	MaasReadDoubles(r, st->loss, st->epochs, false);
	st->n_params = ParamCount(st);
	st->params = NnTextReadParams(r, st->n_params);
	PredictBuffers(st);
	return st;
}

static void *
LstmDeserialize(MaasReader *r, const MaasModel *model)
{
	return SeqDeserialize(r, model, NN_LSTM);
}

static void *
GruDeserialize(MaasReader *r, const MaasModel *model)
{
	return SeqDeserialize(r, model, NN_GRU);
}

static void
SeqDescribe(const MaasModel *model, MaasJson *json)
{
	const SeqState *st = model->state;

	MaasJsonKey(json, "embedding_dim");
	MaasJsonInt(json, st->dim);
	MaasJsonKey(json, "units");
	MaasJsonInt(json, st->units);
	MaasJsonKey(json, "bidirectional");
	MaasJsonBool(json, st->dirs > 1);
	MaasJsonKey(json, "steps");
	MaasJsonInt(json, st->steps);
	NnDescribeHistory(json, st->n_params, st->loss, st->epochs);
}

const MaasAlgorithm maas_lstm = {
	.name = "lstm",
	.id = 17,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_TOKENS,
	.params = seq_params,
	.options_size = sizeof(SeqOptions),
	.fit = LstmFit,
	.predict = SeqPredict,
	.serialize = SeqSerialize,
	.deserialize = LstmDeserialize,
	.describe = SeqDescribe,
	.embed_width = SeqEmbedWidth,
	.embed = SeqEmbed,
};

const MaasAlgorithm maas_gru = {
	.name = "gru",
	.id = 18,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_TOKENS,
	.params = seq_params,
	.options_size = sizeof(SeqOptions),
	.fit = GruFit,
	.predict = SeqPredict,
	.serialize = SeqSerialize,
	.deserialize = GruDeserialize,
	.describe = SeqDescribe,
	.embed_width = SeqEmbedWidth,
	.embed = SeqEmbed,
};
