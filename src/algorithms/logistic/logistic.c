/*
 * logistic.c
 *	  logistic_regression: binary and multinomial, L2 (default), L1 or no
 *	  penalty, on features standardized inside the model.
 *
 * The objective is scikit-learn's, divided by the row count:
 *	  mean(loss) + ||W||^2 / (2 C n)   (L2)   or   mean(loss) + ||W||_1 / (C n)   (L1)
 * with the intercepts unpenalized; binary uses one weight vector, more
 * classes one per class (the symmetric multinomial form).  Standardization
 * is folded into the weights at every evaluation, so the training matrix
 * is read in place and never copied.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>


#include "miscadmin.h"

#include "algorithms/logistic/sparse.h"
#include "core/blas.h"
#include "core/core.h"
#include "core/onnxwrite.h"

typedef struct LogisticState
{
	int			p;
	int			k;				/* weight vectors: 1 for binary, else classes */
	double	   *mean;
	double	   *scale;
	double	   *w;				/* p x k, column-major, standardized space */
	double	   *b;				/* k */
	int			iterations;
	bool		converged;
	double		loss;
	LogisticText *text;			/* a document column's part, or NULL */
} LogisticState;

typedef enum Penalty
{
	PENALTY_L2, PENALTY_L1, PENALTY_NONE	/* the order of "l2,l1,none" */
} Penalty;

typedef struct LogisticOptions
{
	int			penalty;		/* Penalty */
	double		C;
	int			max_iter;
	double		tol;
	bool		fit_intercept;
	/* a document column (sparse.c); no defaults: dense models list none */
	int			hashing;		/* 0: a feature per word */
	int			min_df;
	bool		sublinear_tf;
	int			norm;			/* -1 or 0: l2; 1: none */
} LogisticOptions;

static const MaasParamSpec logistic_params[] = {
	{"penalty", MAAS_PARAM_CHOICE, "\"l2\"", 0, 0, "l2,l1,none",
		"regularization of the weights",
	offsetof(LogisticOptions, penalty)},
	{"C", MAAS_PARAM_FLOAT, "1.0", 1e-12, 1e12, NULL,
		"inverse regularization strength, as in scikit-learn",
	offsetof(LogisticOptions, C)},
	{"max_iter", MAAS_PARAM_INT, "1000", 1, 1000000, NULL,
		"most L-BFGS iterations",
	offsetof(LogisticOptions, max_iter)},
	{"tol", MAAS_PARAM_FLOAT, "1e-6", 0, 1, NULL,
		"stop when no gradient component exceeds this",
	offsetof(LogisticOptions, tol)},
	{"fit_intercept", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"whether to fit intercepts",
	offsetof(LogisticOptions, fit_intercept)},
	{"hashing", MAAS_PARAM_INT, NULL, 1, LOGISTIC_MAX_BUCKETS, NULL,
		"documents: hash words into this many features instead of one per word (default: off)",
	offsetof(LogisticOptions, hashing)},
	{"min_df", MAAS_PARAM_INT, NULL, 1, INT_MAX, NULL,
		"documents: leave out words in fewer training documents than this (default 1)",
	offsetof(LogisticOptions, min_df)},
	{"sublinear_tf", MAAS_PARAM_BOOL, NULL, 0, 0, NULL,
		"documents: term frequency 1 + ln(count) instead of the count (default false)",
	offsetof(LogisticOptions, sublinear_tf)},
	{"norm", MAAS_PARAM_CHOICE, NULL, 0, 0, "l2,none",
		"documents: scale each document's TF-IDF vector to unit length (default \"l2\")",
	offsetof(LogisticOptions, norm)},
	{NULL}
};

typedef struct Problem
{
	const double *x;			/* column-major, ld rows */
	int64		ld;
	int64		n;
	int			p;
	int			k;
	const double *y;			/* class index */
	const double *weight;		/* per row; NULL: 1 */
	const double *mean;
	const double *scale;
	double		l2;				/* weight of ||W||^2 / 2 */
	bool		intercept;
	double	   *v;				/* p x k: W / scale */
	double	   *z;				/* n x k scores, then residuals */
	double	   *gv;				/* p x k */
} Problem;

