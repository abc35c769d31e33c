/*
 * linalg.c
 *	  Thin wrappers over BLAS and LAPACK: comoment accumulation in blocks
 *	  and symmetric solves.
 *
 * Comoments (count, means, centered cross products of [X y]) are merged
 * block by block with the pairwise update of Chan, Golub and LeVeque
 * (http://i.stanford.edu/pub/cstr/reports/cs/tr/79/773/CS-TR-79-773.pdf):
 * each block is centered on its own mean before the syrk, so large offsets
 * (years, timestamps) do not cancel away the variance.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>

#include "miscadmin.h"

#include "core/blas.h"
#include "core/core.h"

MaasBlas	maas_blas;
int			maas_blas_threads = 1;

static void *
Symbol(void *lib, const char *name)
{
	void	   *p = dlsym(lib, name);

	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not find %s in OpenBLAS or LAPACKE", name),
				 errhint("Install Debian's libopenblas0 and liblapacke.")));
	return p;
}

/*
 * Load OpenBLAS and LAPACKE with every signal blocked, so the threads
 * OpenBLAS starts never run PostgreSQL's signal handlers.  Once per process.
 */
void
MaasLoadBlas(void)
{
	sigset_t	all;
	sigset_t	saved;
	void	   *blas;
	void	   *lapacke;

	if (maas_blas.dgemv != NULL)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	blas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
	lapacke = blas ? dlopen("liblapacke.so.3", RTLD_NOW | RTLD_LOCAL) : NULL;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (blas == NULL || lapacke == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("could not load OpenBLAS and LAPACKE: %s", dlerror()),
				 errhint("Install Debian's libopenblas0 and liblapacke.")));
	maas_blas.set_num_threads = Symbol(blas, "openblas_set_num_threads");
	maas_blas.dgemm = Symbol(blas, "cblas_dgemm");
	maas_blas.sgemm = Symbol(blas, "cblas_sgemm");
	maas_blas.dsyrk = Symbol(blas, "cblas_dsyrk");
	maas_blas.dsyr = Symbol(blas, "cblas_dsyr");
	maas_blas.dpotrf = Symbol(lapacke, "LAPACKE_dpotrf");
	maas_blas.dpotrs = Symbol(lapacke, "LAPACKE_dpotrs");
	maas_blas.dpocon = Symbol(lapacke, "LAPACKE_dpocon");
	maas_blas.dsyevd = Symbol(lapacke, "LAPACKE_dsyevd");
	maas_blas.dgemv = Symbol(blas, "cblas_dgemv");	/* last: marks loaded */
}

/* Threads OpenBLAS may use; any it starts now inherit a full signal mask */
void
MaasSetBlasThreads(int n)
{
	sigset_t	all;
	sigset_t	saved;

	if (maas_blas.set_num_threads == NULL)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	maas_blas.set_num_threads(n);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

void
MaasComomentInit(MaasComoment *cm, int q)
{
	cm->q = q;
	cm->n = 0;
	cm->mean = palloc0(sizeof(double) * q);
	cm->c = palloc0(sizeof(double) * q * q);
}

/*
 * Merge a block already reduced to (n, mean, centered cross products) into
 * cm.  c may be NULL when the caller has added the block's cross products to
 * cm->c itself.
 */
void
MaasComomentMerge(MaasComoment *into, double n, const double *mean, const double *c)
{
	int			q = into->q;
	double		total = into->n + n;
	double	   *delta;

	if (n <= 0)
		return;
	delta = palloc(sizeof(double) * q);
	for (int j = 0; j < q; j++)
		delta[j] = mean[j] - into->mean[j];
	if (c != NULL)
		for (int k = 0; k < q * q; k++)
			into->c[k] += c[k];
	if (into->n > 0)
		cblas_dsyr(CblasColMajor, CblasLower, q, into->n * n / total, delta, 1, into->c, q);
	for (int j = 0; j < q; j++)
		into->mean[j] += delta[j] * (n / total);
	into->n = total;
	pfree(delta);
}

/*
 * Add n rows stored row-major (n x q, contiguous).  scratch holds n x q
 * doubles; it receives the centered block.
 */
void
MaasComomentAddRows(MaasComoment *cm, const double *rows, int n, double *scratch)
{
	int			q = cm->q;
	double	   *shift;
	double	   *sum;

	if (n <= 0)
		return;

	/*
	 * One pass: shift by the running mean (the first row for the first
	 * block), which is close to the block's own mean, then correct the
	 * shifted cross products to the block mean: D'D - s s'/n.
	 */
	shift = palloc(sizeof(double) * q);
	sum = palloc0(sizeof(double) * q);
	memcpy(shift, cm->n > 0 ? cm->mean : rows, sizeof(double) * q);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < q; j++)
		{
			double		d = rows[(int64) i * q + j] - shift[j];

			scratch[(int64) i * q + j] = d;
			sum[j] += d;
		}
	/* row-major n x q is column-major q x n: C += D D' */
	cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, q, n, 1.0, scratch, q, 1.0, cm->c, q);
	cblas_dsyr(CblasColMajor, CblasLower, q, -1.0 / n, sum, 1, cm->c, q);
	for (int j = 0; j < q; j++)
		shift[j] += sum[j] / n;		/* now the block mean */
	MaasComomentMerge(cm, n, shift, NULL);
	pfree(shift);
	pfree(sum);
}

