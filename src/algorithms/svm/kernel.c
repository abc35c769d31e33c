/*
 * kernel.c
 *	  svm: a support vector classifier with an RBF kernel,
 *	  K(x, z) = exp(-gamma ||x - z||^2) on standardized features.
 *
 * method "exact" is scikit-learn's SVC: LIBSVM's SMO (smo.c) on every pair
 * of classes (one-vs-one), the support vectors shared by the pairs in
 * LIBSVM's layout.  Its cost grows with the square of the rows, so for
 * large data method "nystrom" maps every row to n_components features
 * through the kernel against landmark rows drawn with the seed (Williams
 * and Seeger, NIPS 2001; scikit-learn's Nystroem) and trains a linear SVM
 * with the hinge loss on them (LIBLINEAR's dual CD, one-vs-rest as
 * LinearSVC).  "auto" is exact up to 10,000 rows.  Either way the model
 * keeps rows (support vectors or landmarks) and a weight per row and
 * decision function, so prediction is a kernel sum.
 *
 * Probabilities are NOT calibrated (no Platt scaling): for two classes the
 * logistic function of SVC's decision value, for more the softmax of SVC's
 * one-vs-rest decision values (votes plus confidences scaled into
 * (-1/3, 1/3)) or of the one-vs-rest decision values of the Nystrom model.
 * Their argmax is SVC's predicted class, except that a tie in votes goes
 * to the more confident class rather than to the first.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/blas.h"
#include "svm.h"

#define EXACT_MAX_ROWS	10000	/* method auto: exact up to this many rows */
#define BLOCK_ROWS		512		/* Nystrom features, computed in blocks */

typedef enum KernelMethod
{
	METHOD_AUTO, METHOD_EXACT, METHOD_NYSTROM	/* "auto,exact,nystrom" */
} KernelMethod;

typedef struct KernelOptions
{
	double		C;
	double		gamma;			/* NaN: "scale" */
	int			method;
	int			n_components;
	double		tol;
	int			max_iter;
	int			class_weight;
} KernelOptions;

static const MaasParamSpec kernel_params[] = {
	{"C", MAAS_PARAM_FLOAT, "1.0", 1e-12, 1e12, NULL,
		"inverse regularization strength, as in scikit-learn",
	offsetof(KernelOptions, C)},
	{"gamma", MAAS_PARAM_FLOAT, NULL, 1e-300, 1e300, NULL,
		"RBF kernel coefficient; unset: scikit-learn's \"scale\", 1 / (features * variance)",
	offsetof(KernelOptions, gamma)},
	{"method", MAAS_PARAM_CHOICE, "\"auto\"", 0, 0, "auto,exact,nystrom",
		"exact kernel SMO, Nystrom features with a linear SVM, or exact up to 10000 rows",
	offsetof(KernelOptions, method)},
	{"n_components", MAAS_PARAM_INT, "300", 1, 100000, NULL,
		"nystrom: landmark rows (features of the linear SVM)",
	offsetof(KernelOptions, n_components)},
	{"tol", MAAS_PARAM_FLOAT, "1e-3", 1e-15, 1, NULL,
		"stopping tolerance: the KKT gap of SMO, LIBLINEAR's eps for nystrom",
	offsetof(KernelOptions, tol)},
	{"max_iter", MAAS_PARAM_INT, "-1", -1, PG_INT32_MAX, NULL,
		"most SMO steps per pair (-1: LIBSVM's limit) or passes of nystrom's solver (-1: 1000)",
	offsetof(KernelOptions, max_iter)},
	{"class_weight", MAAS_PARAM_CHOICE, "\"none\"", 0, 0, "none,balanced",
		"balanced: C of each class times n / (classes * rows of the class)",
	offsetof(KernelOptions, class_weight)},
	{NULL}
};

typedef struct KernelState
{
	int			p;
	int			k;				/* classes */
	int			method;			/* METHOD_EXACT or METHOD_NYSTROM */
	double		gamma;
	double	   *mean;
	double	   *scale;
	int			n_sv;			/* support vectors or landmarks */
	int		   *sv_count;		/* exact: support vectors per class */
	double	   *sv;				/* n_sv x p, standardized */
	int			n_dec;			/* decision functions */
	int			coef_rows;		/* exact: k - 1 (LIBSVM's layout); else n_dec */
	double	   *coef;			/* coef_rows x n_sv */
	double	   *offset;			/* n_dec: decision = coef . K + offset */
	int64		iterations;
	bool		converged;
} KernelState;

