/*
 * hftokenizer.c
 *	  Reading a Hugging Face tokenizer.json: every member checked, the
 *	  parts this implementation does not have refused by name (0A000),
 *	  a document that is not a tokenizer.json refused as invalid (22P02,
 *	  22023).  Encoding is hfencode.c's.
 *
 * What is read: normalizer, pre_tokenizer, model (WordPiece, BPE),
 * added_tokens, post_processor, truncation and padding; decoder is
 * ignored (it only matters to decode).
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "core/core.h"
#include "core/hfinternal.h"

#define FORMAT "tokenizer.json"

static void
Bad(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid tokenizer.json: \"%s\" %s", what, detail)));
}

static void
Unsupported(const char *what, const char *value, const char *supported)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("unsupported tokenizer.json: %s %s", what, value),
			 supported ? errhint("Supported: %s.", supported) : 0));
}

/* member key of object, NULL when absent or JSON null */
static JsonbValue *
Get(JsonbContainer *object, const char *key)
{
	JsonbValue *v = MaasJsonMember(object, key);

	return (v == NULL || v->type == jbvNull) ? NULL : v;
}

static char *
Path(const char *path, const char *key)
{
	return psprintf("%s.%s", path, key);
}

/* a string member, dflt when absent or null */
static char *
Str(JsonbContainer *o, const char *path, const char *key, const char *dflt)
{
	JsonbValue *v = Get(o, key);

	return v ? MaasJsonText(FORMAT, v, Path(path, key)) : (dflt ? pstrdup(dflt) : NULL);
}

static bool
Bool(JsonbContainer *o, const char *path, const char *key, bool dflt)
{
	JsonbValue *v = Get(o, key);

	if (v == NULL)
		return dflt;
	if (v->type != jbvBool)
		Bad(Path(path, key), "is not a boolean");
	return v->val.boolean;
}

/* a whole number in [lo, hi] */
static int
IntValue(JsonbValue *v, const char *what, int lo, int hi)
{
	double		d = MaasJsonDouble(FORMAT, v, what);

	if (!(d >= lo && d <= hi) || d != (double) (int64) d)
		Bad(what, psprintf("is not a whole number from %d to %d", lo, hi));
	return (int) d;
}

static int
Int(JsonbContainer *o, const char *path, const char *key, int dflt, int lo, int hi)
{
	JsonbValue *v = Get(o, key);

	return v ? IntValue(v, Path(path, key), lo, hi) : dflt;
}

/* the "type" member of a part */
static char *
TypeOf(JsonbContainer *o, const char *path)
{
	return Str(o, path, "type", NULL) ?: (Bad(Path(path, "type"), "is missing"), (char *) NULL);
}

/* the parts of a Sequence (key: "normalizers", "pretokenizers"), or the part itself */
static JsonbContainer **
Parts(JsonbValue *v, const char *path, const char *key, int *n, char ***paths)
{
	JsonbContainer *o = MaasJsonObject(FORMAT, v, path);
	char	   *type = TypeOf(o, path);
	JsonbContainer **parts;

	if (strcmp(type, "Sequence") != 0)
	{
		*n = 1;
		parts = palloc(sizeof(JsonbContainer *));
		parts[0] = o;
		*paths = palloc(sizeof(char *));
		(*paths)[0] = pstrdup(path);
		return parts;
	}
	{
		JsonbContainer *a = MaasJsonArray(FORMAT, Get(o, key), Path(path, key), n);

		if (*n > HF_MAX_STEPS)
			Bad(Path(path, key), psprintf("has more than %d elements", HF_MAX_STEPS));
		parts = palloc(sizeof(JsonbContainer *) * Max(*n, 1));
		*paths = palloc(sizeof(char *) * Max(*n, 1));
		for (int i = 0; i < *n; i++)
		{
			(*paths)[i] = psprintf("%s.%s[%d]", path, key, i);
			parts[i] = MaasJsonObject(FORMAT, MaasJsonElement(a, i), (*paths)[i]);
			if (strcmp(TypeOf(parts[i], (*paths)[i]), "Sequence") == 0)
				Unsupported(Path((*paths)[i], "type"), "Sequence inside a Sequence", NULL);
		}
	}
	return parts;
}

