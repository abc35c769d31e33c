/*
 * encode.c
 *	  Column encoding: SQL values -> raw values -> the model's features.
 *
 * Numbers and booleans become one feature each; text and enum values one
 * feature per category (one-hot, an unseen value is all zeros); float8[]
 * and pgvector's vector one feature per element.  A NULL takes the value
 * stored in the model for it (the training mean or the mode's one-hot), or
 * stays NaN for algorithms that handle missing values themselves.
 *
 * Training (dataset.c) and serving (MaasEncodeRow) read values with the
 * same functions here and map raw values to features with the same
 * MaasEncodeColumn (data.h): one mapping, so a model sees at serving time
 * exactly the features it was trained on.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "data/data.h"

/* pgvector's vector: int16 dim, int16 unused, float4 x[dim] */
typedef struct VectorHeader
{
	int32		vl_len_;
	int16		dim;
	int16		unused;
	float4		x[FLEXIBLE_ARRAY_MEMBER];
} VectorHeader;

static bool
IsNumberType(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return true;
		default:
			return false;
	}
}

/*
 * pgvector's vector: a type named vector that belongs to the extension
 * named vector.  Another extension's (or a user's) type of that name has
 * another layout and is not read as one.
 */
static bool
IsVectorType(Oid typid)
{
	HeapTuple	tup;
	bool		result = false;

	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_type typ = (Form_pg_type) GETSTRUCT(tup);

		result = strcmp(NameStr(typ->typname), "vector") == 0 && typ->typlen == -1;
		ReleaseSysCache(tup);
	}
	if (result)
	{
		Oid			ext = getExtensionOfObject(TypeRelationId, typid);
		char	   *name = OidIsValid(ext) ? get_extension_name(ext) : NULL;

		result = name != NULL && strcmp(name, "vector") == 0;
	}
	return result;
}

/*
 * The kind a column of this type encodes as, 0 if unsupported.  Domains
 * count as their base type.
 */
MaasColumnKind
MaasKindOfType(Oid typid, bool *is_array, bool *is_vector)
{
	Oid			base = getBaseType(typid);
	Oid			elem;

	*is_array = false;
	*is_vector = false;
	if (IsNumberType(base))
		return MAAS_COL_NUMERIC;
	if (base == BOOLOID)
		return MAAS_COL_BOOLEAN;
	if (base == TEXTOID || base == VARCHAROID || base == BPCHAROID ||
		base == NAMEOID || type_is_enum(base))
		return MAAS_COL_CATEGORICAL;
	elem = get_element_type(base);
	if (OidIsValid(elem) && (IsNumberType(elem) || elem == BOOLOID))
	{
		*is_array = true;
		return MAAS_COL_ARRAY;
	}
	if (IsVectorType(base))
	{
		*is_vector = true;
		return MAAS_COL_ARRAY;
	}
	return 0;
}

/* A number of one of the types MaasKindOfType calls numeric or boolean */
double
MaasDatumToDouble(Datum value, Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return (double) DatumGetInt16(value);
		case INT4OID:
			return (double) DatumGetInt32(value);
		case INT8OID:
			return (double) DatumGetInt64(value);
		case FLOAT4OID:
			return (double) DatumGetFloat4(value);
		case FLOAT8OID:
			return DatumGetFloat8(value);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, value));
		case BOOLOID:
			return DatumGetBool(value) ? 1.0 : 0.0;
		default:
			elog(ERROR, "type %u is not a number", typid);
	}
	return 0;					/* keep compiler quiet */
}

/*
 * A categorical value as text: bpchar without its trailing blanks (they are
 * not significant there), enums by label.
 */
char *
MaasDatumToLabel(Datum value, Oid typid)
{
	if (typid == TEXTOID || typid == VARCHAROID)
		return TextDatumGetCString(value);
	if (typid == BPCHAROID)
	{
		char	   *s = TextDatumGetCString(value);
		int			len = strlen(s);

		while (len > 0 && s[len - 1] == ' ')
			s[--len] = '\0';
		return s;
	}
	if (typid == NAMEOID)
		return pstrdup(NameStr(*DatumGetName(value)));
	{
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(typid, &out, &varlena);
		return OidOutputFunctionCall(out, value);
	}
}

static void CheckFinite(double v, const char *column);

/*
 * Array or vector elements into out; NULL elements become NaN (missing),
 * NaN or infinite elements are an error.
 * width < 0 accepts any length; otherwise the length must equal width.
 * Returns the length.
 */
