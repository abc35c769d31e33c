/*
 * tree.h
 *	  Tree models: decision_tree, random_forest and gradient_boosting.
 *
 * Training works on binned features (bins.c): every encoded feature is
 * cut into at most max_bin bins at quantiles of the training values, code 0
 * is "missing" (NaN), codes 1..n_bins the value bins.  A split after bin s
 * sends codes 1..s left, the rest right, and missing values the way learned
 * for that node; the stored threshold is a cut value, so predicting on raw
 * values (x <= threshold goes left) agrees with the binned training.
 * decision_tree (cart.c) and random_forest (forest.c) grow CART trees
 * (cart.c); gradient_boosting's rounds (boost.c) grow trees level by level
 * (boostgrow.c) on gradient histograms (boosthist.c).
 *
 * Training threads (core/pool.c) run plain C over memory allocated before
 * they start; the backend's own thread supervises them, handles interrupts
 * and does every PostgreSQL call.
 *
 * A fitted model is a TreeEnsemble (ensemble.c): flattened nodes of every
 * tree in one array, laid out again for prediction (layout.c, predict.c),
 * and read by the model bytes (format.c), maas_info (describe.c), TreeSHAP
 * explanations and importance (explain.c).
 */
#ifndef TREE_H
#define TREE_H

#include "core/core.h"

/* Limits */
#define TREE_MAX_DEPTH			256		/* deepest tree grown or read */
#define TREE_MAX_TREES			1000000 /* trees in one model */
#define TREE_MAX_BIN			65535
#define TREE_MAX_NODES			(1 << 30)	/* nodes, or leaf values, of a model */
#define TREE_PAYLOAD_VERSION	1
#define TREE_BIN_SAMPLE			262144	/* rows sampled to place the bin cuts */

/* What the trees of a model add up to */
typedef enum TreeKind
{
	TREE_KIND_SINGLE = 1,		/* one CART tree: leaf values are the output */
	TREE_KIND_FOREST = 2,		/* the mean of the trees' leaf values */
	TREE_KIND_BOOST = 3			/* base + sum of leaves, per group, then link */
} TreeKind;

/* Node flags in model bytes */
#define TREE_FLAG_LEAF			1
#define TREE_FLAG_DEFAULT_LEFT	2

/*
 * One node, flattened for prediction: 24 bytes, so a path touches one
 * cache line per level.  Leaves have feature -1 and left = offset of their
 * values.  Children are absolute indexes into the ensemble's node array.
 */
typedef struct TreeNode
{
	double		threshold;		/* x <= threshold goes left */
	int32		feature;		/* encoded feature, -1 for a leaf */
	int32		left;			/* leaf: offset into values */
	int32		right;
	int32		missing;		/* the child NaN goes to (left or right) */
} TreeNode;

/*
 * The same node for prediction (layout.c): each tree's nodes renumbered
 * breadth-first so that a node's children sit side by side, and a leaf
 * loops to itself.  A step is then branch-free, and several trees can be
 * walked in lockstep for one row.
 */
typedef struct TreeStep
{
	double		threshold;		/* x > threshold goes right; leaves: +inf */
	int32		feature2;		/* feature * 2, + 1 when NaN goes right */
	int32		child;			/* the left child (right: child + 1); leaves: itself */
} TreeStep;

typedef struct TreeEnsemble
{
	TreeKind	kind;
	int			n_trees;
	int			n_values;		/* values per leaf: classes (CART), else 1 */
	int			n_groups;		/* boosting: outputs; tree t adds to t % n_groups */
	double	   *base;			/* n_groups: boosting's initial margins */
	int32	   *root;			/* n_trees + 1: first node of each tree */
	int32		n_nodes;
	TreeNode   *nodes;
	double	   *cover;			/* per node: training weight (CART) or hessian */
	double	   *gain;			/* per node: loss reduction of its split, 0 for leaves */
	int32		n_leaf_values;
	double	   *values;
	/* training summary, NaN or 0 when not applicable */
	double		oob_score;		/* random_forest: accuracy or R^2 out of bag */
	int32		rounds;			/* boosting: rounds kept */
	int32		rounds_trained; /* boosting: rounds run before stopping */
	double		train_loss;
	double		valid_loss;
	/* derived on load */
	int			max_depth;
	int32		n_leaves;
	TreeStep   *steps;			/* n_nodes, tree t at root[t].. */
	int32	   *step_values;	/* per step node: a leaf's offset into values */
	int32	   *tree_depth;		/* per tree: its deepest leaf */
	/* capacities while trees are appended */
	int32		cap_trees;
	int32		cap_nodes;
	int32		cap_values;
} TreeEnsemble;

