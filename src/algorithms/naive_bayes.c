/*
 * naive_bayes.c
 *	  naive_bayes: Gaussian, multinomial, Bernoulli and categorical naive
 *	  Bayes, as scikit-learn's GaussianNB, MultinomialNB, BernoulliNB and
 *	  CategoricalNB compute them.
 *
 * Every variant is a function of per-class sums: the row count, and per
 * feature the sum, the centered sum of squares, the count of values above
 * "binarize" and the count of negative values.  These merge exactly
 * (Chan et al.'s update for the squares), so the model learns from
 * mergeable statistics (MaasStats): maas_fit keeps one group of them per
 * class and merges across parallel workers and shards, and maas_train
 * computes the same groups from its matrix.
 *
 * kind "auto" picks per input column: numbers and arrays are Gaussian;
 * a boolean column is Bernoulli (linear in the encoded value, so an
 * imputed fraction weighs both outcomes); a text column's one-hot features
 * are categorical: multinomial within the column, which for one-hot rows
 * is exactly CategoricalNB.  The other kinds apply one model to every
 * feature.
 *
 * A document column (params "text") adds a multinomial over the words of
 * its vocabulary, as scikit-learn's MultinomialNB over CountVectorizer's
 * counts: per class log((count + alpha) / (words + alpha V)), words out
 * of the vocabulary left out.  maas_fit has no documents: its statistics
 * are the dense features' only.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "core/core.h"

#define NB_MIN_ALPHA		1e-10	/* scikit-learn's floor for alpha */

typedef enum NbKind
{
	NB_AUTO, NB_GAUSSIAN, NB_MULTINOMIAL, NB_BERNOULLI	/* the choices, in order */
} NbKind;

/* How one encoded feature enters the likelihood; stored in model bytes */
typedef enum NbFeature
{
	NB_F_GAUSSIAN = 1,			/* a: mean, b: variance */
	NB_F_BERNOULLI = 2,			/* x > binarize ? a : b (log p, log 1-p) */
	NB_F_BINARY = 3,			/* a x + b (1 - x) */
	NB_F_COUNT = 4				/* a x (log p of a multinomial) */
} NbFeature;

/* The statistics of one class: offsets in its group */
#define NB_N			0
#define NB_SUM(p, j)	(1 + (j))
#define NB_M2(p, j)		(1 + (p) + (j))
#define NB_POS(p, j)	(1 + 2 * (p) + (j))
#define NB_NEG(p, j)	(1 + 3 * (p) + (j))
#define NB_WIDTH(p)		(1 + 4 * (p))

typedef struct NbOptions
{
	int			kind;
	double		var_smoothing;
	double		alpha;
	bool		fit_prior;
	double		binarize;
	MaasFloats	priors;
} NbOptions;

typedef struct NbState
{
	int			p;
	int			k;
	double		binarize;
	double		epsilon;		/* added to every Gaussian variance */
	uint8	   *kind;			/* p NbFeature */
	double	   *count;			/* k: training rows of each class */
	double	   *log_prior;		/* k */
	double	   *a;				/* k x p, one class after another */
	double	   *b;				/* k x p */
	/* derived, not stored: -0.5 sum log(2 pi var) over Gaussian features */
	double	   *gauss_const;
	/* a document column: log probability of each word, k x n_words */
	int			n_words;
	double	   *word_log_prob;
} NbState;

static const MaasParamSpec nb_params[] = {
	{"kind", MAAS_PARAM_CHOICE, "\"auto\"", 0, 0, "auto,gaussian,multinomial,bernoulli",
		"auto: Gaussian for numbers, Bernoulli for booleans, categorical for text; or one model for every feature",
	offsetof(NbOptions, kind)},
	{"var_smoothing", MAAS_PARAM_FLOAT, "1e-9", 0, 1e300, NULL,
		"Gaussian: adds this fraction of the largest feature variance to every variance",
	offsetof(NbOptions, var_smoothing)},
	{"alpha", MAAS_PARAM_FLOAT, "1.0", 0, 1e300, NULL,
		"additive (Laplace/Lidstone) smoothing of counts; below 1e-10 it is 1e-10",
	offsetof(NbOptions, alpha)},
	{"fit_prior", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"learn class priors from the class frequencies; false: uniform",
	offsetof(NbOptions, fit_prior)},
	{"binarize", MAAS_PARAM_FLOAT, "0.0", -1e300, 1e300, NULL,
		"kind bernoulli: a feature is 1 when above this threshold",
	offsetof(NbOptions, binarize)},
	{"priors", MAAS_PARAM_FLOATS, NULL, 0, 1, NULL,
		"class prior probabilities in class order, summing to 1",
	offsetof(NbOptions, priors)},
	{NULL}
};

