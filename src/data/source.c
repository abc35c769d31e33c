/*
 * source.c
 *	  The source of training or evaluation: a table name or a query, its
 *	  plan, its row estimate, and its columns by name.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/plannodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "data/data.h"

/* Whether the source is a (possibly qualified, possibly quoted) name */
static bool
IsQualifiedName(const char *source)
{
	char	   *copy = pstrdup(source);
	List	   *names;

	return SplitIdentifierString(copy, '.', &names) && list_length(names) >= 1 &&
		list_length(names) <= 3;
}

/*
 * A table name becomes SELECT * FROM the quoted, schema-qualified name; any
 * other text is taken as a query, without a trailing semicolon.  Names are
 * resolved here, never pasted, so a name cannot inject SQL.
 */
char *
MaasSourceQuery(const char *source)
{
	List	   *names;
	RangeVar   *rv;
	Oid			relid;

	if (!IsQualifiedName(source))
	{
		char	   *query = pstrdup(source);
		int			len = strlen(query);

		while (len > 0 && (isspace((unsigned char) query[len - 1]) || query[len - 1] == ';'))
			query[--len] = '\0';
		return query;
	}
#if PG_VERSION_NUM >= 160000
	names = stringToQualifiedNameList(source, NULL);	/* NULL: errors are thrown */
#else
	names = stringToQualifiedNameList(source);
#endif
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" does not exist", source),
				 errhint("The source is a table or view name, or a query.")));
	return psprintf("SELECT * FROM %s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)));
}

SPIPlanPtr
MaasPrepareSource(const char *query, TupleDesc *desc)
{
	SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);
	CachedPlanSource *ps;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source must be a table name or a single query that returns rows")));
	ps = linitial(SPI_plan_get_plan_sources(plan));
	if (ps->commandTag != CMDTAG_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("source must be a query that only reads"),
				 errdetail("The source is a %s statement.", GetCommandTagName(ps->commandTag))));
	{
		ListCell   *lc;

		foreach(lc, ps->query_list)
			if (castNode(Query, lfirst(lc))->hasModifyingCTE)
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("source must be a query that only reads"),
						 errdetail("The source has a WITH clause that modifies data.")));
	}
	*desc = ps->resultDesc;
	return plan;
}

/* The planner's row estimate of the source, 0 if unknown */
double
MaasEstimatedRows(SPIPlanPtr plan)
{
	CachedPlan *cplan = SPI_plan_get_cached_plan(plan);
	double		rows = 0;

	if (cplan == NULL)
		return 0;
	if (list_length(cplan->stmt_list) == 1)
	{
		PlannedStmt *stmt = linitial_node(PlannedStmt, cplan->stmt_list);

		if (stmt->planTree)
			rows = stmt->planTree->plan_rows;
	}
	/* an unsaved SPI plan is not registered with a resource owner */
	ReleaseCachedPlan(cplan, NULL);
	return rows;
}

/*
 * Size the matrices for the estimated rows, so an analyzed table is read
 * without regrowing; a bad estimate only costs a regrowth later.
 */
int
MaasFindAttribute(TupleDesc desc, const char *name)
{
	int			found = -1;

	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0)
			continue;
		if (found >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_COLUMN),
					 errmsg("source has more than one column named \"%s\"", name),
					 errhint("Give the columns distinct names in the source query.")));
		found = a;
	}
	return found;
}

char *
MaasColumnList(TupleDesc desc)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int a = 0; a < desc->natts; a++)
		if (!TupleDescAttr(desc, a)->attisdropped)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
							 NameStr(TupleDescAttr(desc, a)->attname));
	return buf.data;
}

int
MaasRequireAttribute(TupleDesc desc, const char *name, const char *role)
{
	int			a = MaasFindAttribute(desc, name);

	if (a < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s column \"%s\" is not in the source", role, name),
				 errhint("The source has columns: %s.", MaasColumnList(desc))));
	return a;
}

/* Length of the first non-NULL value of an array column */
int
MaasArrayWidth(const char *query, const char *column, Oid typid)
{
	char	   *sql = psprintf("SELECT %s FROM (\n%s\n) AS maas_source WHERE %s IS NOT NULL LIMIT 1",
							   quote_identifier(column), query, quote_identifier(column));
	int			width;
	bool		isnull;
	Datum		d;

	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read column \"%s\"", column);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" has only NULLs", column),
				 errhint("Exclude it with params {\"exclude\": [\"%s\"]}.", column)));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	width = MaasArrayToDoubles(d, typid, NULL, -1, column);
	if (width < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" holds empty arrays", column)));
	if (width > MAAS_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column \"%s\" has %d elements, more than the %d features a model can have",
						column, width, MAAS_MAX_FEATURES)));
	return width;
}
