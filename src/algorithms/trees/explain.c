/*
 * explain.c
 *	  Why a tree model predicts what it does: per-feature contributions of
 *	  one prediction (maas_explain) and gain and split counts per feature
 *	  (maas_feature_importance).
 *
 * Explanations are exact path-dependent TreeSHAP: Lundberg, Erion and Lee,
 * "Consistent Individualized Feature Attribution for Tree Ensembles", 2018
 * (https://arxiv.org/abs/1802.03888), algorithm 2, with the training cover
 * of each node as the weight of its subtree.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "tree.h"

/* ---- importance ---- */

void
TreeImportance(const MaasModel *model, double *gain, double *splits)
{
	const TreeEnsemble *e = model->state;

	for (int32 i = 0; i < e->n_nodes; i++)
	{
		int			f = e->nodes[i].feature;

		if (f < 0)
			continue;
		gain[f] += e->gain[i];
		splits[f] += 1;
	}
}

/* ---- TreeSHAP ---- */

typedef struct PathElement
{
	int			feature;
	double		zero_fraction;
	double		one_fraction;
	double		pweight;
} PathElement;

typedef struct ShapTree
{
	const TreeEnsemble *e;
	int			value;			/* which leaf value is explained */
	double		scale;
	const double *x;
	double	   *phi;
} ShapTree;

static void
ExtendPath(PathElement *path, int depth, double zero, double one, int feature)
{
	path[depth].feature = feature;
	path[depth].zero_fraction = zero;
	path[depth].one_fraction = one;
	path[depth].pweight = depth == 0 ? 1.0 : 0.0;
	for (int i = depth - 1; i >= 0; i--)
	{
		path[i + 1].pweight += one * path[i].pweight * (i + 1) / (double) (depth + 1);
		path[i].pweight = zero * path[i].pweight * (depth - i) / (double) (depth + 1);
	}
}

static void
UnwindPath(PathElement *path, int depth, int index)
{
	double		one = path[index].one_fraction;
	double		zero = path[index].zero_fraction;
	double		next = path[depth].pweight;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		tmp = path[i].pweight;

			path[i].pweight = next * (depth + 1) / ((i + 1) * one);
			next = tmp - path[i].pweight * zero * (depth - i) / (double) (depth + 1);
		}
		else
			path[i].pweight = path[i].pweight * (depth + 1) / (zero * (depth - i));
	}
	for (int i = index; i < depth; i++)
	{
		path[i].feature = path[i + 1].feature;
		path[i].zero_fraction = path[i + 1].zero_fraction;
		path[i].one_fraction = path[i + 1].one_fraction;
	}
}

static double
UnwoundPathSum(const PathElement *path, int depth, int index)
{
	double		one = path[index].one_fraction;
	double		zero = path[index].zero_fraction;
	double		next = path[depth].pweight;
	double		total = 0;

	for (int i = depth - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		tmp = next * (depth + 1) / ((i + 1) * one);

			total += tmp;
			next = path[i].pweight - tmp * zero * ((depth - i) / (double) (depth + 1));
		}
		else if (zero != 0)
			total += (path[i].pweight / zero) / ((depth - i) / (double) (depth + 1));
	}
	return total;
}

/* Fraction of node's training cover that went to child (1/2 if none did) */
static inline double
CoverFraction(const TreeEnsemble *e, int32 child, int32 other)
{
	double		a = e->cover[child];
	double		total = a + e->cover[other];

	return total > 0 ? a / total : 0.5;
}