static inline double
Softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}


/* mean loss + penalty, and its gradient; theta = [W (p x k), b (k)] */
static double
Objective(void *arg, const double *theta, double *grad)
{
	Problem    *pr = arg;
	int			p = pr->p;
	int			k = pr->k;
	int64		n = pr->n;
	const double *w = theta;
	const double *b = theta + (int64) p * k;
	double	   *offset = palloc(sizeof(double) * k);
	double	   *sum_r = palloc0(sizeof(double) * k);
	double		loss = 0;
	double		penalty = 0;

	for (int c = 0; c < k; c++)
	{
		offset[c] = b[c];
		for (int j = 0; j < p; j++)
		{
			pr->v[c * p + j] = w[c * p + j] / pr->scale[j];
			offset[c] -= pr->v[c * p + j] * pr->mean[j];
		}
	}
	/* one weight vector: gemv, which does not copy the matrix as gemm does */
	if (k == 1)
		cblas_dgemv(CblasColMajor, CblasNoTrans, (int) n, p, 1.0, pr->x, (int) pr->ld,
					pr->v, 1, 0.0, pr->z, 1);
	else
		cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int) n, k, p,
					1.0, pr->x, (int) pr->ld, pr->v, p, 0.0, pr->z, (int) n);

	if (k == 1)
	{
		for (int64 i = 0; i < n; i++)
		{
			double		z = pr->z[i] + offset[0];
			double		wi = pr->weight ? pr->weight[i] : 1.0;

			loss += wi * (Softplus(z) - pr->y[i] * z);
			pr->z[i] = wi * (MaasSigmoid(z) - pr->y[i]);
			sum_r[0] += pr->z[i];
		}
	}
	else
	{
		for (int64 i = 0; i < n; i++)
		{
			double		top;
			double		total;
			int			yi = (int) pr->y[i];
			double		wi = pr->weight ? pr->weight[i] : 1.0;

			/* a pass over many rows and classes: let a cancel through */
			if ((i & 0xffff) == 0)
				CHECK_FOR_INTERRUPTS();

			for (int c = 0; c < k; c++)
				pr->z[c * n + i] += offset[c];
			total = MaasSoftmaxTotal(pr->z + i, k, n, &top);
			loss += wi * (top + log(total) - pr->z[yi * n + i]);
			for (int c = 0; c < k; c++)
			{
				double		r = wi * (exp(pr->z[c * n + i] - top) / total - (c == yi));

				pr->z[c * n + i] = r;
				sum_r[c] += r;
			}
		}
	}

	if (k == 1)
		cblas_dgemv(CblasColMajor, CblasTrans, (int) n, p, 1.0, pr->x, (int) pr->ld,
					pr->z, 1, 0.0, pr->gv, 1);
	else
		cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, p, k, (int) n,
					1.0, pr->x, (int) pr->ld, pr->z, (int) n, 0.0, pr->gv, p);
	for (int c = 0; c < k; c++)
	{
		for (int j = 0; j < p; j++)
		{
			double		wj = w[c * p + j];

			grad[c * p + j] = (pr->gv[c * p + j] - pr->mean[j] * sum_r[c]) / pr->scale[j] / n +
				pr->l2 * wj;
			penalty += wj * wj;
		}
		grad[(int64) p * k + c] = pr->intercept ? sum_r[c] / n : 0;
	}
	pfree(offset);
	pfree(sum_r);
	return loss / n + 0.5 * pr->l2 * penalty;
}

/* Documents beside the dense features: the CSR solver (sparse.c) */
static MaasLbfgsResult
FitDocuments(const MaasTrainData *data, const LogisticOptions *opt, LogisticState *st,
			 double *theta, double l1, MaasProgress *progress)
{
	LogisticSparseSpec spec;
	MaasLbfgsResult res;

	spec.k = st->k;
	spec.l2 = opt->penalty == PENALTY_L2 ? 1.0 / (opt->C * data->m.n_rows) : 0;
	spec.l1 = l1;
	spec.intercept = opt->fit_intercept;
	spec.max_iter = opt->max_iter;
	spec.tol = opt->tol;
	spec.mean = st->mean;
	spec.scale = st->scale;
	spec.hashing = opt->hashing;
	spec.min_df = opt->min_df;
	spec.sublinear_tf = opt->sublinear_tf;
	spec.l2_norm = opt->norm != 1;
	st->text = LogisticSparseFit(data, &spec, theta, theta + st->p * st->k, &res, progress);
	return res;
}

