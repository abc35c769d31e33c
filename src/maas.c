/*
 * maas.c
 *	  Module initialization: the GUCs (their variables live in core, where
 *	  they are read), usage accounting's shared memory, and BLAS.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "algorithms/algorithms.h"
#include "catalog/registry.h"
#include "core/core.h"
#include "core/onnx.h"
#include "functions/functions.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void
AssignBlasThreads(int newval, void *extra)
{
	MaasSetBlasThreads(newval);
}

void
_PG_init(void)
{
	DefineCustomIntVariable("maas.blas_threads",
							"Threads OpenBLAS may use inside one backend.",
							"BLAS threads never call PostgreSQL; 1 keeps a backend single-threaded.",
							&maas_blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, AssignBlasThreads, NULL);

	DefineCustomIntVariable("maas.threads",
							"Worker threads an algorithm may use for training.",
							NULL,
							&maas_threads,
							2, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("maas.max_memory",
							"Memory one training run may use for its data.",
							"Training that would need more is refused before allocating.",
							&maas_max_memory_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("maas.progress_interval",
							"Time between progress reports of a training run; 0 turns them off.",
							NULL,
							&maas_progress_interval_ms,
							3000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	MaasRegisterAlgorithms(maas_algorithm_list, maas_algorithm_count);
	maas_onnx_loader = MaasOnnxLoad;
	MaasUsageInit();
	MaasWatchInit();
	MaasQuotaInit();
	MaasExperimentInit();
	MaasMeterInit(process_shared_preload_libraries_in_progress);
	MarkGUCPrefixReserved("maas");
	MaasLoadBlas();
	MaasSetBlasThreads(maas_blas_threads);
}
