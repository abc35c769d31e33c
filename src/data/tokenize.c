/*
 * tokenize.c
 *	  Text -> tokens, the same for training and serving: the tokenizer
 *	  every text model uses (text_classifier now, sequence models later).
 *
 * A document is read character by character (UTF-8 in a UTF8 database):
 * letters and digits make words, everything else separates them.  Words
 * are lowercased with a fixed table (ASCII, Latin-1, Latin Extended-A,
 * Greek, Cyrillic), not with the database's locale, so a model tokenizes
 * alike in every database.  Chinese, Japanese and Korean characters have
 * no spaces between words: each such character is a token, and each pair
 * of neighbours one more (character bigrams).  With "stem", each word
 * goes through the dictionaries a PostgreSQL text search configuration
 * maps words to (english: the Snowball stemmer after the stop words),
 * which stems it or drops it as a stop word.  With "ngram_range", runs of
 * n words (n in the range) are tokens too, joined by a space.
 *
 * Tokens stop at the tokenizer's maxlen: the rest of a long document is
 * not read, so a 10 MB value costs at most maxlen tokens.  A SQL_ASCII
 * database's text is read as UTF-8, and invalid UTF-8 there is an error
 * naming the column; other encodings are read by their own character
 * lengths, without lowercasing beyond ASCII.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "tsearch/ts_cache.h"
#include "tsearch/ts_public.h"

#include "data/data.h"

/* token types of PostgreSQL's default text search parser (wparser_def.c) */
#define TS_ASCIIWORD	1
#define TS_WORD			2
#define TS_NUMWORD		3

/* the words an n-gram is made of, most recent last */
typedef struct Ngrams
{
	int			n;
	char		words[MAAS_MAX_NGRAM][MAAS_MAX_TOKEN_BYTES + 1];
	int			len[MAAS_MAX_NGRAM];
} Ngrams;

typedef struct Tokenizing
{
	const MaasTokenizer *t;
	const char *column;
	MaasTokenEmit emit;
	void	   *arg;
	int			count;			/* tokens emitted */
	Ngrams		ngrams;
	TSConfigCacheEntry *cfg;	/* stemming, or NULL */
	char		buf[MAAS_MAX_NGRAM * (MAAS_MAX_TOKEN_BYTES + 1)];
} Tokenizing;

/* Lowercase of a code point, by the ranges that have one */
static pg_wchar
LowerCodepoint(pg_wchar c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17F)
	{
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xFF;
		if ((c < 0x138 || (c >= 0x14A && c < 0x178)) && c % 2 == 0)
			return c + 1;
		if (((c >= 0x139 && c < 0x149) || (c >= 0x179 && c < 0x17F)) && c % 2 == 1)
			return c + 1;
		return c;
	}
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* Characters written without spaces between words: one token each */
static bool
IsCJK(pg_wchar c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) ||	/* CJK unified ideographs */
		(c >= 0x3400 && c <= 0x4DBF) ||		/* extension A */
		(c >= 0x20000 && c <= 0x2FFFF) ||	/* extensions B.. */
		(c >= 0xF900 && c <= 0xFAFF) ||		/* compatibility ideographs */
		(c >= 0x3040 && c <= 0x30FF) ||		/* hiragana, katakana */
		(c >= 0xAC00 && c <= 0xD7AF);		/* hangul syllables */
}

