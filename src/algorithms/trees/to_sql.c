/*
 * to_sql.c
 *	  maas_to_sql of the tree models: each tree a nested CASE over the
 *	  features (x <= threshold goes left; a NULL feature, maas's missing
 *	  value, goes the learned way), a forest their mean (per class for a
 *	  classifier), boosting their sum
 *	  per class from the base score, with the class of the largest margin
 *	  for classifiers (or their probabilities: the leaves' of a decision
 *	  tree, the logistic link or softmax of boosting's margins).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "tree.h"

/* What a leaf gives: these, or (>= 0) the probability of that class */
#define LEAF_OUTPUT		(-1)	/* the value, or a classifier's class */
#define LEAF_PROBA		(-2)	/* a classifier's probabilities, as an array */

static void
Leaf(StringInfo out, const MaasModel *model, const TreeEnsemble *e, const TreeNode *nd,
	 int what)
{
	const double *v = e->values + nd->left;

	if (what >= 0)
		MaasSqlNumber(out, v[what]);
	else if (e->n_values > 1 && what == LEAF_PROBA)
	{
		appendStringInfoString(out, "ARRAY[");
		for (int c = 0; c < e->n_values; c++)
		{
			if (c > 0)
				appendStringInfoString(out, ", ");
			MaasSqlNumber(out, v[c]);
		}
		appendStringInfoChar(out, ']');
	}
	else if (e->n_values > 1)
		MaasSqlClass(out, model, MaasArgmax(v, e->n_values));
	else
		MaasSqlNumber(out, v[0]);
}

static void
Node(StringInfo out, const MaasModel *model, const TreeEnsemble *e, int32 i,
	 char *const *feature, int what)
{
	const TreeNode *nd = &e->nodes[i];

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (nd->feature < 0)
	{
		Leaf(out, model, e, nd, what);
		return;
	}
	appendStringInfo(out, "CASE WHEN %s <= ", feature[nd->feature]);
	MaasSqlNumber(out, nd->threshold);
	if (nd->missing == nd->left)
		appendStringInfo(out, " OR %s IS NULL", feature[nd->feature]);
	appendStringInfoString(out, " THEN ");
	Node(out, model, e, nd->left, feature, what);
	appendStringInfoString(out, " ELSE ");
	Node(out, model, e, nd->right, feature, what);
	appendStringInfoString(out, " END");
}

/* base + the trees of group k, in the order maas adds them */
static char *
Margin(const MaasModel *model, const TreeEnsemble *e, int k, char *const *feature)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '(');
	MaasSqlNumber(&s, e->base[k]);
	for (int t = k; t < e->n_trees; t += e->n_groups)
	{
		appendStringInfoString(&s, " + ");
		Node(&s, model, e, e->root[t], feature, LEAF_OUTPUT);
	}
	appendStringInfoChar(&s, ')');
	return s.data;
}

/* A forest's mean over its trees of what (in TreePredict's order) */
static char *
ForestMean(const MaasModel *model, const TreeEnsemble *e, char *const *feature, int what)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "((");
	for (int t = 0; t < e->n_trees; t++)
	{
		if (t > 0)
			appendStringInfoString(&s, " + ");
		Node(&s, model, e, e->root[t], feature, what);
	}
	appendStringInfo(&s, ") / %d)", e->n_trees);
	return s.data;
}

void
TreeToSql(const MaasModel *model, char *const *feature, bool proba, StringInfo out)
{
	const TreeEnsemble *e = model->state;

	if (e->kind == TREE_KIND_SINGLE)
		Node(out, model, e, e->root[0], feature, proba ? LEAF_PROBA : LEAF_OUTPUT);
	else if (e->kind == TREE_KIND_FOREST && e->n_values == 1)
		appendStringInfoString(out, ForestMean(model, e, feature, LEAF_OUTPUT));
	else if (e->kind == TREE_KIND_FOREST)
	{
		/* each class's mean probability over the trees, then their argmax */
		char	  **mean = palloc(sizeof(char *) * e->n_values);

		for (int c = 0; c < e->n_values; c++)
			mean[c] = ForestMean(model, e, feature, c);
		if (proba)
		{
			appendStringInfoString(out, "ARRAY[");
			for (int c = 0; c < e->n_values; c++)
				appendStringInfo(out, "%s%s", c > 0 ? ", " : "", mean[c]);
			appendStringInfoChar(out, ']');
		}
		else
			MaasSqlArgmax(out, model, mean, e->n_values);
	}
	else if (model->task == MAAS_TASK_MULTICLASS)
	{
		char	  **margin = palloc(sizeof(char *) * e->n_groups);

		for (int k = 0; k < e->n_groups; k++)
			margin[k] = Margin(model, e, k, feature);
		if (proba)
			MaasSqlSoftmax(out, margin, e->n_groups);
		else
			MaasSqlArgmax(out, model, margin, e->n_groups);
	}
	else if (model->task == MAAS_TASK_BINARY && proba)
		MaasSqlSigmoid(out, Margin(model, e, 0, feature));
	else if (model->task == MAAS_TASK_BINARY)
	{
		appendStringInfo(out, "CASE WHEN %s > 0 THEN ", Margin(model, e, 0, feature));
		MaasSqlClass(out, model, 1);
		appendStringInfoString(out, " ELSE ");
		MaasSqlClass(out, model, 0);
		appendStringInfoString(out, " END");
	}
	else
		appendStringInfoString(out, Margin(model, e, 0, feature));
}
