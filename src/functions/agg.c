/*
 * agg.c
 *	  The training aggregate: maas_fit, maas_fit_partial and maas_fit_merge.
 *
 * The state is a bytea, not internal: PostgreSQL passes it between parallel
 * workers without serialization functions, and Citus ships it to the
 * coordinator as text (byteaout/byteain round-trip it byte for byte).  It is
 * self-describing (magic, version, byte order, algorithm, dimensions) and
 * holds no pointers or OIDs.
 *
 * Algorithms with a comoment fit (least squares) keep count, means and the
 * centered cross products of [x y], plus a small row buffer that is folded
 * in by BLAS syrk a block at a time; the state stays the same size however
 * many rows arrive.  Algorithms with mergeable statistics of their own
 * (MaasStats: naive Bayes) keep one group of them per class, sorted by the
 * class's target value, added to and merged by the algorithm.  Other
 * algorithms collect rows and fit in the final function.
 *
 * The transition function updates the state in place inside the aggregate
 * context.  Where a row-collecting state must grow, the larger copy is made
 * in the per-call context and returned: the executor copies it into the
 * aggregate context and frees the old one, so nothing is freed twice or
 * leaked.
 *
 * States may come from anywhere (a user can call maas_fit_merge on any
 * bytea), so every entry point checks the header and the exact size
 * before touching the arrays, and the final function checks every number.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "functions/functions.h"

#define FIT_STATE_MAGIC		0x5346414D	/* "MAFS" */
#define FIT_STATE_VERSION	1
#define FIT_KIND_COMOMENT	1
#define FIT_KIND_ROWS		2
#define FIT_KIND_STATS		3
#define MAX_PARAMS_LEN		(1024 * 1024)
#define MIN_BLOCK			8		/* rows buffered by a new comoment state */
#define MAX_BLOCK_DOUBLES	(1 << 14)	/* its buffer grows up to this size */

#ifdef WORDS_BIGENDIAN
#define NATIVE_ORDER		2
#else
#define NATIVE_ORDER		1
#endif

typedef struct FitState
{
	int32		vl_len_;
	uint32		magic;
	uint16		version;
	uint8		kind;
	uint8		byte_order;
	uint16		algorithm_id;
	uint16		reserved;
	int32		p;				/* features */
	int32		params_len;		/* bytes of params JSON after the header */
	int32		block_cap;		/* comoment: rows the buffer holds */
	int32		block_used;
	int64		rows_cap;		/* rows: capacity; stats: of groups */
	int64		rows_used;
	int64		skipped;		/* rows with a NULL */
	double		n;				/* comoment: rows merged */
	/* params JSON, padded to 8 bytes; then the arrays */
} FitState;

#define PARAMS_PAD(len)		TYPEALIGN(8, (len))
#define STATE_PARAMS(s)		((char *) (s) + sizeof(FitState))
#define STATE_ARRAYS(s)		((double *) (STATE_PARAMS(s) + PARAMS_PAD((s)->params_len)))
#define STATE_Q(s)			((s)->p + 1)
#define STATE_MEAN(s)		STATE_ARRAYS(s)
#define STATE_C(s)			(STATE_ARRAYS(s) + STATE_Q(s))
#define STATE_BLOCK(s)		(STATE_C(s) + (int64) STATE_Q(s) * STATE_Q(s))
#define STATE_ROWS(s)		STATE_ARRAYS(s)
/* stats: group g is its key (the class value) then the algorithm's doubles */
#define STATE_GROUP(s, g, row)	(STATE_ARRAYS(s) + (int64) (g) * (row))

/*
 * Per-call-site cache of the transition function: the algorithm named by
 * its argument, and the state it returned last, which needs no new check
 * when it comes back (nothing but this function writes it in between).
 */
typedef struct AlgorithmCache
{
	char		name[64];
	int			len;
	bool		name_stable;	/* a constant: resolved once */
	const MaasAlgorithm *algorithm;
	const FitState *checked;
	Size		checked_size;
	/* stats: the options of the params of the state last seen, parsed once */
	const MaasAlgorithm *options_algorithm;
	char	   *params;
	int			params_len;
	void	   *options;
	MaasTask	task;
} AlgorithmCache;

/* What a state of this algorithm holds */
static uint8
StateKind(const MaasAlgorithm *algorithm)
{
	return algorithm->fit_comoment ? FIT_KIND_COMOMENT :
		algorithm->fit_stats ? FIT_KIND_STATS : FIT_KIND_ROWS;
}

