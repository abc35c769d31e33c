/*
 * import_lightgbm.c
 *	  LightGBM's text model (Booster.save_model("m.txt"), versions v2 to
 *	  v4) as a gradient_boosting model.
 *
 * LightGBM compares doubles as maas does (x <= threshold goes left), so
 * thresholds carry over as they are.  A node's missing type says what a
 * NaN does: "NaN" sends it the default way (maas's missing direction),
 * "None" treats it as 0, so it takes the side 0 is on.  The boost-from-
 * average score is already in the first trees' leaves; binary's sigmoid
 * parameter scales the leaves.  Tree t adds to class t % num_class, as in
 * maas.
 *
 * Refused with a clear error: categorical splits, linear trees, the
 * "Zero" missing type (zero_as_missing), random forest mode, and
 * objectives whose output is not the identity, the logistic or softmax.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tree.h"

#define FORMAT		"lightgbm"

/* decision_type bits */
#define LGB_CATEGORICAL		1
#define LGB_DEFAULT_LEFT	2
#define LGB_MISSING(d)		(((d) >> 2) & 3)
#define LGB_MISSING_NONE	0
#define LGB_MISSING_ZERO	1
#define LGB_MISSING_NAN		2

/* The lines of one block (header or tree): key=value pairs */
typedef struct Block
{
	int			n;
	char	  **keys;
	char	  **values;
} Block;

/* The value of key in the block, NULL when absent */
static char *
Get(const Block *b, const char *key)
{
	for (int i = 0; i < b->n; i++)
		if (strcmp(b->keys[i], key) == 0)
			return b->values[i];
	return NULL;
}

static char *
Require(const Block *b, const char *key, const char *where)
{
	char	   *v = Get(b, key);

	if (v == NULL)
		TreeImportFail(FORMAT, "%s has no \"%s\" line.", where, key);
	return v;
}

static int
IntValue(const char *s, const char *key, const char *where, int min, int max)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		TreeImportFail(FORMAT, "%s: \"%s\" is \"%.40s\", not an integer in [%d, %d].",
					   where, key, s, min, max);
	return (int) v;
}

/* Exactly n numbers separated by spaces; NaN refused */
static double *
Numbers(const Block *b, const char *key, int n, const char *where)
{
	char	   *s = n > 0 ? Require(b, key, where) : Get(b, key);
	double	   *out = palloc(sizeof(double) * Max(n, 1));
	int			i = 0;

	while (s != NULL && *s)
	{
		char	   *end;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (i >= n)
			TreeImportFail(FORMAT, "%s: \"%s\" has more than %d values.", where, key, n);
		errno = 0;
		out[i] = strtod(s, &end);
		if (end == s || (*end != ' ' && *end != '\0') || isnan(out[i]))
			TreeImportFail(FORMAT, "%s: \"%s\" has \"%.40s\", not a number.", where, key, s);
		i++;
		s = end;
	}
	if (i != n)
		TreeImportFail(FORMAT, "%s: \"%s\" has %d values, not %d.", where, key, i, n);
	return out;
}

/*
 * Split the block of lines starting at *pos (NUL-terminated text) up to a
 * blank line or one that starts another block; *pos moves past it
 */
static void
ReadBlock(char **pos, Block *b)
{
	int			cap = 32;
	char	   *p = *pos;

	b->n = 0;
	b->keys = palloc(sizeof(char *) * cap);
	b->values = palloc(sizeof(char *) * cap);
	while (*p)
	{
		char	   *end = strchr(p, '\n');
		char	   *eq;

		if (end)
			*end = '\0';
		if (end && end > p && end[-1] == '\r')
			end[-1] = '\0';
		if (*p == '\0')
		{
			p = end ? end + 1 : p + strlen(p);
			if (b->n > 0)
				break;
			continue;
		}
		eq = strchr(p, '=');
		if (b->n == cap)
		{
			cap *= 2;
			b->keys = repalloc(b->keys, sizeof(char *) * cap);
			b->values = repalloc(b->values, sizeof(char *) * cap);
		}
		if (eq)
		{
			*eq = '\0';
			b->values[b->n] = eq + 1;
		}
		else
			b->values[b->n] = p + strlen(p);
		b->keys[b->n++] = p;
		p = end ? end + 1 : p + strlen(p);
	}
	*pos = p;
}

