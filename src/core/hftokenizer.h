/*
 * hftokenizer.h
 *	  Hugging Face tokenizer.json tokenizers (WordPiece and byte-level BPE
 *	  with their normalizers, pre-tokenizers and post-processors), giving
 *	  the same ids as Hugging Face's Rust tokenizers.
 *
 * A tokenizer is parsed once (MaasHfTokenizerParse, everything allocated
 * in CurrentMemoryContext: parse it in a context that lives as long as
 * the cache holding it) and then encodes any number of texts.  Encoding
 * is encode(text, add_special_tokens = true) with the file's truncation
 * and padding.
 */
#ifndef MAAS_HFTOKENIZER_H
#define MAAS_HFTOKENIZER_H

#include "postgres.h"

#include "utils/jsonb.h"

typedef struct MaasHfTokenizer MaasHfTokenizer;

/* ERROR on an unsupported (0A000) or malformed (22P02, 22023) file */
extern MaasHfTokenizer *MaasHfTokenizerParse(const char *json, Size len);

/* The same from the file as jsonb (maas_tokenize's argument) */
extern MaasHfTokenizer *MaasHfTokenizerFromJsonb(Jsonb *jb);

/* One encoded text: n tokens, arrays palloc'd in CurrentMemoryContext */
typedef struct MaasHfEncoding
{
	int			n;
	int32	   *ids;
	int32	   *type_ids;
	int32	   *attention_mask;
} MaasHfEncoding;

/* add_special_tokens = true, truncation (and padding) of the file */
extern void MaasHfTokenizerEncode(const MaasHfTokenizer *tok, const char *text, Size len,
								  MaasHfEncoding *out);

/* The token (UTF-8, NUL-terminated) of an id, NULL when the id has none */
extern const char *MaasHfTokenizerToken(const MaasHfTokenizer *tok, int32 id);

#endif							/* MAAS_HFTOKENIZER_H */
