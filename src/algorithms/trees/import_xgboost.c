/*
 * import_xgboost.c
 *	  XGBoost's JSON model (Booster.save_model("m.json"), XGBoost 1.0 and
 *	  later) as a gradient_boosting model.
 *
 * XGBoost predicts in single precision: a row's values are rounded to
 * float and a node sends x left when x < split_condition (a float).  maas
 * compares doubles with x <= threshold, so each condition becomes the
 * largest double that rounds to a float below it (XgbThreshold): the same
 * side for every input.  Leaves and the base score are floats, exact in
 * double; maas adds them in double, so its sums are XGBoost's without
 * XGBoost's single-precision rounding.
 *
 * Objectives: reg:squarederror (and the other identity-link regressions),
 * binary:logistic, binary:logitraw, multi:softprob and multi:softmax.
 * Refused with a clear error: categorical splits, vector leaves, dart and
 * gblinear boosters, and objectives with another link.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "tree.h"

#define FORMAT		"xgboost"

/* The double t' with: (float) x < t exactly when x <= t' */
static double
XgbThreshold(float t)
{
	float		below = nextafterf(t, -INFINITY);
	double		mid;

	if (isinf(below))
		return nextafter((double) t, -INFINITY);
	/* halfway between two floats: exact in double */
	mid = ((double) below + (double) t) / 2;
	/* a double at mid rounds to the even one of the two */
	if ((float) mid == below)
		return mid;
	return nextafter(mid, -INFINITY);
}

static JsonbValue *
Member(JsonbContainer *object, const char *key, const char *path)
{
	JsonbValue *v = MaasJsonMember(object, key);

	if (v == NULL)
		TreeImportFail(FORMAT, "\"%s\" is missing.", path);
	return v;
}

/* An integer kept as a string or a number, within [min, max] */
static int
IntParam(JsonbContainer *object, const char *key, const char *path, int min, int max)
{
	double		d = MaasJsonDouble(FORMAT, Member(object, key, path), path);

	if (!(d >= min && d <= max) || d != floor(d))
		TreeImportFail(FORMAT, "\"%s\" is %g, not an integer in [%d, %d].", path, d, min, max);
	return (int) d;
}

/* The objective: the task, and the margin the base score makes */
static MaasTask
Objective(const char *name, float base_score, int n_classes, double *base)
{
	if (strcmp(name, "binary:logistic") == 0)
	{
		float		t;

		if (!(base_score > 0 && base_score < 1))
			TreeImportFail(FORMAT, "base_score %g of binary:logistic is not in (0, 1).", base_score);
		/* XGBoost's ProbToMargin, in single precision as it computes it */
		t = 1.0f / base_score - 1.0f;
		*base = (double) (-logf(t));
		return MAAS_TASK_BINARY;
	}
	*base = (double) base_score;
	if (strcmp(name, "binary:logitraw") == 0)
		return MAAS_TASK_BINARY;
	if (strcmp(name, "multi:softprob") == 0 || strcmp(name, "multi:softmax") == 0)
	{
		if (n_classes < 3 || n_classes > MAAS_MAX_CLASSES)
			TreeImportFail(FORMAT, "num_class %d of %s is not in [3, %d].", n_classes, name,
						   MAAS_MAX_CLASSES);
		return MAAS_TASK_MULTICLASS;
	}
	if (strcmp(name, "reg:squarederror") == 0 || strcmp(name, "reg:linear") == 0 ||
		strcmp(name, "reg:absoluteerror") == 0 || strcmp(name, "reg:pseudohubererror") == 0 ||
		strcmp(name, "reg:squaredlogerror") == 0 || strcmp(name, "reg:quantileerror") == 0)
		return MAAS_TASK_REGRESSION;
	TreeImportUnsupported(FORMAT, psprintf("objective \"%s\"", name),
						  "Objectives maas imports: reg:squarederror (and the other regressions with the identity link), binary:logistic, binary:logitraw, multi:softprob, multi:softmax.");
	return MAAS_TASK_REGRESSION;	/* keep compiler quiet */
}

/* An array member of a tree with exactly n numbers; absent: zeros when optional */
static double *
TreeArray(JsonbContainer *tree, const char *key, int n, int tree_no, bool optional)
{
	JsonbValue *v = MaasJsonMember(tree, key);
	char	   *path = psprintf("trees[%d].%s", tree_no, key);

	if (v == NULL && optional)
		return palloc0(sizeof(double) * Max(n, 1));
	if (v == NULL)
		TreeImportFail(FORMAT, "\"%s\" is missing.", path);
	return MaasJsonNumbers(FORMAT, v, path, n, NULL);
}