/* Characters that separate words: ASCII other than letters and digits, punctuation */
static bool
IsSeparator(pg_wchar c)
{
	if (c < 0x80)
		return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
	return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 ||
		(c >= 0x2000 && c <= 0x2BFF) ||		/* punctuation, symbols, arrows */
		(c >= 0x3000 && c <= 0x303F) ||		/* CJK punctuation */
		(c >= 0xFE30 && c <= 0xFE4F) ||		/* CJK compatibility forms */
		(c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
		(c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
		(c >= 0xFFF0);			/* specials */
}

static void
Emit(Tokenizing *z, const char *token, int len)
{
	if (z->count < z->t->maxlen)
	{
		z->emit(z->arg, token, len);
		z->count++;
	}
}

/* A word (or a CJK character): the token, then the n-grams it ends */
static void
Unit(Tokenizing *z, const char *word, int len)
{
	Ngrams	   *g = &z->ngrams;
	int			max = z->t->ngram_max;

	if (max > 1)
	{
		/* the window keeps the last max words, this one included */
		if (g->n == max)
		{
			memmove(g->words[0], g->words[1], sizeof(g->words[0]) * (max - 1));
			memmove(g->len, g->len + 1, sizeof(int) * (max - 1));
			g->n--;
		}
		memcpy(g->words[g->n], word, len);
		g->len[g->n] = len;
		g->n++;
	}
	if (z->t->ngram_min == 1)
		Emit(z, word, len);
	/* n-grams ending with this word: its last n words */
	for (int n = Max(2, z->t->ngram_min); n <= max && n <= g->n; n++)
	{
		int			pos = 0;

		for (int k = g->n - n; k < g->n; k++)
		{
			if (pos > 0)
				z->buf[pos++] = ' ';
			memcpy(z->buf + pos, g->words[k], g->len[k]);
			pos += g->len[k];
		}
		Emit(z, z->buf, pos);
	}
}

/*
 * A word through the configuration's dictionaries for its token type: the
 * first that knows it gives its lexeme (none: a stop word); a word no
 * dictionary knows stays as it is
 */
static void
StemmedWord(Tokenizing *z, char *word, int len, int type)
{
	TSConfigCacheEntry *cfg = z->cfg;

	if (type < cfg->lenmap)
	{
		ListDictionary *map = &cfg->map[type];

		for (int i = 0; i < map->len; i++)
		{
			TSDictionaryCacheEntry *dict = lookup_ts_dictionary_cache(map->dictIds[i]);
			DictSubState state = {false, false, NULL};
			TSLexeme   *res;

			res = (TSLexeme *) DatumGetPointer(FunctionCall4(&dict->lexize,
															 PointerGetDatum(dict->dictData),
															 PointerGetDatum(word),
															 Int32GetDatum(len),
															 PointerGetDatum(&state)));
			if (res == NULL)
				continue;
			if (res[0].lexeme == NULL)
				return;			/* a stop word */
			len = Min((int) strlen(res[0].lexeme), MAAS_MAX_TOKEN_BYTES);
			Unit(z, res[0].lexeme, len);
			return;
		}
	}
	Unit(z, word, len);
}

static void
Word(Tokenizing *z, char *word, int len, bool ascii, bool letters, bool digits)
{
	if (len == 0)
		return;
	if (z->cfg != NULL && letters)
	{
		word[len] = '\0';
		StemmedWord(z, word, len, digits ? TS_NUMWORD : ascii ? TS_ASCIIWORD : TS_WORD);
	}
	else
		Unit(z, word, len);
}

static void
InvalidText(const Tokenizing *z)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("column \"%s\" holds text that is not valid UTF-8", z->column),
			 errhint("Text of a SQL_ASCII database is read as UTF-8: fix or filter such rows in the source query.")));
}

/*
 * The tokens of one document (len bytes) in order, each handed to emit
 * (valid during the call only); stops at the tokenizer's maxlen.  Returns
 * how many were emitted.
 */
