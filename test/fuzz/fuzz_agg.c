/*
 * fuzz_agg.c
 *	  libFuzzer target: maas_fit states from anywhere.  A user can hand any
 *	  bytea to maas_fit_merge (combine as transition, then final), and an
 *	  aggregate of their own can start maas_fit_transfn or maas_fit_combine
 *	  from any INITCOND.  The SQL-callable functions of src/agg.c are called
 *	  as the executor calls them, so agg.c needs no change to be fuzzed.
 *
 * Input: a flags byte, then chunks, each a u32 little-endian length and
 * that many bytes (the last chunk takes what is left); a chunk of length 0
 * is a NULL state.
 *	flags & 3: 0 maas_fit_merge: combine(trans, chunk) for every chunk, final
 *			   1 transition from an INITCOND: trans = chunk 0, then 1-8 rows
 *				 through maas_fit_transfn, the fourth and eighth with a NULL
 *				 target (a NULL chunk 0 starts a new state, with chunk 1 as
 *				 params JSON), final
 *			   2 partial: maas_fit_partial_final(chunk 0), then merge as 0
 *			   3 parallel combine: trans = chunk 0, combine(trans, chunk i),
 *				 partial_final and final
 *	flags & 4: inputs at an address 4 mod 8 (as in a tuple)
 *	flags >> 3: rows for mode 1
 *
 * Oracles: no crash or sanitizer report; no internal error (XX000) or
 * out-of-memory from any call; a model the final function returns
 * deserializes, describes and predicts without error.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

#include "functions/functions.h"
#include "pg_stubs.h"

extern Datum maas_fit_transfn(PG_FUNCTION_ARGS);
extern Datum maas_fit_combine(PG_FUNCTION_ARGS);
extern Datum maas_fit_final(PG_FUNCTION_ARGS);
extern Datum maas_fit_partial_final(PG_FUNCTION_ARGS);

#define MAX_CHUNKS	8

typedef struct Agg
{
	Datum		trans;
	bool		trans_null;
	FmgrInfo	transfn;
	FmgrInfo	combinefn;
	FmgrInfo	finalfn;
	FmgrInfo	partialfn;
	MemoryContext tmp;			/* per input tuple */
	size_t		misalign;
} Agg;

/* Errors a hostile state may legitimately cause; others are findings */
static void
CheckError(const char *when)
{
	int			code = fuzz_error.sqlerrcode;

	if (code == ERRCODE_INTERNAL_ERROR || code == ERRCODE_OUT_OF_MEMORY)
		FuzzFailOnError(when);
}

/* The executor's copy of a new transition value into the aggregate context */
static void
SetTrans(Agg *agg, Datum result, bool isnull)
{
	Datum		old = agg->trans;
	bool		old_null = agg->trans_null;

	if (!isnull && (old_null || DatumGetPointer(result) != DatumGetPointer(old)))
	{
		Size		size = VARSIZE_ANY(DatumGetPointer(result));
		void	   *copy = MemoryContextAlloc(fuzz_agg_cxt, size);

		memcpy(copy, DatumGetPointer(result), size);
		result = PointerGetDatum(copy);
	}
	if (!old_null && (isnull || DatumGetPointer(result) != DatumGetPointer(old)))
		pfree(DatumGetPointer(old));
	agg->trans = isnull ? (Datum) 0 : result;
	agg->trans_null = isnull;
}

/* An input datum: the bytes in the per-tuple context, NULL if empty */
static Datum
Input(Agg *agg, const uint8 *data, size_t len, bool *isnull)
{
	MemoryContext old = MemoryContextSwitchTo(agg->tmp);
	bytea	   *b;

	*isnull = len == 0;
	if (len == 0)
	{
		MemoryContextSwitchTo(old);
		return (Datum) 0;
	}
	b = FuzzBytea(data, len, agg->misalign);
	MemoryContextSwitchTo(old);
	return PointerGetDatum(b);
}