/* scikit-learn's gamma "scale": 1 / (p * variance of every entry) */
static double
ScaleGamma(const double *rows, int64 n, int p)
{
	long double s = 0;
	long double ss = 0;
	double		mean,
				var;
	int64		total = n * p;

	for (int64 i = 0; i < total; i++)
		s += rows[i];
	mean = (double) (s / total);
	for (int64 i = 0; i < total; i++)
		ss += (rows[i] - mean) * (rows[i] - mean);
	var = (double) (ss / total);
	return var > 0 ? 1.0 / (p * var) : 1.0;
}

/*
 * One-vs-one SMO.  Rows are taken class by class; a training row is a
 * support vector when any of its pairs gives it a non-zero coefficient.
 */
static void
FitExact(KernelState *st, const double *rows, int64 n, const double *y,
		 const double *weight, const KernelOptions *opt, MaasProgress *progress)
{
	int			k = st->k;
	int			p = st->p;
	int			n_pairs = k * (k - 1) / 2;
	int		   *start = palloc0(sizeof(int) * (k + 1));
	int		   *order = palloc(sizeof(int) * n);
	int		   *fill = palloc0(sizeof(int) * k);
	double	  **alpha = palloc0(sizeof(double *) * n_pairs);
	int		   *sv_pos = palloc(sizeof(int) * n);
	Size		cap = (Size) maas_max_memory_kb * 1024;
	int			pair = 0;

	for (int64 i = 0; i < n; i++)
		start[(int) y[i] + 1]++;
	for (int c = 0; c < k; c++)
		start[c + 1] += start[c];
	for (int64 i = 0; i < n; i++)
	{
		int			c = (int) y[i];

		order[start[c] + fill[c]++] = (int) i;
	}
	st->n_dec = n_pairs;
	st->offset = palloc0(sizeof(double) * n_pairs);
	st->converged = true;
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++, pair++)
		{
			int			na = start[a + 1] - start[a];
			int			nb = start[b + 1] - start[b];
			int			l = na + nb;
			double	   *x;
			double	   *ys;
			SvmSmoResult res;

			if (na == 0 || nb == 0)
			{
				/* a class without training rows: the other always wins */
				st->offset[pair] = na > 0 ? 1 : -1;
				continue;
			}
			MaasCheckMemory(mul_size(mul_size(l, Max(p, 1)), sizeof(double)),
							"the rows of a pair of classes");
			x = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l * Max(p, 1));
			ys = palloc(sizeof(double) * l);
			for (int t = 0; t < l; t++)
			{
				int			i = order[t < na ? start[a] + t : start[b] + t - na];

				memcpy(x + (int64) t * p, rows + (int64) i * p, sizeof(double) * p);
				ys[t] = t < na ? 1.0 : -1.0;
			}
			res = SvmSmo(x, l, p, ys, st->gamma, opt->C * weight[a], opt->C * weight[b],
						 opt->tol, opt->max_iter, Min((Size) l * l * sizeof(float), cap / 2),
						 progress);
			alpha[pair] = res.alpha;
			st->offset[pair] = -res.rho;
			st->iterations += res.iterations;
			st->converged &= res.converged;
			pfree(x);
			pfree(ys);
			if (MaasProgressDue(progress))
				ereport(NOTICE,
						(errmsg("%s: pair %d of %d, %d SMO steps",
								progress->what, pair + 1, n_pairs, res.iterations)));
		}

	/* the support vectors, class by class */
	st->sv_count = palloc0(sizeof(int) * k);
	st->n_sv = 0;
	for (int64 i = 0; i < n; i++)
		sv_pos[i] = -1;
	pair = 0;
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++, pair++)
		{
			int			na = start[a + 1] - start[a];

			for (int t = 0; alpha[pair] && t < na + start[b + 1] - start[b]; t++)
				if (alpha[pair][t] != 0)
					sv_pos[order[t < na ? start[a] + t : start[b] + t - na]] = 0;
		}
	for (int t = 0; t < n; t++)
		if (sv_pos[order[t]] == 0)
		{
			sv_pos[order[t]] = st->n_sv++;
			st->sv_count[(int) y[order[t]]]++;
		}
	st->coef_rows = k - 1;
	st->sv = palloc(sizeof(double) * Max((int64) st->n_sv * p, 1));
	st->coef = palloc0(sizeof(double) * Max((int64) st->n_sv * (k - 1), 1));
	for (int64 i = 0; i < n; i++)
		if (sv_pos[i] >= 0)
			memcpy(st->sv + (int64) sv_pos[i] * p, rows + i * p, sizeof(double) * p);
	pair = 0;
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++, pair++)
		{
			int			na = start[a + 1] - start[a];

			for (int t = 0; alpha[pair] && t < na + start[b + 1] - start[b]; t++)
			{
				int			s = sv_pos[order[t < na ? start[a] + t : start[b] + t - na]];

				/* class a's vectors sit in row b - 1, class b's in row a */
				if (alpha[pair][t] != 0)
					st->coef[(int64) (t < na ? b - 1 : a) * st->n_sv + s] = alpha[pair][t];
			}
			if (alpha[pair])
				pfree(alpha[pair]);
		}
	pfree(start);
	pfree(order);
	pfree(fill);
	pfree(alpha);
	pfree(sv_pos);
}

