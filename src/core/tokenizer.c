/*
 * tokenizer.c
 *	  A text column's tokenizer once read: the lookup of a token's id, its
 *	  description, and padding.
 *
 * How text is split into tokens is the data layer's (src/data/tokenize.c);
 * the tokenizer's bytes are read and validated with the rest of the model
 * (format.c).
 */
#include "postgres.h"

#include "core/core.h"

/* The id of a token (len bytes): its vocabulary id, or MAAS_TOKEN_OOV */
int32
MaasTokenId(const MaasTokenizer *t, const char *token, int len)
{
	int32		lo = 0;
	int32		hi = t->n_vocab - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		const char *v = t->vocab[t->sorted[mid]];
		size_t		vlen = (size_t) t->lengths[t->sorted[mid]];
		int			c = memcmp(v, token, Min(vlen, (size_t) len));

		if (c == 0)
			c = (vlen > (size_t) len) - (vlen < (size_t) len);
		if (c == 0)
			return MAAS_TOKEN_FIRST + t->sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return MAAS_TOKEN_OOV;
}

void
MaasDescribeTokenizer(const MaasTokenizer *t, MaasJson *json)
{
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "maxlen");
	MaasJsonInt(json, t->maxlen);
	MaasJsonKey(json, "num_words");
	MaasJsonInt(json, t->num_words);
	MaasJsonKey(json, "ngram_range");
	MaasJsonBeginArray(json);
	MaasJsonInt(json, t->ngram_min);
	MaasJsonInt(json, t->ngram_max);
	MaasJsonEndArray(json);
	MaasJsonKey(json, "lowercase");
	MaasJsonBool(json, t->lowercase);
	MaasJsonKey(json, "stem");
	if (t->stem[0] == '\0')
		MaasJsonNull(json);
	else
		MaasJsonString(json, t->stem);
	MaasJsonKey(json, "vocabulary_size");
	MaasJsonInt(json, t->n_vocab);
	MaasJsonKey(json, "most_frequent");
	MaasJsonBeginArray(json);
	for (int k = 0; k < Min(t->n_vocab, 10); k++)
		MaasJsonString(json, t->vocab[k]);
	MaasJsonEndArray(json);
	MaasJsonEndObject(json);
}

/*
 * A sequence as a fixed-length model reads it (Keras's pad_sequences with
 * its defaults): padded with MAAS_TOKEN_PAD at the front to maxlen, or
 * the last maxlen ids of a longer one.
 */
void
MaasPadTokens(const int32 *ids, int n, int maxlen, int32 *out)
{
	int			keep = Min(n, maxlen);

	for (int i = 0; i < maxlen - keep; i++)
		out[i] = MAAS_TOKEN_PAD;
	memcpy(out + maxlen - keep, ids + n - keep, sizeof(int32) * keep);
}
