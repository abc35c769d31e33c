/*
 * fuzz_hftok.c
 *	  libFuzzer target: Hugging Face tokenizer.json files and the texts they
 *	  encode (src/core/hftokenizer.h, maas_tokenize).
 *
 * Input: two bytes (little-endian) giving the length of the tokenizer.json,
 * the file, then the text to encode (the rest).
 *
 * Oracles, beyond "no crash, no sanitizer report":
 *	- a rejected file is a user error: invalid input (22P02), an unsupported
 *	  part (0A000), an invalid value (22023), bad encoding (22021) or a
 *	  limit (54000), never an internal error or out-of-memory;
 *	- an accepted tokenizer encodes the text and a few fixed ones with at
 *	  most 22021 (the text is not UTF-8) or 22023 (its unk_token is not in
 *	  its vocab), and every encoding is consistent: n >= 0, attention
 *	  mask 0 or 1, ids that are the file's (non-negative), and no longer
 *	  than the file's max_length when it truncates and does not pad.
 */
#include "postgres.h"

#include "core/hfinternal.h"
#include "pg_stubs.h"

static bool
UserError(int code)
{
	return code == ERRCODE_INVALID_TEXT_REPRESENTATION || code == ERRCODE_FEATURE_NOT_SUPPORTED ||
		code == ERRCODE_INVALID_PARAMETER_VALUE || code == ERRCODE_CHARACTER_NOT_IN_REPERTOIRE ||
		code == ERRCODE_PROGRAM_LIMIT_EXCEEDED || code == ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE ||
		code == ERRCODE_UNTRANSLATABLE_CHARACTER;
}

static void
Encode(const MaasHfTokenizer *tok, const char *text, size_t len)
{
	MaasHfEncoding enc;

	PG_TRY();
	{
		MaasHfTokenizerEncode(tok, text, len, &enc);
		if (enc.n < 0)
			FuzzFail("an encoding of %d tokens", enc.n);
		for (int i = 0; i < enc.n; i++)
		{
			if (enc.ids[i] < 0 || enc.type_ids[i] < 0 ||
				(enc.attention_mask[i] != 0 && enc.attention_mask[i] != 1))
				FuzzFail("token %d: id %d, type %d, mask %d", i, enc.ids[i], enc.type_ids[i],
						 enc.attention_mask[i]);
			if (enc.attention_mask[i] == 1)
				(void) MaasHfTokenizerToken(tok, enc.ids[i]);
		}
		if (tok->max_length >= 0 && tok->pad_length == -1 && enc.n > tok->max_length)
			FuzzFail("%d tokens, longer than max_length %d", enc.n, tok->max_length);
	}
	PG_CATCH();
	{
		int			code = fuzz_error.sqlerrcode;

		MemoryContextSwitchTo(fuzz_cxt);
		if (code != ERRCODE_CHARACTER_NOT_IN_REPERTOIRE && code != ERRCODE_INVALID_PARAMETER_VALUE &&
			code != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			FuzzFailOnError("encoding a text");
	}
	PG_END_TRY();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {"", " ", "Hello, World! Café 北京 😀 [CLS] <mask>",
	"don't   stop\t\n", "e\xcc\x81\xe2\x80\x8d\xef\xbb\xbf"};
	size_t		json_len;
	MaasHfTokenizer *tok = NULL;

	if (size < 2)
		return 0;
	json_len = data[0] | (data[1] << 8);
	if (json_len > size - 2)
		json_len = size - 2;
	FuzzBegin();
	PG_TRY();
	{
		tok = MaasHfTokenizerParse((const char *) data + 2, json_len);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(fuzz_cxt);
		if (!UserError(fuzz_error.sqlerrcode))
			FuzzFailOnError("rejecting a tokenizer.json, instead of a user error");
		tok = NULL;
	}
	PG_END_TRY();
	if (tok != NULL)
	{
		Encode(tok, (const char *) data + 2 + json_len, size - 2 - json_len);
		for (int i = 0; i < lengthof(fixed); i++)
			Encode(tok, fixed[i], strlen(fixed[i]));
	}
	FuzzEnd();
	return 0;
}