/* K(rows, landmarks), m wide, for rows [from, to) */
static void
KernelBlock(const KernelState *st, const double *rows, int64 from, int64 to,
			const double *lm_sq, double *out)
{
	int			m = st->n_sv;
	int			p = st->p;
	int64		b = to - from;

	if (p > 0)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) b, m, p, 1.0,
					rows + from * p, p, st->sv, p, 0.0, out, m);
	else
		memset(out, 0, sizeof(double) * b * m);
	for (int64 i = 0; i < b; i++)
	{
		const double *x = rows + (from + i) * p;
		double		sq = 0;

		for (int j = 0; j < p; j++)
			sq += x[j] * x[j];
		for (int s = 0; s < m; s++)
			out[i * m + s] = exp(-st->gamma * Max(sq + lm_sq[s] - 2 * out[i * m + s], 0.0));
	}
}

/* N = K_mm^(-1/2) through its eigendecomposition, as Nystroem.fit */
static double *
Normalization(const KernelState *st)
{
	int			m = st->n_sv;
	double	   *kmm;
	double	   *ev = palloc(sizeof(double) * m);
	double	   *n_mat;

	MaasCheckMemory(mul_size(mul_size(m, m), 2 * sizeof(double)),
					"the landmarks' kernel of svm");
	kmm = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * m * m);
	n_mat = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * m * m);
	memset(n_mat, 0, sizeof(double) * m * m);

	for (int a = 0; a < m; a++)
		for (int b = 0; b < m; b++)
			kmm[a * m + b] = SvmRbf(st->sv + (int64) a * st->p, st->sv + (int64) b * st->p,
									st->p, st->gamma);
	if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', m, kmm, m, ev) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("svm: the eigendecomposition of the landmarks' kernel failed")));
	for (int e = 0; e < m; e++)
	{
		double		f = 1.0 / sqrt(Max(ev[e], 1e-12));

		for (int a = 0; a < m; a++)
			for (int b = 0; b < m; b++)
				n_mat[a * m + b] += kmm[a * m + e] * f * kmm[b * m + e];
	}
	pfree(kmm);
	pfree(ev);
	return n_mat;
}

/*
 * Landmarks drawn with the seed; rows mapped to K(x, landmarks) N; a linear
 * SVM (hinge) per decision; its weights folded back through N
 */
