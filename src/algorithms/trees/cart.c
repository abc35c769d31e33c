/*
 * cart.c
 *	  CART trees (Breiman et al. 1984) as scikit-learn grows them, over
 *	  binned features: decision_tree, and the trees of random_forest
 *	  (forest.c).
 *
 * A node's split is the best over its candidate features (all of them, or
 * max_features drawn at random per node, drawing on past features that
 * turn out constant in the node) and over the cuts between the bins present
 * in the node, by weighted Gini, entropy or squared-error decrease.  Each
 * candidate feature is summarized either by a histogram over its bins or,
 * when the node has fewer rows than the feature has bins, by sorting the
 * node's rows by bin; both give the same split.  With missing values in the
 * node, both directions are tried for them; without, they go to the child
 * with more training weight.  The threshold is the bin cut nearest the
 * midpoint between the node's neighbouring values, like scikit-learn's.
 *
 * decision_tree grows its one tree on the backend's thread and spreads the
 * features of large nodes over the workers.
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

/* criterion: its choice in "gini,entropy,squared_error", plus one */
#define CRIT_GINI		1
#define CRIT_ENTROPY	2
#define CRIT_SSE		3

#define PARALLEL_NODE_ROWS	20000	/* decision_tree: spread features of larger nodes */

/* A node waiting to be grown, depth first */
typedef struct CartStackEntry
{
	int32		node;
	int32		begin;
	int32		end;
	int			depth;
} StackEntry;

typedef struct BestSplit
{
	double		proxy;			/* criterion of the children, higher is better */
	int			feature;
	int			split;
	bool		default_left;
	double		threshold;
} BestSplit;

static const MaasParamSpec decision_tree_params[] = {
	CART_PARAM_CRITERION,
	{"max_depth", MAAS_PARAM_INT, "0", 0, TREE_MAX_DEPTH, NULL,
		"deepest level of the tree; 0 grows until leaves are pure (at most 256)",
	offsetof(CartOptions, max_depth)},
	CART_PARAMS_MIN_SAMPLES,
	{"max_features", MAAS_PARAM_FLOAT, NULL, 1e-9, MAAS_MAX_FEATURES, NULL,
		"features tried per split: a fraction (<= 1) or a count (> 1); default all",
	offsetof(CartOptions, max_features)},
	{"max_bin", MAAS_PARAM_INT, "65535", 2, TREE_MAX_BIN, NULL,
		"most bins per feature; a feature with fewer distinct values is split exactly",
	offsetof(CartOptions, max_bin)},
	{NULL}
};

/* ---- split search ---- */

/* Criterion of one side (higher is better); W > 0 */
static inline double
Crit(const CartConfig *cfg, const double *s)
{
	switch (cfg->criterion)
	{
		case CRIT_GINI:
			{
				double		w = 0;
				double		sq = 0;

				for (int k = 0; k < cfg->K; k++)
				{
					w += s[k];
					sq += s[k] * s[k];
				}
				return sq / w;
			}
		case CRIT_ENTROPY:
			{
				double		w = 0;
				double		e = 0;

				for (int k = 0; k < cfg->K; k++)
					if (s[k] > 0)
					{
						w += s[k];
						e += s[k] * log(s[k]);
					}
				return e - w * log(w);
			}
		default:
			return s[1] * s[1] / s[0];
	}
}

static inline double
Weight(const CartConfig *cfg, const double *s)
{
	double		w = 0;

	if (cfg->K == 0)
		return s[0];
	for (int k = 0; k < cfg->K; k++)
		w += s[k];
	return w;
}

#define COUNT(cfg, s)	((s)[(cfg)->S - 1])

static inline void
AddRow(const CartData *d, const CartScratch *s, double *st, int32 r)
{
	double		w = s->w ? s->w[r] : 1.0;

	if (d->cfg.K > 0)
		st[(int) d->y[r]] += w;
	else
	{
		st[0] += w;
		st[1] += w * d->y[r];
	}
	st[d->cfg.S - 1] += 1;
}

static int
CompareKeys(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return (x > y) - (x < y);
}

