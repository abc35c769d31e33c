/*
 * tree.c
 *	  The fitted tree ensemble shared by decision_tree, random_forest and
 *	  gradient_boosting: prediction, model bytes, maas_info, TreeSHAP
 *	  explanations and feature importance.
 *
 * Model bytes of the algorithm section (little-endian):
 *	  u16 version, u8 kind, u32 values per leaf, u32 groups,
 *	  f64 base[groups], f64 oob score, u32 rounds kept, u32 rounds run,
 *	  f64 training loss, f64 validation loss, u32 trees, then per tree
 *	  u32 nodes and the nodes in creation order (children after parents):
 *		u8 flags (1 leaf, 2 missing goes left)
 *		leaf:	  f64 cover, f64 values[values per leaf]
 *		internal: u32 feature, f64 threshold, u32 left, u32 right (indexes
 *				  within the tree), f64 cover, f64 gain
 * The reader checks every count against the bytes left, every child index
 * (after its parent, referenced once), every feature index, the depth and
 * every number before allocating anything.
 *
 * Explanations are exact path-dependent TreeSHAP: Lundberg, Erion and Lee,
 * "Consistent Individualized Feature Attribution for Tree Ensembles", 2018
 * (https://arxiv.org/abs/1802.03888), algorithm 2, with the training cover
 * of each node as the weight of its subtree.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

#define LEAF_BYTES(nv)		(1 + 8 + 8 * (int64) (nv))
#define INTERNAL_BYTES		37
#define MIN_NODE_BYTES		17
#define MAX_TOTAL_NODES		(1 << 30)

static void PrepareSteps(TreeEnsemble *e);

/* ---- trees as built ---- */

/* A new node's index, -1 when out of memory (a fixed build never grows) */
int
TreeBuildAddNode(TreeBuild *b)
{
	if (b->n_nodes == b->cap_nodes)
	{
		int32		cap = Max(64, b->cap_nodes * 2);
		TreeBuildNode *nodes;

		if (b->fixed || cap > MAX_TOTAL_NODES)
			return -1;
		nodes = realloc(b->nodes, sizeof(TreeBuildNode) * cap);
		if (nodes == NULL)
			return -1;
		b->nodes = nodes;
		b->cap_nodes = cap;
	}
	memset(&b->nodes[b->n_nodes], 0, sizeof(TreeBuildNode));
	b->nodes[b->n_nodes].feature = -1;
	return b->n_nodes++;
}

/* Room for n leaf values: their offset, -1 when out of memory */
int
TreeBuildAddValues(TreeBuild *b, int n)
{
	if (b->n_values + n > b->cap_values)
	{
		int32		cap = Max(Max(256, b->cap_values * 2), b->n_values + n);
		double	   *values;

		if (b->fixed || cap > MAX_TOTAL_NODES)
			return -1;
		values = realloc(b->values, sizeof(double) * cap);
		if (values == NULL)
			return -1;
		b->values = values;
		b->cap_values = cap;
	}
	b->n_values += n;
	return b->n_values - n;
}

void
TreeBuildFree(TreeBuild *b)
{
	if (!b->fixed)
	{
		free(b->nodes);
		free(b->values);
	}
	b->nodes = NULL;
	b->values = NULL;
	b->n_nodes = b->cap_nodes = b->n_values = b->cap_values = 0;
}

/* ---- the ensemble ---- */

TreeEnsemble *
TreeEnsembleNew(TreeKind kind, int n_values, int n_groups)
{
	TreeEnsemble *e = palloc0(sizeof(TreeEnsemble));

	e->kind = kind;
	e->n_values = n_values;
	e->n_groups = n_groups;
	e->base = palloc0(sizeof(double) * n_groups);
	e->cap_trees = 16;
	e->root = palloc0(sizeof(int32) * (e->cap_trees + 1));
	e->oob_score = NAN;
	e->train_loss = NAN;
	e->valid_loss = NAN;
	return e;
}

static void
Reserve(TreeEnsemble *e, int32 nodes, int32 values)
{
	if (e->n_trees + 1 > e->cap_trees)
	{
		e->cap_trees *= 2;
		e->root = repalloc(e->root, sizeof(int32) * (e->cap_trees + 1));
	}
	if ((int64) e->n_nodes + nodes > MAX_TOTAL_NODES ||
		(int64) e->n_leaf_values + values > MAX_TOTAL_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tree model exceeds %d nodes", MAX_TOTAL_NODES),
				 errhint("Use fewer or shallower trees.")));
	if (e->n_nodes + nodes > e->cap_nodes)
	{
		int32		cap = Max(e->n_nodes + nodes, Min((int64) e->cap_nodes * 2, MAX_TOTAL_NODES));

		if (e->nodes == NULL)
		{
			e->nodes = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TreeNode) * cap);
			e->cover = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
			e->gain = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
		}
		else
		{
			e->nodes = repalloc_huge(e->nodes, sizeof(TreeNode) * cap);
			e->cover = repalloc_huge(e->cover, sizeof(double) * cap);
			e->gain = repalloc_huge(e->gain, sizeof(double) * cap);
		}
		e->cap_nodes = cap;
	}
	if (e->n_leaf_values + values > e->cap_values)
	{
		int32		cap = Max(e->n_leaf_values + values,
							  Min((int64) e->cap_values * 2, MAX_TOTAL_NODES));

		if (e->values == NULL)
			e->values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
		else
			e->values = repalloc_huge(e->values, sizeof(double) * cap);
		e->cap_values = cap;
	}
}