static void
FitNystrom(KernelState *st, const double *rows, int64 n, const double *y,
		   const double *weight, const KernelOptions *opt, int seed,
		   MaasProgress *progress)
{
	int			m = (int) Min((int64) opt->n_components, n);
	int			p = st->p;
	int64	   *pick = palloc(sizeof(int64) * n);
	double	   *n_mat;
	double	   *lm_sq = palloc0(sizeof(double) * m);
	double	   *phi;
	double	   *block = palloc(sizeof(double) * BLOCK_ROWS * m);
	double	   *ys = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	double	   *w = palloc(sizeof(double) * (m + 1));
	pg_prng_state rng;
	SvmRows		d;

	pg_prng_seed(&rng, (uint64) seed);
	for (int64 i = 0; i < n; i++)
		pick[i] = i;
	for (int s = 0; s < m; s++)
	{
		int64		j = s + (int64) pg_prng_uint64_range(&rng, 0, (uint64) (n - s - 1));
		int64		t = pick[s];

		pick[s] = pick[j];
		pick[j] = t;
	}
	st->n_sv = m;
	st->sv = palloc(sizeof(double) * Max((int64) m * p, 1));
	for (int s = 0; s < m; s++)
	{
		memcpy(st->sv + (int64) s * p, rows + pick[s] * p, sizeof(double) * p);
		for (int j = 0; j < p; j++)
			lm_sq[s] += st->sv[(int64) s * p + j] * st->sv[(int64) s * p + j];
	}
	n_mat = Normalization(st);

	MaasCheckMemory(mul_size(mul_size(n, m + 1), sizeof(double)), "the Nystrom features of svm");
	phi = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * m);
	for (int64 from = 0; from < n; from += BLOCK_ROWS)
	{
		int64		to = Min(from + BLOCK_ROWS, n);

		/* blocks of rows through two products: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		KernelBlock(st, rows, from, to, lm_sq, block);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) (to - from), m, m,
					1.0, block, m, n_mat, m, 0.0, phi + from * m, m);
	}

	d.x = phi;
	d.n = n;
	d.p = m;
	d.bias = 1.0;
	st->n_dec = st->k == 2 ? 1 : st->k;
	st->coef_rows = st->n_dec;
	st->coef = palloc0(sizeof(double) * (int64) st->n_dec * m);
	st->offset = palloc0(sizeof(double) * st->n_dec);
	st->converged = true;
	for (int c = 0; c < st->n_dec; c++)
	{
		int			positive = st->n_dec == 1 ? 1 : c;
		double		Cn = st->n_dec == 1 ? opt->C * weight[0] : opt->C;
		SvmSolveResult res;

		for (int64 i = 0; i < n; i++)
			ys[i] = (int) y[i] == positive ? 1.0 : -1.0;
		res = SvmDualSvc(&d, ys, opt->C * weight[positive], Cn, false, opt->tol,
						 opt->max_iter > 0 ? opt->max_iter : 1000,
						 hash_combine64((uint64) seed, (uint64) c + 1), w, progress);
		/* decision = w . (N K) + b = (N w) . K + b, N symmetric */
		for (int a = 0; a < m; a++)
			for (int b = 0; b < m; b++)
				st->coef[(int64) c * m + a] += n_mat[a * m + b] * w[b];
		st->offset[c] = w[m];
		st->iterations += res.iterations;
		st->converged &= res.converged;
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: decision function %d of %d, %d passes",
							progress->what, c + 1, st->n_dec, res.iterations)));
	}
	pfree(pick);
	pfree(n_mat);
	pfree(lm_sq);
	pfree(phi);
	pfree(block);
	pfree(ys);
	pfree(w);
}

static void *
KernelFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const KernelOptions *opt = options;
	KernelState *st = palloc0(sizeof(KernelState));
	int64		n = data->m.n_rows;
	const double *y = MaasTrainY(data);
	double	   *weight = palloc(sizeof(double) * data->n_classes);
	double	   *rows;

	st->p = data->n_features;
	st->k = data->n_classes;
	st->mean = palloc(sizeof(double) * st->p);
	st->scale = palloc(sizeof(double) * st->p);
	MaasStandardize(data, st->mean, st->scale);
	rows = SvmScaledRows(data, st->mean, st->scale);
	st->gamma = isnan(opt->gamma) ? ScaleGamma(rows, n, st->p) : opt->gamma;
	st->method = opt->method;
	if (st->method == METHOD_AUTO)
		st->method = n <= EXACT_MAX_ROWS ? METHOD_EXACT : METHOD_NYSTROM;
	if (st->method == METHOD_EXACT && n > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("svm method \"exact\" cannot train on %lld rows", (long long) n),
				 errhint("Use params \"method\": \"nystrom\".")));
	SvmClassWeights(y, n, st->k, opt->class_weight, weight);
	if (st->method == METHOD_EXACT)
		FitExact(st, rows, n, y, weight, opt, progress);
	else
		FitNystrom(st, rows, n, y, weight, opt, data->seed, progress);
	if (!st->converged)
		ereport(NOTICE,
				(errmsg("svm did not converge (%lld steps)", (long long) st->iterations),
				 errhint("Raise params \"max_iter\", or loosen \"tol\".")));
	pfree(rows);
	pfree(weight);
	return st;
}

