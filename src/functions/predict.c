/*
 * predict.c
 *	  maas_predict, maas_predict_proba, maas_predict_class and maas_transform
 *	  (every output of a clustering or decomposition model) in each form:
 *	  by name with float8[], by name with a whole row, by name with columns
 *	  (what the planner support function rewrites the row form into), and
 *	  with inline model bytes.
 *
 * The model is resolved once per query and kept in fn_extra with its
 * buffers; per row there is only encoding and arithmetic.  Nothing here
 * writes, so prediction works on hot standbys and in parallel workers.
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "functions/functions.h"

typedef enum PredictOutput
{
	OUTPUT_VALUE,
	OUTPUT_PROBA,
	OUTPUT_CLASS,
	OUTPUT_TRANSFORM			/* every output: distances, coordinates */
} PredictOutput;

/* Identifies the snapshot the deployed version was looked up under */
typedef struct SnapshotMark
{
	Snapshot	snapshot;
	TransactionId xmin;
	TransactionId xmax;
	CommandId	curcid;
	uint32		xcnt;
} SnapshotMark;

typedef struct PredictCache
{
	/* by name */
	char		name[NAMEDATALEN];
	int			name_len;
	MaasModelRef ref;
	SnapshotMark mark;

	/* inline model bytes */
	MemoryContext bytes_cxt;
	bytea	   *bytes;
	Oid			toast_relid;
	Oid			toast_valueid;
	MaasModel  *bytes_model;

	/* bumped whenever the resolved model changes */
	uint64		serial;

	/* row and column forms: binding of the model's columns */
	uint64		bound_serial;
	Oid			row_typid;
	int32		row_typmod;
	TupleDesc	row_desc;
	MaasBinding *binding;
	int			natts;
	Datum	   *values;
	bool	   *nulls;

	/* a running experiment (exp.id 0: none) and the candidate's encoding */
	MaasExperiment exp;
	uint64		cand_bound_serial;
	MaasBinding *cand_binding;
	double	   *cand_x;
	int			cand_x_len;
	double	   *cand_out;
	int			cand_out_len;
	int			key_index;		/* the key among values/nulls; -1: absent */
	FmgrInfo	key_hash;		/* the key type's extended hash function */
	Oid			key_collation;
	const char **col_names;		/* columns form: kept to bind the candidate */
	Oid		   *col_types;

	/* predictions not yet added to the usage counters */
	int64		usage_pending;
	int64		cand_pending;	/* answered by the candidate */
	MaasExperimentCounts exp_pending;
	Oid			usage_role;
	MemoryContextCallback usage_callback;

	/* buffers */
	double	   *x;
	int			x_len;
	double	   *out;
	int			out_len;
} PredictCache;

static void
CountPredictions(PredictCache *c, int32 version, int64 n)
{
	char		name[NAMEDATALEN];

	if (n == 0 || c->name_len == 0)
		return;
	memcpy(name, c->name, c->name_len);
	name[c->name_len] = '\0';
	MaasUsageAddPredictions(c->usage_role, name, version, n);
	MaasQuotaCount(c->usage_role, name, n, 0);
}

static void
FlushUsage(PredictCache *c)
{
	CountPredictions(c, c->ref.version, c->usage_pending);
	CountPredictions(c, c->exp.candidate, c->cand_pending);
	if (c->exp.id != 0 &&
		(c->exp_pending.rows_live > 0 || c->exp_pending.rows_candidate > 0))
		MaasExperimentCount(c->exp.id, &c->exp_pending);
	c->usage_pending = 0;
	c->cand_pending = 0;
	memset(&c->exp_pending, 0, sizeof(c->exp_pending));
}

/* The query's memory is going away: count what it predicted */
static void
FlushUsageCallback(void *arg)
{
	FlushUsage((PredictCache *) arg);
}

static PredictCache *
GetCache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		PredictCache *c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
												 sizeof(PredictCache));

		c->key_index = -1;
		if (MaasUsageEnabled())
		{
			c->usage_callback.func = FlushUsageCallback;
			c->usage_callback.arg = c;
			MemoryContextRegisterResetCallback(fcinfo->flinfo->fn_mcxt, &c->usage_callback);
		}
		fcinfo->flinfo->fn_extra = c;
	}
	return (PredictCache *) fcinfo->flinfo->fn_extra;
}

