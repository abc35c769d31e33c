/*
 * evaluate.c
 *	  The curves of a deployed classifier on a source's rows, as sets of
 *	  rows: maas_roc_curve, maas_pr_curve and maas_calibration_curve.
 *
 * Each reads the source with the model's encoding (the caller's rights, as
 * maas_evaluate), scores every row for one class against the rest (the
 * second class of a binary model, or the class named), and returns the
 * points scikit-learn's roc_curve, precision_recall_curve and
 * calibration_curve give on the same rows.
 */
#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/evaluation.h"
#include "functions/functions.h"

#define MAX_CALIBRATION_BINS	1000

/* One class of a classifier's rows against the others */
typedef struct ClassScores
{
	int64		n;
	bool	   *positive;
	double	   *score;			/* the class's probability */
} ClassScores;

/* The class the curve is of: the one named, or a binary model's second */
static int
PositiveClass(const char *name, const MaasModel *model, const char *positive)
{
	if (positive == NULL)
	{
		if (model->task == MAAS_TASK_BINARY)
			return 1;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" has %d classes: name the positive one", name,
						model->target.n_classes),
				 errhint("Pass it as positive => 'label'; the classes are: %s.",
						 MaasClassList(&model->target))));
	}
	for (int k = 0; k < model->target.n_classes; k++)
		if (strcmp(model->target.labels[k], positive) == 0)
			return k;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a class of model \"%s\"", positive, name),
			 errhint("The classes are: %s.", MaasClassList(&model->target))));
	pg_unreachable();
}

/*
 * Score every row of source with the deployed model name, into a memory
 * context of its own that the caller deletes; what: the function, for
 * messages
 */
static MemoryContext
ScoreSource(FunctionCallInfo fcinfo, int positive_arg, const char *what, ClassScores *cs)
{
	MemoryContext cxt;
	char	   *name = MaasRequiredText(fcinfo, 0, "model name");
	char	   *source = MaasRequiredText(fcinfo, 1, "source");
	char	   *positive = PG_ARGISNULL(positive_arg) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(positive_arg));
	MaasModelRef ref;
	MaasProgress progress;
	MaasDataset *ds;
	double	   *out;
	const double *y;
	int			k;
	int			c;

	MaasCheckName(name);
	MaasLookupDeployed(name, MAAS_PRIV_PREDICT, &ref);
	if (!MaasTaskIsClassification(ref.model->task))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is a %s model; %s needs a classifier", name,
						MaasTaskName(ref.model->task), what),
				 errhint("maas_evaluate(name, source) gives a regressor's residual quantiles.")));
	c = PositiveClass(name, ref.model, positive);
	MaasProgressStart(&progress, what);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "maas curve", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	ds = MaasLoadForModel(source, ref.model, &progress);
	k = ref.model->n_outputs;
	out = MaasPredictRows(ref.model, &ds->test, ref.model->n_features);
	y = MaasMatrixColumn(&ds->test, ref.model->n_features);
	cs->n = ds->test.n_rows;
	cs->positive = MemoryContextAllocHuge(CurrentMemoryContext, cs->n);
	cs->score = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cs->n);
	for (int64 i = 0; i < cs->n; i++)
	{
		cs->positive[i] = (int) y[i] == c;
		cs->score[i] = out[i * k + c];
	}
	{
		MaasUsageCounts rows = {.rows_evaluated = cs->n};

		MaasUsageAdd(GetUserId(), name, ref.version, &rows);
	}
	SPI_finish();
	/* the curve's own work too, until the caller switches back */
	MemoryContextSwitchTo(cxt);
	return cxt;
}

/*
 * maas_roc_curve(name, source, positive) -> (threshold, tpr, fpr, tp, fp):
 * roc_curve with drop_intermediate; the first row, threshold Infinity, is
 * the point where no row is called positive
 */
