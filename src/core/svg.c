/*
 * svg.c
 *	  The charts of maas_report as inline SVG: lines (training curve, ROC,
 *	  precision-recall, calibration), a heat map (confusion matrix) and
 *	  horizontal bars (importances, drift histograms).
 *
 * Everything is written into one StringInfo as well-formed XML (quoted
 * attributes, closed elements, only the five XML entities), so the page
 * parses as XHTML as well as HTML.  Every string that came from a user
 * (model, column and class names) goes through MaasHtmlText.
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"

#include "core/svg.h"

#define WIDTH		460
#define HEIGHT		300
#define LEFT		66
#define RIGHT		16
#define TOP			34
#define BOTTOM		46
#define LABEL_BYTES	24			/* of a class or feature name on an axis */

static const char *const palette[MAAS_SVG_MAX_SERIES] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
	"#9467bd", "#8c564b", "#e377c2", "#7f7f7f"
};

/* Text for HTML and XML: the five entities, control characters dropped */
void
MaasHtmlText(StringInfo buf, const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			case '\'':
				appendStringInfoString(buf, "&#39;");
				break;
			default:
				/* XML 1.0 has no place for other control characters */
				if ((unsigned char) *s < 0x20 && *s != '\n' && *s != '\t')
					appendStringInfoChar(buf, ' ');
				else
					appendStringInfoChar(buf, *s);
		}
	}
}

/* A name clipped to LABEL_BYTES on a character boundary, escaped */
static void
Label(StringInfo buf, const char *s)
{
	int			len = (int) strlen(s);
	int			clip = pg_mbcliplen(s, len, LABEL_BYTES);
	char	   *copy = pnstrdup(s, clip);

	MaasHtmlText(buf, copy);
	if (clip < len)
		appendStringInfoString(buf, "...");
	pfree(copy);
}

/* A number as people read it: 4 significant digits */
void
MaasHtmlNumber(StringInfo buf, double v)
{
	if (isnan(v))
		appendStringInfoString(buf, "NaN");
	else if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
	else
		appendStringInfo(buf, "%.4g", v);
}

/* A round step near range / 5 */
static double
NiceStep(double range)
{
	double		raw = range / 5;
	double		mag = pow(10, floor(log10(raw)));
	double		f = raw / mag;

	return mag * (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10);
}

static void
SvgOpen(StringInfo buf, const char *title, int width, int height)
{
	appendStringInfo(buf, "<svg class=\"chart\" width=\"%d\" height=\"%d\" "
					 "viewBox=\"0 0 %d %d\" role=\"img\"><title>",
					 width, height, width, height);
	MaasHtmlText(buf, title);
	appendStringInfo(buf, "</title><rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
					 "fill=\"#ffffff\"/><text class=\"t\" x=\"%d\" y=\"20\">",
					 width, height, width / 2);
	MaasHtmlText(buf, title);
	appendStringInfoString(buf, "</text>");
}

/* Range of the finite values of the series along one axis */
static void
Bounds(const MaasSeries *series, int n_series, bool along_x, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int s = 0; s < n_series; s++)
		for (int i = 0; i < series[s].n; i++)
		{
			double		v = along_x ? series[s].x[i] : series[s].y[i];

			if (isfinite(v))
			{
				*lo = Min(*lo, v);
				*hi = Max(*hi, v);
			}
		}
	if (!isfinite(*lo))
	{
		*lo = 0;
		*hi = 1;
	}
	if (*hi - *lo < 1e-12 * Max(fabs(*lo), 1.0))
	{
		double		pad = Max(fabs(*lo) * 0.1, 0.5);

		*lo -= pad;
		*hi += pad;
	}
}