/* Grow a buffer of the query's memory to n doubles */
static double *
GrowBuffer(FunctionCallInfo fcinfo, double *buf, int *len, int n)
{
	if (*len < n)
	{
		buf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * n);
		*len = n;
	}
	return buf;
}

static void
EnsureBuffers(FunctionCallInfo fcinfo, PredictCache *c, const MaasModel *model)
{
	c->x = GrowBuffer(fcinfo, c->x, &c->x_len, model->n_features);
	c->out = GrowBuffer(fcinfo, c->out, &c->out_len, model->n_outputs);
}

static void
CurrentMark(SnapshotMark *m)
{
	Snapshot	s = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;

	memset(m, 0, sizeof(*m));
	m->snapshot = s;
	if (s)
	{
		m->xmin = s->xmin;
		m->xmax = s->xmax;
		m->curcid = s->curcid;
		m->xcnt = s->xcnt;
	}
}

/*
 * The deployed model of name.  Looked up again when the name or the
 * snapshot changes (a PL/pgSQL loop keeps fn_extra across statements) or
 * the cache dropped the model.
 */
static const MaasModel *
ResolveByName(FunctionCallInfo fcinfo, PredictCache *c, text *name, bool routed)
{
	int			len = VARSIZE_ANY_EXHDR(name);
	SnapshotMark mark;

	CurrentMark(&mark);
	if (c->ref.model != NULL && len == c->name_len &&
		memcmp(VARDATA_ANY(name), c->name, len) == 0 &&
		memcmp(&mark, &c->mark, sizeof(mark)) == 0 &&
		MaasModelRefValid(&c->ref) &&
		(c->exp.id == 0 || MaasModelRefValid(&c->exp.ref)))
		return c->ref.model;

	{
		char	   *s = text_to_cstring(name);
		uint64		old_generation = c->ref.generation;
		uint64		old_candidate = c->exp.ref.generation;
		int64		old_experiment = c->exp.id;

		MaasCheckName(s);
		FlushUsage(c);
		/* only the predict forms route; the others need no candidate loaded */
		MaasLookupRouted(s, MAAS_PRIV_PREDICT, &c->ref, routed ? &c->exp : NULL);
		MaasQuotaCheck(s, GetUserId(), false);
		if (c->ref.generation != old_generation || c->exp.id != old_experiment ||
			c->exp.ref.generation != old_candidate)
			c->serial++;
		memcpy(c->name, s, len);
		c->name_len = len;
		c->usage_role = GetUserId();
		c->mark = mark;
		pfree(s);
	}
	if (c->exp.id != 0)
	{
		c->cand_x = GrowBuffer(fcinfo, c->cand_x, &c->cand_x_len, c->exp.ref.model->n_features);
		c->cand_out = GrowBuffer(fcinfo, c->cand_out, &c->cand_out_len, c->exp.ref.model->n_outputs);
	}
	EnsureBuffers(fcinfo, c, c->ref.model);
	return c->ref.model;
}

/*
 * A model from bytes.  The same bytes usually come on every row: a constant
 * or parameter is recognized at once, a toasted value by its toast pointer,
 * anything else by comparing the bytes.
 */
