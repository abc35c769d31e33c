/*
 * enet.c
 *	  elastic_net and lasso: penalized least squares by coordinate descent.
 *
 * Minimizes scikit-learn's objective
 *
 *	  1/(2n) ||y - Xw - b||^2 + alpha l1_ratio ||w||_1
 *							  + 0.5 alpha (1 - l1_ratio) ||w||^2
 *
 * (lasso: l1_ratio = 1) with the coordinate descent of scikit-learn's
 * enet_coordinate_descent_gram (sklearn/linear_model/_cd_fast.pyx): a sweep
 * over the features updates one weight at a time by soft thresholding,
 * keeping H = Qw current; after a sweep whose largest change is small
 * against the largest weight, the duality gap decides whether to stop.
 * It needs only Q = X'X, q = X'y and y'y, centered when there is an
 * intercept: exactly the comoments least squares keeps, so maas_fit merges
 * shards exactly and the model is the same as from the rows.
 *
 * The regularization path ("path": true, or "alphas") fits a descending
 * grid of alphas with warm starts, as enet_path / lasso_path do, and keeps
 * the coefficients of each for maas_info.
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "core/core.h"
#include "core/onnxwrite.h"

#define ENET_MAX_PATH		10000	/* alphas of a stored path */
#define ENET_DEFAULT_SEED	42		/* maas_fit's default seed */

typedef enum EnetSelection
{
	ENET_CYCLIC, ENET_RANDOM	/* "cyclic,random" */
} EnetSelection;

typedef struct EnetOptions
{
	double		alpha;
	double		l1_ratio;
	bool		fit_intercept;
	int			max_iter;
	double		tol;
	int			selection;
	bool		positive;
	int			random_state;
	bool		path;
	int			n_alphas;
	double		eps;
	MaasFloats	alphas;
} EnetOptions;

typedef struct EnetState
{
	int			p;
	double		alpha;
	double		l1_ratio;
	double		intercept;
	double	   *coef;
	double	   *mean;			/* training means: the base of explanations */
	int			n_iter;
	double		dual_gap;		/* divided by n: the objective's units */
	/* the regularization path, when asked for */
	int			n_path;
	double	   *path_alphas;	/* descending */
	double	   *path_coef;		/* n_path x p, one alpha after another */
	double	   *path_intercept;
	int		   *path_iter;
} EnetState;

/* Centered (or not) normal equations of one fit */
typedef struct EnetProblem
{
	int			p;
	double		n;
	double	   *Q;				/* p x p, full, column-major */
	double	   *q;
	double		y_norm2;
	double		tol;
	int			max_iter;
	bool		random;
	bool		positive;		/* coefficients >= 0 */
	pg_prng_state rng;
	MaasProgress *progress;		/* NULL in maas_fit */
} EnetProblem;

#define ENET_COMMON_PARAMS \
	{"alpha", MAAS_PARAM_FLOAT, "1.0", 0, 1e300, NULL, \
		"penalty strength (scikit-learn's alpha)", \
	offsetof(EnetOptions, alpha)}, \
	{"fit_intercept", MAAS_PARAM_BOOL, "true", 0, 0, NULL, \
		"whether to fit an intercept", \
	offsetof(EnetOptions, fit_intercept)}, \
	{"max_iter", MAAS_PARAM_INT, "1000", 1, 100000000, NULL, \
		"most coordinate descent sweeps per alpha", \
	offsetof(EnetOptions, max_iter)}, \
	{"tol", MAAS_PARAM_FLOAT, "0.0001", 0, 1e300, NULL, \
		"stop when the duality gap is below tol * ||y - mean||^2", \
	offsetof(EnetOptions, tol)}, \
	{"selection", MAAS_PARAM_CHOICE, "\"cyclic\"", 0, 0, "cyclic,random", \
		"update the coefficients in order, or in a seeded random order", \
	offsetof(EnetOptions, selection)}, \
	{"positive", MAAS_PARAM_BOOL, "false", 0, 0, NULL, \
		"force the coefficients to be positive", \
	offsetof(EnetOptions, positive)}, \
	{"random_state", MAAS_PARAM_INT, "-1", -1, INT_MAX, NULL, \
		"seed of selection \"random\" (-1: the common seed; maas_fit: 42)", \
	offsetof(EnetOptions, random_state)}, \
	{"path", MAAS_PARAM_BOOL, "false", 0, 0, NULL, \
		"also fit and keep the regularization path (maas_info lists it)", \
	offsetof(EnetOptions, path)}, \
	{"n_alphas", MAAS_PARAM_INT, "100", 1, ENET_MAX_PATH, NULL, \
		"alphas on the path: log-spaced from the smallest alpha giving all zeros", \
	offsetof(EnetOptions, n_alphas)}, \
	{"eps", MAAS_PARAM_FLOAT, "0.001", 1e-300, 1, NULL, \
		"the path's smallest alpha over its largest", \
	offsetof(EnetOptions, eps)}, \
	{"alphas", MAAS_PARAM_FLOATS, NULL, 0, 1e300, NULL, \
		"the path's alphas (implies \"path\"); fitted in descending order", \
	offsetof(EnetOptions, alphas)}

