/*
 * import.c
 *	  Boosted trees of other libraries (maas_import) as gradient_boosting
 *	  models: each reader (import_xgboost.c, import_lightgbm.c) turns its
 *	  file into TreeImportTrees, whose nodes are checked here and renumbered
 *	  in maas's order (children after their parent) before they join the
 *	  ensemble.  So an imported model is an ordinary gradient_boosting model:
 *	  every predict form, TreeSHAP explanations and importance.
 *	  (TreeImport, in boost.c, picks the reader by format.)
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "tree.h"

/* ERROR: the file is not a valid model of format */
void
TreeImportFail(const char *format, const char *detail,...)
{
	va_list		args;
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		int			needed;

		va_start(args, detail);
		needed = appendStringInfoVA(&buf, detail, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s model", format),
			 errdetail("%s", buf.data)));
}

/* ERROR: the file is valid, but uses what maas's trees cannot express */
void
TreeImportUnsupported(const char *format, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s models with %s cannot be imported", format, what),
			 hint ? errhint("%s", hint) : 0));
}

/* A tree of n nodes, zeroed, node 0 its root */
void
TreeImportInit(TreeImportTree *t, int32 n)
{
	t->n = n;
	t->left = palloc0(sizeof(int32) * Max(n, 1));
	t->right = palloc0(sizeof(int32) * Max(n, 1));
	t->feature = palloc0(sizeof(int32) * Max(n, 1));
	t->threshold = palloc0(sizeof(double) * Max(n, 1));
	t->default_left = palloc0(sizeof(bool) * Max(n, 1));
	t->value = palloc0(sizeof(double) * Max(n, 1));
	t->cover = palloc0(sizeof(double) * Max(n, 1));
	t->gain = palloc0(sizeof(double) * Max(n, 1));
}

void
TreeImportFree(TreeImportTree *t)
{
	pfree(t->left);
	pfree(t->right);
	pfree(t->feature);
	pfree(t->threshold);
	pfree(t->default_left);
	pfree(t->value);
	pfree(t->cover);
	pfree(t->gain);
}

/*
 * Check tree number tree_no and append it to e: every child index within
 * the tree, every node reached once from the root, depth at most
 * TREE_MAX_DEPTH, features within n_features, numbers finite (thresholds
 * may be infinite).  Nodes not reached from the root are left out.
 */
void
TreeImportAppend(TreeEnsemble *e, const TreeImportTree *t, int n_features,
				 const char *format, int tree_no)
{
	TreeBuild	b;
	bool	   *seen;
	int32	   *stack_old;
	int32	   *stack_new;
	int		   *stack_depth;
	int			top = 0;

	CHECK_FOR_INTERRUPTS();
	if (t->n < 1)
		TreeImportFail(format, "Tree %d has no nodes.", tree_no);
	memset(&b, 0, sizeof(b));
	b.fixed = true;
	b.cap_nodes = t->n;
	b.nodes = palloc(sizeof(TreeBuildNode) * t->n);
	b.cap_values = t->n;
	b.values = palloc(sizeof(double) * t->n);
	seen = palloc0(sizeof(bool) * t->n);
	stack_old = palloc(sizeof(int32) * t->n);
	stack_new = palloc(sizeof(int32) * t->n);
	stack_depth = palloc(sizeof(int) * t->n);

	stack_old[0] = 0;
	stack_new[0] = TreeBuildAddNode(&b);
	stack_depth[0] = 0;
	seen[0] = true;
	top = 1;
	while (top > 0)
	{
		int32		old,
					id;
		int			depth;
		TreeBuildNode *nd;

		top--;
		old = stack_old[top];
		id = stack_new[top];
		depth = stack_depth[top];
		nd = &b.nodes[id];
		if (!isfinite(t->cover[old]) || t->cover[old] < 0 || !isfinite(t->gain[old]))
			TreeImportFail(format, "Node %d of tree %d has a cover or gain that is negative or not finite.",
						   old, tree_no);
		nd->cover = t->cover[old];
		if (t->left[old] < 0)
		{
			if (!isfinite(t->value[old]))
				TreeImportFail(format, "Leaf %d of tree %d has a value that is not finite.",
							   old, tree_no);
			nd->feature = -1;
			nd->value = TreeBuildAddValues(&b, 1);
			b.values[nd->value] = t->value[old];
			continue;
		}
		if (t->left[old] >= t->n || t->right[old] < 0 || t->right[old] >= t->n)
			TreeImportFail(format, "Node %d of tree %d has children %d and %d of %d nodes.",
						   old, tree_no, t->left[old], t->right[old], t->n);
		if (seen[t->left[old]] || seen[t->right[old]] || t->left[old] == t->right[old])
			TreeImportFail(format, "A node of tree %d is reached twice.", tree_no);
		if (t->feature[old] < 0 || t->feature[old] >= n_features)
			TreeImportFail(format, "Node %d of tree %d splits on feature %d of %d.",
						   old, tree_no, t->feature[old], n_features);
		if (isnan(t->threshold[old]))
			TreeImportFail(format, "Node %d of tree %d has a NaN threshold.", old, tree_no);
		if (depth + 1 > TREE_MAX_DEPTH)
			TreeImportFail(format, "Tree %d is deeper than %d.", tree_no, TREE_MAX_DEPTH);
		nd->feature = t->feature[old];
		nd->threshold = t->threshold[old];
		nd->default_left = t->default_left[old];
		nd->gain = t->gain[old];
		seen[t->left[old]] = seen[t->right[old]] = true;
		/* the left child is numbered first: push it last */
		nd->left = TreeBuildAddNode(&b);
		nd->right = TreeBuildAddNode(&b);
		stack_old[top] = t->right[old];
		stack_new[top] = b.nodes[id].right;
		stack_depth[top++] = depth + 1;
		stack_old[top] = t->left[old];
		stack_new[top] = b.nodes[id].left;
		stack_depth[top++] = depth + 1;
	}
	TreeEnsembleAppend(e, &b);
	pfree(b.nodes);
	pfree(b.values);
	pfree(seen);
	pfree(stack_old);
	pfree(stack_new);
	pfree(stack_depth);
}

/* A tree of one leaf worth 0: fills a class a library grew no tree for */
void
TreeImportAppendZero(TreeEnsemble *e)
{
	TreeImportTree t;

	TreeImportInit(&t, 1);
	t.left[0] = t.right[0] = -1;
	TreeImportAppend(e, &t, 1, "", 0);
	TreeImportFree(&t);
}
