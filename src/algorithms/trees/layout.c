/*
 * layout.c
 *	  The prediction layout of an ensemble (TreeStep, tree.h): each tree's
 *	  nodes renumbered breadth-first so that a node's children sit side by
 *	  side and a leaf loops to itself, which makes a step of prediction
 *	  (predict.c) branch-free.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "tree.h"

/* Every tree of e laid out in its own range of node indexes, as it is stored */
void
TreeLayOutSteps(TreeEnsemble *e)
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