static int
NbStatsWidth(int p)
{
	return NB_WIDTH(p);
}

/* One row into a class's sums: Welford's update of the squares */
static void
NbStatsAdd(double *g, int p, const double *x, const void *options)
{
	const NbOptions *opt = options;
	double		n = g[NB_N];
	/* the two reciprocals once per row, not two divisions per feature */
	double		inv_old = n > 0 ? 1.0 / n : 0;
	double		inv_new = 1.0 / (n + 1);

	g[NB_N] = n + 1;
	for (int j = 0; j < p; j++)
	{
		double		old_mean = g[NB_SUM(p, j)] * inv_old;

		g[NB_SUM(p, j)] += x[j];
		g[NB_M2(p, j)] += (x[j] - old_mean) * (x[j] - g[NB_SUM(p, j)] * inv_new);
		g[NB_POS(p, j)] += x[j] > opt->binarize;
		g[NB_NEG(p, j)] += x[j] < 0;
	}
}

/* Two classes' sums into one (Chan, Golub and LeVeque) */
static void
NbStatsMerge(double *into, const double *from, int p)
{
	double		na = into[NB_N];
	double		nb = from[NB_N];

	if (nb == 0)
		return;
	for (int j = 0; j < p; j++)
	{
		double		delta = na > 0 ? from[NB_SUM(p, j)] / nb - into[NB_SUM(p, j)] / na : 0;

		into[NB_M2(p, j)] += from[NB_M2(p, j)] + delta * delta * na * nb / (na + nb);
		into[NB_SUM(p, j)] += from[NB_SUM(p, j)];
		into[NB_POS(p, j)] += from[NB_POS(p, j)];
		into[NB_NEG(p, j)] += from[NB_NEG(p, j)];
	}
	into[NB_N] = na + nb;
}

/* Untrusted statistics: counts whole and consistent, sums finite */
static void
CheckStats(const MaasStats *s)
{
	int			p = s->p;

	for (int c = 0; c < s->n_groups; c++)
	{
		const double *g = s->groups + (int64) c * s->width;
		double		n = g[NB_N];

		if (!(n >= 0) || n > 1e18 || n != floor(n))
			MaasStatsFail("A class's row count is not a whole number.");
		for (int j = 0; j < p; j++)
		{
			if (!isfinite(g[NB_SUM(p, j)]) || !(g[NB_M2(p, j)] >= 0) || isinf(g[NB_M2(p, j)]))
				MaasStatsFail("A class's sums are not finite.");
			if (!(g[NB_POS(p, j)] >= 0 && g[NB_POS(p, j)] <= n) ||
				!(g[NB_NEG(p, j)] >= 0 && g[NB_NEG(p, j)] <= n))
				MaasStatsFail("A class's value counts exceed its row count.");
		}
	}
}

/* How feature j enters the model, by kind and (auto) its column's kind */
static NbFeature *
FeatureKinds(const NbOptions *opt, const MaasPreprocess *prep, int p, int **column_of)
{
	NbFeature  *kinds = palloc(sizeof(NbFeature) * p);
	int		   *col = palloc(sizeof(int) * p);

	for (int j = 0; j < p; j++)
	{
		kinds[j] = opt->kind == NB_GAUSSIAN ? NB_F_GAUSSIAN :
			opt->kind == NB_MULTINOMIAL ? NB_F_COUNT :
			opt->kind == NB_BERNOULLI ? NB_F_BERNOULLI : NB_F_GAUSSIAN;
		col[j] = 0;				/* multinomial: one group of every feature */
	}
	if (opt->kind == NB_AUTO && prep != NULL)
	{
		for (int i = 0; i < prep->n_columns; i++)
		{
			const MaasColumn *c = &prep->columns[i];

			for (int j = c->offset; j < c->offset + c->width && j < p; j++)
			{
				kinds[j] = c->kind == MAAS_COL_BOOLEAN ? NB_F_BINARY :
					c->kind == MAAS_COL_CATEGORICAL ? NB_F_COUNT : NB_F_GAUSSIAN;
				col[j] = i;		/* categorical: one multinomial per column */
			}
		}
	}
	*column_of = col;
	return kinds;
}

