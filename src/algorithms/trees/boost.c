/*
 * tree_boost.c
 *	  gradient_boosting: second-order gradient boosted trees on feature
 *	  histograms, as XGBoost's "hist" method (Chen & Guestrin 2016,
 *	  https://arxiv.org/abs/1603.02754) and LightGBM grow them.
 *
 * Features are binned once (tree_bins.c) into row-major codes.  Each round
 * computes gradient and hessian of every sampled row (squared error,
 * logistic, or softmax with one tree per class), then grows each tree level
 * by level:
 *	- the root's pass copies each sampled row into a record (its gradient
 *	  pair and codes, 32 bytes for 16 features), and computes the gradients
 *	  when there is one tree per round;
 *	- gradient/hessian histograms of the nodes of a level are built in
 *	  fixed-size row chunks (partial histograms summed in chunk order), only
 *	  for the smaller child of each split; the sibling is parent - child
 *	  (histogram subtraction);
 *	- each node's best split maximizes
 *		GL^2/(HL+lambda) + GR^2/(HR+lambda) - G^2/(H+lambda)
 *	  over the cuts of the tree's columns, trying missing values on either
 *	  side (the better becomes the node's default direction);
 *	- records are partitioned stably, chunk by chunk, into the other of two
 *	  buffers, so a node's rows are always one contiguous range of records
 *	  and every pass streams through memory;
 *	- splits of the deepest level note their rows' leaves directly, other
 *	  leaves note theirs by their ranges of rows; then each row's leaf
 *	  value is added to its margin in row order.
 * Leaves get -G/(H+lambda) * learning_rate.  Every step is split into tasks
 * by data size only and reduced in a fixed order, so models do not depend
 * on maas.threads.  The backend's thread checks for interrupts between
 * steps and reports progress.
 *
 * Early stopping holds out validation_fraction of the rows and keeps the
 * trees of the round with the best validation loss once
 * early_stopping_rounds rounds brought no improvement.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <sys/mman.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

#define ROW_BLOCK		65536	/* rows per gradient / update task */
#define MIN_CHUNK		16384	/* rows per histogram / partition task */
#define PARTIAL_BUDGET	(64 * 1024 * 1024)
#define SLICE_CELLS		1024	/* histogram cells per reduce task */
#define RT_EPS			1e-6	/* smallest loss change worth a split (XGBoost's kRtEps) */
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

/* A node of the level being grown */
typedef struct GNode
{
	int32		id;				/* in the tree being built */
	int32		begin;			/* rows in the current buffer */
	int32		end;
	int			depth;
	double		G;
	double		H;
	double	   *hist;			/* NULL when not needed */
	/* the split found */
	double		gain;
	int			feature;
	int			split;
	bool		default_left;
	double		GL;
	double		HL;
	int32		nl;				/* rows going left */
	int32		leaf_left;		/* last level: the children's leaf values */
	int32		leaf_right;
	int			first_chunk;	/* partition and histogram chunks */
	int			n_chunks;
	double	   *partials;		/* n_chunks histograms when > 1 */
} GNode;

/* A chunk of a node's rows */
typedef struct Chunk
{
	int			node;
	int32		begin;
	int32		end;
	int32		count;			/* partition: rows going left */
	int32		left_at;		/* partition: where its left rows go */
	int32		right_at;
} Chunk;

/* A leaf and where its rows are */
typedef struct LeafRange
{
	const int32 *rows;
	int32		begin;
	int32		end;
	int32		leaf;			/* its value's offset in the tree's values */
} LeafRange;

/*
 * A row record: gradient and hessian of the tree being grown, then the
 * row's codes (uint8 or uint16), padded to 8 bytes.  The rows of a node
 * are a contiguous range of records, so building its histogram and
 * partitioning it stream through memory instead of gathering by row.
 */
#define REC_CODES		16		/* offset of the codes */
#define UNIFORM_CELLS	256		/* histogram cells per feature, uint8 codes */

/* A gradient and hessian pair, added to a histogram cell at once */
typedef double GradPair __attribute__((vector_size(16), aligned(8)));

typedef struct Booster
{
	/* data */
	TreeCodes	codes;			/* row-major */
	TreeCodes	columns;		/* the same, column-major: where rows go */
	TreeBins	bins;
	int64		n;
	int			p;
	int			K;				/* trees per round */
	MaasTask	task;
	const double *y;
	int32	   *train;			/* training rows, ascending */
	int32		n_train;
	int32	   *valid;			/* validation rows */
	int32		n_valid;
	double	   *F;				/* n x K margins */
	double	   *gh;				/* K > 1: K x n x 2 gradient, hessian */
	int32	   *foff;			/* per feature: first histogram cell */
	int32		cells;
	bool		uniform;		/* foff[f] is f * UNIFORM_CELLS */
	int			rec_size;		/* bytes per record */
	/* params */
	double		eta;
	int			max_depth;
	double		mcw;
	double		lambda;
	double		gamma;
	double		subsample;
	double		colsample;
	uint64		seed;
	/* per round / tree */
	int32	   *sample;			/* the round's sampled rows */
	int32	   *rows_a;			/* partition buffers: row numbers */
	int32	   *rows_b;
	char	   *rec_a;			/* and their records */
	char	   *rec_b;
	int32		m;				/* sampled rows */
	int32	   *others;			/* training rows not sampled, then validation rows */
	int32		n_others;
	int		   *feats;			/* the tree's columns */
	int			nf;
	int			k;				/* class of the tree */
	const double *ghk;			/* K > 1: gh of class k */
	int32		chunk;			/* rows per chunk */
	/* a level */
	GNode	   *nodes;
	int			n_nodes;
	Chunk	   *chunks;
	int			n_chunks;
	bool		root_pass;		/* histograms of the root: write the records */
	const int32 *src;			/* buffer the level's rows are in */
	int32	   *dst;
	char	   *rsrc;			/* the same for records */
	char	   *rdst;
	/* leaves */
	LeafRange  *leaves;
	int32	   *leaf_of;		/* per row grown on: its leaf (LeafRange.leaf) */
	int			n_leaves;
	TreeBuild	build;
	/* losses: per block partial sums */
	double	   *block_loss;
	double	   *block_weight;
	MaasPool   *pool;
} Booster;

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