/*
 * The prediction layout: every tree renumbered breadth-first within its own
 * range of node indexes, children side by side, leaves looping to
 * themselves.
 */
static void
PrepareSteps(TreeEnsemble *e)
{
	int32	   *order = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(int32) * Max(e->n_nodes, 1));
	int32	   *level = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(int32) * Max(e->n_nodes, 1));

	e->steps = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TreeStep) * Max(e->n_nodes, 1));
	e->step_values = MemoryContextAllocHuge(CurrentMemoryContext,
											sizeof(int32) * Max(e->n_nodes, 1));
	e->tree_depth = palloc(sizeof(int32) * Max(e->n_trees, 1));
	for (int t = 0; t < e->n_trees; t++)
	{
		int32		base = e->root[t];
		int32		next = base + 1;	/* the next free index */
		int			deepest = 0;

		/* order[q]: the original node at breadth-first position q */
		order[base] = base;
		level[base] = 0;
		for (int32 q = base; q < next; q++)
		{
			const TreeNode *nd = &e->nodes[order[q]];
			TreeStep   *st = &e->steps[q];

			if (nd->feature < 0)
			{
				st->threshold = INFINITY;
				st->feature2 = 0;
				st->child = q;
				e->step_values[q] = nd->left;
				deepest = Max(deepest, level[q]);
				continue;
			}
			st->threshold = nd->threshold;
			st->feature2 = nd->feature * 2 + (nd->missing == nd->right);
			st->child = next;
			e->step_values[q] = -1;
			order[next] = nd->left;
			order[next + 1] = nd->right;
			level[next] = level[next + 1] = level[q] + 1;
			next += 2;
		}
		Assert(next == e->root[t + 1]);
		e->tree_depth[t] = deepest;
	}
	pfree(order);
	pfree(level);
}

/* Append a built tree (in the backend's thread) */
void
TreeEnsembleAppend(TreeEnsemble *e, const TreeBuild *b)
{
	int32		base = e->n_nodes;
	int32		vbase = e->n_leaf_values;

	Reserve(e, b->n_nodes, b->n_values);
	for (int32 i = 0; i < b->n_nodes; i++)
	{
		const TreeBuildNode *s = &b->nodes[i];
		TreeNode   *d = &e->nodes[base + i];

		if (s->feature < 0)
		{
			d->feature = -1;
			d->threshold = 0;
			d->left = vbase + s->value;
			d->right = d->missing = -1;
			e->gain[base + i] = 0;
		}
		else
		{
			d->feature = s->feature;
			d->threshold = s->threshold;
			d->left = base + s->left;
			d->right = base + s->right;
			d->missing = s->default_left ? d->left : d->right;
			e->gain[base + i] = s->gain;
		}
		e->cover[base + i] = s->cover;
	}
	memcpy(e->values + vbase, b->values, sizeof(double) * b->n_values);
	e->n_nodes += b->n_nodes;
	e->n_leaf_values += b->n_values;
	e->root[e->n_trees] = base;
	e->n_trees++;
	e->root[e->n_trees] = e->n_nodes;
}

/* Depth and leaf count, after the last tree */
void
TreeEnsembleFinish(TreeEnsemble *e)
{
	int		   *depth = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(int) * Max(e->n_nodes, 1));

	e->max_depth = 0;
	e->n_leaves = 0;
	for (int t = 0; t < e->n_trees; t++)
	{
		depth[e->root[t]] = 0;
		for (int32 i = e->root[t]; i < e->root[t + 1]; i++)
		{
			const TreeNode *nd = &e->nodes[i];

			if (nd->feature < 0)
			{
				e->n_leaves++;
				e->max_depth = Max(e->max_depth, depth[i]);
				continue;
			}
			depth[nd->left] = depth[i] + 1;
			depth[nd->right] = depth[i] + 1;
		}
	}
	pfree(depth);
	PrepareSteps(e);
}

/* ---- prediction ---- */

#define LOCKSTEP	8			/* trees walked at once for one row */

/*
 * One branch-free step from node at: NaN goes the learned default way
 * (with nan false, x has none)
 */
static pg_attribute_always_inline int32
Step(const TreeStep *steps, int32 at, const double *x, bool nan)
{
	const TreeStep *st = &steps[at];
	double		v = x[st->feature2 >> 1];

	if (!nan)
		return st->child + (v > st->threshold);
	return st->child + ((v > st->threshold) | ((v != v) & (st->feature2 & 1)));
}

/*
 * The leaf value offsets x reaches in trees t..t+LOCKSTEP-1, walked in
 * lockstep: the steps of different trees do not depend on each other, so
 * the CPU overlaps them instead of waiting on each node in turn.
 */