/* The means of the features over every class */
static void
NbStatsMean(const MaasStats *s, double *mean)
{
	double		n = 0;

	CheckStats(s);
	for (int j = 0; j < s->p; j++)
		mean[j] = 0;
	for (int c = 0; c < s->n_groups; c++)
	{
		const double *g = s->groups + (int64) c * s->width;

		n += g[NB_N];
		for (int j = 0; j < s->p; j++)
			mean[j] += g[NB_SUM(s->p, j)];
	}
	for (int j = 0; j < s->p; j++)
		mean[j] = n > 0 ? mean[j] / n : 0;
}

/*
 * GaussianNB's epsilon: var_smoothing times the largest variance of a
 * Gaussian feature over all rows, from the classes' sums merged.
 */
static double
Epsilon(const MaasStats *s, const NbFeature *kinds, double var_smoothing)
{
	int			p = s->p;
	double		largest = 0;
	double	   *total = palloc0(sizeof(double) * s->width);

	for (int c = 0; c < s->n_groups; c++)
		NbStatsMerge(total, s->groups + (int64) c * s->width, p);
	for (int j = 0; j < p; j++)
		if (kinds[j] == NB_F_GAUSSIAN && total[NB_N] > 0)
			largest = Max(largest, total[NB_M2(p, j)] / total[NB_N]);
	pfree(total);
	return var_smoothing * largest;
}

static void
FitPriors(NbState *st, const NbOptions *opt, const MaasStats *s)
{
	double		total = 0;

	for (int c = 0; c < st->k; c++)
		total += st->count[c];
	if (opt->priors.values != NULL)
	{
		double		sum = 0;

		if (opt->priors.n != st->k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"priors\" has %d elements, but the target has %d classes",
							opt->priors.n, st->k)));
		for (int c = 0; c < st->k; c++)
			sum += opt->priors.values[c];
		if (fabs(sum - 1) > 1e-8)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"priors\" must sum to 1, not %g", sum)));
	}
	for (int c = 0; c < st->k; c++)
	{
		if (opt->priors.values != NULL)
			st->log_prior[c] = log(opt->priors.values[c]);
		else if (opt->fit_prior)
			st->log_prior[c] = st->count[c] > 0 ? log(st->count[c]) - log(total) : 0;
		else
			st->log_prior[c] = -log((double) st->k);
		/* a zero prior never wins: the class is skipped at prediction */
		if (!isfinite(st->log_prior[c]))
		{
			st->log_prior[c] = 0;
			st->count[c] = 0;
		}
	}
}

/*
 * Smoothed log probabilities of the count features of one class: each
 * multinomial (a text column's one-hot features, or every feature) is
 * normalized over its own features.
 */
static void
FitCounts(NbState *st, const double *g, int c, const int *column_of, double alpha)
{
	int			p = st->p;
	double	   *a = st->a + (int64) c * p;
	int			n_col = 1;
	double	   *denom;

	for (int j = 0; j < p; j++)
		n_col = Max(n_col, column_of[j] + 1);
	denom = palloc0(sizeof(double) * n_col);
	for (int j = 0; j < p; j++)
		if (st->kind[j] == NB_F_COUNT)
			denom[column_of[j]] += g[NB_SUM(p, j)] + alpha;
	for (int j = 0; j < p; j++)
		if (st->kind[j] == NB_F_COUNT)
			a[j] = log(g[NB_SUM(p, j)] + alpha) - log(denom[column_of[j]]);
	pfree(denom);
}

static void NbDerive(NbState *st);

