/*
 * smo.c
 *	  LIBSVM's SMO for a binary C-SVC with an RBF kernel:
 *
 *	  min_a a'Qa/2 - e'a,  0 <= a_i <= C_i,  y'a = 0,  Q_ij = y_i y_j K(x_i, x_j)
 *
 * Each step picks a pair by second-order working set selection (Fan, Chen
 * and Lin, JMLR 2005: the maximal violating i, then the j that decreases
 * the objective most), solves it analytically and updates the gradient;
 * it stops when the largest KKT violation m(a) - M(a) is below eps, as
 * LIBSVM (and scikit-learn's SVC) with tol = eps.  Kernel columns are kept
 * in a least-recently-used cache (single precision, as LIBSVM's Qfloat) of
 * the size the caller grants from maas.max_memory.  The optimization is
 * LIBSVM's without shrinking, which changes the path, not the optimum.
 * https://www.csie.ntu.edu.tw/~cjlin/libsvm/
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/blas.h"
#include "svm.h"

#define TAU		1e-12

typedef struct KernelCache
{
	const double *x;			/* l x p row-major */
	int			l;
	int			p;
	double		gamma;
	const double *y;
	double	   *sq;				/* l: squared norms */
	double	   *dot;			/* l: scratch */
	int			n_slots;
	int			used;
	float	   *slots;			/* n_slots x l */
	int		   *slot_of;		/* l: the column's slot, -1 */
	int		   *col_of;			/* n_slots */
	int64	   *stamp;			/* n_slots: last use */
	int64		clock;
} KernelCache;

static void
CacheInit(KernelCache *kc, const double *x, int l, int p, double gamma,
		  const double *y, Size cache_bytes)
{
	Size		column = sizeof(float) * (Size) l;

	kc->x = x;
	kc->l = l;
	kc->p = p;
	kc->gamma = gamma;
	kc->y = y;
	kc->sq = palloc(sizeof(double) * l);
	kc->dot = palloc(sizeof(double) * l);
	for (int i = 0; i < l; i++)
	{
		double		s = 0;

		for (int j = 0; j < p; j++)
			s += x[(int64) i * p + j] * x[(int64) i * p + j];
		kc->sq[i] = s;
	}
	/* two columns at least: a step reads two at once */
	kc->n_slots = (int) Min((Size) l, Max(cache_bytes / column, (Size) 2));
	MaasCheckMemory(mul_size(column, kc->n_slots), "the kernel cache of svm");
	kc->slots = MemoryContextAllocHuge(CurrentMemoryContext, column * kc->n_slots);
	kc->slot_of = palloc(sizeof(int) * l);
	kc->col_of = palloc(sizeof(int) * kc->n_slots);
	kc->stamp = palloc0(sizeof(int64) * kc->n_slots);
	for (int i = 0; i < l; i++)
		kc->slot_of[i] = -1;
	kc->used = 0;
	kc->clock = 0;
}

/* Column i of Q, from the cache or computed into the least recently used slot */
static const float *
CacheColumn(KernelCache *kc, int i)
{
	int			s = kc->slot_of[i];
	float	   *q;
	const double *xi;
	double		yi;

	if (s >= 0)
	{
		kc->stamp[s] = ++kc->clock;
		return kc->slots + (int64) s * kc->l;
	}
	if (kc->used < kc->n_slots)
		s = kc->used++;
	else
	{
		s = 0;
		for (int t = 1; t < kc->n_slots; t++)
			if (kc->stamp[t] < kc->stamp[s])
				s = t;
		kc->slot_of[kc->col_of[s]] = -1;
	}
	kc->slot_of[i] = s;
	kc->col_of[s] = i;
	kc->stamp[s] = ++kc->clock;
	q = kc->slots + (int64) s * kc->l;
	xi = kc->x + (int64) i * kc->p;
	yi = kc->y[i];
	if (kc->p > 0)
		cblas_dgemv(CblasRowMajor, CblasNoTrans, kc->l, kc->p, 1.0, kc->x, kc->p,
					xi, 1, 0.0, kc->dot, 1);
	else
		memset(kc->dot, 0, sizeof(double) * kc->l);
	for (int k = 0; k < kc->l; k++)
	{
		double		d2 = Max(kc->sq[i] + kc->sq[k] - 2 * kc->dot[k], 0.0);

		q[k] = (float) (yi * kc->y[k] * exp(-kc->gamma * d2));
	}
	return q;
}