static void
BadState(const char *detail)
{
	ereport(ERROR,
			(errcode(MAAS_ERRCODE_BAD_MODEL),
			 errmsg("invalid maas_fit state"),
			 errdetail("%s", detail)));
}

/* Doubles of a row (rows) or of a group with its key (stats), 0 if absurd */
static int64
RowDoubles(uint8 kind, const MaasAlgorithm *algorithm, int64 p)
{
	int64		width;

	if (kind != FIT_KIND_STATS)
		return p + 1;
	width = algorithm->stats_width((int) p);
	return width < 1 || width > MaxAllocSize / sizeof(double) ? 0 : width + 1;
}

#define STATE_ROW(s)	RowDoubles((s)->kind, MaasFindAlgorithmById((s)->algorithm_id), (s)->p)

/*
 * Bytes a state of these dimensions occupies, 0 if beyond a bytea; row is
 * RowDoubles (rows and stats kinds)
 */
static Size
StateSize(uint8 kind, int64 p, int64 params_len, int64 block_cap, int64 rows_cap,
		  int64 row)
{
	double		q = (double) p + 1;
	double		doubles = kind == FIT_KIND_COMOMENT ?
		q + q * q + (double) block_cap * q : (double) rows_cap * row;
	double		bytes = sizeof(FitState) + PARAMS_PAD(params_len) + doubles * sizeof(double);

	return bytes > MaxAllocSize ? 0 : (Size) bytes;
}

/* Check the header and that the size fits the dimensions exactly */
static void
CheckState(const FitState *s)
{
	Size		size = VARSIZE_ANY(s);
	const MaasAlgorithm *algorithm;

	if (VARATT_IS_EXTENDED(s) || size < sizeof(FitState))
		BadState("The state is shorter than its header.");
	if (s->magic != FIT_STATE_MAGIC)
		BadState("The bytes are not a maas_fit state.");
	if (s->version != FIT_STATE_VERSION)
		BadState("The state's format version is not supported.");
	if (s->byte_order != NATIVE_ORDER)
		BadState("The state was computed on a machine of the other byte order.");
	if (s->kind != FIT_KIND_COMOMENT && s->kind != FIT_KIND_ROWS &&
		s->kind != FIT_KIND_STATS)
		BadState("The state's kind is unknown.");
	/* fields of the other kind and the reserved one are zero, as written */
	if (s->reserved != 0 ||
		(s->kind == FIT_KIND_COMOMENT ? (s->rows_cap != 0 || s->rows_used != 0) :
		 (s->block_cap != 0 || s->block_used != 0 || s->n != 0)))
		BadState("The state has fields set that its kind does not use.");
	algorithm = MaasFindAlgorithmById(s->algorithm_id);
	if (algorithm == NULL)
		BadState("The state names an unknown algorithm.");
	if (StateKind(algorithm) != s->kind)
		BadState("The state's kind does not match its algorithm.");
	if (s->p < 1 || s->p > MAAS_MAX_FEATURES)
		BadState("The state's feature count is out of range.");
	if (s->params_len < 0 || s->params_len > MAX_PARAMS_LEN)
		BadState("The state's params length is out of range.");
	/*
	 * A full row buffer is flushed or grown at once, so a state holding one
	 * was crafted: its next row would be written past the end.
	 */
	if (s->kind == FIT_KIND_COMOMENT &&
		(s->block_cap < 1 || s->block_cap > 4096 ||
		 s->block_used < 0 || s->block_used >= s->block_cap ||
		 !(s->n >= 0) || isinf(s->n)))
		BadState("The state's row counts are out of range.");
	if (s->kind != FIT_KIND_COMOMENT &&
		(s->rows_cap < 0 || s->rows_used < 0 || s->rows_used > s->rows_cap))
		BadState("The state's row counts are out of range.");
	if (s->kind == FIT_KIND_STATS &&
		(s->rows_cap > MAAS_MAX_CLASSES || RowDoubles(s->kind, algorithm, s->p) == 0))
		BadState("The state's group counts are out of range.");
	if (s->skipped < 0)
		BadState("The state's count of skipped rows is negative.");
	if (StateSize(s->kind, s->p, s->params_len, s->block_cap, s->rows_cap,
				  RowDoubles(s->kind, algorithm, s->p)) != size)
		BadState("The state's size does not match its dimensions.");
	if (s->params_len > 0 &&
		(memchr(STATE_PARAMS(s), 0, s->params_len) != NULL))
		BadState("The state's params are not text.");
}

