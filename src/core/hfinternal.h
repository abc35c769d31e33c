/*
 * hfinternal.h
 *	  The parts of a Hugging Face tokenizer (src/core/hf*.c): what
 *	  tokenizer.json says, once read and checked, and the stages of an
 *	  encoding.  Only hftokenizer.h is for other files.
 *
 * Text inside the pipeline is an array of code points (pg_wchar); the
 * model sees UTF-8.
 */
#ifndef MAAS_HFINTERNAL_H
#define MAAS_HFINTERNAL_H

#include "mb/pg_wchar.h"
#include "utils/jsonb.h"

#include "core/hftokenizer.h"

/* limits on untrusted files */
#define HF_MAX_ID			(1 << 24)	/* ids (and vocabulary sizes) below */
#define HF_MAX_STEPS		64	/* normalizers or pre-tokenizers in a Sequence */
#define HF_MAX_ADDED		100000	/* added tokens */

/* Strings to ids: an open-addressing hash table */
typedef struct HfVocab
{
	int			n;				/* entries */
	int			cap;			/* slots, a power of 2 */
	int32	   *slots;			/* entry index, -1 empty */
	char	  **tokens;			/* entry's string (NUL-terminated) */
	int		   *lens;
	int32	   *ids;
	int32		max_id;			/* -1 when empty */
	char	  **by_id;			/* max_id + 1 strings, NULL where no token */
} HfVocab;

/* (left id, right id) -> merge rank and result */
typedef struct HfMerges
{
	int			n;
	int			cap;
	uint64	   *keys;			/* (left << 32 | right) + 1, 0 empty */
	int32	   *ranks;
	int32	   *results;
} HfMerges;

typedef enum HfModelKind
{
	HF_WORDPIECE,
	HF_BPE
} HfModelKind;

typedef struct HfModel
{
	HfModelKind kind;
	HfVocab		vocab;
	char	   *unk_token;		/* NULL: none */
	char	   *prefix;			/* continuing_subword_prefix, NULL: none */
	int			max_chars;		/* WordPiece's max_input_chars_per_word */
	/* BPE */
	HfMerges	merges;
	char	   *suffix;			/* end_of_word_suffix, NULL: none */
	bool		fuse_unk;
	bool		byte_fallback;
	bool		ignore_merges;
} HfModel;

typedef enum HfNormKind
{
	HFN_BERT,
	HFN_NFD,
	HFN_NFKD,
	HFN_NFC,
	HFN_NFKC,
	HFN_LOWERCASE,
	HFN_STRIP_ACCENTS,
	HFN_STRIP,
	HFN_PREPEND
} HfNormKind;

typedef struct HfNormalizer
{
	HfNormKind	kind;
	bool		clean_text;		/* BertNormalizer */
	bool		chinese;
	bool		strip_accents;
	bool		lowercase;
	bool		left;			/* Strip */
	bool		right;
	pg_wchar   *text;			/* Prepend */
	int			text_len;
} HfNormalizer;

/* how a split treats the characters it splits on (SplitDelimiterBehavior) */
typedef enum HfSplitBehavior
{
	HFS_REMOVED,
	HFS_ISOLATED,
	HFS_MERGED_WITH_PREVIOUS,
	HFS_MERGED_WITH_NEXT,
	HFS_CONTIGUOUS
} HfSplitBehavior;

typedef enum HfPreKind
{
	HFP_BERT,
	HFP_WHITESPACE,
	HFP_WHITESPACE_SPLIT,
	HFP_BYTELEVEL,
	HFP_PUNCTUATION,
	HFP_DIGITS
} HfPreKind;

typedef struct HfPreTokenizer
{
	HfPreKind	kind;
	bool		add_prefix_space;	/* ByteLevel */
	bool		use_regex;
	bool		individual_digits;	/* Digits */
	HfSplitBehavior behavior;	/* Punctuation */
} HfPreTokenizer;

typedef struct HfAddedToken
{
	int32		id;
	char	   *content;		/* as in the file (UTF-8) */
	pg_wchar   *chars;			/* as matched: normalized when normalized */
	int			n_chars;
	bool		normalized;
	bool		lstrip;
	bool		rstrip;
	bool		single_word;
} HfAddedToken;

/* one piece of the single-sequence template: a special token or the text */
typedef struct HfTemplatePiece
{
	bool		sequence;
	int32		type_id;
	int			n_ids;			/* special token: its ids */
	int32	   *ids;
} HfTemplatePiece;

struct MaasHfTokenizer
{
	int			n_normalizers;
	HfNormalizer *normalizers;
	int			n_pre;
	HfPreTokenizer *pre;
	HfModel		model;
	bool		byte_level;		/* some pre-tokenizer is ByteLevel */
	int			n_added;
	HfAddedToken *added;
	int			n_template;		/* post-processor, 0: none */
	HfTemplatePiece *template;
	int			n_special;		/* ids the template adds */
	int			max_length;		/* truncation, -1: none */
	bool		truncate_left;
	int			pad_length;		/* padding: Fixed length, -1: none, -2: longest */
	int			pad_multiple;	/* pad_to_multiple_of, 0: none */
	bool		pad_left;
	int32		pad_id;
	int32		pad_type_id;
};

/* text as code points: a growable array */
typedef struct HfText
{
	pg_wchar   *c;
	int			n;
	int			cap;
} HfText;

/* pieces of a text: [start, end) in its code points */
typedef struct HfPieces
{
	int		   *start;
	int		   *end;
	int			n;
	int			cap;
} HfPieces;

/* token ids: a growable array */
typedef struct HfIds
{
	int32	   *v;
	int			n;
	int			cap;
} HfIds;

/* hfvocab.c */
extern void HfVocabInit(HfVocab *v, int expected);
extern void HfVocabAdd(HfVocab *v, const char *token, int len, int32 id);
extern int32 HfVocabGet(const HfVocab *v, const char *token, int len);
extern void HfVocabIndex(HfVocab *v);
extern void HfMergesInit(HfMerges *m, int expected);
extern void HfMergesAdd(HfMerges *m, int32 left, int32 right, int32 rank, int32 result);
extern bool HfMergesGet(const HfMerges *m, int32 left, int32 right, int32 *rank, int32 *result);
extern void HfIdsPush(HfIds *ids, int32 id);
extern void HfTextPush(HfText *t, pg_wchar c);
extern void HfPiecesPush(HfPieces *p, int start, int end);

/* hftext.c */
extern void HfNormalize(const MaasHfTokenizer *tok, HfText *text);
extern void HfPreTokenize(const MaasHfTokenizer *tok, HfText *text, HfPieces *pieces);
extern bool HfIsWhitespace(pg_wchar c);
extern bool HfIsAlphanumeric(pg_wchar c);

/* hfmodels.c */
extern void HfModelTokenize(const HfModel *model, const HfText *text, int start, int end,
							bool byte_level, HfIds *out);

#endif							/* MAAS_HFINTERNAL_H */
