/*
 * boost.c
 *	  gradient_boosting: second-order gradient boosted trees on feature
 *	  histograms, as XGBoost's "hist" method (Chen & Guestrin 2016,
 *	  https://arxiv.org/abs/1603.02754) and LightGBM grow them.
 *
 * Features are binned once (bins.c) into row-major codes, and column-major
 * ones for the partitions.  Each round computes gradient and hessian of
 * every sampled row (squared error, logistic, or softmax with one tree per
 * class), grows each tree level by level (boostgrow.c) on gradient/hessian
 * histograms (boosthist.c), and adds it to the margins.  Every step is
 * split into tasks by data size only and reduced in a fixed order, so
 * models do not depend on maas.threads.  The backend's thread checks for
 * interrupts between steps and reports progress.
 *
 * Early stopping holds out validation_fraction of the rows and keeps the
 * trees of the round with the best validation loss once
 * early_stopping_rounds rounds brought no improvement.
 */
#include "postgres.h"

#include <math.h>
#include <sys/mman.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

#define ROW_BLOCK		65536	/* rows per gradient / update task */
#define MIN_CHUNK		16384	/* rows per histogram / partition task */
#define PARTIAL_BUDGET	(64 * 1024 * 1024)
#define HUGE_PAGE		(2 * 1024 * 1024)

typedef struct BoostOptions
{
	int			n_estimators;
	double		learning_rate;
	int			max_depth;
	double		min_child_weight;
	double		lambda;
	double		gamma;
	double		subsample;
	double		colsample_bytree;
	int			max_bin;
	int			early_stopping_rounds;
	double		validation_fraction;
} BoostOptions;

static const MaasParamSpec boost_params[] = {
	{"n_estimators", MAAS_PARAM_INT, "100", 1, 100000, NULL,
		"boosting rounds (one tree per round, per class for multiclass)",
	offsetof(BoostOptions, n_estimators)},
	{"learning_rate", MAAS_PARAM_FLOAT, "0.3", 1e-6, 10, NULL,
		"shrinkage of each tree's leaf values (XGBoost's eta)",
	offsetof(BoostOptions, learning_rate)},
	{"max_depth", MAAS_PARAM_INT, "6", 1, 30, NULL,
		"deepest level of each tree",
	offsetof(BoostOptions, max_depth)},
	{"min_child_weight", MAAS_PARAM_FLOAT, "1", 0, 1e300, NULL,
		"smallest hessian sum in each child of a split",
	offsetof(BoostOptions, min_child_weight)},
	{"lambda", MAAS_PARAM_FLOAT, "1", 0, 1e300, NULL,
		"L2 regularization of leaf values",
	offsetof(BoostOptions, lambda)},
	{"gamma", MAAS_PARAM_FLOAT, "0", 0, 1e300, NULL,
		"smallest loss reduction a split must bring",
	offsetof(BoostOptions, gamma)},
	{"subsample", MAAS_PARAM_FLOAT, "1", 1e-6, 1, NULL,
		"fraction of the training rows drawn for each round",
	offsetof(BoostOptions, subsample)},
	{"colsample_bytree", MAAS_PARAM_FLOAT, "1", 1e-6, 1, NULL,
		"fraction of the features drawn for each tree",
	offsetof(BoostOptions, colsample_bytree)},
	{"max_bin", MAAS_PARAM_INT, "255", 2, TREE_MAX_BIN, NULL,
		"most bins per feature",
	offsetof(BoostOptions, max_bin)},
	{"early_stopping_rounds", MAAS_PARAM_INT, "0", 0, 100000, NULL,
		"stop after this many rounds without a better validation loss; 0 never stops early",
	offsetof(BoostOptions, early_stopping_rounds)},
	{"validation_fraction", MAAS_PARAM_FLOAT, "0.1", 0.01, 0.5, NULL,
		"fraction of the training rows held out for early stopping",
	offsetof(BoostOptions, validation_fraction)},
	{NULL}
};

