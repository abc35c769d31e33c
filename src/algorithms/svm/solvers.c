/*
 * solvers.c
 *	  LIBLINEAR's coordinate descent solvers, on dense rows:
 *
 *	  SvmDualSvc	 L2-regularized hinge or squared hinge, dual CD
 *					 (Hsieh et al., ICML 2008; LIBLINEAR solve_l2r_l1l2_svc)
 *	  SvmDualSvr	 L2-regularized epsilon-insensitive (L1 or L2) regression,
 *					 dual CD (Ho and Lin, JMLR 2012; solve_l2r_l1l2_svr)
 *	  SvmPrimalL1Svc L1-regularized squared hinge, primal CD with a Newton
 *					 direction and line search (Yuan et al., JMLR 2010;
 *					 solve_l1r_l2_svc)
 *
 * They follow LIBLINEAR step by step (random permutation of the active set
 * every pass, shrinking, the same stopping rules), so with the same tol they
 * stop where LinearSVC / LinearSVR stop, up to the permutation drawn: the
 * optimum is unique, the path to it is not.  The permutation comes from
 * the model's seed, so a seed gives the same model bytes.
 * https://www.csie.ntu.edu.tw/~cjlin/liblinear/
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "svm.h"

#define INF		HUGE_VAL

static inline double
RowDot(const SvmRows *d, int64 i, const double *w)
{
	const double *x = d->x + i * d->p;
	double		s = d->bias * w[d->p];

	for (int j = 0; j < d->p; j++)
		s += x[j] * w[j];
	return s;
}

static inline void
RowAxpy(const SvmRows *d, int64 i, double a, double *w)
{
	const double *x = d->x + i * d->p;

	for (int j = 0; j < d->p; j++)
		w[j] += a * x[j];
	w[d->p] += a * d->bias;
}

static inline double
RowNorm2(const SvmRows *d, int64 i)
{
	const double *x = d->x + i * d->p;
	double		s = d->bias * d->bias;

	for (int j = 0; j < d->p; j++)
		s += x[j] * x[j];
	return s;
}

/* LIBLINEAR's shuffle of the first n entries */
static void
Permute(int64 *index, int64 n, pg_prng_state *rng)
{
	for (int64 i = 0; i < n; i++)
	{
		int64		j = i + (int64) pg_prng_uint64_range(rng, 0, (uint64) (n - i - 1));
		int64		t = index[i];

		index[i] = index[j];
		index[j] = t;
	}
}

static int64 *
Identity(int64 n)
{
	int64	   *index = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);

	for (int64 i = 0; i < n; i++)
		index[i] = i;
	return index;
}

/* w'w / 2, the part of a dual objective that w carries (bias included) */
static double
HalfNorm2(const SvmRows *d, const double *w)
{
	double		s = 0;

	for (int j = 0; j <= d->p; j++)
		s += w[j] * w[j];
	return 0.5 * s;
}

/*
 * The dual objective a pass lowers, for the training curve: O(n + p)
 * beside a pass's O(n p).  SVC: w'w/2 + sum_i (D_i a_i^2 / 2 - a_i).
 */
static double
SvcDualObjective(const SvmRows *d, const double *w, const double *alpha,
				 const double *y, double diag_p, double diag_n)
{
	double		f = HalfNorm2(d, w);

	for (int64 i = 0; i < d->n; i++)
		f += 0.5 * (y[i] > 0 ? diag_p : diag_n) * alpha[i] * alpha[i] - alpha[i];
	return f;
}

/* SVR: w'w/2 + sum_i (lambda b_i^2 / 2 + epsilon |b_i| - y_i b_i) */
static double
SvrDualObjective(const SvmRows *d, const double *w, const double *beta,
				 const double *y, double lambda, double epsilon)
{
	double		f = HalfNorm2(d, w);

	for (int64 i = 0; i < d->n; i++)
		f += 0.5 * lambda * beta[i] * beta[i] + epsilon * fabs(beta[i]) - y[i] * beta[i];
	return f;
}

/*
 * min_w w'w/2 + sum_i C_i xi(w; x_i, y_i), xi = max(0, 1 - y w'x) (hinge)
 * or its square, y in {-1, +1}, by coordinate descent on the dual:
 * stop when the projected gradient spans at most eps.
 */
