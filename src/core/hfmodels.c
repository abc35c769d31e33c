/*
 * hfmodels.c
 *	  The models of a Hugging Face tokenizer: a word (one piece of the
 *	  pre-tokenized text) to token ids, by WordPiece (greedy longest match
 *	  first) or BPE (merges applied by rank), as the Rust tokenizers do.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "core/hfinternal.h"

/* A word in UTF-8, with the byte offset of each of its characters */
typedef struct HfWord
{
	char	   *s;
	int			len;
	int		   *at;				/* n + 1 offsets */
	int			n;				/* characters */
} HfWord;

/* GPT-2's bytes_to_unicode: the printable character standing for a byte */
static pg_wchar
ByteChar(unsigned char b)
{
	static pg_wchar map[256];
	static bool done = false;

	if (!done)
	{
		int			extra = 0;

		for (int c = 0; c < 256; c++)
		{
			bool		printable = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) ||
				(c >= 0xAE && c <= 0xFF);

			map[c] = printable ? (pg_wchar) c : (pg_wchar) (256 + extra++);
		}
		done = true;
	}
	return map[b];
}

/* c in UTF-8 at p: its length */
static int
PutUtf8(pg_wchar c, unsigned char *p)
{
	unicode_to_utf8(c, p);
	return pg_utf_mblen(p);
}

/* The word of text[start, end): its UTF-8, or its bytes' characters' */
static void
WordOf(const HfText *text, int start, int end, bool byte_level, HfWord *w)
{
	int			n = end - start;
	unsigned char *raw = palloc(n * 4 + 1);
	int			rawlen = 0;

	for (int i = start; i < end; i++)
		rawlen += PutUtf8(text->c[i], raw + rawlen);
	if (!byte_level)
	{
		w->s = (char *) raw;
		w->len = rawlen;
		w->n = n;
		w->at = palloc(sizeof(int) * (n + 1));
		for (int i = 0, off = 0; i <= n; i++)
		{
			w->at[i] = off;
			if (i < n)
				off += pg_utf_mblen(raw + off);
		}
		return;
	}
	/* every byte a character of up to 2 UTF-8 bytes */
	w->s = palloc(rawlen * 2 + 1);
	w->at = palloc(sizeof(int) * (rawlen + 1));
	w->n = rawlen;
	w->len = 0;
	for (int i = 0; i < rawlen; i++)
	{
		pg_wchar	c = ByteChar(raw[i]);

		w->at[i] = w->len;
		w->len += PutUtf8(c, (unsigned char *) w->s + w->len);
	}
	w->at[rawlen] = w->len;
	pfree(raw);
}

static int32
UnkId(const HfModel *model)
{
	int32		id = HfVocabGet(&model->vocab, model->unk_token, strlen(model->unk_token));

	if (id < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid tokenizer.json: the model's unk_token \"%s\" is not in its vocab",
						model->unk_token)));
	return id;
}

/* WordPiece: longest prefix in the vocabulary, then ##-continuations */
static void
WordPiece(const HfModel *model, const HfWord *w, HfIds *out)
{
	int			plen = model->prefix ? strlen(model->prefix) : 0;
	char	   *buf = palloc(plen + w->len + 1);
	int			first = out->n;
	int			start = 0;

	if (w->n > model->max_chars)
	{
		HfIdsPush(out, UnkId(model));
		return;
	}
	if (plen > 0)
		memcpy(buf, model->prefix, plen);
	while (start < w->n)
	{
		int			end = w->n;
		int32		id = -1;

		for (; start < end; end--)
		{
			int			len = w->at[end] - w->at[start];

			if (start == 0)
				id = HfVocabGet(&model->vocab, w->s, len);
			else
			{
				memcpy(buf + plen, w->s + w->at[start], len);
				id = HfVocabGet(&model->vocab, buf, plen + len);
			}
			if (id >= 0)
				break;
		}
		if (id < 0)
		{
			/* a part is unknown: the whole word is */
			out->n = first;
			HfIdsPush(out, UnkId(model));
			break;
		}
		HfIdsPush(out, id);
		start = end;
	}
	pfree(buf);
}

/* A symbol of a word being merged (Rust's Symbol) */
typedef struct HfSymbol
{
	int32		id;
	int			len;			/* bytes; 0: merged into its left */
	int			prev;
	int			next;
} HfSymbol;

/* A candidate merge: the symbol at pos with its next, by rank then pos */
typedef struct HfCandidate
{
	int32		rank;
	int32		result;
	int			pos;
} HfCandidate;