static void
ParseNormalizer(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer **parts;
	char	  **paths;
	int			n;

	if (v == NULL)
		return;
	parts = Parts(v, "normalizer", "normalizers", &n, &paths);
	tok->n_normalizers = n;
	tok->normalizers = palloc0(sizeof(HfNormalizer) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HfNormalizer *norm = &tok->normalizers[i];
		JsonbContainer *o = parts[i];
		char	   *type = TypeOf(o, paths[i]);

		if (strcmp(type, "BertNormalizer") == 0)
		{
			JsonbValue *strip = Get(o, "strip_accents");

			norm->kind = HFN_BERT;
			norm->clean_text = Bool(o, paths[i], "clean_text", true);
			norm->chinese = Bool(o, paths[i], "handle_chinese_chars", true);
			norm->lowercase = Bool(o, paths[i], "lowercase", true);
			/* strip_accents null: as lowercase */
			norm->strip_accents = strip ? Bool(o, paths[i], "strip_accents", false) : norm->lowercase;
		}
		else if (strcmp(type, "NFD") == 0)
			norm->kind = HFN_NFD;
		else if (strcmp(type, "NFKD") == 0)
			norm->kind = HFN_NFKD;
		else if (strcmp(type, "NFC") == 0)
			norm->kind = HFN_NFC;
		else if (strcmp(type, "NFKC") == 0)
			norm->kind = HFN_NFKC;
		else if (strcmp(type, "Lowercase") == 0)
			norm->kind = HFN_LOWERCASE;
		else if (strcmp(type, "StripAccents") == 0)
			norm->kind = HFN_STRIP_ACCENTS;
		else if (strcmp(type, "Strip") == 0)
		{
			norm->kind = HFN_STRIP;
			norm->left = Bool(o, paths[i], "strip_left", true);
			norm->right = Bool(o, paths[i], "strip_right", true);
		}
		else if (strcmp(type, "Prepend") == 0)
		{
			char	   *s = Str(o, paths[i], "prepend", NULL);

			if (s == NULL)
				Bad(Path(paths[i], "prepend"), "is missing");
			norm->kind = HFN_PREPEND;
			norm->text = palloc(sizeof(pg_wchar) * (strlen(s) + 1));
			norm->text_len = pg_encoding_mb2wchar_with_len(PG_UTF8, s, norm->text, strlen(s));
		}
		else
			Unsupported(Path(paths[i], "type"), quote_identifier(type),
						"BertNormalizer, NFD, NFKD, NFC, NFKC, Lowercase, StripAccents, Strip, Prepend, Sequence");
	}
}

