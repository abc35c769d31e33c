/*
 * hftext.c
 *	  The text stages of a Hugging Face tokenizer: normalizers (a text
 *	  rewritten) and pre-tokenizers (a text cut into words), as the Rust
 *	  tokenizers do them.
 *
 * Characters are classified with the tables of hftokenizer_tables.h,
 * probed from the Rust library itself (its classes come from crates of
 * older Unicode versions, which PostgreSQL's tables would not match);
 * Unicode normalization is PostgreSQL's unicode_normalize.
 */
#include "postgres.h"

#include "common/unicode_norm.h"
#include "miscadmin.h"

#include "core/hfinternal.h"
#include "core/hftokenizer_tables.h"

/* The class flags (HFC_*) of a code point */
static int
Classes(pg_wchar c)
{
	int			lo = 0;
	int			hi = lengthof(hf_classes) - 1;

	if (c < 0x80 && c > 0x20 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return HFC_WORD | HFC_L;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < hf_classes[mid].first)
			hi = mid - 1;
		else if (c > hf_classes[mid].last)
			lo = mid + 1;
		else
			return hf_classes[mid].flags;
	}
	return 0;
}

/* Rust's char::is_whitespace */
bool
HfIsWhitespace(pg_wchar c)
{
	return (Classes(c) & HFC_WHITE) != 0;
}

/* char::is_alphanumeric (as Oniguruma's \p{L} and \p{N}) */
bool
HfIsAlphanumeric(pg_wchar c)
{
	return (Classes(c) & (HFC_L | HFC_N)) != 0;
}

/* Append c lowercased (char::to_lowercase: one to three code points) */
static void
PushLower(HfText *out, pg_wchar c)
{
	int			lo = 0;
	int			hi = lengthof(hf_lower) - 1;

	if (c < 0x80)
	{
		HfTextPush(out, (c >= 'A' && c <= 'Z') ? c + 32 : c);
		return;
	}
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (c < hf_lower[mid][0])
			hi = mid - 1;
		else if (c > hf_lower[mid][0])
			lo = mid + 1;
		else
		{
			for (int k = 1; k < 4 && hf_lower[mid][k] != 0; k++)
				HfTextPush(out, hf_lower[mid][k]);
			return;
		}
	}
	HfTextPush(out, c);
}

