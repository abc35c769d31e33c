/*
 * text.c
 *	  Documents of an onnx text model: not built until the Hugging Face
 *	  tokenizers are in (core/hftokenizer.h).
 */
#include "postgres.h"

#include "onnx.h"

static void
NoTokenizer(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("onnx text models are not supported yet")));
}

void
OnnxTextAttach(OnnxState *s, const MaasModel *model)
{
	NoTokenizer();
}

void
OnnxRunText(const OnnxState *s, const int32 *ids, int n, float *raw)
{
	NoTokenizer();
}

MaasTokenizer *
OnnxDocumentTokenizer(OnnxState *s)
{
	NoTokenizer();
	return NULL;
}

void
OnnxTrialText(const OnnxState *s, MaasOnnxResult *res)
{
	NoTokenizer();
}
