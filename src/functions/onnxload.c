/*
 * onnxload.c
 *	  Loading the optional module maas_onnx (ONNX Runtime) into a backend.
 *
 * Only a backend that uses an ONNX model loads it, on first use, never the
 * postmaster: ONNX Runtime is large and starts threads.  Where the module
 * was not built (no libonnxruntime-dev when maas was compiled), the error
 * says what to install.
 */
#include "postgres.h"

#include <signal.h>
#include <pthread.h>
#include <unistd.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "functions/functions.h"
#include "core/onnx.h"

const MaasOnnxApi *
MaasOnnxLoad(void)
{
	char		path[MAXPGPATH];
	const MaasOnnxApi *(*get) (void);
	const MaasOnnxApi *api;
	sigset_t	all;
	sigset_t	saved;

	snprintf(path, sizeof(path), "%s/maas_onnx%s", pkglib_path, DLSUFFIX);
	if (access(path, R_OK) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ONNX models need the module maas_onnx, which this installation of maas lacks"),
				 errdetail("The module is built only where ONNX Runtime's C library is installed; \"%s\" is absent.",
						   path),
				 errhint("Install ONNX Runtime's development package (libonnxruntime-dev on Debian 13 and later, onnxruntime from the vendor elsewhere), then rebuild and reinstall maas (make install).")));
	/* the library's constructors must not start threads that take signals */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	PG_TRY();
	{
		get = (const MaasOnnxApi *(*) (void))
			load_external_function("$libdir/maas_onnx", MAAS_ONNX_SYMBOL, true, NULL);
	}
	PG_FINALLY();
	{
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	}
	PG_END_TRY();
	api = get();
	if (api == NULL || api->abi != MAAS_ONNX_ABI)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("module maas_onnx is of another version of maas"),
				 errhint("Rebuild and reinstall maas (make install), then reconnect.")));
	return api;
}
