/*
 * linear_svm.c
 *	  linear_svm (classification) and linear_svr (regression): linear
 *	  support vector machines as scikit-learn's LinearSVC and LinearSVR,
 *	  trained by LIBLINEAR's solvers (solvers.c) on standardized features.
 *
 * Classification: one weight vector for two classes (positive: the second
 * class), one per class otherwise (one-vs-rest, as LinearSVC).  The
 * intercept is the weight of a constant feature of value intercept_scaling
 * and is penalized with the others, as in LIBLINEAR.
 *
 * An SVM scores, it does not estimate probabilities.  predict still gives
 * numbers that sum to 1, so every predict form works: the logistic function
 * of the decision value for two classes, the softmax of the one-vs-rest
 * decision values otherwise.  They are NOT calibrated probabilities (no
 * Platt scaling); their argmax is LinearSVC's predicted class.  The raw
 * decision value is maas_explain's "score" (base + contributions w_j x_j).
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "svm.h"

typedef struct LinearSvmState
{
	int			p;
	int			k;				/* weight vectors: 1 (binary, regression) or classes */
	double	   *mean;
	double	   *scale;
	double	   *w;				/* k x p, standardized space */
	double	   *b;				/* k: intercepts (weight times intercept_scaling) */
	int			iterations;		/* the most passes of any weight vector */
	bool		converged;
} LinearSvmState;

typedef enum SvcLoss
{
	SVC_SQUARED_HINGE, SVC_HINGE	/* "squared_hinge,hinge" */
} SvcLoss;

typedef enum SvrLoss
{
	SVR_L1, SVR_L2				/* "epsilon_insensitive,squared_epsilon_insensitive" */
} SvrLoss;

typedef enum SvmPenalty
{
	SVM_PENALTY_L2, SVM_PENALTY_L1	/* "l2,l1" */
} SvmPenalty;

typedef struct LinearSvmOptions
{
	double		C;
	int			loss;			/* SvcLoss or SvrLoss */
	int			penalty;		/* SvmPenalty (classification) */
	bool		dual;
	double		tol;
	int			max_iter;
	bool		fit_intercept;
	double		intercept_scaling;
	int			class_weight;	/* SvmClassWeight (classification) */
	double		epsilon;		/* regression */
} LinearSvmOptions;

#define COMMON_PARAMS \
	{"C", MAAS_PARAM_FLOAT, "1.0", 1e-12, 1e12, NULL, \
		"inverse regularization strength, as in scikit-learn", \
	offsetof(LinearSvmOptions, C)}, \
	{"dual", MAAS_PARAM_BOOL, "true", 0, 0, NULL, \
		"solve the dual problem (LIBLINEAR's dual coordinate descent)", \
	offsetof(LinearSvmOptions, dual)}, \
	{"tol", MAAS_PARAM_FLOAT, "1e-4", 1e-15, 1, NULL, \
		"stopping tolerance of the solver, as LIBLINEAR's eps", \
	offsetof(LinearSvmOptions, tol)}, \
	{"max_iter", MAAS_PARAM_INT, "1000", 1, 100000000, NULL, \
		"most passes over the data", \
	offsetof(LinearSvmOptions, max_iter)}, \
	{"fit_intercept", MAAS_PARAM_BOOL, "true", 0, 0, NULL, \
		"whether to fit an intercept", \
	offsetof(LinearSvmOptions, fit_intercept)}, \
	{"intercept_scaling", MAAS_PARAM_FLOAT, "1.0", 1e-12, 1e12, NULL, \
		"value of the constant feature whose (penalized) weight is the intercept", \
	offsetof(LinearSvmOptions, intercept_scaling)}

static const MaasParamSpec svc_params[] = {
	COMMON_PARAMS,
	{"loss", MAAS_PARAM_CHOICE, "\"squared_hinge\"", 0, 0, "squared_hinge,hinge",
		"loss of a margin violation",
	offsetof(LinearSvmOptions, loss)},
	{"penalty", MAAS_PARAM_CHOICE, "\"l2\"", 0, 0, "l2,l1",
		"regularization of the weights (l1 needs dual false and squared_hinge)",
	offsetof(LinearSvmOptions, penalty)},
	{"class_weight", MAAS_PARAM_CHOICE, "\"none\"", 0, 0, "none,balanced",
		"balanced: C of each class times n / (classes * rows of the class)",
	offsetof(LinearSvmOptions, class_weight)},
	{NULL}
};

