/*
 * fuzz_params.c
 *	  libFuzzer target: the params jsonb of maas_train and maas_fit
 *	  (src/params.c MaasParseParams), against every spec pair the server
 *	  uses: maas_train_params and maas_fit_params, each with every
 *	  registered algorithm's own params.
 *
 * Input: JSON text.  jsonb_in (pg_stubs.c: PostgreSQL's JSON parser from
 * libpgcommon, jsonb's key order and duplicate rule, numeric's limits)
 * turns it into the jsonb MaasParseParams walks with JsonbIteratorNext.
 *
 * Oracles: no crash or sanitizer report; a rejection is a user error
 * (22023 invalid parameter value, or jsonb_in's and numeric's own input
 * errors), never an internal one; accepted params round-trip: the
 * resolved set written by MaasParamsToJson is valid jsonb input and
 * parses again to the same values.
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "functions/functions.h"
#include "pg_stubs.h"

/* The algorithms: MaasAlgorithmNames() lists what algorithm.c registers */
static const MaasAlgorithm *algorithms[64];
static int	n_algorithms = 0;

static void
FindAlgorithms(void)
{
	char	   *names;
	char	   *tok;
	char	   *save = NULL;

	if (n_algorithms > 0)
		return;
	names = MaasAlgorithmNames();
	for (tok = strtok_r(names, ", ", &save); tok && n_algorithms < 64;
		 tok = strtok_r(NULL, ", ", &save))
		algorithms[n_algorithms++] = MaasFindAlgorithm(tok);
}

static Size
CommonSize(const MaasParamSpec *common)
{
	return common == maas_train_params ? sizeof(MaasTrainOptions) : sizeof(MaasFitOptions);
}

static void
CheckError(const char *when)
{
	int			code = fuzz_error.sqlerrcode;

	if (code != ERRCODE_INVALID_PARAMETER_VALUE &&
		code != ERRCODE_INVALID_TEXT_REPRESENTATION &&
		code != ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE &&
		code != ERRCODE_STATEMENT_TOO_COMPLEX)
		FuzzFailOnError(when);
}

#define FIELD(v, type)	((const type *) ((const char *) (v)->options + (v)->spec->offset))

/* The same typed field, or both without a value */
static bool
SameValue(const MaasParamValue *a, const MaasParamValue *b)
{
	if (a->is_set != b->is_set)
		return false;
	if (!a->is_set)
		return true;
	switch (a->spec->type)
	{
		case MAAS_PARAM_INT:
		case MAAS_PARAM_CHOICE:
			return *FIELD(a, int) == *FIELD(b, int);
		case MAAS_PARAM_FLOAT:
			return *FIELD(a, double) == *FIELD(b, double);
		case MAAS_PARAM_BOOL:
			return *FIELD(a, bool) == *FIELD(b, bool);
		case MAAS_PARAM_INTS:
			{
				const MaasInts *x = FIELD(a, MaasInts);
				const MaasInts *y = FIELD(b, MaasInts);

				return x->n == y->n &&
					memcmp(x->values, y->values, sizeof(int) * x->n) == 0;
			}
		case MAAS_PARAM_FLOATS:
			{
				const MaasFloats *x = FIELD(a, MaasFloats);
				const MaasFloats *y = FIELD(b, MaasFloats);

				if (x->n != y->n)
					return false;
				for (int i = 0; i < x->n; i++)
					if (x->values[i] != y->values[i])
						return false;
				return true;
			}
		case MAAS_PARAM_LAYERS:
			{
				const MaasLayers *x = FIELD(a, MaasLayers);
				const MaasLayers *y = FIELD(b, MaasLayers);

				if (x->n != y->n)
					return false;
				for (int i = 0; i < x->n; i++)
				{
					const MaasLayerSpec *l = &x->layers[i];
					const MaasLayerSpec *m = &y->layers[i];

					if (l->units != m->units || l->activation != m->activation ||
						(isnan(l->dropout) != isnan(m->dropout)) ||
						(!isnan(l->dropout) && l->dropout != m->dropout))
						return false;
				}
				return true;
			}
		case MAAS_PARAM_NAMES:
			{
				const MaasNames *x = FIELD(a, MaasNames);
				const MaasNames *y = FIELD(b, MaasNames);

				if (x->n != y->n)
					return false;
				for (int i = 0; i < x->n; i++)
					if (strcmp(x->names[i], y->names[i]) != 0)
						return false;
				return true;
			}
		case MAAS_PARAM_SPLIT:
			{
				const MaasSplit *x = FIELD(a, MaasSplit);
				const MaasSplit *y = FIELD(b, MaasSplit);

				return x->kind == y->kind &&
					(x->column == NULL) == (y->column == NULL) &&
					(x->column == NULL || strcmp(x->column, y->column) == 0);
			}
		case MAAS_PARAM_CLASS_WEIGHT:
			{
				const MaasClassWeight *x = FIELD(a, MaasClassWeight);
				const MaasClassWeight *y = FIELD(b, MaasClassWeight);

				if (x->kind != y->kind || x->n != y->n)
					return false;
				for (int i = 0; i < x->n; i++)
					if (strcmp(x->labels[i], y->labels[i]) != 0 ||
						x->weights[i] != y->weights[i])
						return false;
				return true;
			}
	}
	return false;
}