/*
 * Working memory for big arrays, on transparent huge pages where the
 * kernel leaves that to madvise: histogram building and the partitions
 * touch these arrays all over, and 4 kB pages cost a TLB miss per access.
 */
static void *
BigAlloc(Size bytes)
{
#ifdef MADV_HUGEPAGE
	if (bytes >= 8 * HUGE_PAGE)
	{
		char	   *mem = MemoryContextAllocHuge(CurrentMemoryContext, bytes + HUGE_PAGE);
		char	   *aligned = (char *) TYPEALIGN(HUGE_PAGE, mem);

		(void) madvise(aligned, TYPEALIGN_DOWN(HUGE_PAGE, bytes), MADV_HUGEPAGE);
		return aligned;
	}
#endif
	return MemoryContextAllocHuge(CurrentMemoryContext, Max(bytes, 1));
}

/* ---- losses and gradients ---- */

/* Softmax gradients of every class (K > 1), for a block of training rows */
static int
GradientBlock(void *arg, int block, int worker)
{
	Booster    *b = arg;
	int32		from = block * ROW_BLOCK;
	int32		to = Min(from + ROW_BLOCK, b->n_train);
	int			K = b->K;

	for (int32 i = from; i < to; i++)
	{
		int32		r = b->train[i];
		const double *f = b->F + (int64) r * K;
		double		y = b->y[r];
		double		top;
		double		total = MaasSoftmaxTotal(f, K, 1, &top);

		for (int c = 0; c < K; c++)
		{
			double		pr = exp(f[c] - top) / total;
			double	   *g = b->gh + 2 * ((int64) c * b->n + r);

			g[0] = pr - (c == (int) y);
			/* XGBoost's softmax hessian */
			g[1] = Max(2.0 * pr * (1 - pr), 1e-16);
			if (b->w != NULL)
			{
				g[0] *= b->w[r];
				g[1] *= b->w[r];
			}
		}
	}
	return MAAS_POOL_OK;
}

/* Loss of rows list[from..to) into the block's slot */
static int
LossBlock(void *arg, int block, int worker)
{
	Booster    *b = arg;
	const int32 *list = b->n_valid > 0 ? b->valid : b->train;
	int32		n = b->n_valid > 0 ? b->n_valid : b->n_train;
	int32		from = block * ROW_BLOCK;
	int32		to = Min(from + ROW_BLOCK, n);
	int			K = b->K;
	double		loss = 0;

	for (int32 i = from; i < to; i++)
	{
		int32		r = list[i];
		const double *f = b->F + (int64) r * K;
		double		y = b->y[r];

		if (b->task == MAAS_TASK_REGRESSION)
			loss += (f[0] - y) * (f[0] - y);
		else if (b->task == MAAS_TASK_BINARY)
		{
			double		pr = Min(Max(MaasSigmoid(f[0]), 1e-15), 1 - 1e-15);

			loss -= y > 0.5 ? log(pr) : log(1 - pr);
		}
		else
		{
			double		top;
			double		total = MaasSoftmaxTotal(f, K, 1, &top);

			loss -= Max(f[(int) y] - top - log(total), log(1e-15));
		}
	}
	b->block_loss[block] = loss;
	return MAAS_POOL_OK;
}

/* RMSE or mean log loss on the validation rows (or the training rows) */
static double
Loss(Booster *b, bool validation)
{
	int32		saved = b->n_valid;
	int32		n;
	int			blocks;
	double		total = 0;

	if (!validation)
		b->n_valid = 0;
	n = b->n_valid > 0 ? b->n_valid : b->n_train;
	blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
	MaasPoolRun(b->pool, blocks, LossBlock, b);
	b->n_valid = saved;
	for (int i = 0; i < blocks; i++)
		total += b->block_loss[i];
	return b->task == MAAS_TASK_REGRESSION ? sqrt(total / n) : total / n;
}

