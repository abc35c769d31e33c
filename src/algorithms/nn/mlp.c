/*
 * mlp.c
 *	  mlp: a multilayer perceptron (Keras's Sequential of Dense layers),
 *	  trained with Adam, AdamW or SGD on mini-batches.
 *
 * Inputs, and a regression target, are standardized with statistics kept
 * in the model.  A batch is cut into chunks of CHUNK rows whatever the
 * thread count; each chunk's forward and backward pass runs on a worker
 * and leaves its own partial gradient, summed in chunk order, so a seed
 * gives the same model bytes at any maas.threads.  Dropout masks come from
 * a generator seeded by (seed, epoch, batch, chunk) for the same reason.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "nn.h"

#define CHUNK			64		/* rows per task: fixes the summation order */
#define IG_STEPS		256		/* integrated gradients' Riemann steps */
#define MAX_PARAMS		(MaxAllocSize / 8)	/* weights that fit in a model */

typedef struct MlpOptions
{
	MaasLayers	layers;
	MaasInts	hidden_layers;
	int			activation;		/* NnActivation */
	double		dropout;
	int			loss;			/* NnLoss, or -1: by task */
	int			optimizer;		/* MaasOptimizerKind */
	double		learning_rate;
	double		learning_rate_decay;
	double		beta_1;
	double		beta_2;
	double		epsilon;
	double		momentum;
	bool		nesterov;
	double		weight_decay;
	double		l2;
	int			epochs;
	int			batch_size;
	bool		early_stopping;
	int			patience;
	double		validation_fraction;
	double		huber_delta;
} MlpOptions;

static const MaasParamSpec mlp_params[] = {
	{"layers", MAAS_PARAM_LAYERS, NULL, 1, 65536, NN_ACTIVATIONS,
		"hidden layers, e.g. [{\"units\": 64, \"activation\": \"relu\"}, {\"units\": 32}]",
	offsetof(MlpOptions, layers)},
	{"hidden_layers", MAAS_PARAM_INTS, NULL, 1, 65536, NULL,
		"hidden layer sizes, e.g. [64, 32], all with \"activation\" (default [100])",
	offsetof(MlpOptions, hidden_layers)},
	{"activation", MAAS_PARAM_CHOICE, "\"relu\"", 0, 0, NN_ACTIVATIONS,
		"activation of hidden layers that do not name one",
	offsetof(MlpOptions, activation)},
	{"dropout", MAAS_PARAM_FLOAT, "0", 0, 0.99, NULL,
		"dropout rate after each hidden layer that does not name one",
	offsetof(MlpOptions, dropout)},
	{"loss", MAAS_PARAM_CHOICE, NULL, 0, 0, NN_LOSSES,
		"mse (default), mae or huber for regression; binary_crossentropy or categorical_crossentropy for classification",
	offsetof(MlpOptions, loss)},
	{"optimizer", MAAS_PARAM_CHOICE, "\"adam\"", 0, 0, "adam,sgd,adamw",
		"adam, sgd (with momentum, nesterov) or adamw (with weight_decay)",
	offsetof(MlpOptions, optimizer)},
	{"learning_rate", MAAS_PARAM_FLOAT, "0.001", 1e-12, 10, NULL,
		"step size of the optimizer",
	offsetof(MlpOptions, learning_rate)},
	{"learning_rate_decay", MAAS_PARAM_FLOAT, "1", 1e-6, 1, NULL,
		"the learning rate is multiplied by this after each epoch",
	offsetof(MlpOptions, learning_rate_decay)},
	{"beta_1", MAAS_PARAM_FLOAT, "0.9", 0, 0.999999, NULL,
		"Adam's decay of the first moment",
	offsetof(MlpOptions, beta_1)},
	{"beta_2", MAAS_PARAM_FLOAT, "0.999", 0, 0.999999999, NULL,
		"Adam's decay of the second moment",
	offsetof(MlpOptions, beta_2)},
	{"epsilon", MAAS_PARAM_FLOAT, "1e-7", 1e-12, 1, NULL,
		"Adam's term for numerical stability",
	offsetof(MlpOptions, epsilon)},
	{"momentum", MAAS_PARAM_FLOAT, "0", 0, 0.999999, NULL,
		"SGD's momentum",
	offsetof(MlpOptions, momentum)},
	{"nesterov", MAAS_PARAM_BOOL, "false", 0, 0, NULL,
		"SGD with Nesterov momentum",
	offsetof(MlpOptions, nesterov)},
	{"weight_decay", MAAS_PARAM_FLOAT, "0.004", 0, 1, NULL,
		"AdamW's decoupled weight decay",
	offsetof(MlpOptions, weight_decay)},
	{"l2", MAAS_PARAM_FLOAT, "0", 0, 1e6, NULL,
		"adds l2 * sum(w^2) of the weights to the loss, as Keras's regularizers.l2",
	offsetof(MlpOptions, l2)},
	{"epochs", MAAS_PARAM_INT, "10", 1, 100000, NULL,
		"passes over the training rows",
	offsetof(MlpOptions, epochs)},
	{"batch_size", MAAS_PARAM_INT, "32", 1, 1000000, NULL,
		"rows per gradient step",
	offsetof(MlpOptions, batch_size)},
	{"early_stopping", MAAS_PARAM_BOOL, "false", 0, 0, NULL,
		"stop when the validation loss has not improved for patience epochs, keeping the best weights",
	offsetof(MlpOptions, early_stopping)},
	{"patience", MAAS_PARAM_INT, "5", 1, 100000, NULL,
		"epochs without a better validation loss before early stopping",
	offsetof(MlpOptions, patience)},
	{"validation_fraction", MAAS_PARAM_FLOAT, "0.1", 0.01, 0.5, NULL,
		"fraction of the training rows held out for early stopping",
	offsetof(MlpOptions, validation_fraction)},
	{"huber_delta", MAAS_PARAM_FLOAT, "1", 1e-9, 1e9, NULL,
		"where the huber loss turns from quadratic to linear (in standard deviations of the target)",
	offsetof(MlpOptions, huber_delta)},
	{NULL}
};

