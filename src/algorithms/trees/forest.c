/*
 * forest.c
 *	  random_forest: CART trees (cart.c), each grown on a bootstrap sample
 *	  of the rows (weights = draw counts) in its own task, seeded by
 *	  (seed, tree), so trees are the same whatever the thread count; the
 *	  out-of-bag score is computed from the rows each tree did not draw.
 *
 * Sample and class weights multiply the draw counts, as scikit-learn's
 * forest passes sample_weight * counts to each tree; without bootstrap
 * every tree is the weighted decision tree of all the rows.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

#define OOB_BLOCK		4096

static const MaasParamSpec random_forest_params[] = {
	{"n_estimators", MAAS_PARAM_INT, "100", 1, 100000, NULL,
		"trees in the forest",
	offsetof(CartOptions, n_estimators)},
	CART_PARAM_CRITERION,
	{"max_depth", MAAS_PARAM_INT, "0", 0, TREE_MAX_DEPTH, NULL,
		"deepest level of each tree; 0 grows until leaves are pure (at most 256)",
	offsetof(CartOptions, max_depth)},
	CART_PARAMS_MIN_SAMPLES,
	{"max_features", MAAS_PARAM_FLOAT, NULL, 1e-9, MAAS_MAX_FEATURES, NULL,
		"features tried per split: a fraction (<= 1) or a count (> 1); default sqrt for classification, all for regression",
	offsetof(CartOptions, max_features)},
	{"bootstrap", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"grow each tree on a bootstrap sample of the rows",
	offsetof(CartOptions, bootstrap)},
	{"max_samples", MAAS_PARAM_FLOAT, "1.0", 1e-9, 1.0, NULL,
		"bootstrap sample size as a fraction of the rows",
	offsetof(CartOptions, max_samples)},
	{"oob_score", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"score each row with the trees that did not draw it (accuracy or R^2), shown by maas_info",
	offsetof(CartOptions, oob_score)},
	{"max_bin", MAAS_PARAM_INT, "255", 2, TREE_MAX_BIN, NULL,
		"most bins per feature; a feature with fewer distinct values is split exactly",
	offsetof(CartOptions, max_bin)},
	{NULL}
};

typedef struct ForestJob
{
	const CartData *d;
	CartScratch *scratch;		/* per worker */
	MaasPool   *pool;
	uint64		seed;
	bool		bootstrap;
	const double *weights;		/* per row, or NULL */
	int64		n_draw;
	int			first;			/* first tree of the batch */
	TreeBuild  *builds;			/* per task of the batch */
	int			batch;
	uint8	   *inbag;			/* per tree a bitmap of drawn rows, or NULL */
	int64		bitmap_bytes;
} ForestJob;

static int
ForestTree(void *arg, int task, int worker)
{
	ForestJob  *job = arg;
	const CartData *d = job->d;
	CartScratch s = job->scratch[worker];
	int			t = job->first + task;
	uint64		rng = TreeRandomSeed(job->seed, (uint64) t, 1);
	TreeBuild  *b = &job->builds[task];
	int32		m = 0;
	int			rc;

	if (job->bootstrap)
	{
		uint8	   *bits = job->inbag ? job->inbag + (int64) t * job->bitmap_bytes : NULL;

		memset(s.w, 0, sizeof(float) * d->n);
		for (int64 k = 0; k < job->n_draw; k++)
			s.w[TreeRandomBelow(&rng, (uint64) d->n)] += 1;
		for (int64 r = 0; r < d->n; r++)
			if (s.w[r] > 0)
			{
				if (job->weights != NULL)
					s.w[r] *= (float) job->weights[r];
				s.rows[m++] = (int32) r;
				if (bits)
					bits[r >> 3] |= (uint8) (1 << (r & 7));
			}
	}
	else
	{
		if (job->weights == NULL)
			s.w = NULL;
		for (int64 r = 0; r < d->n; r++)
		{
			if (job->weights != NULL)
				s.w[r] = (float) job->weights[r];
			s.rows[m++] = (int32) r;
		}
	}
	for (int f = 0; f < d->p; f++)
		s.perm[f] = f;
	memset(b, 0, sizeof(TreeBuild));
	rc = CartGrowTree(d, &s, m, &rng, b, job->pool, NULL);
	if (rc != MAAS_POOL_OK)
		TreeBuildFree(b);
	return rc;
}

