/*
 * report.c
 *	  maas_report(name [, source]) -> text: one self-contained HTML page
 *	  about a model, to read in a browser or hand to a colleague.
 *
 * The page shows the version history and deployments, the live version's
 * metrics, and as inline SVG (core/svg.c) the confusion matrix, ROC,
 * precision-recall and calibration curves, feature importances, the
 * training curve kept with the version (metrics.training_curve) and, with
 * a source, the drift of inputs and predictions (maas_drift, when
 * installed).  With a source, the evaluation is computed on its rows by
 * the same functions SQL calls (maas_evaluate, maas_roc_curve, ...), each
 * reading the source with the caller's rights; without one, the page shows
 * what the version stored at training and says so.  No script, no font,
 * no URL: the page is whole by itself, and every name in it is escaped.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "core/svg.h"
#include "functions/functions.h"

#define MAX_CURVE_CLASSES	MAAS_SVG_MAX_SERIES	/* one line per class */
#define MAX_HEATMAP_CLASSES	40
#define MAX_IMPORTANCES		20
#define MAX_DRIFT_CHARTS	6

/* What every section reads */
typedef struct Report
{
	StringInfo	buf;
	const char *name;
	const char *source;			/* NULL: what the version stored */
	const char *schema;			/* the extension's, quoted */
	int32		version;		/* the live one */
	const char *algorithm;
	MaasTask	task;
	int			n_classes;
	char	  **labels;
	bool		has_importance;
	Jsonb	   *evaluation;		/* maas_evaluate's, or the stored metrics */
} Report;

static const char *style =
"body{font-family:sans-serif;margin:24px;color:#222;background:#fff}"
"h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}"
"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}"
"th{background:#f0f3f7}td.n{text-align:right;font-variant-numeric:tabular-nums}"
".note{color:#555;font-size:13px}.live{font-weight:bold}.bad{color:#b00020;font-weight:bold}"
".charts{display:flex;flex-wrap:wrap;gap:12px}svg.chart{border:1px solid #ddd}"
"svg text{font-family:sans-serif;font-size:11px}svg .t{font-size:13px;font-weight:bold;text-anchor:middle}"
"svg .t2{text-anchor:middle}svg .xt{text-anchor:middle}svg .yt{text-anchor:end}svg .xr{text-anchor:end}"
"svg .c{text-anchor:middle}svg .g{stroke:#eee}svg .d{stroke:#999;stroke-dasharray:4 3}"
"svg .frame{fill:none;stroke:#888}svg .l{fill:none;stroke-width:2}";

/* Run a statement with parameters; rows in SPI_tuptable */
static void
Run(const char *sql, int nargs, Oid *types, Datum *values)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (rc < 0)
		elog(ERROR, "maas_report: SPI_execute_with_args failed: %d", rc);
}

/* The same with the report's model name as $1 (and its live version as $2) */
static void
RunNamed(const Report *r, const char *sql, bool with_version)
{
	Oid			types[2] = {TEXTOID, INT4OID};
	Datum		values[2] = {CStringGetTextDatum(r->name), Int32GetDatum(r->version)};

	Run(sql, with_version ? 2 : 1, types, values);
}

static char *
Text(uint64 row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

static double
Number(uint64 row, int col)
{
	bool		isnull;
	Datum		d;

	/* the queries below cast: a column of another type is a bug here */
	if (SPI_gettypeid(SPI_tuptable->tupdesc, col) != FLOAT8OID)
		elog(ERROR, "maas_report: column %d is not float8", col);
	d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? NAN : DatumGetFloat8(d);
}

/* Column col of every row as doubles, palloc'd */
static double *
Column(int col)
{
	double	   *v = palloc(sizeof(double) * Max(SPI_processed, 1));

	for (uint64 i = 0; i < SPI_processed; i++)
		v[i] = Number(i, col);
	return v;
}

static void
Heading(Report *r, const char *id, const char *title)
{
	appendStringInfo(r->buf, "<h2 id=\"%s\">", id);
	MaasHtmlText(r->buf, title);
	appendStringInfoString(r->buf, "</h2>\n");
}

static void
Note(Report *r, const char *text)
{
	appendStringInfoString(r->buf, "<p class=\"note\">");
	MaasHtmlText(r->buf, text);
	appendStringInfoString(r->buf, "</p>\n");
}

/* A cell of escaped text, or a right-aligned number */
static void
Cell(Report *r, const char *text, bool number)
{
	appendStringInfoString(r->buf, number ? "<td class=\"n\">" : "<td>");
	MaasHtmlText(r->buf, text != NULL ? text : "");
	appendStringInfoString(r->buf, "</td>");
}

/* The rows of SPI_tuptable as a table, headed by the query's column names */
static void
Table(Report *r, int n_number_from)
{
	TupleDesc	desc = SPI_tuptable->tupdesc;

	appendStringInfoString(r->buf, "<table><tr>");
	for (int c = 1; c <= desc->natts; c++)
	{
		appendStringInfoString(r->buf, "<th>");
		MaasHtmlText(r->buf, SPI_fname(desc, c));
		appendStringInfoString(r->buf, "</th>");
	}
	appendStringInfoString(r->buf, "</tr>\n");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		appendStringInfoString(r->buf, "<tr>");
		for (int c = 1; c <= desc->natts; c++)
			Cell(r, Text(i, c), c >= n_number_from);
		appendStringInfoString(r->buf, "</tr>\n");
	}
	appendStringInfoString(r->buf, "</table>\n");
}