/* A state whose doubles are 8-byte aligned and whose header is checked */
static FitState *
ArgState(FunctionCallInfo fcinfo, int arg)
{
	bytea	   *raw = PG_GETARG_BYTEA_P(arg);
	FitState   *s;

	/* copied as bytes: clang 19's UBSan checks memcpy's typed arguments */
	if (VARSIZE_ANY(raw) >= sizeof(FitState) && ((uintptr_t) raw & 7) != 0)
	{
		bytea	   *copy = palloc(VARSIZE(raw));

		memcpy(copy, raw, VARSIZE(raw));
		raw = copy;
	}
	s = (FitState *) raw;
	CheckState(s);
	return s;
}

static AlgorithmCache *
GetAlgorithmCache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
	{
		AlgorithmCache *cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
													   sizeof(AlgorithmCache));

		cache->name_stable = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
		fcinfo->flinfo->fn_extra = cache;
	}
	return fcinfo->flinfo->fn_extra;
}

static const MaasAlgorithm *
AlgorithmArg(FunctionCallInfo fcinfo)
{
	AlgorithmCache *cache = GetAlgorithmCache(fcinfo);
	text	   *name;
	int			len;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("algorithm must not be NULL")));
	if (cache->algorithm != NULL && cache->name_stable)
		return cache->algorithm;
	name = PG_GETARG_TEXT_PP(1);
	len = VARSIZE_ANY_EXHDR(name);
	if (cache->algorithm == NULL || len != cache->len ||
		memcmp(VARDATA_ANY(name), cache->name, len) != 0)
	{
		char	   *s = text_to_cstring(name);

		cache->algorithm = MaasFindAlgorithm(s);
		if (cache->algorithm->input == MAAS_INPUT_PAIRS)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("maas_fit does not train %s, which reads (user, item, rating) rows", s),
					 errhint("Train it with maas_train(name, '%s', source, rating, params).", s)));
		if (cache->algorithm->input == MAAS_INPUT_TOKENS)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("maas_fit does not train %s, which reads documents", s),
					 errhint("Train it with maas_train(name, '%s', source, target, params).", s)));
		cache->len = Min(len, (int) sizeof(cache->name));
		memcpy(cache->name, s, cache->len);
		if (len > (int) sizeof(cache->name))
			cache->len = -1;	/* never matches: look up every time */
	}
	return cache->algorithm;
}

static MaasTask FitTask(const MaasAlgorithm *algorithm, const MaasParams *params);
static MaasParams *StateParams(const FitState *s, const MaasAlgorithm *algorithm);

static FitState *
NewState(const MaasAlgorithm *algorithm, int p, Jsonb *params, MemoryContext cxt)
{
	char	   *params_text = NULL;
	int			params_len = 0;
	uint8		kind = StateKind(algorithm);
	int			block_cap = kind == FIT_KIND_COMOMENT ? MIN_BLOCK : 0;
	int64		rows_cap = kind == FIT_KIND_ROWS ? 64 : kind == FIT_KIND_STATS ? 2 : 0;
	int64		row = RowDoubles(kind, algorithm, p);
	Size		size;
	FitState   *s;

	if (params != NULL)
	{
		/* checked now, so a bad key fails on the first row, not at the end */
		FitTask(algorithm, MaasParseParams(params, maas_fit_params, sizeof(MaasFitOptions),
										   algorithm));
		params_text = JsonbToCString(NULL, &params->root, VARSIZE(params));
		params_len = strlen(params_text);
		if (params_len > MAX_PARAMS_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("params of %d bytes are too long", params_len)));
	}
	size = row == 0 ? 0 : StateSize(kind, p, params_len, block_cap, rows_cap, row);
	if (size == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d features are too many for %s in maas_fit", p, algorithm->name),
				 errhint("Its state must fit in a 1 GB bytea; use fewer features.")));
	s = MemoryContextAllocZero(cxt, size);
	SET_VARSIZE(s, size);
	s->magic = FIT_STATE_MAGIC;
	s->version = FIT_STATE_VERSION;
	s->kind = kind;
	s->byte_order = NATIVE_ORDER;
	s->algorithm_id = algorithm->id;
	s->p = p;
	s->params_len = params_len;
	s->block_cap = block_cap;
	s->rows_cap = rows_cap;
	if (params_len > 0)
		memcpy(STATE_PARAMS(s), params_text, params_len);
	return s;
}

