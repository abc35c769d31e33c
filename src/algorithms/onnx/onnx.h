/*
 * onnx.h
 *	  The onnx algorithm: a model trained elsewhere and exported to ONNX,
 *	  run by ONNX Runtime through the optional module maas_onnx.
 *
 * Its state is the ONNX bytes and the spec maas_import was given (which
 * input the features or the document feed, which output is read and what
 * it means, the tokenizer and pooling of a text model), checked at import
 * against the model's declared inputs and outputs and one trial run.
 */
#ifndef MAAS_ALGORITHMS_ONNX_H
#define MAAS_ALGORITHMS_ONNX_H

#include "core/core.h"
#include "core/onnx.h"

#define ONNX_FORMAT			"onnx"
#define ONNX_STATE_VERSION	1
#define ONNX_DEFAULT_MAXLEN	512		/* tokens of a document without truncation */
#define ONNX_BATCH			256		/* rows of one run of predict_matrix */
#define ONNX_TEXT_BATCH		32		/* documents of one run of predict_tokens */

/* what the output read means (stored) */
typedef enum OnnxOutput
{
	ONNX_OUT_VALUE = 1,			/* regression: one value per row */
	ONNX_OUT_CLASSES = 2,		/* class scores (after the activation) */
	ONNX_OUT_EMBEDDING = 3		/* a vector (pooled over tokens when 3-D) */
} OnnxOutput;

typedef enum OnnxActivation
{
	ONNX_ACT_NONE = 0,			/* the output is probabilities already */
	ONNX_ACT_SOFTMAX = 1,
	ONNX_ACT_SIGMOID = 2		/* one logit: binary; several: one-vs-rest, normalized */
} OnnxActivation;

typedef enum OnnxPooling
{
	ONNX_POOL_MEAN = 0,			/* over the tokens the attention mask keeps */
	ONNX_POOL_CLS = 1			/* the first token */
} OnnxPooling;

/* the inputs of a text model, by their standard names */
#define ONNX_TEXT_IDS		0
#define ONNX_TEXT_MASK		1
#define ONNX_TEXT_TYPES		2
#define ONNX_TEXT_INPUTS	3

typedef struct OnnxState
{
	/* the model */
	int64		len;
	char	   *bytes;
	uint64		key;			/* hash of bytes: the module's session cache key */
	/* the spec */
	OnnxOutput	output;
	OnnxActivation activation;
	OnnxPooling pooling;
	bool		normalize;
	char	   *output_name;
	int			output_rank;	/* of the output read: 1, 2 or (text, pooled) 3 */
	int			width;			/* values per row the output gives (before the activation) */
	/* features: the input fed, its element type */
	char	   *input_name;
	int			input_elem;
	/* text: which standard inputs the model has ("" if not) and their type */
	bool		text;
	char	   *text_input[ONNX_TEXT_INPUTS];
	int			text_elem[ONNX_TEXT_INPUTS];
	char	   *tokenizer_json; /* tokenizer.json */
	int64		tokenizer_len;
	int			maxlen;
	/* not stored: the parsed tokenizer (text.c) */
	void	   *tokenizer;
} OnnxState;

/* spec.c: maas_import's spec, checked against the model */
extern void OnnxImport(const char *format, const char *data, int64 len, MaasImported *out);
extern MaasOnnxModel OnnxSessionOf(const OnnxState *s);

/* run.c: the runs */
extern void OnnxRunFeatures(const OnnxState *s, const double *x, int64 n_rows, int64 ld,
							int n_features, double *out, int n_out);
extern void OnnxFinish(const OnnxState *s, const float *raw, double *out, int n_out);

/* text.c: documents */
extern void OnnxTextAttach(OnnxState *s, const MaasModel *model);
extern void OnnxRunTexts(const OnnxState *s, int rows, const int32 *const *ids, const int *n,
						 float *raw);
extern MaasTokenizer *OnnxDocumentTokenizer(OnnxState *s);
extern void OnnxTrialText(const OnnxState *s, MaasOnnxResult *res);

#endif							/* MAAS_ALGORITHMS_ONNX_H */