static HfSplitBehavior
Behavior(JsonbContainer *o, const char *path)
{
	char	   *b = Str(o, path, "behavior", "Isolated");

	if (strcmp(b, "Removed") == 0)
		return HFS_REMOVED;
	if (strcmp(b, "Isolated") == 0)
		return HFS_ISOLATED;
	if (strcmp(b, "MergedWithPrevious") == 0)
		return HFS_MERGED_WITH_PREVIOUS;
	if (strcmp(b, "MergedWithNext") == 0)
		return HFS_MERGED_WITH_NEXT;
	if (strcmp(b, "Contiguous") == 0)
		return HFS_CONTIGUOUS;
	Unsupported(Path(path, "behavior"), quote_identifier(b),
				"Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
	return HFS_ISOLATED;
}

static void
ParsePreTokenizer(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer **parts;
	char	  **paths;
	int			n;

	if (v == NULL)
		return;
	parts = Parts(v, "pre_tokenizer", "pretokenizers", &n, &paths);
	tok->n_pre = n;
	tok->pre = palloc0(sizeof(HfPreTokenizer) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HfPreTokenizer *pre = &tok->pre[i];
		JsonbContainer *o = parts[i];
		char	   *type = TypeOf(o, paths[i]);

		if (tok->byte_level)
			Unsupported(paths[i], "after ByteLevel", "ByteLevel as the last pre-tokenizer");
		if (strcmp(type, "BertPreTokenizer") == 0)
			pre->kind = HFP_BERT;
		else if (strcmp(type, "Whitespace") == 0)
			pre->kind = HFP_WHITESPACE;
		else if (strcmp(type, "WhitespaceSplit") == 0)
			pre->kind = HFP_WHITESPACE_SPLIT;
		else if (strcmp(type, "Punctuation") == 0)
		{
			pre->kind = HFP_PUNCTUATION;
			pre->behavior = Behavior(o, paths[i]);
		}
		else if (strcmp(type, "Digits") == 0)
		{
			pre->kind = HFP_DIGITS;
			pre->individual_digits = Bool(o, paths[i], "individual_digits", false);
		}
		else if (strcmp(type, "ByteLevel") == 0)
		{
			pre->kind = HFP_BYTELEVEL;
			pre->add_prefix_space = Bool(o, paths[i], "add_prefix_space", true);
			pre->use_regex = Bool(o, paths[i], "use_regex", true);
			tok->byte_level = true;
		}
		else
			Unsupported(Path(paths[i], "type"), quote_identifier(type),
						"BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits, ByteLevel, Sequence");
	}
}

/* The model's vocab: token -> id */
static void
ParseVocab(HfModel *model, JsonbContainer *o)
{
	JsonbValue *v = Get(o, "vocab");
	JsonbContainer *vocab = MaasJsonObject(FORMAT, v, "model.vocab");
	JsonbIterator *it = JsonbIteratorInit(vocab);
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken r;

	HfVocabInit(&model->vocab, JsonContainerSize(vocab));
	while ((r = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		char	   *token;

		if (r != WJB_KEY)
			continue;
		token = pnstrdup(key.val.string.val, key.val.string.len);
		r = JsonbIteratorNext(&it, &val, true);
		HfVocabAdd(&model->vocab, token, key.val.string.len,
				   IntValue(&val, psprintf("model.vocab.%s", token), 0, HF_MAX_ID - 1));
		pfree(token);
	}
}

/* model.merges: "a b" strings or [a, b] pairs, in rank order */
static void
ParseMerges(HfModel *model, JsonbContainer *o)
{
	int			n;
	JsonbContainer *a = MaasJsonArray(FORMAT, Get(o, "merges"), "model.merges", &n);
	int			plen = model->prefix ? strlen(model->prefix) : 0;

	HfMergesInit(&model->merges, n);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = MaasJsonElement(a, i);
		char	   *what = psprintf("model.merges[%d]", i);
		char	   *left;
		char	   *right;
		char	   *merged;
		int32		ids[3];

		if (e->type == jbvString)
		{
			char	   *space;

			left = MaasJsonText(FORMAT, e, what);
			space = strchr(left, ' ');
			if (space == NULL || strchr(space + 1, ' ') != NULL)
				Bad(what, "is not two tokens separated by a space");
			*space = '\0';
			right = space + 1;
		}
		else
		{
			int			len;
			JsonbContainer *pair = MaasJsonArray(FORMAT, e, what, &len);

			if (len != 2)
				Bad(what, "is not a pair of tokens");
			left = MaasJsonText(FORMAT, MaasJsonElement(pair, 0), what);
			right = MaasJsonText(FORMAT, MaasJsonElement(pair, 1), what);
		}
		if ((int) strlen(right) < plen)
			Bad(what, "has a right token shorter than continuing_subword_prefix");
		merged = psprintf("%s%s", left, right + plen);
		ids[0] = HfVocabGet(&model->vocab, left, strlen(left));
		ids[1] = HfVocabGet(&model->vocab, right, strlen(right));
		ids[2] = HfVocabGet(&model->vocab, merged, strlen(merged));
		if (ids[0] < 0 || ids[1] < 0 || ids[2] < 0)
			Bad(what, psprintf("uses a token not in the vocab (\"%s\")",
							   ids[0] < 0 ? left : ids[1] < 0 ? right : merged));
		HfMergesAdd(&model->merges, ids[0], ids[1], i, ids[2]);
		pfree(merged);
	}
}

static void
ParseModel(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer *o = MaasJsonObject(FORMAT, v, "model");
	HfModel    *model = &tok->model;
	char	   *type = Str(o, "model", "type", NULL);

	/* older files have no type: a BPE has merges */
	if (type == NULL)
		type = Get(o, "merges") ? "BPE" : "WordPiece";
	if (strcmp(type, "WordPiece") == 0)
	{
		model->kind = HF_WORDPIECE;
		model->unk_token = Str(o, "model", "unk_token", "[UNK]");
		model->prefix = Str(o, "model", "continuing_subword_prefix", "##");
		model->max_chars = Int(o, "model", "max_input_chars_per_word", 100, 0, INT_MAX);
		ParseVocab(model, o);
	}
	else if (strcmp(type, "BPE") == 0)
	{
		JsonbValue *dropout = Get(o, "dropout");

		model->kind = HF_BPE;
		if (dropout && MaasJsonDouble(FORMAT, dropout, "model.dropout") != 0.0)
			Unsupported("model.dropout", "other than null", NULL);
		model->unk_token = Str(o, "model", "unk_token", NULL);
		model->prefix = Str(o, "model", "continuing_subword_prefix", NULL);
		model->suffix = Str(o, "model", "end_of_word_suffix", NULL);
		model->fuse_unk = Bool(o, "model", "fuse_unk", false);
		model->byte_fallback = Bool(o, "model", "byte_fallback", false);
		model->ignore_merges = Bool(o, "model", "ignore_merges", false);
		ParseVocab(model, o);
		ParseMerges(model, o);
	}
	else
		Unsupported("model.type", quote_identifier(type), "WordPiece, BPE");
}

/* the code points of s (UTF-8) */
static pg_wchar *
Chars(const char *s, int *n)
{
	pg_wchar   *c = palloc(sizeof(pg_wchar) * (strlen(s) + 1));

	*n = pg_encoding_mb2wchar_with_len(PG_UTF8, s, c, strlen(s));
	return c;
}

static void
ParseAdded(MaasHfTokenizer *tok, JsonbValue *v)
{
	int			n;
	JsonbContainer *a;

	if (v == NULL)
		return;
	a = MaasJsonArray(FORMAT, v, "added_tokens", &n);
	if (n > HF_MAX_ADDED)
		Bad("added_tokens", psprintf("has more than %d elements", HF_MAX_ADDED));
	tok->n_added = n;
	tok->added = palloc0(sizeof(HfAddedToken) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *path = psprintf("added_tokens[%d]", i);
		JsonbContainer *o = MaasJsonObject(FORMAT, MaasJsonElement(a, i), path);
		HfAddedToken *t = &tok->added[i];

		t->id = IntValue(Get(o, "id"), Path(path, "id"), 0, HF_MAX_ID - 1);
		t->content = Str(o, path, "content", NULL);
		if (t->content == NULL || t->content[0] == '\0')
			Bad(Path(path, "content"), "is missing or empty");
		t->normalized = Bool(o, path, "normalized", !Bool(o, path, "special", false));
		t->lstrip = Bool(o, path, "lstrip", false);
		t->rstrip = Bool(o, path, "rstrip", false);
		t->single_word = Bool(o, path, "single_word", false);
		if (t->normalized)
		{
			HfText		text = {0};

			text.c = Chars(t->content, &text.n);
			text.cap = text.n + 1;
			HfNormalize(tok, &text);
			t->chars = text.c;
			t->n_chars = text.n;
		}
		else
			t->chars = Chars(t->content, &t->n_chars);
	}
}

/* ["[SEP]", 102]: the id of a BertProcessing or RobertaProcessing token */
static HfTemplatePiece
SpecialPair(JsonbContainer *o, const char *path, const char *key)
{
	int			len;
	char	   *what = Path(path, key);
	JsonbContainer *pair = MaasJsonArray(FORMAT, Get(o, key), what, &len);
	HfTemplatePiece piece = {0};

	if (len != 2)
		Bad(what, "is not a pair of a token and its id");
	piece.n_ids = 1;
	piece.ids = palloc(sizeof(int32));
	piece.ids[0] = IntValue(MaasJsonElement(pair, 1), what, 0, HF_MAX_ID - 1);
	return piece;
}

/* TemplateProcessing's single: special tokens around the sequence */
static void
ParseTemplate(MaasHfTokenizer *tok, JsonbContainer *o, const char *path)
{
	int			n;
	JsonbContainer *single = MaasJsonArray(FORMAT, Get(o, "single"), Path(path, "single"), &n);
	JsonbValue *sv = Get(o, "special_tokens");
	JsonbContainer *specials = sv ? MaasJsonObject(FORMAT, sv, Path(path, "special_tokens")) : NULL;

	if (n > HF_MAX_STEPS)
		Bad(Path(path, "single"), psprintf("has more than %d elements", HF_MAX_STEPS));
	tok->n_template = n;
	tok->template = palloc0(sizeof(HfTemplatePiece) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *what = psprintf("%s.single[%d]", path, i);
		JsonbContainer *e = MaasJsonObject(FORMAT, MaasJsonElement(single, i), what);
		JsonbValue *seq = Get(e, "Sequence");
		JsonbValue *sp = Get(e, "SpecialToken");
		HfTemplatePiece *piece = &tok->template[i];
		JsonbContainer *p;
		char	   *id;

		if ((seq == NULL) == (sp == NULL))
			Bad(what, "is not one Sequence or one SpecialToken");
		p = MaasJsonObject(FORMAT, seq ? seq : sp, what);
		piece->type_id = Int(p, what, "type_id", 0, 0, INT_MAX);
		if (seq)
		{
			piece->sequence = true;
			continue;
		}
		id = Str(p, what, "id", NULL);
		if (id == NULL)
			Bad(Path(what, "id"), "is missing");
		{
			JsonbValue *tv = Get(specials, id);
			char	   *twhat = psprintf("%s.special_tokens.%s", path, id);
			JsonbContainer *t = MaasJsonObject(FORMAT, tv, twhat);
			JsonbContainer *ids = MaasJsonArray(FORMAT, Get(t, "ids"), Path(twhat, "ids"),
												&piece->n_ids);

			if (piece->n_ids > HF_MAX_STEPS)
				Bad(Path(twhat, "ids"), psprintf("has more than %d elements", HF_MAX_STEPS));
			piece->ids = palloc(sizeof(int32) * Max(piece->n_ids, 1));
			for (int k = 0; k < piece->n_ids; k++)
				piece->ids[k] = IntValue(MaasJsonElement(ids, k), Path(twhat, "ids"), 0, HF_MAX_ID - 1);
		}
	}
}

/* One post-processor: ByteLevel adds nothing to the ids */
static void
ParsePostStep(MaasHfTokenizer *tok, JsonbContainer *o, const char *path)
{
	char	   *type = TypeOf(o, path);

	if (strcmp(type, "ByteLevel") == 0)
		return;
	if (tok->n_template > 0)
		Unsupported(path, "adding special tokens a second time", NULL);
	if (strcmp(type, "BertProcessing") == 0 || strcmp(type, "RobertaProcessing") == 0)
	{
		tok->n_template = 3;
		tok->template = palloc0(sizeof(HfTemplatePiece) * 3);
		tok->template[0] = SpecialPair(o, path, "cls");
		tok->template[1].sequence = true;
		tok->template[2] = SpecialPair(o, path, "sep");
	}
	else if (strcmp(type, "TemplateProcessing") == 0)
		ParseTemplate(tok, o, path);
	else
		Unsupported(Path(path, "type"), quote_identifier(type),
					"BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel, Sequence");
}

static void
ParsePost(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer **parts;
	char	  **paths;
	int			n;

	if (v == NULL)
		return;
	parts = Parts(v, "post_processor", "processors", &n, &paths);
	for (int i = 0; i < n; i++)
		ParsePostStep(tok, parts[i], paths[i]);
	for (int i = 0; i < tok->n_template; i++)
		if (!tok->template[i].sequence)
			tok->n_special += tok->template[i].n_ids;
}

static void
ParseTruncation(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer *o;
	char	   *strategy;
	char	   *direction;

	tok->max_length = -1;
	if (v == NULL)
		return;
	o = MaasJsonObject(FORMAT, v, "truncation");
	tok->max_length = Int(o, "truncation", "max_length", 512, 0, INT_MAX);
	strategy = Str(o, "truncation", "strategy", "LongestFirst");
	direction = Str(o, "truncation", "direction", "Right");
	if (strcmp(strategy, "LongestFirst") != 0 && strcmp(strategy, "OnlyFirst") != 0)
		Unsupported("truncation.strategy", quote_identifier(strategy), "LongestFirst, OnlyFirst");
	if (strcmp(direction, "Right") != 0 && strcmp(direction, "Left") != 0)
		Bad("truncation.direction", "is neither Right nor Left");
	tok->truncate_left = strcmp(direction, "Left") == 0;
	if (tok->max_length < tok->n_special)
		Bad("truncation.max_length",
			psprintf("is less than the %d special tokens the post-processor adds", tok->n_special));
}

static void
ParsePadding(MaasHfTokenizer *tok, JsonbValue *v)
{
	JsonbContainer *o;
	JsonbValue *strategy;
	char	   *direction;

	tok->pad_length = -1;
	if (v == NULL)
		return;
	o = MaasJsonObject(FORMAT, v, "padding");
	strategy = Get(o, "strategy");
	tok->pad_length = -2;		/* BatchLongest: a single text is its own longest */
	if (strategy && strategy->type == jbvBinary)
		tok->pad_length = Int(MaasJsonObject(FORMAT, strategy, "padding.strategy"),
							  "padding.strategy", "Fixed", 0, 0, HF_MAX_ID);
	else if (strategy && strcmp(MaasJsonText(FORMAT, strategy, "padding.strategy"), "BatchLongest") != 0)
		Unsupported("padding.strategy", "other than BatchLongest or Fixed", NULL);
	direction = Str(o, "padding", "direction", "Right");
	if (strcmp(direction, "Right") != 0 && strcmp(direction, "Left") != 0)
		Bad("padding.direction", "is neither Right nor Left");
	tok->pad_left = strcmp(direction, "Left") == 0;
	tok->pad_multiple = Int(o, "padding", "pad_to_multiple_of", 0, 0, HF_MAX_ID);
	tok->pad_id = Int(o, "padding", "pad_id", 0, 0, HF_MAX_ID - 1);
	tok->pad_type_id = Int(o, "padding", "pad_type_id", 0, 0, INT_MAX);
}

/* Refuse members this implementation does not know, rather than ignore them */
static void
CheckKeys(JsonbContainer *root)
{
	static const char *const known[] = {"version", "truncation", "padding", "added_tokens",
		"normalizer", "pre_tokenizer", "post_processor", "decoder", "model"};
	JsonbIterator *it = JsonbIteratorInit(root);
	JsonbValue	key;
	JsonbIteratorToken r;

	while ((r = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		bool		found = false;

		if (r != WJB_KEY)
			continue;
		for (int i = 0; i < lengthof(known); i++)
			found |= strlen(known[i]) == key.val.string.len &&
				memcmp(known[i], key.val.string.val, key.val.string.len) == 0;
		if (!found)
			Unsupported("key", quote_identifier(pnstrdup(key.val.string.val, key.val.string.len)),
						"version, truncation, padding, added_tokens, normalizer, pre_tokenizer, post_processor, decoder, model");
	}
}

MaasHfTokenizer *
MaasHfTokenizerFromJsonb(Jsonb *jb)
{
	JsonbContainer *root = &jb->root;
	MaasHfTokenizer *tok = palloc0(sizeof(MaasHfTokenizer));

	if (!JsonContainerIsObject(root))
		Bad("tokenizer.json", "is not an object");
	CheckKeys(root);
	ParseModel(tok, MaasJsonMember(root, "model"));
	ParseNormalizer(tok, Get(root, "normalizer"));
	ParsePreTokenizer(tok, Get(root, "pre_tokenizer"));
	ParseAdded(tok, Get(root, "added_tokens"));
	ParsePost(tok, Get(root, "post_processor"));
	ParseTruncation(tok, Get(root, "truncation"));
	ParsePadding(tok, Get(root, "padding"));
	HfVocabIndex(&tok->model.vocab);
	return tok;
}

MaasHfTokenizer *
MaasHfTokenizerParse(const char *json, Size len)
{
	return MaasHfTokenizerFromJsonb(MaasJsonParse(FORMAT, json, (int64) len));
}