/* Fold the buffered rows into the comoments */
static void
FlushBlock(FitState *s)
{
	MaasComoment cm;
	double	   *scratch;
	int			q = STATE_Q(s);

	if (s->block_used == 0)
		return;
	cm.q = q;
	cm.n = s->n;
	cm.mean = STATE_MEAN(s);
	cm.c = STATE_C(s);
	scratch = palloc(sizeof(double) * s->block_used * q);
	MaasComomentAddRows(&cm, STATE_BLOCK(s), s->block_used, scratch);
	pfree(scratch);
	s->n = cm.n;
	s->block_used = 0;
}

/*
 * A copy of s whose row buffer is twice as large, in the current context.
 * Small groups keep small states; large ones buffer enough rows for an
 * efficient syrk.
 */
static FitState *
GrowBlock(FitState *s)
{
	int			cap = s->block_cap * 2;
	Size		size = StateSize(s->kind, s->p, s->params_len, cap, 0, 0);
	FitState   *grown;

	grown = palloc0(size);
	memcpy(grown, s, VARSIZE(s));
	SET_VARSIZE(grown, size);
	grown->block_cap = cap;
	return grown;
}

static bool
BlockMayGrow(const FitState *s)
{
	return s->block_cap * 2 <= 4096 &&
		(int64) s->block_cap * 2 * STATE_Q(s) <= MAX_BLOCK_DOUBLES;
}

/* A copy of s with room for rows more rows, in the current context */
static FitState *
GrowRows(FitState *s, int64 rows)
{
	int64		row = STATE_ROW(s);
	int64		cap = Max(s->rows_cap * 2, s->rows_used + rows);
	Size		size;
	FitState   *grown;

	if (s->kind == FIT_KIND_STATS)
		cap = Min(cap, MAAS_MAX_CLASSES);
	size = StateSize(s->kind, s->p, s->params_len, 0, cap, row);
	if (size == 0)
	{
		/* the most rows a bytea can hold */
		cap = (MaxAllocSize - sizeof(FitState) - PARAMS_PAD(s->params_len)) /
			(sizeof(double) * row);
		if (cap < s->rows_used + rows)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("maas_fit cannot hold more than " INT64_FORMAT " rows of %d features for %s",
							cap, s->p, MaasFindAlgorithmById(s->algorithm_id)->name),
					 errhint("Train with maas_train, which has no such limit, or fit on a sample.")));
		size = StateSize(s->kind, s->p, s->params_len, 0, cap, row);
	}
	grown = palloc0(size);
	memcpy(grown, s, VARSIZE(s));
	SET_VARSIZE(grown, size);
	grown->rows_cap = cap;
	return grown;
}

/* Add a row; returns the state, which may have moved to grow */
static FitState *
AppendRow(FitState *s, const double *x, double y)
{
	int			q = STATE_Q(s);
	double	   *dst;

	if (s->kind == FIT_KIND_COMOMENT)
	{
		dst = STATE_BLOCK(s) + (int64) s->block_used * q;
		memcpy(dst, x, sizeof(double) * s->p);
		dst[s->p] = y;
		if (++s->block_used == s->block_cap)
		{
			if (BlockMayGrow(s))
				s = GrowBlock(s);
			else
				FlushBlock(s);
		}
	}
	else
	{
		Assert(s->rows_used < s->rows_cap);
		dst = STATE_ROWS(s) + s->rows_used * q;
		memcpy(dst, x, sizeof(double) * s->p);
		dst[s->p] = y;
		s->rows_used++;
	}
	return s;
}

/*
 * The group of a stats state whose key is key, inserted as zeros when
 * absent; returns the state, which may have moved to grow.
 */
static FitState *
StatsGroup(FitState *s, double key, int64 row, double **group)
{
	int64		pos;

	*group = MaasStatsFind(STATE_ARRAYS(s), s->rows_used, key, row, &pos);
	if (*group != NULL)
		return s;
	if (s->rows_used == s->rows_cap)
		s = GrowRows(s, 1);
	*group = MaasStatsInsert(STATE_ARRAYS(s), s->rows_used, pos, key, row);
	s->rows_used++;
	return s;
}