/* ---- adding a tree to the margins ---- */

/*
 * Rows grown on get their leaf noted, by the ranges of rows of the leaves
 * or at a split of the deepest level (boostgrow.c), in node order; then
 * ApplyGrown adds the leaves' values to the margins in row order.  A random
 * write of a leaf number costs much less than a random update of a margin.
 */

/* The rows of a chunk of a leaf's range: their leaf */
static int
NoteLeaves(void *arg, int task, int worker)
{
	Booster    *b = arg;
	BoostChunk *ch = &b->chunks[task];
	const BoostLeafRange *lf = &b->leaves[ch->node];

	for (int32 i = ch->begin; i < ch->end; i++)
		b->leaf_of[lf->rows[i]] = lf->leaf;
	return MAAS_POOL_OK;
}

/* Rows grown on: their leaf's value into their margin, in row order */
static int
ApplyGrown(void *arg, int block, int worker)
{
	Booster    *b = arg;
	int32		from = block * ROW_BLOCK;
	int32		to = Min(from + ROW_BLOCK, b->m);
	const double *values = b->build.values;
	double	   *F = b->F + b->k;
	int			K = b->K;

	for (int32 i = from; i < to; i++)
	{
		int32		r = b->sample[i];

		F[(int64) r * K] += values[b->leaf_of[r]];
	}
	return MAAS_POOL_OK;
}

/* Whether row r goes left, from its row-major codes (rows not in the records) */
static inline int
GoesLeft(const Booster *b, int32 r, int f, uint32 split, int default_left)
{
	int64		i = (int64) r * b->p + f;

	return BoostCodeGoesLeft(b->codes.wide ? ((const uint16 *) b->codes.data)[i] :
							 ((const uint8 *) b->codes.data)[i], split, default_left);
}

/* Rows not grown on: walk the tree on their codes */
static int
ApplyOthers(void *arg, int block, int worker)
{
	Booster    *b = arg;
	int32		from = block * ROW_BLOCK;
	int32		to = Min(from + ROW_BLOCK, b->n_others);
	const TreeBuildNode *nodes = b->build.nodes;

	for (int32 i = from; i < to; i++)
	{
		int32		r = b->others[i];
		int32		j = 0;

		while (nodes[j].feature >= 0)
			j = GoesLeft(b, r, nodes[j].feature, nodes[j].split, nodes[j].default_left) ?
				nodes[j].left : nodes[j].right;
		b->F[(int64) r * b->K + b->k] += b->build.values[nodes[j].value];
	}
	return MAAS_POOL_OK;
}

/* The tree just grown (class b->k) into every row's margin */
static void
AddTreeToMargins(Booster *b)
{
	BoostChunk *chunks;
	int			n_chunks = 0;

	for (int i = 0; i < b->n_leaves; i++)
		n_chunks += Max(1, (b->leaves[i].end - b->leaves[i].begin + ROW_BLOCK - 1) / ROW_BLOCK);
	chunks = palloc(sizeof(BoostChunk) * n_chunks);
	n_chunks = 0;
	for (int i = 0; i < b->n_leaves; i++)
		for (int32 s = b->leaves[i].begin; s < b->leaves[i].end; s += ROW_BLOCK)
		{
			chunks[n_chunks].node = i;
			chunks[n_chunks].begin = s;
			chunks[n_chunks].end = Min(s + ROW_BLOCK, b->leaves[i].end);
			n_chunks++;
		}
	b->chunks = chunks;
	MaasPoolRun(b->pool, n_chunks, NoteLeaves, b);
	pfree(chunks);
	b->chunks = NULL;
	MaasPoolRun(b->pool, (b->m + ROW_BLOCK - 1) / ROW_BLOCK, ApplyGrown, b);
	MaasPoolRun(b->pool, (b->n_others + ROW_BLOCK - 1) / ROW_BLOCK, ApplyOthers, b);
}

