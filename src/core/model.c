/*
 * model.c
 *	  What every use of a model shares: task names, the predicted value or
 *	  class of an output vector, and classifier checks.
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"

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
		case MAAS_TASK_CLUSTERING:
			return "clustering";
		case MAAS_TASK_DECOMPOSITION:
			return "decomposition";
		case MAAS_TASK_RECOMMENDATION:
			return "recommendation";
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

/*
 * A regression's value, a classifier's class as a number, or a clustering's
 * nearest cluster (0-based, as scikit-learn's labels).  A decomposition has
 * coordinates, not one value.
 */
double
MaasPredictValue(const MaasModel *model, const double *out)
{
	int			k;

	if (model->task == MAAS_TASK_REGRESSION || model->task == MAAS_TASK_RECOMMENDATION)
		return out[0];			/* the value, or the predicted rating */
	if (model->task == MAAS_TASK_CLUSTERING)
	{
		k = 0;
		for (int c = 1; c < model->n_outputs; c++)
			if (out[c] < out[k])
				k = c;
		return (double) k;
	}
	if (model->task != MAAS_TASK_BINARY && model->task != MAAS_TASK_MULTICLASS)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model is a %s model, which predicts no single value",
						MaasTaskName(model->task)),
				 errhint("Use maas_transform for its %d coordinates.", model->n_outputs)));
	k = MaasArgmax(out, model->n_outputs);
	return isnan(model->target.values[k]) ? (double) k : model->target.values[k];
}

void
MaasModelCheckClassifier(const MaasModel *model)
{
	if (!MaasTaskIsClassification(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model is a %s model, not a classifier", MaasTaskName(model->task)),
				 model->task == MAAS_TASK_REGRESSION ?
				 errhint("Use maas_predict for the predicted value.") :
				 model->task == MAAS_TASK_CLUSTERING ?
				 errhint("Use maas_predict for the nearest cluster, maas_transform for the distances to the centres.") :
				 errhint("Use maas_transform for its outputs.")));
}

/* The task an unsupervised algorithm learns (it takes no target), else 0 */
MaasTask
MaasUnsupervisedTask(const MaasAlgorithm *algorithm)
{
	if (algorithm->tasks & MAAS_TASK_BIT(MAAS_TASK_CLUSTERING))
		return MAAS_TASK_CLUSTERING;
	if (algorithm->tasks & MAAS_TASK_BIT(MAAS_TASK_DECOMPOSITION))
		return MAAS_TASK_DECOMPOSITION;
	return 0;
}

/*
 * The output count of a fitted model: 1 value, a probability per class, or
 * what the fitted state of a clustering or decomposition says.
 */
int
MaasModelOutputs(const MaasModel *model)
{
	if (MaasTaskIsUnsupervised(model->task))
		return model->algorithm->n_outputs(model->state);
	return MaasTaskIsClassification(model->task) ? model->target.n_classes : 1;
}

/*
 * Regression or classification, from the algorithm, params "task" and, when
 * known, the target column's kind (maas_fit's target is a float8 and has no
 * name): auto classifies a text target, a boolean one where the algorithm
 * can, and any target of an algorithm that cannot regress.
 */
MaasTask
MaasResolveTask(const MaasAlgorithm *algorithm, int choice,
				MaasColumnKind target_kind, const char *target)
{
	bool		can_regress = (algorithm->tasks & MAAS_TASK_BIT(MAAS_TASK_REGRESSION)) != 0;
	bool		can_classify = (algorithm->tasks & MAAS_TASKS_CLASSIFY) != 0;
	bool		classify;

	if (MaasUnsupervisedTask(algorithm) != 0)
	{
		if (choice != MAAS_CHOOSE_AUTO)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s learns %s; params \"task\" does not apply", algorithm->name,
							MaasTaskName(MaasUnsupervisedTask(algorithm)))));
		return MaasUnsupervisedTask(algorithm);
	}
	if (choice == MAAS_CHOOSE_REGRESSION)
		classify = false;
	else if (choice == MAAS_CHOOSE_CLASSIFICATION)
		classify = true;
	else
		classify = !can_regress || target_kind == MAAS_COL_CATEGORICAL ||
			(target_kind == MAAS_COL_BOOLEAN && can_classify);

	if (classify && !can_classify)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s does regression, not classification", algorithm->name),
				 errhint("Use logistic_regression for a class target.")));
	if (!classify && !can_regress)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s does classification, not regression", algorithm->name),
				 errhint("Use linear_regression for a numeric target.")));
	if (!classify && target_kind == MAAS_COL_CATEGORICAL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target \"%s\" is text, but regression needs a number", target),
				 errhint("Use a classification algorithm such as logistic_regression.")));
	if (target_kind == MAAS_COL_ARRAY)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("target \"%s\" must be a number, a boolean or text, not an array",
						target)));
	return classify ? MAAS_TASK_BINARY : MAAS_TASK_REGRESSION;
}

