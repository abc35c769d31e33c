/*
 * svm.h
 *	  Support vector machines: linear_svm and linear_svr (linear.c) through
 *	  LIBLINEAR's coordinate descent solvers (solvers.c), and svm with an RBF
 *	  kernel (kernel.c) through LIBSVM's SMO (smo.c) or Nystrom features.
 *
 * Every SVM standardizes its features inside the model (population mean
 * and standard deviation, as scikit-learn's StandardScaler), so the
 * solvers see standardized rows and a model maps a raw row itself.
 */
#ifndef MAAS_SVM_H
#define MAAS_SVM_H

#include "core/core.h"

/* a class weighting of C (scikit-learn's class_weight) */
typedef enum SvmClassWeight
{
	SVM_WEIGHT_NONE, SVM_WEIGHT_BALANCED	/* "none,balanced" */
} SvmClassWeight;

/*
 * Rows for the linear solvers: row-major n x p, plus an optional constant
 * feature of value bias (LIBLINEAR's intercept_scaling; 0: none) whose
 * weight is w[p].  Its weight is regularized like the others, as in
 * LIBLINEAR and scikit-learn's LinearSVC / LinearSVR.
 */
typedef struct SvmRows
{
	const double *x;
	int64		n;
	int			p;
	double		bias;
} SvmRows;

/* What a solver did */
typedef struct SvmSolveResult
{
	int			iterations;
	bool		converged;
} SvmSolveResult;

/* scale.c: standardization and row-major copies */
extern double *SvmScaledRows(const MaasTrainData *data, const double *mean,
							 const double *scale);
extern void SvmScaleRow(const double *x, int p, const double *mean,
						const double *scale, double *out);
extern void SvmClassWeights(const double *y, int64 n, int k, int weighting,
							double *weight);

/* solvers.c: LIBLINEAR's solvers; w has p + 1 entries (the bias last) */
extern SvmSolveResult SvmDualSvc(const SvmRows *d, const double *y, double Cp,
								 double Cn, bool squared, double eps, int max_iter,
								 uint64 seed, double *w, MaasProgress *progress);
extern SvmSolveResult SvmDualSvr(const SvmRows *d, const double *y, double C,
								 double epsilon, bool squared, double eps,
								 int max_iter, uint64 seed, double *w,
								 MaasProgress *progress);
extern SvmSolveResult SvmPrimalL1Svc(const SvmRows *d, const double *y, double Cp,
									 double Cn, double eps, int max_iter,
									 uint64 seed, double *w, MaasProgress *progress);

/* smo.c: LIBSVM's SMO for a binary C-SVC with an RBF kernel */
typedef struct SvmSmoResult
{
	double	   *alpha;			/* l: y_i alpha_i (the dual coefficients) */
	double		rho;			/* decision = sum alpha_i K(x_i, x) - rho */
	int			iterations;
	bool		converged;
} SvmSmoResult;

extern SvmSmoResult SvmSmo(const double *x, int l, int p, const double *y,
						   double gamma, double Cp, double Cn, double eps,
						   int64 max_iter, Size cache_bytes,
						   MaasProgress *progress);

/* the RBF kernel between two standardized rows */
static inline double
SvmRbf(const double *a, const double *b, int p, double gamma)
{
	double		d = 0;

	for (int j = 0; j < p; j++)
		d += (a[j] - b[j]) * (a[j] - b[j]);
	return exp(-gamma * d);
}

#endif							/* MAAS_SVM_H */
