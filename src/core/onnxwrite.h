/*
 * onnxwrite.h
 *	  maas_export's writers of other formats: the protocol buffers wire
 *	  format (protobuf.c), an ONNX model builder (onnxwrite.c), PMML's shared
 *	  parts (pmml.c), and the linear models as ONNX (linearonnx.c) and PMML
 *	  (linearpmml.c).
 */
#ifndef MAAS_ONNXWRITE_H
#define MAAS_ONNXWRITE_H

#include "core/core.h"

/* What an exported ONNX model declares */
#define MAAS_ONNX_IR_VERSION	8	/* ONNX 1.10 and later */
#define MAAS_ONNX_OPSET			17	/* ai.onnx */
#define MAAS_ONNX_ML_OPSET		3	/* ai.onnx.ml */

/* ONNX TensorProto.DataType */
#define MAAS_ONNX_FLOAT			1
#define MAAS_ONNX_INT64			7
#define MAAS_ONNX_STRING		8

/* protobuf.c: fields of a message being written into a StringInfo */
extern void MaasPbVarint(StringInfo out, uint64 v);
extern void MaasPbInt(StringInfo out, int field, int64 v);
extern void MaasPbBytes(StringInfo out, int field, const char *data, int len);
extern void MaasPbString(StringInfo out, int field, const char *s);
extern StringInfo MaasPbBegin(void);
extern void MaasPbMessage(StringInfo out, int field, StringInfo msg);
extern void MaasPbFloat(StringInfo out, int field, double v);
extern void MaasPbFloats(StringInfo out, int field, const double *v, int n);
extern void MaasPbInts(StringInfo out, int field, const int64 *v, int n);

/*
 * onnxwrite.c: a graph from the input "X" (float [N, n_features], the model's
 * encoded features, NaN for a NULL) to the outputs skl2onnx names:
 * "variable" (float [N, 1]) for a regressor, "label" (string [N]) and
 * "probabilities" (float [N, classes]) for a classifier
 */
typedef struct MaasOnnx
{
	const MaasModel *model;
	StringInfoData graph;		/* GraphProto fields so far */
	int			n_nodes;
} MaasOnnx;

extern void MaasOnnxInit(MaasOnnx *o, const MaasModel *model);
extern StringInfo MaasOnnxNode(MaasOnnx *o, const char *op, const char *inputs,
							   const char *outputs);
extern void MaasOnnxEnd(MaasOnnx *o, StringInfo node);
extern void MaasOnnxAttrInt(StringInfo node, const char *name, int64 v);
extern void MaasOnnxAttrFloat(StringInfo node, const char *name, double v);
extern void MaasOnnxAttrString(StringInfo node, const char *name, const char *v);
extern void MaasOnnxAttrFloats(StringInfo node, const char *name, const double *v, int n);
extern void MaasOnnxAttrInts(StringInfo node, const char *name, const int64 *v, int n);
extern void MaasOnnxAttrStrings(StringInfo node, const char *name, const char *const *v, int n);
extern void MaasOnnxFloatTensor(MaasOnnx *o, const char *name, int rows, int cols,
								const double *v);
extern const char *MaasOnnxPreprocess(MaasOnnx *o, const double *center);
extern const char *MaasOnnxScores(const char *link);
extern void MaasOnnxLink(MaasOnnx *o, const char *link);
extern void MaasOnnxFinish(MaasOnnx *o, StringInfo out);

/* pmml.c: what the PMML documents share */
extern void MaasPmmlAttr(StringInfo out, const char *name, const char *value);
extern void MaasPmmlNumber(StringInfo out, const char *name, double v);
extern void MaasPmmlHead(StringInfo out, const MaasModel *model, const char *target);
extern void MaasPmmlSchema(StringInfo out, const MaasModel *model, const char *target);

/* linearonnx.c, linearpmml.c: the arguments of MaasLinearJson */
extern void MaasLinearOnnx(StringInfo out, const MaasModel *model, const char *link, int k,
						   const double *intercept, const double *coef, const double *center,
						   const double *scale);
extern void MaasLinearPmml(StringInfo out, const MaasModel *model, const char *link, int k,
						   const double *intercept, const double *coef, const double *center,
						   const double *scale);
extern void MaasLinearExport(StringInfo out, const MaasModel *model, const char *format,
							 const char *link, int k, const double *intercept,
							 const double *coef, const double *center, const double *scale,
							 const double *mean);

#endif							/* MAAS_ONNXWRITE_H */