static const MaasModel *
ResolveBytes(FunctionCallInfo fcinfo, PredictCache *c)
{
	Datum		raw = PG_GETARG_DATUM(0);
	struct varlena *ptr = (struct varlena *) DatumGetPointer(raw);
	bool		stable = get_fn_expr_arg_stable(fcinfo->flinfo, 0);
	Oid			toast_relid = InvalidOid;
	Oid			toast_valueid = InvalidOid;
	bytea	   *bytes;
	MemoryContext old;

	if (c->bytes_model != NULL && stable)
		return c->bytes_model;
	if (VARATT_IS_EXTERNAL_ONDISK(ptr))
	{
		struct varatt_external toast;

		VARATT_EXTERNAL_GET_POINTER(toast, ptr);
		toast_relid = toast.va_toastrelid;
		toast_valueid = toast.va_valueid;
		if (c->bytes_model != NULL && c->toast_relid == toast_relid &&
			c->toast_valueid == toast_valueid)
			return c->bytes_model;
	}
	bytes = DatumGetByteaPP(raw);
	if (c->bytes_model != NULL &&
		VARSIZE_ANY_EXHDR(bytes) == VARSIZE_ANY_EXHDR(c->bytes) &&
		memcmp(VARDATA_ANY(bytes), VARDATA_ANY(c->bytes), VARSIZE_ANY_EXHDR(bytes)) == 0)
		return c->bytes_model;

	if (c->bytes_cxt != NULL)
		MemoryContextDelete(c->bytes_cxt);
	c->bytes_cxt = NULL;
	c->bytes_model = NULL;
	c->serial++;
	{
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "maas inline model",
												  ALLOCSET_SMALL_SIZES);

		old = MemoryContextSwitchTo(cxt);
		c->bytes_model = MaasModelDeserialize(bytes);
		c->bytes = (bytea *) PG_DETOAST_DATUM_COPY(PointerGetDatum(bytes));
		MemoryContextSwitchTo(old);
		/* keep it only once it is valid */
		MemoryContextSetParent(cxt, fcinfo->flinfo->fn_mcxt);
		c->bytes_cxt = cxt;
	}
	c->toast_relid = toast_relid;
	c->toast_valueid = toast_valueid;
	EnsureBuffers(fcinfo, c, c->bytes_model);
	return c->bytes_model;
}

/* maas_transform is for the models whose outputs are a vector */
static void
CheckTransform(const MaasModel *model)
{
	if (!MaasTaskIsUnsupervised(model->task))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model is a %s model; maas_transform is for clustering and decomposition models",
						MaasTaskName(model->task)),
				 MaasTaskIsClassification(model->task) ?
				 errhint("Use maas_predict_proba for the class probabilities.") :
				 errhint("Use maas_predict for the predicted value.")));
}

static Datum
Output(const MaasModel *model, const MaasInput *in, double *out, PredictOutput kind)
{
	model->algorithm->predict(model, in, out);
	switch (kind)
	{
		case OUTPUT_VALUE:
			return Float8GetDatum(MaasPredictValue(model, out));
		case OUTPUT_PROBA:
		case OUTPUT_TRANSFORM:
			{
				Datum	   *elems = palloc(sizeof(Datum) * model->n_outputs);

				for (int k = 0; k < model->n_outputs; k++)
					elems[k] = Float8GetDatum(out[k]);
				return PointerGetDatum(construct_array(elems, model->n_outputs, FLOAT8OID,
													   sizeof(float8), FLOAT8PASSBYVAL,
													   TYPALIGN_DOUBLE));
			}
		case OUTPUT_CLASS:
			MaasModelCheckClassifier(model);
			return CStringGetTextDatum(model->target.labels[MaasArgmax(out, model->n_outputs)]);
	}
	return (Datum) 0;
}

static void
EncodeArray(FunctionCallInfo fcinfo, const MaasModel *model, PredictCache *c)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);

	if (text != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model reads documents from text column \"%s\"; a float8[] cannot hold them",
						text->name),
				 errhint("Call maas_predict(name, text) or pass the row.")));
	MaasCheckFeatures(model, PG_GETARG_ARRAYTYPE_P(1), c->x);
}

/*
 * Where the experiment's key is among the row's values, and its type's
 * hash function; a row without the key column is answered by the live
 * version.
 */
static void
BindKey(FunctionCallInfo fcinfo, PredictCache *c, int n, const char *const *names,
		const Oid *types, const Oid *collations)
{
	TypeCacheEntry *type;

	c->key_index = -1;
	if (c->exp.id == 0 || c->exp.key[0] == '\0')
		return;
	for (int a = 0; a < n && c->key_index < 0; a++)
		if (names[a] != NULL && strcmp(names[a], c->exp.key) == 0)
			c->key_index = a;
	if (c->key_index < 0)
		return;
	type = lookup_type_cache(types[c->key_index], TYPECACHE_HASH_EXTENDED_PROC);
	if (!OidIsValid(type->hash_extended_proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("the experiment's key column \"%s\" is of type %s, which has no hash function",
						c->exp.key, format_type_be(types[c->key_index])),
				 errhint("Route by a column of an integer, text, uuid or other hashable type.")));
	fmgr_info_cxt(type->hash_extended_proc, &c->key_hash, fcinfo->flinfo->fn_mcxt);
	c->key_collation = collations[c->key_index];
}