int
MaasArrayToDoubles(Datum value, Oid typid, double *out, int width, const char *column)
{
	Oid			base = getBaseType(typid);

	if (!OidIsValid(get_element_type(base)))
	{
		VectorHeader *v = (VectorHeader *) PG_DETOAST_DATUM(value);

		if (VARSIZE(v) < offsetof(VectorHeader, x) || v->dim < 0 ||
			VARSIZE(v) != offsetof(VectorHeader, x) + sizeof(float4) * v->dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("column \"%s\" holds a malformed vector", column)));
		if (width >= 0 && v->dim != width)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("column \"%s\" has %d dimensions, expected %d", column, v->dim, width)));
		if (out != NULL)
			for (int i = 0; i < v->dim; i++)
			{
				out[i] = v->x[i];
				if (unlikely(isnan(out[i]) || isinf(out[i])))
					CheckFinite(out[i], column);
			}
		return v->dim;
	}
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		Oid			elem = ARR_ELEMTYPE(arr);

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("column \"%s\" holds a %d-dimensional array, expected one dimension",
							column, ARR_NDIM(arr))));
		if (width >= 0 && n != width)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("column \"%s\" has %d elements, expected %d", column, n, width)));
		if (out == NULL)
			return n;
		if (elem == FLOAT8OID && !ARR_HASNULL(arr))
		{
			memcpy(out, ARR_DATA_PTR(arr), sizeof(double) * n);
			for (int i = 0; i < n; i++)
				if (unlikely(isnan(out[i]) || isinf(out[i])))
					CheckFinite(out[i], column);
		}
		else
		{
			int16		typlen;
			bool		typbyval;
			char		typalign;
			Datum	   *elems;
			bool	   *nulls;
			int			count;

			get_typlenbyvalalign(elem, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, elem, typlen, typbyval, typalign, &elems, &nulls, &count);
			for (int i = 0; i < count; i++)
			{
				out[i] = nulls[i] ? NAN : MaasDatumToDouble(elems[i], elem);
				if (!nulls[i] && (isnan(out[i]) || isinf(out[i])))
					CheckFinite(out[i], column);
			}
		}
		return n;
	}
}

/*
 * The text of a text-like value: text and varchar in place (len bytes, not
 * NUL-terminated), others through MaasDatumToLabel.
 */
const char *
MaasDatumText(Datum value, Oid typid, int *len)
{
	if (typid == TEXTOID || typid == VARCHAROID)
	{
		text	   *t = DatumGetTextPP(value);

		*len = VARSIZE_ANY_EXHDR(t);
		return VARDATA_ANY(t);
	}
	else
	{
		char	   *label = MaasDatumToLabel(value, typid);

		*len = strlen(label);
		return label;
	}
}

/* Binary search of a column's sorted vocabulary; -1 when unseen */
int
MaasCategoryIndex(const MaasColumn *col, const char *value, int len)
{
	int			lo = 0;
	int			hi = col->n_categories - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const char *c = col->categories[mid];
		size_t		clen = strlen(c);
		int			cmp = memcmp(c, value, Min(clen, (size_t) len));

		if (cmp == 0)
			cmp = (clen > (size_t) len) - (clen < (size_t) len);
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static void
CheckFinite(double v, const char *column)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("feature \"%s\" is %s", column,
						isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
				 errhint("Use NULL for a missing value; it is imputed from the training data.")));
}

/* Replace NaN (missing) by the model's stored value for it */
void
MaasImpute(const MaasPreprocess *prep, double *x)
{
	for (int c = 0; c < prep->n_columns; c++)
	{
		const MaasColumn *col = &prep->columns[c];

		for (int k = 0; k < col->width; k++)
			if (isnan(x[col->offset + k]))
				x[col->offset + k] = col->impute[k];
	}
}

/*
 * The float8[] form: the array holds the encoded features in model order
 * (see maas_info's feature_names).  NULL elements are imputed.
 */
void
MaasCheckFeatures(const MaasModel *model, ArrayType *arr, double *x)
{
	int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("features must be a one-dimensional array")));
	if (n != model->n_features)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("model expects %d features, not %d", model->n_features, n),
				 errhint("maas_info(model)->'feature_names' lists them in order.")));
	if (!ARR_HASNULL(arr))
	{
		const double *v = (const double *) ARR_DATA_PTR(arr);

		for (int i = 0; i < n; i++)
		{
			if (unlikely(isnan(v[i]) || isinf(v[i])))
				CheckFinite(v[i], MaasFeatureName(&model->prep, i));
			x[i] = v[i];
		}
	}
	else
	{
		const double *v = (const double *) ARR_DATA_PTR(arr);
		bits8	   *bitmap = ARR_NULLBITMAP(arr);

		/* data holds only the non-NULL elements */
		for (int i = 0; i < n; i++)
		{
			if (bitmap[i / 8] & (1 << (i % 8)))
			{
				if (isnan(*v) || isinf(*v))
					CheckFinite(*v, MaasFeatureName(&model->prep, i));
				x[i] = *v++;
			}
			else
				x[i] = NAN;
		}
		MaasImpute(&model->prep, x);
	}
}

