/*
 * lbfgs.c
 *	  Limited-memory BFGS, with the orthant-wise extension (OWL-QN) for an
 *	  L1 penalty.
 *
 * Nocedal & Wright, Numerical Optimization, algorithm 7.4 (two-loop
 * recursion); Andrew & Gao, "Scalable training of L1-regularized log-linear
 * models", ICML 2007 (https://dl.acm.org/doi/10.1145/1273496.1273501) for
 * the pseudo-gradient, the orthant projection and the projected line search.
 * The objective is convex in every use here, so a backtracking Armijo line
 * search keeps the curvature pairs positive.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"

#include "core/core.h"

#define HISTORY		10
#define ARMIJO		1e-4
#define MAX_BACKTRACKS	60

static double
Dot(const double *a, const double *b, int n)
{
	double		s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double
L1Term(const double *w, int n, double l1, const bool *mask)
{
	double		s = 0;

	if (l1 <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (mask[i])
			s += fabs(w[i]);
	return l1 * s;
}

/* The gradient of f + l1|w| where it exists, its minimum-norm subgradient elsewhere */
static void
PseudoGradient(double *pg, const double *w, const double *g, int n, double l1, const bool *mask)
{
	for (int i = 0; i < n; i++)
	{
		if (l1 <= 0 || !mask[i])
			pg[i] = g[i];
		else if (w[i] > 0)
			pg[i] = g[i] + l1;
		else if (w[i] < 0)
			pg[i] = g[i] - l1;
		else if (g[i] + l1 < 0)
			pg[i] = g[i] + l1;
		else if (g[i] - l1 > 0)
			pg[i] = g[i] - l1;
		else
			pg[i] = 0;
	}
}

static double
MaxAbs(const double *v, int n)
{
	double		m = 0;

	for (int i = 0; i < n; i++)
		m = Max(m, fabs(v[i]));
	return m;
}

/* The curvature pairs of the last HISTORY steps */
typedef struct History
{
	int			n;
	double	   *s;				/* HISTORY x n: steps w' - w */
	double	   *y;				/* HISTORY x n: gradient changes g' - g */
	double		rho[HISTORY];
	double		alpha[HISTORY];
	int			stored;
	int			newest;
} History;

/*
 * The search direction -H pg by the two-loop recursion, keeping for OWL-QN
 * only components that descend along -pg; steepest descent when that is
 * not a descent direction.  Returns d . pg (negative).
 */
static double
Direction(History *h, const double *pg, double *d, double l1)
{
	int			n = h->n;
	double		dg;

	memcpy(d, pg, sizeof(double) * n);
	for (int k = 0; k < h->stored; k++)
	{
		int			j = (h->newest - k + HISTORY) % HISTORY;

		h->alpha[j] = h->rho[j] * Dot(h->s + j * n, d, n);
		for (int i = 0; i < n; i++)
			d[i] -= h->alpha[j] * h->y[j * n + i];
	}
	if (h->stored > 0)
	{
		double		gamma = Dot(h->s + h->newest * n, h->y + h->newest * n, n) /
			Dot(h->y + h->newest * n, h->y + h->newest * n, n);

		for (int i = 0; i < n; i++)
			d[i] *= gamma;
	}
	for (int k = h->stored - 1; k >= 0; k--)
	{
		int			j = (h->newest - k + HISTORY) % HISTORY;
		double		beta = h->rho[j] * Dot(h->y + j * n, d, n);

		for (int i = 0; i < n; i++)
			d[i] += h->s[j * n + i] * (h->alpha[j] - beta);
	}
	for (int i = 0; i < n; i++)
	{
		d[i] = -d[i];
		/* OWL-QN: keep only components that descend along -pg */
		if (l1 > 0 && d[i] * pg[i] >= 0)
			d[i] = 0;
	}
	dg = Dot(d, pg, n);
	if (dg >= 0)
	{
		/* not a descent direction: restart from steepest descent */
		h->stored = 0;
		for (int i = 0; i < n; i++)
			d[i] = -pg[i];
		dg = Dot(d, pg, n);
	}
	return dg;
}

/* What a line search works on */
typedef struct LineSearch
{
	MaasObjective f;
	void	   *arg;
	int			n;
	double		l1;
	const bool *l1_mask;
} LineSearch;

/*
 * Backtrack from the first step along d until the loss decreases enough;
 * the point, its gradient and loss go to wn, gn and *fn.  False when no
 * step is accepted.
 */
