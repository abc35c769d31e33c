/*
 * pairs.c
 *	  The (user, item, rating) reader of recommenders (MAAS_INPUT_PAIRS),
 *	  apart from dense loading: the source's user and item columns keep their
 *	  SQL types as keys, numbered by their sorted order.
 *
 * Training reads every row once, keeps its keys (integers, or the bytes of
 * text and uuid keys) and its rating, splits train/test by a seeded
 * generator as rows arrive (as dense loading does), then numbers the keys
 * of the training rows: sorted and unique, so the model looks a key up by
 * binary search.  The result is a dataset whose matrices have three
 * columns, user index, item index and rating; a test row's key the training
 * rows do not have becomes -1 (unknown).  Rows with a NULL key or rating
 * are skipped and counted.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "data/data.h"

#define INITIAL_ROWS	4096

/* One key column as read: a key per row */
typedef struct KeyColumn
{
	const char *name;
	const char *role;			/* "user" or "item" */
	int			attno;
	Oid			typid;
	MaasKeyType type;
	int64	   *ints;			/* per row: integer key */
	int64	   *start;			/* per row: offset of its bytes (n + 1) */
	StringInfoData bytes;
	int32	   *index;			/* per row, after numbering */
} KeyColumn;

typedef struct PairsState
{
	DestReceiver pub;
	KeyColumn	user;
	KeyColumn	item;
	int			rating_attno;
	Oid			rating_typid;
	const char *rating_name;
	double	   *rating;
	bool	   *is_test;
	int64		n;
	int64		cap;
	double		test_size;
	pg_prng_state rng;
	MaasDataset *ds;
	MaasProgress *progress;
	MemoryContext cxt;			/* of the arrays: SPI runs the receiver in its own */
} PairsState;

/* The key type a column of type typid has, 0 if none */
static MaasKeyType
KeyTypeOf(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
			return MAAS_KEY_INT4;
		case INT8OID:
			return MAAS_KEY_INT8;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
			return MAAS_KEY_TEXT;
		case UUIDOID:
			return MAAS_KEY_UUID;
	}
	return 0;
}

static bool
IsIntegerKey(MaasKeyType t)
{
	return t == MAAS_KEY_INT4 || t == MAAS_KEY_INT8;
}

/*
 * A SQL value as a key of a model whose keys are of type want; what names
 * it in errors ("user", "item").  Integers of any width match integer keys;
 * a text value (an untyped literal) is read as the key's type.
 */
void
MaasDatumToKey(Datum value, Oid typid, MaasKeyType want, MaasKey *key, const char *what)
{
	MaasKeyType have;

	memset(key, 0, sizeof(MaasKey));
	if (typid == UNKNOWNOID)
	{
		/* an untyped literal passed as "any": its text */
		value = CStringGetTextDatum(DatumGetCString(value));
		typid = TEXTOID;
	}
	typid = getBaseType(typid);
	have = KeyTypeOf(typid);
	if (have == MAAS_KEY_TEXT && !IsIntegerKey(want) && want != MAAS_KEY_TEXT)
	{
		/* an untyped literal for a uuid key */
		value = DirectFunctionCall1(uuid_in, CStringGetDatum(TextDatumGetCString(value)));
		typid = UUIDOID;
		have = MAAS_KEY_UUID;
	}
	else if (have == MAAS_KEY_TEXT && IsIntegerKey(want))
	{
		value = DirectFunctionCall1(int8in, CStringGetDatum(TextDatumGetCString(value)));
		typid = INT8OID;
		have = MAAS_KEY_INT8;
	}
	if (have == 0 || (IsIntegerKey(have) != IsIntegerKey(want)) ||
		(!IsIntegerKey(have) && have != want))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s key is of type %s, the model's %s keys are %s",
						what, format_type_be(typid), what, MaasKeyTypeName(want)),
				 errhint("Cast the %s to %s.", what, MaasKeyTypeName(want))));
	switch (typid)
	{
		case INT2OID:
			key->ival = DatumGetInt16(value);
			break;
		case INT4OID:
			key->ival = DatumGetInt32(value);
			break;
		case INT8OID:
			key->ival = DatumGetInt64(value);
			break;
		case UUIDOID:
			key->data = (const char *) DatumGetUUIDP(value)->data;
			key->len = UUID_LEN;
			break;
		default:
			key->data = MaasDatumText(value, typid, &key->len);
			break;
	}
}

/* ---- training: read the rows ---- */