static pg_attribute_always_inline void
WalkGroup(const TreeEnsemble *e, int t, const double *x, int32 *leaf, bool nan)
{
	const TreeStep *steps = e->steps;
	int32		at[LOCKSTEP];
	int			depth = 0;

#pragma GCC unroll 8
	for (int i = 0; i < LOCKSTEP; i++)
	{
		at[i] = e->root[t + i];
		depth = Max(depth, e->tree_depth[t + i]);
	}
	for (int d = 0; d < depth; d++)
	{
		int32		moved = 0;

#pragma GCC unroll 8
		for (int i = 0; i < LOCKSTEP; i++)
		{
			int32		next = Step(steps, at[i], x, nan);

			moved |= next ^ at[i];
			at[i] = next;
		}
		/* every tree at a leaf: the rest of the group is shallower */
		if (moved == 0)
			break;
	}
#pragma GCC unroll 8
	for (int i = 0; i < LOCKSTEP; i++)
		leaf[i] = e->step_values[at[i]];
}

/* Leaf value offsets of trees t..t+g-1 for x (g <= LOCKSTEP) */
static inline void
WalkTrees(const TreeEnsemble *e, int t, int g, const double *x, bool nan, int32 *leaf)
{
	if (g == LOCKSTEP && nan)
		WalkGroup(e, t, x, leaf, true);
	else if (g == LOCKSTEP)
		WalkGroup(e, t, x, leaf, false);
	else
		for (int i = 0; i < g; i++)
		{
			int32		at = e->root[t + i];

			for (int d = 0; d < e->tree_depth[t + i]; d++)
				at = Step(e->steps, at, x, true);
			leaf[i] = e->step_values[at];
		}
}

/* Whether x has a missing value: rows without take the shorter steps */
static inline bool
HasNaN(const double *x, int n)
{
	bool		nan = false;

	for (int j = 0; j < n; j++)
		nan |= isnan(x[j]);
	return nan;
}

/* Boosting margins of every group, adding the trees in order */
static void
Margins(const TreeEnsemble *e, const double *x, int n_features, double *margin)
{
	int			k = e->n_groups;
	bool		nan = HasNaN(x, n_features);

	memcpy(margin, e->base, sizeof(double) * k);
	for (int t = 0; t < e->n_trees; t += LOCKSTEP)
	{
		int32		leaf[LOCKSTEP];
		int			g = Min(LOCKSTEP, e->n_trees - t);

		WalkTrees(e, t, g, x, nan, leaf);
		if (k == 1)
			for (int i = 0; i < g; i++)
				margin[0] += e->values[leaf[i]];
		else
			for (int i = 0; i < g; i++)
				margin[(t + i) % k] += e->values[leaf[i]];
	}
}

/* Boosting's output from the margins (which may be out itself) */
static inline void
BoostOutput(const MaasModel *model, const double *margin, double *out)
{
	const TreeEnsemble *e = model->state;

	if (model->task == MAAS_TASK_BINARY)
	{
		double		m = margin[0];

		out[1] = MaasSigmoid(m);
		out[0] = 1.0 - out[1];
	}
	else
	{
		if (margin != out)
			memcpy(out, margin, sizeof(double) * e->n_groups);
		if (model->task == MAAS_TASK_MULTICLASS)
			MaasSoftmax(out, e->n_groups);
	}
}

/* out: the value, or class probabilities; never allocates */
void
TreePredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const double *x = in->x;
	const TreeEnsemble *e = model->state;

	if (e->kind == TREE_KIND_BOOST)
	{
		double		m1;
		double	   *margin = model->task == MAAS_TASK_BINARY ? &m1 : out;

		Margins(e, x, model->n_features, margin);
		BoostOutput(model, margin, out);
		return;
	}
	else
	{
		int			nv = e->n_values;
		bool		nan = HasNaN(x, model->n_features);

		for (int c = 0; c < nv; c++)
			out[c] = 0;
		for (int t = 0; t < e->n_trees; t += LOCKSTEP)
		{
			int32		leaf[LOCKSTEP];
			int			g = Min(LOCKSTEP, e->n_trees - t);

			WalkTrees(e, t, g, x, nan, leaf);
			for (int i = 0; i < g; i++)
			{
				const double *v = e->values + leaf[i];

				for (int c = 0; c < nv; c++)
					out[c] += v[c];
			}
		}
		if (e->n_trees > 1)
			for (int c = 0; c < nv; c++)
				out[c] /= e->n_trees;
	}
}

/* Rows of a matrix to predict, in blocks run by the pool's threads */
#define PREDICT_BLOCK	8192
#define PREDICT_ROWS	64		/* rows walked together through each tree */

typedef struct PredictJob
{
	const MaasModel *model;
	const MaasMatrix *m;
	int			n_features;
	double	   *x;				/* per worker: PREDICT_ROWS rows */
	double	   *margin;			/* per worker: their margins */
	double	   *out;
} PredictJob;

/*
 * The leaves n rows (x, row-major) reach in tree t, walked together: the
 * rows' steps do not depend on each other
 */