/* Free what a canceled batch left behind */
static void
FreeBuilds(void *arg)
{
	ForestJob  *job = arg;

	for (int i = 0; i < job->batch; i++)
		TreeBuildFree(&job->builds[i]);
}

typedef struct OobJob
{
	const TreeEnsemble *e;
	const MaasMatrix *X;
	const double *y;
	int			K;
	int64		n;
	const uint8 *inbag;
	int64		bitmap_bytes;
	double	   *acc;			/* per worker: K */
	double	   *pred;			/* per row: class or value, NaN if never out of bag */
} OobJob;

/* Tree t's leaf for row r of a column-major matrix */
static const double *
LeafOfRow(const TreeEnsemble *e, int t, const MaasMatrix *X, int64 r)
{
	const TreeNode *nodes = e->nodes;
	int32		i = e->root[t];

	while (nodes[i].feature >= 0)
	{
		const TreeNode *nd = &nodes[i];
		double		v = X->data[(int64) nd->feature * X->ld + r];

		i = v <= nd->threshold ? nd->left : isnan(v) ? nd->missing : nd->right;
	}
	return e->values + nodes[i].left;
}

static int
OobBlock(void *arg, int block, int worker)
{
	OobJob	   *job = arg;
	int			nv = job->K > 0 ? job->K : 1;
	double	   *acc = job->acc + (int64) worker * nv;
	int64		from = (int64) block * OOB_BLOCK;
	int64		to = Min(from + OOB_BLOCK, job->n);

	for (int64 r = from; r < to; r++)
	{
		int			used = 0;

		memset(acc, 0, sizeof(double) * nv);
		for (int t = 0; t < job->e->n_trees; t++)
		{
			const double *v;

			if (job->inbag[(int64) t * job->bitmap_bytes + (r >> 3)] & (1 << (r & 7)))
				continue;
			v = LeafOfRow(job->e, t, job->X, r);
			for (int k = 0; k < nv; k++)
				acc[k] += v[k];
			used++;
		}
		if (used == 0)
			job->pred[r] = NAN;
		else
			job->pred[r] = job->K > 0 ? MaasArgmax(acc, nv) : acc[0] / used;
	}
	return MAAS_POOL_OK;
}

/* Accuracy or R^2 over the rows some tree left out */
static double
OobScore(MaasPool *pool, const TreeEnsemble *e, const MaasTrainData *data, int K,
		 const uint8 *inbag, int64 bitmap_bytes)
{
	OobJob		job;
	int64		n = data->m.n_rows;
	int64		used = 0;
	int64		correct = 0;
	double		mean = 0;
	double		sse = 0;
	double		sst = 0;

	job.e = e;
	job.X = &data->m;
	job.y = MaasTrainY(data);
	job.K = K;
	job.n = n;
	job.inbag = inbag;
	job.bitmap_bytes = bitmap_bytes;
	job.acc = palloc(sizeof(double) * Max(K, 1) * MaasPoolWorkers(pool));
	job.pred = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	MaasPoolRun(pool, (int) ((n + OOB_BLOCK - 1) / OOB_BLOCK), OobBlock, &job);
	for (int64 r = 0; r < n; r++)
		if (!isnan(job.pred[r]))
		{
			used++;
			mean += job.y[r];
			correct += job.pred[r] == job.y[r];
		}
	if (used == 0)
		return NAN;
	if (K > 0)
		return (double) correct / used;
	mean /= used;
	for (int64 r = 0; r < n; r++)
		if (!isnan(job.pred[r]))
		{
			sse += (job.y[r] - job.pred[r]) * (job.y[r] - job.pred[r]);
			sst += (job.y[r] - mean) * (job.y[r] - mean);
		}
	return sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
}