/* Each index as an int32: whole and within [-1, n) */
static void
Indexes(const double *in, int32 *out, int n, int limit, const char *key, int tree_no)
{
	for (int i = 0; i < n; i++)
	{
		if (!(in[i] >= -1 && in[i] < limit) || in[i] != floor(in[i]))
			TreeImportFail(FORMAT, "trees[%d].%s[%d] is %g, not an index below %d.",
						   tree_no, key, i, in[i], limit);
		out[i] = (int32) in[i];
	}
}

/* One tree of the JSON into t */
static void
ReadTree(JsonbContainer *tree, int tree_no, int n_features, TreeImportTree *t)
{
	JsonbContainer *param = MaasJsonObject(FORMAT, Member(tree, "tree_param", "tree_param"),
										   psprintf("trees[%d].tree_param", tree_no));
	int			n = IntParam(param, "num_nodes", psprintf("trees[%d].tree_param.num_nodes", tree_no),
							 1, TREE_MAX_NODES);
	JsonbValue *leaf_vector = MaasJsonMember(param, "size_leaf_vector");
	double	   *left,
			   *right,
			   *index,
			   *cond,
			   *dleft,
			   *type;

	if (leaf_vector && MaasJsonDouble(FORMAT, leaf_vector, "size_leaf_vector") > 1)
		TreeImportUnsupported(FORMAT, "vector leaves (multi_strategy)",
							  "Train with multi_strategy \"one_output_per_tree\".");
	left = TreeArray(tree, "left_children", n, tree_no, false);
	right = TreeArray(tree, "right_children", n, tree_no, false);
	index = TreeArray(tree, "split_indices", n, tree_no, false);
	cond = TreeArray(tree, "split_conditions", n, tree_no, false);
	dleft = TreeArray(tree, "default_left", n, tree_no, false);
	type = TreeArray(tree, "split_type", n, tree_no, true);
	TreeImportInit(t, n);
	Indexes(left, t->left, n, n, "left_children", tree_no);
	Indexes(right, t->right, n, n, "right_children", tree_no);
	Indexes(index, t->feature, n, n_features, "split_indices", tree_no);
	pfree(t->cover);
	pfree(t->gain);
	t->cover = TreeArray(tree, "sum_hessian", n, tree_no, true);
	t->gain = TreeArray(tree, "loss_changes", n, tree_no, true);
	for (int i = 0; i < n; i++)
	{
		/* conditions are floats: the value as XGBoost holds it */
		float		c = (float) cond[i];

		if (isnan(c))
			TreeImportFail(FORMAT, "trees[%d].split_conditions[%d] is NaN.", tree_no, i);
		if ((t->left[i] < 0) != (t->right[i] < 0))
			TreeImportFail(FORMAT, "Node %d of tree %d has one child.", i, tree_no);
		if (t->left[i] < 0)
		{
			t->value[i] = (double) c;
			/* a leaf's gain is what XGBoost kept of its split: not a split */
			t->gain[i] = 0;
			continue;
		}
		if (type[i] != 0)
			TreeImportUnsupported(FORMAT, "categorical splits",
								  "Encode categorical columns as numbers (one-hot or codes) before training.");
		t->threshold[i] = XgbThreshold(c);
		t->default_left[i] = dleft[i] != 0;
		t->cover[i] = (double) (float) t->cover[i];
		t->gain[i] = (double) (float) t->gain[i];
	}
	pfree(left);
	pfree(right);
	pfree(index);
	pfree(cond);
	pfree(dleft);
	pfree(type);
}

/* Feature names, when the file names every feature */
static char **
FeatureNames(JsonbContainer *learner, int n_features)
{
	JsonbValue *v = MaasJsonMember(learner, "feature_names");
	JsonbValue *types = MaasJsonMember(learner, "feature_types");
	JsonbContainer *a;
	char	  **names;
	int			n;

	if (types != NULL)
	{
		a = MaasJsonArray(FORMAT, types, "feature_types", &n);
		for (int i = 0; i < n; i++)
		{
			char	   *type = MaasJsonText(FORMAT, MaasJsonElement(a, i), "feature_types");

			if (strcmp(type, "c") == 0)
				TreeImportUnsupported(FORMAT, "categorical features",
									  "Encode categorical columns as numbers (one-hot or codes) before training.");
		}
	}
	if (v == NULL)
		return NULL;
	a = MaasJsonArray(FORMAT, v, "feature_names", &n);
	if (n == 0)
		return NULL;
	if (n != n_features)
		TreeImportFail(FORMAT, "\"feature_names\" has %d names for %d features.", n, n_features);
	names = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
		names[i] = MaasJsonText(FORMAT, MaasJsonElement(a, i), "feature_names");
	return names;
}