static void
KeyColumnInit(KeyColumn *k, TupleDesc desc, const char *name, const char *role)
{
	k->name = name;
	k->role = role;
	k->attno = MaasRequireAttribute(desc, name, role);
	k->typid = getBaseType(TupleDescAttr(desc, k->attno)->atttypid);
	k->type = KeyTypeOf(k->typid);
	if (k->type == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" is of type %s", role, name, format_type_be(k->typid)),
				 errhint("Keys must be integer, bigint, text or uuid.")));
	initStringInfo(&k->bytes);
}

static void
Grow(PairsState *st)
{
	int64		cap = Max(INITIAL_ROWS, st->cap * 2);
	Size		row = sizeof(double) + sizeof(bool) + 2 * sizeof(int64) * 2;
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	MaasCheckDataMemory(mul_size(row, cap), "reading the ratings");
	st->rating = st->cap ? repalloc_huge(st->rating, sizeof(double) * cap) :
		MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * cap);
	st->is_test = st->cap ? repalloc_huge(st->is_test, sizeof(bool) * cap) :
		MemoryContextAllocHuge(CurrentMemoryContext, sizeof(bool) * cap);
	for (int c = 0; c < 2; c++)
	{
		KeyColumn  *k = c == 0 ? &st->user : &st->item;

		if (IsIntegerKey(k->type))
			k->ints = st->cap ? repalloc_huge(k->ints, sizeof(int64) * cap) :
				MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * cap);
		else
			k->start = st->cap ? repalloc_huge(k->start, sizeof(int64) * (cap + 1)) :
				MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (cap + 1));
	}
	st->cap = cap;
	MemoryContextSwitchTo(old);
}

static void
KeepKey(KeyColumn *k, Datum value, int64 row)
{
	MaasKey		key;

	MaasDatumToKey(value, k->typid, k->type, &key, k->role);
	if (k->ints != NULL)
	{
		k->ints[row] = key.ival;
		return;
	}
	if (k->bytes.len > (int) (MaxAllocSize / 2) - key.len)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s keys take more than 500 MB", k->role)));
	k->start[row] = k->bytes.len;
	appendBinaryStringInfo(&k->bytes, key.data, key.len);
	k->start[row + 1] = k->bytes.len;
}

static bool
PairsReceive(TupleTableSlot *slot, DestReceiver *self)
{
	PairsState *st = (PairsState *) self;
	MaasDataset *ds = st->ds;
	bool	   *isnull;
	double		r;

	slot_getallattrs(slot);
	isnull = slot->tts_isnull;
	ds->rows_read++;
	if ((ds->rows_read & 0xffff) == 0 && MaasProgressDue(st->progress))
		ereport(NOTICE,
				(errmsg("%s: read " INT64_FORMAT " rows in %.1f s", st->progress->what,
						ds->rows_read, MaasProgressElapsedMs(st->progress) / 1000.0)));
	if (isnull[st->user.attno] || isnull[st->item.attno] || isnull[st->rating_attno])
	{
		ds->rows_skipped++;
		return true;
	}
	r = MaasDatumToDouble(slot->tts_values[st->rating_attno], st->rating_typid);
	if (isnan(r) || isinf(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("rating \"%s\" is %g in row " INT64_FORMAT, st->rating_name, r,
						ds->rows_read),
				 errhint("Ratings must be finite numbers.")));
	if (st->n == st->cap)
		Grow(st);
	KeepKey(&st->user, slot->tts_values[st->user.attno], st->n);
	KeepKey(&st->item, slot->tts_values[st->item.attno], st->n);
	st->rating[st->n] = r;
	st->is_test[st->n] = st->test_size > 0 && pg_prng_double(&st->rng) < st->test_size;
	st->n++;
	return true;
}

static void
PairsNoop(DestReceiver *self)
{
}

static void
PairsStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
RunPairs(PairsState *st, SPIPlanPtr plan)
{
	SPIExecuteOptions options;
	int			rc;

	st->pub.receiveSlot = PairsReceive;
	st->pub.rStartup = PairsStartup;
	st->pub.rShutdown = PairsNoop;
	st->pub.rDestroy = PairsNoop;
	st->pub.mydest = DestNone;
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = (DestReceiver *) st;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "source query failed: %s", SPI_result_code_string(rc));
}

/* ---- training: number the keys ---- */