static bool
Before(const HfCandidate *a, const HfCandidate *b)
{
	return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void
HeapPush(HfCandidate *heap, int *n, HfCandidate c)
{
	int			i = (*n)++;

	while (i > 0 && Before(&c, &heap[(i - 1) / 2]))
	{
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = c;
}

static HfCandidate
HeapPop(HfCandidate *heap, int *n)
{
	HfCandidate top = heap[0];
	HfCandidate last = heap[--(*n)];
	int			i = 0;

	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && Before(&heap[c + 1], &heap[c]))
			c++;
		if (!Before(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (*n > 0)
		heap[i] = last;
	return top;
}

/* Push the merge of the symbol at pos with its next, when there is one */
static void
Candidate(const HfModel *model, HfSymbol *sym, int pos, HfCandidate *heap, int *n)
{
	HfCandidate c;

	if (pos < 0 || sym[pos].next < 0)
		return;
	if (HfMergesGet(&model->merges, sym[pos].id, sym[sym[pos].next].id, &c.rank, &c.result))
	{
		c.pos = pos;
		HeapPush(heap, n, c);
	}
}

/* Word::merge_all: lowest rank first, leftmost among equals */
static void
MergeAll(const HfModel *model, HfSymbol *sym, int n, HfIds *out)
{
	HfCandidate *heap = palloc(sizeof(HfCandidate) * (3 * n + 1));
	int			nheap = 0;

	for (int i = 0; i + 1 < n; i++)
		Candidate(model, sym, i, heap, &nheap);
	while (nheap > 0)
	{
		HfCandidate top = HeapPop(heap, &nheap);
		int			next;
		int32		rank;
		int32		result;

		if (sym[top.pos].len == 0 || sym[top.pos].next < 0)
			continue;
		next = sym[top.pos].next;
		/* an entry made stale by an earlier merge */
		if (!HfMergesGet(&model->merges, sym[top.pos].id, sym[next].id, &rank, &result) ||
			result != top.result)
			continue;
		sym[top.pos].id = top.result;
		sym[top.pos].len += sym[next].len;
		sym[top.pos].next = sym[next].next;
		sym[next].len = 0;
		if (sym[next].next >= 0)
			sym[sym[next].next].prev = top.pos;
		Candidate(model, sym, sym[top.pos].prev, heap, &nheap);
		Candidate(model, sym, top.pos, heap, &nheap);
	}
	for (int i = 0; i < n; i++)
		if (sym[i].len > 0)
			HfIdsPush(out, sym[i].id);
	pfree(heap);
}

static void
AddSymbol(HfSymbol *sym, int *n, int32 id, int len)
{
	sym[*n].id = id;
	sym[*n].len = len;
	sym[*n].prev = *n - 1;
	sym[*n].next = -1;
	if (*n > 0)
		sym[*n - 1].next = *n;
	(*n)++;
}

/* BPE::merge_word: characters to symbols (unknown ones by bytes or unk), merged */
static void
Bpe(const HfModel *model, const HfWord *w, HfIds *out)
{
	int			plen = model->prefix ? strlen(model->prefix) : 0;
	int			slen = model->suffix ? strlen(model->suffix) : 0;
	char	   *buf = palloc(plen + slen + 8);
	HfSymbol   *sym = palloc(sizeof(HfSymbol) * (w->len + (Size) w->n * (plen + slen) + 1));
	int			n = 0;
	int32		unk = -1;		/* a pending unknown symbol */
	int			unk_len = 0;

	if (model->ignore_merges)
	{
		int32		id = HfVocabGet(&model->vocab, w->s, w->len);

		if (id >= 0)
		{
			HfIdsPush(out, id);
			return;
		}
	}
	for (int i = 0; i < w->n; i++)
	{
		int			clen = w->at[i + 1] - w->at[i];
		int			len = 0;
		int32		id;

		if (i > 0 && plen > 0)
			memcpy(buf, model->prefix, len = plen);
		memcpy(buf + len, w->s + w->at[i], clen);
		len += clen;
		if (i == w->n - 1 && slen > 0)
		{
			memcpy(buf + len, model->suffix, slen);
			len += slen;
		}
		id = HfVocabGet(&model->vocab, buf, len);
		if (id >= 0)
		{
			if (unk >= 0)
				AddSymbol(sym, &n, unk, unk_len);
			unk = -1;
			AddSymbol(sym, &n, id, clen);
			continue;
		}
		if (model->byte_fallback)
		{
			int32		bytes[64];
			int			k;

			for (k = 0; k < len && k < 64; k++)
			{
				char		code[8];

				snprintf(code, sizeof(code), "<0x%02X>", (unsigned char) buf[k]);
				if ((bytes[k] = HfVocabGet(&model->vocab, code, 6)) < 0)
					break;
			}
			if (k == len)
			{
				/* as Rust: a pending unknown symbol stays pending */
				for (k = 0; k < len; k++)
					AddSymbol(sym, &n, bytes[k], 1);
				continue;
			}
		}
		if (model->unk_token == NULL)
			continue;
		if (unk >= 0 && model->fuse_unk)
			unk_len += clen;
		else
		{
			if (unk >= 0)
				AddSymbol(sym, &n, unk, unk_len);
			unk = UnkId(model);
			unk_len = clen;
		}
	}
	if (unk >= 0)
		AddSymbol(sym, &n, unk, unk_len);
	MergeAll(model, sym, n, out);
	pfree(sym);
	pfree(buf);
}

/* The token ids of the word text[start, end) */
void
HfModelTokenize(const HfModel *model, const HfText *text, int start, int end,
				bool byte_level, HfIds *out)
{
	HfWord		w;

	if (end <= start)
		return;
	WordOf(text, start, end, byte_level, &w);
	if (model->kind == HF_WORDPIECE)
		WordPiece(model, &w, out);
	else
		Bpe(model, &w, out);
	pfree(w.s);
	pfree(w.at);
}