/* Gradient and hessian of row r with one tree per round (squared error, logistic) */
static inline GradPair
RowGradient(const Booster *b, int32 r)
{
	double		f = b->F[r];
	double		y = b->y[r];
	GradPair	gh;

	if (b->task == MAAS_TASK_REGRESSION)
	{
		gh[0] = f - y;
		gh[1] = 1.0;
	}
	else
	{
		double		pr = MaasSigmoid(f);

		gh[0] = pr - y;
		gh[1] = Max(pr * (1 - pr), 1e-16);
	}
	return gh;
}

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

/* ---- histograms ---- */

/* The same for every feature of uint8 codes in the uniform layout */
static pg_attribute_always_inline void
HistAddUniform(double *hist, int p, const uint8 *c, GradPair gh)
{
	const int	step = 2 * UNIFORM_CELLS;
	int			f = 0;

	for (; f + 4 <= p; f += 4, hist += 4 * step)
	{
		*(GradPair *) (hist + 2 * c[f]) += gh;
		*(GradPair *) (hist + step + 2 * c[f + 1]) += gh;
		*(GradPair *) (hist + 2 * step + 2 * c[f + 2]) += gh;
		*(GradPair *) (hist + 3 * step + 2 * c[f + 3]) += gh;
	}
	for (; f < p; f++, hist += step)
		*(GradPair *) (hist + 2 * c[f]) += gh;
}

