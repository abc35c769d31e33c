/*
 * sqltext.c
 *	  Pieces of maas_to_sql's output, a plain SQL expression that computes a
 *	  model's prediction without maas: numbers that read back as the same
 *	  double, class values, and the class of the largest score.
 */
#include "postgres.h"

#include <math.h>

#include "core/core.h"

/* v as an SQL float8 that reads back as exactly v */
void
MaasSqlNumber(StringInfo out, double v)
{
	if (isnan(v))
		appendStringInfoString(out, "'NaN'::float8");
	else if (isinf(v))
		appendStringInfoString(out, v > 0 ? "'Infinity'::float8" : "'-Infinity'::float8");
	else if (v < 0 || (v == 0 && signbit(v)))
		appendStringInfo(out, "(%.17g)::float8", v);
	else
		appendStringInfo(out, "%.17g::float8", v);
}

/* intercept + coef . feature, added in that order */
void
MaasSqlDot(StringInfo out, double intercept, const double *coef, int p, char *const *feature)
{
	appendStringInfoChar(out, '(');
	MaasSqlNumber(out, intercept);
	for (int j = 0; j < p; j++)
	{
		appendStringInfoString(out, " + ");
		MaasSqlNumber(out, coef[j]);
		appendStringInfo(out, " * %s", feature[j]);
	}
	appendStringInfoChar(out, ')');
}

/* What maas_predict returns for class k: its value, or k for text labels */
void
MaasSqlClass(StringInfo out, const MaasModel *model, int k)
{
	double		v = model->target.values[k];

	MaasSqlNumber(out, isnan(v) ? (double) k : v);
}

/*
 * The class of the largest of n scores, the first on a tie (as MaasArgmax):
 * a subquery computes each score once
 */
void
MaasSqlArgmax(StringInfo out, const MaasModel *model, char *const *score, int n)
{
	appendStringInfoString(out, "(SELECT CASE");
	for (int k = 0; k < n - 1; k++)
	{
		bool		first = true;

		appendStringInfoString(out, " WHEN ");
		for (int j = 0; j < n; j++)
		{
			if (j == k)
				continue;
			appendStringInfo(out, "%ss%d %s s%d", first ? "" : " AND ", k, j < k ? ">" : ">=", j);
			first = false;
		}
		appendStringInfoString(out, " THEN ");
		MaasSqlClass(out, model, k);
	}
	appendStringInfoString(out, " ELSE ");
	MaasSqlClass(out, model, n - 1);
	appendStringInfoString(out, " END FROM (SELECT ");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%s%s AS s%d", k > 0 ? ", " : "", score[k], k);
	appendStringInfoString(out, ") AS scores)");
}

/*
 * The probabilities of a binary model of score z, as MaasSigmoid computes
 * them; exp's argument bounded where PostgreSQL's would overflow or
 * underflow (it raises an error there, C gives 0 or 1, the same to 1e-300)
 */
void
MaasSqlSigmoid(StringInfo out, const char *score)
{
	appendStringInfo(out, "(SELECT ARRAY[1 - p, p] FROM (SELECT CASE WHEN z >= 0 "
					 "THEN 1 / (1 + exp(-least(z, 700))) "
					 "ELSE exp(greatest(z, -700)) / (1 + exp(greatest(z, -700))) END AS p "
					 "FROM (SELECT %s AS z) AS score) AS link)", score);
}

/* The softmax of n scores, as MaasSoftmax computes it */
void
MaasSqlSoftmax(StringInfo out, char *const *score, int n)
{
	appendStringInfoString(out, "(SELECT ARRAY[");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%se%d / t", k > 0 ? ", " : "", k);
	appendStringInfoString(out, "] FROM (SELECT *, ");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%se%d", k > 0 ? " + " : "", k);
	appendStringInfoString(out, " AS t FROM (SELECT ");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%sexp(greatest(s%d - m, -700)) AS e%d", k > 0 ? ", " : "", k, k);
	appendStringInfoString(out, " FROM (SELECT *, greatest(");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%ss%d", k > 0 ? ", " : "", k);
	appendStringInfoString(out, ") AS m FROM (SELECT ");
	for (int k = 0; k < n; k++)
		appendStringInfo(out, "%s%s AS s%d", k > 0 ? ", " : "", score[k], k);
	appendStringInfoString(out, ") AS scores) AS top) AS e) AS total)");
}

/* ERROR: the model cannot be written as SQL */
void
MaasSqlUnsupported(const MaasModel *model, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("maas_to_sql cannot write %s%s%s models as SQL", what, *what ? " " : "",
					model->algorithm->name),
			 errhint("maas_to_sql supports linear_regression, elastic_net, lasso, logistic_regression, decision_tree, random_forest and gradient_boosting.")));
}