/* The decision values of one row from its kernel values kv (n_sv) */
static void
Decisions(const KernelState *st, const double *kv, double *dec)
{
	if (st->method == METHOD_NYSTROM)
	{
		for (int c = 0; c < st->n_dec; c++)
		{
			double		v = st->offset[c];

			for (int s = 0; s < st->n_sv; s++)
				v += st->coef[(int64) c * st->n_sv + s] * kv[s];
			dec[c] = v;
		}
	}
	else
	{
		int			pair = 0;
		int			first_a = 0;

		for (int a = 0; a < st->k; a++)
		{
			int			first_b = first_a + st->sv_count[a];

			for (int b = a + 1; b < st->k; b++, pair++)
			{
				double		v = st->offset[pair];
				const double *ca = st->coef + (int64) (b - 1) * st->n_sv;
				const double *cb = st->coef + (int64) a * st->n_sv;

				for (int s = first_a; s < first_a + st->sv_count[a]; s++)
					v += ca[s] * kv[s];
				for (int s = first_b; s < first_b + st->sv_count[b]; s++)
					v += cb[s] * kv[s];
				dec[pair] = v;
				first_b += st->sv_count[b];
			}
			first_a += st->sv_count[a];
		}
	}
}

/* Decision values to scores that sum to 1 (see the top of the file) */
static void
Scores(const KernelState *st, const double *dec, double *out)
{
	if (st->k == 2)
	{
		/* exact: LIBSVM's value is positive for the first class */
		double		z = st->method == METHOD_EXACT ? -dec[0] : dec[0];

		out[0] = MaasSigmoid(-z);
		out[1] = MaasSigmoid(z);
	}
	else if (st->method == METHOD_NYSTROM)
	{
		memcpy(out, dec, sizeof(double) * st->k);
		MaasSoftmax(out, st->k);
	}
	else
	{
		/* SVC's decision_function_shape "ovr": votes + scaled confidences */
		double	   *conf = palloc0(sizeof(double) * st->k);
		int			pair = 0;

		memset(out, 0, sizeof(double) * st->k);
		for (int a = 0; a < st->k; a++)
			for (int b = a + 1; b < st->k; b++, pair++)
			{
				out[dec[pair] > 0 ? a : b] += 1;
				conf[a] += dec[pair];
				conf[b] -= dec[pair];
			}
		for (int c = 0; c < st->k; c++)
			out[c] += conf[c] / (3 * (fabs(conf[c]) + 1));
		MaasSoftmax(out, st->k);
		pfree(conf);
	}
}

static void
KernelPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const KernelState *st = model->state;
	double	   *z = palloc(sizeof(double) * Max(st->p, 1));
	double	   *kv = palloc(sizeof(double) * Max(st->n_sv, 1));
	double	   *dec = palloc(sizeof(double) * st->n_dec);

	SvmScaleRow(in->x, st->p, st->mean, st->scale, z);
	for (int s = 0; s < st->n_sv; s++)
		kv[s] = SvmRbf(z, st->sv + (int64) s * st->p, st->p, st->gamma);
	Decisions(st, kv, dec);
	Scores(st, dec, out);
	pfree(z);
	pfree(kv);
	pfree(dec);
}

/*
 * Every row of a matrix, BLOCK_ROWS at a time: the kernel values of a block
 * against every support vector through one matrix product (the same
 * values as predict's, to rounding)
 */