static const MaasParamSpec svr_params[] = {
	COMMON_PARAMS,
	{"loss", MAAS_PARAM_CHOICE, "\"epsilon_insensitive\"", 0, 0,
		"epsilon_insensitive,squared_epsilon_insensitive",
		"loss of an error beyond epsilon: its size or its square",
	offsetof(LinearSvmOptions, loss)},
	{"epsilon", MAAS_PARAM_FLOAT, "0.0", 0, 1e300, NULL,
		"errors up to epsilon (in the target's units) cost nothing",
	offsetof(LinearSvmOptions, epsilon)},
	{NULL}
};

/* The combinations LIBLINEAR solves, as LinearSVC / LinearSVR accept them */
static void
CheckCombination(const LinearSvmOptions *opt, bool regression)
{
	const char *what = NULL;
	const char *hint = NULL;

	if (regression)
	{
		if (opt->loss == SVR_L1 && !opt->dual)
		{
			what = "loss \"epsilon_insensitive\" needs \"dual\": true";
			hint = "Use \"dual\": true, or \"loss\": \"squared_epsilon_insensitive\".";
		}
	}
	else if (opt->penalty == SVM_PENALTY_L1 && opt->loss == SVC_HINGE)
	{
		what = "penalty \"l1\" does not go with loss \"hinge\"";
		hint = "Use \"loss\": \"squared_hinge\" (and \"dual\": false) with \"penalty\": \"l1\".";
	}
	else if (opt->penalty == SVM_PENALTY_L1 && opt->dual)
	{
		what = "penalty \"l1\" needs \"dual\": false";
		hint = "Add \"dual\": false: the L1 problem is solved in the primal.";
	}
	else if (opt->loss == SVC_HINGE && !opt->dual)
	{
		what = "loss \"hinge\" needs \"dual\": true";
		hint = "Use \"dual\": true, or \"loss\": \"squared_hinge\".";
	}
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", what),
				 errhint("%s", hint)));
}

static LinearSvmState *
NewState(const MaasTrainData *data, int k, double **rows)
{
	LinearSvmState *st = palloc0(sizeof(LinearSvmState));

	st->p = data->n_features;
	st->k = k;
	st->mean = palloc(sizeof(double) * st->p);
	st->scale = palloc(sizeof(double) * st->p);
	st->w = palloc0(sizeof(double) * st->p * k);
	st->b = palloc0(sizeof(double) * k);
	st->converged = true;
	MaasStandardize(data, st->mean, st->scale);
	*rows = SvmScaledRows(data, st->mean, st->scale);
	return st;
}

/* Keep a solver's weights as output c; the bias weight becomes the intercept */
static void
KeepWeights(LinearSvmState *st, int c, const double *w, const SvmRows *d,
			SvmSolveResult res)
{
	memcpy(st->w + (int64) c * st->p, w, sizeof(double) * st->p);
	st->b[c] = w[st->p] * d->bias;
	st->iterations = Max(st->iterations, res.iterations);
	st->converged &= res.converged;
}

static void
ReportConvergence(const char *name, const LinearSvmState *st)
{
	if (!st->converged)
		ereport(NOTICE,
				(errmsg("%s did not converge in %d passes", name, st->iterations),
				 errhint("Raise params \"max_iter\", or regularize more with a smaller \"C\".")));
}