/*
 * The algorithm's options and the task of a stats state, parsed from its
 * params once per call site (again only when a group's params differ)
 */
static const void *
StatsOptions(FunctionCallInfo fcinfo, const FitState *s, const MaasAlgorithm *algorithm,
			 MaasTask *task)
{
	AlgorithmCache *cache = GetAlgorithmCache(fcinfo);

	if (cache->options_algorithm != algorithm || cache->params_len != s->params_len ||
		memcmp(cache->params, STATE_PARAMS(s), s->params_len) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		MaasParams *params = StateParams(s, algorithm);

		cache->task = FitTask(algorithm, params);
		cache->options = params->options;
		cache->params = palloc(Max(s->params_len, 1));
		memcpy(cache->params, STATE_PARAMS(s), s->params_len);
		cache->params_len = s->params_len;
		cache->options_algorithm = algorithm;
		MemoryContextSwitchTo(old);
	}
	*task = cache->task;
	return cache->options;
}

/* A row into the group of its class (of the only group, for regression) */
static FitState *
AddToGroup(FunctionCallInfo fcinfo, FitState *s, const MaasAlgorithm *algorithm,
		   const double *x, double y)
{
	MaasTask	task;
	const void *options = StatsOptions(fcinfo, s, algorithm, &task);
	double	   *group;

	s = StatsGroup(s, MaasTaskIsClassification(task) ? y : 0, STATE_ROW(s), &group);
	algorithm->stats_add(group, s->p, x, options);
	return s;
}

static void
CheckRowFinite(const MaasAlgorithm *algorithm, const double *x, int p, double y,
			   bool nan_is_missing)
{
	for (int j = 0; j < p; j++)
		if (unlikely(isinf(x[j]) || (isnan(x[j]) && !nan_is_missing)))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("feature %d is %s", j + 1, isnan(x[j]) ? "NaN" : "infinite"),
					 algorithm->handles_missing ?
					 errhint("Use NULL for a missing value; %s handles NULL elements itself.", algorithm->name) :
					 errhint("Use NULL for a missing value; maas_fit skips rows with NULLs.")));
	if (isnan(y) || isinf(y))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("target is %s", isnan(y) ? "NaN" : "infinite")));
}

/*
 * The elements of an array with NULLs, NULL as NaN: the missing values of
 * algorithms that handle them natively.  A NaN element itself is an error,
 * as it is in maas_train.
 */
static const double *
ElementsWithMissing(ArrayType *arr, int n)
{
	double	   *x = palloc(sizeof(double) * n);
	const double *v = (const double *) ARR_DATA_PTR(arr);
	bits8	   *bitmap = ARR_NULLBITMAP(arr);

	for (int i = 0; i < n; i++)
	{
		if (bitmap[i / 8] & (1 << (i % 8)))
		{
			if (isnan(*v))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("feature %d is NaN", i + 1),
						 errhint("Use NULL for a missing value.")));
			x[i] = *v++;
		}
		else
			x[i] = NAN;
	}
	return x;
}

/*
 * Remember a state we return from the aggregate context, the only place the
 * executor keeps it without copying; a grown state is copied there by the
 * executor, so it is checked again when it comes back.
 */
static Datum
ReturnState(FunctionCallInfo fcinfo, FitState *s, MemoryContext aggcxt)
{
	AlgorithmCache *cache = GetAlgorithmCache(fcinfo);

	if (GetMemoryChunkContext(s) == aggcxt)
	{
		cache->checked = s;
		cache->checked_size = VARSIZE(s);
	}
	else
		cache->checked = NULL;
	PG_RETURN_BYTEA_P(s);
}

/*
 * maas_fit_transfn(state, algorithm, features, target [, params])
 * Rows with a NULL feature array or NULL target are skipped, and so are rows
 * with a NULL element unless the algorithm handles missing values itself.
 */