/* ---- setting up ---- */

/* Parameters from the options; ERROR on too many rows */
static void
Configure(Booster *b, const MaasTrainData *data, const BoostOptions *opt)
{
	if (data->m.n_rows > INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("gradient_boosting trains on at most %d rows", INT32_MAX / 2)));
	b->n = data->m.n_rows;
	b->p = data->n_features;
	b->task = data->task;
	b->K = data->task == MAAS_TASK_MULTICLASS ? data->n_classes : 1;
	b->y = MaasTrainY(data);
	b->w = data->weights;
	b->eta = opt->learning_rate;
	b->max_depth = opt->max_depth;
	b->mcw = opt->min_child_weight;
	b->lambda = opt->lambda;
	b->gamma = opt->gamma;
	b->subsample = opt->subsample;
	b->colsample = opt->colsample_bytree;
	b->seed = (uint64) data->seed;
}

/* ERROR before allocating when the model or the working memory would be too big */
static void
CheckSize(const Booster *b, const BoostOptions *opt)
{
	int			code_bytes = b->p * (opt->max_bin > 255 ? 2 : 1);
	int			rec_size = BOOST_REC_CODES + TYPEALIGN(8, code_bytes);
	Size		bytes;

	TreeCheckModelSize("gradient_boosting", (int64) opt->n_estimators * b->K, b->max_depth,
					   b->n, 1, 1);
	/* codes twice, margins, gradients (K > 1), row lists, two buffers of records */
	bytes = mul_size(b->n, add_size(add_size(2 * code_bytes,
											 8 * b->K + (b->K > 1 ? 16 * b->K : 0) + 28),
									mul_size(2, rec_size)));
	MaasCheckMemory(bytes, "gradient_boosting training");
}

/* Hold out validation_fraction of the rows for early stopping, drawn from rng */
static void
HoldOut(Booster *b, const BoostOptions *opt, uint64 *rng)
{
	int			esr = opt->early_stopping_rounds;

	b->train = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(b->n, 1));
	b->valid = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(b->n, 1));
	for (int64 i = 0; i < b->n; i++)
	{
		if (esr > 0 && TreeRandomDouble(rng) < opt->validation_fraction)
			b->valid[b->n_valid++] = (int32) i;
		else
			b->train[b->n_train++] = (int32) i;
	}
	if (esr > 0 && (b->n_valid == 0 || b->n_train == 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("too few rows to hold out a validation set for early stopping"),
				 errhint("Set params \"early_stopping_rounds\" to 0, or train on more rows.")));
}

/*
 * Bins placed on the training rows, codes of every row (row-major for the
 * records, column-major for the partitions), and where each feature's cells
 * are in a histogram
 */
static void
BinRows(Booster *b, const MaasTrainData *data, int max_bin)
{
	TreeMakeBins(b->pool, &data->m, b->p, b->train, b->n_train, max_bin, &b->bins);
	TreeMakeCodesTwice(b->pool, &data->m, b->p, &b->bins, true, &b->codes, &b->columns);
	b->foff = palloc(sizeof(int32) * b->p);
	for (int f = 0; f < b->p; f++)
	{
		if ((int64) b->cells + b->bins.n_bins[f] + 1 > INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many bins: lower params \"max_bin\"")));
		b->foff[f] = b->cells;
		b->cells += b->bins.n_bins[f] + 1;
	}
	/* rows per chunk, which fixes the order of the sums, from the cells used */
	b->chunk = (int32) Max((int64) MIN_CHUNK,
						   (int64) b->n_train * b->cells * 16 / PARTIAL_BUDGET + 1);
	if (!b->codes.wide && (int64) b->p * BOOST_UNIFORM_CELLS <= (int64) b->cells * 5 / 4)
	{
		/* nearly every feature has 255 bins: lay them out BOOST_UNIFORM_CELLS apart */
		b->uniform = true;
		b->cells = b->p * BOOST_UNIFORM_CELLS;
		for (int f = 0; f < b->p; f++)
			b->foff[f] = f * BOOST_UNIFORM_CELLS;
	}
	b->rec_size = BOOST_REC_CODES + TYPEALIGN(8, b->p * (b->codes.wide ? 2 : 1));
}

