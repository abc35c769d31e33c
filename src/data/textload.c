/*
 * textload.c
 *	  Document columns of a read (MAAS_COL_TEXT): which text columns are
 *	  documents, their tokens while the source is scanned, and after the
 *	  scan the vocabulary and the token ids of every row.
 *
 * While scanning, each distinct token gets a code (MaasLabels, as the
 * categories of a one-hot column do) and each row's codes are kept in the
 * train or test part's MaasTokenRows.  Once every training row is read,
 * the num_words most frequent tokens of the training rows become the
 * vocabulary (ties in text order, so the row order does not matter) and
 * codes become ids: MAAS_TOKEN_FIRST + rank, MAAS_TOKEN_OOV for the rest.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "data/load.h"

/* the rule that makes a text column a document (README, "Text") */
#define RULE_SAMPLE			1000
#define RULE_DISTINCT		0.5		/* of the sampled values, at least distinct */
#define RULE_WORDS			3.0		/* words on average, or */
#define RULE_CHARS			10.0	/* characters (text without spaces) */

static bool
Listed(const MaasNames *list, const char *name)
{
	for (int i = 0; list->names != NULL && i < list->n; i++)
		if (strcmp(list->names[i], name) == 0)
			return true;
	return false;
}

/*
 * Is a text column a document?  Listed in params "text", or, for an
 * algorithm that reads documents, many distinct values of several words
 * among the first non-NULL ones.  Other algorithms keep text one-hot.
 */
bool
MaasLoadIsDocument(LoadState *st, const char *query, const char *column,
				   const MaasTrainOptions *options, bool tokens_input)
{
	char	   *sql;
	bool		isnull;
	double		distinct;
	double		words;
	double		chars;

	if (Listed(&options->text, column))
		return true;
	if (!tokens_input)
		return false;
	sql = psprintf("SELECT count(DISTINCT v)::float8 / greatest(count(*), 1),"
				   " coalesce(avg(array_length(regexp_split_to_array(btrim(v), '\\s+'), 1)), 0)::float8,"
				   " coalesce(avg(length(v)), 0)::float8"
				   " FROM (SELECT %s::text AS v FROM (\n%s\n) AS maas_source"
				   " WHERE %s IS NOT NULL LIMIT %d) AS maas_sample",
				   quote_identifier(column), query, quote_identifier(column), RULE_SAMPLE);
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not sample column \"%s\"", column);
	distinct = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	words = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	chars = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	return distinct >= RULE_DISTINCT && (words >= RULE_WORDS || chars >= RULE_CHARS);
}

static void
TokenRowsInit(LoadState *st, MaasTokenRows *r, const MaasTokenizer *t)
{
	MemoryContext cxt = st->cxt;

	memset(r, 0, sizeof(*r));
	r->cap = 1024;
	r->start = MemoryContextAlloc(cxt, sizeof(int64) * (r->cap + 1));
	r->start[0] = 0;
	r->token_cap = 16384;
	r->ids = MemoryContextAlloc(cxt, sizeof(int32) * r->token_cap);
	r->tokenizer = t;
	st->bytes += sizeof(int64) * (r->cap + 1) + sizeof(int32) * r->token_cap;
}

/* Make col a document column with the tokenizer params ask for */
void
MaasLoadTextColumn(LoadState *st, SourceColumn *col, const MaasTrainOptions *options)
{
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	col->kind = MAAS_COL_TEXT;
	col->width = 0;
	col->tokenizer = MaasTokenizerFromOptions(options);
	MaasLabelsInit(&col->labels, st->cxt);
	st->row_tokens = palloc(sizeof(int32) * col->tokenizer->maxlen);
	TokenRowsInit(st, &st->ds->train_tokens, col->tokenizer);
	TokenRowsInit(st, &st->ds->test_tokens, col->tokenizer);
	MemoryContextSwitchTo(old);
}

/*
 * After the columns are chosen: text columns that are documents become
 * MAAS_COL_TEXT, and the columns must suit the algorithm (one document
 * and nothing else for token input; one document besides dense features
 * for an algorithm that reads_documents, named in params "text"; none for
 * the others).
 */