static void
Header(Report *r)
{
	appendStringInfoString(r->buf, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
						   "<title>maas report: ");
	MaasHtmlText(r->buf, r->name);
	appendStringInfo(r->buf, "</title><style>%s</style></head><body>\n<h1>Model ", style);
	MaasHtmlText(r->buf, r->name);
	appendStringInfoString(r->buf, "</h1>\n<p>");
	MaasHtmlText(r->buf, r->algorithm);
	appendStringInfoString(r->buf, ", ");
	MaasHtmlText(r->buf, MaasTaskName(r->task));
	appendStringInfo(r->buf, "; live version <span class=\"live\">%d</span>. ", r->version);
	if (r->source != NULL)
	{
		appendStringInfoString(r->buf, "Evaluated on the rows of <code>");
		MaasHtmlText(r->buf, r->source);
		appendStringInfoString(r->buf, "</code>.</p>\n");
	}
	else
		appendStringInfoString(r->buf, "No source given: the metrics are those the version "
							   "stored at training (on its held-out rows); curves that need "
							   "rows are drawn when a source is given, "
							   "maas_report(name, source).</p>\n");
}

/* Every version and every deployment of the name */
static void
History(Report *r)
{
	Heading(r, "versions", "Version history");
	RunNamed(r, "SELECT m.version, CASE WHEN m.version = $2 THEN 'live' ELSE '' END AS state, "
			 "m.algorithm, to_char(m.trained_at, 'YYYY-MM-DD HH24:MI:SS') AS trained_at, "
			 "m.trained_by::text AS trained_by, m.rows_trained, round(m.train_ms::numeric, 1) AS train_ms, "
			 "(SELECT string_agg(e.key || ' ' || round(e.value::text::numeric, 4), ', ' ORDER BY e.key) "
			 " FROM jsonb_each(m.metrics) e WHERE jsonb_typeof(e.value) = 'number' "
			 " AND e.key NOT IN ('rows', 'version')) AS metrics "
			 "FROM maas.models m WHERE m.name = $1 ORDER BY m.version", true);
	Table(r, 6);
	RunNamed(r, "SELECT d.version, d.reason, to_char(d.deployed_at, 'YYYY-MM-DD HH24:MI:SS') AS deployed_at, "
			 "d.deployed_by::text AS deployed_by, CASE WHEN d.rolled_back THEN 'rolled back' ELSE '' END AS state "
			 "FROM maas.deployments d WHERE d.name = $1 ORDER BY d.id", false);
	if (SPI_processed > 0)
	{
		appendStringInfoString(r->buf, "<p>Deployments, oldest first:</p>\n");
		Table(r, 99);
	}
}