static void *
NbFitStats(const MaasStats *s, MaasTask task, const void *options, const MaasPreprocess *prep)
{
	const NbOptions *opt = options;
	int			p = s->p;
	int			k = s->n_groups;
	double		alpha = Max(opt->alpha, NB_MIN_ALPHA);
	NbState    *st = palloc0(sizeof(NbState));
	NbFeature  *kinds;
	int		   *column_of;

	CheckStats(s);
	MaasCheckMemory(mul_size(mul_size(k, p), 2 * sizeof(double)), "naive Bayes parameters");
	kinds = FeatureKinds(opt, prep, p, &column_of);
	st->p = p;
	st->k = k;
	st->binarize = opt->binarize;
	st->kind = palloc(p);
	st->count = palloc(sizeof(double) * k);
	st->log_prior = palloc(sizeof(double) * k);
	st->a = palloc0(sizeof(double) * k * p);
	st->b = palloc0(sizeof(double) * k * p);
	for (int j = 0; j < p; j++)
		st->kind[j] = (uint8) kinds[j];
	st->epsilon = Epsilon(s, kinds, opt->var_smoothing);

	for (int c = 0; c < k; c++)
	{
		const double *g = s->groups + (int64) c * s->width;
		double		n = g[NB_N];
		double	   *a = st->a + (int64) c * p;
		double	   *b = st->b + (int64) c * p;

		CHECK_FOR_INTERRUPTS();
		st->count[c] = n;
		for (int j = 0; j < p; j++)
		{
			switch (kinds[j])
			{
				case NB_F_GAUSSIAN:
					a[j] = n > 0 ? g[NB_SUM(p, j)] / n : 0;
					b[j] = (n > 0 ? g[NB_M2(p, j)] / n : 0) + st->epsilon;
					if (!(b[j] > 0) && n > 0)
						ereport(ERROR,
								(errcode(ERRCODE_DATA_EXCEPTION),
								 errmsg("feature \"%s\" has zero variance in class %d",
										prep ? MaasFeatureName(prep, j) : "?", c + 1),
								 errhint("Nothing smooths the variance when every Gaussian feature is constant or var_smoothing is 0: drop constant features, or set params {\"var_smoothing\": ...} above 0.")));
					if (n == 0)
						b[j] = 1;
					break;
				case NB_F_BERNOULLI:
				case NB_F_BINARY:
					{
						double		ones = kinds[j] == NB_F_BERNOULLI ?
						g[NB_POS(p, j)] : g[NB_SUM(p, j)];

						a[j] = log(ones + alpha) - log(n + 2 * alpha);
						b[j] = log(1 - exp(a[j]));
						if (!isfinite(a[j]) || !isfinite(b[j]))
							ereport(ERROR,
									(errcode(ERRCODE_DATA_EXCEPTION),
									 errmsg("feature \"%s\" is not a 0/1 value",
											prep ? MaasFeatureName(prep, j) : "?"),
									 errhint("Bernoulli naive Bayes needs binary features.")));
						break;
					}
				case NB_F_COUNT:
					if (g[NB_NEG(p, j)] > 0)
						ereport(ERROR,
								(errcode(ERRCODE_DATA_EXCEPTION),
								 errmsg("feature \"%s\" has negative values, but multinomial naive Bayes needs counts",
										prep ? MaasFeatureName(prep, j) : "?"),
								 errhint("Use params {\"kind\": \"gaussian\"} for real-valued features.")));
					break;
			}
		}
		FitCounts(st, g, c, column_of, alpha);
	}
	FitPriors(st, opt, s);
	NbDerive(st);
	pfree(kinds);
	pfree(column_of);
	return st;
}

/* The multinomial of a document column: word counts of each class */
static void
FitWords(NbState *st, const MaasTokenRows *docs, const double *y, double alpha)
{
	int			v = docs->tokenizer->n_vocab;
	double	   *count;

	MaasCheckMemory(mul_size(mul_size(st->k, v), sizeof(double)), "naive Bayes word counts");
	count = palloc0(sizeof(double) * Max((int64) st->k * v, 1));
	for (int64 i = 0; i < docs->n_rows; i++)
	{
		double	   *row = count + (int64) y[i] * v;

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int64 t = docs->start[i]; t < docs->start[i + 1]; t++)
			if (docs->ids[t] >= MAAS_TOKEN_FIRST)
				row[docs->ids[t] - MAAS_TOKEN_FIRST] += 1;
	}
	for (int c = 0; c < st->k; c++)
	{
		double	   *row = count + (int64) c * v;
		double		total = alpha * v;

		for (int w = 0; w < v; w++)
			total += row[w];
		for (int w = 0; w < v; w++)
			row[w] = log((row[w] + alpha) / total);
	}
	st->n_words = v;
	st->word_log_prob = count;
}