PG_FUNCTION_INFO_V1(maas_fit_transfn);
Datum
maas_fit_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FitState   *s = NULL;
	const MaasAlgorithm *algorithm;
	ArrayType  *arr;
	const double *x;
	int			n;
	double		y;
	bool		unsupervised;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_fit_transfn can only be called as an aggregate's transition")));
	algorithm = AlgorithmArg(fcinfo);
	if (!PG_ARGISNULL(0))
	{
		AlgorithmCache *cache = GetAlgorithmCache(fcinfo);
		FitState   *prev = (FitState *) PG_GETARG_POINTER(0);

		if (prev == cache->checked && VARSIZE(prev) == cache->checked_size)
			s = prev;
		else
			s = ArgState(fcinfo, 0);
	}
	if (s != NULL && s->algorithm_id != algorithm->id)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("algorithm changed from %s to %s within one group",
						MaasFindAlgorithmById(s->algorithm_id)->name, algorithm->name)));
	/* unsupervised algorithms take no target: NULL, and y is 0 */
	unsupervised = MaasUnsupervisedTask(algorithm) != 0;
	if (unsupervised && !PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s learns without a target; pass NULL as maas_fit's target",
						algorithm->name)));
	if (PG_ARGISNULL(2) || (PG_ARGISNULL(3) && !unsupervised))
		goto skip;
	arr = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("features must be a one-dimensional array")));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (ARR_HASNULL(arr) && !algorithm->handles_missing)
		goto skip;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("features must not be empty")));
	x = ARR_HASNULL(arr) ? ElementsWithMissing(arr, n) : (const double *) ARR_DATA_PTR(arr);
	y = unsupervised ? 0 : PG_GETARG_FLOAT8(3);
	CheckRowFinite(algorithm, x, n, y, ARR_HASNULL(arr));

	if (s == NULL)
	{
		Jsonb	   *params = PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_JSONB_P(4) : NULL;

		if (n > MAAS_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%d features exceed the limit of %d", n, MAAS_MAX_FEATURES)));
		s = NewState(algorithm, n, params, aggcxt);
	}
	else if (n != s->p)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("features has %d elements, but earlier rows of the group had %d", n, s->p)));

	if (s->kind == FIT_KIND_ROWS && s->rows_used == s->rows_cap)
		s = GrowRows(s, 1);
	if (s->kind == FIT_KIND_STATS)
		s = AddToGroup(fcinfo, s, algorithm, x, y);
	else
		s = AppendRow(s, x, y);
	return ReturnState(fcinfo, s, aggcxt);

skip:
	if (s == NULL)
		PG_RETURN_NULL();
	/* saturating: a crafted state may start at the limit */
	if (s->skipped < PG_INT64_MAX)
		s->skipped++;
	return ReturnState(fcinfo, s, aggcxt);
}

/*
 * maas_fit_combine(state, state): the combine function of the aggregates,
 * and the transition of maas_fit_merge.
 */