/* The scalar metrics, from maas_evaluate on the source or as stored */
static void
Metrics(Report *r)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char	   *sql;
	bool		isnull;

	values[0] = CStringGetTextDatum(r->name);
	if (r->source != NULL)
	{
		values[1] = CStringGetTextDatum(r->source);
		sql = psprintf("SELECT %s.maas_evaluate($1, $2)", r->schema);
		Run(sql, 2, types, values);
	}
	else
		RunNamed(r, "SELECT metrics FROM maas.models WHERE name = $1 AND version = $2", true);
	if (SPI_processed != 1)
		elog(ERROR, "maas_report: no metrics for model \"%s\"", r->name);
	r->evaluation = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 1, &isnull));

	Heading(r, "metrics", r->source != NULL ? "Metrics on the source" : "Metrics stored at training");
	types[1] = JSONBOID;
	values[1] = JsonbPGetDatum(r->evaluation);
	Run("SELECT e.key AS metric, CASE WHEN jsonb_typeof(e.value) = 'string' THEN e.value #>> '{}' "
		"ELSE e.value::text END AS value FROM jsonb_each($2) e "
		"WHERE jsonb_typeof(e.value) IN ('number', 'string', 'boolean') ORDER BY e.key",
		2, types, values);
	Table(r, 2);
	/* a classifier's per-class report, a regressor's residual quantiles */
	Run("SELECT c->>'class' AS class, round((c->>'precision')::numeric, 4) AS precision, "
		"round((c->>'recall')::numeric, 4) AS recall, round((c->>'f1')::numeric, 4) AS f1, "
		"c->>'support' AS support FROM jsonb_array_elements(CASE WHEN jsonb_typeof($2->'per_class') "
		"= 'array' THEN $2->'per_class' ELSE '[]' END) c", 2, types, values);
	if (SPI_processed > 0)
		Table(r, 2);
	Run("SELECT e.key AS quantile, e.value::text AS residual FROM jsonb_each(CASE WHEN "
		"jsonb_typeof($2->'residual_quantiles') = 'object' THEN $2->'residual_quantiles' ELSE '{}' END) e "
		"ORDER BY e.key::float8", 2, types, values);
	if (SPI_processed > 0)
	{
		appendStringInfoString(r->buf, "<p>Residual quantiles (true minus predicted):</p>\n");
		Table(r, 1);
	}
}

/* The confusion matrix maas_evaluate gave, as a heat map */
static void
Confusion(Report *r)
{
	Oid			types[1] = {JSONBOID};
	Datum		values[1] = {JsonbPGetDatum(r->evaluation)};
	int			n;
	double	   *cells;
	char	  **labels;

	Heading(r, "confusion", "Confusion matrix");
	Run("SELECT i::float8, j::float8, v::text::float8 FROM jsonb_array_elements(CASE WHEN "
		"jsonb_typeof($1->'confusion_matrix') = 'array' THEN $1->'confusion_matrix' ELSE '[]' END) "
		"WITH ORDINALITY a(rw, i), jsonb_array_elements(rw) WITH ORDINALITY b(v, j)",
		1, types, values);
	n = (int) floor(sqrt((double) SPI_processed) + 0.5);
	if (n == 0 || (uint64) n * n != SPI_processed || n != r->n_classes)
	{
		Note(r, r->source != NULL ? "No confusion matrix for this model."
			 : "The confusion matrix is computed on a source's rows: maas_report(name, source).");
		return;
	}
	if (n > MAX_HEATMAP_CLASSES)
	{
		Note(r, "Too many classes to draw; maas_evaluate(name, source) has the matrix.");
		return;
	}
	cells = palloc0(sizeof(double) * n * n);
	for (uint64 k = 0; k < SPI_processed; k++)
	{
		int			i = (int) Number(k, 1) - 1;
		int			j = (int) Number(k, 2) - 1;

		if (i >= 0 && i < n && j >= 0 && j < n)
			cells[i * n + j] = Number(k, 3);
	}
	labels = r->labels;
	appendStringInfoString(r->buf, "<div class=\"charts\">");
	MaasSvgHeatmap(r->buf, "Confusion matrix (shade: share of the true class)", n, labels, cells);
	appendStringInfoString(r->buf, "</div>\n");
}

/* The classes a curve is drawn for: a binary model's second, or each one */
static int
CurveClasses(const Report *r, int *classes)
{
	int			n = 0;

	if (r->task == MAAS_TASK_BINARY)
		classes[n++] = 1;
	else
		for (int k = 0; k < r->n_classes && n < MAX_CURVE_CLASSES; k++)
			classes[n++] = k;
	return n;
}

/* One curve function's points for each class, as series of (x, y) */
static int
CurveSeries(Report *r, const char *sql, const int *classes, int n, MaasSeries *series)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(r->name);
	values[1] = CStringGetTextDatum(r->source);
	for (int s = 0; s < n; s++)
	{
		values[2] = CStringGetTextDatum(r->labels[classes[s]]);
		Run(sql, 3, types, values);
		series[s].name = r->labels[classes[s]];
		series[s].n = (int) SPI_processed;
		series[s].x = Column(1);
		series[s].y = Column(2);
	}
	return n;
}

