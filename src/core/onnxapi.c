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
		if (maas_onnx_loader == NULL)
			elog(ERROR, "the onnx module loader is not set");
		api = maas_onnx_loader();
	}
	return api;
}