/* Threshold for a split between present bins a (left) and b (right) */
static void
ChooseCut(const TreeBins *bins, int f, int a, int b, int *split, double *threshold)
{
	int			nb = bins->n_bins[f];

	if (a == 0)
	{
		*split = 0;
		*threshold = -INFINITY;
	}
	else if (b > nb)
	{
		*split = nb;
		*threshold = INFINITY;
	}
	else
	{
		double		target = bins->hi[f][a - 1] / 2.0 + bins->lo[f][b - 1] / 2.0;
		int			best = a;

		for (int s = a + 1; s < b; s++)
			if (fabs(bins->cuts[f][s - 1] - target) < fabs(bins->cuts[f][best - 1] - target))
				best = s;
		*split = best;
		*threshold = bins->cuts[f][best - 1];
	}
}

/*
 * Evaluate feature f on rows [begin, end) of s->rows; update *best.  False
 * when the feature has a single value there (no split possible).
 */
static bool
EvalFeature(const CartData *d, CartScratch *s, int f, int32 begin, int32 end,
			BestSplit *best)
{
	const CartConfig *cfg = &d->cfg;
	int			S = cfg->S;
	int			nb = d->bins->n_bins[f];
	int32		cnt = end - begin;
	double	   *M = s->hist;		/* missing statistics first */
	int			m = 0;			/* occupied value bins */
	bool		has_missing;
	double	   *L = s->left;
	double	   *R = s->right;
	const double *T = s->total;

	if ((int64) (nb + 1) <= 4 * (int64) cnt)
	{
		memset(s->hist, 0, sizeof(double) * S * (nb + 1));
		if (d->codes->wide)
		{
			const uint16 *c = (const uint16 *) d->codes->data + (int64) f * d->n;

			for (int32 i = begin; i < end; i++)
				AddRow(d, s, s->hist + (int64) S * c[s->rows[i]], s->rows[i]);
		}
		else
		{
			const uint8 *c = (const uint8 *) d->codes->data + (int64) f * d->n;

			for (int32 i = begin; i < end; i++)
				AddRow(d, s, s->hist + (int64) S * c[s->rows[i]], s->rows[i]);
		}
		for (int b = 1; b <= nb; b++)
		{
			const double *h = s->hist + (int64) S * b;

			if (COUNT(cfg, h) > 0)
			{
				s->occ_code[m] = b;
				memcpy(s->occ + (int64) S * m, h, sizeof(double) * S);
				m++;
			}
		}
	}
	else
	{
		/* few rows: sort them by code */
		int32		i = 0;

		for (int32 k = begin; k < end; k++)
			s->keys[k - begin] = ((uint64) TreeCode(d->codes, s->rows[k], f) << 32) | (uint32) s->rows[k];
		qsort(s->keys, cnt, sizeof(uint64), CompareKeys);
		memset(M, 0, sizeof(double) * S);
		while (i < cnt && (s->keys[i] >> 32) == 0)
			AddRow(d, s, M, (int32) (s->keys[i++] & 0xffffffff));
		while (i < cnt)
		{
			int			code = (int) (s->keys[i] >> 32);
			double	   *o = s->occ + (int64) S * m;

			memset(o, 0, sizeof(double) * S);
			while (i < cnt && (int) (s->keys[i] >> 32) == code)
				AddRow(d, s, o, (int32) (s->keys[i++] & 0xffffffff));
			s->occ_code[m++] = code;
		}
	}
	has_missing = COUNT(cfg, M) > 0;
	if (m + (has_missing ? 1 : 0) < 2)
		return false;

	memset(L, 0, sizeof(double) * S);
	for (int j = 0; j <= m; j++)
	{
		if (j > 0)
			for (int k = 0; k < S; k++)
				L[k] += s->occ[(int64) S * (j - 1) + k];
		for (int dir = 0; dir < 2; dir++)
		{
			/* dir 0: missing values (if any) go left; dir 1: right */
			bool		missing_left = dir == 0;
			const double *left = L;
			double		proxy;

			if (!has_missing)
			{
				if (dir == 1 || j == 0 || j == m)
					continue;
			}
			else if (missing_left ? j == m : j == 0)
				continue;
			if (has_missing && missing_left)
			{
				for (int k = 0; k < S; k++)
					s->lm[k] = L[k] + M[k];
				left = s->lm;
			}
			for (int k = 0; k < S; k++)
				R[k] = T[k] - left[k];
			if (COUNT(cfg, left) < cfg->min_leaf || COUNT(cfg, R) < cfg->min_leaf)
				continue;
			/* no missing values here: they go to the heavier child */
			if (!has_missing)
				missing_left = Weight(cfg, left) >= Weight(cfg, R);
			proxy = Crit(cfg, left) + Crit(cfg, R);
			if (proxy > best->proxy)
			{
				best->proxy = proxy;
				best->feature = f;
				best->default_left = missing_left;
				ChooseCut(d->bins, f, j > 0 ? s->occ_code[j - 1] : 0,
						  j < m ? s->occ_code[j] : nb + 1, &best->split, &best->threshold);
			}
		}
	}
	return true;
}