/* The classes' sums of a training matrix; two passes for the squares */
static void *
NbFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	int			p = data->n_features;
	int			k = data->n_classes;
	int64		n = data->m.n_rows;
	const double *y = MaasTrainY(data);
	const NbOptions *opt = options;
	double	   *groups;
	double	   *keys = palloc(sizeof(double) * k);
	MaasStats	s;
	NbState    *st;

	MaasCheckMemory(mul_size(mul_size(k, NB_WIDTH(p)), sizeof(double)), "naive Bayes sums");
	groups = palloc0(sizeof(double) * k * NB_WIDTH(p));
	for (int c = 0; c < k; c++)
		keys[c] = c;
	for (int64 i = 0; i < n; i++)
		groups[(int64) y[i] * NB_WIDTH(p) + NB_N] += 1;
	for (int j = 0; j < p; j++)
	{
		const double *x = MaasMatrixColumn(&data->m, j);

		/* a column costs a pass over the rows */
		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
		{
			double	   *g = groups + (int64) y[i] * NB_WIDTH(p);

			g[NB_SUM(p, j)] += x[i];
			g[NB_POS(p, j)] += x[i] > opt->binarize;
			g[NB_NEG(p, j)] += x[i] < 0;
		}
		for (int64 i = 0; i < n; i++)
		{
			double	   *g = groups + (int64) y[i] * NB_WIDTH(p);
			double		d = x[i] - g[NB_SUM(p, j)] / g[NB_N];

			g[NB_M2(p, j)] += d * d;
		}
	}
	s.p = p;
	s.width = NB_WIDTH(p);
	s.n_groups = k;
	s.keys = keys;
	s.groups = groups;
	st = NbFitStats(&s, data->task, options, data->prep);
	if (data->tokens != NULL)
		FitWords(st, data->tokens, y, Max(opt->alpha, NB_MIN_ALPHA));
	return st;
}

/* Joint log likelihood of each class (its log prior plus the features') */
static void
NbPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const NbState *st = model->state;
	const double *x = in->x;
	int			p = st->p;
	double		top = -DBL_MAX;
	double		total = 0;

	for (int c = 0; c < st->k; c++)
	{
		const double *a = st->a + (int64) c * p;
		const double *b = st->b + (int64) c * p;
		double		gauss = 0;
		double		jll = st->log_prior[c];

		if (st->count[c] == 0)
			continue;
		for (int j = 0; j < p; j++)
		{
			/* a missing feature (maas_fit keeps no means) is left out */
			if (isnan(x[j]))
				continue;
			switch (st->kind[j])
			{
				case NB_F_GAUSSIAN:
					gauss += (x[j] - a[j]) * (x[j] - a[j]) / b[j];
					break;
				case NB_F_BERNOULLI:
					jll += x[j] > st->binarize ? a[j] : b[j];
					break;
				case NB_F_BINARY:
					jll += a[j] * x[j] + b[j] * (1 - x[j]);
					break;
				case NB_F_COUNT:
					jll += a[j] * x[j];
					break;
			}
		}
		for (int t = 0; st->n_words > 0 && t < in->n_tokens; t++)
		{
			int32		w = in->tokens[t] - MAAS_TOKEN_FIRST;

			if (w >= 0 && w < st->n_words)
				jll += st->word_log_prob[(int64) c * st->n_words + w];
		}
		out[c] = jll + st->gauss_const[c] - 0.5 * gauss;
		top = Max(top, out[c]);
	}
	for (int c = 0; c < st->k; c++)
		if (st->count[c] > 0)
			total += (out[c] = exp(out[c] - top));
	for (int c = 0; c < st->k; c++)
		out[c] = st->count[c] > 0 ? out[c] / total : 0;
}

/* Feature j's term of class c's joint log likelihood at x (0 if missing) */
static double
NbTerm(const NbState *st, int c, int j, double x)
{
	double		a = st->a[(int64) c * st->p + j];
	double		b = st->b[(int64) c * st->p + j];

	if (isnan(x))
		return 0;
	switch (st->kind[j])
	{
		case NB_F_GAUSSIAN:
			return -0.5 * (x - a) * (x - a) / b;
		case NB_F_BERNOULLI:
			return x > st->binarize ? a : b;
		case NB_F_BINARY:
			return a * x + b * (1 - x);
		default:
			return a * x;
	}
}