void
MaasLoadCheckTextColumns(LoadState *st, const MaasAlgorithm *algorithm,
						 const MaasTrainOptions *options, const char *query)
{
	bool		tokens = algorithm->input == MAAS_INPUT_TOKENS;
	bool		documents = tokens || algorithm->reads_documents;
	SourceColumn *text = NULL;
	int			offset = 0;

	for (int i = 0; options->text.names != NULL && i < options->text.n; i++)
	{
		int			c;

		for (c = 0; c < st->n_columns; c++)
			if (strcmp(st->columns[c].name, options->text.names[i]) == 0)
				break;
		if (c == st->n_columns)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("text column \"%s\" is not one of the feature columns",
							options->text.names[i])));
		if (st->columns[c].kind != MAAS_COL_CATEGORICAL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" in \"text\" is not of a text type",
							options->text.names[i])));
	}
	for (int c = 0; c < st->n_columns; c++)
	{
		SourceColumn *col = &st->columns[c];

		if (col->kind == MAAS_COL_CATEGORICAL &&
			MaasLoadIsDocument(st, query, col->name, options, tokens))
		{
			if (text != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("columns \"%s\" and \"%s\" are both documents; a model reads one",
								text->name, col->name),
						 errhint("Concatenate them in the source query, or name one in params {\"text\": [...]}.")));
			MaasLoadTextColumn(st, col, options);
			text = col;
		}
		col->raw_offset = offset;
		offset += col->width;
	}
	st->raw_width = offset;
	if (tokens && text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a text column of documents", algorithm->name),
				 errhint("Name it with params {\"text\": [\"column\"]}; without it a text column is a document when at least half of its values are distinct and they have %g words or %g characters on average.",
						 RULE_WORDS, RULE_CHARS)));
	if (tokens && st->n_columns > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s reads one text column, but the source has %d feature columns",
						algorithm->name, st->n_columns),
				 errhint("Name the document with params {\"features\": [\"%s\"]}.", text->name)));
	if (!documents && text != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s does not read documents (column \"%s\")", algorithm->name, text->name),
				 errhint("Train text_classifier, naive_bayes or logistic_regression on it, or leave it out of params \"text\" to encode it as categories.")));
}

typedef struct CodeSink
{
	LoadState  *st;
	SourceColumn *col;
} CodeSink;

static void
EmitCode(void *arg, const char *token, int len)
{
	CodeSink   *sink = arg;

	sink->st->row_tokens[sink->st->n_row_tokens++] =
		MaasLabelsCode(&sink->col->labels, token, len, INT_MAX, sink->col->name);
}

/* One document of the training scan: its token codes into row_tokens */
void
MaasLoadTextValue(LoadState *st, SourceColumn *col, Datum d)
{
	int			len;
	const char *text = MaasDatumText(d, col->typid, &len);
	CodeSink	sink = {st, col};

	st->n_row_tokens = 0;
	MaasTokenize(col->tokenizer, text, len, col->name, EmitCode, &sink);
}

static void
TokenRowsAppend(LoadState *st, MaasTokenRows *r, const int32 *ids, int n)
{
	if (r->n_rows == r->cap || r->n_tokens + n > r->token_cap)
	{
		int64		cap = r->n_rows == r->cap ? r->cap * 2 : r->cap;
		int64		token_cap = Max(r->token_cap, r->n_tokens + n);
		Size		old = sizeof(int64) * (r->cap + 1) + sizeof(int32) * r->token_cap;
		Size		bytes;

		if (r->n_tokens + n > r->token_cap)
			token_cap = Max(token_cap, r->token_cap * 2);
		bytes = add_size(mul_size(sizeof(int64), cap + 1), mul_size(sizeof(int32), token_cap));
		MaasCheckDataMemory(add_size(st->bytes - old, bytes), "training documents");
		r->start = repalloc_huge(r->start, sizeof(int64) * (cap + 1));
		r->ids = repalloc_huge(r->ids, sizeof(int32) * token_cap);
		r->cap = cap;
		r->token_cap = token_cap;
		st->bytes = st->bytes - old + bytes;
		st->ds->memory_bytes = Max(st->ds->memory_bytes, st->bytes);
	}
	memcpy(r->ids + r->n_tokens, ids, sizeof(int32) * n);
	r->n_tokens += n;
	r->n_rows++;
	r->start[r->n_rows] = r->n_tokens;
}

/*
 * After a deferred split (split.c): the held-out rows' documents move to
 * the test rows, in order, and the vocabulary counts only training rows
 */