/* ROC, precision-recall and calibration curves of the source's rows */
static void
ClassCurves(Report *r)
{
	int			classes[MAX_CURVE_CLASSES];
	int			n = CurveClasses(r, classes);
	MaasSeries	series[MAX_CURVE_CLASSES];
	MaasChart	roc = {"ROC curve", "false positive rate", "true positive rate", true, true, false};
	MaasChart	pr = {"Precision-recall curve", "recall", "precision", true, false, false};
	MaasChart	cal = {"Calibration curve", "mean predicted probability", "fraction of positives",
	true, true, true};

	Heading(r, "curves", "ROC, precision-recall and calibration curves");
	if (r->source == NULL)
	{
		Note(r, "These curves are computed on a source's rows: maas_report(name, source). "
			 "The version stored its roc_auc and average precision with its metrics above.");
		return;
	}
	if (r->task == MAAS_TASK_MULTICLASS)
		Note(r, r->n_classes > MAX_CURVE_CLASSES
			 ? "Each class against the rest, for the first 8 classes."
			 : "Each class against the rest.");
	appendStringInfoString(r->buf, "<div class=\"charts\">");
	CurveSeries(r, psprintf("SELECT fpr, tpr FROM %s.maas_roc_curve($1, $2, $3)", r->schema),
				classes, n, series);
	MaasSvgLines(r->buf, &roc, series, n);
	CurveSeries(r, psprintf("SELECT recall, \"precision\" FROM %s.maas_pr_curve($1, $2, $3)",
							r->schema), classes, n, series);
	MaasSvgLines(r->buf, &pr, series, n);
	CurveSeries(r, psprintf("SELECT mean_predicted, fraction_positive "
							"FROM %s.maas_calibration_curve($1, $2, 10, $3)", r->schema),
				classes, n, series);
	MaasSvgLines(r->buf, &cal, series, n);
	appendStringInfoString(r->buf, "</div>\n");
}

/* maas_feature_importance, for the algorithms that have one */
static void
Importance(Report *r)
{
	char	  **labels;
	double	   *gain;
	double		total = 0;

	Heading(r, "importance", "Feature importances");
	if (!r->has_importance)
	{
		Note(r, psprintf("%s models have no feature importance; maas_info shows their "
						 "parameters and maas_explain explains single predictions.", r->algorithm));
		return;
	}
	RunNamed(r, psprintf("SELECT feature, gain FROM %s.maas_feature_importance($1) "
						 "ORDER BY gain DESC, feature LIMIT %d", r->schema, MAX_IMPORTANCES), false);
	labels = palloc(sizeof(char *) * Max(SPI_processed, 1));
	gain = Column(2);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		labels[i] = Text(i, 1);
		total += isfinite(gain[i]) ? gain[i] : 0;
	}
	/* shares of the gain shown, as the bars compare features */
	for (uint64 i = 0; i < SPI_processed && total > 0; i++)
		gain[i] /= total;
	appendStringInfoString(r->buf, "<div class=\"charts\">");
	MaasSvgBars(r->buf, "Share of the total gain", (int) SPI_processed, labels, gain, NULL,
				NULL, NULL);
	appendStringInfoString(r->buf, "</div>\n");
}

/* The loss per iteration the live version kept */
static void
TrainingCurve(Report *r)
{
	MaasSeries	series = {NULL, 0, NULL, NULL};
	MaasChart	chart = {"Training curve", "iteration, epoch or round", "loss", false, false, false};

	Heading(r, "training", "Training curve");
	RunNamed(r, "SELECT (e->>0)::float8, (e->>1)::float8 FROM maas.models m, "
			 "jsonb_array_elements(CASE WHEN jsonb_typeof(m.metrics->'training_curve') = 'array' "
			 "THEN m.metrics->'training_curve' ELSE '[]' END) e "
			 "WHERE m.name = $1 AND m.version = $2", true);
	if (SPI_processed == 0)
	{
		Note(r, "This version kept no training curve: its algorithm fits in one step, "
			 "or it was trained before maas recorded them.");
		return;
	}
	series.n = (int) SPI_processed;
	series.x = Column(1);
	series.y = Column(2);
	chart.markers = series.n <= 30;
	appendStringInfoString(r->buf, "<div class=\"charts\">");
	MaasSvgLines(r->buf, &chart, &series, 1);
	appendStringInfoString(r->buf, "</div>\n");
}