static pg_attribute_always_inline void
WalkRows(const TreeEnsemble *e, int t, const double *x, int nf, int n, bool nan, int32 *at)
{
	const TreeStep *steps = e->steps;

	for (int i = 0; i < n; i++)
		at[i] = e->root[t];
	for (int d = 0; d < e->tree_depth[t]; d++)
	{
		int32		moved = 0;

		for (int i = 0; i < n; i++)
		{
			int32		next = Step(steps, at[i], x + i * nf, nan);

			moved |= next ^ at[i];
			at[i] = next;
		}
		if (moved == 0)
			break;
	}
}

/* Boosting: rows from..to through every tree, PREDICT_ROWS at a time */
static void
BoostRows(const PredictJob *job, int64 from, int64 to, double *x, double *margin)
{
	const MaasModel *model = job->model;
	const TreeEnsemble *e = model->state;
	int			nf = job->n_features;
	int			k = e->n_groups;
	int			nk = model->n_outputs;

	for (int64 first = from; first < to; first += PREDICT_ROWS)
	{
		int			n = (int) Min(PREDICT_ROWS, to - first);
		bool		nan = false;
		int32		at[PREDICT_ROWS];

		for (int j = 0; j < nf; j++)
		{
			const double *col = MaasMatrixColumn(job->m, j) + first;

			for (int i = 0; i < n; i++)
			{
				x[i * nf + j] = col[i];
				nan |= isnan(col[i]);
			}
		}
		for (int i = 0; i < n; i++)
			memcpy(margin + i * k, e->base, sizeof(double) * k);
		/* the trees in order, as Margins adds them */
		for (int t = 0; t < e->n_trees; t++)
		{
			if (nan)
				WalkRows(e, t, x, nf, n, true, at);
			else
				WalkRows(e, t, x, nf, n, false, at);
			for (int i = 0; i < n; i++)
				margin[i * k + t % k] += e->values[e->step_values[at[i]]];
		}
		for (int i = 0; i < n; i++)
			BoostOutput(model, margin + i * k, job->out + (first + i) * nk);
	}
}

static int
PredictBlock(void *arg, int block, int worker)
{
	PredictJob *job = arg;
	const MaasMatrix *m = job->m;
	const TreeEnsemble *e = job->model->state;
	int			k = job->model->n_outputs;
	double	   *x = job->x + (int64) worker * PREDICT_ROWS * job->n_features;
	int64		from = (int64) block * PREDICT_BLOCK;
	int64		to = Min(from + PREDICT_BLOCK, m->n_rows);
	MaasInput	in;

	if (e->kind == TREE_KIND_BOOST)
	{
		BoostRows(job, from, to, x, job->margin + (int64) worker * PREDICT_ROWS * e->n_groups);
		return MAAS_POOL_OK;
	}
	in.kind = MAAS_INPUT_DENSE;
	in.x = x;
	for (int64 i = from; i < to; i++)
	{
		for (int j = 0; j < job->n_features; j++)
			x[j] = MaasMatrixColumn(m, j)[i];
		TreePredict(job->model, &in, job->out + i * k);
	}
	return MAAS_POOL_OK;
}

/* Every row of a column-major matrix, on maas.threads threads when worth it */
void
TreePredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features, double *out)
{
	const TreeEnsemble *e = model->state;
	MaasPool   *pool = MaasPoolStart(TreeThreads(m->n_rows * e->n_trees));
	int			workers = MaasPoolWorkers(pool);
	PredictJob	job;

	job.model = model;
	job.m = m;
	job.n_features = n_features;
	job.x = palloc(sizeof(double) * PREDICT_ROWS * Max(n_features, 1) * workers);
	job.margin = palloc(sizeof(double) * PREDICT_ROWS * e->n_groups * workers);
	job.out = out;
	MaasPoolRun(pool, (int) ((m->n_rows + PREDICT_BLOCK - 1) / PREDICT_BLOCK), PredictBlock, &job);
	MaasPoolStop(pool);
	pfree(job.x);
	pfree(job.margin);
}

/* ---- model bytes ---- */

static int64
SectionBytes(const TreeEnsemble *e)
{
	int64		internal = e->n_nodes - e->n_leaves;

	return 2 + 1 + 4 + 4 + 8 * (int64) e->n_groups + 8 + 4 + 4 + 8 + 8 + 4 +
		4 * (int64) e->n_trees + INTERNAL_BYTES * internal +
		LEAF_BYTES(e->n_values) * e->n_leaves;
}

void
TreeSerialize(const MaasModel *model, StringInfo buf)
{
	const TreeEnsemble *e = model->state;

	MaasWriteU16(buf, TREE_PAYLOAD_VERSION);
	MaasWriteU8(buf, (uint8) e->kind);
	MaasWriteU32(buf, (uint32) e->n_values);
	MaasWriteU32(buf, (uint32) e->n_groups);
	MaasWriteDoubles(buf, e->base, e->n_groups);
	MaasWriteDouble(buf, e->oob_score);
	MaasWriteU32(buf, (uint32) e->rounds);
	MaasWriteU32(buf, (uint32) e->rounds_trained);
	MaasWriteDouble(buf, e->train_loss);
	MaasWriteDouble(buf, e->valid_loss);
	MaasWriteU32(buf, (uint32) e->n_trees);
	for (int t = 0; t < e->n_trees; t++)
	{
		int32		base = e->root[t];

		MaasWriteU32(buf, (uint32) (e->root[t + 1] - base));
		for (int32 i = base; i < e->root[t + 1]; i++)
		{
			const TreeNode *nd = &e->nodes[i];

			if (nd->feature < 0)
			{
				MaasWriteU8(buf, TREE_FLAG_LEAF);
				MaasWriteDouble(buf, e->cover[i]);
				MaasWriteDoubles(buf, e->values + nd->left, e->n_values);
			}
			else
			{
				MaasWriteU8(buf, nd->missing == nd->left ? TREE_FLAG_DEFAULT_LEFT : 0);
				MaasWriteU32(buf, (uint32) nd->feature);
				MaasWriteDouble(buf, nd->threshold);
				MaasWriteU32(buf, (uint32) (nd->left - base));
				MaasWriteU32(buf, (uint32) (nd->right - base));
				MaasWriteDouble(buf, e->cover[i]);
				MaasWriteDouble(buf, e->gain[i]);
			}
		}
	}
}