void
MaasLoadTextSplit(LoadState *st, const bool *is_test)
{
	MaasTokenRows *train = &st->ds->train_tokens;
	int64		n = train->n_rows;
	int64		kept = 0;
	int64		kept_tokens = 0;

	if (n == 0)
		return;
	for (int c = 0; c < st->n_columns; c++)
		if (st->columns[c].kind == MAAS_COL_TEXT)
			memset(st->columns[c].labels.train_count, 0,
				   sizeof(int64) * st->columns[c].labels.n);
	for (int64 i = 0; i < n; i++)
	{
		int64		from = train->start[i];
		int			len = (int) (train->start[i + 1] - from);

		if (is_test[i])
		{
			TokenRowsAppend(st, &st->ds->test_tokens, train->ids + from, len);
			continue;
		}
		memmove(train->ids + kept_tokens, train->ids + from, sizeof(int32) * len);
		for (int c = 0; c < st->n_columns; c++)
			if (st->columns[c].kind == MAAS_COL_TEXT)
				for (int t = 0; t < len; t++)
					st->columns[c].labels.train_count[train->ids[kept_tokens + t]]++;
		train->start[kept] = kept_tokens;
		kept_tokens += len;
		kept++;
	}
	train->start[kept] = kept_tokens;
	train->n_rows = kept;
	train->n_tokens = kept_tokens;
}

/* The row's document into the part it went to; training rows count tokens */
void
MaasLoadTextStore(LoadState *st, bool test)
{
	MaasDataset *ds = st->ds;

	TokenRowsAppend(st, test ? &ds->test_tokens : &ds->train_tokens,
					st->row_tokens, st->n_row_tokens);
	if (!test && st->mode == LOAD_FIT)
		for (int c = 0; c < st->n_columns; c++)
			if (st->columns[c].kind == MAAS_COL_TEXT)
				for (int i = 0; i < st->n_row_tokens; i++)
					st->columns[c].labels.train_count[st->row_tokens[i]]++;
}

static void
Remap(MaasTokenRows *r, const int32 *id)
{
	for (int64 i = 0; i < r->n_tokens; i++)
		r->ids[i] = id[r->ids[i]];
}

/* The vocabulary from the training rows, and every code to its id */
void
MaasLoadFinishText(LoadState *st, SourceColumn *col)
{
	MaasLabels *m = &col->labels;
	MaasTokenizer *t = col->tokenizer;
	int		   *order = palloc(sizeof(int) * Max(m->n, 1));
	int32	   *id = palloc(sizeof(int32) * Max(m->n, 1));
	int			kept = 0;

	for (int k = 0; k < m->n; k++)
		if (m->train_count[k] > 0)
			order[kept++] = k;
	if (kept == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" has no words in the training rows", col->name),
				 errhint("A document's words are its runs of letters and digits.")));
	qsort_arg(order, kept, sizeof(int), MaasCompareLabelFrequency, m);
	kept = Min(kept, t->num_words > 0 ? t->num_words : MAAS_MAX_VOCAB);
	t->n_vocab = kept;
	t->vocab = palloc(sizeof(char *) * kept);
	for (int k = 0; k < m->n; k++)
		id[k] = MAAS_TOKEN_OOV;
	for (int k = 0; k < kept; k++)
	{
		t->vocab[k] = m->data[order[k]];
		id[order[k]] = MAAS_TOKEN_FIRST + k;
	}
	MaasTokenizerIndex(t);
	Remap(&st->ds->train_tokens, id);
	Remap(&st->ds->test_tokens, id);
	col->impute = NULL;
	pfree(order);
	pfree(id);
}

/* Evaluation: the row's document as the model's binding tokenized it */
void
MaasLoadTextApplyRow(LoadState *st)
{
	MaasTokenRows *r = &st->ds->test_tokens;
	int			n_text;
	const MaasColumn *col = MaasTextColumn(&st->model->prep, &n_text);

	if (col == NULL)
		return;
	if (r->start == NULL)
		TokenRowsInit(st, r, col->tokenizer);
	st->row_tokens = st->binding->tokens;
	st->n_row_tokens = st->binding->n_tokens;
	MaasLoadTextStore(st, true);
}

/* Token ids by frequency, ties in text order (MaasLoadFinishText's order) */
typedef struct FoldOrder
{
	const int64 *count;
	char	  **vocab;
} FoldOrder;