int
MaasTokenize(const MaasTokenizer *t, const char *text, int len, const char *column,
			 MaasTokenEmit emit, void *arg)
{
	Tokenizing	z;
	char		word[MAAS_MAX_TOKEN_BYTES + 1];
	int			wlen = 0;
	bool		ascii = true;
	bool		letters = false;
	bool		digits = false;
	const unsigned char *s = (const unsigned char *) text;
	const unsigned char *end = s + len;
	/* SQL_ASCII holds any bytes: read them as UTF-8, which they nearly always are */
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8 || GetDatabaseEncoding() == PG_SQL_ASCII;
	char		prev_cjk[8];
	int			prev_cjk_len = 0;

	z.t = t;
	z.column = column;
	z.emit = emit;
	z.arg = arg;
	z.count = 0;
	z.ngrams.n = 0;
	z.cfg = NULL;
	if (t->stem[0] != '\0')
		z.cfg = lookup_ts_config_cache(get_ts_config_oid(list_make2(makeString("pg_catalog"),
																	makeString(pstrdup(t->stem))),
														 false));
	while (s < end && z.count < t->maxlen)
	{
		int			clen = utf8 ? pg_utf_mblen(s) : pg_mblen((const char *) s);
		pg_wchar	c;

		if (clen < 1 || s + clen > end || (utf8 && !pg_utf8_islegal(s, clen)))
			InvalidText(&z);
		c = utf8 ? utf8_to_unicode(s) : (clen == 1 ? *s : 0x100);
		if (c == 0)
			InvalidText(&z);
		if (IsSeparator(c) || IsCJK(c))
		{
			Word(&z, word, wlen, ascii, letters, digits);
			wlen = 0;
			ascii = true;
			letters = digits = false;
			if (IsCJK(c))
			{
				/* the character, then the bigram it ends */
				Unit(&z, (const char *) s, clen);
				if (prev_cjk_len > 0)
				{
					char		bigram[16];

					memcpy(bigram, prev_cjk, prev_cjk_len);
					memcpy(bigram + prev_cjk_len, s, clen);
					Emit(&z, bigram, prev_cjk_len + clen);
				}
				memcpy(prev_cjk, s, clen);
				prev_cjk_len = clen;
			}
			else
				prev_cjk_len = 0;
		}
		else
		{
			unsigned char lower[8];
			int			llen = clen;
			const unsigned char *out = s;

			prev_cjk_len = 0;
			if (t->lowercase && (c < 0x80 || utf8))
			{
				pg_wchar	l = LowerCodepoint(c);

				if (c < 0x80)
				{
					lower[0] = (unsigned char) l;
					llen = 1;
				}
				else
				{
					unicode_to_utf8(l, lower);
					llen = pg_utf_mblen(lower);
				}
				out = lower;
			}
			/* a longer word is cut at a character boundary */
			if (wlen + llen <= MAAS_MAX_TOKEN_BYTES)
			{
				memcpy(word + wlen, out, llen);
				wlen += llen;
			}
			ascii &= c < 0x80;
			if (c >= '0' && c <= '9')
				digits = true;
			else
				letters = true;
		}
		s += clen;
	}
	if (z.count < t->maxlen)
		Word(&z, word, wlen, ascii, letters, digits);
	return z.count;
}

/* Collecting ids for serving */
typedef struct IdSink
{
	const MaasTokenizer *t;
	int32	   *ids;
	int			n;
} IdSink;

static void
EmitId(void *arg, const char *token, int len)
{
	IdSink	   *sink = arg;

	sink->ids[sink->n++] = MaasTokenId(sink->t, token, len);
}

/* The ids of one document, into ids (room for maxlen); returns the count */
int
MaasTokenizeIds(const MaasTokenizer *t, const char *text, int len, const char *column,
				int32 *ids)
{
	IdSink		sink = {t, ids, 0};

	if (t->encode != NULL)
		return t->encode(t, text, len, ids);
	MaasTokenize(t, text, len, column, EmitId, &sink);
	return sink.n;
}

/* A tokenizer's settings from maas_train's params, before its vocabulary */
MaasTokenizer *
MaasTokenizerFromOptions(const MaasTrainOptions *options)
{
	MaasTokenizer *t = palloc0(sizeof(MaasTokenizer));
	const MaasInts *range = &options->ngram_range;

	t->maxlen = options->maxlen > 0 ? options->maxlen : MAAS_DEFAULT_MAXLEN;
	t->num_words = options->num_words;
	t->lowercase = true;
	t->stem = options->stem >= 0 ?
		MaasChoiceName(maas_train_params, "stem", options->stem) : "";
	t->ngram_min = t->ngram_max = 1;
	if (range->values != NULL)
	{
		if (range->n != 2 || range->values[0] > range->values[1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"ngram_range\" must be [min, max] with min <= max"),
					 errhint("For example {\"ngram_range\": [1, 2]}: words and word bigrams.")));
		t->ngram_min = range->values[0];
		t->ngram_max = range->values[1];
	}
	return t;
}