/* The fitted network */
typedef struct MlpState
{
	NnNet		net;
	float	   *params;
	double	   *x_mean;			/* per input */
	double	   *x_scale;
	double		y_mean;			/* regression target */
	double		y_scale;
	int			epochs;			/* run */
	int			best_epoch;		/* whose weights were kept (1-based) */
	double	   *loss;			/* per epoch: training loss */
	double	   *val_loss;		/* per epoch: validation loss, NaN without */
	float	   *scratch;		/* prediction: two rows of max_units */
} MlpState;

/* Everything the training tasks share */
typedef struct MlpTrain
{
	const NnNet *net;
	int			p;
	int			k;				/* output units */
	int			loss;
	double		huber_delta;
	const MaasFloatRows *x;		/* the rows, features then target */
	float	   *shift;			/* per column: standardized = (x - shift) * inv_scale */
	float	   *inv_scale;
	const int32 *rows;			/* the batch's rows */
	int			batch_rows;
	float	   *params;
	float	   *partial;		/* per chunk: n_params gradients */
	double	   *chunk_loss;
	NnWork	   *work;			/* per worker */
	float	  **work_y;			/* per worker */
	uint64		seed;
	int			epoch;
	int64		batch;
	bool		training;		/* dropout and gradients */
	const double *weights;		/* per row (sample and class weights), or NULL */
	double		batch_weight;	/* weights: their sum over the batch's rows */
} MlpTrain;

static int
OutputUnits(MaasTask task, int n_classes)
{
	return task == MAAS_TASK_MULTICLASS ? n_classes : 1;
}

static int
OutputActivation(MaasTask task)
{
	return task == MAAS_TASK_REGRESSION ? NN_LINEAR :
		task == MAAS_TASK_BINARY ? NN_SIGMOID : NN_SOFTMAX;
}

/* The loss: given, or by task; one that does not fit the task is an error */
static int
ResolveLoss(int loss, MaasTask task)
{
	int			fits = task == MAAS_TASK_REGRESSION ? NN_MSE :
		task == MAAS_TASK_BINARY ? NN_BCE : NN_CCE;

	if (loss < 0)
		return fits;
	if (task == MAAS_TASK_REGRESSION ? loss > NN_HUBER : loss != fits)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loss \"%s\" does not fit a %s task",
						MaasChoiceName(mlp_params, "loss", loss), MaasTaskName(task)),
				 errhint("Use mse, mae or huber for regression, binary_crossentropy for two classes, categorical_crossentropy for more.")));
	return loss;
}

