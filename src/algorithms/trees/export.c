/*
 * export.c
 *	  maas_export of the tree models: as ONNX (export_onnx.c), PMML
 *	  (export_pmml.c: decision_tree and random_forest), and
 *	  gradient_boosting models as XGBoost's JSON model
 *	  (what Booster.save_model("m.json") writes, XGBoost 1.7's layout), so
 *	  XGBoost's load_model reads them.
 *
 * XGBoost compares single-precision values (x < split, as floats) where
 * maas compares doubles (x <= threshold): each threshold becomes the
 * float just above the threshold's nearest float (SplitCondition), which
 * sends every value the same way except values above a threshold by less
 * than a float's rounding (for a model imported from XGBoost the round
 * trip is exact).  Leaves are
 * floats in XGBoost.  maas's per-class base scores, which XGBoost's JSON
 * cannot hold, are added to the leaves of each class's first tree, and
 * the base score is the one whose margin is 0.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "tree.h"

/*
 * The float c above the float nearest t: every x <= t has (float) x <= (float) t
 * < c, so goes left in XGBoost too; only an x above t by less than a
 * float's rounding goes left where maas sends it right.  For a threshold
 * imported from XGBoost this is its split condition again.
 */
static double
SplitCondition(double t)
{
	if (t >= FLT_MAX)
		return FLT_MAX;
	if (t < -FLT_MAX)
		return -FLT_MAX;
	return (double) nextafterf((float) t, INFINITY);
}

/*
 * A float as XGBoost writes it: a JSON number with an exponent, which its
 * reader takes as a float (a plain "0" would be an integer); 9 digits read
 * back as the same float
 */
static void
Float(MaasJson *json, double v)
{
	char		buf[32];
	float		f = (float) Max(Min(v, FLT_MAX), -FLT_MAX);

	snprintf(buf, sizeof(buf), "%.8E", (double) f);
	MaasJsonRaw(json, buf);
}

/* Whether XGBoost accepts every feature name (unique; no '[', ']' or '<') */
static bool
NamesValid(char **names, int p)
{
	for (int j = 0; j < p; j++)
	{
		if (names[j][0] == '\0' || strpbrk(names[j], "[]<") != NULL)
			return false;
		for (int i = 0; i < j; i++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	}
	return true;
}

static void
Key(MaasJson *json, const char *key, const char *value)
{
	MaasJsonKey(json, key);
	MaasJsonString(json, value);
}

/* One tree; base is added to its leaves */
static void
Tree(MaasJson *json, const MaasModel *model, const TreeEnsemble *e, int t, double base)
{
	int32		first = e->root[t];
	int32		n = e->root[t + 1] - first;
	int32	   *parent = palloc(sizeof(int32) * n);
	double	   *v = palloc(sizeof(double) * n);

	CHECK_FOR_INTERRUPTS();
	parent[0] = INT32_MAX;
	for (int32 i = 0; i < n; i++)
	{
		const TreeNode *nd = &e->nodes[first + i];

		if (nd->feature >= 0)
			parent[nd->left - first] = parent[nd->right - first] = i;
	}
	MaasJsonBeginObject(json);
#define ARRAY(key, expr) \
	do { \
		MaasJsonKey(json, key); \
		MaasJsonBeginArray(json); \
		for (int32 i = 0; i < n; i++) \
		{ \
			const TreeNode *nd = &e->nodes[first + i]; \
			(void) nd; \
			expr; \
		} \
		MaasJsonEndArray(json); \
	} while (0)
	for (int32 i = 0; i < n; i++)
	{
		const TreeNode *nd = &e->nodes[first + i];

		v[i] = nd->feature < 0 ? (double) (float) (e->values[nd->left] + base) : 0;
	}
	ARRAY("base_weights", Float(json, v[i]));
	MaasJsonKey(json, "categories");
	MaasJsonBeginArray(json);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "categories_nodes");
	MaasJsonBeginArray(json);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "categories_segments");
	MaasJsonBeginArray(json);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "categories_sizes");
	MaasJsonBeginArray(json);
	MaasJsonEndArray(json);
	ARRAY("default_left", MaasJsonInt(json, nd->feature >= 0 && nd->missing == nd->left));
	MaasJsonKey(json, "id");
	MaasJsonInt(json, t);
	ARRAY("left_children", MaasJsonInt(json, nd->feature < 0 ? -1 : nd->left - first));
	ARRAY("loss_changes", Float(json, e->gain[first + i]));
	ARRAY("parents", MaasJsonInt(json, parent[i]));
	ARRAY("right_children", MaasJsonInt(json, nd->feature < 0 ? -1 : nd->right - first));
	ARRAY("split_conditions", Float(json, nd->feature < 0 ? v[i] : SplitCondition(nd->threshold)));
	ARRAY("split_indices", MaasJsonInt(json, Max(nd->feature, 0)));
	ARRAY("split_type", MaasJsonInt(json, 0));
	ARRAY("sum_hessian", Float(json, e->cover[first + i]));
