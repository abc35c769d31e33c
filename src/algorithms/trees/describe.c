/*
 * describe.c
 *	  What maas_info shows of a tree model: the ensemble's size and shape,
 *	  the out-of-bag score of a forest, boosting's objective and losses.
 */
#include "postgres.h"

#include <math.h>

#include "tree.h"

static const char *
KindName(TreeKind kind)
{
	switch (kind)
	{
		case TREE_KIND_SINGLE:
			return "tree";
		case TREE_KIND_FOREST:
			return "forest";
		case TREE_KIND_BOOST:
			return "boosted";
	}
	return "unknown";
}

void
TreeDescribe(const MaasModel *model, MaasJson *json)
{
	const TreeEnsemble *e = model->state;

	MaasJsonKey(json, "ensemble");
	MaasJsonString(json, KindName(e->kind));
	MaasJsonKey(json, "trees");
	MaasJsonInt(json, e->n_trees);
	MaasJsonKey(json, "nodes");
	MaasJsonInt(json, e->n_nodes);
	MaasJsonKey(json, "leaves");
	MaasJsonInt(json, e->n_leaves);
	MaasJsonKey(json, "max_depth");
	MaasJsonInt(json, e->max_depth);
	MaasJsonKey(json, "tree_bytes");
	MaasJsonInt(json, TreeSectionBytes(e));
	if (e->kind == TREE_KIND_FOREST)
	{
		MaasJsonKey(json, "oob_score");
		if (isnan(e->oob_score))
			MaasJsonNull(json);
		else
			MaasJsonNumber(json, e->oob_score);
	}
	if (e->kind == TREE_KIND_BOOST)
	{
		MaasJsonKey(json, "objective");
		MaasJsonString(json, model->task == MAAS_TASK_REGRESSION ? "squared_error" :
					   model->task == MAAS_TASK_BINARY ? "logistic" : "softmax");
		MaasJsonKey(json, "base_score");
		if (e->n_groups == 1)
			MaasJsonNumber(json, e->base[0]);
		else
			MaasJsonNumberArray(json, e->base, e->n_groups);
		MaasJsonKey(json, "rounds");
		MaasJsonInt(json, e->rounds);
		MaasJsonKey(json, "rounds_trained");
		MaasJsonInt(json, e->rounds_trained);
		MaasJsonKey(json, model->task == MAAS_TASK_REGRESSION ? "train_rmse" : "train_logloss");
		if (isnan(e->train_loss))
			MaasJsonNull(json);
		else
			MaasJsonNumber(json, e->train_loss);
		if (!isnan(e->valid_loss))
		{
			MaasJsonKey(json, model->task == MAAS_TASK_REGRESSION ? "validation_rmse" :
						"validation_logloss");
			MaasJsonNumber(json, e->valid_loss);
		}
	}
}
