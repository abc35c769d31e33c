/*
 * spec.c
 *	  maas_import(name, 'onnx', bytes, spec): the spec, checked against the
 *	  model's declared inputs and outputs and one trial run.
 *
 * Spec members (beside maas_import's own features, labels, target and
 * deploy): "output" (value, classes or embedding; required), "output_name"
 * (the model's output to read; default its first), "activation" (classes:
 * softmax, sigmoid or none), "input" (features: the input they feed;
 * default the only one), "text" (the document column of a text model),
 * "tokenizer" (its tokenizer.json), "pooling" (mean or cls) and
 * "normalize" (embeddings).  The members are checked before ONNX Runtime
 * is loaded, so a wrong spec is the same error everywhere.
 */
#include "postgres.h"

#include "common/hashfn.h"

#include "onnx.h"

#define SPEC_HINT	"Spec members: \"output\" (\"value\", \"classes\" or \"embedding\"), \"output_name\", \"activation\" (\"softmax\", \"sigmoid\", \"none\"), \"input\", \"features\" (columns), \"text\" (a document column), \"tokenizer\" (tokenizer.json), \"pooling\" (\"mean\", \"cls\"), \"normalize\", \"labels\", \"target\", \"deploy\"."

static const char *const text_names[ONNX_TEXT_INPUTS] = {"input_ids", "attention_mask", "token_type_ids"};

pg_noreturn static void
BadSpec(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid onnx spec member \"%s\"", key),
			 errdetail("%s", detail),
			 errhint(SPEC_HINT)));
}

/* What the spec says, before the model is looked at */
typedef struct Spec
{
	int			output;			/* OnnxOutput, 0 unset */
	int			activation;		/* -1 unset */
	int			pooling;
	bool		normalize;
	bool		normalize_set;
	bool		pooling_set;
	char	   *output_name;
	char	   *input;
	char	   *text;
	JsonbValue *tokenizer;
	int			n_features;		/* of the features option, -1 absent */
	bool		labels;
} Spec;

static char *
SpecString(JsonbValue *v, const char *key)
{
	if (v->type != jbvString || v->val.string.len == 0 ||
		v->val.string.len >= MAAS_ONNX_MAX_NAME)
		BadSpec(key, psprintf("\"%s\" must be a non-empty string of fewer than %d bytes.",
							  key, MAAS_ONNX_MAX_NAME));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static int
SpecChoice(JsonbValue *v, const char *key, const char *const *choices, int n)
{
	char	   *s = v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) : "";
	StringInfoData list;

	for (int i = 0; i < n; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	initStringInfo(&list);
	for (int i = 0; i < n; i++)
		appendStringInfo(&list, "%s\"%s\"", i == 0 ? "" : i == n - 1 ? " or " : ", ", choices[i]);
	BadSpec(key, psprintf("\"%s\" must be %s.", key, list.data));
}

static void
ParseMember(Spec *sp, const char *key, JsonbValue *v)
{
	static const char *const outputs[] = {"value", "classes", "embedding"};
	static const char *const activations[] = {"none", "softmax", "sigmoid"};
	static const char *const poolings[] = {"mean", "cls"};

	if (strcmp(key, "output") == 0)
		sp->output = ONNX_OUT_VALUE + SpecChoice(v, key, outputs, 3);
	else if (strcmp(key, "activation") == 0)
		sp->activation = SpecChoice(v, key, activations, 3);
	else if (strcmp(key, "pooling") == 0)
	{
		sp->pooling = SpecChoice(v, key, poolings, 2);
		sp->pooling_set = true;
	}
	else if (strcmp(key, "normalize") == 0)
	{
		if (v->type != jbvBool)
			BadSpec(key, "\"normalize\" must be true or false.");
		sp->normalize = v->val.boolean;
		sp->normalize_set = true;
	}
	else if (strcmp(key, "output_name") == 0)
		sp->output_name = SpecString(v, key);
	else if (strcmp(key, "input") == 0)
		sp->input = SpecString(v, key);
	else if (strcmp(key, "text") == 0)
		sp->text = SpecString(v, key);
	else if (strcmp(key, "tokenizer") == 0)
	{
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			BadSpec(key, "\"tokenizer\" must be the object of a Hugging Face tokenizer.json.");
		sp->tokenizer = palloc(sizeof(JsonbValue));
		*sp->tokenizer = *v;
	}
	else if (strcmp(key, "features") == 0)
		sp->n_features = v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) ?
			JsonContainerSize(v->val.binary.data) : -1;
	else if (strcmp(key, "labels") == 0)
		sp->labels = true;
	else if (strcmp(key, "target") != 0 && strcmp(key, "deploy") != 0)
		BadSpec(key, "Unknown member.");
}