/* The hidden layers from "layers", or "hidden_layers" and "activation" */
static void
BuildNet(NnNet *net, const MlpOptions *opt, int p, MaasTask task, int n_classes)
{
	int			n;
	int		   *units;
	int		   *activations;
	float	   *dropout;

	if (opt->layers.layers != NULL && opt->hidden_layers.values != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters \"layers\" and \"hidden_layers\" cannot both be given"),
				 errhint("\"hidden_layers\": [64, 32] is short for \"layers\": [{\"units\": 64}, {\"units\": 32}].")));
	n = opt->layers.layers ? opt->layers.n : opt->hidden_layers.values ? opt->hidden_layers.n : 1;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must name at least one hidden layer",
						opt->layers.layers ? "layers" : "hidden_layers"),
				 errhint("For example: {\"hidden_layers\": [64, 32]}.")));
	units = palloc(sizeof(int) * n);
	activations = palloc(sizeof(int) * n);
	dropout = palloc(sizeof(float) * n);
	for (int l = 0; l < n; l++)
	{
		const MaasLayerSpec *spec = opt->layers.layers ? &opt->layers.layers[l] : NULL;

		units[l] = spec ? spec->units : opt->hidden_layers.values ? opt->hidden_layers.values[l] : 100;
		activations[l] = spec && spec->activation >= 0 ? spec->activation : opt->activation;
		dropout[l] = (float) (spec && !isnan(spec->dropout) ? spec->dropout : opt->dropout);
	}
	NnInitNet(net, p, n, units, activations, dropout, OutputUnits(task, n_classes),
			  OutputActivation(task));
	if (net->n_params > MAX_PARAMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a network of " INT64_FORMAT " weights is larger than a model can hold",
						net->n_params),
				 errhint("Use fewer or smaller layers: a model holds at most %zu weights.",
						 (Size) MAX_PARAMS)));
}

/*
 * Means and scales of the columns (and of a regression target), and what a
 * chunk applies to its rows: (row value - shift) * inv_scale, where shift
 * is the mean less the loader's origin.  A classifier's target is its
 * class: no scaling.
 */
static void
Standardize(const MaasTrainData *data, MlpState *st, MlpTrain *t)
{
	const MaasFloatRows *f = &data->rows;
	int64		n = f->n_rows;
	int			p = data->n_features;
	double	   *sum = palloc0(sizeof(double) * (p + 1));
	double	   *ss = palloc0(sizeof(double) * (p + 1));
	double		total = 0;

	st->x_mean = palloc(sizeof(double) * p);
	st->x_scale = palloc(sizeof(double) * p);
	t->shift = palloc(sizeof(float) * (p + 1));
	t->inv_scale = palloc(sizeof(float) * (p + 1));
	/* row by row: the rows are row-major; a row of weight w counts w times */
	for (int64 i = 0; i < n; i++)
	{
		const float *row = MaasFloatRow(f, i);
		double		w = data->weights ? data->weights[i] : 1.0;

		total += w;
		for (int j = 0; j <= p; j++)
			sum[j] += w * row[j];
	}
	for (int j = 0; j <= p; j++)
		sum[j] /= total;
	for (int64 i = 0; i < n; i++)
	{
		const float *row = MaasFloatRow(f, i);
		double		w = data->weights ? data->weights[i] : 1.0;

		for (int j = 0; j <= p; j++)
		{
			double		d = row[j] - sum[j];

			ss[j] += w * d * d;
		}
	}
	for (int j = 0; j <= p; j++)
	{
		double		mean = sum[j];
		double		scale;

		scale = sqrt(ss[j] / total);
		if (!(scale > 1e-12 * Max(fabs(mean + f->origin[j]), 1.0)))
			scale = 1.0;
		if (j == p && data->task != MAAS_TASK_REGRESSION)
		{
			mean = 0;
			scale = 1.0;
		}
		t->shift[j] = (float) mean;
		t->inv_scale[j] = (float) (1.0 / scale);
		if (j < p)
		{
			st->x_mean[j] = mean + f->origin[j];
			st->x_scale[j] = scale;
		}
		else
		{
			st->y_mean = mean + f->origin[j];
			st->y_scale = scale;
		}
	}
	/* a class is the row value plus the origin */
	if (data->task != MAAS_TASK_REGRESSION)
	{
		t->shift[p] = (float) -f->origin[p];
		st->y_mean = 0;
	}
}