/* Grid lines and tick labels of both axes; the axes' names */
static void
Axes(StringInfo buf, const MaasChart *c, double x0, double x1, double y0, double y1)
{
	int			pw = WIDTH - LEFT - RIGHT;
	int			ph = HEIGHT - TOP - BOTTOM;
	double		xs = NiceStep(x1 - x0);
	double		ys = NiceStep(y1 - y0);

	for (double v = ceil(x0 / xs) * xs; v <= x1 + xs * 1e-9; v += xs)
	{
		double		px = LEFT + (v - x0) / (x1 - x0) * pw;

		appendStringInfo(buf, "<line class=\"g\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
						 "<text class=\"xt\" x=\"%.1f\" y=\"%d\">",
						 px, TOP, px, TOP + ph, px, TOP + ph + 14);
		MaasHtmlNumber(buf, fabs(v) < xs * 1e-9 ? 0 : v);
		appendStringInfoString(buf, "</text>");
	}
	for (double v = ceil(y0 / ys) * ys; v <= y1 + ys * 1e-9; v += ys)
	{
		double		py = TOP + ph - (v - y0) / (y1 - y0) * ph;

		appendStringInfo(buf, "<line class=\"g\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
						 "<text class=\"yt\" x=\"%d\" y=\"%.1f\">",
						 LEFT, py, LEFT + pw, py, LEFT - 4, py + 4);
		MaasHtmlNumber(buf, fabs(v) < ys * 1e-9 ? 0 : v);
		appendStringInfoString(buf, "</text>");
	}
	appendStringInfo(buf, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
					 LEFT, TOP, pw, ph);
	appendStringInfo(buf, "<text class=\"t2\" x=\"%d\" y=\"%d\">", LEFT + pw / 2, HEIGHT - 8);
	MaasHtmlText(buf, c->x_label);
	appendStringInfo(buf, "</text><text class=\"t2\" transform=\"translate(14 %d) rotate(-90)\">",
					 TOP + ph / 2);
	MaasHtmlText(buf, c->y_label);
	appendStringInfoString(buf, "</text>");
}

/* A line chart of up to MAAS_SVG_MAX_SERIES series, with a legend */
void
MaasSvgLines(StringInfo buf, const MaasChart *c, const MaasSeries *series, int n_series)
{
	int			pw = WIDTH - LEFT - RIGHT;
	int			ph = HEIGHT - TOP - BOTTOM;
	double		x0 = 0,
				x1 = 1,
				y0 = 0,
				y1 = 1;

	n_series = Min(n_series, MAAS_SVG_MAX_SERIES);
	if (!c->unit)
	{
		Bounds(series, n_series, true, &x0, &x1);
		Bounds(series, n_series, false, &y0, &y1);
		y0 -= (y1 - y0) * 0.04;
		y1 += (y1 - y0) * 0.04;
	}
	SvgOpen(buf, c->title, WIDTH, HEIGHT);
	Axes(buf, c, x0, x1, y0, y1);
	if (c->diagonal)
		appendStringInfo(buf, "<line class=\"d\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
						 LEFT, TOP + ph, LEFT + pw, TOP);
	for (int s = 0; s < n_series; s++)
	{
		const MaasSeries *ser = &series[s];
		int			stride = (ser->n + MAAS_SVG_MAX_POINTS - 1) / MAAS_SVG_MAX_POINTS;

		appendStringInfo(buf, "<polyline class=\"l\" stroke=\"%s\" points=\"", palette[s]);
		for (int i = 0; i < ser->n; i += Max(stride, 1))
		{
			/* the last point always, so a thinned line ends where it should */
			int			k = (i + stride >= ser->n) ? ser->n - 1 : i;
			double		px = LEFT + (ser->x[k] - x0) / (x1 - x0) * pw;
			double		py = TOP + ph - (ser->y[k] - y0) / (y1 - y0) * ph;

			if (isfinite(px) && isfinite(py))
				appendStringInfo(buf, "%.1f,%.1f ", px, py);
		}
		appendStringInfoString(buf, "\"/>");
		if (c->markers)
			for (int i = 0; i < ser->n && i < 200; i++)
			{
				double		px = LEFT + (ser->x[i] - x0) / (x1 - x0) * pw;
				double		py = TOP + ph - (ser->y[i] - y0) / (y1 - y0) * ph;

				if (isfinite(px) && isfinite(py))
					appendStringInfo(buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
									 px, py, palette[s]);
			}
		if (ser->name != NULL)
		{
			int			ly = TOP + 14 + 15 * s;

			appendStringInfo(buf, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
							 "stroke-width=\"3\"/><text class=\"lg\" x=\"%d\" y=\"%d\">",
							 LEFT + pw - 150, ly - 4, LEFT + pw - 132, ly - 4, palette[s],
							 LEFT + pw - 128, ly);
			Label(buf, ser->name);
			appendStringInfoString(buf, "</text>");
		}
	}
	appendStringInfoString(buf, "</svg>\n");
}

/*
 * A confusion matrix: rows the true class, columns the predicted one; a
 * cell's shade is its share of its row (the class's recall on the
 * diagonal), its text the count
 */