/*
 * Contributions to the log-odds of the predicted class against the mean of
 * the other classes (for two classes, exactly the log-odds): feature j adds
 * its term for that class minus the mean of its terms for the others; the
 * base is the same difference of the log priors and Gaussian normalizers.
 */
static void
NbExplain(const MaasModel *model, const MaasInput *in, double *contrib, double *base)
{
	const NbState *st = model->state;
	double	   *out = palloc(sizeof(double) * st->k);
	int			c;
	int			others = 0;

	/* the words' terms are left out: the SQL layer refuses documents */
	NbPredict(model, in, out);
	c = MaasArgmax(out, st->k);
	for (int k = 0; k < st->k; k++)
		others += k != c && st->count[k] > 0;
	*base = st->log_prior[c] + st->gauss_const[c];
	for (int j = 0; j < st->p; j++)
		contrib[j] = NbTerm(st, c, j, in->x[j]);
	for (int k = 0; k < st->k; k++)
	{
		if (k == c || st->count[k] == 0)
			continue;
		*base -= (st->log_prior[k] + st->gauss_const[k]) / others;
		for (int j = 0; j < st->p; j++)
			contrib[j] -= NbTerm(st, k, j, in->x[j]) / others;
	}
	pfree(out);
}

static void
NbDerive(NbState *st)
{
	st->gauss_const = palloc0(sizeof(double) * st->k);
	for (int c = 0; c < st->k; c++)
		for (int j = 0; j < st->p; j++)
			if (st->kind[j] == NB_F_GAUSSIAN)
				st->gauss_const[c] -= 0.5 * log(2.0 * M_PI * st->b[(int64) c * st->p + j]);
}

static void
NbSerialize(const MaasModel *model, StringInfo buf)
{
	const NbState *st = model->state;

	MaasWriteU32(buf, (uint32) st->k);
	MaasWriteDouble(buf, st->binarize);
	MaasWriteDouble(buf, st->epsilon);
	for (int j = 0; j < st->p; j++)
		MaasWriteU8(buf, st->kind[j]);
	MaasWriteDoubles(buf, st->count, st->k);
	MaasWriteDoubles(buf, st->log_prior, st->k);
	MaasWriteDoubles(buf, st->a, (int64) st->k * st->p);
	MaasWriteDoubles(buf, st->b, (int64) st->k * st->p);
	/* a document column's words; absent before documents (0.1.0's bytes) */
	if (st->n_words > 0)
	{
		MaasWriteU32(buf, (uint32) st->n_words);
		MaasWriteDoubles(buf, st->word_log_prob, (int64) st->k * st->n_words);
	}
}

/* The words of a model with a document column, which must be there */
static void
ReadWords(MaasReader *r, NbState *st, const MaasModel *model)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);

	if (text == NULL)
		return;					/* the section ends with the dense part */
	st->n_words = MaasReadCount(r, MAAS_MAX_VOCAB, (size_t) st->k * sizeof(double), "word");
	if (st->n_words != text->tokenizer->n_vocab)
		MaasReaderFail(r, "%d word probabilities for a vocabulary of %d", st->n_words,
					   text->tokenizer->n_vocab);
	st->word_log_prob = palloc(sizeof(double) * Max((int64) st->k * st->n_words, 1));
	MaasReadDoubles(r, st->word_log_prob, (int64) st->k * st->n_words, true);
	for (int64 i = 0; i < (int64) st->k * st->n_words; i++)
		if (st->word_log_prob[i] > 0)
			MaasReaderFail(r, "a word's probability is above 1");
}