PG_FUNCTION_INFO_V1(maas_fit_combine);
Datum
maas_fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	FitState   *a;
	FitState   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_fit_combine can only be called within an aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(ArgState(fcinfo, 0));
	}
	b = ArgState(fcinfo, 1);
	/* the executor copies a result it does not own into its context */
	if (PG_ARGISNULL(0))
		PG_RETURN_BYTEA_P(b);
	a = ArgState(fcinfo, 0);
	if (a->algorithm_id != b->algorithm_id || a->p != b->p || a->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge maas_fit states of different algorithms or feature counts"),
				 errdetail("One is %s with %d features, the other %s with %d.",
						   MaasFindAlgorithmById(a->algorithm_id)->name, a->p,
						   MaasFindAlgorithmById(b->algorithm_id)->name, b->p)));
	if (a->params_len != b->params_len ||
		memcmp(STATE_PARAMS(a), STATE_PARAMS(b), a->params_len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot merge maas_fit states trained with different params")));

	if (a->kind == FIT_KIND_COMOMENT)
	{
		int			q = STATE_Q(a);
		MaasComoment cm;

		for (int i = 0; i < b->block_used; i++)
			a = AppendRow(a, STATE_BLOCK(b) + (int64) i * q, STATE_BLOCK(b)[(int64) i * q + a->p]);
		cm.q = q;
		cm.n = a->n;
		cm.mean = STATE_MEAN(a);
		cm.c = STATE_C(a);
		MaasComomentMerge(&cm, b->n, STATE_MEAN(b), STATE_C(b));
		a->n = cm.n;
	}
	else if (a->kind == FIT_KIND_STATS)
	{
		const MaasAlgorithm *algorithm = MaasFindAlgorithmById(a->algorithm_id);
		int64		row = STATE_ROW(a);

		for (int64 g = 0; g < b->rows_used; g++)
		{
			const double *from = STATE_GROUP(b, g, row);
			double	   *into;

			a = StatsGroup(a, from[0], row, &into);
			algorithm->stats_merge(into, from + 1, a->p);
		}
	}
	else
	{
		if (a->rows_cap - a->rows_used < b->rows_used)
			a = GrowRows(a, b->rows_used);
		memcpy(STATE_ROWS(a) + a->rows_used * STATE_Q(a), STATE_ROWS(b),
			   sizeof(double) * b->rows_used * STATE_Q(b));
		a->rows_used += b->rows_used;
	}
	a->skipped = b->skipped > PG_INT64_MAX - a->skipped ? PG_INT64_MAX : a->skipped + b->skipped;
	PG_RETURN_BYTEA_P(a);
}

static void
CheckFiniteArray(const double *v, int64 n)
{
	for (int64 i = 0; i < n; i++)
		if (!isfinite(v[i]))
			BadState("The state holds a number that is not finite.");
}

/* Rows of features and target: features may be missing (NaN), not infinite */
static void
CheckFiniteRows(const double *rows, int64 n, int q)
{
	for (int64 i = 0; i < n; i++)
	{
		const double *row = rows + i * q;

		for (int j = 0; j < q - 1; j++)
			if (isinf(row[j]))
				BadState("The state holds a number that is not finite.");
		if (!isfinite(row[q - 1]))
			BadState("The state holds a target that is not finite.");
	}
}

static MaasParams *
StateParams(const FitState *s, const MaasAlgorithm *algorithm)
{
	Jsonb	   *jb = NULL;

	if (s->params_len > 0)
	{
		char	   *text = pnstrdup(STATE_PARAMS(s), s->params_len);

		jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	}
	return MaasParseParams(jb, maas_fit_params, sizeof(MaasFitOptions), algorithm);
}

/* Regression or classification, from the algorithm and params "task" */
static MaasTask
FitTask(const MaasAlgorithm *algorithm, const MaasParams *params)
{
	const MaasFitOptions *options = params->common;

	return MaasResolveTask(algorithm, options->task, 0, NULL);
}

/* The model of a state, or NULL when it holds no rows */
static bytea *
FitFromState(FitState *s)
{
	const MaasAlgorithm *algorithm = MaasFindAlgorithmById(s->algorithm_id);
	MaasParams *params = StateParams(s, algorithm);
	int			p = s->p;
	int			q = p + 1;
	MaasModel  *model = palloc0(sizeof(MaasModel));
	MaasColumn *col = palloc0(sizeof(MaasColumn));

	model->algorithm = algorithm;
	model->n_features = p;
	col->name = "features";
	col->kind = MAAS_COL_ARRAY;
	col->width = p;
	col->impute = palloc(sizeof(double) * p);
	model->prep.n_columns = 1;
	model->prep.columns = col;
	model->prep.n_features = p;
	model->target.kind = MAAS_COL_NUMERIC;

	if (s->kind == FIT_KIND_COMOMENT)
	{
		MaasComoment cm;

		if (s->n + s->block_used == 0)
			return NULL;
		for (int64 i = 0; i < q + (int64) q * q + (int64) s->block_used * q; i++)
			if (!isfinite(STATE_ARRAYS(s)[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("the sums of the maas_fit state are not finite"),
						 errdetail("Feature or target values are too large to square, or the state is corrupted."),
						 errhint("Scale the features, e.g. to thousands instead of units.")));
		MaasComomentInit(&cm, q);
		cm.n = s->n;
		memcpy(cm.mean, STATE_MEAN(s), sizeof(double) * q);
		memcpy(cm.c, STATE_C(s), sizeof(double) * q * q);
		if (s->block_used > 0)
		{
			double	   *scratch = palloc(sizeof(double) * s->block_used * q);

			MaasComomentAddRows(&cm, STATE_BLOCK(s), s->block_used, scratch);
			/* the buffered rows' squares may overflow too */
			for (int64 i = 0; i < (int64) q * q; i++)
				if (!isfinite(cm.c[i]))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("the sums of the maas_fit state are not finite"),
							 errdetail("Feature or target values are too large to square."),
							 errhint("Scale the features, e.g. to thousands instead of units.")));
		}
		model->task = FitTask(algorithm, params);
		memcpy(col->impute, cm.mean, sizeof(double) * p);
		model->state = algorithm->fit_comoment(&cm, model->task, params->options);
		model->n_outputs = MaasModelOutputs(model);
	}
	else if (s->kind == FIT_KIND_STATS)
	{
		if (s->rows_used == 0)
			return NULL;
		MaasFitFromStats(model, STATE_ARRAYS(s), (int) s->rows_used, STATE_ROW(s),
						 FitTask(algorithm, params), params->options);
	}
	else
	{
		MaasTrainData data = {0};	/* no documents, no pairs */
		MaasMatrix *m = &data.m;
		int64		n = s->rows_used;
		const double *rows = STATE_ROWS(s);
		double	   *y;

		memset(&data, 0, sizeof(data));
		if (n == 0)
			return NULL;
		if (algorithm->handles_missing)
			CheckFiniteRows(rows, n, q);
		else
			CheckFiniteArray(rows, n * q);
		m->n_rows = n;
		m->ld = n;
		m->n_cols = q;
		m->data = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * q);
		for (int j = 0; j < q; j++)
		{
			double	   *dst = MaasMatrixColumn(m, j);
			double		sum = 0;

			for (int64 i = 0; i < n; i++)
			{
				dst[i] = rows[i * q + j];
				sum += dst[i];
			}
			/* as in maas_train: NaN marks a feature left to the trees */
			if (j < p)
				col->impute[j] = algorithm->handles_missing ? NAN : sum / n;
		}
		model->task = FitTask(algorithm, params);
		y = MaasMatrixColumn(m, p);
		if (MaasTaskIsClassification(model->task))
		{
			MaasCollectClasses(&model->target, y, n);
			model->task = model->target.n_classes == 2 ? MAAS_TASK_BINARY : MAAS_TASK_MULTICLASS;
		}
		data.n_features = p;
		data.task = model->task;
		data.n_classes = model->target.n_classes;
		data.prep = &model->prep;
		data.input = algorithm->input == MAAS_INPUT_FLOAT_ROWS ?
			MAAS_INPUT_FLOAT_ROWS : MAAS_INPUT_DENSE;
		if (data.input == MAAS_INPUT_FLOAT_ROWS)
		{
			MaasFloatRowsFromMatrix(m, &data.rows);
			pfree(m->data);
			m->data = NULL;
		}
		data.seed = ((const MaasFitOptions *) params->common)->seed;
		model->state = algorithm->fit(&data, params->options, NULL);
		model->n_outputs = MaasModelOutputs(model);
	}
	return MaasModelSerialize(model);
}