static void
Combine(Agg *agg, const uint8 *data, size_t len)
{
	Datum		args[2];
	bool		nulls[2];
	bool		isnull;
	Datum		result;
	MemoryContext old = MemoryContextSwitchTo(agg->tmp);

	args[0] = agg->trans;
	nulls[0] = agg->trans_null;
	args[1] = Input(agg, data, len, &nulls[1]);
	result = FuzzCall(maas_fit_combine, &agg->combinefn, true, 2, args, nulls, &isnull);
	MemoryContextSwitchTo(old);
	SetTrans(agg, result, isnull);
	MemoryContextReset(agg->tmp);
}

static void
Transition(Agg *agg, const char *algorithm, int p, double r, const char *params)
{
	Datum		args[5];
	bool		nulls[5] = {0};
	bool		isnull;
	Datum		result;
	Size		size = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * p;
	ArrayType  *arr;
	MemoryContext old = MemoryContextSwitchTo(agg->tmp);

	arr = palloc0(size);
	SET_VARSIZE(arr, size);
	arr->ndim = 1;
	arr->dataoffset = 0;
	arr->elemtype = FLOAT8OID;
	ARR_DIMS(arr)[0] = p;
	ARR_LBOUND(arr)[0] = 1;
	for (int j = 0; j < p; j++)
		((double *) ARR_DATA_PTR(arr))[j] = (j + 1) * r - j * j;
	args[0] = agg->trans;
	nulls[0] = agg->trans_null;
	args[1] = PointerGetDatum(cstring_to_text(algorithm));
	args[2] = PointerGetDatum(arr);
	args[3] = Float8GetDatum(fmod(r, 3.0));
	nulls[3] = fmod(r, 4.0) == 3.0;	/* every fourth row is skipped (NULL target) */
	if (params)
		args[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(params));
	result = FuzzCall(maas_fit_transfn, &agg->transfn, true, params ? 5 : 4,
					  args, nulls, &isnull);
	MemoryContextSwitchTo(old);
	SetTrans(agg, result, isnull);
	MemoryContextReset(agg->tmp);
}

/* A model the final function made must be usable */
static void
CheckModel(bytea *model)
{
	PG_TRY();
	{
		MaasModel  *m = MaasModelDeserialize(model);
		double	   *x = palloc0(sizeof(double) * m->n_features);
		double	   *out = palloc(sizeof(double) * m->n_outputs);
		MaasInput	in = {.kind = MAAS_INPUT_DENSE,.x = x};

		MaasModelDescribe(m, VARSIZE_ANY_EXHDR(model));
		m->algorithm->predict(m, &in, out);
		/* a decomposition has coordinates only: maas_predict refuses it */
		if (m->task != MAAS_TASK_DECOMPOSITION)
			(void) MaasPredictValue(m, out);
	}
	PG_CATCH();
	{
		FuzzFailOnError("reading back the model maas_fit_final returned");
	}
	PG_END_TRY();
}

static void
Final(Agg *agg)
{
	Datum		arg = agg->trans;
	bool		null = agg->trans_null;
	bool		isnull;
	Datum		model;

	model = FuzzCall(maas_fit_final, &agg->finalfn, true, 1, &arg, &null, &isnull);
	if (!isnull)
		CheckModel((bytea *) DatumGetPointer(model));
}

static Datum
PartialFinal(Agg *agg, Datum arg, bool null, bool *isnull)
{
	return FuzzCall(maas_fit_partial_final, &agg->partialfn, true, 1, &arg, &null, isnull);
}