/*
 * The binding of the (name, text) form's one argument to the document
 * column of a model that reads nothing else
 */
static MaasBinding *
TextBinding(const MaasModel *model)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);
	const char *names[1];
	Oid			types[1] = {TEXTOID};

	if (text == NULL || model->prep.n_columns != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 text == NULL ?
				 errmsg("model has no text column of documents to read a text argument into") :
				 errmsg("model reads %d columns, not only the document \"%s\"",
						model->prep.n_columns, text->name),
				 errhint("Pass the row, or the features as float8[].")));
	names[0] = text->name;
	return MaasBind(model, 1, names, types);
}

/* The (name, text) form: the document of a model of one text column */
static void
EncodeText(FunctionCallInfo fcinfo, const MaasModel *model, PredictCache *c)
{
	if (c->bound_serial != c->serial)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		c->binding = TextBinding(model);
		c->values = palloc(sizeof(Datum));
		c->nulls = palloc(sizeof(bool));
		MemoryContextSwitchTo(old);
		c->natts = 1;
		c->row_typid = InvalidOid;
		c->bound_serial = c->serial;
	}
	c->values[0] = PG_GETARG_DATUM(1);
	c->nulls[0] = PG_ARGISNULL(1);
	MaasEncodeRow(model, c->binding, c->values, c->nulls, c->x);
}

static void
BindRowType(FunctionCallInfo fcinfo, PredictCache *c, const MaasModel *model,
			Oid typid, int32 typmod)
{
	MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	TupleDesc	desc = lookup_rowtype_tupdesc_copy(typid, typmod);

	c->binding = MaasBindTupleDesc(model, desc);
	c->row_desc = desc;
	c->natts = desc->natts;
	c->values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	c->nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	MemoryContextSwitchTo(old);
	if (c->exp.id != 0)
	{
		const char **names = palloc(sizeof(char *) * Max(desc->natts, 1));
		Oid		   *types = palloc(sizeof(Oid) * Max(desc->natts, 1));
		Oid		   *collations = palloc(sizeof(Oid) * Max(desc->natts, 1));

		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			names[a] = att->attisdropped ? NULL : NameStr(att->attname);
			types[a] = att->atttypid;
			collations[a] = att->attcollation;
		}
		BindKey(fcinfo, c, desc->natts, names, types, collations);
	}
	c->row_typid = typid;
	c->row_typmod = typmod;
	c->bound_serial = c->serial;
}

static void
EncodeRow(FunctionCallInfo fcinfo, const MaasModel *model, PredictCache *c)
{
	HeapTupleHeader td = PG_GETARG_HEAPTUPLEHEADER(1);
	Oid			typid = HeapTupleHeaderGetTypeId(td);
	int32		typmod = HeapTupleHeaderGetTypMod(td);
	HeapTupleData tuple;

	if (c->bound_serial != c->serial || c->row_typid != typid || c->row_typmod != typmod)
		BindRowType(fcinfo, c, model, typid, typmod);
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	heap_deform_tuple(&tuple, c->row_desc, c->values, c->nulls);
	MaasEncodeRow(model, c->binding, c->values, c->nulls, c->x);
}

