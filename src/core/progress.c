/*
 * progress.c
 *	  Progress of long work, reported as NOTICEs every maas.progress_interval.
 */
#include "postgres.h"

#include "portability/instr_time.h"

#include "core/core.h"

int			maas_progress_interval_ms = 3000;

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