static const MaasParamSpec enet_params[] = {
	ENET_COMMON_PARAMS,
	{"l1_ratio", MAAS_PARAM_FLOAT, "0.5", 0, 1, NULL,
		"mix of the penalties: 1 is the lasso, 0 ridge",
	offsetof(EnetOptions, l1_ratio)},
	{NULL}
};

static const MaasParamSpec lasso_params[] = {
	ENET_COMMON_PARAMS,
	{NULL}
};

static inline double
Sign(double v)
{
	return (v > 0) - (v < 0);
}

/*
 * The objective scikit-learn minimizes, from the Gram form in O(p):
 * ||y - Xw||^2 / 2n + l1 |w|_1 + l2 |w|^2 / 2 (l1, l2 scaled by n here)
 */
static double
EnetObjective(const EnetProblem *pr, double l1_reg, double l2_reg, const double *w,
			  const double *H)
{
	double		r_norm2 = pr->y_norm2;
	double		penalty = 0;

	for (int j = 0; j < pr->p; j++)
	{
		r_norm2 += w[j] * H[j] - 2 * w[j] * pr->q[j];
		penalty += l1_reg * fabs(w[j]) + 0.5 * l2_reg * w[j] * w[j];
	}
	return (0.5 * r_norm2 + penalty) / pr->n;
}

/*
 * Coordinate descent for one alpha from the warm start w (updated in
 * place); H = Qw on entry and on exit.  Returns the sweeps made, and the
 * last duality gap in *gap.
 */
static int
EnetDescend(EnetProblem *pr, double l1_reg, double l2_reg, double *w, double *H,
			double *gap)
{
	int			p = pr->p;
	const double *Q = pr->Q;
	const double *q = pr->q;
	double		tol = pr->tol * pr->y_norm2;
	int			iter;

	*gap = tol + 1;
	for (iter = 0; iter < pr->max_iter; iter++)
	{
		double		w_max = 0;
		double		d_w_max = 0;

		/* a sweep costs p^2; thousands of them can take a while */
		CHECK_FOR_INTERRUPTS();
		for (int f = 0; f < p; f++)
		{
			int			j = pr->random ? (int) pg_prng_uint64_range(&pr->rng, 0, p - 1) : f;
			const double *Qj = Q + (int64) j * p;
			double		w_j = w[j];
			double		tmp;

			if (Qj[j] == 0)
				continue;
			if (w_j != 0)
				for (int i = 0; i < p; i++)
					H[i] -= w_j * Qj[i];
			tmp = q[j] - H[j];
			if (pr->positive && tmp < 0)
				w[j] = 0;
			else
				w[j] = Sign(tmp) * Max(fabs(tmp) - l1_reg, 0) / (Qj[j] + l2_reg);
			if (w[j] != 0)
				for (int i = 0; i < p; i++)
					H[i] += w[j] * Qj[i];
			d_w_max = Max(d_w_max, fabs(w[j] - w_j));
			w_max = Max(w_max, fabs(w[j]));
		}
		/* each coordinate step lowers the objective: the training curve */
		if (MaasProgressWantsCurve(pr->progress))
			MaasProgressStep(pr->progress, iter + 1, pr->max_iter,
							 EnetObjective(pr, l1_reg, l2_reg, w, H));
		if (w_max == 0 || d_w_max / w_max < pr->tol || iter == pr->max_iter - 1)
		{
			double		q_dot_w = 0,
						w_H = 0,
						w_norm2 = 0,
						w_l1 = 0,
						dual_norm = 0,
						xta,
						r_norm2,
						cst;

			for (int j = 0; j < p; j++)
			{
				q_dot_w += w[j] * q[j];
				w_H += w[j] * H[j];
				w_norm2 += w[j] * w[j];
				w_l1 += fabs(w[j]);
				/* positive: only the upper side of the dual constraint binds */
				xta = q[j] - H[j] - l2_reg * w[j];
				dual_norm = Max(dual_norm, pr->positive ? xta : fabs(xta));
			}
			r_norm2 = pr->y_norm2 + w_H - 2 * q_dot_w;
			if (dual_norm > l1_reg)
			{
				cst = l1_reg / dual_norm;
				*gap = 0.5 * (r_norm2 + r_norm2 * cst * cst);
			}
			else
			{
				cst = 1;
				*gap = r_norm2;
			}
			*gap += l1_reg * w_l1 - cst * pr->y_norm2 + cst * q_dot_w +
				0.5 * l2_reg * (1 + cst * cst) * w_norm2;
			if (*gap < tol)
			{
				iter++;
				break;
			}
		}
		if (MaasProgressDue(pr->progress))
			ereport(NOTICE,
					(errmsg("%s: sweep %d, largest change %.3g, largest coefficient %.3g",
							pr->progress->what, iter + 1, d_w_max, w_max)));
	}
	return iter;
}