/* Columns as arguments 2.. with their names in the text[] argument 1 */
static void
EncodeColumns(FunctionCallInfo fcinfo, const MaasModel *model, PredictCache *c)
{
	int			natts = PG_NARGS() - 2;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("column names must not be NULL")));
	if (c->bound_serial != c->serial)
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		const char **names;
		Oid		   *types;
		MemoryContext old;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
		if (n != natts)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%d column names for %d columns", n, natts)));
		names = palloc(sizeof(char *) * Max(n, 1));
		types = palloc(sizeof(Oid) * Max(n, 1));
		for (int a = 0; a < n; a++)
		{
			names[a] = enulls[a] ? NULL : TextDatumGetCString(elems[a]);
			types[a] = get_fn_expr_argtype(fcinfo->flinfo, a + 2);
			if (!OidIsValid(types[a]))
				elog(ERROR, "could not determine the type of column %d", a + 1);
		}
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		c->binding = MaasBind(model, natts, names, types);
		c->values = palloc(sizeof(Datum) * Max(natts, 1));
		c->nulls = palloc(sizeof(bool) * Max(natts, 1));
		c->col_names = palloc(sizeof(char *) * Max(n, 1));
		c->col_types = palloc(sizeof(Oid) * Max(n, 1));
		for (int a = 0; a < n; a++)
		{
			c->col_names[a] = names[a] ? pstrdup(names[a]) : NULL;
			c->col_types[a] = types[a];
		}
		MemoryContextSwitchTo(old);
		if (c->exp.id != 0)
		{
			Oid		   *collations = palloc(sizeof(Oid) * Max(n, 1));

			for (int a = 0; a < n; a++)
				collations[a] = type_is_collatable(types[a]) ? DEFAULT_COLLATION_OID : InvalidOid;
			BindKey(fcinfo, c, n, names, types, collations);
		}
		c->natts = natts;
		c->bound_serial = c->serial;
	}
	for (int a = 0; a < natts; a++)
	{
		c->values[a] = fcinfo->args[a + 2].value;
		c->nulls[a] = fcinfo->args[a + 2].isnull;
	}
	MaasEncodeRow(model, c->binding, c->values, c->nulls, c->x);
}


/*
 * The model and the encoded features of one call, in any input form: by
 * name (argument 0) or inline bytes, with float8[], a row or columns; with
 * routed, also the running experiment of a model by name
 */
static const MaasModel *
ModelInput(FunctionCallInfo fcinfo, MaasInputForm form, MaasInput *in, bool routed)
{
	PredictCache *c = GetCache(fcinfo);
	const MaasModel *model;

	if (form == MAAS_INPUT_BYTES)
		model = ResolveBytes(fcinfo, c);
	else
		model = ResolveByName(fcinfo, c, PG_GETARG_TEXT_PP(0), routed);
	if (model->algorithm->input == MAAS_INPUT_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("this model is a recommender (%s): it takes a user and an item",
						model->algorithm->name),
				 errhint("Call maas_predict(name, user, item) or maas_recommend(name, user, k).")));
	switch (form)
	{
		case MAAS_INPUT_ARRAY:
		case MAAS_INPUT_BYTES:
			EncodeArray(fcinfo, model, c);
			break;
		case MAAS_INPUT_ROW:
			EncodeRow(fcinfo, model, c);
			break;
		case MAAS_INPUT_COLUMNS:
			EncodeColumns(fcinfo, model, c);
			break;
		case MAAS_INPUT_TEXT:
			EncodeText(fcinfo, model, c);
			break;
	}
	in->kind = model->algorithm->input == MAAS_INPUT_TOKENS ? MAAS_INPUT_TOKENS : MAAS_INPUT_DENSE;
	in->x = c->x;
	in->tokens = NULL;
	in->n_tokens = 0;
	if (form != MAAS_INPUT_ARRAY && form != MAAS_INPUT_BYTES && c->binding->tokens != NULL)
	{
		in->tokens = c->binding->tokens;
		in->n_tokens = c->binding->n_tokens;
	}
	return model;
}

/* The live version's model and encoded features (maas_explain, intervals) */
const MaasModel *
MaasModelInput(FunctionCallInfo fcinfo, MaasInputForm form, MaasInput *in)
{
	return ModelInput(fcinfo, form, in, false);
}

/*
 * The deployed model of name, resolved as the forms above resolve it (once
 * per query), for entry points with inputs of their own; counts one
 * prediction.
 */
const MaasModel *
MaasModelByName(FunctionCallInfo fcinfo, text *name)
{
	PredictCache *c = GetCache(fcinfo);
	const MaasModel *model = ResolveByName(fcinfo, c, name, false);

	c->usage_pending++;
	return model;
}

/*
 * Whether the running experiment's candidate takes this row: a hash of the
 * key column (or, without a key, of the row's encoded features) seeded by
 * the experiment, against its share.  The same key, or the same row, always
 * gets the same version during an experiment.  The array form has no key
 * column, so with a key it is answered by the live version.
 */