/* Working memory: margins, gradients, row lists, records, one tree */
static void
AllocWork(Booster *b)
{
	int64		n = b->n;
	int			max_nodes;

	b->F = BigAlloc(sizeof(double) * n * b->K);
	if (b->K > 1)
		b->gh = BigAlloc(sizeof(double) * 2 * n * b->K);
	b->sample = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(b->n_train, 1));
	b->rows_a = BigAlloc(sizeof(int32) * b->n_train);
	b->rows_b = BigAlloc(sizeof(int32) * b->n_train);
	b->rec_a = BigAlloc(mul_size(b->n_train, b->rec_size));
	b->rec_b = BigAlloc(mul_size(b->n_train, b->rec_size));
	b->others = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n, 1));
	b->feats = palloc(sizeof(int) * b->p);
	b->block_loss = palloc(sizeof(double) * (n / ROW_BLOCK + 2));
	max_nodes = (int) Min(ldexp(1.0, b->max_depth + 1) - 1, 2.0 * b->n_train + 1);
	b->build.fixed = true;
	b->build.cap_nodes = max_nodes;
	b->build.cap_values = max_nodes;
	b->build.nodes = palloc(sizeof(TreeBuildNode) * max_nodes);
	b->build.values = palloc(sizeof(double) * max_nodes);
	b->leaves = palloc(sizeof(BoostLeafRange) * max_nodes);
	b->leaf_of = BigAlloc(sizeof(int32) * n);
}

/* ---- rounds ---- */

/*
 * Base margins: the mean, the log-odds of the mean, or log class priors;
 * every row's margin starts there
 */