SvmSolveResult
SvmDualSvc(const SvmRows *d, const double *y, double Cp, double Cn, bool squared,
		   double eps, int max_iter, uint64 seed, double *w, MaasProgress *progress)
{
	int64		l = d->n;
	double	   *alpha = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l);
	double	   *QD = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l);
	int64	   *index = Identity(l);
	int64		active = l;
	double		diag_p = squared ? 0.5 / Cp : 0;
	double		diag_n = squared ? 0.5 / Cn : 0;
	double		ub_p = squared ? INF : Cp;
	double		ub_n = squared ? INF : Cn;
	double		PGmax_old = INF;
	double		PGmin_old = -INF;
	pg_prng_state rng;
	SvmSolveResult res = {0, false};

	pg_prng_seed(&rng, seed);
	memset(w, 0, sizeof(double) * (d->p + 1));
	for (int64 i = 0; i < l; i++)
	{
		alpha[i] = 0;
		QD[i] = (y[i] > 0 ? diag_p : diag_n) + RowNorm2(d, i);
	}

	while (res.iterations < max_iter)
	{
		double		PGmax_new = -INF;
		double		PGmin_new = INF;

		/* a pass over the active rows: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		Permute(index, active, &rng);
		for (int64 s = 0; s < active; s++)
		{
			int64		i = index[s];
			double		yi = y[i];
			double		C = yi > 0 ? ub_p : ub_n;
			double		G = yi * RowDot(d, i, w) - 1 + alpha[i] * (yi > 0 ? diag_p : diag_n);
			double		PG = 0;

			if (alpha[i] == 0)
			{
				if (G > PGmax_old)
				{
					active--;
					index[s] = index[active];
					index[active] = i;
					s--;
					continue;
				}
				else if (G < 0)
					PG = G;
			}
			else if (alpha[i] == C)
			{
				if (G < PGmin_old)
				{
					active--;
					index[s] = index[active];
					index[active] = i;
					s--;
					continue;
				}
				else if (G > 0)
					PG = G;
			}
			else
				PG = G;
			PGmax_new = Max(PGmax_new, PG);
			PGmin_new = Min(PGmin_new, PG);
			if (fabs(PG) > 1.0e-12 && QD[i] > 0)
			{
				double		old = alpha[i];

				alpha[i] = Min(Max(alpha[i] - G / QD[i], 0.0), C);
				RowAxpy(d, i, (alpha[i] - old) * yi, w);
			}
		}
		res.iterations++;
		if (MaasProgressWantsCurve(progress))
			MaasProgressStep(progress, res.iterations, max_iter,
							 SvcDualObjective(d, w, alpha, y, diag_p, diag_n));
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: pass %d, projected gradient gap %.3g (tol %g)",
							progress->what, res.iterations, PGmax_new - PGmin_new, eps)));
		if (PGmax_new - PGmin_new <= eps)
		{
			if (active == l)
			{
				res.converged = true;
				break;
			}
			/* converged on the active set: check every row again */
			active = l;
			PGmax_old = INF;
			PGmin_old = -INF;
			continue;
		}
		PGmax_old = PGmax_new <= 0 ? INF : PGmax_new;
		PGmin_old = PGmin_new >= 0 ? -INF : PGmin_new;
	}
	pfree(alpha);
	pfree(QD);
	pfree(index);
	return res;
}

/*
 * min_w w'w/2 + C sum_i max(0, |y_i - w'x_i| - epsilon) (or its square),
 * by coordinate descent on the dual variables beta_i in [-U, U]: stop when
 * the sum of violations falls to eps times the first pass's.
 */