static bool
ToCandidate(PredictCache *c, const MaasModel *model, const MaasInput *in,
			MaasInputForm form)
{
	uint64		seed = (uint64) c->exp.id;
	uint64		h;

	if (c->exp.key[0] != '\0')
	{
		if (form == MAAS_INPUT_ARRAY || form == MAAS_INPUT_TEXT ||
			c->key_index < 0 || c->nulls[c->key_index])
			return false;
		h = DatumGetUInt64(FunctionCall2Coll(&c->key_hash, c->key_collation,
											 c->values[c->key_index], UInt64GetDatum(seed)));
	}
	else
	{
		h = DatumGetUInt64(hash_any_extended((const unsigned char *) c->x,
											 sizeof(double) * model->n_features, seed));
		/* a document's words are its features too */
		if (in->tokens != NULL && in->n_tokens > 0)
			h = hash_combine64(h, DatumGetUInt64(hash_any_extended((const unsigned char *) in->tokens,
																   sizeof(int32) * in->n_tokens,
																   seed)));
	}
	/* the top 53 bits as a number in [0, 1) */
	return (double) (h >> 11) * (1.0 / 9007199254740992.0) < c->exp.traffic;
}

/* The candidate's features for the row the live version just encoded */
static const MaasModel *
CandidateInput(FunctionCallInfo fcinfo, PredictCache *c, const MaasModel *live,
			   MaasInputForm form, MaasInput *in)
{
	const MaasModel *cand = c->exp.ref.model;

	if (form == MAAS_INPUT_ARRAY)
	{
		int			n_text;

		if (cand->n_features != live->n_features ||
			MaasTextColumn(&cand->prep, &n_text) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the candidate version %d takes %d features, the live version %d takes %d",
							c->exp.candidate, cand->n_features, c->ref.version, live->n_features),
					 errdetail("An array cannot be given to both versions of the running experiment."),
					 errhint("Predict from rows, maas_predict(name, t), or end the experiment with maas_rollback.")));
		memcpy(c->cand_x, c->x, sizeof(double) * cand->n_features);
	}
	else
	{
		if (c->cand_bound_serial != c->serial)
		{
			MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

			if (form == MAAS_INPUT_ROW)
				c->cand_binding = MaasBindTupleDesc(cand, c->row_desc);
			else if (form == MAAS_INPUT_COLUMNS)
				c->cand_binding = MaasBind(cand, c->natts, c->col_names, c->col_types);
			else
				c->cand_binding = TextBinding(cand);
			MemoryContextSwitchTo(old);
			c->cand_bound_serial = c->serial;
		}
		MaasEncodeRow(cand, c->cand_binding, c->values, c->nulls, c->cand_x);
	}
	in->kind = cand->algorithm->input == MAAS_INPUT_TOKENS ? MAAS_INPUT_TOKENS : MAAS_INPUT_DENSE;
	in->x = c->cand_x;
	in->tokens = NULL;
	in->n_tokens = 0;
	if (form != MAAS_INPUT_ARRAY && c->cand_binding->tokens != NULL)
	{
		in->tokens = c->cand_binding->tokens;
		in->n_tokens = c->cand_binding->n_tokens;
	}
	return cand;
}

/* A shadow's comparison of the live and the candidate's outputs of a row */
static void
Compare(PredictCache *c, const MaasModel *live, const MaasModel *cand)
{
	MaasExperimentCounts *n = &c->exp_pending;

	if (MaasTaskIsClassification(live->task) || live->task == MAAS_TASK_CLUSTERING)
		n->classes_compared++;
	else
		n->values_compared++;
	if (MaasTaskIsClassification(live->task))
		n->agreements +=
			strcmp(live->target.labels[MaasArgmax(c->out, live->n_outputs)],
				   cand->target.labels[MaasArgmax(c->cand_out, cand->n_outputs)]) == 0;
	else if (live->task == MAAS_TASK_CLUSTERING)
		n->agreements += MaasPredictValue(live, c->out) == MaasPredictValue(cand, c->cand_out);
	else if (live->task == MAAS_TASK_DECOMPOSITION)
	{
		int			k = Min(live->n_outputs, cand->n_outputs);
		double		sum = 0;

		for (int j = 0; j < k; j++)
			sum += fabs(c->out[j] - c->cand_out[j]);
		n->abs_difference += k > 0 ? sum / k : 0;
	}
	else
		n->abs_difference += fabs(c->out[0] - c->cand_out[0]);
}