#define COMOMENT_BLOCK 4096

/* Add rows [from, to) of a column-major matrix, all of its columns */
void
MaasComomentAddColumnMajor(MaasComoment *cm, const MaasMatrix *m, int64 from, int64 to)
{
	int			q = cm->q;
	double	   *scratch = palloc(sizeof(double) * COMOMENT_BLOCK * q);
	double	   *mean = palloc(sizeof(double) * q);

	Assert(q == m->n_cols);
	for (int64 start = from; start < to; start += COMOMENT_BLOCK)
	{
		int			n = (int) Min(COMOMENT_BLOCK, to - start);

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < q; j++)
		{
			const double *src = MaasMatrixColumn(m, j) + start;
			double	   *dst = scratch + (int64) j * n;
			double		s = 0;

			for (int i = 0; i < n; i++)
				s += src[i];
			mean[j] = s / n;
			for (int i = 0; i < n; i++)
				dst[i] = src[i] - mean[j];
		}
		/* scratch is column-major n x q: C += A' A */
		cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, q, n, 1.0, scratch, n, 1.0, cm->c, q);
		MaasComomentMerge(cm, n, mean, NULL);
	}
	pfree(scratch);
	pfree(mean);
}

static void
MirrorLower(double *a, int p)
{
	for (int j = 0; j < p; j++)
		for (int i = j + 1; i < p; i++)
			a[(int64) i * p + j] = a[(int64) j * p + i];
}

/* Minimum-norm solution through the eigendecomposition; returns the rank */
static int
SolvePseudoInverse(const double *a_in, int p, double *b)
{
	double	   *a = palloc(sizeof(double) * p * p);
	double	   *w = palloc(sizeof(double) * p);
	double	   *t = palloc0(sizeof(double) * p);
	double		cutoff;
	int			rank = 0;
	lapack_int	info;

	memcpy(a, a_in, sizeof(double) * p * p);
	info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', p, a, p, w);
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("least squares failed: eigendecomposition did not converge (LAPACK dsyevd info %d)",
						(int) info),
				 errhint("The data may hold values too large to square; scale the features.")));
	cutoff = Max(w[p - 1], 0.0) * p * DBL_EPSILON * 10;
	/* x = V diag(1/w) V' b over the eigenvalues above the cutoff */
	cblas_dgemv(CblasColMajor, CblasTrans, p, p, 1.0, a, p, b, 1, 0.0, t, 1);
	for (int k = 0; k < p; k++)
	{
		if (w[k] > cutoff)
		{
			t[k] /= w[k];
			rank++;
		}
		else
			t[k] = 0;
	}
	cblas_dgemv(CblasColMajor, CblasNoTrans, p, p, 1.0, a, p, t, 1, 0.0, b, 1);
	pfree(a);
	pfree(w);
	pfree(t);
	return rank;
}

/*
 * Solve (A + ridge I) x = b for symmetric positive semidefinite A (p x p,
 * column-major, lower triangle used).  b is overwritten with x.  A is not
 * modified.  Returns the rank used.
 *
 * Without ridge, Cholesky runs on A scaled to unit diagonal, so the
 * condition estimate measures collinearity rather than units; a singular
 * or nearly singular A falls back to the minimum-norm least-squares
 * solution in those scaled units.  Fitted values equal scikit-learn's (its
 * gelsd solution is minimum-norm in the original units, so coefficients of
 * exactly collinear columns may be split differently).
 */