/* One chunk of the batch: forward, loss, and backward into its partial */
static int
ChunkTask(void *arg, int chunk, int worker)
{
	MlpTrain   *t = arg;
	NnWork	   *w = &t->work[worker];
	float	   *y = t->work_y[worker];
	int			from = chunk * CHUNK;
	int			rows = Min(CHUNK, t->batch_rows - from);
	const NnNet *net = t->net;
	float	   *dz;
	pg_prng_state rng;

	for (int r = 0; r < rows; r++)
	{
		const float *src = MaasFloatRow(t->x, t->rows[from + r]);
		float	   *dst = w->a[0] + (int64) r * t->p;

		for (int j = 0; j < t->p; j++)
			dst[j] = (src[j] - t->shift[j]) * t->inv_scale[j];
		y[r] = (src[t->p] - t->shift[t->p]) * t->inv_scale[t->p];
	}
	pg_prng_seed(&rng, hash_combine64(t->seed, hash_combine64((uint64) t->epoch << 32 | (uint32) chunk,
															  (uint64) t->batch)));
	NnForward(net, t->params, w, rows, t->training ? &rng : NULL);
	dz = w->dz;
	if (t->weights == NULL)
		t->chunk_loss[chunk] = NnLossGrad(t->loss, w->z[net->n_layers - 1], y, rows, t->k,
										  t->huber_delta, 1.0f / t->batch_rows, dz);
	else
	{
		/* each row's loss and gradient times its share of the batch's weight */
		t->chunk_loss[chunk] = 0;
		for (int r = 0; r < rows; r++)
		{
			double		wr = t->weights[t->rows[from + r]];

			t->chunk_loss[chunk] += wr * NnLossGrad(t->loss, w->z[net->n_layers - 1] + (int64) r * t->k,
													y + r, 1, t->k, t->huber_delta,
													(float) (wr / t->batch_weight),
													dz + (int64) r * t->k);
		}
	}
	if (t->training)
	{
		float	   *grad = t->partial + (int64) chunk * net->n_params;

		memset(grad, 0, sizeof(float) * net->n_params);
		NnBackward(net, t->params, w, rows, grad, NULL);
	}
	return MAAS_POOL_OK;
}

/* The batch's weight: its row count, or the sum of its rows' weights */
static double
BatchWeight(MlpTrain *t, const int32 *list, int64 n)
{
	double		total = 0;

	if (t->weights == NULL)
		return (double) n;
	for (int64 i = 0; i < n; i++)
		total += t->weights[list[i]];
	/* a batch of weight 0 contributes nothing; avoid 0/0 */
	t->batch_weight = total > 0 ? total : 1.0;
	return total;
}

/* Mean loss of the rows list (no dropout, no gradient), weighted */
static double
EvaluateLoss(MlpTrain *t, MaasPool *pool, const int32 *list, int64 n)
{
	double		total = 0;
	double		weight = 0;

	t->training = false;
	for (int64 from = 0; from < n; from += CHUNK * 64)
	{
		int			rows = (int) Min((int64) CHUNK * 64, n - from);

		t->rows = list + from;
		t->batch_rows = rows;
		weight += BatchWeight(t, t->rows, rows);
		MaasPoolRun(pool, (rows + CHUNK - 1) / CHUNK, ChunkTask, t);
		for (int c = 0; c < (rows + CHUNK - 1) / CHUNK; c++)
			total += t->chunk_loss[c];
	}
	return weight > 0 ? total / weight : 0;
}

/* l2 * sum(w^2) over the weights (not the biases), and its gradient */
static double
AddL2(const NnNet *net, const float *params, float *grad, double l2)
{
	double		penalty = 0;

	for (int l = 0; l < net->n_layers && l2 > 0; l++)
	{
		const NnLayer *layer = &net->layers[l];

		for (int64 i = layer->w; i < layer->b; i++)
		{
			penalty += (double) params[i] * params[i];
			grad[i] += (float) (2 * l2) * params[i];
		}
	}
	return l2 * penalty;
}

static void
Diverged(int epoch, const MlpOptions *opt)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("mlp training diverged in epoch %d: the loss is not finite", epoch),
			 errhint("Lower \"learning_rate\" (now %g), or check the target for extreme values; inputs and a numeric target are standardized already.",
					 opt->learning_rate)));
}

/* One epoch of mini-batch steps over the shuffled training rows */
static double
TrainEpoch(MlpTrain *t, MaasPool *pool, MaasOptimizer *optimizer, float *grad,
		   int32 *order, int64 n_train, const MlpOptions *opt, double lr)
{
	const NnNet *net = t->net;
	double		total = 0;
	double		weight = 0;

	t->batch = 0;
	for (int64 from = 0; from < n_train; from += opt->batch_size, t->batch++)
	{
		int			rows = (int) Min((int64) opt->batch_size, n_train - from);
		int			chunks = (rows + CHUNK - 1) / CHUNK;

		double		bw;

		t->rows = order + from;
		t->batch_rows = rows;
		t->training = true;
		bw = BatchWeight(t, t->rows, rows);
		weight += bw;
		MaasPoolRun(pool, chunks, ChunkTask, t);
		memcpy(grad, t->partial, sizeof(float) * net->n_params);
		for (int c = 1; c < chunks; c++)
		{
			const float *part = t->partial + (int64) c * net->n_params;

			for (int64 i = 0; i < net->n_params; i++)
				grad[i] += part[i];
		}
		for (int c = 0; c < chunks; c++)
			total += t->chunk_loss[c];
		/* the penalty is part of the loss reported, as Keras reports it */
		total += AddL2(net, t->params, grad, opt->l2) * bw;
		MaasOptimizerStep(optimizer, t->params, grad, lr);
	}
	return weight > 0 ? total / weight : 0;
}