/* maas_fit_final(state) -> model bytea */
PG_FUNCTION_INFO_V1(maas_fit_final);
Datum
maas_fit_final(PG_FUNCTION_ARGS)
{
	bytea	   *model;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_fit_final can only be called as an aggregate's final function")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	model = FitFromState(ArgState(fcinfo, 0));
	if (model == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(model);
}

/*
 * maas_fit_partial_final(state) -> the state itself, compacted: buffered
 * rows folded in, no spare room, so states shipped between servers stay
 * small.
 */
PG_FUNCTION_INFO_V1(maas_fit_partial_final);
Datum
maas_fit_partial_final(PG_FUNCTION_ARGS)
{
	FitState   *s;
	FitState   *copy;
	Size		size;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_fit_partial_final can only be called as an aggregate's final function")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = ArgState(fcinfo, 0);
	if (s->kind != FIT_KIND_COMOMENT)
	{
		size = StateSize(s->kind, s->p, s->params_len, 0, s->rows_used, STATE_ROW(s));
		copy = palloc(size);
		memcpy(copy, s, size);
		SET_VARSIZE(copy, size);
		copy->rows_cap = s->rows_used;
	}
	else
	{
		/* the final function must not change its input: work on a copy */
		FitState   *work = palloc(VARSIZE(s));

		memcpy(work, s, VARSIZE(s));
		FlushBlock(work);
		size = StateSize(s->kind, s->p, s->params_len, MIN_BLOCK, 0, 0);
		copy = palloc0(size);
		memcpy(copy, work, size - sizeof(double) * MIN_BLOCK * STATE_Q(s));
		SET_VARSIZE(copy, size);
		copy->block_cap = MIN_BLOCK;
		copy->block_used = 0;
		pfree(work);
	}
	PG_RETURN_BYTEA_P(copy);
}