static TreeKind
KindOfAlgorithm(const MaasAlgorithm *algorithm)
{
	switch (algorithm->id)
	{
		case 3:
			return TREE_KIND_SINGLE;
		case 4:
			return TREE_KIND_FOREST;
		default:
			return TREE_KIND_BOOST;
	}
}

/*
 * Read the trees: with fill false only check them and count nodes and leaf
 * values; with fill true (a second pass over checked bytes) store them.
 */
static void
ReadTrees(MaasReader *r, TreeEnsemble *e, int n_features, bool fill,
		  int32 *total_nodes, int32 *total_values)
{
	int32		nodes_seen = 0;
	int32		values_seen = 0;

	for (int t = 0; t < e->n_trees; t++)
	{
		int32		n = MaasReadCount(r, MAX_TOTAL_NODES, MIN_NODE_BYTES, "node");
		uint8	   *seen = NULL;
		int		   *depth = NULL;
		int32		internal = 0;

		if (n < 1)
			MaasReaderFail(r, "tree %d has no nodes", t + 1);
		if ((int64) nodes_seen + n > MAX_TOTAL_NODES)
			MaasReaderFail(r, "more than %d nodes", MAX_TOTAL_NODES);
		if (!fill)
		{
			seen = palloc0(n);
			depth = palloc0(sizeof(int) * n);
		}
		else
			e->root[t] = nodes_seen;
		for (int32 i = 0; i < n; i++)
		{
			uint8		flags = MaasReadU8(r);
			double		cover;

			if (flags & ~(TREE_FLAG_LEAF | TREE_FLAG_DEFAULT_LEFT))
				MaasReaderFail(r, "unknown node flags %02x", flags);
			if (flags & TREE_FLAG_LEAF)
			{
				if (flags & TREE_FLAG_DEFAULT_LEFT)
					MaasReaderFail(r, "a leaf has a missing-value direction");
				cover = MaasReadFinite(r);
				if (cover < 0)
					MaasReaderFail(r, "negative cover");
				if ((int64) values_seen + e->n_values > MAX_TOTAL_NODES)
					MaasReaderFail(r, "too many leaf values");
				if (fill)
				{
					TreeNode   *nd = &e->nodes[nodes_seen + i];

					nd->feature = -1;
					nd->threshold = 0;
					nd->left = values_seen;
					nd->right = nd->missing = -1;
					e->cover[nodes_seen + i] = cover;
					e->gain[nodes_seen + i] = 0;
					MaasReadDoubles(r, e->values + values_seen, e->n_values, true);
				}
				else
				{
					for (int v = 0; v < e->n_values; v++)
						(void) MaasReadFinite(r);
					e->max_depth = Max(e->max_depth, depth[i]);
				}
				values_seen += e->n_values;
			}
			else
			{
				uint32		feature = MaasReadU32(r);
				double		threshold = MaasReadDouble(r);
				uint32		left = MaasReadU32(r);
				uint32		right = MaasReadU32(r);
				double		gain;

				cover = MaasReadFinite(r);
				gain = MaasReadFinite(r);
				if (feature >= (uint32) n_features)
					MaasReaderFail(r, "split on feature %u of %d", feature, n_features);
				if (isnan(threshold))
					MaasReaderFail(r, "a threshold is NaN");
				if (cover < 0)
					MaasReaderFail(r, "negative cover");
				if (left <= (uint32) i || left >= (uint32) n ||
					right <= (uint32) i || right >= (uint32) n || left == right)
					MaasReaderFail(r, "node %d of tree %d has children %u and %u of %d nodes",
								   i, t + 1, left, right, n);
				if (fill)
				{
					TreeNode   *nd = &e->nodes[nodes_seen + i];

					nd->feature = (int32) feature;
					nd->threshold = threshold;
					nd->left = nodes_seen + (int32) left;
					nd->right = nodes_seen + (int32) right;
					nd->missing = (flags & TREE_FLAG_DEFAULT_LEFT) ? nd->left : nd->right;
					e->cover[nodes_seen + i] = cover;
					e->gain[nodes_seen + i] = gain;
				}
				else
				{
					if (seen[left] || seen[right])
						MaasReaderFail(r, "a node of tree %d has two parents", t + 1);
					seen[left] = seen[right] = 1;
					depth[left] = depth[right] = depth[i] + 1;
					if (depth[i] + 1 > TREE_MAX_DEPTH)
						MaasReaderFail(r, "tree %d is deeper than %d", t + 1, TREE_MAX_DEPTH);
				}
				internal++;
			}
		}
		/* a binary tree: every node but the root has one parent */
		if (2 * (int64) internal != (int64) n - 1)
			MaasReaderFail(r, "tree %d has %d nodes for %d splits", t + 1, n, internal);
		if (!fill)
		{
			pfree(seen);
			pfree(depth);
		}
		else
			e->n_leaves += n - internal;
		nodes_seen += n;
	}
	if (fill)
		e->root[e->n_trees] = nodes_seen;
	*total_nodes = nodes_seen;
	*total_values = values_seen;
}