static void
BaseScores(Booster *b, double *base)
{
	double	   *count = palloc0(sizeof(double) * Max(b->K, 2));
	double		sum = 0;
	double		total = 0;		/* the rows' weight */

	for (int32 i = 0; i < b->n_train; i++)
	{
		double		y = b->y[b->train[i]];
		double		w = b->w ? b->w[b->train[i]] : 1.0;

		sum += w * y;
		total += w;
		if (b->task == MAAS_TASK_MULTICLASS)
			count[(int) y] += w;
	}
	if (!(total > 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the sample weights of the training rows sum to zero")));
	if (b->task == MAAS_TASK_REGRESSION)
		base[0] = sum / total;
	else if (b->task == MAAS_TASK_BINARY)
	{
		double		pr = Min(Max(sum / total, 1e-6), 1 - 1e-6);

		base[0] = log(pr / (1 - pr));
	}
	else
		for (int c = 0; c < b->K; c++)
			base[c] = log(Max(count[c] / total, 1e-6));
	pfree(count);
	for (int64 i = 0; i < b->n; i++)
		memcpy(b->F + i * b->K, base, sizeof(double) * b->K);
}

/* Bernoulli draws of rows for a round, in blocks seeded by (seed, round, block) */
static void
SampleRows(Booster *b, int round)
{
	uint64		rng = 0;

	/* without subsampling every round draws the same rows */
	if (b->subsample >= 1.0 && round > 0)
		return;
	b->m = 0;
	b->n_others = 0;
	for (int32 i = 0; i < b->n_train; i++)
	{
		int32		r = b->train[i];

		if (b->subsample >= 1.0)
			b->sample[b->m++] = r;
		else
		{
			if (i % ROW_BLOCK == 0)
				rng = TreeRandomSeed(b->seed, (uint64) round + 1, (uint64) (i / ROW_BLOCK));
			if (TreeRandomDouble(&rng) < b->subsample)
				b->sample[b->m++] = r;
			else
				b->others[b->n_others++] = r;
		}
	}
	memcpy(b->others + b->n_others, b->valid, sizeof(int32) * b->n_valid);
	b->n_others += b->n_valid;
}

static void
ChooseColumns(Booster *b, uint64 *rng)
{
	int			p = b->p;
	int			want = Max(1, (int) floor(b->colsample * p + 0.5));

	for (int f = 0; f < p; f++)
		b->feats[f] = f;
	if (want >= p)
	{
		b->nf = p;
		return;
	}
	for (int i = 0; i < want; i++)
	{
		int			j = i + (int) TreeRandomBelow(rng, p - i);
		int			t = b->feats[i];

		b->feats[i] = b->feats[j];
		b->feats[j] = t;
	}
	b->nf = want;
	/* ascending, so that ties go to the lowest feature */
	for (int i = 1; i < want; i++)
		for (int j = i; j > 0 && b->feats[j - 1] > b->feats[j]; j--)
		{
			int			t = b->feats[j];

			b->feats[j] = b->feats[j - 1];
			b->feats[j - 1] = t;
		}
}

/* One single-leaf tree of zero per class */
static void
AppendZeroTrees(Booster *b, TreeEnsemble *e)
{
	for (int k = 0; k < b->K; k++)
	{
		int32		id;
		int			off;

		b->build.n_nodes = 0;
		b->build.n_values = 0;
		id = TreeBuildAddNode(&b->build);
		off = TreeBuildAddValues(&b->build, 1);
		b->build.nodes[id].value = off;
		b->build.values[off] = 0;
		TreeEnsembleAppend(e, &b->build);
	}
}

/*
 * One round: softmax gradients (K > 1), the round's rows, and a tree per
 * class, each added to the margins.  False when no row was drawn.
 */
static bool
BoostRound(Booster *b, TreeEnsemble *e, int round, uint64 *rng)
{
	/* (one tree per round: the root's histogram pass computes them) */
	if (b->K > 1)
		MaasPoolRun(b->pool, (b->n_train + ROW_BLOCK - 1) / ROW_BLOCK, GradientBlock, b);
	SampleRows(b, round);
	if (b->m == 0)
	{
		/* nothing drawn: this round's trees are single leaves of zero */
		AppendZeroTrees(b, e);
		return false;
	}
	for (b->k = 0; b->k < b->K; b->k++)
	{
		ChooseColumns(b, rng);
		if (b->K > 1)
			b->ghk = b->gh + 2 * (int64) b->k * b->n;
		BoostGrowTree(b);
		TreeEnsembleAppend(e, &b->build);
		AddTreeToMargins(b);
	}
	return true;
}

/* What early stopping needs to cut the model back to its best round */
typedef struct RoundLog
{
	int32	   *nodes;			/* [r + 1]: the ensemble's nodes after round r */
	int32	   *values;			/* [r + 1]: and its leaf values */
	double		best_loss;		/* the best validation loss */
	int			best_round;		/* its round, -1 before the first */
} RoundLog;

/*
 * After round r: whether early stopping ends the fit.  Progress NOTICEs
 * show the validation loss, or without early stopping the training loss.
 */
static bool
StopEarly(Booster *b, RoundLog *log, int r, const BoostOptions *opt, MaasProgress *progress)
{
	const char *metric = b->task == MAAS_TASK_REGRESSION ? "rmse" : "logloss";
	double		loss;

	if (opt->early_stopping_rounds == 0)
	{
		/* the training loss costs a pass over the rows: only when kept */
		MaasProgressStep(progress, r + 1, opt->n_estimators,
						 MaasProgressWantsCurve(progress) ? Loss(b, false) : NAN);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("gradient_boosting: round %d/%d, training %s %.6g",
							r + 1, opt->n_estimators, metric, Loss(b, false))));
		return false;
	}
	loss = Loss(b, true);
	MaasProgressStep(progress, r + 1, opt->n_estimators, loss);
	if (loss < log->best_loss)
	{
		log->best_loss = loss;
		log->best_round = r;
	}
	if (MaasProgressDue(progress))
		ereport(NOTICE,
				(errmsg("gradient_boosting: round %d/%d, validation %s %.6g",
						r + 1, opt->n_estimators, metric, loss)));
	return r - log->best_round >= opt->early_stopping_rounds;
}

