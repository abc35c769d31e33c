/*
 * ensemble.c
 *	  The fitted tree ensemble shared by decision_tree, random_forest and
 *	  gradient_boosting: trees as they are built (growable in threads, or
 *	  fixed), appended to one array of nodes in the backend's thread.
 *	  TreeEnsembleFinish derives the depths and the prediction layout
 *	  (layout.c).
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "tree.h"

/* ---- trees as built ---- */

/* A new node's index, -1 when out of memory (a fixed build never grows) */
int
TreeBuildAddNode(TreeBuild *b)
{
	if (b->n_nodes == b->cap_nodes)
	{
		int32		cap = Max(64, b->cap_nodes * 2);
		TreeBuildNode *nodes;

		if (b->fixed || cap > TREE_MAX_NODES)
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

		if (b->fixed || cap > TREE_MAX_NODES)
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
	if ((int64) e->n_nodes + nodes > TREE_MAX_NODES ||
		(int64) e->n_leaf_values + values > TREE_MAX_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tree model exceeds %d nodes", TREE_MAX_NODES),
				 errhint("Use fewer or shallower trees.")));
	if (e->n_nodes + nodes > e->cap_nodes)
	{
		int32		cap = Max(e->n_nodes + nodes, Min((int64) e->cap_nodes * 2, TREE_MAX_NODES));

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
							  Min((int64) e->cap_values * 2, TREE_MAX_NODES));

		if (e->values == NULL)
			e->values = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
		else
			e->values = repalloc_huge(e->values, sizeof(double) * cap);
		e->cap_values = cap;
	}
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
	TreeLayOutSteps(e);
}