void *
TreeDeserialize(MaasReader *r, const MaasModel *model)
{
	TreeEnsemble *e = palloc0(sizeof(TreeEnsemble));
	uint16		version = MaasReadU16(r);
	uint8		kind;
	int			expect_values;
	int			expect_groups;
	MaasReader	first;
	int32		n_nodes;
	int32		n_values;

	if (version != TREE_PAYLOAD_VERSION)
		MaasReaderFail(r, "tree format version %u is not supported", version);
	kind = MaasReadU8(r);
	if (kind != KindOfAlgorithm(model->algorithm))
		MaasReaderFail(r, "tree kind %u does not match %s", kind, model->algorithm->name);
	e->kind = (TreeKind) kind;
	e->n_values = (int) MaasReadU32(r);
	e->n_groups = (int) MaasReadU32(r);
	if (e->kind == TREE_KIND_BOOST)
	{
		expect_values = 1;
		expect_groups = model->task == MAAS_TASK_MULTICLASS ? model->n_outputs : 1;
	}
	else
	{
		expect_values = MaasTaskIsClassification(model->task) ? model->n_outputs : 1;
		expect_groups = 1;
	}
	if (e->n_values != expect_values || e->n_groups != expect_groups)
		MaasReaderFail(r, "%d values per leaf and %d groups for a %s model",
					   e->n_values, e->n_groups, MaasTaskName(model->task));
	e->base = palloc(sizeof(double) * e->n_groups);
	MaasReadDoubles(r, e->base, e->n_groups, true);
	e->oob_score = MaasReadDouble(r);
	if (isinf(e->oob_score))
		MaasReaderFail(r, "out-of-bag score is infinite");
	e->rounds = (int32) MaasReadU32(r);
	e->rounds_trained = (int32) MaasReadU32(r);
	if (e->rounds < 0 || e->rounds_trained < 0)
		MaasReaderFail(r, "round counts out of range");
	e->train_loss = MaasReadDouble(r);
	e->valid_loss = MaasReadDouble(r);
	if (isinf(e->train_loss) || isinf(e->valid_loss))
		MaasReaderFail(r, "a stored loss is infinite");
	e->n_trees = MaasReadCount(r, TREE_MAX_TREES, 4 + MIN_NODE_BYTES, "tree");
	if (e->n_trees < 1)
		MaasReaderFail(r, "a model needs at least one tree");
	if (e->kind == TREE_KIND_SINGLE && e->n_trees != 1)
		MaasReaderFail(r, "a decision tree has %d trees", e->n_trees);
	if (e->n_trees % e->n_groups != 0)
		MaasReaderFail(r, "%d trees for %d classes", e->n_trees, e->n_groups);

	/* check everything, then read again into arrays of the right size */
	first = *r;
	ReadTrees(r, e, model->n_features, false, &n_nodes, &n_values);
	*r = first;
	e->n_nodes = n_nodes;
	e->n_leaf_values = n_values;
	e->root = palloc(sizeof(int32) * (e->n_trees + 1));
	e->nodes = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TreeNode) * n_nodes);
	e->cover = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n_nodes);
	e->gain = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n_nodes);
	e->values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n_values, 1));
	ReadTrees(r, e, model->n_features, true, &n_nodes, &n_values);
	e->cap_trees = e->n_trees;
	e->cap_nodes = e->n_nodes;
	e->cap_values = e->n_leaf_values;
	PrepareSteps(e);
	return e;
}

/* ---- maas_info ---- */

static const char *
KindName(TreeKind kind)
{
	switch (kind)
	{
		case TREE_KIND_SINGLE:
			return "tree";
		case TREE_KIND_FOREST:
			return "forest";
		case TREE_KIND_BOOST:
			return "boosted";
	}
	return "unknown";
}