void
MaasSvgHeatmap(StringInfo buf, const char *title, int n, char *const *labels,
			   const double *cells)
{
	int			cell = Max(Min(48, 360 / Max(n, 1)), 12);
	int			left = 130;
	int			top = 50;
	int			width = left + n * cell + 20;
	int			height = top + n * cell + 80;

	SvgOpen(buf, title, Max(width, 300), height);
	appendStringInfo(buf, "<text class=\"t2\" x=\"%d\" y=\"%d\">predicted</text>"
					 "<text class=\"t2\" transform=\"translate(14 %d) rotate(-90)\">true</text>",
					 left + n * cell / 2, height - 6, top + n * cell / 2);
	for (int i = 0; i < n; i++)
	{
		double		row = 0;

		for (int j = 0; j < n; j++)
			row += cells[i * n + j];
		for (int j = 0; j < n; j++)
		{
			double		v = cells[i * n + j];
			double		share = row > 0 ? v / row : 0;
			/* white to dark blue */
			int			r = (int) (247 - share * (247 - 8));
			int			g = (int) (251 - share * (251 - 48));
			int			b = (int) (255 - share * (255 - 107));

			appendStringInfo(buf, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
							 "fill=\"#%02x%02x%02x\" stroke=\"#ffffff\"/>",
							 left + j * cell, top + i * cell, cell, cell, r, g, b);
			if (cell >= 24)
				appendStringInfo(buf, "<text class=\"c\" x=\"%d\" y=\"%d\" fill=\"%s\">%.0f</text>",
								 left + j * cell + cell / 2, top + i * cell + cell / 2 + 4,
								 share > 0.5 ? "#ffffff" : "#000000", v);
		}
		appendStringInfo(buf, "<text class=\"yt\" x=\"%d\" y=\"%d\">", left - 4,
						 top + i * cell + cell / 2 + 4);
		Label(buf, labels[i]);
		appendStringInfo(buf, "</text><text class=\"xr\" transform=\"translate(%d %d) rotate(-45)\">",
						 left + i * cell + cell / 2 + 4, top + n * cell + 8);
		Label(buf, labels[i]);
		appendStringInfoString(buf, "</text>");
	}
	appendStringInfoString(buf, "</svg>\n");
}

/*
 * Horizontal bars, one row per label: a alone (importances), or a and b
 * side by side (drift: expected and actual share of each bin)
 */
void
MaasSvgBars(StringInfo buf, const char *title, int n, char *const *labels,
			const double *a, const double *b, const char *name_a, const char *name_b)
{
	int			row = b != NULL ? 20 : 16;
	int			left = 170;
	int			top = b != NULL ? 48 : 34;
	int			pw = WIDTH - left - 50;
	int			height = top + n * row + 16;
	double		max = 0;

	for (int i = 0; i < n; i++)
	{
		if (isfinite(a[i]))
			max = Max(max, a[i]);
		if (b != NULL && isfinite(b[i]))
			max = Max(max, b[i]);
	}
	if (max <= 0)
		max = 1;
	SvgOpen(buf, title, WIDTH, height);
	if (b != NULL)
	{
		appendStringInfo(buf, "<rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"%s\"/>"
						 "<text class=\"lg\" x=\"%d\" y=\"37\">",
						 left, palette[0], left + 14);
		MaasHtmlText(buf, name_a);
		appendStringInfo(buf, "</text><rect x=\"%d\" y=\"28\" width=\"10\" height=\"10\" fill=\"%s\"/>"
						 "<text class=\"lg\" x=\"%d\" y=\"37\">",
						 left + 120, palette[1], left + 134);
		MaasHtmlText(buf, name_b);
		appendStringInfoString(buf, "</text>");
	}
	for (int i = 0; i < n; i++)
	{
		int			y = top + i * row;
		double		wa = isfinite(a[i]) ? Max(a[i], 0) / max * pw : 0;

		appendStringInfo(buf, "<text class=\"yt\" x=\"%d\" y=\"%d\">", left - 4, y + row / 2 + 4);
		Label(buf, labels[i]);
		appendStringInfo(buf, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
						 left, y + 2, wa, b != NULL ? row / 2 - 2 : row - 4, palette[0]);
		if (b != NULL)
		{
			double		wb = isfinite(b[i]) ? Max(b[i], 0) / max * pw : 0;

			appendStringInfo(buf, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
							 left, y + row / 2, wb, row / 2 - 2, palette[1]);
		}
		else
		{
			appendStringInfo(buf, "<text class=\"v\" x=\"%.1f\" y=\"%d\">", left + wa + 4, y + row / 2 + 4);
			MaasHtmlNumber(buf, a[i]);
			appendStringInfoString(buf, "</text>");
		}
	}
	appendStringInfoString(buf, "</svg>\n");
}