static inline bool
AtUpper(double a, double C)
{
	return a >= C;
}

static inline bool
AtLower(double a)
{
	return a <= 0;
}

/* LIBSVM's WSS 2: returns false when the KKT gap is below eps */
static bool
SelectPair(KernelCache *kc, const double *G, const double *alpha, const double *C,
		   double eps, int *out_i, int *out_j)
{
	const double *y = kc->y;
	int			l = kc->l;
	double		Gmax = -HUGE_VAL;
	double		Gmax2 = -HUGE_VAL;
	double		obj_min = HUGE_VAL;
	int			i = -1;
	int			j = -1;
	const float *Qi;

	for (int t = 0; t < l; t++)
	{
		if (y[t] > 0)
		{
			if (!AtUpper(alpha[t], C[t]) && -G[t] >= Gmax)
			{
				Gmax = -G[t];
				i = t;
			}
		}
		else if (!AtLower(alpha[t]) && G[t] >= Gmax)
		{
			Gmax = G[t];
			i = t;
		}
	}
	if (i < 0)
		return false;
	Qi = CacheColumn(kc, i);
	for (int t = 0; t < l; t++)
	{
		double		grad_diff;
		double		quad;

		if (y[t] > 0)
		{
			if (AtLower(alpha[t]))
				continue;
			grad_diff = Gmax + G[t];
			Gmax2 = Max(Gmax2, G[t]);
			quad = 2.0 - 2.0 * y[i] * Qi[t];	/* Q_ii + Q_tt = 2 for RBF */
		}
		else
		{
			if (AtUpper(alpha[t], C[t]))
				continue;
			grad_diff = Gmax - G[t];
			Gmax2 = Max(Gmax2, -G[t]);
			quad = 2.0 + 2.0 * y[i] * Qi[t];
		}
		if (grad_diff > 0)
		{
			double		obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : TAU);

			if (obj <= obj_min)
			{
				j = t;
				obj_min = obj;
			}
		}
	}
	if (Gmax + Gmax2 < eps || j < 0)
		return false;
	*out_i = i;
	*out_j = j;
	return true;
}

/* The analytic solution of the pair (i, j), clipped to the box */
static void
SolvePair(const double *y, double *alpha, const double *C, const double *G,
		  double Qij, int i, int j)
{
	double		Ci = C[i];
	double		Cj = C[j];

	if (y[i] != y[j])
	{
		double		quad = 2.0 + 2.0 * Qij;
		double		delta = (-G[i] - G[j]) / (quad > 0 ? quad : TAU);
		double		diff = alpha[i] - alpha[j];

		alpha[i] += delta;
		alpha[j] += delta;
		if (diff > 0)
		{
			if (alpha[j] < 0)
			{
				alpha[j] = 0;
				alpha[i] = diff;
			}
		}
		else if (alpha[i] < 0)
		{
			alpha[i] = 0;
			alpha[j] = -diff;
		}
		if (diff > Ci - Cj)
		{
			if (alpha[i] > Ci)
			{
				alpha[i] = Ci;
				alpha[j] = Ci - diff;
			}
		}
		else if (alpha[j] > Cj)
		{
			alpha[j] = Cj;
			alpha[i] = Cj + diff;
		}
	}
	else
	{
		double		quad = 2.0 - 2.0 * Qij;
		double		delta = (G[i] - G[j]) / (quad > 0 ? quad : TAU);
		double		sum = alpha[i] + alpha[j];

		alpha[i] -= delta;
		alpha[j] += delta;
		if (sum > Ci)
		{
			if (alpha[i] > Ci)
			{
				alpha[i] = Ci;
				alpha[j] = sum - Ci;
			}
		}
		else if (alpha[j] < 0)
		{
			alpha[j] = 0;
			alpha[i] = sum;
		}
		if (sum > Cj)
		{
			if (alpha[j] > Cj)
			{
				alpha[j] = Cj;
				alpha[i] = sum - Cj;
			}
		}
		else if (alpha[i] < 0)
		{
			alpha[i] = 0;
			alpha[j] = sum;
		}
	}
}