/* The document options without a document column are a mistake */
static void
CheckDocumentOptions(const MaasTrainData *data, const LogisticOptions *opt)
{
	const char *key = opt->hashing > 0 ? "hashing" : opt->min_df > 0 ? "min_df" :
		opt->sublinear_tf ? "sublinear_tf" : opt->norm >= 0 ? "norm" : NULL;

	if (data->tokens == NULL && key != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" applies to a document column, and the source has none", key),
				 errhint("Name the document with params {\"text\": [\"column\"]}.")));
}

static void *
LogisticFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const LogisticOptions *opt = options;
	LogisticState *st = palloc0(sizeof(LogisticState));
	Problem		pr;
	double		C = opt->C;
	int			p = data->n_features;
	int			k = data->task == MAAS_TASK_BINARY ? 1 : data->n_classes;
	int			n_params = p * k + k;
	double	   *theta = palloc0(sizeof(double) * n_params);
	bool	   *mask = palloc0(sizeof(bool) * n_params);
	double		l1 = 0;
	MaasLbfgsResult res;

	CheckDocumentOptions(data, opt);
	if (data->tokens == NULL)
		MaasCheckMemory(mul_size(mul_size(data->m.n_rows, k), sizeof(double)), "logistic scores");
	st->p = p;
	st->k = k;
	st->mean = palloc(sizeof(double) * p);
	st->scale = palloc(sizeof(double) * p);
	MaasStandardize(data, st->mean, st->scale);

	pr.x = MaasTrainX(data);
	pr.ld = data->m.ld;
	pr.n = data->m.n_rows;
	pr.p = p;
	pr.k = k;
	pr.y = MaasTrainY(data);
	/* sample and class weights scale each row's loss; the scaling is unweighted */
	pr.weight = data->weights;
	pr.mean = st->mean;
	pr.scale = st->scale;
	pr.intercept = opt->fit_intercept;
	pr.l2 = opt->penalty == PENALTY_L2 ? 1.0 / (C * pr.n) : 0;
	if (opt->penalty == PENALTY_L1)
		l1 = 1.0 / (C * pr.n);
	pr.v = palloc(sizeof(double) * p * k);
	pr.gv = palloc(sizeof(double) * p * k);
	pr.z = MemoryContextAllocHuge(CurrentMemoryContext,
								  sizeof(double) * (data->tokens != NULL ? 1 : pr.n * k));
	for (int i = 0; i < p * k; i++)
		mask[i] = true;

	if (data->tokens != NULL)
		res = FitDocuments(data, opt, st, theta, l1, progress);
	else
		res = MaasLbfgs(Objective, &pr, theta, n_params, l1, mask,
						opt->max_iter, opt->tol,
						progress);
	pfree(pr.z);
	pfree(pr.v);
	pfree(pr.gv);

	st->w = theta;
	st->b = theta + p * k;
	st->iterations = res.iterations;
	st->converged = res.converged;
	st->loss = res.loss;
	if (!res.converged)
		ereport(NOTICE,
				(errmsg("logistic_regression did not converge in %d iterations (largest gradient %.3g)",
						res.iterations, res.gradient_norm),
				 errhint("Raise params \"max_iter\", or regularize more with a smaller \"C\".")));
	return st;
}