/* One alpha from the warm start w; H is Qw, kept current */
static int
EnetSolve(EnetProblem *pr, double alpha, double l1_ratio, double *w, double *H,
		  double *gap)
{
	int			iter = EnetDescend(pr, alpha * l1_ratio * pr->n,
								   alpha * (1 - l1_ratio) * pr->n, w, H, gap);

	*gap /= pr->n;
	for (int j = 0; j < pr->p; j++)
		if (!isfinite(w[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("coordinate descent gave a non-finite coefficient"),
					 errhint("The features may be too large; scale them.")));
	return iter;
}

static int
CompareDescending(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x < y) - (x > y);
}

/* The path's alphas, descending: given, or enet_path's log-spaced grid */
static double *
PathAlphas(const EnetProblem *pr, const EnetOptions *opt, double l1_ratio, int *n)
{
	double	   *alphas;

	if (opt->alphas.values != NULL)
	{
		*n = opt->alphas.n;
		if (*n < 1 || *n > ENET_MAX_PATH)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"alphas\" must have 1 to %d elements, not %d",
							ENET_MAX_PATH, *n)));
		alphas = palloc(sizeof(double) * *n);
		memcpy(alphas, opt->alphas.values, sizeof(double) * *n);
		qsort(alphas, *n, sizeof(double), CompareDescending);
	}
	else
	{
		double		alpha_max = 0;

		if (l1_ratio == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the path's alphas cannot be chosen for l1_ratio 0"),
					 errhint("Give them in params {\"alphas\": [...]}, or set l1_ratio above 0.")));
		/* the smallest alpha at which every coefficient is zero */
		for (int j = 0; j < pr->p; j++)
			alpha_max = Max(alpha_max, fabs(pr->q[j]));
		alpha_max /= pr->n * l1_ratio;
		*n = opt->n_alphas;
		alphas = palloc(sizeof(double) * *n);
		if (alpha_max <= DBL_MIN)
			alpha_max = DBL_MIN;
		/* np.logspace(log10(max * eps), log10(max), n)[::-1] */
		for (int k = 0; k < *n; k++)
		{
			double		hi = log10(alpha_max);
			double		lo = log10(alpha_max * opt->eps);
			double		t = *n == 1 ? 0 : (double) k / (*n - 1);

			alphas[*n - 1 - k] = pow(10.0, lo + t * (hi - lo));
		}
	}
	return alphas;
}