/* With early stopping, only the best round's trees; the losses */
static void
FinishModel(Booster *b, TreeEnsemble *e, const RoundLog *log, int esr)
{
	if (esr > 0 && log->best_round >= 0 && log->best_round + 1 < e->rounds_trained)
	{
		e->n_trees = (log->best_round + 1) * b->K;
		e->n_nodes = log->nodes[log->best_round + 1];
		e->n_leaf_values = log->values[log->best_round + 1];
		e->root[e->n_trees] = e->n_nodes;
	}
	e->rounds = e->n_trees / b->K;
	if (esr > 0)
	{
		e->valid_loss = log->best_loss;
		/* training loss of the kept trees is not tracked separately */
		e->train_loss = NAN;
	}
	else
		e->train_loss = Loss(b, false);
}

static void *
BoostFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const BoostOptions *opt = options;
	int			rounds = opt->n_estimators;
	Booster		b;
	TreeEnsemble *e;
	RoundLog	log;
	uint64		rng;

	memset(&b, 0, sizeof(b));
	Configure(&b, data, opt);
	rng = TreeRandomSeed(b.seed, 0, 0);
	CheckSize(&b, opt);
	HoldOut(&b, opt, &rng);
	b.pool = MaasPoolStart(TreeThreads(b.n * b.p * (int64) rounds / 16));
	BinRows(&b, data, opt->max_bin);
	AllocWork(&b);
	e = TreeEnsembleNew(TREE_KIND_BOOST, 1, b.K);
	BaseScores(&b, e->base);

	log.nodes = palloc0(sizeof(int32) * (rounds + 1));
	log.values = palloc0(sizeof(int32) * (rounds + 1));
	log.best_loss = INFINITY;
	log.best_round = -1;
	for (int r = 0; r < rounds; r++)
	{
		bool		grown;

		/* a round can take a while */
		CHECK_FOR_INTERRUPTS();
		grown = BoostRound(&b, e, r, &rng);
		log.nodes[r + 1] = e->n_nodes;
		log.values[r + 1] = e->n_leaf_values;
		e->rounds_trained = r + 1;
		if (grown && StopEarly(&b, &log, r, opt, progress))
			break;
	}
	FinishModel(&b, e, &log, opt->early_stopping_rounds);
	MaasPoolStop(b.pool);
	TreeEnsembleFinish(e);
	return e;
}

/* maas_import of gradient_boosting's formats */
void
TreeImport(const char *format, const char *data, int64 len, MaasImported *out)
{
	TreeEnsemble *e;

	if (strcmp(format, "xgboost") == 0)
		e = TreeImportXgboost(data, len, out);
	else
		e = TreeImportLightgbm(data, len, out);
	if (e->n_trees < 1)
		TreeImportFail(format, "The model has no trees.");
	e->rounds = e->rounds_trained = e->n_trees / e->n_groups;
	TreeEnsembleFinish(e);
	out->state = e;
}

const MaasAlgorithm maas_gradient_boosting = {
	.name = "gradient_boosting",
	.id = 5,
	.params = boost_params,
	.options_size = sizeof(BoostOptions),
	.fit = BoostFit,
	TREE_ALGORITHM_SHARED,
	.imports = "xgboost,lightgbm",
	.import = TreeImport,
	.takes_weights = true,
	.exports = "xgboost,onnx",
	.export_model = TreeExport,
};