static bool
Backtrack(const LineSearch *ls, const double *w, const double *pg, const double *d,
		  double fx, double dg, double step, double *wn, double *gn, double *fn)
{
	int			n = ls->n;
	double		l1 = ls->l1;

	for (int bt = 0; bt < MAX_BACKTRACKS; bt++)
	{
		double		decrease;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			wn[i] = w[i] + step * d[i];
			/* OWL-QN: do not cross into another orthant */
			if (l1 > 0 && ls->l1_mask[i])
			{
				double		orthant = w[i] != 0 ? w[i] : -pg[i];

				if (wn[i] * orthant <= 0)
					wn[i] = 0;
			}
		}
		*fn = ls->f(ls->arg, wn, gn) + L1Term(wn, n, l1, ls->l1_mask);
		if (l1 > 0)
		{
			decrease = 0;
			for (int i = 0; i < n; i++)
				decrease += pg[i] * (wn[i] - w[i]);
		}
		else
			decrease = step * dg;

		/*
		 * Sufficient decrease; or a change within the loss's rounding, where
		 * halving the step cannot help (the flat-iteration rule of the caller
		 * then ends the run)
		 */
		if (*fn <= fx + ARMIJO * decrease ||
			fabs(*fn - fx) <= 10 * DBL_EPSILON * Max(fabs(fx), 1.0))
			return true;
		step *= 0.5;
	}
	return false;
}

/* Keep the step from w to wn and its gradient change, if it has curvature */
static void
Remember(History *h, const double *w, const double *wn, const double *g, const double *gn)
{
	int			n = h->n;
	int			j = (h->newest + 1) % HISTORY;
	double		sy;

	for (int i = 0; i < n; i++)
	{
		h->s[j * n + i] = wn[i] - w[i];
		h->y[j * n + i] = gn[i] - g[i];
	}
	sy = Dot(h->s + j * n, h->y + j * n, n);
	if (sy > 1e-300)
	{
		h->newest = j;
		h->rho[j] = 1.0 / sy;
		h->stored = Min(h->stored + 1, HISTORY);
	}
}

/*
 * Minimize f(w) + l1 * sum(|w_i| where l1_mask[i]) from the starting point
 * in w, until the largest pseudo-gradient component is at most tol.
 */
MaasLbfgsResult
MaasLbfgs(MaasObjective f, void *arg, double *w, int n, double l1,
		  const bool *l1_mask, int max_iter, double tol, MaasProgress *progress)
{
	MaasLbfgsResult result = {0};
	LineSearch	ls = {f, arg, n, l1, l1_mask};
	History		h = {0};
	double	   *g = palloc(sizeof(double) * n);
	double	   *pg = palloc(sizeof(double) * n);
	double	   *d = palloc(sizeof(double) * n);
	double	   *wn = palloc(sizeof(double) * n);
	double	   *gn = palloc(sizeof(double) * n);
	int			flat = 0;		/* iterations in a row without real decrease */
	double		fx;

	h.n = n;
	h.s = palloc(sizeof(double) * HISTORY * n);
	h.y = palloc(sizeof(double) * HISTORY * n);
	h.newest = -1;
	fx = f(arg, w, g) + L1Term(w, n, l1, l1_mask);
	PseudoGradient(pg, w, g, n, l1, l1_mask);

	for (int iter = 1; iter <= max_iter; iter++)
	{
		double		dg;
		double		fn = 0;

		/* each iteration scans the training rows: it can take a while */
		CHECK_FOR_INTERRUPTS();
		result.gradient_norm = MaxAbs(pg, n);
		if (result.gradient_norm <= tol)
		{
			result.converged = true;
			break;
		}
		dg = Direction(&h, pg, d, l1);
		result.iterations = iter;
		if (!Backtrack(&ls, w, pg, d, fx, dg, h.stored == 0 ? Min(1.0, 1.0 / sqrt(-dg)) : 1.0,
					   wn, gn, &fn))
		{
			/* no progress is possible at this precision */
			result.converged = result.gradient_norm <= sqrt(tol);
			break;
		}
		Remember(&h, w, wn, g, gn);
		memcpy(w, wn, sizeof(double) * n);
		memcpy(g, gn, sizeof(double) * n);

		/*
		 * Once the loss changes by no more than its rounding, steps only
		 * follow noise: stop (scipy's rule), converged if the gradient got
		 * near the tolerance.
		 */
		if (fx - fn <= 10 * DBL_EPSILON * Max(Max(fabs(fx), fabs(fn)), 1.0))
			flat++;
		else
			flat = 0;
		fx = fn;
		PseudoGradient(pg, w, g, n, l1, l1_mask);
		if (flat >= 5)
		{
			result.converged = MaxAbs(pg, n) <= Max(tol, sqrt(tol) * 1e-2);
			break;
		}
		MaasProgressStep(progress, iter, max_iter, fx);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: iteration %d, loss %.6g, gradient %.3g",
							progress->what, iter, fx, MaxAbs(pg, n))));
	}
	result.loss = fx;
	result.gradient_norm = MaxAbs(pg, n);
	if (result.gradient_norm <= tol)
		result.converged = true;
	pfree(h.s);
	pfree(h.y);
	pfree(g);
	pfree(pg);
	pfree(d);
	pfree(wn);
	pfree(gn);
	return result;
}