static void
EnetPath(EnetState *st, EnetProblem *pr, const EnetOptions *opt, double l1_ratio,
		 MaasProgress *progress)
{
	int			p = pr->p;
	double	   *w = palloc0(sizeof(double) * p);
	double	   *H = palloc0(sizeof(double) * p);
	double		gap;

	st->path_alphas = PathAlphas(pr, opt, l1_ratio, &st->n_path);
	MaasCheckMemory(mul_size(mul_size(st->n_path, p + 2), sizeof(double)), "regularization path");
	st->path_coef = palloc(sizeof(double) * st->n_path * p);
	st->path_intercept = palloc(sizeof(double) * st->n_path);
	st->path_iter = palloc(sizeof(int) * st->n_path);
	/* along the path, a report per alpha rather than per sweep */
	pr->progress = NULL;
	for (int k = 0; k < st->n_path; k++)
	{
		st->path_iter[k] = EnetSolve(pr, st->path_alphas[k], l1_ratio, w, H, &gap);
		memcpy(st->path_coef + (int64) k * p, w, sizeof(double) * p);
		st->path_intercept[k] = 0;
		if (opt->fit_intercept)
		{
			st->path_intercept[k] = st->mean[p];
			for (int j = 0; j < p; j++)
				st->path_intercept[k] -= w[j] * st->mean[j];
		}
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: path alpha %d of %d (%g), %d sweeps",
							progress->what, k + 1, st->n_path, st->path_alphas[k],
							st->path_iter[k])));
	}
	pr->progress = progress;
	pfree(w);
	pfree(H);
}

static void *
EnetFitComomentSeeded(const MaasComoment *cm, const EnetOptions *opt, double l1_ratio,
					  int seed, MaasProgress *progress)
{
	int			q = cm->q;
	int			p = q - 1;
	EnetState  *st = palloc0(sizeof(EnetState));
	EnetProblem pr;
	double	   *H;

	if (!(cm->n >= 1))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("elastic net needs at least one row")));
	MaasCheckMemory(mul_size(mul_size(p, p), sizeof(double)), "elastic net Gram matrix");
	pr.p = p;
	pr.n = cm->n;
	pr.Q = palloc(sizeof(double) * p * p);
	pr.q = palloc(sizeof(double) * p);
	pr.tol = opt->tol;
	pr.max_iter = opt->max_iter;
	pr.random = opt->selection == ENET_RANDOM;
	pr.positive = opt->positive;
	pr.progress = progress;
	pg_prng_seed(&pr.rng, (uint64) (opt->random_state >= 0 ? opt->random_state : seed));
	/* Q from the lower triangle; without an intercept, uncentered */
	for (int j = 0; j < p; j++)
	{
		for (int i = j; i < p; i++)
		{
			double		v = cm->c[(int64) j * q + i];

			if (!opt->fit_intercept)
				v += cm->n * cm->mean[i] * cm->mean[j];
			pr.Q[(int64) j * p + i] = v;
			pr.Q[(int64) i * p + j] = v;
		}
		pr.q[j] = cm->c[(int64) j * q + p];
		if (!opt->fit_intercept)
			pr.q[j] += cm->n * cm->mean[j] * cm->mean[p];
	}
	pr.y_norm2 = cm->c[(int64) p * q + p];
	if (!opt->fit_intercept)
		pr.y_norm2 += cm->n * cm->mean[p] * cm->mean[p];

	st->p = p;
	st->alpha = opt->alpha;
	st->l1_ratio = l1_ratio;
	st->mean = palloc(sizeof(double) * q);
	memcpy(st->mean, cm->mean, sizeof(double) * q);
	if (opt->path || opt->alphas.values != NULL)
		EnetPath(st, &pr, opt, l1_ratio, progress);

	/* the model's own alpha, from zero as ElasticNet.fit starts */
	st->coef = palloc0(sizeof(double) * p);
	H = palloc0(sizeof(double) * p);
	st->n_iter = EnetSolve(&pr, opt->alpha, l1_ratio, st->coef, H, &st->dual_gap);
	st->intercept = 0;
	if (opt->fit_intercept)
	{
		st->intercept = cm->mean[p];
		for (int j = 0; j < p; j++)
			st->intercept -= st->coef[j] * cm->mean[j];
	}
	if (!isfinite(st->intercept))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("coordinate descent gave a non-finite intercept"),
				 errhint("The features may be too large; scale them.")));
	pfree(pr.Q);
	pfree(pr.q);
	pfree(H);
	return st;
}

