/*
 * onnxwrite.c
 *	  An ONNX model (https://onnx.ai/onnx/repo-docs/IR.html) written with
 *	  the protobuf encoder (protobuf.c): the graph's nodes, constants,
 *	  input and outputs, the opsets it imports and the model's metadata.
 *	  The field numbers are onnx.proto's.
 *
 * Every model takes one input, "X": float [N, n_features], the model's
 * encoded features in maas's order (a number, a boolean as 0/1, a text
 * column one-hot over its categories, an array's elements), NaN where
 * the row has a NULL.  The graph imputes NULLs as maas does (an Imputer
 * with the stored values), then computes the algorithm's scores, then the
 * link to the outputs skl2onnx names: "variable" for a regressor, "label"
 * and "probabilities" for a classifier.
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"

#include "core/onnxwrite.h"

/* ModelProto */
#define MODEL_IR_VERSION	1
#define MODEL_PRODUCER		2
#define MODEL_PRODUCER_VERSION 3
#define MODEL_DOC			6
#define MODEL_GRAPH			7
#define MODEL_OPSET			8
#define MODEL_METADATA		14
/* GraphProto */
#define GRAPH_NODE			1
#define GRAPH_NAME			2
#define GRAPH_INITIALIZER	5
#define GRAPH_INPUT			11
#define GRAPH_OUTPUT		12
/* NodeProto */
#define NODE_INPUT			1
#define NODE_OUTPUT			2
#define NODE_NAME			3
#define NODE_OP				4
#define NODE_ATTRIBUTE		5
#define NODE_DOMAIN			7
/* AttributeProto: its fields, and AttributeType */
#define ATTR_NAME			1
#define ATTR_F				2
#define ATTR_I				3
#define ATTR_S				4
#define ATTR_FLOATS			7
#define ATTR_INTS			8
#define ATTR_STRINGS		9
#define ATTR_TYPE			20
#define TYPE_FLOAT			1
#define TYPE_INT			2
#define TYPE_STRING			3
#define TYPE_FLOATS			6
#define TYPE_INTS			7
#define TYPE_STRINGS		8
/* TensorProto */
#define TENSOR_DIMS			1
#define TENSOR_TYPE			2
#define TENSOR_FLOATS		4
#define TENSOR_STRINGS		6
#define TENSOR_NAME			8

#define ML_DOMAIN			"ai.onnx.ml"

void
MaasOnnxInit(MaasOnnx *o, const MaasModel *model)
{
	o->model = model;
	initStringInfo(&o->graph);
	o->n_nodes = 0;
}

/* names separated by commas, each as one repeated string field */
static void
Names(StringInfo node, int field, const char *list)
{
	while (*list)
	{
		const char *end = strchr(list, ',');
		int			len = end ? (int) (end - list) : (int) strlen(list);

		MaasPbBytes(node, field, list, len);
		list += len + (end ? 1 : 0);
	}
}

/*
 * A node of op ("ml:Op" for the ai.onnx.ml domain) from inputs to
 * outputs (comma-separated tensor names); add its attributes, then
 * MaasOnnxEnd.  Nodes come in an order where every input already exists.
 */
StringInfo
MaasOnnxNode(MaasOnnx *o, const char *op, const char *inputs, const char *outputs)
{
	StringInfo	node = MaasPbBegin();
	bool		ml = strncmp(op, "ml:", 3) == 0;

	if (ml)
		op += 3;
	Names(node, NODE_INPUT, inputs);
	Names(node, NODE_OUTPUT, outputs);
	MaasPbString(node, NODE_NAME, psprintf("%s%d", op, ++o->n_nodes));
	MaasPbString(node, NODE_OP, op);
	MaasPbString(node, NODE_DOMAIN, ml ? ML_DOMAIN : "");
	return node;
}

void
MaasOnnxEnd(MaasOnnx *o, StringInfo node)
{
	MaasPbMessage(&o->graph, GRAPH_NODE, node);
}

static StringInfo
Attr(const char *name, int type)
{
	StringInfo	a = MaasPbBegin();

	MaasPbString(a, ATTR_NAME, name);
	MaasPbInt(a, ATTR_TYPE, type);
	return a;
}