static void
LogisticPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const double *x = in->x;
	const LogisticState *st = model->state;
	int			p = st->p;

	for (int c = 0; c < st->k; c++)
	{
		double		z = st->b[c];

		for (int j = 0; j < p; j++)
			z += st->w[c * p + j] * (x[j] - st->mean[j]) / st->scale[j];
		out[c] = z;
	}
	/* the array form has no document: an empty one */
	if (st->text != NULL && in->tokens != NULL)
		LogisticTextScores(st->text, in, st->k, out, 0, NULL);
	if (st->k == 1)
	{
		double		p1 = MaasSigmoid(out[0]);

		out[0] = 1.0 - p1;
		out[1] = p1;
	}
	else
	{
		MaasSoftmax(out, st->k);
	}
}

/* Class c's score: b + w . (x - mean) / scale, in LogisticPredict's order */
static char *
LogisticScoreSql(const LogisticState *st, int c, char *const *feature)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '(');
	MaasSqlNumber(&s, st->b[c]);
	for (int j = 0; j < st->p; j++)
	{
		appendStringInfoString(&s, " + ");
		MaasSqlNumber(&s, st->w[c * st->p + j]);
		appendStringInfo(&s, " * (%s - ", feature[j]);
		MaasSqlNumber(&s, st->mean[j]);
		appendStringInfoString(&s, ") / ");
		MaasSqlNumber(&s, st->scale[j]);
	}
	appendStringInfoChar(&s, ')');
	return s.data;
}

/*
 * maas_to_sql: the class, as maas_predict gives it: binary, the second
 * class when the logistic link of the score is above 1/2, that is when
 * the score is positive; else the class of the largest score.  With
 * proba, the logistic link or the softmax of the scores.
 */