/* Candidate features of a node: all in order, or max_features at random */
static void
FindSplit(const CartData *d, CartScratch *s, int32 begin, int32 end, uint64 *rng,
		  BestSplit *best)
{
	int			p = d->p;

	if (d->cfg.mtry >= p)
	{
		for (int f = 0; f < p; f++)
			EvalFeature(d, s, f, begin, end, best);
		return;
	}
	/* draw until mtry features that vary in the node were tried */
	for (int i = 0, tried = 0; i < p && tried < d->cfg.mtry; i++)
	{
		int			j = i + (int) TreeRandomBelow(rng, p - i);
		int			f = s->perm[j];

		s->perm[j] = s->perm[i];
		s->perm[i] = f;
		if (EvalFeature(d, s, f, begin, end, best))
			tried++;
	}
}

/* decision_tree: the features of one large node spread over the workers */
typedef struct CartFeatureJob
{
	const CartData *d;
	const CartScratch *node;	/* rows, weights and totals of the node */
	CartScratch *workers;
	int32		begin;
	int32		end;
	int			group_size;
	BestSplit  *results;
	MaasProgress *progress;		/* NOTICEs of decision_tree's growth */
} CartFeatureJob;

static int
EvalGroup(void *arg, int group, int worker)
{
	CartFeatureJob *job = arg;
	CartScratch ws = job->workers[worker];
	BestSplit  *best = &job->results[group];
	int			from = group * job->group_size;
	int			to = Min(from + job->group_size, job->d->p);

	ws.rows = job->node->rows;
	ws.w = job->node->w;
	ws.total = job->node->total;
	best->proxy = -INFINITY;
	best->feature = -1;
	for (int f = from; f < to; f++)
		EvalFeature(job->d, &ws, f, job->begin, job->end, best);
	return MAAS_POOL_OK;
}

/* ---- growing a tree ---- */

/* Whether a node's rows have a single class, or values that barely differ */
static bool
Pure(const CartData *d, const CartScratch *s, int32 begin, int32 end, double W)
{
	const CartConfig *cfg = &d->cfg;

	if (cfg->K > 0)
	{
		for (int k = 0; k < cfg->K; k++)
			if (s->total[k] >= W)
				return true;
		return false;
	}
	else
	{
		double		mean = s->total[1] / W;
		double		ss = 0;

		for (int32 i = begin; i < end; i++)
		{
			int32		r = s->rows[i];
			double		e = d->y[r] - mean;

			ss += (s->w ? s->w[r] : 1.0) * e * e;
		}
		return ss / W <= DBL_EPSILON * Max(1.0, mean * mean);
	}
}

/* Stable partition of rows [begin, end): the left rows first; their count */
static int32
Partition(const CartData *d, CartScratch *s, int32 begin, int32 end, int f, int split,
		  bool default_left)
{
	int32		nl = 0;
	int32		nr = 0;

	for (int32 i = begin; i < end; i++)
	{
		int32		r = s->rows[i];
		int			code = TreeCode(d->codes, r, f);
		bool		left = code == 0 ? default_left : code <= split;

		if (left)
			s->rows[begin + nl++] = r;
		else
			s->tmp[nr++] = r;
	}
	memcpy(s->rows + begin + nl, s->tmp, sizeof(int32) * nr);
	return nl;
}