static bool
KindAccepts(MaasColumnKind kind, MaasColumnKind have)
{
	if (kind == MAAS_COL_NUMERIC || kind == MAAS_COL_BOOLEAN)
		return have == MAAS_COL_NUMERIC || have == MAAS_COL_BOOLEAN;
	if (kind == MAAS_COL_TEXT)
		return have == MAAS_COL_CATEGORICAL;	/* any text type */
	return kind == have;
}

static const char *
KindName(MaasColumnKind kind)
{
	switch (kind)
	{
		case MAAS_COL_NUMERIC:
			return "a number";
		case MAAS_COL_BOOLEAN:
			return "a boolean";
		case MAAS_COL_CATEGORICAL:
			return "text";
		case MAAS_COL_ARRAY:
			return "an array";
		case MAAS_COL_TEXT:
			return "documents (text)";
	}
	return "?";
}

/*
 * Bind the model's input columns to attributes of a row type by name.  A
 * column the model needs but the row lacks, or has with an incompatible
 * type, is an error.
 */
MaasBinding *
MaasBind(const MaasModel *model, int natts, const char *const *names, const Oid *types)
{
	MaasBinding *b = palloc(sizeof(MaasBinding));

	b->n_columns = model->prep.n_columns;
	b->attno = palloc(sizeof(int) * b->n_columns);
	b->typid = palloc(sizeof(Oid) * b->n_columns);
	b->tokens = NULL;
	b->n_tokens = 0;
	for (int c = 0; c < b->n_columns; c++)
	{
		const MaasColumn *col = &model->prep.columns[c];
		int			a;
		bool		is_array;
		bool		is_vector;
		MaasColumnKind have;

		for (a = 0; a < natts; a++)
			if (names[a] != NULL && strcmp(names[a], col->name) == 0)
				break;
		if (a == natts)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("row has no column \"%s\", which the model needs", col->name),
					 errhint("The model's input columns are listed by maas_info(model)->'features'.")));
		have = MaasKindOfType(types[a], &is_array, &is_vector);
		if (!KindAccepts(col->kind, have))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" is of type %s, but the model was trained on %s",
							col->name, format_type_be(types[a]), KindName(col->kind))));
		b->attno[c] = a;
		b->typid[c] = getBaseType(types[a]);
		if (col->kind == MAAS_COL_TEXT && b->tokens == NULL)
			b->tokens = palloc(sizeof(int32) * col->tokenizer->maxlen);
	}
	return b;
}

/* Bind the model's columns to the attributes of a tuple descriptor */
MaasBinding *
MaasBindTupleDesc(const MaasModel *model, TupleDesc desc)
{
	const char **names = palloc(sizeof(char *) * Max(desc->natts, 1));
	Oid		   *types = palloc(sizeof(Oid) * Max(desc->natts, 1));

	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		names[a] = att->attisdropped ? NULL : NameStr(att->attname);
		types[a] = att->atttypid;
	}
	return MaasBind(model, desc->natts, names, types);
}

/*
 * Encode one row of values (attribute order) into x (model order): each
 * column's raw values, then MaasEncodeColumn as in training.
 */
void
MaasEncodeRow(const MaasModel *model, MaasBinding *binding,
			  const Datum *values, const bool *isnull, double *x)
{
	binding->n_tokens = 0;
	for (int c = 0; c < model->prep.n_columns; c++)
	{
		const MaasColumn *col = &model->prep.columns[c];
		int			a = binding->attno[c];
		Oid			typid = binding->typid[c];
		double	   *out = x + col->offset;

		switch (col->kind)
		{
			case MAAS_COL_NUMERIC:
			case MAAS_COL_BOOLEAN:
				if (isnull[a])
					out[0] = NAN;
				else
				{
					out[0] = MaasDatumToDouble(values[a], typid);
					if (unlikely(isnan(out[0]) || isinf(out[0])))
						CheckFinite(out[0], col->name);
				}
				MaasEncodeColumn(col, out, 1, out, 1, 1);
				break;
			case MAAS_COL_CATEGORICAL:
				{
					double		code = NAN;

					if (!isnull[a])
					{
						int			len;
						const char *label = MaasDatumText(values[a], typid, &len);

						code = MaasCategoryIndex(col, label, len);
					}
					MaasEncodeColumn(col, &code, 1, out, 1, 1);
					break;
				}
			case MAAS_COL_TEXT:
				/* the model's document: its ids, a NULL one empty */
				if (!isnull[a])
				{
					int			len;
					const char *text = MaasDatumText(values[a], typid, &len);

					binding->n_tokens = MaasTokenizeIds(col->tokenizer, text, len,
														col->name, binding->tokens);
				}
				break;
			case MAAS_COL_ARRAY:
				if (isnull[a])
					for (int k = 0; k < col->width; k++)
						out[k] = NAN;
				else
					MaasArrayToDoubles(values[a], typid, out, col->width, col->name);
				MaasEncodeColumn(col, out, 1, out, 1, 1);
				break;
		}
	}
}