/* Add one row's gradient pair to the cells of its codes */
static pg_attribute_always_inline void
HistAdd(double *hist, const int32 *foff, const int *feats, int nf, int p,
		const char *codes, bool wide, GradPair gh)
{
	if (!wide)
	{
		const uint8 *c = (const uint8 *) codes;

		if (nf == p)
			for (int f = 0; f < p; f++)
				*(GradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
		else
			for (int j = 0; j < nf; j++)
			{
				int			f = feats[j];

				*(GradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
			}
	}
	else
	{
		const uint16 *c = (const uint16 *) codes;

		for (int j = 0; j < nf; j++)
		{
			int			f = feats[j];

			*(GradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
		}
	}
}

/* Histogram of records from..to of the level's buffer */
static void
HistRows(const Booster *b, int32 from, int32 to, double *hist)
{
	int			size = b->rec_size;
	const char *rec = b->rsrc + (int64) from * size;
	const int32 *foff = b->foff;
	const int  *feats = b->feats;
	int			nf = b->nf;
	int			p = b->p;

	/* (locals: the compiler cannot tell the histogram from b) */
	if (b->uniform && nf == p && p == 16)
		for (int32 i = from; i < to; i++, rec += size)
			HistAddUniform(hist, 16, (const uint8 *) rec + REC_CODES, *(const GradPair *) rec);
	else if (b->uniform && nf == p)
		for (int32 i = from; i < to; i++, rec += size)
			HistAddUniform(hist, p, (const uint8 *) rec + REC_CODES, *(const GradPair *) rec);
	else if (!b->codes.wide)
		for (int32 i = from; i < to; i++, rec += size)
			HistAdd(hist, foff, feats, nf, p, rec + REC_CODES, false, *(const GradPair *) rec);
	else
		for (int32 i = from; i < to; i++, rec += size)
			HistAdd(hist, foff, feats, nf, p, rec + REC_CODES, true, *(const GradPair *) rec);
}

/*
 * The root's histogram from the sampled rows (rows from..to of the sample),
 * writing their records on the way; with one tree per round this is also
 * where the gradients are computed.
 */
static pg_attribute_always_inline void
RootRows(const Booster *b, int32 from, int32 to, double *hist, int code_bytes, bool uniform)
{
	int			size = b->rec_size;
	const char *codes = b->codes.data;
	const int32 *sample = b->sample;
	int32	   *rows = b->rows_a;
	char	   *rec = b->rec_a + (int64) from * size;
	bool		wide = b->codes.wide;
	bool		one = b->K == 1;
	const int32 *foff = b->foff;
	const int  *feats = b->feats;
	int			nf = b->nf;
	int			p = b->p;

	for (int32 i = from; i < to; i++, rec += size)
	{
		int32		r = sample[i];
		const char *c = codes + (int64) r * code_bytes;
		GradPair	gh = one ? RowGradient(b, r) : *(const GradPair *) (b->ghk + 2 * (int64) r);

		*(GradPair *) rec = gh;
		memcpy(rec + REC_CODES, c, code_bytes);
		rows[i] = r;
		if (uniform)
			HistAddUniform(hist, code_bytes, (const uint8 *) c, gh);
		else if (!wide)
			HistAdd(hist, foff, feats, nf, p, c, false, gh);
		else
			HistAdd(hist, foff, feats, nf, p, c, true, gh);
	}
}

static void
HistRootRows(const Booster *b, int32 from, int32 to, double *hist)
{
	int			code_bytes = b->p * (b->codes.wide ? 2 : 1);

	/* 16 features of uint8 codes: a copy and a loop of known sizes */
	if (b->uniform && b->nf == b->p && code_bytes == 16)
		RootRows(b, from, to, hist, 16, true);
	else if (b->uniform && b->nf == b->p)
		RootRows(b, from, to, hist, code_bytes, true);
	else
		RootRows(b, from, to, hist, code_bytes, false);
}

static int
HistChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	Chunk	   *ch = &b->chunks[task];
	GNode	   *nd = &b->nodes[ch->node];
	double	   *hist = nd->n_chunks > 1 ?
		nd->partials + (int64) (task - nd->first_chunk) * 2 * b->cells : nd->hist;

	memset(hist, 0, sizeof(double) * 2 * b->cells);
	if (b->root_pass)
		HistRootRows(b, ch->begin, ch->end, hist);
	else
		HistRows(b, ch->begin, ch->end, hist);
	return MAAS_POOL_OK;
}

/* Sum a node's partial histograms, in chunk order, one slice of cells */
typedef struct SliceJob
{
	Booster    *b;
	int		   *node;			/* per task */
	int		   *slice;
	GNode	   *parents;		/* subtraction: parent of each node, or NULL */
	int		   *sibling;		/* subtraction: the built sibling */
} SliceJob;

static int
ReduceSlice(void *arg, int task, int worker)
{
	SliceJob   *job = arg;
	Booster    *b = job->b;
	GNode	   *nd = &b->nodes[job->node[task]];
	int64		from = (int64) job->slice[task] * SLICE_CELLS * 2;
	int64		to = Min(from + SLICE_CELLS * 2, (int64) b->cells * 2);

	/* partial by partial, each streamed: every cell still sums them in order */
	for (int64 i = from; i < to; i++)
		nd->hist[i] = 0;
	for (int c = 0; c < nd->n_chunks; c++)
	{
		const double *part = nd->partials + (int64) c * 2 * b->cells;

		for (int64 i = from; i < to; i++)
			nd->hist[i] += part[i];
	}
	return MAAS_POOL_OK;
}

static int
SubtractSlice(void *arg, int task, int worker)
{
	SliceJob   *job = arg;
	Booster    *b = job->b;
	int			node = job->node[task];
	GNode	   *nd = &b->nodes[node];
	const double *parent = job->parents[node].hist;
	const double *sib = b->nodes[job->sibling[node]].hist;
	int64		from = (int64) job->slice[task] * SLICE_CELLS * 2;
	int64		to = Min(from + SLICE_CELLS * 2, (int64) b->cells * 2);

	for (int64 i = from; i < to; i++)
		nd->hist[i] = parent[i] - sib[i];
	return MAAS_POOL_OK;
}

/* ---- splits ---- */

static inline double
Score(double G, double H, double lambda)
{
	return G * G / (H + lambda);
}

static int
FindSplitTask(void *arg, int node, int worker)
{
	Booster    *b = arg;
	GNode	   *nd = &b->nodes[node];
	double		G = nd->G;
	double		H = nd->H;
	double		lambda = b->lambda;
	double		mcw = b->mcw;
	double		parent = Score(G, H, lambda);

	nd->gain = -INFINITY;
	nd->feature = -1;
	if (nd->hist == NULL)
		return MAAS_POOL_OK;
	for (int j = 0; j < b->nf; j++)
	{
		int			f = b->feats[j];
		int			nb = b->bins.n_bins[f];
		const double *h = nd->hist + 2 * (int64) b->foff[f];
		double		GM = h[0];
		double		HM = h[1];
		bool		has_missing = HM > 0;
		double		GL = 0;
		double		HL = 0;

		for (int s = 0; s <= nb; s++)
		{
			if (s > 0)
			{
				GL += h[2 * s];
				HL += h[2 * s + 1];
			}
			/* missing right (or none) */
			if (s > 0 && (s < nb || has_missing))
			{
				double		GR = G - GL;
				double		HR = H - HL;

				if (HL >= mcw && HR >= mcw)
				{
					double		gain = Score(GL, HL, lambda) + Score(GR, HR, lambda) - parent;

					if (gain > nd->gain)
					{
						nd->gain = gain;
						nd->feature = f;
						nd->split = s;
						nd->default_left = has_missing ? false : HL >= HR;
						nd->GL = GL;
						nd->HL = HL;
					}
				}
			}
			/* missing left */
			if (has_missing && s < nb)
			{
				double		gl = GL + GM;
				double		hl = HL + HM;
				double		GR = G - gl;
				double		HR = H - hl;

				if (hl >= mcw && HR >= mcw)
				{
					double		gain = Score(gl, hl, lambda) + Score(GR, HR, lambda) - parent;

					if (gain > nd->gain)
					{
						nd->gain = gain;
						nd->feature = f;
						nd->split = s;
						nd->default_left = true;
						nd->GL = gl;
						nd->HL = hl;
					}
				}
			}
		}
	}
	return MAAS_POOL_OK;
}

/* ---- partition ---- */

/*
 * Whether a code goes left, without a branch: near the root the direction
 * is a coin flip.  Code 0 (missing) takes the default way; codes 1..split
 * go left.
 */
static pg_attribute_always_inline int
CodeGoesLeft(uint32 code, uint32 split, int default_left)
{
	return (code - 1 < split) | ((code == 0) & default_left);
}

static pg_attribute_always_inline int
RecordGoesLeft(const char *rec, int f, bool wide, uint32 split, int default_left)
{
	return CodeGoesLeft(wide ? ((const uint16 *) (rec + REC_CODES))[f] :
						((const uint8 *) (rec + REC_CODES))[f], split, default_left);
}

/*
 * Whether row r goes left, from the split feature's column: a column is
 * small enough to stay in cache, where the records would all be read again
 */
static pg_attribute_always_inline int
ColumnGoesLeft(const void *column, bool wide, int32 r, uint32 split, int default_left)
{
	return CodeGoesLeft(wide ? ((const uint16 *) column)[r] : ((const uint8 *) column)[r],
						split, default_left);
}

/* Whether row r goes left, from its row-major codes (rows not in the records) */
static inline int
GoesLeft(const Booster *b, int32 r, int f, uint32 split, int default_left)
{
	int64		i = (int64) r * b->p + f;

	return CodeGoesLeft(b->codes.wide ? ((const uint16 *) b->codes.data)[i] :
						((const uint8 *) b->codes.data)[i], split, default_left);
}

/* The column of feature f */
static inline const void *
Column(const Booster *b, int f)
{
	return (const char *) b->columns.data + (int64) f * b->n * (b->columns.wide ? 2 : 1);
}

static int
CountChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	Chunk	   *ch = &b->chunks[task];
	const GNode *nd = &b->nodes[ch->node];
	const void *column = Column(b, nd->feature);
	bool		wide = b->columns.wide;
	int32		count = 0;

	for (int32 i = ch->begin; i < ch->end; i++)
		count += ColumnGoesLeft(column, wide, b->src[i], nd->split, nd->default_left);
	ch->count = count;
	return MAAS_POOL_OK;
}

/*
 * Stable partition of n records and their row numbers into to and to_rows:
 * the rows going left from position l on, the others from r on
 */
static pg_attribute_always_inline void
ScatterRecords(const char *rec, const int32 *rows, int32 n, int size, int f, bool wide,
			   uint32 split, int dl, char *to, int32 *to_rows, int32 l, int32 r)
{
	for (int32 i = 0; i < n; i++, rec += size)
	{
		int			left = RecordGoesLeft(rec, f, wide, split, dl);
		int32		at = left ? l : r;

		/* fixed sizes for the common widths, so that the copy is inline */
		if (size == 32)
			memcpy(to + (int64) at * 32, rec, 32);
		else if (size == 24)
			memcpy(to + (int64) at * 24, rec, 24);
		else
			memcpy(to + (int64) at * size, rec, size);
		to_rows[at] = rows[i];
		l += left;
		r += 1 - left;
	}
}

static int
ScatterChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	Chunk	   *ch = &b->chunks[task];
	const GNode *nd = &b->nodes[ch->node];
	int			size = b->rec_size;
	const char *rec = b->rsrc + (int64) ch->begin * size;
	const int32 *rows = b->src + ch->begin;
	int32		n = ch->end - ch->begin;

	if (b->codes.wide)
		ScatterRecords(rec, rows, n, size, nd->feature, true, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	else if (size == 32)
		ScatterRecords(rec, rows, n, 32, nd->feature, false, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	else
		ScatterRecords(rec, rows, n, size, nd->feature, false, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	return MAAS_POOL_OK;
}

/* Chunks of the rows of the nodes selected by want[] */
static void
MakeChunks(Booster *b, const bool *want)
{
	int			n = 0;

	for (int i = 0; i < b->n_nodes; i++)
		if (want[i])
			n += Max(1, (b->nodes[i].end - b->nodes[i].begin + b->chunk - 1) / b->chunk);
	b->chunks = palloc(sizeof(Chunk) * Max(n, 1));
	b->n_chunks = 0;
	for (int i = 0; i < b->n_nodes; i++)
	{
		GNode	   *nd = &b->nodes[i];

		nd->first_chunk = b->n_chunks;
		nd->n_chunks = 0;
		if (!want[i])
			continue;
		for (int32 s = nd->begin; s < nd->end || s == nd->begin; s += b->chunk)
		{
			Chunk	   *ch = &b->chunks[b->n_chunks++];

			ch->node = i;
			ch->begin = s;
			ch->end = Min(s + b->chunk, nd->end);
			nd->n_chunks++;
			if (ch->end >= nd->end)
				break;
		}
	}
}

/* ---- tree application ---- */

/*
 * Rows grown on get their leaf noted, by the ranges of rows of the leaves
 * or at a split of the deepest level, in node order; then ApplyGrown adds
 * the leaves' values to the margins in row order.  A random write of a
 * leaf number costs much less than a random update of a margin.
 */
static int
NoteLeaves(void *arg, int task, int worker)
{
	Booster    *b = arg;
	Chunk	   *ch = &b->chunks[task];
	const LeafRange *lf = &b->leaves[ch->node];

	for (int32 i = ch->begin; i < ch->end; i++)
		b->leaf_of[lf->rows[i]] = lf->leaf;
	return MAAS_POOL_OK;
}

/* Splits of the deepest level: their children are leaves, no need to partition */
static int
NoteLastSplit(void *arg, int task, int worker)
{
	Booster    *b = arg;
	Chunk	   *ch = &b->chunks[task];
	const GNode *nd = &b->nodes[ch->node];
	const void *column = Column(b, nd->feature);
	bool		wide = b->columns.wide;
	const int32 *rows = b->src;
	int32		leaf[2] = {nd->leaf_right, nd->leaf_left};

	for (int32 i = ch->begin; i < ch->end; i++)
	{
		int32		r = rows[i];

		b->leaf_of[r] = leaf[ColumnGoesLeft(column, wide, r, nd->split, nd->default_left)];
	}
	return MAAS_POOL_OK;
}

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

/* ---- growing one tree ---- */

static double *
AllocHists(Booster *b, int count)
{
	Size		bytes = mul_size(mul_size(count, b->cells), 2 * sizeof(double));

	MaasCheckMemory(bytes, "gradient_boosting histograms");
	return MemoryContextAllocHuge(CurrentMemoryContext, Max(bytes, 1));
}

/* Histograms of the nodes with want[] set; sums of G and H if totals */
static void
BuildHists(Booster *b, const bool *want)
{
	SliceJob	job;
	int			n_tasks = 0;
	int			slices = (b->cells + SLICE_CELLS - 1) / SLICE_CELLS;

	MakeChunks(b, want);
	for (int i = 0; i < b->n_nodes; i++)
	{
		GNode	   *nd = &b->nodes[i];

		nd->partials = NULL;
		if (want[i] && nd->n_chunks > 1)
		{
			nd->partials = AllocHists(b, nd->n_chunks);
			n_tasks += slices;
		}
	}
	MaasPoolRun(b->pool, b->n_chunks, HistChunk, b);
	if (n_tasks > 0)
	{
		job.b = b;
		job.node = palloc(sizeof(int) * n_tasks);
		job.slice = palloc(sizeof(int) * n_tasks);
		n_tasks = 0;
		for (int i = 0; i < b->n_nodes; i++)
			if (b->nodes[i].partials != NULL)
				for (int s = 0; s < slices; s++)
				{
					job.node[n_tasks] = i;
					job.slice[n_tasks++] = s;
				}
		MaasPoolRun(b->pool, n_tasks, ReduceSlice, &job);
		pfree(job.node);
		pfree(job.slice);
		for (int i = 0; i < b->n_nodes; i++)
			if (b->nodes[i].partials != NULL)
			{
				pfree(b->nodes[i].partials);
				b->nodes[i].partials = NULL;
			}
	}
	pfree(b->chunks);
	b->chunks = NULL;
}

/* A leaf and its value's offset; rows: where its rows are, NULL when noted already */
static int32
NewLeaf(Booster *b, int32 id, const int32 *rows, int32 begin, int32 end, double G, double H)
{
	TreeBuildNode *nd = &b->build.nodes[id];
	double		value = H + b->lambda > 0 ? -G / (H + b->lambda) * b->eta : 0;
	int			off = TreeBuildAddValues(&b->build, 1);

	nd->feature = -1;
	nd->cover = H;
	nd->value = off;
	b->build.values[off] = value;
	if (rows != NULL)
	{
		b->leaves[b->n_leaves].rows = rows;
		b->leaves[b->n_leaves].begin = begin;
		b->leaves[b->n_leaves].end = end;
		b->leaves[b->n_leaves].leaf = off;
		b->n_leaves++;
	}
	return off;
}

static void
GrowTree(Booster *b)
{
	bool	   *want;
	int			slices = (b->cells + SLICE_CELLS - 1) / SLICE_CELLS;
	int32		root;

	b->build.n_nodes = 0;
	b->build.n_values = 0;
	b->build.depth = 0;
	b->n_leaves = 0;
	root = TreeBuildAddNode(&b->build);

	/* the root: its histogram pass writes the records into buffer a */
	b->src = b->rows_a;
	b->dst = b->rows_b;
	b->rsrc = b->rec_a;
	b->rdst = b->rec_b;
	b->nodes = palloc0(sizeof(GNode));
	b->n_nodes = 1;
	b->nodes[0].id = root;
	b->nodes[0].begin = 0;
	b->nodes[0].end = b->m;
	b->nodes[0].hist = AllocHists(b, 1);
	want = palloc(sizeof(bool));
	want[0] = true;
	b->root_pass = true;
	BuildHists(b, want);
	b->root_pass = false;
	pfree(want);
	{
		/* G and H from the first column's bins: every row is in one */
		int			f = b->feats[0];
		const double *h = b->nodes[0].hist + 2 * (int64) b->foff[f];

		for (int s = 0; s <= b->bins.n_bins[f]; s++)
		{
			b->nodes[0].G += h[2 * s];
			b->nodes[0].H += h[2 * s + 1];
		}
	}

	for (int depth = 0; b->n_nodes > 0; depth++)
	{
		GNode	   *level = b->nodes;
		int			n_level = b->n_nodes;
		GNode	   *next;
		int			n_next = 0;
		bool	   *split;
		int			n_split = 0;
		bool		last = depth + 1 >= b->max_depth;

		/* growing a level can take a while */
		CHECK_FOR_INTERRUPTS();
		if (depth < b->max_depth)
			MaasPoolRun(b->pool, n_level, FindSplitTask, b);
		split = palloc0(sizeof(bool) * n_level);
		for (int i = 0; i < n_level; i++)
		{
			GNode	   *nd = &level[i];

			if (depth < b->max_depth && nd->feature >= 0 && nd->gain > RT_EPS &&
				nd->gain >= b->gamma)
			{
				split[i] = true;
				n_split++;
			}
			else
				NewLeaf(b, nd->id, b->src, nd->begin, nd->end, nd->G, nd->H);
		}
		if (n_split == 0)
		{
			/* the level's histograms live in one allocation: the first */
			if (level[0].hist)
				pfree(level[0].hist);
			pfree(split);
			pfree(level);
			b->nodes = NULL;
			b->n_nodes = 0;
			break;
		}
		b->build.depth = depth + 1;

		if (!last)
		{
			/* partition the rows of split nodes into the other buffer */
			MakeChunks(b, split);
			MaasPoolRun(b->pool, b->n_chunks, CountChunk, b);
			for (int i = 0; i < n_level; i++)
			{
				GNode	   *nd = &level[i];
				int32		left = 0;

				if (!split[i])
					continue;
				for (int c = nd->first_chunk; c < nd->first_chunk + nd->n_chunks; c++)
					left += b->chunks[c].count;
				nd->nl = left;
				left = nd->begin;
				{
					int32		right = nd->begin + nd->nl;

					for (int c = nd->first_chunk; c < nd->first_chunk + nd->n_chunks; c++)
					{
						b->chunks[c].left_at = left;
						b->chunks[c].right_at = right;
						left += b->chunks[c].count;
						right += (b->chunks[c].end - b->chunks[c].begin) - b->chunks[c].count;
					}
				}
			}
			MaasPoolRun(b->pool, b->n_chunks, ScatterChunk, b);
			pfree(b->chunks);
			b->chunks = NULL;
		}

		/* the children */
		next = palloc0(sizeof(GNode) * 2 * n_split);
		for (int i = 0; i < n_level; i++)
		{
			GNode	   *nd = &level[i];
			TreeBuildNode *tn;
			int32		l;
			int32		r;

			if (!split[i])
				continue;
			l = TreeBuildAddNode(&b->build);
			r = TreeBuildAddNode(&b->build);
			tn = &b->build.nodes[nd->id];
			tn->feature = nd->feature;
			tn->split = nd->split;
			tn->default_left = nd->default_left;
			tn->threshold = TreeCutThreshold(&b->bins, nd->feature, nd->split);
			tn->gain = nd->gain;
			tn->cover = nd->H;
			tn->left = l;
			tn->right = r;
			next[n_next].id = l;
			next[n_next].begin = nd->begin;
			next[n_next].end = nd->begin + nd->nl;
			next[n_next].G = nd->GL;
			next[n_next].H = nd->HL;
			next[n_next + 1].id = r;
			next[n_next + 1].begin = nd->begin + nd->nl;
			next[n_next + 1].end = nd->end;
			next[n_next + 1].G = nd->G - nd->GL;
			next[n_next + 1].H = nd->H - nd->HL;
			n_next += 2;
		}

		if (last)
		{
			/*
			 * children at the deepest level are leaves: note them for the
			 * rows where they are, unpartitioned
			 */
			for (int i = 0, pi = 0; i < n_next; i += 2, pi++)
			{
				while (!split[pi])
					pi++;
				level[pi].leaf_left = NewLeaf(b, next[i].id, NULL, 0, 0, next[i].G, next[i].H);
				level[pi].leaf_right = NewLeaf(b, next[i + 1].id, NULL, 0, 0,
												next[i + 1].G, next[i + 1].H);
			}
			MakeChunks(b, split);
			MaasPoolRun(b->pool, b->n_chunks, NoteLastSplit, b);
			pfree(b->chunks);
			b->chunks = NULL;
			if (level[0].hist)
				pfree(level[0].hist);
			pfree(split);
			pfree(level);
			pfree(next);
			b->nodes = NULL;
			b->n_nodes = 0;
			break;
		}

		/* the children's rows are in the other buffers now */
		{
			const int32 *tmp = b->src;
			char	   *rtmp = b->rsrc;

			b->src = b->dst;
			b->dst = (int32 *) tmp;
			b->rsrc = b->rdst;
			b->rdst = rtmp;
		}

		/* histograms: build the smaller child, subtract for its sibling */
		{
			bool	   *build = palloc0(sizeof(bool) * n_next);
			int		   *sibling = palloc(sizeof(int) * n_next);
			GNode	   *parents = palloc(sizeof(GNode) * n_next);
			double	   *mem = AllocHists(b, n_next);
			SliceJob	job;
			int			n_tasks = 0;

			for (int i = 0, pi = 0; i < n_next; i += 2, pi++)
			{
				int32		nl = next[i].end - next[i].begin;
				int32		nr = next[i + 1].end - next[i + 1].begin;
				int			small = nl <= nr ? i : i + 1;

				while (!split[pi])
					pi++;
				next[i].hist = mem + (int64) i * 2 * b->cells;
				next[i + 1].hist = mem + (int64) (i + 1) * 2 * b->cells;
				build[small] = true;
				sibling[i] = i + 1;
				sibling[i + 1] = i;
				parents[i] = level[pi];
				parents[i + 1] = level[pi];
			}
			b->nodes = next;
			b->n_nodes = n_next;
			BuildHists(b, build);
			job.b = b;
			job.node = palloc(sizeof(int) * n_next / 2 * slices);
			job.slice = palloc(sizeof(int) * n_next / 2 * slices);
			job.parents = parents;
			job.sibling = sibling;
			for (int i = 0; i < n_next; i++)
				if (!build[i])
					for (int s = 0; s < slices; s++)
					{
						job.node[n_tasks] = i;
						job.slice[n_tasks++] = s;
					}
			MaasPoolRun(b->pool, n_tasks, SubtractSlice, &job);
			pfree(job.node);
			pfree(job.slice);
			pfree(build);
			pfree(sibling);
			pfree(parents);
			/* the level's histograms live in one allocation: the first */
			if (level[0].hist)
				pfree(level[0].hist);
			pfree(split);
			pfree(level);
		}
	}
}

/* ---- the fit ---- */

/* Base margins: the mean, the log-odds of the mean, or log class priors */
static void
BaseScores(Booster *b, double *base)
{
	double	   *count = palloc0(sizeof(double) * Max(b->K, 2));
	double		sum = 0;

	for (int32 i = 0; i < b->n_train; i++)
	{
		double		y = b->y[b->train[i]];

		sum += y;
		if (b->task == MAAS_TASK_MULTICLASS)
			count[(int) y]++;
	}
	if (b->task == MAAS_TASK_REGRESSION)
		base[0] = sum / b->n_train;
	else if (b->task == MAAS_TASK_BINARY)
	{
		double		pr = Min(Max(sum / b->n_train, 1e-6), 1 - 1e-6);

		base[0] = log(pr / (1 - pr));
	}
	else
		for (int c = 0; c < b->K; c++)
			base[c] = log(Max(count[c] / b->n_train, 1e-6));
	pfree(count);
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

static void *
BoostFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const BoostOptions *opt = options;
	Booster		b;
	TreeEnsemble *e;
	int64		n = data->m.n_rows;
	int			rounds = opt->n_estimators;
	int			esr = opt->early_stopping_rounds;
	double		vfrac = opt->validation_fraction;
	uint64		rng;
	double		best_loss = INFINITY;
	int			best_round = -1;
	int32	   *tree_nodes;
	int32	   *tree_values;
	int			r;
	Size		bytes;
	int			code_bytes;
	int			max_nodes;

	memset(&b, 0, sizeof(b));
	if (n > INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("gradient_boosting trains on at most %d rows", INT32_MAX / 2)));
	b.n = n;
	b.p = data->n_features;
	b.task = data->task;
	b.K = data->task == MAAS_TASK_MULTICLASS ? data->n_classes : 1;
	b.y = MaasTrainY(data);
	b.eta = opt->learning_rate;
	b.max_depth = opt->max_depth;
	b.mcw = opt->min_child_weight;
	b.lambda = opt->lambda;
	b.gamma = opt->gamma;
	b.subsample = opt->subsample;
	b.colsample = opt->colsample_bytree;
	b.seed = (uint64) data->seed;
	rng = TreeRandomSeed(b.seed, 0, 0);

	TreeCheckModelSize("gradient_boosting", (int64) rounds * b.K, b.max_depth, n, 1, 1);
	/* codes twice, margins, gradients (K > 1), row lists, two buffers of records */
	code_bytes = b.p * (opt->max_bin > 255 ? 2 : 1);
	b.rec_size = REC_CODES + TYPEALIGN(8, code_bytes);
	bytes = mul_size(n, add_size(add_size(2 * code_bytes, 8 * b.K + (b.K > 1 ? 16 * b.K : 0) + 28),
								 mul_size(2, b.rec_size)));
	MaasCheckMemory(bytes, "gradient_boosting training");

	/* validation rows for early stopping */
	b.train = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n, 1));
	b.valid = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
	{
		if (esr > 0 && TreeRandomDouble(&rng) < vfrac)
			b.valid[b.n_valid++] = (int32) i;
		else
			b.train[b.n_train++] = (int32) i;
	}
	if (esr > 0 && (b.n_valid == 0 || b.n_train == 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("too few rows to hold out a validation set for early stopping"),
				 errhint("Set params \"early_stopping_rounds\" to 0, or train on more rows.")));

	b.pool = MaasPoolStart(TreeThreads(n * b.p * (int64) rounds / 16));
	TreeMakeBins(b.pool, &data->m, b.p, b.train, b.n_train, opt->max_bin,
				 &b.bins);
	TreeMakeCodesTwice(b.pool, &data->m, b.p, &b.bins, true, &b.codes, &b.columns);
	b.foff = palloc(sizeof(int32) * b.p);
	for (int f = 0; f < b.p; f++)
	{
		if ((int64) b.cells + b.bins.n_bins[f] + 1 > INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many bins: lower params \"max_bin\"")));
		b.foff[f] = b.cells;
		b.cells += b.bins.n_bins[f] + 1;
	}
	/* rows per chunk, which fixes the order of the sums, from the cells used */
	b.chunk = (int32) Max((int64) MIN_CHUNK,
						  (int64) b.n_train * b.cells * 16 / PARTIAL_BUDGET + 1);
	if (!b.codes.wide && (int64) b.p * UNIFORM_CELLS <= (int64) b.cells * 5 / 4)
	{
		/* nearly every feature has 255 bins: lay them out UNIFORM_CELLS apart */
		b.uniform = true;
		b.cells = b.p * UNIFORM_CELLS;
		for (int f = 0; f < b.p; f++)
			b.foff[f] = f * UNIFORM_CELLS;
	}
	b.rec_size = REC_CODES + TYPEALIGN(8, b.p * (b.codes.wide ? 2 : 1));

	b.F = BigAlloc(sizeof(double) * n * b.K);
	if (b.K > 1)
		b.gh = BigAlloc(sizeof(double) * 2 * n * b.K);
	b.sample = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(b.n_train, 1));
	b.rows_a = BigAlloc(sizeof(int32) * b.n_train);
	b.rows_b = BigAlloc(sizeof(int32) * b.n_train);
	b.rec_a = BigAlloc(mul_size(b.n_train, b.rec_size));
	b.rec_b = BigAlloc(mul_size(b.n_train, b.rec_size));
	b.others = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n, 1));
	b.feats = palloc(sizeof(int) * b.p);
	b.block_loss = palloc(sizeof(double) * (n / ROW_BLOCK + 2));
	max_nodes = (int) Min(ldexp(1.0, b.max_depth + 1) - 1, 2.0 * b.n_train + 1);
	b.build.fixed = true;
	b.build.cap_nodes = max_nodes;
	b.build.cap_values = max_nodes;
	b.build.nodes = palloc(sizeof(TreeBuildNode) * max_nodes);
	b.build.values = palloc(sizeof(double) * max_nodes);
	b.leaves = palloc(sizeof(LeafRange) * max_nodes);
	b.leaf_of = BigAlloc(sizeof(int32) * n);

	e = TreeEnsembleNew(TREE_KIND_BOOST, 1, b.K);
	BaseScores(&b, e->base);
	for (int64 i = 0; i < n; i++)
		memcpy(b.F + i * b.K, e->base, sizeof(double) * b.K);
	tree_nodes = palloc(sizeof(int32) * (rounds + 1));
	tree_values = palloc(sizeof(int32) * (rounds + 1));

	for (r = 0; r < rounds; r++)
	{
		/* a round can take a while */
		CHECK_FOR_INTERRUPTS();
		/* (one tree per round: the root's histogram pass computes them) */
		if (b.K > 1)
			MaasPoolRun(b.pool, (b.n_train + ROW_BLOCK - 1) / ROW_BLOCK, GradientBlock, &b);
		SampleRows(&b, r);
		if (b.m == 0)
		{
			/* nothing drawn: this round's trees are single leaves of zero */
			AppendZeroTrees(&b, e);
			tree_nodes[r + 1] = e->n_nodes;
			tree_values[r + 1] = e->n_leaf_values;
			e->rounds_trained = r + 1;
			continue;
		}
		for (b.k = 0; b.k < b.K; b.k++)
		{
			Chunk	   *chunks;
			int			n_chunks = 0;

			ChooseColumns(&b, &rng);
			if (b.K > 1)
				b.ghk = b.gh + 2 * (int64) b.k * n;
			GrowTree(&b);
			TreeEnsembleAppend(e, &b.build);

			/* add the tree to every row's margin */
			for (int i = 0; i < b.n_leaves; i++)
				n_chunks += Max(1, (b.leaves[i].end - b.leaves[i].begin + ROW_BLOCK - 1) / ROW_BLOCK);
			chunks = palloc(sizeof(Chunk) * n_chunks);
			n_chunks = 0;
			for (int i = 0; i < b.n_leaves; i++)
				for (int32 s = b.leaves[i].begin; s < b.leaves[i].end; s += ROW_BLOCK)
				{
					chunks[n_chunks].node = i;
					chunks[n_chunks].begin = s;
					chunks[n_chunks].end = Min(s + ROW_BLOCK, b.leaves[i].end);
					n_chunks++;
				}
			b.chunks = chunks;
			MaasPoolRun(b.pool, n_chunks, NoteLeaves, &b);
			pfree(chunks);
			b.chunks = NULL;
			MaasPoolRun(b.pool, (b.m + ROW_BLOCK - 1) / ROW_BLOCK, ApplyGrown, &b);
			MaasPoolRun(b.pool, (b.n_others + ROW_BLOCK - 1) / ROW_BLOCK, ApplyOthers, &b);
		}
		tree_nodes[r + 1] = e->n_nodes;
		tree_values[r + 1] = e->n_leaf_values;
		e->rounds_trained = r + 1;

		if (esr > 0)
		{
			double		loss = Loss(&b, true);

			if (loss < best_loss)
			{
				best_loss = loss;
				best_round = r;
			}
			if (MaasProgressDue(progress))
				ereport(NOTICE,
						(errmsg("gradient_boosting: round %d/%d, validation %s %.6g",
								r + 1, rounds, b.task == MAAS_TASK_REGRESSION ? "rmse" : "logloss",
								loss)));
			if (r - best_round >= esr)
				break;
		}
		else if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("gradient_boosting: round %d/%d, training %s %.6g",
							r + 1, rounds, b.task == MAAS_TASK_REGRESSION ? "rmse" : "logloss",
							Loss(&b, false))));
	}
	tree_nodes[0] = 0;
	tree_values[0] = 0;
	if (esr > 0 && best_round >= 0 && best_round + 1 < e->rounds_trained)
	{
		/* keep the best round's trees */
		e->n_trees = (best_round + 1) * b.K;
		e->n_nodes = tree_nodes[best_round + 1];
		e->n_leaf_values = tree_values[best_round + 1];
		e->root[e->n_trees] = e->n_nodes;
	}
	e->rounds = e->n_trees / b.K;
	if (esr > 0)
		e->valid_loss = best_loss;
	if (esr == 0)
		e->train_loss = Loss(&b, false);
	else
	{
		/* training loss of the kept trees is not tracked separately */
		e->train_loss = NAN;
	}
	MaasPoolStop(b.pool);
	TreeEnsembleFinish(e);
	return e;
}

const MaasAlgorithm maas_gradient_boosting = {
	.name = "gradient_boosting",
	.id = 5,
	.params = boost_params,
	.options_size = sizeof(BoostOptions),
	.fit = BoostFit,
	TREE_ALGORITHM_SHARED,
};