/* LIBSVM's rho: the mean of y_i G_i over free variables, else the midpoint */
static double
Rho(const double *y, const double *alpha, const double *C, const double *G, int l)
{
	double		ub = HUGE_VAL;
	double		lb = -HUGE_VAL;
	double		sum_free = 0;
	int			nr_free = 0;

	for (int i = 0; i < l; i++)
	{
		double		yG = y[i] * G[i];

		if (AtUpper(alpha[i], C[i]))
		{
			if (y[i] < 0)
				ub = Min(ub, yG);
			else
				lb = Max(lb, yG);
		}
		else if (AtLower(alpha[i]))
		{
			if (y[i] > 0)
				ub = Min(ub, yG);
			else
				lb = Max(lb, yG);
		}
		else
		{
			nr_free++;
			sum_free += yG;
		}
	}
	return nr_free > 0 ? sum_free / nr_free : (ub + lb) / 2;
}

/*
 * x: l x p standardized rows, y: +1 / -1; max_iter < 0 means LIBSVM's
 * own limit, max(10^7, 100 l)
 */
SvmSmoResult
SvmSmo(const double *x, int l, int p, const double *y, double gamma,
	   double Cp, double Cn, double eps, int64 max_iter, Size cache_bytes,
	   MaasProgress *progress)
{
	KernelCache kc;
	double	   *alpha = palloc0(sizeof(double) * l);
	double	   *G = palloc(sizeof(double) * l);
	double	   *C = palloc(sizeof(double) * l);
	SvmSmoResult res = {NULL, 0, 0, false};
	int64		limit = max_iter >= 0 ? max_iter : Max((int64) 10000000, (int64) 100 * l);
	int64		iter = 0;

	CacheInit(&kc, x, l, p, gamma, y, cache_bytes);
	for (int i = 0; i < l; i++)
	{
		G[i] = -1;
		C[i] = y[i] > 0 ? Cp : Cn;
	}
	while (iter < limit)
	{
		int			i,
					j;
		const float *Qi;
		const float *Qj;
		double		old_i,
					old_j,
					di,
					dj;

		/*
		 * a step can compute two kernel columns, O(rows x features) each:
		 * let a cancel through every 32
		 */
		if ((iter & 31) == 0)
		{
			CHECK_FOR_INTERRUPTS();
			if (MaasProgressDue(progress))
				ereport(NOTICE,
						(errmsg("%s: %lld SMO steps on %d rows", progress->what,
								(long long) iter, l)));
		}
		if (!SelectPair(&kc, G, alpha, C, eps, &i, &j))
		{
			res.converged = true;
			break;
		}
		iter++;
		Qi = CacheColumn(&kc, i);
		Qj = CacheColumn(&kc, j);
		old_i = alpha[i];
		old_j = alpha[j];
		SolvePair(y, alpha, C, G, Qi[j], i, j);
		di = alpha[i] - old_i;
		dj = alpha[j] - old_j;
		for (int k = 0; k < l; k++)
			G[k] += Qi[k] * di + Qj[k] * dj;
	}
	res.iterations = (int) Min(iter, (int64) PG_INT32_MAX);
	res.rho = Rho(y, alpha, C, G, l);
	for (int i = 0; i < l; i++)
		alpha[i] *= y[i];
	res.alpha = alpha;
	pfree(G);
	pfree(C);
	pfree(kc.slots);
	pfree(kc.sq);
	pfree(kc.dot);
	pfree(kc.slot_of);
	pfree(kc.col_of);
	pfree(kc.stamp);
	return res;
}
