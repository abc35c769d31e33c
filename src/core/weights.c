/*
 * weights.c
 *	  The weight of each row of a fit: its sample weight times its class's
 *	  weight, as scikit-learn's estimators combine sample_weight and
 *	  class_weight ("balanced": n / (classes x rows of the class), counted
 *	  over the rows of this fit, unweighted).
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/core.h"

static char *
Classes(const MaasTarget *target)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int c = 0; c < target->n_classes; c++)
		appendStringInfo(&buf, "%s%s", c > 0 ? ", " : "", target->labels[c]);
	return buf.data;
}

/*
 * Weights of n rows of classes y (class indexes) or NULL when every row
 * weighs 1; sample: the rows' sample weights, or NULL.
 */
double *
MaasFitWeights(const MaasClassWeight *cw, const MaasTarget *target, MaasTask task,
			   const double *sample, const double *y, int64 n)
{
	bool		by_class = cw->kind >= 0;
	double	   *class_w = NULL;
	double	   *w;

	if (by_class && !MaasTaskIsClassification(task))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("class_weight needs a classification target"),
				 errhint("Weigh the rows of a regression with params {\"sample_weight\": column}.")));
	if (!by_class && sample == NULL)
		return NULL;
	if (by_class)
	{
		int			k = target->n_classes;

		class_w = palloc(sizeof(double) * k);
		if (cw->kind == 0)
		{
			int64	   *count = palloc0(sizeof(int64) * k);

			for (int64 i = 0; i < n; i++)
				count[(int) y[i]]++;
			for (int c = 0; c < k; c++)
				class_w[c] = count[c] > 0 ? (double) n / ((double) k * count[c]) : 1.0;
		}
		else
		{
			for (int c = 0; c < k; c++)
				class_w[c] = 1.0;
			for (int m = 0; m < cw->n; m++)
			{
				int			c;

				for (c = 0; c < k; c++)
					if (strcmp(target->labels[c], cw->labels[m]) == 0)
						break;
				if (c == k)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("class_weight names \"%s\", which is not a class of the target",
									cw->labels[m]),
							 errhint("The classes are: %s.", Classes(target))));
				class_w[c] = cw->weights[m];
			}
		}
	}
	w = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(n, 1));
	for (int64 i = 0; i < n; i++)
		w[i] = (sample ? sample[i] : 1.0) * (class_w ? class_w[(int) y[i]] : 1.0);
	return w;
}