/* The objective: the task and the leaves' scale */
static MaasTask
Objective(const char *objective, int n_classes, double *scale)
{
	char	   *copy = pstrdup(objective);
	char	   *name = strtok(copy, " ");
	char	   *option;

	*scale = 1;
	if (name == NULL)
		TreeImportFail(FORMAT, "The objective is empty.");
	while ((option = strtok(NULL, " ")) != NULL)
	{
		if (strncmp(option, "sigmoid:", 8) == 0)
		{
			*scale = strtod(option + 8, NULL);
			if (!(*scale > 0 && *scale < 1e6))
				TreeImportFail(FORMAT, "sigmoid %s is not a positive number.", option + 8);
		}
		else if (strcmp(option, "sqrt") == 0)
			TreeImportUnsupported(FORMAT, "a square-root transformed target (\"reg_sqrt\")", NULL);
	}
	if (strcmp(name, "binary") == 0)
		return MAAS_TASK_BINARY;
	if (strcmp(name, "multiclass") == 0 || strcmp(name, "softmax") == 0)
	{
		if (n_classes < 3 || n_classes > MAAS_MAX_CLASSES)
			TreeImportFail(FORMAT, "num_class %d of multiclass is not in [3, %d].", n_classes,
						   MAAS_MAX_CLASSES);
		return MAAS_TASK_MULTICLASS;
	}
	if (strcmp(name, "regression") == 0 || strcmp(name, "regression_l2") == 0 ||
		strcmp(name, "regression_l1") == 0 || strcmp(name, "huber") == 0 ||
		strcmp(name, "fair") == 0 || strcmp(name, "quantile") == 0 || strcmp(name, "mape") == 0)
		return MAAS_TASK_REGRESSION;
	TreeImportUnsupported(FORMAT, psprintf("objective \"%s\"", name),
						  "Objectives maas imports: regression (l2, l1, huber, fair, quantile, mape), binary, multiclass.");
	return MAAS_TASK_REGRESSION;	/* keep compiler quiet */
}

/* A node's child: internal i is node i, leaf ~c node internal + ~c */
static int32
Child(double c, int internal, int leaves, const char *where)
{
	if (c != floor(c) || c < -leaves || c >= internal)
		TreeImportFail(FORMAT, "%s: child %g is not a node of the tree.", where, c);
	return c >= 0 ? (int32) c : internal + (int32) (-c - 1);
}

/* One tree block into t */
static void
ReadTree(const Block *b, int tree_no, int n_features, double scale, TreeImportTree *t)
{
	char	   *where = psprintf("Tree=%d", tree_no);
	int			leaves = IntValue(Require(b, "num_leaves", where), "num_leaves", where,
								  1, TREE_MAX_NODES / 2);
	int			internal = leaves - 1;
	double	   *feature,
			   *threshold,
			   *decision,
			   *left,
			   *right,
			   *gain,
			   *icount,
			   *value,
			   *lcount;

	if (Get(b, "num_cat") && IntValue(Get(b, "num_cat"), "num_cat", where, 0, INT_MAX) > 0)
		TreeImportUnsupported(FORMAT, "categorical splits",
							  "Encode categorical columns as numbers before training.");
	if (Get(b, "is_linear") && strcmp(Get(b, "is_linear"), "0") != 0)
		TreeImportUnsupported(FORMAT, "linear trees (linear_tree)", NULL);
	feature = Numbers(b, "split_feature", internal, where);
	threshold = Numbers(b, "threshold", internal, where);
	decision = Numbers(b, "decision_type", internal, where);
	left = Numbers(b, "left_child", internal, where);
	right = Numbers(b, "right_child", internal, where);
	gain = Get(b, "split_gain") ? Numbers(b, "split_gain", internal, where) : NULL;
	icount = Get(b, "internal_count") ? Numbers(b, "internal_count", internal, where) : NULL;
	value = Numbers(b, "leaf_value", leaves, where);
	lcount = Get(b, "leaf_count") ? Numbers(b, "leaf_count", leaves, where) : NULL;

	TreeImportInit(t, internal + leaves);
	for (int i = 0; i < internal; i++)
	{
		int			d;
		bool		nan_left;

		if (!(decision[i] >= 0 && decision[i] <= 15) || decision[i] != floor(decision[i]))
			TreeImportFail(FORMAT, "%s: decision_type %g is not one LightGBM writes.", where,
						   decision[i]);
		d = (int) decision[i];
		if (d & LGB_CATEGORICAL)
			TreeImportUnsupported(FORMAT, "categorical splits",
								  "Encode categorical columns as numbers before training.");
		if (LGB_MISSING(d) == LGB_MISSING_ZERO)
			TreeImportUnsupported(FORMAT, "zeros as missing values (zero_as_missing)", NULL);
		if (feature[i] != floor(feature[i]) || feature[i] < 0 || feature[i] >= n_features)
			TreeImportFail(FORMAT, "%s: split_feature %g is not a feature below %d.", where,
						   feature[i], n_features);
		/* missing type None: a NaN is read as 0 */
		nan_left = LGB_MISSING(d) == LGB_MISSING_NAN ? (d & LGB_DEFAULT_LEFT) != 0 :
			0 <= threshold[i];
		t->feature[i] = (int32) feature[i];
		t->threshold[i] = threshold[i];
		t->default_left[i] = nan_left;
		t->left[i] = Child(left[i], internal, leaves, where);
		t->right[i] = Child(right[i], internal, leaves, where);
		if (t->left[i] < 0 || t->right[i] < 0)
			TreeImportFail(FORMAT, "%s: node %d has no children.", where, i);
		t->gain[i] = gain ? gain[i] : 0;
		t->cover[i] = icount ? icount[i] : 0;
	}
	for (int j = 0; j < leaves; j++)
	{
		t->left[internal + j] = t->right[internal + j] = -1;
		t->value[internal + j] = value[j] * scale;
		t->cover[internal + j] = lcount ? lcount[j] : 0;
	}
}

