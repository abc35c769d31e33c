/*
 * model.c
 *	  What every use of a model shares: task names, the predicted value or
 *	  class of an output vector, and classifier checks.
 */
#include "postgres.h"

#include <math.h>

#include "core/core.h"

const char *
MaasTaskName(MaasTask task)
{
	switch (task)
	{
		case MAAS_TASK_REGRESSION:
			return "regression";
		case MAAS_TASK_BINARY:
			return "binary";
		case MAAS_TASK_MULTICLASS:
			return "multiclass";
	}
	return "unknown";
}

int
MaasArgmax(const double *v, int n)
{
	int			best = 0;

	for (int k = 1; k < n; k++)
		if (v[k] > v[best])
			best = k;
	return best;
}

/* A regression's value, or a classifier's class as a number */
double
MaasPredictValue(const MaasModel *model, const double *out)
{
	int			k;

	if (model->task == MAAS_TASK_REGRESSION)
		return out[0];
	k = MaasArgmax(out, model->n_outputs);
	return isnan(model->target.values[k]) ? (double) k : model->target.values[k];
}

void
MaasModelCheckClassifier(const MaasModel *model)
{
	if (!MaasTaskIsClassification(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model is a regression model, not a classifier"),
				 errhint("Use maas_predict for the predicted value.")));
}
