/*
 * scale.c
 *	  Standardization of an SVM's features, row-major copies for the
 *	  solvers, and class weights.
 *
 * SVMs are not scale-invariant: their penalty and kernel treat every
 * feature alike, so a feature in thousands would dominate one in units.
 * The model standardizes (as Pipeline(StandardScaler(), LinearSVC()) does)
 * and keeps the mean and scale, so serving takes raw rows.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "svm.h"

/*
 * The standardized features as a row-major n x p copy: the dual solvers
 * and the kernel read a row at a time.  Checked against maas.max_memory.
 */
double *
SvmScaledRows(const MaasTrainData *data, const double *mean, const double *scale)
{
	int64		n = data->m.n_rows;
	int			p = data->n_features;
	double	   *rows;

	MaasCheckMemory(mul_size(mul_size(n, Max(p, 1)), sizeof(double)),
					"the standardized rows of the SVM");
	rows = MemoryContextAllocHuge(CurrentMemoryContext,
								  sizeof(double) * n * Max(p, 1));
	for (int j = 0; j < p; j++)
	{
		const double *x = MaasMatrixColumn(&data->m, j);

		/* a pass over every row of a column: let a cancel through */
		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			rows[i * p + j] = (x[i] - mean[j]) / scale[j];
	}
	return rows;
}

void
SvmScaleRow(const double *x, int p, const double *mean, const double *scale,
			double *out)
{
	for (int j = 0; j < p; j++)
		out[j] = (x[j] - mean[j]) / scale[j];
}

/*
 * Per class, the factor of C: 1, or scikit-learn's "balanced"
 * n / (k * count) (a class absent from the rows keeps 1)
 */
void
SvmClassWeights(const double *y, int64 n, int k, int weighting, double *weight)
{
	int64	   *count = palloc0(sizeof(int64) * k);

	for (int64 i = 0; i < n; i++)
		count[(int) y[i]]++;
	for (int c = 0; c < k; c++)
		weight[c] = (weighting == SVM_WEIGHT_BALANCED && count[c] > 0) ?
			(double) n / ((double) k * count[c]) : 1.0;
	pfree(count);
}