static void *
NbDeserialize(MaasReader *r, const MaasModel *model)
{
	NbState    *st = palloc0(sizeof(NbState));
	int			p = model->n_features;
	bool		any = false;

	st->p = p;
	st->k = (int) MaasReadU32(r);
	if (st->k != model->n_outputs || st->k < 2)
		MaasReaderFail(r, "%d classes, but the model has %d outputs", st->k, model->n_outputs);
	st->binarize = MaasReadFinite(r);
	st->epsilon = MaasReadFinite(r);
	if ((uint64) p + (uint64) st->k * (2 + 2 * (uint64) p) * sizeof(double) > r->len - r->pos)
		MaasReaderFail(r, "truncated naive Bayes parameters");
	st->kind = palloc(p);
	for (int j = 0; j < p; j++)
	{
		st->kind[j] = MaasReadU8(r);
		if (st->kind[j] < NB_F_GAUSSIAN || st->kind[j] > NB_F_COUNT)
			MaasReaderFail(r, "feature %d has unknown kind %d", j + 1, st->kind[j]);
	}
	st->count = palloc(sizeof(double) * st->k);
	st->log_prior = palloc(sizeof(double) * st->k);
	st->a = palloc(sizeof(double) * st->k * p);
	st->b = palloc(sizeof(double) * st->k * p);
	MaasReadDoubles(r, st->count, st->k, true);
	MaasReadDoubles(r, st->log_prior, st->k, true);
	MaasReadDoubles(r, st->a, (int64) st->k * p, true);
	MaasReadDoubles(r, st->b, (int64) st->k * p, true);
	for (int c = 0; c < st->k; c++)
	{
		if (st->count[c] < 0)
			MaasReaderFail(r, "class %d has a negative count", c + 1);
		if (st->count[c] > 0)
			any = true;
		for (int j = 0; j < p; j++)
			if (st->kind[j] == NB_F_GAUSSIAN && !(st->b[(int64) c * p + j] > 0))
				MaasReaderFail(r, "class %d has a variance that is not positive", c + 1);
	}
	if (!any)
		MaasReaderFail(r, "no class has training rows");
	ReadWords(r, st, model);
	NbDerive(st);
	return st;
}

static const char *
KindName(int kind)
{
	switch (kind)
	{
		case NB_F_GAUSSIAN:
			return "gaussian";
		case NB_F_BERNOULLI:
			return "bernoulli";
		case NB_F_BINARY:
			return "bernoulli (linear)";
		default:
			return "multinomial";
	}
}

static void
NbDescribe(const MaasModel *model, MaasJson *json)
{
	const NbState *st = model->state;
	int			p = st->p;

	MaasJsonKey(json, "epsilon");
	MaasJsonNumber(json, st->epsilon);
	MaasJsonKey(json, "feature_kinds");
	MaasJsonBeginObject(json);
	for (int j = 0; j < p; j++)
	{
		MaasJsonKey(json, MaasFeatureName(&model->prep, j));
		MaasJsonString(json, KindName(st->kind[j]));
	}
	MaasJsonEndObject(json);
	MaasJsonKey(json, "classes");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->k; c++)
	{
		MaasJsonBeginObject(json);
		MaasJsonKey(json, "class");
		MaasJsonString(json, model->target.labels ? model->target.labels[c] : "?");
		MaasJsonKey(json, "count");
		MaasJsonNumber(json, st->count[c]);
		MaasJsonKey(json, "log_prior");
		MaasJsonNumber(json, st->log_prior[c]);
		/* Gaussian: mean and variance; the others: log P(x = 1 | class) */
		MaasJsonKey(json, "features");
		MaasJsonBeginObject(json);
		for (int j = 0; j < p; j++)
		{
			double		a = st->a[(int64) c * p + j];
			double		b = st->b[(int64) c * p + j];

			MaasJsonKey(json, MaasFeatureName(&model->prep, j));
			MaasJsonBeginObject(json);
			MaasJsonKey(json, st->kind[j] == NB_F_GAUSSIAN ? "mean" : "log_prob");
			MaasJsonNumber(json, a);
			if (st->kind[j] != NB_F_COUNT)
			{
				MaasJsonKey(json, st->kind[j] == NB_F_GAUSSIAN ? "var" : "log_prob_zero");
				MaasJsonNumber(json, b);
			}
			MaasJsonEndObject(json);
		}
		MaasJsonEndObject(json);
		MaasJsonEndObject(json);
	}
	MaasJsonEndArray(json);
}

const MaasAlgorithm maas_naive_bayes = {
	.name = "naive_bayes",
	.id = 12,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.reads_documents = true,
	.params = nb_params,
	.options_size = sizeof(NbOptions),
	.fit = NbFit,
	.predict = NbPredict,
	.serialize = NbSerialize,
	.deserialize = NbDeserialize,
	.describe = NbDescribe,
	.explain = NbExplain,
	.stats_width = NbStatsWidth,
	.stats_add = NbStatsAdd,
	.stats_merge = NbStatsMerge,
	.stats_mean = NbStatsMean,
	.fit_stats = NbFitStats,
};