static void
InitFlinfo(FmgrInfo *f, PGFunction fn, short nargs)
{
	memset(f, 0, sizeof(*f));
	f->fn_addr = fn;
	f->fn_nargs = nargs;
	f->fn_strict = false;
	f->fn_mcxt = fuzz_cxt;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8 *chunk[MAX_CHUNKS];
	size_t		len[MAX_CHUNKS];
	int			n = 0;
	size_t		pos = 1;
	uint8		flags;
	Agg			aggdata;
	Agg		   *volatile agg = &aggdata;

	if (size < 1)
		return 0;
	flags = data[0];
	while (pos < size && n < MAX_CHUNKS)
	{
		uint32		l = 0;

		for (int i = 0; i < 4 && pos < size; i++)
			l |= (uint32) data[pos++] << (8 * i);
		if (l > size - pos)
			l = size - pos;
		chunk[n] = data + pos;
		len[n] = l;
		pos += l;
		n++;
	}
	if (n == 0)
		return 0;

	FuzzBegin();
	memset(agg, 0, sizeof(Agg));
	agg->trans_null = true;
	agg->misalign = (flags & 4) ? 4 : 0;
	agg->tmp = AllocSetContextCreate(fuzz_cxt, "per tuple", ALLOCSET_DEFAULT_SIZES);
	InitFlinfo(&agg->transfn, maas_fit_transfn, 4);
	InitFlinfo(&agg->combinefn, maas_fit_combine, 2);
	InitFlinfo(&agg->finalfn, maas_fit_final, 1);
	InitFlinfo(&agg->partialfn, maas_fit_partial_final, 1);

	PG_TRY();
	{
		switch (flags & 3)
		{
			case 0:
				for (int i = 0; i < n; i++)
					Combine(agg, chunk[i], len[i]);
				Final(agg);
				break;
			case 1:
				{
					int			rows = 1 + ((flags >> 3) & 7);
					int			p = 1;
					const char *algorithm = "linear_regression";
					char	   *params = NULL;

					if (len[0] > 0)
					{
						bool		isnull;

						SetTrans(agg, Input(agg, chunk[0], len[0], &isnull), false);
						MemoryContextReset(agg->tmp);
					}
					if (len[0] >= 16)
					{
						const MaasAlgorithm *a;
						uint16		id;
						int32		dims;

						memcpy(&id, chunk[0] + 8, 2);
						memcpy(&dims, chunk[0] + 12, 4);
						a = MaasFindAlgorithmById(id);
						if (a)
							algorithm = a->name;
						if (dims >= 1 && dims <= 64)
							p = dims;
					}
					else if (n > 1)
					{
						/* a new state: chunk 1 is its params, chunk 2 picks the algorithm */
						params = pnstrdup((const char *) chunk[1], len[1]);
						if (n > 2 && len[2] > 0 && (chunk[2][0] & 1))
							algorithm = "logistic_regression";
						p = 1 + (flags >> 6);
					}
					for (int r = 0; r < rows; r++)
						Transition(agg, algorithm, p, (double) r, params);
					Final(agg);
				}
				break;
			case 2:
				{
					bool		isnull;
					Datum		in = Input(agg, chunk[0], len[0], &isnull);
					Datum		partial = PartialFinal(agg, in, isnull, &isnull);

					if (!isnull)
					{
						bytea	   *b = (bytea *) DatumGetPointer(partial);

						Combine(agg, (const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
						/* the partial state's own bytes: a header and no spare room */
					}
					for (int i = 1; i < n; i++)
						Combine(agg, chunk[i], len[i]);
					Final(agg);
				}
				break;
			case 3:
				{
					bool		isnull;

					if (len[0] > 0)
					{
						SetTrans(agg, Input(agg, chunk[0], len[0], &isnull), false);
						MemoryContextReset(agg->tmp);
					}
					for (int i = 1; i < n; i++)
						Combine(agg, chunk[i], len[i]);
					(void) PartialFinal(agg, agg->trans, agg->trans_null, &isnull);
					Final(agg);
				}
				break;
		}
	}
	PG_CATCH();
	{
		CheckError("from a maas_fit support function");
	}
	PG_END_TRY();
	FuzzEnd();
	return 0;
}