static int
CompareClassText(const void *a, const void *b, void *arg)
{
	char	  **labels = arg;

	return strcmp(labels[*(const int *) a], labels[*(const int *) b]);
}

static int
CompareClassNumber(const void *a, const void *b, void *arg)
{
	const double *values = arg;
	double		x = values[*(const int *) a];
	double		y = values[*(const int *) b];

	return (x > y) - (x < y);
}

/*
 * The classes of a target from its n distinct values, in any order: labels
 * for a text target (t->kind categorical), values otherwise.  Classes are
 * numbered in sorted order (strcmp, or ascending numbers); rank[i] is the
 * class of distinct value i.  Fills t->n_classes, labels and values.
 */
void
MaasTargetClasses(MaasTarget *t, int n, char **labels, const double *values, int *rank)
{
	bool		text = t->kind == MAAS_COL_CATEGORICAL;
	int		   *order = palloc(sizeof(int) * Max(n, 1));

	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 t->name ? errmsg("target \"%s\" has a single class", t->name) :
				 errmsg("target has a single class"),
				 errhint("Classification needs at least two distinct target values.")));
	if (n > MAAS_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("target has more than %d distinct classes", MAAS_MAX_CLASSES)));
	for (int k = 0; k < n; k++)
		order[k] = k;
	if (text)
		qsort_arg(order, n, sizeof(int), CompareClassText, labels);
	else
		qsort_arg(order, n, sizeof(int), CompareClassNumber, (void *) values);
	t->n_classes = n;
	t->labels = palloc(sizeof(char *) * n);
	t->values = palloc(sizeof(double) * n);
	for (int k = 0; k < n; k++)
	{
		int			i = order[k];

		rank[i] = k;
		if (text)
		{
			t->labels[k] = pstrdup(labels[i]);
			t->values[k] = NAN;
		}
		else
		{
			t->values[k] = values[i];
			if (t->kind == MAAS_COL_BOOLEAN)
				t->labels[k] = pstrdup(values[i] != 0 ? "true" : "false");
			else
				t->labels[k] = float8out_internal(values[i]);
		}
	}
	pfree(order);
}

static int
CompareDoubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Class labels: the distinct target values, ascending; y becomes classes */
void
MaasCollectClasses(MaasTarget *t, double *y, int64 n)
{
	double	   *sorted = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int		   *rank;
	int64		k = 0;

	memcpy(sorted, y, sizeof(double) * n);
	qsort(sorted, n, sizeof(double), CompareDoubles);
	for (int64 i = 0; i < n; i++)
		if (i == 0 || sorted[i] != sorted[i - 1])
			sorted[k++] = sorted[i];
	if (k > MAAS_MAX_CLASSES)
		k = MAAS_MAX_CLASSES + 1;	/* enough for MaasTargetClasses to refuse */
	rank = palloc(sizeof(int) * k);
	MaasTargetClasses(t, (int) k, NULL, sorted, rank);
	for (int64 i = 0; i < n; i++)
	{
		double	   *hit = bsearch(&y[i], t->values, t->n_classes, sizeof(double), CompareDoubles);

		y[i] = hit - t->values;
	}
	pfree(rank);
	pfree(sorted);
}