/* Fisher-Yates over the row numbers */
static void
Shuffle(int32 *order, int64 n, pg_prng_state *rng)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) pg_prng_uint64_range(rng, 0, (uint64) i);
		int32		swap = order[i];

		order[i] = order[j];
		order[j] = swap;
	}
}

static void
InitOptimizer(MaasOptimizer *optimizer, const MlpOptions *opt, int64 n_params)
{
	optimizer->kind = opt->optimizer;
	optimizer->beta1 = opt->beta_1;
	optimizer->beta2 = opt->beta_2;
	optimizer->epsilon = opt->epsilon;
	optimizer->momentum = opt->momentum;
	optimizer->nesterov = opt->nesterov;
	optimizer->weight_decay = opt->weight_decay;
	MaasOptimizerInit(optimizer, n_params);
}

/* A chunk's buffers for each worker */
static void
InitWorkers(MlpTrain *t, int workers)
{
	t->work = palloc(sizeof(NnWork) * workers);
	t->work_y = palloc(sizeof(float *) * workers);
	for (int i = 0; i < workers; i++)
	{
		NnWorkInit(&t->work[i], t->net, CHUNK, true);
		t->work_y[i] = palloc(sizeof(float) * CHUNK);
	}
}

static void *
MlpFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const MlpOptions *opt = options;
	MlpState   *st = palloc0(sizeof(MlpState));
	NnNet	   *net = &st->net;
	int64		n = data->rows.n_rows;
	int			p = data->n_features;
	int			loss = ResolveLoss(opt->loss, data->task);
	/* a batch's chunks each leave a gradient; evaluation runs 64 chunks a call */
	int			batch_chunks = (opt->batch_size + CHUNK - 1) / CHUNK;
	int			max_chunks = Max(batch_chunks, 64);
	MlpTrain	t;
	MaasOptimizer optimizer;
	MaasPool   *pool;
	pg_prng_state rng;
	int32	   *order;
	int32	   *valid = NULL;
	int64		n_valid = 0;
	int64		n_train = n;
	float	   *grad;
	float	   *best = NULL;
	double		best_loss = INFINITY;
	double		lr = opt->learning_rate;
	Size		bytes;

	BuildNet(net, opt, p, data->task, data->n_classes);
	if (opt->batch_size > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"batch_size\" (%d) is larger than the " INT64_FORMAT " training rows",
						opt->batch_size, n),
				 errhint("Use a smaller \"batch_size\", or train on more rows.")));
	/*
	 * The row order, weights, gradients, optimizer state and chunk partials;
	 * the rows themselves are the loader's float rows, read in place.
	 */
	bytes = add_size(mul_size(n, sizeof(int32)),
					 mul_size(mul_size(net->n_params, 4 + batch_chunks), sizeof(float)));
	MaasCheckMemory(bytes, "mlp training");

	Assert(data->input == MAAS_INPUT_FLOAT_ROWS);
	memset(&t, 0, sizeof(t));
	Standardize(data, st, &t);
	t.net = net;
	t.p = p;
	t.k = net->layers[net->n_layers - 1].out;
	t.loss = loss;
	t.huber_delta = opt->huber_delta;
	t.seed = (uint64) data->seed;
	t.x = &data->rows;
	t.weights = data->weights;

	pg_prng_seed(&rng, (uint64) data->seed);
	st->params = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * net->n_params);
	NnInitWeights(net, st->params, &rng);
	t.params = st->params;
	grad = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * net->n_params);
	t.partial = MemoryContextAllocHuge(CurrentMemoryContext,
									   sizeof(float) * net->n_params * batch_chunks);
	t.chunk_loss = palloc(sizeof(double) * max_chunks);

	/* rows in a seeded order; the first ones validate when stopping early */
	order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * n);
	for (int64 i = 0; i < n; i++)
		order[i] = (int32) i;
	if (opt->early_stopping)
	{
		Shuffle(order, n, &rng);
		n_valid = Max(1, (int64) (opt->validation_fraction * n));
		if (n - n_valid < opt->batch_size)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("too few rows to hold out a validation set for early stopping"),
					 errhint("Turn \"early_stopping\" off, lower \"batch_size\", or train on more rows.")));
		valid = order;
		order = order + n_valid;
		n_train = n - n_valid;
		best = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * net->n_params);
	}

	InitOptimizer(&optimizer, opt, net->n_params);
	/* threads only when the work is worth them; the result is the same */
	pool = MaasPoolStart((int64) n * net->n_params >= 4000000 ? maas_threads : 1);
	InitWorkers(&t, Max(MaasPoolWorkers(pool), 1));

	st->loss = palloc(sizeof(double) * opt->epochs);
	st->val_loss = palloc(sizeof(double) * opt->epochs);
	for (int epoch = 0; epoch < opt->epochs; epoch++)
	{
		double		train_loss;

		t.epoch = epoch;
		Shuffle(order, n_train, &rng);
		train_loss = TrainEpoch(&t, pool, &optimizer, grad, order, n_train, opt, lr);
		if (!isfinite(train_loss))
			Diverged(epoch + 1, opt);
		st->loss[epoch] = train_loss;
		st->val_loss[epoch] = NAN;
		st->epochs = epoch + 1;
		st->best_epoch = epoch + 1;
		if (opt->early_stopping)
		{
			double		v = EvaluateLoss(&t, pool, valid, n_valid);

			if (!isfinite(v))
				Diverged(epoch + 1, opt);
			st->val_loss[epoch] = v;
			if (v < best_loss)
			{
				best_loss = v;
				memcpy(best, st->params, sizeof(float) * net->n_params);
			}
		}
		MaasProgressStep(progress, epoch + 1, opt->epochs, train_loss);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: epoch %d of %d, loss %.6g%s",
							progress->what, epoch + 1, opt->epochs, train_loss,
							opt->early_stopping ? psprintf(", validation loss %.6g", st->val_loss[epoch]) : "")));
		if (opt->early_stopping)
		{
			int			since = 0;

			for (int e = epoch; e >= 0 && st->val_loss[e] > best_loss; e--)
				since++;
			if (since >= opt->patience)
				break;
		}
		lr *= opt->learning_rate_decay;
	}
	if (opt->early_stopping)
	{
		/* best weights restored */
		memcpy(st->params, best, sizeof(float) * net->n_params);
		for (int e = 0; e < st->epochs; e++)
			if (st->val_loss[e] == best_loss)
			{
				st->best_epoch = e + 1;
				break;
			}
	}
	MaasPoolStop(pool);
	st->scratch = palloc(sizeof(float) * 2 * net->max_units);
	return st;
}

