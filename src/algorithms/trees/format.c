/*
 * format.c
 *	  Model bytes of a tree ensemble: writing, and reading them back with
 *	  every value checked; the bound a model's size puts on training.
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
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "tree.h"

#define LEAF_BYTES(nv)		(1 + 8 + 8 * (int64) (nv))
#define INTERNAL_BYTES		37
#define MIN_NODE_BYTES		17

/* Bytes of the algorithm section (maas_info's tree_bytes) */
int64
TreeSectionBytes(const TreeEnsemble *e)
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
		int32		n = MaasReadCount(r, TREE_MAX_NODES, MIN_NODE_BYTES, "node");
		uint8	   *seen = NULL;
		int		   *depth = NULL;
		int32		internal = 0;

		if (n < 1)
			MaasReaderFail(r, "tree %d has no nodes", t + 1);
		if ((int64) nodes_seen + n > TREE_MAX_NODES)
			MaasReaderFail(r, "more than %d nodes", TREE_MAX_NODES);
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
				if ((int64) values_seen + e->n_values > TREE_MAX_NODES)
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
	TreeLayOutSteps(e);
	return e;
}

/* ---- the bound on training ---- */

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
