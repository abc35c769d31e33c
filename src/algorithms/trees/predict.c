/*
 * predict.c
 *	  Prediction of every tree model: one row (TreePredict), or every row of
 *	  a matrix on the pool's threads (TreePredictMatrix), walking the step
 *	  layout (layout.c) several trees or rows at a time.
 */
#include "postgres.h"

#include <math.h>

#include "tree.h"

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