/* The spec's members, each checked, and the rules between them */
static void
ParseSpec(Jsonb *jb, Spec *sp)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(sp, 0, sizeof(*sp));
	sp->activation = -1;
	sp->n_features = -1;
	if (jb == NULL || !JB_ROOT_IS_OBJECT(jb))
		BadSpec("output", "An onnx model needs a spec: at least {\"output\": \"value\" | \"classes\" | \"embedding\"}.");
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
			ParseMember(sp, key, &v);
	}
	if (sp->output == 0)
		BadSpec("output", "The spec must say what the output is: \"value\", \"classes\" or \"embedding\".");
	if (sp->activation >= 0 && sp->output != ONNX_OUT_CLASSES)
		BadSpec("activation", "Only \"output\": \"classes\" takes an activation.");
	if ((sp->pooling_set || sp->normalize_set) && sp->output != ONNX_OUT_EMBEDDING)
		BadSpec(sp->pooling_set ? "pooling" : "normalize",
				"Only \"output\": \"embedding\" is pooled and normalized.");
	if (sp->labels && sp->output != ONNX_OUT_CLASSES)
		BadSpec("labels", "Only \"output\": \"classes\" has labels.");
	if ((sp->text == NULL) != (sp->tokenizer == NULL))
		BadSpec(sp->text ? "tokenizer" : "text",
				"A text model needs both \"text\" (its document column) and \"tokenizer\" (the tokenizer.json).");
	if (sp->text && (sp->input || sp->n_features >= 0))
		BadSpec(sp->input ? "input" : "features",
				"A text model's inputs are found by their names (input_ids, attention_mask, token_type_ids); it reads no feature columns.");
}

static const MaasOnnxTensor *
FindTensor(const MaasOnnxTensor *t, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static char *
NameList(const MaasOnnxTensor *t, int n)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < n; i++)
		appendStringInfo(&s, "%s\"%s\"", i ? ", " : "", t[i].name);
	return s.data;
}

static const char *
ElemName(int elem)
{
	switch (elem)
	{
		case MAAS_ONNX_FLOAT:
			return "float";
		case MAAS_ONNX_DOUBLE:
			return "double";
		case MAAS_ONNX_INT64:
			return "int64";
		case MAAS_ONNX_INT32:
			return "int32";
		case 0:
			return "no tensor";
	}
	return psprintf("element type %d", elem);
}

pg_noreturn static void
BadModel(const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s", msg),
			 errdetail("%s", detail),
			 errhint(SPEC_HINT)));
}

/* The output read: named, or the first; a float or double tensor */
static void
ChooseOutput(const Spec *sp, const MaasOnnxIo *io, OnnxState *s)
{
	const MaasOnnxTensor *t = sp->output_name ?
		FindTensor(io->outputs, io->n_outputs, sp->output_name) : &io->outputs[0];

	if (io->n_outputs < 1 || t == NULL)
		BadModel(psprintf("onnx model has no output \"%s\"", sp->output_name ? sp->output_name : ""),
				 psprintf("Its outputs: %s.", NameList(io->outputs, io->n_outputs)));
	if (t->elem != MAAS_ONNX_FLOAT && t->elem != MAAS_ONNX_DOUBLE)
		BadModel(psprintf("onnx model output \"%s\" is %s, not float or double", t->name,
						  ElemName(t->elem)),
				 psprintf("Its outputs: %s. Name a numeric one in \"output_name\" (a scikit-learn classifier: convert it with zipmap=False and read \"probabilities\").",
						  NameList(io->outputs, io->n_outputs)));
	s->output_name = pstrdup(t->name);
}