int
MaasSolveSymmetric(double *a_in, int p, double *b, double ridge)
{
	double	   *a = palloc(sizeof(double) * p * p);
	double	   *scale = palloc(sizeof(double) * p);
	double	   *x = palloc(sizeof(double) * p);
	double		anorm = 0;
	double		rcond = 0;
	lapack_int	info;
	int			rank = p;
	bool		scaled = ridge <= 0;

	memcpy(a, a_in, sizeof(double) * p * p);
	MirrorLower(a, p);
	for (int j = 0; j < p; j++)
	{
		double		d = a[(int64) j * p + j];

		scale[j] = (scaled && d > 0) ? 1.0 / sqrt(d) : 1.0;
		if (!scaled)
			a[(int64) j * p + j] += ridge;
	}
	for (int j = 0; j < p; j++)
	{
		double		colsum = 0;

		for (int i = 0; i < p; i++)
		{
			a[(int64) j * p + i] *= scale[i] * scale[j];
			colsum += fabs(a[(int64) j * p + i]);
		}
		anorm = Max(anorm, colsum);
		x[j] = b[j] * scale[j];
	}

	info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', p, a, p);
	if (info == 0)
		info = LAPACKE_dpocon(LAPACK_COL_MAJOR, 'L', p, a, p, anorm, &rcond);
	if (info == 0 && (!scaled || rcond > 1e-12))
	{
		info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', p, 1, a, p, x, p);
		if (info != 0)
			elog(ERROR, "Cholesky solve failed (LAPACK dpotrs info %d)", (int) info);
		for (int j = 0; j < p; j++)
			b[j] = x[j] * scale[j];
	}
	else if (!scaled)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ridge system is not positive definite (LAPACK dpotrf info %d)",
						(int) info),
				 errhint("The cross products are not those of real data: a maas_fit state may be corrupted, or values too large to square.")));
	else
	{
		/* scaled as above, so the cutoff is not set by the widest column */
		double	   *full = palloc(sizeof(double) * p * p);

		memcpy(full, a_in, sizeof(double) * p * p);
		MirrorLower(full, p);
		for (int j = 0; j < p; j++)
			for (int i = 0; i < p; i++)
				full[(int64) j * p + i] *= scale[i] * scale[j];
		rank = SolvePseudoInverse(full, p, x);
		for (int j = 0; j < p; j++)
			b[j] = x[j] * scale[j];
		pfree(full);
	}
	pfree(a);
	pfree(scale);
	pfree(x);
	return rank;
}

/*
 * A linear model's explanation: feature j contributes coef_j (x_j - mean_j),
 * the base is the prediction at the training means
 */
void
MaasLinearExplain(double intercept, const double *coef, const double *mean, int p,
				  const double *x, double *contrib, double *base)
{
	*base = intercept;
	for (int j = 0; j < p; j++)
	{
		*base += coef[j] * mean[j];
		contrib[j] = coef[j] * (x[j] - mean[j]);
	}
}

/* Population mean and standard deviation per feature; 1 for a constant one */
void
MaasStandardize(const MaasTrainData *data, double *mean, double *scale)
{
	int64		n = data->m.n_rows;

	for (int j = 0; j < data->n_features; j++)
	{
		const double *x = MaasMatrixColumn(&data->m, j);
		double		s = 0;
		double		ss = 0;

		for (int64 i = 0; i < n; i++)
			s += x[i];
		mean[j] = s / n;
		for (int64 i = 0; i < n; i++)
			ss += (x[i] - mean[j]) * (x[i] - mean[j]);
		scale[j] = sqrt(ss / n);
		if (!isfinite(mean[j]) || !isfinite(scale[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("feature \"%s\" has values too large to standardize",
							MaasFeatureName(data->prep, j)),
					 errhint("Scale the feature, e.g. to thousands instead of units.")));
		if (scale[j] < 10 * DBL_EPSILON * Max(fabs(mean[j]), 1.0))
			scale[j] = 1.0;
	}
}