/* qsort_arg comparator over row numbers, by their keys */
static int
CompareRows(const void *a, const void *b, void *arg)
{
	const KeyColumn *k = arg;
	int64		ra = *(const int64 *) a;
	int64		rb = *(const int64 *) b;
	int			la,
				lb,
				c;

	if (k->ints != NULL)
		return (k->ints[ra] > k->ints[rb]) - (k->ints[ra] < k->ints[rb]);
	la = (int) (k->start[ra + 1] - k->start[ra]);
	lb = (int) (k->start[rb + 1] - k->start[rb]);
	c = memcmp(k->bytes.data + k->start[ra], k->bytes.data + k->start[rb], Min(la, lb));
	return c != 0 ? c : (la > lb) - (la < lb);
}

static void
RowKey(const KeyColumn *k, int64 row, MaasKey *key)
{
	if (k->ints != NULL)
		key->ival = k->ints[row];
	else
	{
		key->data = k->bytes.data + k->start[row];
		key->len = (int) (k->start[row + 1] - k->start[row]);
	}
}

/*
 * The sorted unique keys of the training rows into keys, and each row's
 * index into k->index (-1 for a test row's unknown key).
 */
static void
NumberKeys(PairsState *st, KeyColumn *k, MaasKeys *keys)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(st->n, 1));
	int64		n_train = 0;
	StringInfoData bytes;

	for (int64 i = 0; i < st->n; i++)
		if (!st->is_test[i])
			order[n_train++] = i;
	qsort_arg(order, n_train, sizeof(int64), CompareRows, k);
	keys->type = k->type;
	keys->n = 0;
	keys->ints = IsIntegerKey(k->type) ? MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(n_train, 1)) : NULL;
	keys->offsets = IsIntegerKey(k->type) ? NULL : MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * (n_train + 1));
	initStringInfo(&bytes);
	for (int64 j = 0; j < n_train; j++)
	{
		MaasKey		key = {0};

		if (j > 0 && CompareRows(&order[j - 1], &order[j], k) == 0)
			continue;
		if (keys->n >= MAAS_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("more than %d distinct %ss", MAAS_MAX_KEYS, k->role)));
		RowKey(k, order[j], &key);
		if (keys->ints)
			keys->ints[keys->n] = key.ival;
		else
		{
			keys->offsets[keys->n] = bytes.len;
			appendBinaryStringInfo(&bytes, key.data, key.len);
		}
		keys->n++;
	}
	if (keys->offsets)
	{
		keys->offsets[keys->n] = bytes.len;
		keys->bytes = bytes.data;
	}
	k->index = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(st->n, 1));
	for (int64 i = 0; i < st->n; i++)
	{
		MaasKey		key = {0};

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		RowKey(k, i, &key);
		k->index[i] = MaasKeysFind(keys, &key);
	}
	pfree(order);
}

static void
MatrixOfRows(PairsState *st, MaasMatrix *m, bool test)
{
	int64		n = 0;

	for (int64 i = 0; i < st->n; i++)
		n += st->is_test[i] == test;
	m->n_rows = n;
	m->ld = Max(n, 1);
	m->n_cols = 3;
	m->data = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * 3 * m->ld);
	n = 0;
	for (int64 i = 0; i < st->n; i++)
		if (st->is_test[i] == test)
		{
			m->data[n] = st->user.index[i];
			m->data[m->ld + n] = st->item.index[i];
			m->data[2 * m->ld + n] = st->rating[i];
			n++;
		}
}

/* The two input columns of a pairs model: user and item, one feature each */
static void
PairsPreprocess(MaasPreprocess *prep, const char *user, const char *item)
{
	prep->n_columns = 2;
	prep->n_features = 2;
	prep->columns = palloc0(sizeof(MaasColumn) * 2);
	for (int c = 0; c < 2; c++)
	{
		MaasColumn *col = &prep->columns[c];

		col->name = pstrdup(c == 0 ? user : item);
		col->kind = MAAS_COL_NUMERIC;
		col->offset = c;
		col->width = 1;
		col->impute = palloc(sizeof(double));
		col->impute[0] = -1;	/* unknown */
	}
}

static void
CheckRating(TupleDesc desc, PairsState *st, const char *target)
{
	bool		is_array;
	bool		is_vector;
	MaasColumnKind kind;

	st->rating_name = target;
	st->rating_attno = MaasRequireAttribute(desc, target, "rating");
	st->rating_typid = getBaseType(TupleDescAttr(desc, st->rating_attno)->atttypid);
	kind = MaasKindOfType(st->rating_typid, &is_array, &is_vector);
	if (kind != MAAS_COL_NUMERIC && kind != MAAS_COL_BOOLEAN)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("rating \"%s\" is of type %s; it must be a number",
						target, format_type_be(st->rating_typid))));
}

