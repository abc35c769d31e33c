/*
 * tokenize.c
 *	  maas_tokenize and maas_tokenize_tokens: a text encoded by a Hugging
 *	  Face tokenizer.json (src/core/hftokenizer.h), for users to check a
 *	  tokenizer and for the tests to compare with the Rust library.
 *
 * The parsed tokenizer is kept for the query in fn_extra, keyed by the
 * jsonb's bytes: a query tokenizing many rows with one tokenizer parses
 * it once.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "core/hftokenizer.h"
#include "functions/functions.h"

typedef struct TokenizerCache
{
	Jsonb	   *key;			/* copy of the jsonb it was parsed from */
	MaasHfTokenizer *tok;
	MemoryContext cxt;
} TokenizerCache;

/* The tokenizer of argument 0, parsed once per query and tokenizer */
static const MaasHfTokenizer *
CachedTokenizer(FunctionCallInfo fcinfo)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	TokenizerCache *cache = fcinfo->flinfo->fn_extra;
	MemoryContext old;

	if (cache != NULL && VARSIZE(cache->key) == VARSIZE(jb) &&
		memcmp(cache->key, jb, VARSIZE(jb)) == 0)
		return cache->tok;
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TokenizerCache));
	if (cache->cxt != NULL)
		MemoryContextDelete(cache->cxt);
	cache->cxt = NULL;
	cache->tok = NULL;
	{
		MemoryContext cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "maas tokenizer",
												  ALLOCSET_DEFAULT_SIZES);

		old = MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			cache->tok = MaasHfTokenizerFromJsonb(jb);
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(old);
			MemoryContextDelete(cxt);
			PG_RE_THROW();
		}
		PG_END_TRY();
		cache->key = palloc(VARSIZE(jb));
		memcpy(cache->key, jb, VARSIZE(jb));
		MemoryContextSwitchTo(old);
		cache->cxt = cxt;
	}
	return cache->tok;
}

/* Argument 1 encoded (as UTF-8 whatever the database encoding) */
static void
Encode(FunctionCallInfo fcinfo, const MaasHfTokenizer **tok, MaasHfEncoding *enc)
{
	text	   *doc = PG_GETARG_TEXT_PP(1);
	int			len = VARSIZE_ANY_EXHDR(doc);
	char	   *utf8 = pg_server_to_any(VARDATA_ANY(doc), len, PG_UTF8);

	*tok = CachedTokenizer(fcinfo);
	/* the same bytes when no conversion was needed (and then no NUL) */
	MaasHfTokenizerEncode(*tok, utf8, utf8 == VARDATA_ANY(doc) ? len : strlen(utf8), enc);
}

/* maas_tokenize(tokenizer jsonb, document text) -> int[]: the token ids */
PG_FUNCTION_INFO_V1(maas_tokenize);
Datum
maas_tokenize(PG_FUNCTION_ARGS)
{
	const MaasHfTokenizer *tok;
	MaasHfEncoding enc;
	Datum	   *d;

	Encode(fcinfo, &tok, &enc);
	d = palloc(sizeof(Datum) * Max(enc.n, 1));
	for (int i = 0; i < enc.n; i++)
		d[i] = Int32GetDatum(enc.ids[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, enc.n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/* maas_tokenize_tokens(tokenizer jsonb, document text) -> text[]: the tokens */
PG_FUNCTION_INFO_V1(maas_tokenize_tokens);
Datum
maas_tokenize_tokens(PG_FUNCTION_ARGS)
{
	const MaasHfTokenizer *tok;
	MaasHfEncoding enc;
	Datum	   *d;
	bool	   *nulls;
	int			dims[1];
	int			lbs[1] = {1};

	Encode(fcinfo, &tok, &enc);
	d = palloc(sizeof(Datum) * Max(enc.n, 1));
	nulls = palloc(sizeof(bool) * Max(enc.n, 1));
	for (int i = 0; i < enc.n; i++)
	{
		const char *t = MaasHfTokenizerToken(tok, enc.ids[i]);

		nulls[i] = t == NULL;
		if (t)
			d[i] = CStringGetTextDatum(pg_any_to_server(t, strlen(t), PG_UTF8));
	}
	dims[0] = enc.n;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID, -1, false,
											 TYPALIGN_INT));
}
