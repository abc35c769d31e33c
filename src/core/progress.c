/*
 * progress.c
 *	  Progress of long work: NOTICEs every maas.progress_interval to the
 *	  session that runs it, and a slot in shared memory that maas.progress
 *	  shows to every other session (as pg_stat_progress_* do).
 *
 * A training run that the catalog layer published (MaasWatchPublish,
 * catalog/watch.c) has a slot in shared memory: the phase, the rows read,
 * the iteration and its total and the current loss are written there as
 * the work goes.  Only the backend writes its slot, bracketing each update
 * by a change count (odd while writing), so readers copy a slot without a
 * lock and retry a torn copy (pgstat's st_changecount protocol).  An
 * unpublished run (no shared memory, or not a training) writes nothing.
 */
#include "postgres.h"

#include "portability/instr_time.h"

#include "core/watch.h"

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
	p->slot = NULL;
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

/* The shared slot of a published run, or NULL */
static inline MaasProgressSlot *
SlotOf(const MaasProgress *p)
{
	return p != NULL ? p->slot : NULL;
}

void
MaasProgressPhase(MaasProgress *p, const char *phase)
{
	MaasProgressSlot *slot = SlotOf(p);

	if (slot == NULL)
		return;
	MaasSlotBeginWrite(slot);
	strlcpy(slot->row.phase, phase, sizeof(slot->row.phase));
	MaasSlotEndWrite(slot);
}

void
MaasProgressRows(MaasProgress *p, int64 rows)
{
	MaasProgressSlot *slot = SlotOf(p);

	if (slot == NULL)
		return;
	MaasSlotBeginWrite(slot);
	slot->row.rows_read = rows;
	MaasSlotEndWrite(slot);
}

/*
 * An iteration (epoch, round, tree, ...) done of total (0: unknown), and
 * the loss it reached (NaN: not known); shown by maas.progress
 */
void
MaasProgressStep(MaasProgress *p, int64 iteration, int64 total, double loss)
{
	MaasProgressSlot *slot = SlotOf(p);

	if (slot == NULL)
		return;
	MaasSlotBeginWrite(slot);
	slot->row.iteration = iteration;
	slot->row.total = total;
	slot->row.loss = loss;
	MaasSlotEndWrite(slot);
}
