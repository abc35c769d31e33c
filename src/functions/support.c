/*
 * support.c
 *	  Planner support for the whole-row form of maas_predict.
 *
 * maas_predict('m', t) makes PostgreSQL build a composite datum of every
 * row of t, which costs more than the prediction itself.  When the row is
 * a plain table reference, this rewrites the call at plan time into
 * maas_predict_columns('m', '{col names}', col1, col2, ...), which reads the
 * columns straight from the scan slot.  Which columns the model uses is
 * still decided at run time, against the version deployed then.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "functions/functions.h"

/* The model name, the names array, and the columns must fit FUNC_MAX_ARGS */
#define MAX_COLUMNS (FUNC_MAX_ARGS - 2)

static bool
HasOuterJoin(Query *parse)
{
	ListCell   *lc;

	foreach(lc, parse->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_JOIN && rte->jointype != JOIN_INNER)
			return true;
	}
	return false;
}

static Oid
ColumnsFunction(Oid funcid)
{
	char	   *name = get_func_name(funcid);
	Oid			nsp = get_func_namespace(funcid);
	char	   *target;
	Oid			argtypes[3] = {TEXTOID, TEXTARRAYOID, ANYOID};

	if (strcmp(name, "maas_predict") == 0)
		target = "maas_predict_columns";
	else if (strcmp(name, "maas_predict_proba") == 0)
		target = "maas_predict_proba_columns";
	else if (strcmp(name, "maas_predict_class") == 0)
		target = "maas_predict_class_columns";
	else if (strcmp(name, "maas_transform") == 0)
		target = "maas_transform_columns";
	else
		return InvalidOid;
	return LookupFuncName(list_make2(makeString(get_namespace_name(nsp)), makeString(target)),
						  3, argtypes, true);
}

static Node *
Simplify(SupportRequestSimplify *req)
{
	FuncExpr   *call = req->fcall;
	Node	   *name;
	Var		   *row;
	RangeTblEntry *rte;
	TupleDesc	desc;
	List	   *args;
	Datum	   *names;
	int			n = 0;
	Oid			target;
	FuncExpr   *result;

	if (req->root == NULL || list_length(call->args) != 2)
		return NULL;
	name = linitial(call->args);
	row = (Var *) lsecond(call->args);
	if (!IsA(name, Const) || ((Const *) name)->constisnull ||
		!IsA(row, Var) || row->varattno != InvalidAttrNumber ||
		row->varlevelsup != 0)
		return NULL;
	/* an outer join's NULL row would become a row of NULL columns */
	if (HasOuterJoin(req->root->parse))
		return NULL;
	rte = rt_fetch(row->varno, req->root->parse->rtable);
	if (rte->rtekind != RTE_RELATION || !type_is_rowtype(row->vartype) ||
		row->vartype == RECORDOID)
		return NULL;
	target = ColumnsFunction(call->funcid);
	if (!OidIsValid(target))
		return NULL;

	desc = lookup_rowtype_tupdesc(row->vartype, -1);
	if (desc->natts > MAX_COLUMNS)
	{
		ReleaseTupleDesc(desc);
		return NULL;
	}
	names = palloc(sizeof(Datum) * Max(desc->natts, 1));
	args = list_make1(copyObject(name));
	args = lappend(args, NULL);	/* the names, filled in below */
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped)
			continue;
		names[n++] = CStringGetTextDatum(NameStr(att->attname));
		args = lappend(args, makeVar(row->varno, att->attnum, att->atttypid,
									 att->atttypmod, att->attcollation, 0));
	}
	ReleaseTupleDesc(desc);
	lsecond(args) = makeConst(TEXTARRAYOID, -1, InvalidOid, -1,
							  PointerGetDatum(construct_array(names, n, TEXTOID, -1,
															  false, TYPALIGN_INT)),
							  false, false);

	result = makeFuncExpr(target, call->funcresulttype, args,
						  call->funccollid, call->inputcollid, COERCE_EXPLICIT_CALL);
	result->location = call->location;
	return (Node *) result;
}

PG_FUNCTION_INFO_V1(maas_predict_support);
Datum
maas_predict_support(PG_FUNCTION_ARGS)
{
	Node	   *req = (Node *) PG_GETARG_POINTER(0);

	if (IsA(req, SupportRequestSimplify))
		PG_RETURN_POINTER(Simplify((SupportRequestSimplify *) req));
	PG_RETURN_POINTER(NULL);
}