/* One row through the network: the output layer's pre-activation in z */
static void
Forward(const MlpState *st, const double *x, float *z_out)
{
	const NnNet *net = &st->net;
	float	   *a = st->scratch;
	float	   *b = st->scratch + net->max_units;
	int			p = net->layers[0].in;

	for (int j = 0; j < p; j++)
		a[j] = (float) ((x[j] - st->x_mean[j]) / st->x_scale[j]);
	for (int l = 0; l < net->n_layers; l++)
	{
		const NnLayer *layer = &net->layers[l];
		const float *w = st->params + layer->w;
		bool		last = l == net->n_layers - 1;
		float	   *z = last ? z_out : b;

		memcpy(z, st->params + layer->b, sizeof(float) * layer->out);
		for (int i = 0; i < layer->in; i++)
		{
			float		ai = a[i];
			const float *wi = w + (int64) i * layer->out;

			for (int k = 0; k < layer->out; k++)
				z[k] += ai * wi[k];
		}
		if (!last)
		{
			NnActivate(layer->activation, z, z, 1, layer->out);
			{
				float	   *swap = a;

				a = b;
				b = swap;
			}
		}
	}
}

static void
MlpPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const MlpState *st = model->state;
	float		z[MAAS_MAX_CLASSES];

	Forward(st, in->x, z);
	if (model->task == MAAS_TASK_REGRESSION)
		out[0] = z[0] * st->y_scale + st->y_mean;
	else
		NnClassProbabilities(z, model->task == MAAS_TASK_BINARY ? 1 : model->n_outputs, out);
}