TreeEnsemble *
TreeImportXgboost(const char *data, int64 len, MaasImported *out)
{
	Jsonb	   *doc = MaasJsonParse(FORMAT, data, len);
	JsonbContainer *root;
	JsonbContainer *learner;
	JsonbContainer *mparam;
	JsonbContainer *booster;
	JsonbContainer *model;
	JsonbContainer *trees;
	char	   *booster_name;
	char	   *objective;
	int			n_classes;
	int			n_trees;
	int			n_info;
	int			K;
	double		base;
	double	   *info;
	int		   *per_group;
	TreeEnsemble *e;

	if (!JB_ROOT_IS_OBJECT(doc) || JB_ROOT_IS_SCALAR(doc))
		TreeImportFail(FORMAT, "The model is not a JSON object.");
	root = &doc->root;
	learner = MaasJsonObject(FORMAT, Member(root, "learner", "learner"), "learner");
	mparam = MaasJsonObject(FORMAT, Member(learner, "learner_model_param", "learner_model_param"),
							"learner_model_param");
	out->n_features = IntParam(mparam, "num_feature", "learner_model_param.num_feature",
							   1, MAAS_MAX_FEATURES);
	n_classes = IntParam(mparam, "num_class", "learner_model_param.num_class",
						 0, MAAS_MAX_CLASSES);
	if (MaasJsonMember(mparam, "num_target") &&
		IntParam(mparam, "num_target", "learner_model_param.num_target", 1, 1000000) > 1)
		TreeImportUnsupported(FORMAT, "several targets", NULL);
	objective = MaasJsonText(FORMAT, Member(MaasJsonObject(FORMAT, Member(learner, "objective", "objective"),
														   "objective"), "name", "objective.name"),
							 "objective.name");
	out->objective = objective;
	out->task = Objective(objective,
						  (float) MaasJsonDouble(FORMAT, Member(mparam, "base_score",
																"learner_model_param.base_score"),
												 "learner_model_param.base_score"),
						  n_classes, &base);
	out->n_classes = out->task == MAAS_TASK_MULTICLASS ? n_classes :
		out->task == MAAS_TASK_BINARY ? 2 : 0;
	out->feature_names = FeatureNames(learner, out->n_features);

	booster = MaasJsonObject(FORMAT, Member(learner, "gradient_booster", "gradient_booster"),
							 "gradient_booster");
	booster_name = MaasJsonText(FORMAT, Member(booster, "name", "gradient_booster.name"),
								"gradient_booster.name");
	if (strcmp(booster_name, "gbtree") != 0)
		TreeImportUnsupported(FORMAT, psprintf("booster \"%s\"", booster_name),
							  "maas imports the gbtree booster (dart's dropped trees and gblinear are not trees it can hold).");
	model = MaasJsonObject(FORMAT, Member(booster, "model", "gradient_booster.model"),
						   "gradient_booster.model");
	trees = MaasJsonArray(FORMAT, Member(model, "trees", "gradient_booster.model.trees"),
						  "gradient_booster.model.trees", &n_trees);
	if (n_trees < 1 || n_trees > TREE_MAX_TREES)
		TreeImportFail(FORMAT, "The model has %d trees, not 1 to %d.", n_trees, TREE_MAX_TREES);
	info = MaasJsonNumbers(FORMAT, Member(model, "tree_info", "gradient_booster.model.tree_info"),
						   "gradient_booster.model.tree_info", n_trees, &n_info);

	/* maas adds tree t to class t % K: order the trees class by class in turn */
	K = out->task == MAAS_TASK_MULTICLASS ? n_classes : 1;
	per_group = palloc0(sizeof(int) * K);
	for (int t = 0; t < n_trees; t++)
	{
		if (!(info[t] >= 0 && info[t] < K) || info[t] != floor(info[t]))
			TreeImportFail(FORMAT, "tree_info[%d] is %g, not a class below %d.", t, info[t], K);
		per_group[(int) info[t]]++;
	}
	e = TreeEnsembleNew(TREE_KIND_BOOST, 1, K);
	for (int k = 0; k < K; k++)
		e->base[k] = base;
	{
		int			rounds = 0;
		int		   *next = palloc0(sizeof(int) * K);

		for (int k = 0; k < K; k++)
			rounds = Max(rounds, per_group[k]);
		for (int r = 0; r < rounds; r++)
			for (int k = 0; k < K; k++)
			{
				int			t = next[k];

				/* the class's next tree, in file order */
				while (t < n_trees && (int) info[t] != k)
					t++;
				if (t >= n_trees)
				{
					TreeImportAppendZero(e);
					continue;
				}
				{
					JsonbValue *tv = MaasJsonElement(trees, t);
					TreeImportTree it;

					ReadTree(MaasJsonObject(FORMAT, tv, psprintf("trees[%d]", t)), t,
							 out->n_features, &it);
					TreeImportAppend(e, &it, out->n_features, FORMAT, t);
					TreeImportFree(&it);
					pfree(tv);
				}
				next[k] = t + 1;
			}
	}
	return e;
}