static inline void
Push(CartScratch *s, int *top, int32 node, int32 begin, int32 end, int depth)
{
	StackEntry *e = &s->stack[(*top)++];

	e->node = node;
	e->begin = begin;
	e->end = end;
	e->depth = depth;
}

/* Statistics of a node's rows into s->total; their weight */
static inline double
NodeTotals(const CartData *d, CartScratch *s, int32 begin, int32 end)
{
	memset(s->total, 0, sizeof(double) * d->cfg.S);
	for (int32 i = begin; i < end; i++)
		AddRow(d, s, s->total, s->rows[i]);
	return Weight(&d->cfg, s->total);
}

/* Whether node e, of weight W, stays a leaf without a search: depth, size, purity */
static bool
StopsHere(const CartData *d, const CartScratch *s, const StackEntry *e, double W)
{
	const CartConfig *cfg = &d->cfg;
	int32		cnt = e->end - e->begin;

	return e->depth >= cfg->max_depth || cnt < cfg->min_split || cnt < 2 * cfg->min_leaf ||
		Pure(d, s, e->begin, e->end, W);
}

/*
 * The best split of a node's rows, by FindSplit or, with par, over the
 * workers when the node is large and every feature is a candidate
 */
static void
SearchSplit(const CartData *d, CartScratch *s, const StackEntry *e, uint64 *rng,
			MaasPool *pool, CartFeatureJob *par, BestSplit *best)
{
	if (par != NULL && e->end - e->begin >= PARALLEL_NODE_ROWS && d->cfg.mtry >= d->p)
	{
		int			groups = (d->p + par->group_size - 1) / par->group_size;

		par->begin = e->begin;
		par->end = e->end;
		MaasPoolRun(pool, groups, EvalGroup, par);
		for (int g = 0; g < groups; g++)
			if (par->results[g].proxy > best->proxy)
				*best = par->results[g];
	}
	else
		FindSplit(d, s, e->begin, e->end, rng, best);
}

/* Node becomes a leaf of the class shares or the mean in s->total; false when out of room */
static bool
MakeLeaf(const CartData *d, const CartScratch *s, TreeBuild *out, int32 node, double W)
{
	const CartConfig *cfg = &d->cfg;
	int			nv = cfg->K > 0 ? cfg->K : 1;
	int			off = TreeBuildAddValues(out, nv);
	TreeBuildNode *nd;

	if (off < 0)
		return false;
	for (int k = 0; k < nv; k++)
		out->values[off + k] = cfg->K > 0 ? s->total[k] / W : s->total[1] / W;
	nd = &out->nodes[node];
	nd->feature = -1;
	nd->value = off;
	nd->cover = W;
	return true;
}

/*
 * Split node e by best: partition its rows, add its children and push them,
 * the left on top; false when out of room
 */
static bool
SplitNode(const CartData *d, CartScratch *s, TreeBuild *out, const StackEntry *e,
		  const BestSplit *best, double W, int *top)
{
	int32		nl = Partition(d, s, e->begin, e->end, best->feature, best->split,
							   best->default_left);
	int32		l = TreeBuildAddNode(out);
	int32		r = TreeBuildAddNode(out);
	TreeBuildNode *nd;

	if (l < 0 || r < 0)
		return false;
	nd = &out->nodes[e->node];
	nd->feature = best->feature;
	nd->split = best->split;
	nd->threshold = best->threshold;
	nd->default_left = best->default_left;
	nd->gain = best->proxy - Crit(&d->cfg, s->total);
	nd->cover = W;
	nd->left = l;
	nd->right = r;
	Push(s, top, r, e->begin + nl, e->end, e->depth + 1);
	Push(s, top, l, e->begin, e->begin + nl, e->depth + 1);
	return true;
}

/*
 * Grow one tree over the first m rows of s->rows, depth first.  par, set
 * on the backend's thread by decision_tree, spreads the features of large
 * nodes over the workers; NULL inside a worker task (random_forest).
 */