/* The lasso is the elastic net whose l1_ratio is 1 */
static double
L1Ratio(const void *options, bool lasso)
{
	return lasso ? 1.0 : ((const EnetOptions *) options)->l1_ratio;
}

static void *
EnetFitComoment(const MaasComoment *cm, MaasTask task, const void *options)
{
	return EnetFitComomentSeeded(cm, options, L1Ratio(options, false),
								 ENET_DEFAULT_SEED, NULL);
}

static void *
LassoFitComoment(const MaasComoment *cm, MaasTask task, const void *options)
{
	return EnetFitComomentSeeded(cm, options, L1Ratio(options, true),
								 ENET_DEFAULT_SEED, NULL);
}

static void *
EnetFitRows(const MaasTrainData *data, const void *options, MaasProgress *progress,
			bool lasso)
{
	MaasComoment cm;

	MaasComomentInit(&cm, data->n_features + 1);
	MaasComomentAddColumnMajor(&cm, &data->m, 0, data->m.n_rows);
	return EnetFitComomentSeeded(&cm, options, L1Ratio(options, lasso), data->seed,
								 progress);
}

static void *
EnetFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	return EnetFitRows(data, options, progress, false);
}

static void *
LassoFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	return EnetFitRows(data, options, progress, true);
}

static void
EnetPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const EnetState *st = model->state;
	const double *x = in->x;
	double		y = st->intercept;

	for (int j = 0; j < st->p; j++)
		y += st->coef[j] * x[j];
	out[0] = y;
}

/* maas_to_sql: intercept + coef . x, added in EnetPredict's order */
static void
EnetToSql(const MaasModel *model, char *const *feature, bool proba, StringInfo out)
{
	const EnetState *st = model->state;

	MaasSqlDot(out, st->intercept, st->coef, st->p, feature);
}

/* maas_export(name, 'json' | 'onnx' | 'pmml') */
static void
EnetExport(const MaasModel *model, const char *format, StringInfo out)
{
	const EnetState *st = model->state;

	MaasLinearExport(out, model, format, "identity", 1, &st->intercept, st->coef, NULL, NULL,
					 st->mean);
}

static void
EnetSerialize(const MaasModel *model, StringInfo buf)
{
	const EnetState *st = model->state;

	MaasWriteDouble(buf, st->alpha);
	MaasWriteDouble(buf, st->l1_ratio);
	MaasWriteU32(buf, (uint32) st->n_iter);
	MaasWriteDouble(buf, st->dual_gap);
	MaasWriteDouble(buf, st->intercept);
	MaasWriteDoubles(buf, st->coef, st->p);
	MaasWriteDoubles(buf, st->mean, st->p + 1);
	MaasWriteU32(buf, (uint32) st->n_path);
	MaasWriteDoubles(buf, st->path_alphas, st->n_path);
	MaasWriteDoubles(buf, st->path_intercept, st->n_path);
	for (int k = 0; k < st->n_path; k++)
		MaasWriteU32(buf, (uint32) st->path_iter[k]);
	MaasWriteDoubles(buf, st->path_coef, (int64) st->n_path * st->p);
}