void
TreeDescribe(const MaasModel *model, MaasJson *json)
{
	const TreeEnsemble *e = model->state;

	MaasJsonKey(json, "ensemble");
	MaasJsonString(json, KindName(e->kind));
	MaasJsonKey(json, "trees");
	MaasJsonInt(json, e->n_trees);
	MaasJsonKey(json, "nodes");
	MaasJsonInt(json, e->n_nodes);
	MaasJsonKey(json, "leaves");
	MaasJsonInt(json, e->n_leaves);
	MaasJsonKey(json, "max_depth");
	MaasJsonInt(json, e->max_depth);
	MaasJsonKey(json, "tree_bytes");
	MaasJsonInt(json, SectionBytes(e));
	if (e->kind == TREE_KIND_FOREST)
	{
		MaasJsonKey(json, "oob_score");
		if (isnan(e->oob_score))
			MaasJsonNull(json);
		else
			MaasJsonNumber(json, e->oob_score);
	}
	if (e->kind == TREE_KIND_BOOST)
	{
		MaasJsonKey(json, "objective");
		MaasJsonString(json, model->task == MAAS_TASK_REGRESSION ? "squared_error" :
					   model->task == MAAS_TASK_BINARY ? "logistic" : "softmax");
		MaasJsonKey(json, "base_score");
		if (e->n_groups == 1)
			MaasJsonNumber(json, e->base[0]);
		else
			MaasJsonNumberArray(json, e->base, e->n_groups);
		MaasJsonKey(json, "rounds");
		MaasJsonInt(json, e->rounds);
		MaasJsonKey(json, "rounds_trained");
		MaasJsonInt(json, e->rounds_trained);
		MaasJsonKey(json, model->task == MAAS_TASK_REGRESSION ? "train_rmse" : "train_logloss");
		if (isnan(e->train_loss))
			MaasJsonNull(json);
		else
			MaasJsonNumber(json, e->train_loss);
		if (!isnan(e->valid_loss))
		{
			MaasJsonKey(json, model->task == MAAS_TASK_REGRESSION ? "validation_rmse" :
						"validation_logloss");
			MaasJsonNumber(json, e->valid_loss);
		}
	}
}

/* ---- importance ---- */

void
TreeImportance(const MaasModel *model, double *gain, double *splits)
{
	const TreeEnsemble *e = model->state;

	for (int32 i = 0; i < e->n_nodes; i++)
	{
		int			f = e->nodes[i].feature;

		if (f < 0)
			continue;
		gain[f] += e->gain[i];
		splits[f] += 1;
	}
}

/* ---- TreeSHAP ---- */

typedef struct PathElement
{
	int			feature;
	double		zero_fraction;
	double		one_fraction;
	double		pweight;
} PathElement;

typedef struct ShapTree
{
	const TreeEnsemble *e;
	int			value;			/* which leaf value is explained */
	double		scale;
	const double *x;
	double	   *phi;
} ShapTree;

static void
ExtendPath(PathElement *path, int depth, double zero, double one, int feature)
{
	path[depth].feature = feature;
	path[depth].zero_fraction = zero;
	path[depth].one_fraction = one;
	path[depth].pweight = depth == 0 ? 1.0 : 0.0;
	for (int i = depth - 1; i >= 0; i--)
	{
		path[i + 1].pweight += one * path[i].pweight * (i + 1) / (double) (depth + 1);
		path[i].pweight = zero * path[i].pweight * (depth - i) / (double) (depth + 1);
	}
}

static void
UnwindPath(PathElement *path, int depth, int index)
{
	double		one = path[index].one_fraction;
	double		zero = path[index].zero_fraction;
	double		next = path[depth].pweight;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		tmp = path[i].pweight;

			path[i].pweight = next * (depth + 1) / ((i + 1) * one);
			next = tmp - path[i].pweight * zero * (depth - i) / (double) (depth + 1);
		}
		else
			path[i].pweight = path[i].pweight * (depth + 1) / (zero * (depth - i));
	}
	for (int i = index; i < depth; i++)
	{
		path[i].feature = path[i + 1].feature;
		path[i].zero_fraction = path[i + 1].zero_fraction;
		path[i].one_fraction = path[i + 1].one_fraction;
	}
}

static double
UnwoundPathSum(const PathElement *path, int depth, int index)
{
	double		one = path[index].one_fraction;
	double		zero = path[index].zero_fraction;
	double		next = path[depth].pweight;
	double		total = 0;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		tmp = next * (depth + 1) / ((i + 1) * one);

			total += tmp;
			next = path[i].pweight - tmp * zero * ((depth - i) / (double) (depth + 1));
		}
		else if (zero != 0)
			total += (path[i].pweight / zero) / ((depth - i) / (double) (depth + 1));
	}
	return total;
}

/* Fraction of node's training cover that went to child (1/2 if none did) */
static inline double
CoverFraction(const TreeEnsemble *e, int32 child, int32 other)
{
	double		a = e->cover[child];
	double		total = a + e->cover[other];

	return total > 0 ? a / total : 0.5;
}