static void *
LinearSvcFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const LinearSvmOptions *opt = options;
	int			k = data->task == MAAS_TASK_BINARY ? 1 : data->n_classes;
	int64		n = data->m.n_rows;
	const double *y = MaasTrainY(data);
	double	   *rows;
	LinearSvmState *st;
	double	   *weight = palloc(sizeof(double) * data->n_classes);
	double	   *ys = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	double	   *w = palloc(sizeof(double) * (data->n_features + 1));
	SvmRows		d;

	CheckCombination(opt, false);
	st = NewState(data, k, &rows);
	SvmClassWeights(y, n, data->n_classes, opt->class_weight, weight);
	d.x = rows;
	d.n = n;
	d.p = st->p;
	d.bias = opt->fit_intercept ? opt->intercept_scaling : 0;

	for (int c = 0; c < k; c++)
	{
		/* binary: the second class is positive; else class c against the rest */
		int			positive = k == 1 ? 1 : c;
		double		Cp = opt->C * weight[positive];
		double		Cn = k == 1 ? opt->C * weight[0] : opt->C;
		uint64		seed = hash_combine64((uint64) data->seed, (uint64) c);
		SvmSolveResult res;

		for (int64 i = 0; i < n; i++)
			ys[i] = (int) y[i] == positive ? 1.0 : -1.0;
		if (opt->penalty == SVM_PENALTY_L1)
			res = SvmPrimalL1Svc(&d, ys, Cp, Cn, opt->tol, opt->max_iter, seed, w, progress);
		else
			res = SvmDualSvc(&d, ys, Cp, Cn, opt->loss == SVC_SQUARED_HINGE,
							 opt->tol, opt->max_iter, seed, w, progress);
		KeepWeights(st, c, w, &d, res);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: weight vector %d of %d, %d passes",
							progress->what, c + 1, k, res.iterations)));
	}
	ReportConvergence("linear_svm", st);
	pfree(rows);
	pfree(ys);
	pfree(w);
	pfree(weight);
	return st;
}

static void *
LinearSvrFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const LinearSvmOptions *opt = options;
	double	   *rows;
	LinearSvmState *st;
	double	   *w = palloc(sizeof(double) * (data->n_features + 1));
	SvmRows		d;
	SvmSolveResult res;

	CheckCombination(opt, true);
	st = NewState(data, 1, &rows);
	d.x = rows;
	d.n = data->m.n_rows;
	d.p = st->p;
	d.bias = opt->fit_intercept ? opt->intercept_scaling : 0;
	res = SvmDualSvr(&d, MaasTrainY(data), opt->C, opt->epsilon, opt->loss == SVR_L2,
					 opt->tol, opt->max_iter, (uint64) data->seed, w, progress);
	KeepWeights(st, 0, w, &d, res);
	if (MaasProgressDue(progress))
		ereport(NOTICE, (errmsg("%s: %d passes", progress->what, res.iterations)));
	ReportConvergence("linear_svr", st);
	pfree(rows);
	pfree(w);
	return st;
}

static inline double
Decision(const LinearSvmState *st, int c, const double *x)
{
	double		z = st->b[c];

	for (int j = 0; j < st->p; j++)
		z += st->w[(int64) c * st->p + j] * (x[j] - st->mean[j]) / st->scale[j];
	return z;
}

/* Classes: uncalibrated scores summing to 1 (see the top of the file) */
static void
LinearSvcPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const LinearSvmState *st = model->state;

	for (int c = 0; c < st->k; c++)
		out[c] = Decision(st, c, in->x);
	if (st->k == 1)
	{
		/* each side on its own, so a far row keeps its digits */
		double		z = out[0];

		out[0] = MaasSigmoid(-z);
		out[1] = MaasSigmoid(z);
	}
	else
		MaasSoftmax(out, st->k);
}

static void
LinearSvrPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	out[0] = Decision(model->state, 0, in->x);
}

static void
LinearSvmSerialize(const MaasModel *model, StringInfo buf)
{
	const LinearSvmState *st = model->state;

	MaasWriteU32(buf, (uint32) st->k);
	MaasWriteU32(buf, (uint32) st->iterations);
	MaasWriteU8(buf, st->converged ? 1 : 0);
	MaasWriteDoubles(buf, st->mean, st->p);
	MaasWriteDoubles(buf, st->scale, st->p);
	MaasWriteDoubles(buf, st->w, (int64) st->p * st->k);
	MaasWriteDoubles(buf, st->b, st->k);
}

static void *
LinearSvmDeserialize(MaasReader *r, const MaasModel *model)
{
	LinearSvmState *st = palloc0(sizeof(LinearSvmState));
	int			expected = model->task == MAAS_TASK_MULTICLASS ? model->n_outputs : 1;
	int64		doubles;

	st->p = model->n_features;
	st->k = (int) MaasReadU32(r);
	if (st->k != expected)
		MaasReaderFail(r, "%d weight vectors for %d outputs", st->k, model->n_outputs);
	st->iterations = (int) MaasReadU32(r);
	st->converged = MaasReadU8(r) != 0;
	doubles = (int64) st->p * (2 + st->k) + st->k;
	if ((uint64) doubles * 8 != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes of weights, expected %lld",
					   r->len - r->pos, (long long) doubles * 8);
	st->mean = palloc(sizeof(double) * st->p);
	st->scale = palloc(sizeof(double) * st->p);
	st->w = palloc(sizeof(double) * st->p * st->k);
	st->b = palloc(sizeof(double) * st->k);
	MaasReadDoubles(r, st->mean, st->p, true);
	MaasReadDoubles(r, st->scale, st->p, true);
	for (int j = 0; j < st->p; j++)
		if (!(st->scale[j] > 0))
			MaasReaderFail(r, "scale of feature %d is not positive", j + 1);
	MaasReadDoubles(r, st->w, (int64) st->p * st->k, true);
	MaasReadDoubles(r, st->b, st->k, true);
	return st;
}