/* A features model: its one numeric input of rank 2 */
static int
ChooseInput(const Spec *sp, const MaasOnnxIo *io, OnnxState *s)
{
	const MaasOnnxTensor *t;

	if (sp->input == NULL && io->n_inputs != 1)
		BadModel(psprintf("onnx model has %d inputs", io->n_inputs),
				 psprintf("Name the input the features feed in \"input\" (its inputs: %s), or, for a text model, give \"text\" and \"tokenizer\".",
						  NameList(io->inputs, io->n_inputs)));
	t = sp->input ? FindTensor(io->inputs, io->n_inputs, sp->input) : &io->inputs[0];
	if (t == NULL)
		BadModel(psprintf("onnx model has no input \"%s\"", sp->input),
				 psprintf("Its inputs: %s.", NameList(io->inputs, io->n_inputs)));
	if (io->n_inputs != 1)
		BadModel(psprintf("onnx model has %d inputs; maas feeds one", io->n_inputs),
				 psprintf("Its inputs: %s.", NameList(io->inputs, io->n_inputs)));
	if ((t->elem != MAAS_ONNX_FLOAT && t->elem != MAAS_ONNX_DOUBLE) || t->rank != 2)
		BadModel(psprintf("onnx model input \"%s\" is %s of rank %d, not a float matrix (rows x features)",
						  t->name, ElemName(t->elem), t->rank),
				 "maas feeds features as a float or double tensor of shape [rows, features].");
	s->input_name = pstrdup(t->name);
	s->input_elem = t->elem;
	if (t->dims[1] > 0)
	{
		if (t->dims[1] > MAAS_MAX_FEATURES)
			BadModel("onnx model reads too many features",
					 psprintf("Input \"%s\" takes %lld; maas reads at most %d.", t->name,
							  (long long) t->dims[1], MAAS_MAX_FEATURES));
		return (int) t->dims[1];
	}
	if (sp->n_features < 1)
		BadModel(psprintf("onnx model input \"%s\" takes any number of features", t->name),
				 "Say which columns feed it in \"features\" (an array of column names).");
	return sp->n_features;
}

/* A text model: only the standard inputs, input_ids among them */
static void
ChooseTextInputs(const MaasOnnxIo *io, OnnxState *s)
{
	for (int k = 0; k < ONNX_TEXT_INPUTS; k++)
		s->text_input[k] = "";
	for (int i = 0; i < io->n_inputs; i++)
	{
		const MaasOnnxTensor *t = &io->inputs[i];
		int			k;

		for (k = 0; k < ONNX_TEXT_INPUTS; k++)
			if (strcmp(t->name, text_names[k]) == 0)
				break;
		if (k == ONNX_TEXT_INPUTS)
			BadModel(psprintf("onnx text model has input \"%s\", which maas cannot fill", t->name),
					 "A text model's inputs are input_ids, and optionally attention_mask and token_type_ids.");
		if ((t->elem != MAAS_ONNX_INT64 && t->elem != MAAS_ONNX_INT32) || t->rank != 2)
			BadModel(psprintf("onnx model input \"%s\" is %s of rank %d, not an integer matrix (texts x tokens)",
							  t->name, ElemName(t->elem), t->rank),
					 "maas feeds token ids as an int64 or int32 tensor of shape [texts, tokens].");
		s->text_input[k] = pstrdup(t->name);
		s->text_elem[k] = t->elem;
	}
	if (s->text_input[ONNX_TEXT_IDS][0] == '\0')
		BadModel("onnx text model has no input \"input_ids\"",
				 psprintf("Its inputs: %s.", NameList(io->inputs, io->n_inputs)));
}

/* The task and outputs the spec and the output's width make */
static void
Task(const Spec *sp, OnnxState *s, MaasImported *out)
{
	switch (s->output)
	{
		case ONNX_OUT_VALUE:
			if (s->width != 1)
				BadModel(psprintf("onnx model output \"%s\" gives %d values a row, not one value",
								  s->output_name, s->width),
						 "\"output\": \"value\" reads a regression's one value; for class scores say \"classes\", for a vector \"embedding\".");
			out->task = MAAS_TASK_REGRESSION;
			break;
		case ONNX_OUT_CLASSES:
			s->activation = sp->activation >= 0 ? sp->activation :
				s->width == 1 ? ONNX_ACT_SIGMOID : ONNX_ACT_SOFTMAX;
			if (s->width == 1 && s->activation != ONNX_ACT_SIGMOID)
				BadModel(psprintf("onnx model output \"%s\" gives one score a row", s->output_name),
						 "Binary classes from one score need \"activation\": \"sigmoid\".");
			if (s->width > MAAS_MAX_CLASSES)
				BadModel("onnx model gives too many classes",
						 psprintf("Output \"%s\" gives %d; maas takes at most %d.",
								  s->output_name, s->width, MAAS_MAX_CLASSES));
			out->n_classes = s->width == 1 ? 2 : s->width;
			out->task = out->n_classes == 2 ? MAAS_TASK_BINARY : MAAS_TASK_MULTICLASS;
			break;
		case ONNX_OUT_EMBEDDING:
			out->task = MAAS_TASK_DECOMPOSITION;
			out->n_outputs = s->width;
			break;
	}
}