PG_FUNCTION_INFO_V1(maas_roc_curve);
Datum
maas_roc_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ClassScores cs;
	MemoryContext cxt;
	MemoryContext caller = CurrentMemoryContext;
	MaasCurvePoint *p;
	int64		m;
	int64		positives;
	int64		negatives;

	cxt = ScoreSource(fcinfo, 2, "maas_roc_curve", &cs);
	m = MaasBinaryCurve(cs.positive, cs.score, cs.n, &p);
	m = MaasDropCollinear(p, m);
	positives = p[m - 1].tp;
	negatives = p[m - 1].fp;
	MemoryContextSwitchTo(caller);
	InitMaterializedSRF(fcinfo, 0);
	for (int64 i = -1; i < m; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		int64		tp = i < 0 ? 0 : p[i].tp;
		int64		fp = i < 0 ? 0 : p[i].fp;

		values[0] = Float8GetDatum(i < 0 ? INFINITY : p[i].threshold);
		/* one class only: the rate is undefined (NaN, as scikit-learn) */
		values[1] = Float8GetDatum(positives > 0 ? (double) tp / positives : NAN);
		values[2] = Float8GetDatum(negatives > 0 ? (double) fp / negatives : NAN);
		values[3] = Int64GetDatum(tp);
		values[4] = Int64GetDatum(fp);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/*
 * maas_pr_curve(name, source, positive) -> (threshold, precision, recall):
 * precision_recall_curve, recall decreasing, ending with the point
 * (precision 1, recall 0) that has no threshold
 */
PG_FUNCTION_INFO_V1(maas_pr_curve);
Datum
maas_pr_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ClassScores cs;
	MemoryContext cxt;
	MemoryContext caller = CurrentMemoryContext;
	MaasCurvePoint *p;
	int64		m;
	int64		positives;

	cxt = ScoreSource(fcinfo, 2, "maas_pr_curve", &cs);
	m = MaasBinaryCurve(cs.positive, cs.score, cs.n, &p);
	positives = p[m - 1].tp;
	MemoryContextSwitchTo(caller);
	InitMaterializedSRF(fcinfo, 0);
	for (int64 i = m - 1; i >= -1; i--)
	{
		Datum		values[3];
		bool		nulls[3] = {0};

		if (i < 0)
		{
			nulls[0] = true;
			values[1] = Float8GetDatum(1.0);
			values[2] = Float8GetDatum(0.0);
		}
		else
		{
			values[0] = Float8GetDatum(p[i].threshold);
			values[1] = Float8GetDatum((double) p[i].tp / (p[i].tp + p[i].fp));
			/* no positive row: recall 1 everywhere, as scikit-learn */
			values[2] = Float8GetDatum(positives > 0 ? (double) p[i].tp / positives : 1.0);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}

/*
 * maas_calibration_curve(name, source, bins, positive) -> (bin, mean_predicted,
 * fraction_positive, count): calibration_curve(n_bins=bins,
 * strategy="uniform"), empty bins left out
 */
PG_FUNCTION_INFO_V1(maas_calibration_curve);
Datum
maas_calibration_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			bins;
	ClassScores cs;
	MemoryContext cxt;
	MemoryContext caller = CurrentMemoryContext;
	int64	   *count;
	double	   *sum_score;
	int64	   *sum_positive;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bins must not be NULL")));
	bins = PG_GETARG_INT32(2);
	if (bins < 1 || bins > MAX_CALIBRATION_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between 1 and %d, not %d", MAX_CALIBRATION_BINS, bins)));
	cxt = ScoreSource(fcinfo, 3, "maas_calibration_curve", &cs);
	count = palloc(sizeof(int64) * bins);
	sum_score = palloc(sizeof(double) * bins);
	sum_positive = palloc(sizeof(int64) * bins);
	MaasCalibrationBins(cs.positive, cs.score, cs.n, bins, count, sum_score, sum_positive);
	MemoryContextSwitchTo(caller);
	InitMaterializedSRF(fcinfo, 0);
	for (int b = 0; b < bins; b++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		if (count[b] == 0)
			continue;
		values[0] = Int32GetDatum(b + 1);
		values[1] = Float8GetDatum(sum_score[b] / count[b]);
		values[2] = Float8GetDatum((double) sum_positive[b] / count[b]);
		values[3] = Int64GetDatum(count[b]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