static void
ShapRecurse(ShapTree *st, int32 node, PathElement *parent, int depth,
			double zero, double one, int feature)
{
	const TreeEnsemble *e = st->e;
	const TreeNode *nd = &e->nodes[node];
	PathElement *path = parent + depth + 1;

	check_stack_depth();
	memcpy(path, parent, sizeof(PathElement) * (depth + 1));
	ExtendPath(path, depth, zero, one, feature);

	if (nd->feature < 0)
	{
		double		v = e->values[nd->left + st->value] * st->scale;

		for (int i = 1; i <= depth; i++)
		{
			double		w = UnwoundPathSum(path, depth, i);

			st->phi[path[i].feature] += w * (path[i].one_fraction - path[i].zero_fraction) * v;
		}
	}
	else
	{
		double		xv = st->x[nd->feature];
		int32		hot = xv <= nd->threshold ? nd->left : isnan(xv) ? nd->missing : nd->right;
		int32		cold = hot == nd->left ? nd->right : nd->left;
		double		hot_zero = CoverFraction(e, hot, cold);
		double		cold_zero = CoverFraction(e, cold, hot);
		double		incoming_zero = 1;
		double		incoming_one = 1;
		int			k;

		/* a feature split on before: undo it to redo it here */
		for (k = 0; k <= depth; k++)
			if (path[k].feature == nd->feature)
				break;
		if (k <= depth)
		{
			incoming_zero = path[k].zero_fraction;
			incoming_one = path[k].one_fraction;
			UnwindPath(path, depth, k);
			depth--;
		}
		ShapRecurse(st, hot, path, depth + 1, hot_zero * incoming_zero, incoming_one, nd->feature);
		ShapRecurse(st, cold, path, depth + 1, cold_zero * incoming_zero, 0, nd->feature);
	}
}

/*
 * Add scale times the SHAP values of tree t's leaf value number `value` at x
 * to phi; *expected gets scale times the tree's expected value under the
 * same cover weights, so that the additions sum to scale * (f(x) - E f).
 */
static void
TreeShap(const TreeEnsemble *e, int t, int value, const double *x, double scale,
		 double *phi, double *expected)
{
	int32		first = e->root[t];
	int32		n = e->root[t + 1] - first;
	double	   *ev = palloc(sizeof(double) * n);
	int			d = e->max_depth + 2;
	PathElement *path = palloc(sizeof(PathElement) * ((int64) d * (d + 1) / 2 + d + 1));
	ShapTree	st;

	/* expected values bottom-up: children come after their parents */
	for (int32 i = n - 1; i >= 0; i--)
	{
		const TreeNode *nd = &e->nodes[first + i];

		if (nd->feature < 0)
			ev[i] = e->values[nd->left + value];
		else
		{
			double		fl = CoverFraction(e, nd->left, nd->right);

			ev[i] = fl * ev[nd->left - first] + (1 - fl) * ev[nd->right - first];
		}
	}
	*expected = scale * ev[0];
	st.e = e;
	st.value = value;
	st.scale = scale;
	st.x = x;
	st.phi = phi;
	ShapRecurse(&st, first, path, 0, 1, 1, -1);
	pfree(path);
	pfree(ev);
}

/*
 * The explained score: the value for regression; for boosting the margin
 * (binary log-odds, multiclass the predicted class's margin); for a tree or
 * forest classifier the predicted class's probability.  The base is the
 * expected score over the training cover.
 */
void
TreeExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const double *x = in->x;
	const TreeEnsemble *e = model->state;
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	double		expected;

	for (int j = 0; j < model->n_features; j++)
		contrib[j] = 0;
	TreePredict(model, in, out);
	if (e->kind == TREE_KIND_BOOST)
	{
		int			k = e->n_groups;
		int			c = k > 1 ? MaasArgmax(out, k) : 0;

		*base = e->base[c];
		for (int t = c; t < e->n_trees; t += k)
		{
			TreeShap(e, t, 0, x, 1.0, contrib, &expected);
			*base += expected;
		}
	}
	else
	{
		int			c = e->n_values > 1 ? MaasArgmax(out, e->n_values) : 0;

		*base = 0;
		for (int t = 0; t < e->n_trees; t++)
		{
			TreeShap(e, t, c, x, 1.0 / e->n_trees, contrib, &expected);
			*base += expected;
		}
	}
	pfree(out);
}