static void
MlpSerialize(const MaasModel *model, StringInfo buf)
{
	const MlpState *st = model->state;
	const NnNet *net = &st->net;
	int			p = model->n_features;

	MaasWriteU32(buf, (uint32) net->n_layers);
	for (int l = 0; l < net->n_layers; l++)
	{
		MaasWriteU32(buf, (uint32) net->layers[l].out);
		MaasWriteU8(buf, (uint8) net->layers[l].activation);
		MaasWriteDouble(buf, net->layers[l].dropout);
	}
	MaasWriteFloats(buf, st->params, net->n_params);
	MaasWriteDoubles(buf, st->x_mean, p);
	MaasWriteDoubles(buf, st->x_scale, p);
	MaasWriteDouble(buf, st->y_mean);
	MaasWriteDouble(buf, st->y_scale);
	MaasWriteU32(buf, (uint32) st->epochs);
	MaasWriteU32(buf, (uint32) st->best_epoch);
	MaasWriteDoubles(buf, st->loss, st->epochs);
	MaasWriteDoubles(buf, st->val_loss, st->epochs);
}

static void *
MlpDeserialize(MaasReader *r, const MaasModel *model)
{
	MlpState   *st = palloc0(sizeof(MlpState));
	int			p = model->n_features;
	int			n_layers = MaasReadCount(r, 1000, 13, "layers");
	int		   *units;
	int		   *activations;
	float	   *dropout;

	if (n_layers < 2)
		MaasReaderFail(r, "a network of %d layers has no hidden layer", n_layers);
	units = palloc(sizeof(int) * n_layers);
	activations = palloc(sizeof(int) * n_layers);
	dropout = palloc(sizeof(float) * n_layers);
	for (int l = 0; l < n_layers; l++)
	{
		bool		last = l == n_layers - 1;

		units[l] = (int) MaasReadU32(r);
		activations[l] = MaasReadU8(r);
		dropout[l] = (float) MaasReadFinite(r);
		if (units[l] < 1 || units[l] > 65536)
			MaasReaderFail(r, "layer %d has %d units", l + 1, units[l]);
		if (!(dropout[l] >= 0 && dropout[l] < 1))
			MaasReaderFail(r, "layer %d has dropout %g", l + 1, dropout[l]);
		if (last ? activations[l] != OutputActivation(model->task) ||
			units[l] != OutputUnits(model->task, model->n_outputs) :
			activations[l] > NN_GELU)
			MaasReaderFail(r, "layer %d has activation %d and %d units", l + 1,
						   activations[l], units[l]);
	}
	NnInitNet(&st->net, p, n_layers - 1, units, activations, dropout, units[n_layers - 1],
			  activations[n_layers - 1]);
	if ((uint64) st->net.n_params * 4 + (uint64) p * 16 + 24 > r->len - r->pos)
		MaasReaderFail(r, "truncated: %lld weights", (long long) st->net.n_params);
	st->params = palloc(sizeof(float) * st->net.n_params);
	MaasReadFloats(r, st->params, st->net.n_params);
	st->x_mean = palloc(sizeof(double) * p);
	st->x_scale = palloc(sizeof(double) * p);
	MaasReadDoubles(r, st->x_mean, p, true);
	MaasReadDoubles(r, st->x_scale, p, true);
	for (int j = 0; j < p; j++)
		if (!(st->x_scale[j] > 0))
			MaasReaderFail(r, "input %d has scale %g", j + 1, st->x_scale[j]);
	st->y_mean = MaasReadFinite(r);
	st->y_scale = MaasReadFinite(r);
	if (!(st->y_scale > 0))
		MaasReaderFail(r, "target scale %g", st->y_scale);
	st->epochs = MaasReadCount(r, 100000, 16, "epochs");
	st->best_epoch = (int) MaasReadU32(r);
	if (st->epochs < 1 || st->best_epoch < 1 || st->best_epoch > st->epochs)
		MaasReaderFail(r, "best epoch %d of %d", st->best_epoch, st->epochs);
	st->loss = palloc(sizeof(double) * st->epochs);
	st->val_loss = palloc(sizeof(double) * st->epochs);
	MaasReadDoubles(r, st->loss, st->epochs, true);
	MaasReadDoubles(r, st->val_loss, st->epochs, false);
	st->scratch = palloc(sizeof(float) * 2 * st->net.max_units);
	return st;
}

