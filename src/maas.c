/*
 * maas.c
 *	  Module initialization, configuration (GUCs) and progress reports.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "portability/instr_time.h"
#include "utils/guc.h"

#include "maas.h"

PG_MODULE_MAGIC;

int			maas_blas_threads = 1;
int			maas_max_memory_kb = 1024 * 1024;	/* 1 GB */
int			maas_progress_interval_ms = 3000;
int			maas_threads = 2;

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

	MaasUsageInit();
	MarkGUCPrefixReserved("maas");
	MaasLoadBlas();
	MaasSetBlasThreads(maas_blas_threads);
}

static int64
NowMs(void)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	return (int64) INSTR_TIME_GET_MILLISEC(now);
}

void
MaasProgressStart(MaasProgress *p, const char *what)
{
	p->what = what;
	p->start_ms = NowMs();
	p->last_ms = p->start_ms;
}

/* True when a report is due; the caller then ereports its NOTICE. */
bool
MaasProgressDue(MaasProgress *p)
{
	int64		now;

	if (p == NULL || maas_progress_interval_ms <= 0)
		return false;
	now = NowMs();
	if (now - p->last_ms < maas_progress_interval_ms)
		return false;
	p->last_ms = now;
	return true;
}

double
MaasProgressElapsedMs(MaasProgress *p)
{
	return (double) (NowMs() - p->start_ms);
}
