/*
 * hfencode.c
 *	  Encoding a text with a Hugging Face tokenizer, as the Rust
 *	  tokenizers' encode(text, add_special_tokens = true): added tokens
 *	  found first, the text between them normalized, pre-tokenized and
 *	  passed through the model; then the file's truncation, the
 *	  post-processor's special tokens and the file's padding.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "core/hfinternal.h"

/* text (UTF-8, len bytes) as code points; invalid UTF-8 and NUL are errors */
static void
Decode(const char *text, Size len, HfText *out)
{
	const unsigned char *s = (const unsigned char *) text;
	Size		i = 0;

	while (i < len)
	{
		int			l = pg_utf_mblen(s + i);

		if (s[i] == 0 || i + l > len || !pg_utf8_islegal(s + i, l))
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid byte sequence for encoding \"UTF8\" in the text to tokenize")));
		HfTextPush(out, utf8_to_unicode(s + i));
		i += l;
	}
}

/* the longest added token (of the normalized ones, or of the others) at c[i] */
static int
AddedAt(const MaasHfTokenizer *tok, const pg_wchar *c, int i, int n, bool normalized)
{
	int			best = -1;

	for (int k = 0; k < tok->n_added; k++)
	{
		const HfAddedToken *a = &tok->added[k];

		if (a->normalized != normalized || a->n_chars == 0 || a->chars[0] != c[i] ||
			a->n_chars > n - i || (best >= 0 && tok->added[best].n_chars >= a->n_chars))
			continue;
		if (memcmp(a->chars, c + i, sizeof(pg_wchar) * a->n_chars) == 0)
			best = k;
	}
	return best;
}

/*
 * Split c[0, n) at the added tokens (AddedVocabulary::find_matches):
 * leftmost-longest matches, single_word ones only between non-words,
 * lstrip and rstrip taking the spaces around.  Parts of text go to
 * text_part, tokens to ids.
 */
static void
SplitAdded(const MaasHfTokenizer *tok, const pg_wchar *c, int n, bool normalized, HfIds *ids,
		   void (*text_part) (const MaasHfTokenizer *, const pg_wchar *, int, HfIds *))
{
	int			last = 0;
	int			i = 0;

	while (i < n)
	{
		int			k = tok->n_added > 0 ? AddedAt(tok, c, i, n, normalized) : -1;
		int			s = i;
		int			e;
		const HfAddedToken *a;

		if (k < 0)
		{
			i++;
			continue;
		}
		a = &tok->added[k];
		e = i = s + a->n_chars;
		if (a->single_word &&
			((s > 0 && HfIsAlphanumeric(c[s - 1])) || (e < n && HfIsAlphanumeric(c[e]))))
			continue;
		if (s < last)
			continue;
		if (a->lstrip)
			while (s > last && HfIsWhitespace(c[s - 1]))
				s--;
		if (a->rstrip)
			while (e < n && HfIsWhitespace(c[e]))
				e++;
		if (s > last)
			text_part(tok, c + last, s - last, ids);
		HfIdsPush(ids, a->id);
		last = e;
		i = Max(i, e);
	}
	if (n > last)
		text_part(tok, c + last, n - last, ids);
}

/* A part of normalized text without added tokens: pre-tokenized, through the model */
static void
ModelPart(const MaasHfTokenizer *tok, const pg_wchar *c, int n, HfIds *ids)
{
	HfText		text = {0};
	HfPieces	pieces = {0};

	for (int i = 0; i < n; i++)
		HfTextPush(&text, c[i]);
	HfPreTokenize(tok, &text, &pieces);
	for (int p = 0; p < pieces.n; p++)
	{
		CHECK_FOR_INTERRUPTS();	/* a long text has many words */
		HfModelTokenize(&tok->model, &text, pieces.start[p], pieces.end[p], tok->byte_level, ids);
	}
	if (text.c)
		pfree(text.c);
	if (pieces.start)
	{
		pfree(pieces.start);
		pfree(pieces.end);
	}
}

/* A part of the raw text between added tokens: normalized, then split again */
static void
NormalizedPart(const MaasHfTokenizer *tok, const pg_wchar *c, int n, HfIds *ids)
{
	HfText		text = {0};

	for (int i = 0; i < n; i++)
		HfTextPush(&text, c[i]);
	HfNormalize(tok, &text);
	SplitAdded(tok, text.c, text.n, true, ids, ModelPart);
	if (text.c)
		pfree(text.c);
}

/* Truncation, the post-processor's template, padding: the encoding */
static void
Finish(const MaasHfTokenizer *tok, const HfIds *ids, MaasHfEncoding *out)
{
	int			first = 0;
	int			n = ids->n;
	int			total;
	int			target;
	int			at = 0;
	int			pad;

	if (tok->max_length >= 0 && n > tok->max_length - tok->n_special)
	{
		int			keep = tok->max_length - tok->n_special;

		first = tok->truncate_left ? n - keep : 0;
		n = keep;
	}
	total = tok->n_template > 0 ? tok->n_special + n : n;
	target = total;
	if (tok->pad_length != -1)
	{
		target = tok->pad_length >= 0 ? tok->pad_length : total;
		if (tok->pad_multiple > 0 && target % tok->pad_multiple != 0)
			target += tok->pad_multiple - target % tok->pad_multiple;
		target = Max(target, total);
	}
	pad = target - total;
	out->n = target;
	out->ids = palloc(sizeof(int32) * Max(target, 1));
	out->type_ids = palloc(sizeof(int32) * Max(target, 1));
	out->attention_mask = palloc(sizeof(int32) * Max(target, 1));
	if (tok->pad_left)
		for (; at < pad; at++)
		{
			out->ids[at] = tok->pad_id;
			out->type_ids[at] = tok->pad_type_id;
			out->attention_mask[at] = 0;
		}
	for (int p = 0; p < Max(tok->n_template, 1); p++)
	{
		const HfTemplatePiece *piece = tok->n_template > 0 ? &tok->template[p] : NULL;
		bool		text = piece == NULL || piece->sequence;
		int			m = text ? n : piece->n_ids;

		for (int i = 0; i < m; i++, at++)
		{
			out->ids[at] = text ? ids->v[first + i] : piece->ids[i];
			out->type_ids[at] = piece ? piece->type_id : 0;
			out->attention_mask[at] = 1;
		}
	}
	for (; at < target; at++)
	{
		out->ids[at] = tok->pad_id;
		out->type_ids[at] = tok->pad_type_id;
		out->attention_mask[at] = 0;
	}
}

void
MaasHfTokenizerEncode(const MaasHfTokenizer *tok, const char *text, Size len,
					  MaasHfEncoding *out)
{
	HfText		raw = {0};
	HfIds		ids = {0};

	Decode(text, len, &raw);
	SplitAdded(tok, raw.c, raw.n, false, &ids, NormalizedPart);
	Finish(tok, &ids, out);
	if (raw.c)
		pfree(raw.c);
	if (ids.v)
		pfree(ids.v);
}

const char *
MaasHfTokenizerToken(const MaasHfTokenizer *tok, int32 id)
{
	const HfVocab *v = &tok->model.vocab;

	for (int k = 0; k < tok->n_added; k++)
		if (tok->added[k].id == id)
			return tok->added[k].content;
	if (id < 0 || id > v->max_id || v->by_id == NULL)
		return NULL;
	return v->by_id[id];
}