static Datum
Predict(FunctionCallInfo fcinfo, MaasInputForm form, PredictOutput kind)
{
	MaasInput	in;
	MaasInput	cin;
	const MaasModel *model;
	const MaasModel *cand;
	PredictCache *c;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	model = ModelInput(fcinfo, form, &in, true);
	if (kind == OUTPUT_TRANSFORM)
		CheckTransform(model);
	else if (kind != OUTPUT_VALUE)
		MaasModelCheckClassifier(model);
	c = GetCache(fcinfo);
	if (form == MAAS_INPUT_BYTES || c->exp.id == 0)
	{
		c->usage_pending++;
		return Output(model, &in, c->out, kind);
	}

	if (!ToCandidate(c, model, &in, form))
	{
		c->exp_pending.rows_live++;
		c->usage_pending++;
		return Output(model, &in, c->out, kind);
	}
	cand = CandidateInput(fcinfo, c, model, form, &cin);
	if (!c->exp.shadow)
	{
		c->exp_pending.rows_candidate++;
		c->cand_pending++;
		return Output(cand, &cin, c->cand_out, kind);
	}
	/* shadow: the live version answers, the candidate is only compared */
	c->exp_pending.rows_live++;
	c->usage_pending++;
	result = Output(model, &in, c->out, kind);
	cand->algorithm->predict(cand, &cin, c->cand_out);
	Compare(c, model, cand);
	return result;
}

#define PREDICT_FUNCTION(sqlname, form, kind) \
PG_FUNCTION_INFO_V1(sqlname); \
Datum \
sqlname(PG_FUNCTION_ARGS) \
{ \
	return Predict(fcinfo, form, kind); \
}

PREDICT_FUNCTION(maas_predict_array, MAAS_INPUT_ARRAY, OUTPUT_VALUE)
PREDICT_FUNCTION(maas_predict_proba_array, MAAS_INPUT_ARRAY, OUTPUT_PROBA)
PREDICT_FUNCTION(maas_predict_class_array, MAAS_INPUT_ARRAY, OUTPUT_CLASS)
PREDICT_FUNCTION(maas_predict_row, MAAS_INPUT_ROW, OUTPUT_VALUE)
PREDICT_FUNCTION(maas_predict_proba_row, MAAS_INPUT_ROW, OUTPUT_PROBA)
PREDICT_FUNCTION(maas_predict_class_row, MAAS_INPUT_ROW, OUTPUT_CLASS)
PREDICT_FUNCTION(maas_predict_columns, MAAS_INPUT_COLUMNS, OUTPUT_VALUE)
PREDICT_FUNCTION(maas_predict_proba_columns, MAAS_INPUT_COLUMNS, OUTPUT_PROBA)
PREDICT_FUNCTION(maas_predict_class_columns, MAAS_INPUT_COLUMNS, OUTPUT_CLASS)
PREDICT_FUNCTION(maas_predict_bytes, MAAS_INPUT_BYTES, OUTPUT_VALUE)
PREDICT_FUNCTION(maas_predict_proba_bytes, MAAS_INPUT_BYTES, OUTPUT_PROBA)
PREDICT_FUNCTION(maas_predict_class_bytes, MAAS_INPUT_BYTES, OUTPUT_CLASS)
PREDICT_FUNCTION(maas_predict_text, MAAS_INPUT_TEXT, OUTPUT_VALUE)
PREDICT_FUNCTION(maas_predict_proba_text, MAAS_INPUT_TEXT, OUTPUT_PROBA)
PREDICT_FUNCTION(maas_predict_class_text, MAAS_INPUT_TEXT, OUTPUT_CLASS)
PREDICT_FUNCTION(maas_transform_array, MAAS_INPUT_ARRAY, OUTPUT_TRANSFORM)
PREDICT_FUNCTION(maas_transform_row, MAAS_INPUT_ROW, OUTPUT_TRANSFORM)
PREDICT_FUNCTION(maas_transform_columns, MAAS_INPUT_COLUMNS, OUTPUT_TRANSFORM)
PREDICT_FUNCTION(maas_transform_bytes, MAAS_INPUT_BYTES, OUTPUT_TRANSFORM)