/* Feature names: the header's, when there is one per feature */
static char **
FeatureNames(const Block *header, int n_features)
{
	char	   *s = Get(header, "feature_names");
	char	  **names;
	int			n = 0;

	if (s == NULL)
		return NULL;
	names = palloc(sizeof(char *) * n_features);
	for (char *tok = strtok(pstrdup(s), " "); tok; tok = strtok(NULL, " "))
	{
		if (n == n_features)
			TreeImportFail(FORMAT, "\"feature_names\" has more than %d names.", n_features);
		names[n++] = tok;
	}
	if (n != n_features)
		TreeImportFail(FORMAT, "\"feature_names\" has %d names for %d features.", n, n_features);
	return names;
}

TreeEnsemble *
TreeImportLightgbm(const char *data, int64 len, MaasImported *out)
{
	char	   *text;
	char	   *pos;
	Block		header;
	int			K;
	int			n_classes;
	double		scale;
	TreeEnsemble *e;
	int			n_trees = 0;

	if (len <= 0 || len >= MaxAllocSize)
		TreeImportFail(FORMAT, "The model is %s.", len <= 0 ? "empty" : "larger than 1 GB");
	if (memchr(data, '\0', len) != NULL)
		TreeImportFail(FORMAT, "The model has a NUL byte: it is not LightGBM's text format.");
	text = palloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	pos = text;
	ReadBlock(&pos, &header);
	if (header.n == 0 || strcmp(header.keys[0], "tree") != 0)
		TreeImportFail(FORMAT, "The model does not start with the line \"tree\" (save it with Booster.save_model).");
	if (Get(&header, "average_output"))
		TreeImportUnsupported(FORMAT, "averaged trees (boosting \"rf\")", NULL);
	n_classes = IntValue(Require(&header, "num_class", "The header"), "num_class", "The header",
						 1, MAAS_MAX_CLASSES);
	K = IntValue(Require(&header, "num_tree_per_iteration", "The header"),
				 "num_tree_per_iteration", "The header", 1, MAAS_MAX_CLASSES);
	out->n_features = IntValue(Require(&header, "max_feature_idx", "The header"),
							   "max_feature_idx", "The header", 0, MAAS_MAX_FEATURES - 1) + 1;
	out->objective = pstrdup(Require(&header, "objective", "The header"));
	out->task = Objective(out->objective, n_classes, &scale);
	if ((out->task == MAAS_TASK_MULTICLASS) != (K > 1) ||
		(out->task == MAAS_TASK_MULTICLASS && K != n_classes))
		TreeImportFail(FORMAT, "%d trees per iteration for %d classes.", K, n_classes);
	out->n_classes = out->task == MAAS_TASK_MULTICLASS ? n_classes :
		out->task == MAAS_TASK_BINARY ? 2 : 0;
	out->feature_names = FeatureNames(&header, out->n_features);

	e = TreeEnsembleNew(TREE_KIND_BOOST, 1, K);
	for (;;)
	{
		Block		b;
		int			tree_no;
		TreeImportTree t;

		ReadBlock(&pos, &b);
		if (b.n == 0 || strcmp(b.keys[0], "end of trees") == 0)
			break;
		if (strcmp(b.keys[0], "Tree") != 0)
			TreeImportFail(FORMAT, "Line \"%.40s\" is where a \"Tree=\" line should be.", b.keys[0]);
		tree_no = IntValue(b.values[0], "Tree", "a tree", 0, TREE_MAX_TREES - 1);
		if (tree_no != n_trees)
			TreeImportFail(FORMAT, "Tree=%d comes where Tree=%d should.", tree_no, n_trees);
		ReadTree(&b, tree_no, out->n_features, scale, &t);
		TreeImportAppend(e, &t, out->n_features, FORMAT, tree_no);
		TreeImportFree(&t);
		n_trees++;
	}
	/* a model stopped mid-iteration: the missing classes add nothing */
	while (n_trees > 0 && n_trees % K != 0)
	{
		TreeImportAppendZero(e);
		n_trees++;
	}
	pfree(text);
	return e;
}