int
CartGrowTree(const CartData *d, CartScratch *s, int32 m, uint64 *rng, TreeBuild *out,
			 MaasPool *pool, CartFeatureJob *par)
{
	int			top = 0;
	int64		leaf_rows = 0;
	int32		root = TreeBuildAddNode(out);

	if (root < 0)
		return MAAS_POOL_ENOMEM;
	Push(s, &top, root, 0, m, 0);
	out->depth = 0;
	while (top > 0)
	{
		StackEntry	e = s->stack[--top];
		BestSplit	best;
		double		W;

		if (par ? (QueryCancelPending || ProcDiePending) : MaasPoolCancelled(pool))
			return MAAS_POOL_ECANCEL;
		W = NodeTotals(d, s, e.begin, e.end);
		out->depth = Max(out->depth, e.depth);
		best.proxy = -INFINITY;
		best.feature = -1;
		if (!StopsHere(d, s, &e, W))
			SearchSplit(d, s, &e, rng, pool, par, &best);
		if (best.feature >= 0)
		{
			if (!SplitNode(d, s, out, &e, &best, W, &top))
				return MAAS_POOL_ENOMEM;
			continue;
		}
		leaf_rows += e.end - e.begin;
		/* only on the backend's thread, between parallel steps */
		if (par != NULL && MaasProgressDue(par->progress))
			ereport(NOTICE,
					(errmsg("decision_tree: %d nodes, depth %d, %.0f%% of the rows in leaves",
							out->n_nodes, out->depth, 100.0 * leaf_rows / Max(m, 1))));
		if (!MakeLeaf(d, s, out, e.node, W))
			return MAAS_POOL_ENOMEM;
	}
	return MAAS_POOL_OK;
}

/* ---- set-up shared with random_forest ---- */

void
CartConfigure(const MaasTrainData *data, const CartOptions *opt, bool forest,
			  CartConfig *cfg, const char *algorithm)
{
	static const char *const criteria[] = {"", "gini", "entropy", "squared_error"};
	double		mf = opt->max_features;
	int			p = data->n_features;
	bool		classify = MaasTaskIsClassification(data->task);

	cfg->max_depth = opt->max_depth;
	if (cfg->max_depth == 0)
		cfg->max_depth = TREE_MAX_DEPTH;
	cfg->min_split = opt->min_samples_split;
	cfg->min_leaf = opt->min_samples_leaf;
	cfg->K = classify ? data->n_classes : 0;
	cfg->S = classify ? cfg->K + 1 : 3;
	if (opt->criterion < 0)
		cfg->criterion = classify ? CRIT_GINI : CRIT_SSE;
	else
		cfg->criterion = opt->criterion + 1;
	if (classify != (cfg->criterion != CRIT_SSE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" does not fit a %s task", criteria[cfg->criterion],
						MaasTaskName(data->task)),
				 errhint("Use \"gini\" or \"entropy\" for classification, \"squared_error\" for regression.")));
	if (isnan(mf))
		cfg->mtry = forest && classify ? Max(1, (int) floor(sqrt((double) p))) : p;
	else if (mf <= 1.0)
		cfg->mtry = Max(1, (int) (mf * p));
	else
	{
		if (mf != floor(mf))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"max_features\" must be a fraction up to 1 or a whole count, not %g",
							mf)));
		cfg->mtry = (int) Min(mf, (double) p);
	}
	if (data->m.n_rows > INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s trains on at most %d rows", algorithm, INT32_MAX / 2)));
}

void
CartScratchInit(CartScratch *s, const CartData *d, int64 rows, bool weights)
{
	int			S = d->cfg.S;
	int			nb = d->bins->max_bins + 1;

	memset(s, 0, sizeof(CartScratch));
	s->w = weights ? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * Max(d->n, 1)) : NULL;
	s->rows = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(rows, 1));
	s->tmp = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(rows, 1));
	s->keys = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint64) * Max(rows, 1));
	s->hist = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * S * nb);
	s->occ = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * S * nb);
	s->occ_code = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * nb);
	s->total = palloc(sizeof(double) * S);
	s->left = palloc(sizeof(double) * S);
	s->right = palloc(sizeof(double) * S);
	s->lm = palloc(sizeof(double) * S);
	s->perm = palloc(sizeof(int) * d->p);
	s->stack = palloc(sizeof(StackEntry) * (2 * TREE_MAX_DEPTH + 8));
}