/* The width of the output from a trial run's shape */
static void
OutputShape(OnnxState *s, const MaasOnnxResult *res)
{
	int64		per_row = 1;

	for (int d = 1; d < res->rank; d++)
		per_row *= res->dims[d];
	if (res->rank < 1 || res->rank > 3 || res->dims[0] != 1 || res->n != per_row ||
		(res->rank == 3 && !(s->text && s->output == ONNX_OUT_EMBEDDING)))
		BadModel(psprintf("onnx model output \"%s\" is of rank %d", s->output_name, res->rank),
				 "maas reads an output of shape [rows] or [rows, values], or for a text embedding [texts, tokens, hidden] (pooled).");
	s->output_rank = res->rank;
	per_row = res->rank == 3 ? res->dims[2] : per_row;
	if (per_row < 1 || per_row > MAAS_MAX_FEATURES)
		BadModel(psprintf("onnx model output \"%s\" gives %lld values a row", s->output_name,
						  (long long) per_row),
				 psprintf("maas reads 1 to %d.", MAAS_MAX_FEATURES));
	s->width = (int) per_row;
}

/* maas_import's importer of format onnx */
void
OnnxImport(const char *format, const char *data, int64 len, MaasImported *out)
{
	Spec		sp;
	OnnxState  *s = palloc0(sizeof(OnnxState));
	const MaasOnnxApi *api;
	MaasOnnxIo *io = palloc0(sizeof(MaasOnnxIo));
	MaasOnnxModel m;
	MaasOnnxResult res;

	ParseSpec(out->spec, &sp);
	out->spec_read = true;
	if (len <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid onnx model"),
				 errdetail("The model is empty.")));
	s->output = sp.output;
	s->pooling = sp.pooling;
	s->normalize = sp.normalize;
	s->text = sp.text != NULL;
	s->len = len;
	s->bytes = palloc(len);
	memcpy(s->bytes, data, len);
	s->key = hash_bytes_extended((const unsigned char *) s->bytes, (int) len, 0x6d616173);
	if (s->text)
	{
		s->tokenizer_json = JsonbToCString(NULL, sp.tokenizer->val.binary.data,
										   sp.tokenizer->val.binary.len);
		s->tokenizer_len = strlen(s->tokenizer_json);
	}

	api = MaasOnnx();
	m = OnnxSessionOf(s);
	api->describe(&m, io);
	ChooseOutput(&sp, io, s);
	if (s->text)
	{
		ChooseTextInputs(io, s);
		out->document = OnnxDocumentTokenizer(s);
		out->feature_names = palloc(sizeof(char *));
		out->feature_names[0] = sp.text;
		out->n_features = 0;
		s->width = 1;
		s->output_rank = 3;		/* any, for the trial run */
		OnnxTrialText(s, &res);
	}
	else
	{
		int			p = ChooseInput(&sp, io, s);
		double	   *zeros = palloc0(sizeof(double) * p);
		int64		dims[2] = {1, p};
		MaasOnnxFeed feed = {s->input_name, s->input_elem, 2, dims, NULL};

		if (s->input_elem == MAAS_ONNX_FLOAT)
			feed.data = palloc0(sizeof(float) * p);
		else
			feed.data = zeros;
		api->run(&m, 1, &feed, s->output_name, &res);
		out->n_features = p;
	}
	OutputShape(s, &res);
	Task(&sp, s, out);
	out->objective = psprintf("onnx %s \"%s\"", s->output == ONNX_OUT_VALUE ? "value" :
							  s->output == ONNX_OUT_CLASSES ? "classes" : "embedding",
							  s->output_name);
	out->state = s;
}