SvmSolveResult
SvmDualSvr(const SvmRows *d, const double *y, double C, double epsilon, bool squared,
		   double eps, int max_iter, uint64 seed, double *w, MaasProgress *progress)
{
	int64		l = d->n;
	double	   *beta = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l);
	double	   *QD = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l);
	int64	   *index = Identity(l);
	int64		active = l;
	double		lambda = squared ? 0.5 / C : 0;
	double		U = squared ? INF : C;
	double		Gmax_old = INF;
	double		Gnorm1_init = -1;
	pg_prng_state rng;
	SvmSolveResult res = {0, false};

	pg_prng_seed(&rng, seed);
	memset(w, 0, sizeof(double) * (d->p + 1));
	for (int64 i = 0; i < l; i++)
	{
		beta[i] = 0;
		QD[i] = RowNorm2(d, i);
	}

	while (res.iterations < max_iter)
	{
		double		Gmax_new = 0;
		double		Gnorm1_new = 0;

		/* a pass over the active rows: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		Permute(index, active, &rng);
		for (int64 s = 0; s < active; s++)
		{
			int64		i = index[s];
			double		G = -y[i] + lambda * beta[i] + RowDot(d, i, w);
			double		H = QD[i] + lambda;
			double		Gp = G + epsilon;
			double		Gn = G - epsilon;
			double		violation = 0;
			double		dir;
			double		old;
			bool		shrink = false;

			if (beta[i] == 0)
			{
				if (Gp < 0)
					violation = -Gp;
				else if (Gn > 0)
					violation = Gn;
				else if (Gp > Gmax_old && Gn < -Gmax_old)
					shrink = true;
			}
			else if (beta[i] >= U)
			{
				if (Gp > 0)
					violation = Gp;
				else if (Gp < -Gmax_old)
					shrink = true;
			}
			else if (beta[i] <= -U)
			{
				if (Gn < 0)
					violation = -Gn;
				else if (Gn > Gmax_old)
					shrink = true;
			}
			else if (beta[i] > 0)
				violation = fabs(Gp);
			else
				violation = fabs(Gn);
			if (shrink)
			{
				active--;
				index[s] = index[active];
				index[active] = i;
				s--;
				continue;
			}
			Gmax_new = Max(Gmax_new, violation);
			Gnorm1_new += violation;

			/* the Newton direction of the one-variable subproblem */
			if (H <= 0)
				continue;
			if (Gp < H * beta[i])
				dir = -Gp / H;
			else if (Gn > H * beta[i])
				dir = -Gn / H;
			else
				dir = -beta[i];
			if (fabs(dir) < 1.0e-12)
				continue;
			old = beta[i];
			beta[i] = Min(Max(beta[i] + dir, -U), U);
			if (beta[i] != old)
				RowAxpy(d, i, beta[i] - old, w);
		}
		if (res.iterations == 0)
			Gnorm1_init = Gnorm1_new;
		res.iterations++;
		if (MaasProgressWantsCurve(progress))
			MaasProgressStep(progress, res.iterations, max_iter,
							 SvrDualObjective(d, w, beta, y, lambda, epsilon));
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: pass %d, violations %.3g of the first pass's (tol %g)",
							progress->what, res.iterations,
							Gnorm1_init > 0 ? Gnorm1_new / Gnorm1_init : 0, eps)));
		if (Gnorm1_new <= eps * Gnorm1_init)
		{
			if (active == l)
			{
				res.converged = true;
				break;
			}
			active = l;
			Gmax_old = INF;
			continue;
		}
		Gmax_old = Gmax_new;
	}
	pfree(beta);
	pfree(QD);
	pfree(index);
	return res;
}

/* column j's value of row i (the bias column is j == p) */
static inline double
Xij(const SvmRows *d, int64 i, int j)
{
	return j == d->p ? d->bias : d->x[i * d->p + j];
}

#define MAX_LINESEARCH	20

/*
 * LIBLINEAR's line search along the Newton direction *dir of feature j
 * (sufficient decrease with sigma 0.01, halving the step), keeping the
 * margins b = 1 - y w'x up to date; returns the halvings
 */
static int
LineSearch(const SvmRows *d, const double *y, double Cp, double Cn, double *b,
		   double wj, int j, double G, double G_loss, double xj_sq, double *dir)
{
	const double sigma = 0.01;
	double		delta = fabs(wj + *dir) - fabs(wj) + G * *dir;
	double		d_old = 0;
	double		loss_old = 0;
	int			ls;

	for (ls = 0; ls < MAX_LINESEARCH; ls++)
	{
		double		d_diff = d_old - *dir;
		double		cond = fabs(wj + *dir) - fabs(wj) - sigma * delta;
		double		appxcond = xj_sq * *dir * *dir + G_loss * *dir + cond;
		double		loss_new = 0;

		if (appxcond <= 0)
		{
			for (int64 i = 0; i < d->n; i++)
				b[i] += d_diff * Xij(d, i, j) * y[i];
			break;
		}
		for (int64 i = 0; i < d->n; i++)
		{
			double		ci = y[i] > 0 ? Cp : Cn;
			double		b_new;

			if (ls == 0 && b[i] > 0)
				loss_old += ci * b[i] * b[i];
			b_new = b[i] + d_diff * Xij(d, i, j) * y[i];
			b[i] = b_new;
			if (b_new > 0)
				loss_new += ci * b_new * b_new;
		}
		cond = cond + loss_new - loss_old;
		if (cond <= 0)
			break;
		d_old = *dir;
		*dir *= 0.5;
		delta *= 0.5;
	}
	return ls;
}