static void *
RandomForestFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const CartOptions *opt = options;
	CartData	d;
	TreeBins	bins;
	TreeCodes	codes;
	MaasPool   *pool;
	TreeEnsemble *e;
	ForestJob  *job = palloc0(sizeof(ForestJob));
	MemoryContextCallback *cb;
	int64		n = data->m.n_rows;
	int			n_trees = opt->n_estimators;
	bool		bootstrap = opt->bootstrap;
	bool		oob = bootstrap && opt->oob_score;
	int			nv;
	int			n_workers;
	Size		bytes;

	CartConfigure(data, opt, true, &d.cfg, "random_forest");
	nv = d.cfg.K > 0 ? d.cfg.K : 1;
	job->n_draw = bootstrap ? Max(1, (int64) ceil(opt->max_samples * n)) : n;
	TreeCheckModelSize("random_forest", n_trees, d.cfg.max_depth, Min(n, job->n_draw),
					   d.cfg.min_leaf, nv);

	pool = MaasPoolStart(TreeThreads(n * data->n_features * (int64) n_trees));
	n_workers = MaasPoolWorkers(pool);
	job->bitmap_bytes = (n + 7) / 8;
	bytes = mul_size(n, data->n_features * 2);
	bytes = add_size(bytes, mul_size(n_workers, mul_size(n, 24)));
	if (oob)
		bytes = add_size(bytes, add_size(mul_size(n_trees, job->bitmap_bytes), mul_size(n, 8)));
	MaasCheckMemory(bytes, "random_forest training");

	CartBin(&d, pool, data, opt->max_bin, &bins, &codes);
	job->d = &d;
	job->pool = pool;
	job->seed = (uint64) data->seed;
	job->bootstrap = bootstrap;
	job->weights = data->weights;
	job->scratch = palloc(sizeof(CartScratch) * n_workers);
	for (int w = 0; w < n_workers; w++)
		CartScratchInit(&job->scratch[w], &d, n, bootstrap || data->weights != NULL);
	job->inbag = NULL;
	if (oob)
	{
		job->inbag = MemoryContextAllocHuge(CurrentMemoryContext, (Size) n_trees * job->bitmap_bytes);
		memset(job->inbag, 0, (Size) n_trees * job->bitmap_bytes);
	}
	job->batch = Min(n_trees, 4 * n_workers);
	job->builds = palloc0(sizeof(TreeBuild) * job->batch);
	cb = palloc0(sizeof(MemoryContextCallback));
	cb->func = FreeBuilds;
	cb->arg = job;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	e = TreeEnsembleNew(TREE_KIND_FOREST, nv, 1);
	for (int first = 0; first < n_trees; first += job->batch)
	{
		int			count = Min(job->batch, n_trees - first);

		/* a batch of trees can take a while */
		CHECK_FOR_INTERRUPTS();
		job->first = first;
		MaasPoolRun(pool, count, ForestTree, job);
		for (int i = 0; i < count; i++)
		{
			TreeEnsembleAppend(e, &job->builds[i]);
			TreeBuildFree(&job->builds[i]);
		}
		MaasProgressStep(progress, first + count, n_trees, NAN);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("random_forest: tree %d/%d, %d nodes", first + count, n_trees,
							e->n_nodes)));
	}
	TreeEnsembleFinish(e);
	if (oob)
		e->oob_score = OobScore(pool, e, data, d.cfg.K, job->inbag, job->bitmap_bytes);
	MaasPoolStop(pool);
	return e;
}

const MaasAlgorithm maas_random_forest = {
	.name = "random_forest",
	.id = 4,
	.params = random_forest_params,
	.options_size = sizeof(CartOptions),
	.fit = RandomForestFit,
	TREE_ALGORITHM_SHARED,
	.takes_weights = true,
	.exports = "onnx,pmml",
	.export_model = TreeExport,
};