/* Rewrite text in place through PostgreSQL's Unicode normalization */
static void
UnicodeNormalize(HfText *text, UnicodeNormalizationForm form)
{
	pg_wchar   *in;
	pg_wchar   *res;
	int			n = 0;

	if (text->n == 0)
		return;
	HfTextPush(text, 0);
	in = text->c;
	res = unicode_normalize(form, in);
	if (res == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	text->n = 0;
	text->c = NULL;
	text->cap = 0;
	while (res[n] != 0)
		HfTextPush(text, res[n++]);
	pfree(in);
	pfree(res);
}

/* BertNormalizer: clean text, space Chinese characters, strip accents, lowercase */
static void
BertNormalize(const HfNormalizer *norm, HfText *text)
{
	HfText		out = {0};
	bool		strip = norm->strip_accents;

	if (strip)
		UnicodeNormalize(text, UNICODE_NFD);
	for (int i = 0; i < text->n; i++)
	{
		pg_wchar	c = text->c[i];
		int			f = Classes(c);

		if (norm->clean_text && (f & HFC_REMOVE))
			continue;
		if (norm->clean_text && (f & HFC_SPACE))
			c = ' ';
		if (strip && (f & HFC_MN))
			continue;
		if (norm->chinese && (f & HFC_CHINESE))
		{
			HfTextPush(&out, ' ');
			HfTextPush(&out, c);
			HfTextPush(&out, ' ');
		}
		else if (norm->lowercase)
			PushLower(&out, c);
		else
			HfTextPush(&out, c);
	}
	if (text->c)
		pfree(text->c);
	*text = out;
}

/* One normalizer of the sequence */
static void
NormalizeStep(const HfNormalizer *norm, HfText *text)
{
	HfText		out = {0};
	int			from = 0;
	int			to = text->n;

	switch (norm->kind)
	{
		case HFN_BERT:
			BertNormalize(norm, text);
			return;
		case HFN_NFD:
			UnicodeNormalize(text, UNICODE_NFD);
			return;
		case HFN_NFKD:
			UnicodeNormalize(text, UNICODE_NFKD);
			return;
		case HFN_NFC:
			UnicodeNormalize(text, UNICODE_NFC);
			return;
		case HFN_NFKC:
			UnicodeNormalize(text, UNICODE_NFKC);
			return;
		case HFN_LOWERCASE:
			for (int i = 0; i < text->n; i++)
				PushLower(&out, text->c[i]);
			break;
		case HFN_STRIP_ACCENTS:
			for (int i = 0; i < text->n; i++)
				if (!(Classes(text->c[i]) & HFC_MN))
					HfTextPush(&out, text->c[i]);
			break;
		case HFN_STRIP:
			while (norm->left && from < to && HfIsWhitespace(text->c[from]))
				from++;
			while (norm->right && to > from && HfIsWhitespace(text->c[to - 1]))
				to--;
			for (int i = from; i < to; i++)
				HfTextPush(&out, text->c[i]);
			break;
		case HFN_PREPEND:
			if (text->n == 0)
				return;
			for (int i = 0; i < norm->text_len; i++)
				HfTextPush(&out, norm->text[i]);
			for (int i = 0; i < text->n; i++)
				HfTextPush(&out, text->c[i]);
			break;
	}
	if (text->c)
		pfree(text->c);
	*text = out;
}

void
HfNormalize(const MaasHfTokenizer *tok, HfText *text)
{
	for (int k = 0; k < tok->n_normalizers; k++)
		NormalizeStep(&tok->normalizers[k], text);
}

/*
 * Split [start, end) on the characters having one of the class flags,
 * as NormalizedString::split with a char predicate: every such character
 * is a match of its own, placed by behavior; empty pieces are dropped.
 */
static void
SplitOn(const HfText *text, int start, int end, int flags, HfSplitBehavior behavior,
		HfPieces *out)
{
	int			first = out->n;
	bool		previous = false;	/* the last piece pushed is a match */
	int			i = start;

	while (i < end)
	{
		bool		match = (Classes(text->c[i]) & flags) != 0;
		int			j = i + 1;

		if (!match)
			while (j < end && !(Classes(text->c[j]) & flags))
				j++;
		/* [i, j): one match, or the run of text up to the next match */
		if (match && behavior == HFS_REMOVED)
			;
		else if (out->n > first &&
				 ((behavior == HFS_MERGED_WITH_PREVIOUS && match && !previous) ||
				  (behavior == HFS_MERGED_WITH_NEXT && !match && previous) ||
				  (behavior == HFS_CONTIGUOUS && match && previous)))
			out->end[out->n - 1] = j;
		else
			HfPiecesPush(out, i, j);
		previous = match;
		i = j;
	}
}

/* GPT-2's pattern at i, the end of its match (Oniguruma, leftmost alternative) */
static int
Gpt2Match(const HfText *text, int i, int end)
{
	const pg_wchar *c = text->c;
	int			f;
	int			j;

	/* 's|'t|'re|'ve|'m|'ll|'d */
	if (c[i] == '\'' && i + 1 < end)
	{
		pg_wchar	a = c[i + 1];
		pg_wchar	b = i + 2 < end ? c[i + 2] : 0;

		if (a == 's' || a == 't' || a == 'm' || a == 'd')
			return i + 2;
		if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
			return i + 3;
	}
	/* ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+' */
	j = (c[i] == ' ' && i + 1 < end) ? i + 1 : i;
	f = Classes(c[j]) & (HFC_L | HFC_N | HFC_S);
	if (j > i && (f & HFC_S))
		j = i;					/* the space alone: a \s run */
	f = Classes(c[j]) & (HFC_L | HFC_N | HFC_S);
	if (f == HFC_L || f == HFC_N || f == 0)
	{
		int			k = j + 1;

		if (f == 0)
			while (k < end && (Classes(c[k]) & (HFC_L | HFC_N | HFC_S)) == 0)
				k++;
		else
			while (k < end && (Classes(c[k]) & (HFC_L | HFC_N | HFC_S)) == f)
				k++;
		return k;
	}
	/* '\s+(?!\S)|\s+': a run of spaces, less its last when text follows */
	j = i + 1;
	while (j < end && (Classes(c[j]) & HFC_S))
		j++;
	if (j < end && j - i > 1)
		return j - 1;
	return j;
}

/* Split [start, end) by the GPT-2 pattern, each match a piece */
static void
SplitGpt2(const HfText *text, int start, int end, HfPieces *out)
{
	for (int i = start; i < end;)
	{
		int			j = Gpt2Match(text, i, end);

		HfPiecesPush(out, i, j);
		i = j;
	}
}

/* Whitespace's \w+|[^\w\s]+: runs of word or of other characters, no spaces */
static void
SplitWords(const HfText *text, int start, int end, HfPieces *out)
{
	for (int i = start; i < end;)
	{
		int			f = Classes(text->c[i]);
		int			j = i + 1;

		if (f & HFC_WHITE && !(f & HFC_WORD))
		{
			i++;
			continue;
		}
		f &= HFC_WORD;
		while (j < end && (Classes(text->c[j]) & (HFC_WORD | HFC_WHITE)) == f)
			j++;
		HfPiecesPush(out, i, j);
		i = j;
	}
}

/*
 * ByteLevel with add_prefix_space: a space in front of a piece that does
 * not start with one.  The piece is moved to the end of the text with its
 * space (pieces only ever refer to code points, not to their neighbours).
 */
static int
PrefixSpace(HfText *text, int *start, int *end)
{
	int			n = *end - *start;
	int			at = text->n;

	if (n > 0 && text->c[*start] == ' ')
		return 0;
	HfTextPush(text, ' ');
	for (int i = 0; i < n; i++)
		HfTextPush(text, text->c[*start + i]);
	*start = at;
	*end = at + 1 + n;
	return 1;
}

/* One pre-tokenizer over every piece */
static void
PreTokenizeStep(const HfPreTokenizer *pre, HfText *text, HfPieces *in, HfPieces *out)
{
	out->n = 0;
	for (int p = 0; p < in->n; p++)
	{
		int			s = in->start[p];
		int			e = in->end[p];

		CHECK_FOR_INTERRUPTS();	/* a long text has many pieces */
		switch (pre->kind)
		{
			case HFP_BERT:
				{
					HfPieces	words = {0};

					SplitOn(text, s, e, HFC_WHITE, HFS_REMOVED, &words);
					for (int w = 0; w < words.n; w++)
						SplitOn(text, words.start[w], words.end[w], HFC_PUNCT, HFS_ISOLATED, out);
					break;
				}
			case HFP_WHITESPACE:
				SplitWords(text, s, e, out);
				break;
			case HFP_WHITESPACE_SPLIT:
				SplitOn(text, s, e, HFC_WHITE, HFS_REMOVED, out);
				break;
			case HFP_PUNCTUATION:
				SplitOn(text, s, e, HFC_PUNCT, pre->behavior, out);
				break;
			case HFP_DIGITS:
				SplitOn(text, s, e, HFC_N, pre->individual_digits ? HFS_ISOLATED : HFS_CONTIGUOUS, out);
				break;
			case HFP_BYTELEVEL:
				if (pre->add_prefix_space)
					PrefixSpace(text, &s, &e);
				if (pre->use_regex)
					SplitGpt2(text, s, e, out);
				else if (e > s)
					HfPiecesPush(out, s, e);
				break;
		}
	}
}

/* Cut the normalized text into words: pieces of text (which may grow) */
void
HfPreTokenize(const MaasHfTokenizer *tok, HfText *text, HfPieces *pieces)
{
	HfPieces	other = {0};

	pieces->n = 0;
	if (text->n > 0)
		HfPiecesPush(pieces, 0, text->n);
	for (int k = 0; k < tok->n_pre; k++)
	{
		HfPieces	tmp;

		PreTokenizeStep(&tok->pre[k], text, pieces, &other);
		tmp = *pieces;
		*pieces = other;
		other = tmp;
	}
}