#undef ARRAY
	MaasJsonKey(json, "tree_param");
	MaasJsonBeginObject(json);
	Key(json, "num_deleted", "0");
	Key(json, "num_feature", psprintf("%d", model->n_features));
	Key(json, "num_nodes", psprintf("%d", n));
	Key(json, "size_leaf_vector", "0");
	MaasJsonEndObject(json);
	MaasJsonEndObject(json);
	pfree(parent);
	pfree(v);
}

static void
Objective(MaasJson *json, const MaasModel *model, int K)
{
	MaasJsonKey(json, "objective");
	MaasJsonBeginObject(json);
	if (model->task == MAAS_TASK_MULTICLASS)
	{
		Key(json, "name", "multi:softprob");
		MaasJsonKey(json, "softmax_multiclass_param");
		MaasJsonBeginObject(json);
		Key(json, "num_class", psprintf("%d", K));
		MaasJsonEndObject(json);
	}
	else
	{
		Key(json, "name", model->task == MAAS_TASK_BINARY ? "binary:logistic" : "reg:squarederror");
		MaasJsonKey(json, "reg_loss_param");
		MaasJsonBeginObject(json);
		Key(json, "scale_pos_weight", "1");
		MaasJsonEndObject(json);
	}
	MaasJsonEndObject(json);
}

void
TreeExport(const MaasModel *model, const char *format, StringInfo out)
{
	const TreeEnsemble *e = model->state;
	int			K = e->n_groups;
	int			p = model->n_features;
	char	  **names = palloc(sizeof(char *) * p);
	MaasJson	json;

	if (strcmp(format, "onnx") == 0)
	{
		TreeExportOnnx(model, out);
		return;
	}
	if (strcmp(format, "pmml") == 0)
	{
		TreeExportPmml(model, out);
		return;
	}
	if (e->kind != TREE_KIND_BOOST)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_export writes xgboost models of gradient_boosting, not of %s",
						model->algorithm->name)));
	for (int j = 0; j < p; j++)
		names[j] = MaasFeatureName(&model->prep, j);
	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "learner");
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "attributes");
	MaasJsonBeginObject(&json);
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "feature_names");
	MaasJsonBeginArray(&json);
	for (int j = 0; j < p && NamesValid(names, p); j++)
		MaasJsonString(&json, names[j]);
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "feature_types");
	MaasJsonBeginArray(&json);
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "gradient_booster");
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "model");
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "gbtree_model_param");
	MaasJsonBeginObject(&json);
	Key(&json, "num_parallel_tree", "1");
	Key(&json, "num_trees", psprintf("%d", e->n_trees));
	Key(&json, "size_leaf_vector", "0");
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "tree_info");
	MaasJsonBeginArray(&json);
	for (int t = 0; t < e->n_trees; t++)
		MaasJsonInt(&json, t % K);
	MaasJsonEndArray(&json);
	MaasJsonKey(&json, "trees");
	MaasJsonBeginArray(&json);
	for (int t = 0; t < e->n_trees; t++)
		Tree(&json, model, e, t, t < K ? e->base[t] : 0);
	MaasJsonEndArray(&json);
	MaasJsonEndObject(&json);
	Key(&json, "name", "gbtree");
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "learner_model_param");
	MaasJsonBeginObject(&json);
	/* the base score whose margin is 0: the bases are in the leaves */
	Key(&json, "base_score", model->task == MAAS_TASK_BINARY ? "5E-1" : "0E0");
	Key(&json, "boost_from_average", "1");
	Key(&json, "num_class", psprintf("%d", model->task == MAAS_TASK_MULTICLASS ? K : 0));
	Key(&json, "num_feature", psprintf("%d", p));
	Key(&json, "num_target", "1");
	MaasJsonEndObject(&json);
	Objective(&json, model, K);
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "version");
	MaasJsonBeginArray(&json);
	MaasJsonInt(&json, 1);
	MaasJsonInt(&json, 7);
	MaasJsonInt(&json, 4);
	MaasJsonEndArray(&json);
	MaasJsonEndObject(&json);
	appendBinaryStringInfo(out, json.buf.data, json.buf.len);
}