/* ---- binning (bins.c) ---- */

/* Cut points of every feature */
typedef struct TreeBins
{
	int			p;
	int		   *n_bins;			/* value bins per feature (codes 1..n_bins) */
	int			max_bins;		/* largest n_bins */
	double	  **cuts;			/* per feature n_bins - 1 cuts: bin b is (cuts[b-2], cuts[b-1]] */
	double	  **lo;				/* per feature and bin: smallest and largest */
	double	  **hi;				/* sampled training value (index b - 1) */
} TreeBins;

/* Codes of every row: uint8 when every feature has < 256 codes */
typedef struct TreeCodes
{
	int64		n;
	int			p;
	bool		wide;			/* uint16 codes */
	bool		row_major;		/* codes[r * p + f], else codes[f * n + r] */
	void	   *data;
} TreeCodes;

static inline int
TreeCode(const TreeCodes *c, int64 r, int f)
{
	int64		i = c->row_major ? r * c->p + f : (int64) f * c->n + r;

	return c->wide ? ((const uint16 *) c->data)[i] : ((const uint8 *) c->data)[i];
}

struct MaasPool;

extern void TreeMakeBins(struct MaasPool *pool, const MaasMatrix *m, int p,
						 const int32 *rows, int64 n_rows, int max_bin, TreeBins *bins);
extern void TreeMakeCodes(struct MaasPool *pool, const MaasMatrix *m, int p,
						  const TreeBins *bins, bool row_major, TreeCodes *codes);
extern void TreeMakeCodesTwice(struct MaasPool *pool, const MaasMatrix *m, int p,
							   const TreeBins *bins, bool row_major, TreeCodes *codes,
							   TreeCodes *copy);
extern double TreeCutThreshold(const TreeBins *bins, int f, int s);

/* ---- random numbers that threads may use (splitmix64) ---- */

