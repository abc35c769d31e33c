/*
 * evaluation.h
 *	  What maas_evaluate and the curve functions compute beyond the metrics
 *	  (evaluation.c): the confusion matrix and per-class report, residual
 *	  quantiles, ROC, precision-recall and calibration curves.
 */
#ifndef MAAS_EVALUATION_H
#define MAAS_EVALUATION_H

#include "core/core.h"
#include "core/postprocess.h"

/* evaluation.c: confusion matrix, curves, residual quantiles */
typedef struct MaasCurvePoint
{
	double		threshold;		/* rows scored at least this */
	int64		tp;				/* of them positive */
	int64		fp;				/* of them negative */
} MaasCurvePoint;

extern double MaasSortedQuantile(const double *sorted, int64 n, double q);
extern void MaasResidualQuantiles(const double *y, const double *pred, int64 n,
								  MaasJson *json);
extern void MaasClassReport(const double *y, const double *proba, int64 n,
							const MaasTarget *target, MaasJson *json);
extern int64 MaasBinaryCurve(const bool *positive, const double *score, int64 n,
							 MaasCurvePoint **points);
extern int64 MaasDropCollinear(MaasCurvePoint *p, int64 m);
extern double MaasAveragePrecision(const MaasCurvePoint *p, int64 m);
extern void MaasEvaluateMatrix(const MaasModel *model, const MaasMatrix *m,
							   MaasJson *json, double *primary);
extern void MaasCalibrationBins(const bool *positive, const double *score, int64 n,
								int n_bins, int64 *count, double *sum_score,
								int64 *sum_positive);

#endif							/* MAAS_EVALUATION_H */