void
CartBin(CartData *d, MaasPool *pool, const MaasTrainData *data, int max_bin,
		TreeBins *bins, TreeCodes *codes)
{
	d->n = data->m.n_rows;
	d->p = data->n_features;
	d->y = MaasTrainY(data);
	TreeMakeBins(pool, &data->m, d->p, NULL, d->n, max_bin, bins);
	TreeMakeCodes(pool, &data->m, d->p, bins, false, codes);
	d->bins = bins;
	d->codes = codes;
}

/* ---- decision_tree ---- */

static void *
DecisionTreeFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const CartOptions *opt = options;
	CartData	d;
	TreeBins	bins;
	TreeCodes	codes;
	CartScratch main;
	CartScratch *workers;
	CartFeatureJob par;
	TreeBuild	build;
	MaasPool   *pool;
	TreeEnsemble *e;
	uint64		rng = TreeRandomSeed((uint64) data->seed, 0, 0);
	int64		n = data->m.n_rows;
	double		cap_nodes;
	int			nv;
	int			n_workers;
	int			rc;

	CartConfigure(data, opt, false, &d.cfg, "decision_tree");
	nv = d.cfg.K > 0 ? d.cfg.K : 1;
	TreeCheckModelSize("decision_tree", 1, d.cfg.max_depth, n, d.cfg.min_leaf, nv);
	cap_nodes = Min(ldexp(1.0, d.cfg.max_depth + 1) - 1,
					2.0 * ceil((double) n / d.cfg.min_leaf) - 1);
	MaasCheckMemory(add_size(mul_size((Size) cap_nodes, sizeof(TreeBuildNode) + sizeof(double) * nv),
							 mul_size(n, data->n_features * 2 + 64)),
					"decision_tree training");

	pool = MaasPoolStart(TreeThreads(n * data->n_features));
	CartBin(&d, pool, data, opt->max_bin, &bins, &codes);
	n_workers = MaasPoolWorkers(pool);

	/* sample and class weights weigh the criterion and the leaves (not min_samples_leaf) */
	CartScratchInit(&main, &d, n, data->weights != NULL);
	for (int32 i = 0; i < n; i++)
	{
		main.rows[i] = i;
		if (data->weights != NULL)
			main.w[i] = (float) data->weights[i];
	}
	for (int f = 0; f < d.p; f++)
		main.perm[f] = f;
	workers = palloc(sizeof(CartScratch) * n_workers);
	for (int w = 0; w < n_workers; w++)
		CartScratchInit(&workers[w], &d, w == 0 || n >= PARALLEL_NODE_ROWS ? n : 1, false);
	par.d = &d;
	par.node = &main;
	par.workers = workers;
	par.group_size = Max(1, (d.p + 15) / 16);
	par.results = palloc(sizeof(BestSplit) * 16);
	par.progress = progress;

	memset(&build, 0, sizeof(build));
	build.fixed = true;
	build.cap_nodes = (int32) cap_nodes;
	build.cap_values = (int32) Min(((int64) cap_nodes + 1) / 2 * nv, INT32_MAX);
	build.nodes = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(TreeBuildNode) * build.cap_nodes);
	build.values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * build.cap_values);

	rc = CartGrowTree(&d, &main, (int32) n, &rng, &build, pool, &par);
	if (rc == MAAS_POOL_ECANCEL)
		CHECK_FOR_INTERRUPTS();
	if (rc != MAAS_POOL_OK)
		ereport(ERROR,
				(errcode(rc == MAAS_POOL_ENOMEM ? ERRCODE_PROGRAM_LIMIT_EXCEEDED : ERRCODE_QUERY_CANCELED),
				 errmsg(rc == MAAS_POOL_ENOMEM ? "decision tree outgrew its node bound" :
						"canceling statement due to user request")));
	MaasPoolStop(pool);

	e = TreeEnsembleNew(TREE_KIND_SINGLE, nv, 1);
	TreeEnsembleAppend(e, &build);
	TreeEnsembleFinish(e);
	return e;
}

const MaasAlgorithm maas_decision_tree = {
	.name = "decision_tree",
	.id = 3,
	.params = decision_tree_params,
	.options_size = sizeof(CartOptions),
	.fit = DecisionTreeFit,
	TREE_ALGORITHM_SHARED,
	.exports = "onnx,pmml",
	.export_model = TreeExport,
	.takes_weights = true,
};