/* An edge of a numeric bin as people read it; NULL: open */
static char *
Edge(const char *text)
{
	StringInfoData b;

	if (text == NULL)
		return NULL;
	initStringInfo(&b);
	MaasHtmlNumber(&b, strtod(text, NULL));
	return b.data;
}

/*
 * A bin's label: a category or class as maas_drift names it, or for a
 * number the range between its edges (the interior ones: the first and
 * last bins are open).  A share past the named bins is the NULLs'.
 */
static char *
BinLabel(uint64 i, int n_shares, int n_bins, bool numeric)
{
	char	   *lower = NULL;
	char	   *upper = NULL;
	int			n_ranges = n_shares;

	if (!numeric)
	{
		char	   *own = Text(i, 4);

		return own != NULL ? own : (int) i == n_bins ? "NULL" : psprintf("%d", (int) i + 1);
	}
	/* numbers: one more share than bins between the edges, the NULLs' */
	if (n_bins == n_shares - 2)
	{
		if ((int) i == n_shares - 1)
			return "NULL";
		n_ranges = n_shares - 1;
	}
	if (n_bins == n_ranges - 1)
	{
		lower = Edge(Text(i, 3));
		upper = Edge((int) i < n_bins ? Text(i, 4) : NULL);
	}
	else if (n_bins == n_ranges + 1)
	{
		lower = Edge(Text(i, 4));
		upper = Edge(Text(i, 5));
	}
	if (lower == NULL && upper == NULL)
		return psprintf("%d", (int) i + 1);
	if (lower == NULL)
		return psprintf("< %s", upper);
	if (upper == NULL)
		return psprintf(">= %s", lower);
	return psprintf("%s to %s", lower, upper);
}

/* One histogram of maas_drift's: expected against actual share per bin */
static void
DriftChart(Report *r, const char *title, uint64 row)
{
	char	  **labels;
	Datum		values[1];
	Oid			types[1] = {JSONBOID};
	bool		isnull;
	double	   *expected;
	double	   *actual;
	SPITupleTable *outer = SPI_tuptable;
	uint64		outer_n = SPI_processed;
	int			n;
	int			n_bins;
	char	   *kind;

	if (SPI_gettypeid(outer->tupdesc, 6) != JSONBOID)
		elog(ERROR, "maas_report: drift column 6 is not jsonb");
	values[0] = SPI_getbinval(outer->vals[row], outer->tupdesc, 6, &isnull);
	if (isnull)
		return;
	Run("SELECT ($1->'expected'->>(i - 1))::float8, ($1->'actual'->>(i - 1))::float8, "
		"CASE WHEN i >= 2 THEN b->>(i - 2) END, b->>(i - 1), b->>i, "
		"jsonb_array_length(b)::float8, $1->>'kind' "
		"FROM (SELECT CASE WHEN jsonb_typeof($1->'bins') = 'array' THEN $1->'bins' ELSE '[]' END) s(b), "
		"generate_series(1, jsonb_array_length($1->'expected')) i ORDER BY i", 1, types, values);
	n = (int) SPI_processed;
	if (n == 0)
	{
		SPI_tuptable = outer;
		SPI_processed = outer_n;
		return;
	}
	expected = Column(1);
	actual = Column(2);
	n_bins = (int) Number(0, 6);
	kind = Text(0, 7);
	labels = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
		labels[i] = BinLabel(i, n, n_bins, kind != NULL &&
							 (strcmp(kind, "numeric") == 0 || strcmp(kind, "date") == 0));
	MaasSvgBars(r->buf, title, n, labels, expected, actual, "expected (training)", "actual (source)");
	SPI_tuptable = outer;
	SPI_processed = outer_n;
}

