/*
 * onnxapi.c
 *	  The ONNX Runtime module's functions, loaded on a backend's first use.
 */
#include "postgres.h"

#include "core/core.h"
#include "core/onnx.h"

/* set by _PG_init (functions/onnxload.c) */
const MaasOnnxApi *(*maas_onnx_loader) (void);

const MaasOnnxApi *
MaasOnnx(void)
{
	static const MaasOnnxApi *api;

	if (api == NULL)
	{
		/* no loader: a program linking core without _PG_init (the fuzzers) */
		if (maas_onnx_loader == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ONNX models need the module maas_onnx, which this program does not load")));
		api = maas_onnx_loader();
	}
	return api;
}