static void
LogisticToSql(const MaasModel *model, char *const *feature, bool proba, StringInfo out)
{
	const LogisticState *st = model->state;

	if (st->text != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_to_sql cannot compile a model that reads documents")));
	if (proba && st->k == 1)
		MaasSqlSigmoid(out, LogisticScoreSql(st, 0, feature));
	else if (proba)
	{
		char	  **score = palloc(sizeof(char *) * st->k);

		for (int c = 0; c < st->k; c++)
			score[c] = LogisticScoreSql(st, c, feature);
		MaasSqlSoftmax(out, score, st->k);
	}
	else if (st->k == 1)
	{
		appendStringInfo(out, "CASE WHEN %s > 0 THEN ", LogisticScoreSql(st, 0, feature));
		MaasSqlClass(out, model, 1);
		appendStringInfoString(out, " ELSE ");
		MaasSqlClass(out, model, 0);
		appendStringInfoString(out, " END");
	}
	else
	{
		char	  **score = palloc(sizeof(char *) * st->k);

		for (int c = 0; c < st->k; c++)
			score[c] = LogisticScoreSql(st, c, feature);
		MaasSqlArgmax(out, model, score, st->k);
	}
}

/* maas_export(name, 'json' | 'onnx' | 'pmml') */
static void
LogisticExport(const MaasModel *model, const char *format, StringInfo out)
{
	const LogisticState *st = model->state;

	if (st->text != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a logistic_regression model of documents cannot be exported as %s", format)));
	MaasLinearExport(out, model, format, st->k == 1 ? "logistic" : "softmax", st->k, st->b,
					 st->w, st->mean, st->scale, NULL);
}

static void
LogisticSerialize(const MaasModel *model, StringInfo buf)
{
	const LogisticState *st = model->state;

	MaasWriteU32(buf, (uint32) st->k);
	MaasWriteU32(buf, (uint32) st->iterations);
	MaasWriteU8(buf, st->converged ? 1 : 0);
	MaasWriteDouble(buf, st->loss);
	MaasWriteDoubles(buf, st->mean, st->p);
	MaasWriteDoubles(buf, st->scale, st->p);
	MaasWriteDoubles(buf, st->w, (int64) st->p * st->k);
	MaasWriteDoubles(buf, st->b, st->k);
	if (st->text != NULL)
		LogisticTextWrite(buf, st->text, st->k);
}

static void *
LogisticDeserialize(MaasReader *r, const MaasModel *model)
{
	LogisticState *st = palloc0(sizeof(LogisticState));
	int			expected = model->task == MAAS_TASK_BINARY ? 1 : model->n_outputs;
	int64		doubles;
	int			n_text;
	bool		documents = MaasTextColumn(&model->prep, &n_text) != NULL;

	st->p = model->n_features;
	st->k = (int) MaasReadU32(r);
	if (st->k != expected)
		MaasReaderFail(r, "%d weight vectors for %d classes", st->k, model->n_outputs);
	st->iterations = (int) MaasReadU32(r);
	st->converged = MaasReadU8(r) != 0;
	st->loss = MaasReadDouble(r);
	doubles = (int64) st->p * (2 + st->k) + st->k;
	if (documents ? (uint64) doubles * 8 > r->len - r->pos :
		(uint64) doubles * 8 != r->len - r->pos)
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
	if (documents)
		st->text = LogisticTextRead(r, model, st->k);
	return st;
}

/* Weights of one output in the features' own units */
static void
DescribeOutput(const MaasModel *model, const LogisticState *st, int c, MaasJson *json)
{
	double		intercept = st->b[c];

	MaasJsonBeginObject(json);
	MaasJsonKey(json, "coefficients");
	MaasJsonBeginObject(json);
	for (int j = 0; j < st->p; j++)
	{
		double		v = st->w[c * st->p + j] / st->scale[j];

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
LogisticDescribe(const MaasModel *model, MaasJson *json)
{
	const LogisticState *st = model->state;

	MaasJsonKey(json, "iterations");
	MaasJsonInt(json, st->iterations);
	MaasJsonKey(json, "converged");
	MaasJsonBool(json, st->converged);
	MaasJsonKey(json, "loss");
	MaasJsonNumber(json, st->loss);
	if (st->k == 1)
	{
		MaasJsonKey(json, "weights");
		DescribeOutput(model, st, 0, json);
	}
	else
	{
		MaasJsonKey(json, "weights");
		MaasJsonBeginObject(json);
		for (int c = 0; c < st->k; c++)
		{
			MaasJsonKey(json, model->target.labels[c]);
			DescribeOutput(model, st, c, json);
		}
		MaasJsonEndObject(json);
	}
	if (st->text != NULL)
		LogisticTextDescribe(st->text, model, st->k, json);
	MaasJsonKey(json, "standardization");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "mean");
	MaasJsonNumberArray(json, st->mean, st->p);
	MaasJsonKey(json, "scale");
	MaasJsonNumberArray(json, st->scale, st->p);
	MaasJsonEndObject(json);
}

/* Contributions to the log-odds of the predicted class, from the mean row */
static void
LogisticExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const double *x = in->x;
	const LogisticState *st = model->state;
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	int			c;

	LogisticPredict(model, in, out);
	c = st->k == 1 ? 0 : MaasArgmax(out, st->k);
	*base = st->b[c];
	for (int j = 0; j < st->p; j++)
		contrib[j] = st->w[c * st->p + j] * (x[j] - st->mean[j]) / st->scale[j];
	pfree(out);
}

/* A document's words: their shares of the class LogisticExplain explains */
static void
LogisticExplainTokens(const MaasModel *model, const MaasInput *in, double *contrib)
{
	const LogisticState *st = model->state;
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	double	   *z = palloc0(sizeof(double) * st->k);
	int			c;

	LogisticPredict(model, in, out);
	c = st->k == 1 ? 0 : MaasArgmax(out, st->k);
	if (st->text != NULL && in->tokens != NULL)
		LogisticTextScores(st->text, in, st->k, z, c, contrib);
	pfree(out);
	pfree(z);
}

const MaasAlgorithm maas_logistic_regression = {
	.name = "logistic_regression",
	.id = 2,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = logistic_params,
	.options_size = sizeof(LogisticOptions),
	.fit = LogisticFit,
	.fit_comoment = NULL,
	.predict = LogisticPredict,
	.serialize = LogisticSerialize,
	.deserialize = LogisticDeserialize,
	.describe = LogisticDescribe,
	.explain = LogisticExplain,
	.to_sql = LogisticToSql,
	.takes_weights = true,
	.reads_documents = true,
	.explain_tokens = LogisticExplainTokens,
	.exports = "json,onnx,pmml",
	.export_model = LogisticExport,
};
