/*
 * interval.c
 *	  maas_predict_interval(name, row or features, coverage): a regressor's
 *	  prediction with a split-conformal interval from the absolute
 *	  residuals of its held-out rows (core/postprocess.c): on fresh rows
 *	  like the training ones, the true value lies inside with probability
 *	  at least coverage.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"

#include "core/postprocess.h"
#include "functions/functions.h"

static Datum
PredictInterval(FunctionCallInfo fcinfo, MaasInputForm form)
{
	double		coverage = PG_GETARG_FLOAT8(2);
	MaasInput	in;
	const MaasModel *model;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {0};
	double		prediction;
	double		half;

	if (!(coverage > 0 && coverage < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage must lie strictly between 0 and 1, not %g", coverage),
				 errhint("For a 90%% interval pass 0.9.")));
	model = MaasModelInput(fcinfo, form, &in);
	if (model->task != MAAS_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("maas_predict_interval needs a regressor, and this is a %s model",
						MaasTaskName(model->task)),
				 errhint("A classifier's uncertainty is in maas_predict_proba; train it with \"calibration\" to calibrate it.")));
	if (model->post == NULL || model->post->n_residuals == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("this model kept no held-out residuals to make intervals from"),
				 errhint("Train it with '{\"intervals\": true}' (and \"test_size\" above 0).")));
	(void) MaasModelByName(fcinfo, PG_GETARG_TEXT_PP(0));	/* counts a prediction */
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "maas_predict_interval must return a composite type");
	model->algorithm->predict(model, &in, &prediction);
	half = MaasConformalHalfWidth(model->post, coverage);
	values[0] = Float8GetDatum(prediction);
	values[1] = Float8GetDatum(prediction - half);
	values[2] = Float8GetDatum(prediction + half);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

PG_FUNCTION_INFO_V1(maas_predict_interval_row);
Datum
maas_predict_interval_row(PG_FUNCTION_ARGS)
{
	return PredictInterval(fcinfo, MAAS_INPUT_ROW);
}

PG_FUNCTION_INFO_V1(maas_predict_interval_array);
Datum
maas_predict_interval_array(PG_FUNCTION_ARGS)
{
	return PredictInterval(fcinfo, MAAS_INPUT_ARRAY);
}