/* maas_drift on the source, when the function is installed */
static void
Drift(Report *r)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	SPITupleTable *rows;
	uint64		n_rows;

	Heading(r, "drift", "Drift");
	if (r->source == NULL)
	{
		Note(r, "Drift compares a source's rows with the training rows: maas_report(name, source).");
		return;
	}
	Run(psprintf("SELECT 1 FROM pg_proc WHERE proname = 'maas_drift' AND pronamespace = "
				 "%s::regnamespace", quote_literal_cstr(r->schema)), 0, NULL, NULL);
	if (SPI_processed == 0)
	{
		Note(r, "maas_drift is not installed in this database.");
		return;
	}
	values[0] = CStringGetTextDatum(r->name);
	values[1] = CStringGetTextDatum(r->source);
	/* the prediction first, then the features by decreasing psi */
	Run(psprintf("WITH d AS (SELECT %s.maas_drift($1, $2) AS j), "
				 "f AS (SELECT 0 AS o, 'prediction' AS what, j->'prediction' AS v FROM d "
				 "      WHERE jsonb_typeof(j->'prediction') = 'object' "
				 "      UNION ALL SELECT 1, e.key, e.value FROM d, jsonb_each(CASE WHEN "
				 "      jsonb_typeof(j->'features') = 'object' THEN j->'features' ELSE '{}' END) e) "
				 "SELECT what AS input, round((v->>'psi')::numeric, 4)::text AS psi, "
				 "COALESCE(v->>'drifted', '') AS drifted, COALESCE(v->>'kind', '') AS kind, "
				 "COALESCE(jsonb_array_length(CASE WHEN jsonb_typeof(v->'expected') = 'array' "
				 "THEN v->'expected' END), 0)::float8 AS bins, v "
				 "FROM f ORDER BY o, (v->>'psi')::float8 DESC NULLS LAST, what", r->schema),
		2, types, values);
	rows = SPI_tuptable;
	n_rows = SPI_processed;
	appendStringInfoString(r->buf, "<table><tr><th>input</th><th>psi</th><th>drifted</th>"
						   "<th>kind</th></tr>\n");
	for (uint64 i = 0; i < n_rows; i++)
	{
		char	   *drifted = SPI_getvalue(rows->vals[i], rows->tupdesc, 3);

		appendStringInfoString(r->buf, "<tr>");
		Cell(r, SPI_getvalue(rows->vals[i], rows->tupdesc, 1), false);
		Cell(r, SPI_getvalue(rows->vals[i], rows->tupdesc, 2), true);
		appendStringInfoString(r->buf, drifted != NULL && strcmp(drifted, "true") == 0
							   ? "<td class=\"bad\">drifted</td>" : "<td>no</td>");
		Cell(r, SPI_getvalue(rows->vals[i], rows->tupdesc, 4), false);
		appendStringInfoString(r->buf, "</tr>\n");
	}
	appendStringInfoString(r->buf, "</table>\n<div class=\"charts\">");
	for (uint64 i = 0; i < n_rows && i < MAX_DRIFT_CHARTS; i++)
	{
		SPI_tuptable = rows;
		SPI_processed = n_rows;
		if (Number(i, 5) > 0)
			DriftChart(r, SPI_getvalue(rows->vals[i], rows->tupdesc, 1), i);
	}
	appendStringInfoString(r->buf, "</div>\n");
}

/* maas_report(name text, source text DEFAULT NULL) -> text */
PG_FUNCTION_INFO_V1(maas_report);
Datum
maas_report(PG_FUNCTION_ARGS)
{
	Report		r = {0};
	MaasModelRef ref;
	StringInfoData buf;

	r.name = MaasRequiredText(fcinfo, 0, "model name");
	r.source = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	MaasCheckName(r.name);
	if (r.source != NULL && r.source[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source must not be empty"),
				 errhint("Pass a table name or a query, or NULL for the report of what the model stored.")));
	MaasLookupDeployed(r.name, MAAS_PRIV_PREDICT, &ref);
	/* copied: the cached model may be replaced while the report runs SQL */
	r.version = ref.version;
	r.algorithm = pstrdup(ref.model->algorithm->name);
	r.task = ref.model->task;
	r.has_importance = ref.model->algorithm->importance != NULL;
	r.n_classes = ref.model->target.n_classes;
	r.labels = palloc(sizeof(char *) * Max(r.n_classes, 1));
	for (int k = 0; k < r.n_classes; k++)
		r.labels[k] = pstrdup(ref.model->target.labels[k]);
	r.schema = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));

	initStringInfo(&buf);
	r.buf = &buf;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Header(&r);
	History(&r);
	Metrics(&r);
	if (MaasTaskIsClassification(r.task))
	{
		Confusion(&r);
		ClassCurves(&r);
	}
	Importance(&r);
	TrainingCurve(&r);
	Drift(&r);
	appendStringInfoString(&buf, "<p class=\"note\">Written by maas_report.</p>\n</body></html>\n");
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
