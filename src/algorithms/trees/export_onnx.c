/*
 * export_onnx.c
 *	  maas_export(name, 'onnx') of the tree models: every tree in one
 *	  ai.onnx.ml TreeEnsembleRegressor with one target per output (the
 *	  value; a CART classifier's class probabilities; a boosting group's
 *	  margin), aggregated as maas does (a forest's AVERAGE, boosting's SUM
 *	  plus the base margins), then the link (core/onnxwrite.c): boosting's
 *	  logistic or softmax, a CART classifier's probabilities as they are.
 *
 * ONNX Runtime compares the float input with float thresholds (x <=
 * threshold goes to the "true" node, the left child).  Each threshold is
 * written as the float nearest to it: a double x <= t has (float) x <=
 * (float) t, so it goes left as in maas; an x above t goes left only when
 * it rounds to the same float as t (within 6e-8 relatively).  Missing
 * values (NaN) follow the learned default direction
 * (nodes_missing_value_tracks_true).  Leaf values are floats and ONNX
 * Runtime sums them in single precision.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "core/onnxwrite.h"
#include "tree.h"

/* The attributes of every node and leaf weight, in ONNX's parallel arrays */
typedef struct OnnxTrees
{
	int32		n;				/* nodes */
	int64	   *tree;
	int64	   *node;
	int64	   *feature;
	double	   *value;
	const char **mode;
	int64	   *yes;
	int64	   *no;
	int64	   *missing_yes;
	int32		n_targets;		/* leaf weights */
	int64	   *t_tree;
	int64	   *t_node;
	int64	   *t_id;
	double	   *t_weight;
} OnnxTrees;

/* Node ids are per tree, from 0 at the root */
static void
Collect(const TreeEnsemble *e, int n_values, OnnxTrees *a)
{
	int64		leaf_weights = (int64) e->n_leaves * n_values;

	if (leaf_weights > INT32_MAX / 8)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the model has too many leaves to export as ONNX")));
	a->n = e->n_nodes;
	a->tree = palloc(sizeof(int64) * a->n);
	a->node = palloc(sizeof(int64) * a->n);
	a->feature = palloc(sizeof(int64) * a->n);
	a->value = palloc(sizeof(double) * a->n);
	a->mode = palloc(sizeof(char *) * a->n);
	a->yes = palloc(sizeof(int64) * a->n);
	a->no = palloc(sizeof(int64) * a->n);
	a->missing_yes = palloc(sizeof(int64) * a->n);
	a->t_tree = palloc(sizeof(int64) * Max(leaf_weights, 1));
	a->t_node = palloc(sizeof(int64) * Max(leaf_weights, 1));
	a->t_id = palloc(sizeof(int64) * Max(leaf_weights, 1));
	a->t_weight = palloc(sizeof(double) * Max(leaf_weights, 1));
	a->n_targets = 0;
	for (int t = 0; t < e->n_trees; t++)
	{
		int32		first = e->root[t];

		CHECK_FOR_INTERRUPTS();
		for (int32 i = first; i < e->root[t + 1]; i++)
		{
			const TreeNode *nd = &e->nodes[i];
			bool		leaf = nd->feature < 0;

			a->tree[i] = t;
			a->node[i] = i - first;
			a->feature[i] = leaf ? 0 : nd->feature;
			a->value[i] = leaf ? 0 : nd->threshold;
			a->mode[i] = leaf ? "LEAF" : "BRANCH_LEQ";
			a->yes[i] = leaf ? 0 : nd->left - first;
			a->no[i] = leaf ? 0 : nd->right - first;
			a->missing_yes[i] = !leaf && nd->missing == nd->left;
			if (!leaf)
				continue;
			for (int c = 0; c < n_values; c++)
			{
				int32		w = a->n_targets++;

				if (w >= leaf_weights)
					elog(ERROR, "tree leaves miscounted");
				a->t_tree[w] = t;
				a->t_node[w] = i - first;
				/* boosting: tree t adds to group t % n_groups */
				a->t_id[w] = e->kind == TREE_KIND_BOOST ? t % e->n_groups : c;
				a->t_weight[w] = e->values[nd->left + c];
			}
		}
	}
}

void
TreeExportOnnx(const MaasModel *model, StringInfo out)
{
	const TreeEnsemble *e = model->state;
	bool		boost = e->kind == TREE_KIND_BOOST;
	int			n_values = boost ? 1 : e->n_values;
	int			n_targets = boost ? e->n_groups : e->n_values;
	const char *link;
	OnnxTrees	a;
	MaasOnnx	o;
	StringInfo	node;

	if (model->task == MAAS_TASK_REGRESSION)
		link = "identity";
	else if (!boost)
		link = "probabilities";
	else
		link = model->task == MAAS_TASK_BINARY ? "logistic" : "softmax";
	Collect(e, n_values, &a);
	MaasOnnxInit(&o, model);
	node = MaasOnnxNode(&o, "ml:TreeEnsembleRegressor", MaasOnnxPreprocess(&o, NULL),
						MaasOnnxScores(link));
	MaasOnnxAttrInt(node, "n_targets", n_targets);
	MaasOnnxAttrString(node, "aggregate_function",
					   e->kind == TREE_KIND_FOREST ? "AVERAGE" : "SUM");
	MaasOnnxAttrString(node, "post_transform", "NONE");
	if (boost)
		MaasOnnxAttrFloats(node, "base_values", e->base, e->n_groups);
	MaasOnnxAttrInts(node, "nodes_treeids", a.tree, a.n);
	MaasOnnxAttrInts(node, "nodes_nodeids", a.node, a.n);
	MaasOnnxAttrInts(node, "nodes_featureids", a.feature, a.n);
	MaasOnnxAttrFloats(node, "nodes_values", a.value, a.n);
	MaasOnnxAttrStrings(node, "nodes_modes", a.mode, a.n);
	MaasOnnxAttrInts(node, "nodes_truenodeids", a.yes, a.n);
	MaasOnnxAttrInts(node, "nodes_falsenodeids", a.no, a.n);
	MaasOnnxAttrInts(node, "nodes_missing_value_tracks_true", a.missing_yes, a.n);
	MaasOnnxAttrInts(node, "target_treeids", a.t_tree, a.n_targets);
	MaasOnnxAttrInts(node, "target_nodeids", a.t_node, a.n_targets);
	MaasOnnxAttrInts(node, "target_ids", a.t_id, a.n_targets);
	MaasOnnxAttrFloats(node, "target_weights", a.t_weight, a.n_targets);
	MaasOnnxEnd(&o, node);
	MaasOnnxLink(&o, link);
	MaasOnnxFinish(&o, out);
}