/*
 * Read (user, item, rating) rows for training.  Must run inside SPI_connect;
 * results live in the current memory context.
 */
MaasDataset *
MaasLoadPairs(const char *source, const char *user, const char *item,
			  const char *target, double test_size, int seed, MaasProgress *progress)
{
	PairsState *st = palloc0(sizeof(PairsState));
	MaasDataset *ds = palloc0(sizeof(MaasDataset));
	MaasPairs  *pairs = palloc0(sizeof(MaasPairs));
	char	   *query = MaasSourceQuery(source);
	TupleDesc	desc;
	SPIPlanPtr	plan = MaasPrepareSource(query, &desc);

	st->ds = ds;
	st->progress = progress;
	st->cxt = CurrentMemoryContext;
	KeyColumnInit(&st->user, desc, user, "user");
	KeyColumnInit(&st->item, desc, item, "item");
	if (st->user.attno == st->item.attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user and item are the same column \"%s\"", user)));
	CheckRating(desc, st, target);
	if (st->rating_attno == st->user.attno || st->rating_attno == st->item.attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rating \"%s\" is also the user or the item column", target)));
	st->test_size = test_size;
	pg_prng_seed(&st->rng, (uint64) seed);
	RunPairs(st, plan);

	for (int64 i = 0, n_train = 0; i <= st->n; i++)
	{
		if (i == st->n && n_train == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("source has no rows to train on"),
					 errdetail(INT64_FORMAT " rows read, " INT64_FORMAT " skipped for a NULL user, item or rating.",
							   ds->rows_read, ds->rows_skipped)));
		if (i < st->n && !st->is_test[i])
			n_train++;
	}
	NumberKeys(st, &st->user, &pairs->users);
	NumberKeys(st, &st->item, &pairs->items);
	MatrixOfRows(st, &ds->train, false);
	MatrixOfRows(st, &ds->test, true);
	ds->memory_bytes = st->cap * (sizeof(double) + sizeof(bool) + 4 * sizeof(int64)) +
		st->user.bytes.len + st->item.bytes.len;
	PairsPreprocess(&ds->prep, user, item);
	ds->target.name = pstrdup(target);
	ds->target.kind = MAAS_COL_NUMERIC;
	ds->task = MAAS_TASK_RECOMMENDATION;
	ds->pairs = pairs;
	return ds;
}

/* ---- evaluation: rows with a model's keys ---- */

/*
 * Read (user, item, rating) rows of source with the columns and the keys of
 * a pairs model into ds->test; unknown keys become -1.
 */
MaasDataset *
MaasLoadPairsForModel(const char *source, const MaasModel *model,
					  const MaasPairs *pairs, MaasProgress *progress)
{
	PairsState *st = palloc0(sizeof(PairsState));
	MaasDataset *ds = palloc0(sizeof(MaasDataset));
	char	   *query = MaasSourceQuery(source);
	TupleDesc	desc;
	SPIPlanPtr	plan = MaasPrepareSource(query, &desc);
	const MaasKeys *keys[2] = {&pairs->users, &pairs->items};
	KeyColumn  *cols[2] = {&st->user, &st->item};

	st->ds = ds;
	st->progress = progress;
	st->cxt = CurrentMemoryContext;
	for (int c = 0; c < 2; c++)
	{
		KeyColumnInit(cols[c], desc, model->prep.columns[c].name, c == 0 ? "user" : "item");
		/* the source's column is read as the model's key type */
		cols[c]->type = keys[c]->type;
	}
	CheckRating(desc, st, model->target.name ? model->target.name : "rating");
	RunPairs(st, plan);
	if (st->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("source has no rows to evaluate"),
				 errdetail(INT64_FORMAT " rows read, " INT64_FORMAT " skipped for a NULL user, item or rating.",
						   ds->rows_read, ds->rows_skipped)));
	for (int c = 0; c < 2; c++)
	{
		cols[c]->index = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * st->n);
		for (int64 i = 0; i < st->n; i++)
		{
			MaasKey		key = {0};

			RowKey(cols[c], i, &key);
			cols[c]->index[i] = MaasKeysFind(keys[c], &key);
		}
	}
	for (int64 i = 0; i < st->n; i++)
		st->is_test[i] = true;
	MatrixOfRows(st, &ds->test, true);
	ds->task = MAAS_TASK_RECOMMENDATION;
	return ds;
}