void
MaasOnnxAttrInt(StringInfo node, const char *name, int64 v)
{
	StringInfo	a = Attr(name, TYPE_INT);

	MaasPbInt(a, ATTR_I, v);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

void
MaasOnnxAttrFloat(StringInfo node, const char *name, double v)
{
	StringInfo	a = Attr(name, TYPE_FLOAT);

	MaasPbFloat(a, ATTR_F, v);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

void
MaasOnnxAttrString(StringInfo node, const char *name, const char *v)
{
	StringInfo	a = Attr(name, TYPE_STRING);

	MaasPbString(a, ATTR_S, v);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

void
MaasOnnxAttrFloats(StringInfo node, const char *name, const double *v, int n)
{
	StringInfo	a = Attr(name, TYPE_FLOATS);

	MaasPbFloats(a, ATTR_FLOATS, v, n);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

void
MaasOnnxAttrInts(StringInfo node, const char *name, const int64 *v, int n)
{
	StringInfo	a = Attr(name, TYPE_INTS);

	MaasPbInts(a, ATTR_INTS, v, n);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

void
MaasOnnxAttrStrings(StringInfo node, const char *name, const char *const *v, int n)
{
	StringInfo	a = Attr(name, TYPE_STRINGS);

	for (int i = 0; i < n; i++)
		MaasPbString(a, ATTR_STRINGS, v[i]);
	MaasPbMessage(node, NODE_ATTRIBUTE, a);
}

/* A float constant: rows x cols row-major (cols 0: a vector of rows) */
void
MaasOnnxFloatTensor(MaasOnnx *o, const char *name, int rows, int cols, const double *v)
{
	StringInfo	t = MaasPbBegin();

	MaasPbInt(t, TENSOR_DIMS, rows);
	if (cols > 0)
		MaasPbInt(t, TENSOR_DIMS, cols);
	MaasPbInt(t, TENSOR_TYPE, MAAS_ONNX_FLOAT);
	MaasPbFloats(t, TENSOR_FLOATS, v, rows * Max(cols, 1));
	MaasPbString(t, TENSOR_NAME, name);
	MaasPbMessage(&o->graph, GRAPH_INITIALIZER, t);
}

static void
StringTensor(MaasOnnx *o, const char *name, char *const *v, int n)
{
	StringInfo	t = MaasPbBegin();

	MaasPbInt(t, TENSOR_DIMS, n);
	MaasPbInt(t, TENSOR_TYPE, MAAS_ONNX_STRING);
	for (int i = 0; i < n; i++)
		MaasPbString(t, TENSOR_STRINGS, v[i]);
	MaasPbString(t, TENSOR_NAME, name);
	MaasPbMessage(&o->graph, GRAPH_INITIALIZER, t);
}

/*
 * X with NULLs imputed as maas does (a NaN imputation keeps them NaN, for
 * the trees' missing-value branches), then minus center when given: the
 * tensor's name
 */
const char *
MaasOnnxPreprocess(MaasOnnx *o, const double *center)
{
	const MaasPreprocess *prep = &o->model->prep;
	int			p = o->model->n_features;
	double	   *impute = palloc(sizeof(double) * Max(p, 1));
	bool		any = false;
	const char *x = "X";

	for (int c = 0; c < prep->n_columns; c++)
		for (int k = 0; k < prep->columns[c].width; k++)
		{
			impute[prep->columns[c].offset + k] = prep->columns[c].impute[k];
			any |= !isnan(prep->columns[c].impute[k]);
		}
	if (any)
	{
		StringInfo	node = MaasOnnxNode(o, "ml:Imputer", x, "imputed");

		MaasOnnxAttrFloats(node, "imputed_value_floats", impute, p);
		MaasOnnxAttrFloat(node, "replaced_value_float", NAN);
		MaasOnnxEnd(o, node);
		x = "imputed";
	}
	if (center)
	{
		StringInfo	node = MaasOnnxNode(o, "ml:Scaler", x, "centered");

		for (int j = 0; j < p; j++)
			impute[j] = 1.0;
		MaasOnnxAttrFloats(node, "offset", center, p);
		MaasOnnxAttrFloats(node, "scale", impute, p);
		MaasOnnxEnd(o, node);
		x = "centered";
	}
	pfree(impute);
	return x;
}

/*
 * The tensor the algorithm writes its scores to, for a link: "identity"
 * (the value), "logistic" (the second class's margin), "softmax" (the
 * classes' margins) or "probabilities" (the classes' probabilities)
 */
const char *
MaasOnnxScores(const char *link)
{
	if (strcmp(link, "identity") == 0)
		return "variable";
	if (strcmp(link, "probabilities") == 0)
		return "probabilities";
	return "scores";
}

/* From the scores to "probabilities" and "label" (classifiers) */
void
MaasOnnxLink(MaasOnnx *o, const char *link)
{
	const MaasModel *model = o->model;
	StringInfo	node;

	if (strcmp(link, "identity") == 0)
		return;
	if (strcmp(link, "logistic") == 0)
	{
		double		one = 1.0;

		MaasOnnxEnd(o, MaasOnnxNode(o, "Sigmoid", "scores", "p1"));
		MaasOnnxFloatTensor(o, "one", 1, 0, &one);
		MaasOnnxEnd(o, MaasOnnxNode(o, "Sub", "one,p1", "p0"));
		node = MaasOnnxNode(o, "Concat", "p0,p1", "probabilities");
		MaasOnnxAttrInt(node, "axis", 1);
		MaasOnnxEnd(o, node);
	}
	else if (strcmp(link, "softmax") == 0)
	{
		node = MaasOnnxNode(o, "Softmax", "scores", "probabilities");
		MaasOnnxAttrInt(node, "axis", 1);
		MaasOnnxEnd(o, node);
	}
	/* the label: the first class of the largest probability, as maas */
	node = MaasOnnxNode(o, "ArgMax", "probabilities", "class_index");
	MaasOnnxAttrInt(node, "axis", 1);
	MaasOnnxAttrInt(node, "keepdims", 0);
	MaasOnnxEnd(o, node);
	StringTensor(o, "classes", model->target.labels, model->target.n_classes);
	node = MaasOnnxNode(o, "Gather", "classes,class_index", "label");
	MaasOnnxAttrInt(node, "axis", 0);
	MaasOnnxEnd(o, node);
}

/* A graph input or output: a tensor of [N] or [N, cols] */
static void
ValueInfo(StringInfo graph, int field, const char *name, int type, int cols)
{
	StringInfo	vi = MaasPbBegin();
	StringInfo	tp = MaasPbBegin();
	StringInfo	tensor = MaasPbBegin();
	StringInfo	shape = MaasPbBegin();
	StringInfo	dim = MaasPbBegin();

	MaasPbString(dim, 2, "N");	/* dim_param: any batch size */
	MaasPbMessage(shape, 1, dim);
	if (cols > 0)
	{
		dim = MaasPbBegin();
		MaasPbInt(dim, 1, cols);	/* dim_value */
		MaasPbMessage(shape, 1, dim);
	}
	MaasPbInt(tensor, 1, type);	/* elem_type */
	MaasPbMessage(tensor, 2, shape);
	MaasPbMessage(tp, 1, tensor);	/* tensor_type */
	MaasPbString(vi, 1, name);
	MaasPbMessage(vi, 2, tp);
	MaasPbMessage(graph, field, vi);
}

static void
Opset(StringInfo model, const char *domain, int version)
{
	StringInfo	op = MaasPbBegin();

	MaasPbString(op, 1, domain);
	MaasPbInt(op, 2, version);
	MaasPbMessage(model, MODEL_OPSET, op);
}

static void
Metadata(StringInfo model, const char *key, const char *value)
{
	StringInfo	entry = MaasPbBegin();

	MaasPbString(entry, 1, key);
	MaasPbString(entry, 2, value);
	MaasPbMessage(model, MODEL_METADATA, entry);
}

/* The ModelProto of the graph built, into out */
void
MaasOnnxFinish(MaasOnnx *o, StringInfo out)
{
	const MaasModel *model = o->model;
	StringInfo	graph = MaasPbBegin();
	Jsonb	   *columns = MaasFeaturesJson(&model->prep);
	MaasJson	json;

	appendBinaryStringInfo(graph, o->graph.data, o->graph.len);
	MaasPbString(graph, GRAPH_NAME, psprintf("maas_%s", model->algorithm->name));
	ValueInfo(graph, GRAPH_INPUT, "X", MAAS_ONNX_FLOAT, model->n_features);
	if (MaasTaskIsClassification(model->task))
	{
		ValueInfo(graph, GRAPH_OUTPUT, "label", MAAS_ONNX_STRING, 0);
		ValueInfo(graph, GRAPH_OUTPUT, "probabilities", MAAS_ONNX_FLOAT,
				  model->target.n_classes);
	}
	else
		ValueInfo(graph, GRAPH_OUTPUT, "variable", MAAS_ONNX_FLOAT, 1);

	MaasPbInt(out, MODEL_IR_VERSION, MAAS_ONNX_IR_VERSION);
	MaasPbString(out, MODEL_PRODUCER, "maas");
	MaasPbString(out, MODEL_PRODUCER_VERSION, "0.2.0");
	MaasPbString(out, MODEL_DOC,
				 psprintf("maas %s (%s): X is float [N, %d], the encoded features in the order of metadata \"features\", NaN for NULL",
						  model->algorithm->name, MaasTaskName(model->task), model->n_features));
	MaasPbMessage(out, MODEL_GRAPH, graph);
	Opset(out, "", MAAS_ONNX_OPSET);
	Opset(out, ML_DOMAIN, MAAS_ONNX_ML_OPSET);
	MaasJsonInit(&json);
	MaasJsonBeginArray(&json);
	for (int j = 0; j < model->n_features; j++)
		MaasJsonString(&json, MaasFeatureName(&model->prep, j));
	MaasJsonEndArray(&json);
	Metadata(out, "algorithm", model->algorithm->name);
	Metadata(out, "task", MaasTaskName(model->task));
	Metadata(out, "features", json.buf.data);
	Metadata(out, "columns", JsonbToCString(NULL, &columns->root, VARSIZE(columns)));
	if (model->target.name)
		Metadata(out, "target", model->target.name);
}