static int
CompareFoldFrequency(const void *a, const void *b, void *arg)
{
	const FoldOrder *o = arg;
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	if (o->count[x] != o->count[y])
		return (o->count[x] < o->count[y]) - (o->count[x] > o->count[y]);
	return strcmp(o->vocab[x - MAAS_TOKEN_FIRST], o->vocab[y - MAAS_TOKEN_FIRST]);
}

/* The rows where take[i], their ids through id (all's id -> the fold's) */
static void
FoldRows(const MaasTokenRows *all, const bool *take, const int32 *id,
		 const MaasTokenizer *t, MaasTokenRows *to)
{
	int64		n_take = 0;
	int64		n_tokens = 0;

	for (int64 i = 0; i < all->n_rows; i++)
		if (take[i])
		{
			n_take++;
			n_tokens += all->start[i + 1] - all->start[i];
		}
	MaasCheckMemory(add_size(mul_size(n_take + 1, sizeof(int64)),
							 mul_size(n_tokens, sizeof(int32))),
					"the documents of a fold");
	memset(to, 0, sizeof(*to));
	to->tokenizer = t;
	to->cap = n_take;
	to->token_cap = n_tokens;
	to->start = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n_take + 1));
	to->ids = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n_tokens, 1));
	to->start[0] = 0;
	for (int64 i = 0; i < all->n_rows; i++)
	{
		if (!take[i])
			continue;
		for (int64 j = all->start[i]; j < all->start[i + 1]; j++)
			to->ids[to->n_tokens++] = id[all->ids[j]];
		to->start[++to->n_rows] = to->n_tokens;
	}
}

/*
 * The documents of a fold (maas_tune): the rows where train[i], and where
 * test[i] (test NULL: none), with the vocabulary maas_train learns from
 * those train rows alone: their num_words most frequent tokens, the others
 * MAAS_TOKEN_OOV, so a fold's model is the one maas_train makes of its
 * rows and no word of the held-out rows only is known to it.  all's
 * vocabulary holds every token of every row (MaasLoadForFolds).  Returns
 * the fold's tokenizer.
 */
MaasTokenizer *
MaasFoldTokens(const MaasTokenRows *all, const bool *train, const bool *test,
			   const char *column, MaasTokenRows *train_out, MaasTokenRows *test_out)
{
	const MaasTokenizer *from = all->tokenizer;
	MaasTokenizer *t = palloc(sizeof(MaasTokenizer));
	int			n_ids = from->n_vocab + MAAS_TOKEN_FIRST;
	int64	   *count = palloc0(sizeof(int64) * n_ids);
	int		   *order = palloc(sizeof(int) * Max(from->n_vocab, 1));
	int32	   *id = palloc(sizeof(int32) * n_ids);
	FoldOrder	o = {count, from->vocab};
	int			kept = 0;

	for (int64 i = 0; i < all->n_rows; i++)
		if (train[i])
			for (int64 j = all->start[i]; j < all->start[i + 1]; j++)
				count[all->ids[j]]++;
	for (int k = 0; k < from->n_vocab; k++)
		if (count[MAAS_TOKEN_FIRST + k] > 0)
			order[kept++] = MAAS_TOKEN_FIRST + k;
	if (kept == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" has no words in the training rows of a fold", column),
				 errhint("Use fewer folds, or documents with words in every fold.")));
	qsort_arg(order, kept, sizeof(int), CompareFoldFrequency, &o);
	kept = Min(kept, from->num_words > 0 ? from->num_words : MAAS_MAX_VOCAB);
	*t = *from;
	t->n_vocab = kept;
	t->vocab = palloc(sizeof(char *) * kept);
	for (int k = 0; k < n_ids; k++)
		id[k] = k < MAAS_TOKEN_FIRST ? k : MAAS_TOKEN_OOV;
	for (int k = 0; k < kept; k++)
	{
		t->vocab[k] = from->vocab[order[k] - MAAS_TOKEN_FIRST];
		id[order[k]] = MAAS_TOKEN_FIRST + k;
	}
	MaasTokenizerIndex(t);
	FoldRows(all, train, id, t, train_out);
	if (test != NULL)
		FoldRows(all, test, id, t, test_out);
	pfree(count);
	pfree(order);
	pfree(id);
	return t;
}