static inline uint64
TreeRandomNext(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static inline uint64
TreeRandomBelow(uint64 *state, uint64 n)
{
	return (uint64) (((__uint128_t) TreeRandomNext(state) * n) >> 64);
}

/* uniform in [0, 1) */
static inline double
TreeRandomDouble(uint64 *state)
{
	return (TreeRandomNext(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* A generator for stream (a, b) of a seed, the same on any thread */
static inline uint64
TreeRandomSeed(uint64 seed, uint64 a, uint64 b)
{
	uint64		s = seed ^ UINT64CONST(0x6a09e667f3bcc909);

	s = TreeRandomNext(&s) ^ (a * UINT64CONST(0x9e3779b97f4a7c15));
	s = TreeRandomNext(&s) ^ (b * UINT64CONST(0xc2b2ae3d27d4eb4f));
	return TreeRandomNext(&s);
}

/* ---- trees as built, and the fitted model (ensemble.c) ---- */

/* A tree as built: nodes in creation order, children after their parent */
typedef struct TreeBuildNode
{
	int32		feature;		/* -1: leaf */
	int32		split;			/* codes 1..split go left */
	int32		left;
	int32		right;
	bool		default_left;
	double		threshold;
	double		cover;
	double		gain;
	int32		value;			/* leaf: offset into the tree's values */
} TreeBuildNode;

/* Growable (malloc, usable in threads) or fixed (palloc'd by the caller) */
typedef struct TreeBuild
{
	TreeBuildNode *nodes;
	int32		n_nodes;
	int32		cap_nodes;
	double	   *values;
	int32		n_values;
	int32		cap_values;
	bool		fixed;
	int			depth;
} TreeBuild;

extern int	TreeBuildAddNode(TreeBuild *b);
extern int	TreeBuildAddValues(TreeBuild *b, int n);
extern void TreeBuildFree(TreeBuild *b);

extern TreeEnsemble *TreeEnsembleNew(TreeKind kind, int n_values, int n_groups);
extern void TreeEnsembleAppend(TreeEnsemble *e, const TreeBuild *b);
extern void TreeEnsembleFinish(TreeEnsemble *e);

/* ---- CART trees (cart.c; random_forest: forest.c) ---- */

typedef struct CartConfig
{
	int			max_depth;
	int			min_split;
	int			min_leaf;
	int			mtry;			/* candidate features per node */
	int			criterion;
	int			K;				/* classes; 0 for regression */
	int			S;				/* statistics per bin: K weights + count, or w, wy, count */
} CartConfig;

/* Read-only during training */
typedef struct CartData
{
	const TreeCodes *codes;		/* column-major */
	const TreeBins *bins;
	const double *y;			/* class index or value */
	int64		n;
	int			p;
	CartConfig	cfg;
} CartData;

/* Working memory of one worker */
typedef struct CartScratch
{
	float	   *w;				/* row weights, NULL: all 1 */
	int32	   *rows;
	int32	   *tmp;
	uint64	   *keys;
	double	   *hist;			/* (max_bins + 1) * S */
	int32	   *occ_code;
	double	   *occ;			/* occupied bins' statistics */
	double	   *total;			/* S */
	double	   *left;			/* S */
	double	   *right;			/* S */
	double	   *lm;				/* S */
	int		   *perm;			/* p */
	struct CartStackEntry *stack;
} CartScratch;

/* Options of both algorithms: a decision tree has the first six */
typedef struct CartOptions
{
	int			criterion;		/* Criterion, or -1: by task */
	int			max_depth;
	int			min_samples_split;
	int			min_samples_leaf;
	double		max_features;	/* NaN: by algorithm and task */
	int			max_bin;
	int			n_estimators;
	bool		bootstrap;
	double		max_samples;
	bool		oob_score;
} CartOptions;

/* Parameters both algorithms declare alike */
#define CART_PARAM_CRITERION \
	{"criterion", MAAS_PARAM_CHOICE, NULL, 0, 0, "gini,entropy,squared_error", \
		"split quality: gini or entropy (classification, default gini), squared_error (regression)", \
	offsetof(CartOptions, criterion)}
#define CART_PARAMS_MIN_SAMPLES \
	{"min_samples_split", MAAS_PARAM_INT, "2", 2, INT_MAX, NULL, \
		"fewest training rows a node needs to be split", \
	offsetof(CartOptions, min_samples_split)}, \
	{"min_samples_leaf", MAAS_PARAM_INT, "1", 1, INT_MAX, NULL, \
		"fewest training rows in each child of a split", \
	offsetof(CartOptions, min_samples_leaf)}

struct CartFeatureJob;

extern void CartConfigure(const MaasTrainData *data, const CartOptions *opt, bool forest,
						  CartConfig *cfg, const char *algorithm);
extern void CartScratchInit(CartScratch *s, const CartData *d, int64 rows, bool weights);
extern void CartBin(CartData *d, MaasPool *pool, const MaasTrainData *data, int max_bin,
					TreeBins *bins, TreeCodes *codes);
extern int	CartGrowTree(const CartData *d, CartScratch *s, int32 m, uint64 *rng, TreeBuild *out,
						 MaasPool *pool, struct CartFeatureJob *par);

/* ---- gradient boosting (boost.c, boostgrow.c, boosthist.c) ---- */

/* A node of the level being grown */
typedef struct BoostNode
{
	int32		id;				/* in the tree being built */
	int32		begin;			/* rows in the current buffer */
	int32		end;
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
} BoostNode;

/* A chunk of a node's rows */
typedef struct BoostChunk
{
	int			node;
	int32		begin;
	int32		end;
	int32		count;			/* partition: rows going left */
	int32		left_at;		/* partition: where its left rows go */
	int32		right_at;
} BoostChunk;

/* A leaf and where its rows are */
typedef struct BoostLeafRange
{
	const int32 *rows;
	int32		begin;
	int32		end;
	int32		leaf;			/* its value's offset in the tree's values */
} BoostLeafRange;

/*
 * A row record: gradient and hessian of the tree being grown, then the
 * row's codes (uint8 or uint16), padded to 8 bytes.  The rows of a node
 * are a contiguous range of records, so building its histogram and
 * partitioning it stream through memory instead of gathering by row.
 */
#define BOOST_REC_CODES		16	/* offset of the codes */
#define BOOST_UNIFORM_CELLS 256	/* histogram cells per feature, uint8 codes */

/* A gradient and hessian pair, added to a histogram cell at once */
typedef double BoostGradPair __attribute__((vector_size(16), aligned(8)));

/* The state of a gradient_boosting fit */
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
	const double *w;			/* row weights (gradient and hessian scale); NULL: 1 */
	int32	   *train;			/* training rows, ascending */
	int32		n_train;
	int32	   *valid;			/* validation rows */
	int32		n_valid;
	double	   *F;				/* n x K margins */
	double	   *gh;				/* K > 1: K x n x 2 gradient, hessian */
	int32	   *foff;			/* per feature: first histogram cell */
	int32		cells;
	bool		uniform;		/* foff[f] is f * BOOST_UNIFORM_CELLS */
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
	BoostNode  *nodes;
	int			n_nodes;
	BoostChunk *chunks;
	int			n_chunks;
	bool		root_pass;		/* histograms of the root: write the records */
	const int32 *src;			/* buffer the level's rows are in */
	int32	   *dst;
	char	   *rsrc;			/* the same for records */
	char	   *rdst;
	/* leaves */
	BoostLeafRange *leaves;
	int32	   *leaf_of;		/* per row grown on: its leaf (BoostLeafRange.leaf) */
	int			n_leaves;
	TreeBuild	build;
	/* losses: per block partial sums */
	double	   *block_loss;
	MaasPool   *pool;
} Booster;

/*
 * Whether a code goes left, without a branch: near the root the direction
 * is a coin flip.  Code 0 (missing) takes the default way; codes 1..split
 * go left.
 */
static pg_attribute_always_inline int
BoostCodeGoesLeft(uint32 code, uint32 split, int default_left)
{
	return (code - 1 < split) | ((code == 0) & default_left);
}

/* boosthist.c */
extern void BoostMakeChunks(Booster *b, const bool *want);
extern void BoostRootHist(Booster *b);
extern void BoostChildHists(Booster *b, const BoostNode *level, const bool *split,
							BoostNode *next, int n_next);

/* boostgrow.c */
extern void BoostGrowTree(Booster *b);

/* ---- the model's methods, shared by the three algorithms ---- */

/* layout.c */
extern void TreeLayOutSteps(TreeEnsemble *e);

/* predict.c */
extern void TreePredict(const MaasModel *model, const MaasInput *in, double *out);
extern void TreePredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features,
							  double *out);

/* format.c */
extern void TreeSerialize(const MaasModel *model, StringInfo buf);
extern void *TreeDeserialize(MaasReader *r, const MaasModel *model);
extern int64 TreeSectionBytes(const TreeEnsemble *e);
extern void TreeCheckModelSize(const char *algorithm, int64 trees, int max_depth,
							   int64 rows, int min_leaf, int n_values);

/* describe.c */
extern void TreeDescribe(const MaasModel *model, MaasJson *json);

/* explain.c */
extern void TreeExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base);
extern void TreeImportance(const MaasModel *model, double *gain, double *splits);

/* export.c, export_onnx.c, export_pmml.c */
extern void TreeExport(const MaasModel *model, const char *format, StringInfo out);
extern void TreeExportOnnx(const MaasModel *model, StringInfo out);
extern void TreeExportPmml(const MaasModel *model, StringInfo out);

/* to_sql.c */
extern void TreeToSql(const MaasModel *model, char *const *feature, bool proba,
					  StringInfo out);

/* ---- models of other libraries (import.c, import_xgboost.c, import_lightgbm.c) ---- */

/*
 * A tree as a file gives it: nodes by index, node 0 the root, a leaf has
 * left -1; x <= threshold goes left, NaN to the default side
 */
typedef struct TreeImportTree
{
	int32		n;
	int32	   *left;
	int32	   *right;
	int32	   *feature;
	double	   *threshold;
	bool	   *default_left;
	double	   *value;			/* leaves */
	double	   *cover;
	double	   *gain;
} TreeImportTree;

extern void TreeImportFail(const char *format, const char *detail,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();
extern void TreeImportUnsupported(const char *format, const char *what, const char *hint) pg_attribute_noreturn();
extern void TreeImportInit(TreeImportTree *t, int32 n);
extern void TreeImportFree(TreeImportTree *t);
extern void TreeImportAppend(TreeEnsemble *e, const TreeImportTree *t, int n_features,
							 const char *format, int tree_no);
extern void TreeImportAppendZero(TreeEnsemble *e);
extern void TreeImport(const char *format, const char *data, int64 len, MaasImported *out);
extern TreeEnsemble *TreeImportXgboost(const char *data, int64 len, MaasImported *out);
extern TreeEnsemble *TreeImportLightgbm(const char *data, int64 len, MaasImported *out);

/* What the MaasAlgorithm of every tree algorithm shares: tasks, input, methods */
#define TREE_ALGORITHM_SHARED \
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION) | MAAS_TASKS_CLASSIFY, \
	.handles_missing = true, \
	.input = MAAS_INPUT_DENSE, \
	.fit_comoment = NULL, \
	.predict = TreePredict, \
	.predict_matrix = TreePredictMatrix, \
	.serialize = TreeSerialize, \
	.deserialize = TreeDeserialize, \
	.describe = TreeDescribe, \
	.explain = TreeExplain, \
	.importance = TreeImportance, \
	.to_sql = TreeToSql

/* Threads for this much work (rows x features x trees): small fits stay inline */
static inline int
TreeThreads(int64 work)
{
	if (work < 2000000)
		return 1;
	return maas_threads;
}

#endif							/* TREE_H */