static void *
EnetDeserialize(MaasReader *r, const MaasModel *model)
{
	EnetState  *st = palloc0(sizeof(EnetState));
	int			p = model->n_features;

	st->p = p;
	st->alpha = MaasReadFinite(r);
	st->l1_ratio = MaasReadFinite(r);
	if (st->alpha < 0 || st->l1_ratio < 0 || st->l1_ratio > 1)
		MaasReaderFail(r, "penalty out of range");
	st->n_iter = (int) MaasReadU32(r);
	if (st->n_iter < 0)
		MaasReaderFail(r, "negative iteration count");
	st->dual_gap = MaasReadDouble(r);
	st->intercept = MaasReadFinite(r);
	if ((uint64) (2 * p + 1) * sizeof(double) > r->len - r->pos)
		MaasReaderFail(r, "truncated coefficients");
	st->coef = palloc(sizeof(double) * p);
	st->mean = palloc(sizeof(double) * (p + 1));
	MaasReadDoubles(r, st->coef, p, true);
	MaasReadDoubles(r, st->mean, p + 1, true);
	/* each alpha of the path holds 2 doubles, a u32 and p doubles */
	st->n_path = MaasReadCount(r, ENET_MAX_PATH, 20 + (size_t) p * sizeof(double), "path alphas");
	if (st->n_path > 0)
	{
		st->path_alphas = palloc(sizeof(double) * st->n_path);
		st->path_intercept = palloc(sizeof(double) * st->n_path);
		st->path_iter = palloc(sizeof(int) * st->n_path);
		st->path_coef = palloc(sizeof(double) * st->n_path * p);
		MaasReadDoubles(r, st->path_alphas, st->n_path, true);
		MaasReadDoubles(r, st->path_intercept, st->n_path, true);
		for (int k = 0; k < st->n_path; k++)
		{
			st->path_iter[k] = (int) MaasReadU32(r);
			if (st->path_iter[k] < 0 || st->path_alphas[k] < 0 ||
				(k > 0 && st->path_alphas[k] > st->path_alphas[k - 1]))
				MaasReaderFail(r, "path alpha %d is out of order", k + 1);
		}
		MaasReadDoubles(r, st->path_coef, (int64) st->n_path * p, true);
	}
	return st;
}

static void
EnetDescribe(const MaasModel *model, MaasJson *json)
{
	const EnetState *st = model->state;

	MaasJsonKey(json, "alpha");
	MaasJsonNumber(json, st->alpha);
	MaasJsonKey(json, "l1_ratio");
	MaasJsonNumber(json, st->l1_ratio);
	MaasJsonKey(json, "intercept");
	MaasJsonNumber(json, st->intercept);
	MaasJsonCoefficients(json, &model->prep, st->coef, st->p);
	MaasJsonKey(json, "n_iter");
	MaasJsonInt(json, st->n_iter);
	MaasJsonKey(json, "dual_gap");
	MaasJsonNumber(json, st->dual_gap);
	if (st->n_path > 0)
	{
		MaasJsonKey(json, "path");
		MaasJsonBeginObject(json);
		MaasJsonKey(json, "alphas");
		MaasJsonNumberArray(json, st->path_alphas, st->n_path);
		MaasJsonKey(json, "intercepts");
		MaasJsonNumberArray(json, st->path_intercept, st->n_path);
		MaasJsonKey(json, "n_iter");
		MaasJsonBeginArray(json);
		for (int k = 0; k < st->n_path; k++)
			MaasJsonInt(json, st->path_iter[k]);
		MaasJsonEndArray(json);
		/* one array per alpha, in feature order */
		MaasJsonKey(json, "coefficients");
		MaasJsonBeginArray(json);
		for (int k = 0; k < st->n_path; k++)
			MaasJsonNumberArray(json, st->path_coef + (int64) k * st->p, st->p);
		MaasJsonEndArray(json);
		MaasJsonEndObject(json);
	}
}

/* contribution of feature j: w_j (x_j - mean_j); base: the mean row's value */
static void
EnetExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const EnetState *st = model->state;

	MaasLinearExplain(st->intercept, st->coef, st->mean, st->p, in->x, contrib, base);
}

const MaasAlgorithm maas_elastic_net = {
	.name = "elastic_net",
	.id = 13,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = enet_params,
	.options_size = sizeof(EnetOptions),
	.fit = EnetFit,
	.fit_comoment = EnetFitComoment,
	.predict = EnetPredict,
	.serialize = EnetSerialize,
	.deserialize = EnetDeserialize,
	.describe = EnetDescribe,
	.explain = EnetExplain,
	.to_sql = EnetToSql,
	.exports = "json,onnx,pmml",
	.export_model = EnetExport,
};

const MaasAlgorithm maas_lasso = {
	.name = "lasso",
	.id = 14,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_REGRESSION),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = lasso_params,
	.options_size = sizeof(EnetOptions),
	.fit = LassoFit,
	.fit_comoment = LassoFitComoment,
	.predict = EnetPredict,
	.serialize = EnetSerialize,
	.deserialize = EnetDeserialize,
	.describe = EnetDescribe,
	.explain = EnetExplain,
	.to_sql = EnetToSql,
	.exports = "json,onnx,pmml",
	.export_model = EnetExport,
};