/* Weights of one output in the features' own units */
static void
DescribeOutput(const MaasModel *model, const LinearSvmState *st, int c, MaasJson *json)
{
	double		intercept = st->b[c];

	MaasJsonBeginObject(json);
	MaasJsonKey(json, "coefficients");
	MaasJsonBeginObject(json);
	for (int j = 0; j < st->p; j++)
	{
		double		v = st->w[(int64) c * st->p + j] / st->scale[j];

		intercept -= v * st->mean[j];
		MaasJsonKey(json, MaasFeatureName(&model->prep, j));
		MaasJsonNumber(json, v);
	}
	MaasJsonEndObject(json);
	MaasJsonKey(json, "intercept");
	MaasJsonNumber(json, intercept);
	MaasJsonEndObject(json);
}

static void
LinearSvmDescribe(const MaasModel *model, MaasJson *json)
{
	const LinearSvmState *st = model->state;

	MaasJsonKey(json, "iterations");
	MaasJsonInt(json, st->iterations);
	MaasJsonKey(json, "converged");
	MaasJsonBool(json, st->converged);
	if (MaasTaskIsClassification(model->task))
	{
		MaasJsonKey(json, "probabilities");
		MaasJsonString(json, st->k == 1 ?
					   "uncalibrated: logistic function of the decision value" :
					   "uncalibrated: softmax of the one-vs-rest decision values");
	}
	MaasJsonKey(json, "weights");
	if (st->k == 1)
		DescribeOutput(model, st, 0, json);
	else
	{
		MaasJsonBeginObject(json);
		for (int c = 0; c < st->k; c++)
		{
			MaasJsonKey(json, model->target.labels[c]);
			DescribeOutput(model, st, c, json);
		}
		MaasJsonEndObject(json);
	}
	MaasJsonKey(json, "standardization");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "mean");
	MaasJsonNumberArray(json, st->mean, st->p);
	MaasJsonKey(json, "scale");
	MaasJsonNumberArray(json, st->scale, st->p);
	MaasJsonEndObject(json);
}

/*
 * Contributions w_j z_j (z: standardized) to the decision value: the
 * value for regression, the second class's for two classes, the predicted
 * class's otherwise; base is the intercept
 */
static void
LinearSvmExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const LinearSvmState *st = model->state;
	int			c = 0;

	if (st->k > 1)
	{
		double		best = -HUGE_VAL;

		for (int i = 0; i < st->k; i++)
		{
			double		z = Decision(st, i, in->x);

			if (z > best)
			{
				best = z;
				c = i;
			}
		}
	}
	*base = st->b[c];
	for (int j = 0; j < st->p; j++)
		contrib[j] = st->w[(int64) c * st->p + j] * (in->x[j] - st->mean[j]) / st->scale[j];
}

const MaasAlgorithm maas_linear_svm = {
	.name = "linear_svm",
	.id = 9,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = svc_params,
	.options_size = sizeof(LinearSvmOptions),
	.fit = LinearSvcFit,
	.fit_comoment = NULL,
	.predict = LinearSvcPredict,
	.serialize = LinearSvmSerialize,
	.deserialize = LinearSvmDeserialize,
	.describe = LinearSvmDescribe,
	.explain = LinearSvmExplain,
};

const MaasAlgorithm maas_linear_svr = {
	.name = "linear_svr",
	.id = 10,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = svr_params,
	.options_size = sizeof(LinearSvmOptions),
	.fit = LinearSvrFit,
	.fit_comoment = NULL,
	.predict = LinearSvrPredict,
	.serialize = LinearSvmSerialize,
	.deserialize = LinearSvmDeserialize,
	.describe = LinearSvmDescribe,
	.explain = LinearSvmExplain,
};