static void
MlpDescribe(const MaasModel *model, MaasJson *json)
{
	const MlpState *st = model->state;
	const NnNet *net = &st->net;
	static const char *const activations[] = {"relu", "sigmoid", "tanh", "linear",
	"leaky_relu", "gelu", "softmax"};

	MaasJsonKey(json, "layers");
	MaasJsonBeginArray(json);
	for (int l = 0; l < net->n_layers; l++)
	{
		MaasJsonBeginObject(json);
		MaasJsonKey(json, "units");
		MaasJsonInt(json, net->layers[l].out);
		MaasJsonKey(json, "activation");
		MaasJsonString(json, activations[net->layers[l].activation]);
		if (net->layers[l].dropout > 0)
		{
			MaasJsonKey(json, "dropout");
			MaasJsonNumber(json, net->layers[l].dropout);
		}
		MaasJsonEndObject(json);
	}
	MaasJsonEndArray(json);
	MaasJsonKey(json, "weights");
	MaasJsonInt(json, net->n_params);
	MaasJsonKey(json, "epochs");
	MaasJsonInt(json, st->epochs);
	MaasJsonKey(json, "best_epoch");
	MaasJsonInt(json, st->best_epoch);
	MaasJsonKey(json, "history");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "loss");
	MaasJsonNumberArray(json, st->loss, st->epochs);
	if (!isnan(st->val_loss[0]))
	{
		MaasJsonKey(json, "val_loss");
		MaasJsonNumberArray(json, st->val_loss, st->epochs);
	}
	MaasJsonEndObject(json);
}

/*
 * Integrated gradients from the training mean (the zero of the
 * standardized inputs) to the row, of the explained score: the value for
 * regression, the logit (of the predicted class) for classification.  The
 * Riemann sum's small gap to the exact difference is spread over the
 * features in proportion to their contributions, so base + contributions
 * is the score.
 */
static void
MlpExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const MlpState *st = model->state;
	const NnNet *net = &st->net;
	int			p = model->n_features;
	int			k = net->layers[net->n_layers - 1].out;
	NnWork		w;
	float	   *grad = palloc0(sizeof(float) * net->n_params);
	float	   *dx = palloc0(sizeof(float) * IG_STEPS * p);
	double	   *xs = palloc(sizeof(double) * p);
	float		z[MAAS_MAX_CLASSES];
	int			c = 0;
	double		score;
	double		total = 0;
	double		magnitude = 0;

	for (int j = 0; j < p; j++)
		xs[j] = (in->x[j] - st->x_mean[j]) / st->x_scale[j];
	Forward(st, in->x, z);
	if (model->task == MAAS_TASK_MULTICLASS)
		for (int j = 1; j < k; j++)
			if (z[j] > z[c])
				c = j;
	score = model->task == MAAS_TASK_REGRESSION ? z[0] * st->y_scale + st->y_mean : z[c];
	Forward(st, st->x_mean, z);
	*base = model->task == MAAS_TASK_REGRESSION ? z[0] * st->y_scale + st->y_mean : z[c];

	/* the path's points, and the score's gradient with respect to the input */
	NnWorkInit(&w, net, IG_STEPS, false);
	for (int s = 0; s < IG_STEPS; s++)
		for (int j = 0; j < p; j++)
			w.a[0][(int64) s * p + j] = (float) (xs[j] * (s + 0.5) / IG_STEPS);
	NnForward(net, st->params, &w, IG_STEPS, NULL);
	memset(w.dz, 0, sizeof(float) * IG_STEPS * k);
	for (int s = 0; s < IG_STEPS; s++)
		w.dz[(int64) s * k + c] = model->task == MAAS_TASK_REGRESSION ? (float) st->y_scale : 1.0f;
	NnBackward(net, st->params, &w, IG_STEPS, grad, dx);
	for (int j = 0; j < p; j++)
	{
		double		sum = 0;

		for (int s = 0; s < IG_STEPS; s++)
			sum += dx[(int64) s * p + j];
		contrib[j] = xs[j] * sum / IG_STEPS;
		total += contrib[j];
		magnitude += fabs(contrib[j]);
	}
	if (magnitude > 0)
		for (int j = 0; j < p; j++)
			contrib[j] += (score - *base - total) * fabs(contrib[j]) / magnitude;
	pfree(grad);
	pfree(dx);
	pfree(xs);
}

const MaasAlgorithm maas_mlp = {
	.name = "mlp",
	.id = 6,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION) | MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_FLOAT_ROWS,
	.params = mlp_params,
	.options_size = sizeof(MlpOptions),
	.fit = MlpFit,
	.fit_comoment = NULL,
	.predict = MlpPredict,
	.serialize = MlpSerialize,
	.deserialize = MlpDeserialize,
	.describe = MlpDescribe,
	.explain = MlpExplain,
	.takes_weights = true,
};