/*
 * min_w ||w||_1 + sum_i C_i max(0, 1 - y_i w'x_i)^2 by coordinate descent
 * over the features (and the bias feature, penalized too as in LIBLINEAR):
 * stop when the sum of violations falls to eps times the first pass's.
 */
SvmSolveResult
SvmPrimalL1Svc(const SvmRows *d, const double *y, double Cp, double Cn,
			   double eps, int max_iter, uint64 seed, double *w, MaasProgress *progress)
{
	int64		l = d->n;
	int			n_w = d->bias > 0 ? d->p + 1 : d->p;
	double	   *b = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * l);
	double	   *xj_sq = palloc0(sizeof(double) * (d->p + 1));
	int64	   *index = Identity(n_w);
	int64		active = n_w;
	double		Gmax_old = INF;
	double		Gnorm1_init = -1;
	pg_prng_state rng;
	SvmSolveResult res = {0, false};

	pg_prng_seed(&rng, seed);
	memset(w, 0, sizeof(double) * (d->p + 1));
	for (int64 i = 0; i < l; i++)
		b[i] = 1;
	for (int j = 0; j < n_w; j++)
		for (int64 i = 0; i < l; i++)
		{
			double		v = Xij(d, i, j);

			xj_sq[j] += (y[i] > 0 ? Cp : Cn) * v * v;
		}

	while (res.iterations < max_iter)
	{
		double		Gmax_new = 0;
		double		Gnorm1_new = 0;

		/* a pass over the active features: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		Permute(index, active, &rng);
		for (int64 s = 0; s < active; s++)
		{
			int			j = (int) index[s];
			double		G_loss = 0;
			double		H = 0;
			double		G,
						Gp,
						Gn,
						dir;
			double		violation = 0;
			int			ls;

			for (int64 i = 0; i < l; i++)
				if (b[i] > 0)
				{
					double		val = Xij(d, i, j) * y[i];
					double		tmp = (y[i] > 0 ? Cp : Cn) * val;

					G_loss -= tmp * b[i];
					H += tmp * val;
				}
			G_loss *= 2;
			G = G_loss;
			H = Max(H * 2, 1.0e-12);
			Gp = G + 1;
			Gn = G - 1;
			if (w[j] == 0)
			{
				if (Gp < 0)
					violation = -Gp;
				else if (Gn > 0)
					violation = Gn;
				else if (Gp > Gmax_old / l && Gn < -Gmax_old / l)
				{
					active--;
					index[s] = index[active];
					index[active] = j;
					s--;
					continue;
				}
			}
			else if (w[j] > 0)
				violation = fabs(Gp);
			else
				violation = fabs(Gn);
			Gmax_new = Max(Gmax_new, violation);
			Gnorm1_new += violation;

			if (Gp < H * w[j])
				dir = -Gp / H;
			else if (Gn > H * w[j])
				dir = -Gn / H;
			else
				dir = -w[j];
			if (fabs(dir) < 1.0e-12)
				continue;
			ls = LineSearch(d, y, Cp, Cn, b, w[j], j, G, G_loss, xj_sq[j], &dir);
			w[j] += dir;
			/* the line search failed: recompute the margins from scratch */
			if (ls >= MAX_LINESEARCH)
			{
				for (int64 i = 0; i < l; i++)
				{
					b[i] = 1;
					for (int k = 0; k < n_w; k++)
						if (w[k] != 0)
							b[i] -= w[k] * Xij(d, i, k) * y[i];
				}
			}
		}
		if (res.iterations == 0)
			Gnorm1_init = Gnorm1_new;
		res.iterations++;
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: pass %d, violations %.3g of the first pass's (tol %g)",
							progress->what, res.iterations,
							Gnorm1_init > 0 ? Gnorm1_new / Gnorm1_init : 0, eps)));
		if (Gnorm1_new <= eps * Gnorm1_init)
		{
			if (active == n_w)
			{
				res.converged = true;
				break;
			}
			active = n_w;
			Gmax_old = INF;
			continue;
		}
		Gmax_old = Gmax_new;
	}
	pfree(b);
	pfree(xj_sq);
	pfree(index);
	return res;
}
