/*
 * svg.h
 *	  Charts as inline SVG, and HTML text escaped, for maas_report
 *	  (svg.c).  Plain string building: no SQL, no catalog, no script.
 */
#ifndef MAAS_SVG_H
#define MAAS_SVG_H

#include "lib/stringinfo.h"

#define MAAS_SVG_MAX_POINTS		2000	/* a line is thinned evenly past this */
#define MAAS_SVG_MAX_SERIES		8		/* colours of the palette */

/* One line of a chart: n points (x[i], y[i]) */
typedef struct MaasSeries
{
	const char *name;			/* legend; NULL: none */
	int			n;
	const double *x;
	const double *y;
} MaasSeries;

/* A line chart's frame */
typedef struct MaasChart
{
	const char *title;
	const char *x_label;
	const char *y_label;
	bool		unit;			/* both axes [0, 1] */
	bool		diagonal;		/* the y = x line (ROC, calibration) */
	bool		markers;		/* a dot at each point */
} MaasChart;

extern void MaasHtmlText(StringInfo buf, const char *s);
extern void MaasHtmlNumber(StringInfo buf, double v);
extern void MaasSvgLines(StringInfo buf, const MaasChart *chart,
						 const MaasSeries *series, int n_series);
extern void MaasSvgHeatmap(StringInfo buf, const char *title, int n,
						   char *const *labels, const double *cells);
extern void MaasSvgBars(StringInfo buf, const char *title, int n,
						char *const *labels, const double *a, const double *b,
						const char *name_a, const char *name_b);

#endif							/* MAAS_SVG_H */