static void
KernelPredictMatrix(const MaasModel *model, const MaasMatrix *m, int n_features,
					double *out)
{
	const KernelState *st = model->state;
	int			p = st->p;
	int			n_sv = st->n_sv;
	double	   *z = palloc(sizeof(double) * BLOCK_ROWS * Max(p, 1));
	double	   *kv = palloc(sizeof(double) * BLOCK_ROWS * Max(n_sv, 1));
	double	   *sv_sq = palloc0(sizeof(double) * Max(n_sv, 1));
	double	   *dec = palloc(sizeof(double) * st->n_dec);

	for (int s = 0; s < n_sv; s++)
		for (int j = 0; j < p; j++)
			sv_sq[s] += st->sv[(int64) s * p + j] * st->sv[(int64) s * p + j];
	for (int64 from = 0; from < m->n_rows; from += BLOCK_ROWS)
	{
		int			b = (int) Min((int64) BLOCK_ROWS, m->n_rows - from);

		/* a block of rows against every support vector: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < p; j++)
		{
			const double *col = MaasMatrixColumn(m, j) + from;

			for (int i = 0; i < b; i++)
				z[(int64) i * p + j] = (col[i] - st->mean[j]) / st->scale[j];
		}
		if (p > 0 && n_sv > 0)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n_sv, p, 1.0,
						z, p, st->sv, p, 0.0, kv, n_sv);
		else
			memset(kv, 0, sizeof(double) * b * Max(n_sv, 1));
		for (int i = 0; i < b; i++)
		{
			const double *zi = z + (int64) i * p;
			double	   *ki = kv + (int64) i * n_sv;
			double		sq = 0;

			for (int j = 0; j < p; j++)
				sq += zi[j] * zi[j];
			for (int s = 0; s < n_sv; s++)
				ki[s] = exp(-st->gamma * Max(sq + sv_sq[s] - 2 * ki[s], 0.0));
			Decisions(st, ki, dec);
			Scores(st, dec, out + (from + i) * st->k);
		}
	}
	pfree(z);
	pfree(kv);
	pfree(sv_sq);
	pfree(dec);
}

static void
KernelSerialize(const MaasModel *model, StringInfo buf)
{
	const KernelState *st = model->state;

	MaasWriteU8(buf, (uint8) st->method);
	MaasWriteU8(buf, st->converged ? 1 : 0);
	MaasWriteDouble(buf, (double) st->iterations);
	MaasWriteDouble(buf, st->gamma);
	MaasWriteU32(buf, (uint32) st->n_sv);
	MaasWriteDoubles(buf, st->mean, st->p);
	MaasWriteDoubles(buf, st->scale, st->p);
	if (st->method == METHOD_EXACT)
		for (int c = 0; c < st->k; c++)
			MaasWriteU32(buf, (uint32) st->sv_count[c]);
	MaasWriteDoubles(buf, st->sv, (int64) st->n_sv * st->p);
	MaasWriteDoubles(buf, st->coef, (int64) st->coef_rows * st->n_sv);
	MaasWriteDoubles(buf, st->offset, st->n_dec);
}

static void *
KernelDeserialize(MaasReader *r, const MaasModel *model)
{
	KernelState *st = palloc0(sizeof(KernelState));
	int64		total = 0;
	uint64		doubles;

	st->p = model->n_features;
	st->k = model->n_outputs;
	if (st->k < 2)
		MaasReaderFail(r, "svm needs at least two classes, not %d", st->k);
	st->method = MaasReadU8(r);
	if (st->method != METHOD_EXACT && st->method != METHOD_NYSTROM)
		MaasReaderFail(r, "unknown svm method %d", st->method);
	st->converged = MaasReadU8(r) != 0;
	{
		double		steps = MaasReadFinite(r);

		if (!(steps >= 0 && steps <= 1e15))
			MaasReaderFail(r, "%g SMO steps", steps);
		st->iterations = (int64) steps;
	}
	st->gamma = MaasReadFinite(r);
	if (!(st->gamma > 0))
		MaasReaderFail(r, "gamma %g is not positive", st->gamma);
	st->n_sv = (int) MaasReadU32(r);
	if (st->n_sv < 0 || st->n_sv > (int) ((r->len - r->pos) / 8))
		MaasReaderFail(r, "%d support vectors in %zu bytes", st->n_sv, r->len - r->pos);
	st->mean = palloc(sizeof(double) * st->p);
	st->scale = palloc(sizeof(double) * st->p);
	MaasReadDoubles(r, st->mean, st->p, true);
	MaasReadDoubles(r, st->scale, st->p, true);
	for (int j = 0; j < st->p; j++)
		if (!(st->scale[j] > 0))
			MaasReaderFail(r, "scale of feature %d is not positive", j + 1);
	if (st->method == METHOD_EXACT)
	{
		st->n_dec = st->k * (st->k - 1) / 2;
		st->coef_rows = st->k - 1;
		st->sv_count = palloc(sizeof(int) * st->k);
		for (int c = 0; c < st->k; c++)
		{
			st->sv_count[c] = (int) MaasReadU32(r);
			if (st->sv_count[c] < 0 || st->sv_count[c] > st->n_sv)
				MaasReaderFail(r, "%d support vectors of class %d", st->sv_count[c], c + 1);
			total += st->sv_count[c];
		}
		if (total != st->n_sv)
			MaasReaderFail(r, "%lld support vectors by class, %d in all",
						   (long long) total, st->n_sv);
	}
	else
	{
		st->n_dec = st->k == 2 ? 1 : st->k;
		st->coef_rows = st->n_dec;
	}
	doubles = (uint64) st->n_sv * (st->p + st->coef_rows) + st->n_dec;
	if (doubles * 8 != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes of support vectors, expected %llu",
					   r->len - r->pos, (unsigned long long) doubles * 8);
	st->sv = palloc(sizeof(double) * Max((int64) st->n_sv * st->p, 1));
	st->coef = palloc(sizeof(double) * Max((int64) st->n_sv * st->coef_rows, 1));
	st->offset = palloc(sizeof(double) * st->n_dec);
	MaasReadDoubles(r, st->sv, (int64) st->n_sv * st->p, true);
	MaasReadDoubles(r, st->coef, (int64) st->n_sv * st->coef_rows, true);
	MaasReadDoubles(r, st->offset, st->n_dec, true);
	return st;
}

static void
KernelDescribe(const MaasModel *model, MaasJson *json)
{
	const KernelState *st = model->state;

	MaasJsonKey(json, "method");
	MaasJsonString(json, st->method == METHOD_EXACT ? "exact" : "nystrom");
	MaasJsonKey(json, "kernel");
	MaasJsonString(json, "rbf");
	MaasJsonKey(json, "gamma");
	MaasJsonNumber(json, st->gamma);
	MaasJsonKey(json, "iterations");
	MaasJsonInt(json, st->iterations);
	MaasJsonKey(json, "converged");
	MaasJsonBool(json, st->converged);
	if (st->method == METHOD_EXACT)
	{
		MaasJsonKey(json, "n_support");
		MaasJsonBeginObject(json);
		for (int c = 0; c < st->k; c++)
		{
			MaasJsonKey(json, model->target.labels[c]);
			MaasJsonInt(json, st->sv_count[c]);
		}
		MaasJsonEndObject(json);
		MaasJsonKey(json, "intercepts");
		MaasJsonNumberArray(json, st->offset, st->n_dec);
	}
	else
	{
		MaasJsonKey(json, "n_components");
		MaasJsonInt(json, st->n_sv);
	}
	MaasJsonKey(json, "probabilities");
	MaasJsonString(json, st->k == 2 ?
				   "uncalibrated: logistic function of the decision value" :
				   (st->method == METHOD_EXACT ?
					"uncalibrated: softmax of SVC's one-vs-rest decision values (votes and confidences)" :
					"uncalibrated: softmax of the one-vs-rest decision values"));
	MaasJsonKey(json, "standardization");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "mean");
	MaasJsonNumberArray(json, st->mean, st->p);
	MaasJsonKey(json, "scale");
	MaasJsonNumberArray(json, st->scale, st->p);
	MaasJsonEndObject(json);
}

const MaasAlgorithm maas_svm = {
	.name = "svm",
	.id = 11,
	.tasks = MAAS_TASKS_CLASSIFY,
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = kernel_params,
	.options_size = sizeof(KernelOptions),
	.fit = KernelFit,
	.fit_comoment = NULL,
	.predict = KernelPredict,
	.serialize = KernelSerialize,
	.deserialize = KernelDeserialize,
	.describe = KernelDescribe,
	.explain = NULL,
	.predict_matrix = KernelPredictMatrix,
};