static void
Parse(Jsonb *jb, const MaasParamSpec *common, const MaasAlgorithm *algorithm)
{
	MaasParams *volatile params = NULL;

	PG_TRY();
	{
		params = MaasParseParams(jb, common, CommonSize(common), algorithm);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(fuzz_cxt);
		CheckError("parsing params");
		params = NULL;
	}
	PG_END_TRY();
	if (params == NULL)
		return;

	PG_TRY();
	{
		MaasJson	json;
		Jsonb	   *again;
		MaasParams *params2;

		for (int i = 0; i < params->n; i++)
		{
			const MaasParamValue *v = &params->values[i];

			if (v->spec->type == MAAS_PARAM_CHOICE && v->is_set && *FIELD(v, int) < 0)
				FuzzFail("parameter \"%s\" is set without a choice", v->spec->name);
			if (v->spec->type == MAAS_PARAM_NAMES && v->is_set &&
				FIELD(v, MaasNames)->names == NULL)
				FuzzFail("parameter \"%s\" is set without names", v->spec->name);
			if (v->spec->type == MAAS_PARAM_LAYERS && v->is_set &&
				FIELD(v, MaasLayers)->layers == NULL)
				FuzzFail("parameter \"%s\" is set without layers", v->spec->name);
		}
		MaasJsonInit(&json);
		MaasJsonBeginObject(&json);
		MaasParamsToJson(params, &json);
		MaasJsonEndObject(&json);
		again = MaasJsonFinish(&json);
		params2 = MaasParseParams(again, common, CommonSize(common), algorithm);
		for (int i = 0; i < params->n; i++)
			if (!SameValue(&params->values[i], &params2->values[i]))
				FuzzFail("parameter \"%s\" changes when its resolved value is parsed again",
						 params->values[i].spec->name);
	}
	PG_CATCH();
	{
		FuzzFailOnError("round-tripping accepted params");
	}
	PG_END_TRY();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Jsonb	   *volatile jb = NULL;
	char	   *text;

	FuzzBegin();
	PG_TRY();
	{
		FindAlgorithms();
	}
	PG_CATCH();
	{
		FuzzFailOnError("listing the algorithms");
	}
	PG_END_TRY();

	/* jsonb_in gets a C string: the server's input stops at a NUL */
	text = pnstrdup((const char *) data, size);
	PG_TRY();
	{
		if (!pg_verifymbstr(text, strlen(text), true))
			jb = NULL;			/* the server refuses invalid text earlier */
		else
			jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(fuzz_cxt);
		CheckError("in jsonb_in");
		jb = NULL;
	}
	PG_END_TRY();

	if (jb != NULL)
	{
		for (int a = 0; a < n_algorithms; a++)
		{
			Parse(jb, maas_train_params, algorithms[a]);
			Parse(jb, maas_fit_params, algorithms[a]);
		}
	}
	FuzzEnd();
	return 0;
}
