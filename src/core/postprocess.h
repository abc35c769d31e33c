/*
 * postprocess.h
 *	  What a model learns from its held-out rows after the fit (calibration,
 *	  conformal intervals), kept in the model bytes after the algorithm
 *	  section.
 */
#ifndef MAAS_POSTPROCESS_H
#define MAAS_POSTPROCESS_H

#include "core/core.h"

/*
 * Post-processing (postprocess.c): what a model learns from its held-out
 * rows after the fit, kept in the model bytes after the algorithm section
 */
typedef enum MaasCalibration
{
	MAAS_CALIBRATION_NONE = -1,	/* an unset choice */
	MAAS_CALIBRATION_SIGMOID = 0,	/* "sigmoid,isotonic" */
	MAAS_CALIBRATION_ISOTONIC = 1
} MaasCalibration;

/* One class's probability -> a calibrated one */
typedef struct MaasCalibrator
{
	double		a;				/* sigmoid: 1 / (1 + exp(a p + b)) */
	double		b;
	int			n_points;		/* isotonic: interpolated through (x, y) */
	double	   *x;
	double	   *y;
} MaasCalibrator;

typedef struct MaasPostprocess
{
	/* regression: the held-out rows' absolute residuals, sorted */
	int64		n_residual_rows;
	int			n_residuals;	/* order statistics kept; 0: no intervals */
	double	   *residuals;
	/* classification */
	int			calibration;	/* MaasCalibration */
	int			n_calibrators;	/* 1 for binary (the positive class), else k */
	MaasCalibrator *calibrators;
	/* the algorithm, and the copy whose predict calibrates */
	const MaasAlgorithm *base;
	MaasAlgorithm wrapped;
} MaasPostprocess;

#define MAAS_MAX_RESIDUALS	1024	/* order statistics kept */

/* postfit.c */
extern void MaasPostprocessFit(MaasModel *model, const MaasMatrix *m, int calibration,
							   bool intervals, struct MaasJson *metrics);
/* postprocess.c (its bytes: format.c) */
extern void MaasPostprocessInstall(MaasModel *model, MaasPostprocess *post);
extern double MaasConformalHalfWidth(const MaasPostprocess *post, double coverage);
extern void MaasDescribePostprocess(const MaasPostprocess *post, struct MaasJson *json);

#endif							/* MAAS_POSTPROCESS_H */