static void
ShapRecurse(ShapTree *st, int32 node, PathElement *parent, int depth,
			double zero, double one, int feature)
{
	const TreeEnsemble *e = st->e;
	const TreeNode *nd = &e->nodes[node];
	PathElement *path = parent + depth + 1;

	check_stack_depth();
	memcpy(path, parent, sizeof(PathElement) * (depth + 1));
	ExtendPath(path, depth, zero, one, feature);

	if (nd->feature < 0)
	{
		double		v = e->values[nd->left + st->value] * st->scale;

		for (int i = 1; i <= depth; i++)
		{
			double		w = UnwoundPathSum(path, depth, i);

			st->phi[path[i].feature] += w * (path[i].one_fraction - path[i].zero_fraction) * v;
		}
	}
	else
	{
		double		xv = st->x[nd->feature];
		int32		hot = xv <= nd->threshold ? nd->left : isnan(xv) ? nd->missing : nd->right;
		int32		cold = hot == nd->left ? nd->right : nd->left;
		double		hot_zero = CoverFraction(e, hot, cold);
		double		cold_zero = CoverFraction(e, cold, hot);
		double		incoming_zero = 1;
		double		incoming_one = 1;
		int			k;

		/* a feature split on before: undo it to redo it here */
		for (k = 0; k <= depth; k++)
			if (path[k].feature == nd->feature)
				break;
		if (k <= depth)
		{
			incoming_zero = path[k].zero_fraction;
			incoming_one = path[k].one_fraction;
			UnwindPath(path, depth, k);
			depth--;
		}
		ShapRecurse(st, hot, path, depth + 1, hot_zero * incoming_zero, incoming_one, nd->feature);
		ShapRecurse(st, cold, path, depth + 1, cold_zero * incoming_zero, 0, nd->feature);
	}
}

/*
 * Add scale times the SHAP values of tree t's leaf value number `value` at x
 * to phi; *expected gets scale times the tree's expected value under the
 * same cover weights, so that the additions sum to scale * (f(x) - E f).
 */
void
TreeShap(const TreeEnsemble *e, int t, int value, const double *x, double scale,
		 double *phi, double *expected)
{
	int32		first = e->root[t];
	int32		n = e->root[t + 1] - first;
	double	   *ev = palloc(sizeof(double) * n);
	int			d = e->max_depth + 2;
	PathElement *path = palloc(sizeof(PathElement) * ((int64) d * (d + 1) / 2 + d + 1));
	ShapTree	st;

	/* expected values bottom-up: children come after their parents */
	for (int32 i = n - 1; i >= 0; i--)
	{
		const TreeNode *nd = &e->nodes[first + i];

		if (nd->feature < 0)
			ev[i] = e->values[nd->left + value];
		else
		{
			double		fl = CoverFraction(e, nd->left, nd->right);

			ev[i] = fl * ev[nd->left - first] + (1 - fl) * ev[nd->right - first];
		}
	}
	*expected = scale * ev[0];
	st.e = e;
	st.value = value;
	st.scale = scale;
	st.x = x;
	st.phi = phi;
	ShapRecurse(&st, first, path, 0, 1, 1, -1);
	pfree(path);
	pfree(ev);
}

/*
 * The explained score: the value for regression; for boosting the margin
 * (binary log-odds, multiclass the predicted class's margin); for a tree or
 * forest classifier the predicted class's probability.  The base is the
 * expected score over the training cover.
 */
void
TreeExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const double *x = in->x;
	const TreeEnsemble *e = model->state;
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	double		expected;

	for (int j = 0; j < model->n_features; j++)
		contrib[j] = 0;
	TreePredict(model, in, out);
	if (e->kind == TREE_KIND_BOOST)
	{
		int			k = e->n_groups;
		int			c = k > 1 ? MaasArgmax(out, k) : 0;

		*base = e->base[c];
		for (int t = c; t < e->n_trees; t += k)
		{
			TreeShap(e, t, 0, x, 1.0, contrib, &expected);
			*base += expected;
		}
	}
	else
	{
		int			c = e->n_values > 1 ? MaasArgmax(out, e->n_values) : 0;

		*base = 0;
		for (int t = 0; t < e->n_trees; t++)
		{
			TreeShap(e, t, c, x, 1.0 / e->n_trees, contrib, &expected);
			*base += expected;
		}
	}
	pfree(out);
}

/* ---- shared training helpers ---- */

/* Threads for this much work (rows x features x trees): small fits stay inline */
int
TreeThreads(int64 work)
{
	if (work < 2000000)
		return 1;
	return maas_threads;
}

/*
 * ERROR before training when the trees could exceed what a model can
 * hold: a tree of depth d has at most 2^(d+1)-1 nodes, and at most
 * 2 * rows / min_leaf - 1.
 */
void
TreeCheckModelSize(const char *algorithm, int64 trees, int max_depth, int64 rows,
				   int min_leaf, int n_values)
{
	double		by_depth = ldexp(1.0, Min(max_depth, 1000) + 1) - 1;
	double		by_rows = 2.0 * ceil((double) Max(rows, 1) / Max(min_leaf, 1)) - 1;
	double		nodes = Min(by_depth, by_rows);
	double		per_node = Max(INTERNAL_BYTES, LEAF_BYTES(n_values));
	double		bytes = (double) trees * (nodes * per_node + 4);

	if (bytes > MaxAllocSize - 1024 * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s of " INT64_FORMAT " trees could need %.0f MB, more than the 1 GB a model can hold",
						algorithm, trees, bytes / (1024 * 1024)),
				 errdetail("Each tree may have up to %.0f nodes (depth %s, " INT64_FORMAT " rows).",
						   nodes, max_depth >= TREE_MAX_DEPTH ? "unlimited" : psprintf("%d", max_depth),
						   rows),
				 errhint("Set params \"max_depth\" (e.g. 12), raise \"min_samples_leaf\", or use fewer \"n_estimators\".")));
}
