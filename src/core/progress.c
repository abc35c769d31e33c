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

#include <math.h>

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
	p->curve = NULL;
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
 * The training curve: the (iteration, loss) pairs of the current fit, at
 * most MAAS_CURVE_POINTS of them.  Past that, every other point is dropped
 * and the stride doubles, so the kept points stay evenly spaced whatever
 * the number of iterations; the last point is always kept.  An iteration
 * number that does not grow starts a new fit (another run, class or
 * alpha): the curve is then that fit's, or the one an algorithm chose with
 * MaasProgressCurveChosen (k-means keeps its best run's).
 */
typedef struct CurveSegment
{
	int			n;
	int64		seen;			/* points given in this fit */
	int64		stride;			/* keep every stride-th of them */
	double		last[2];		/* the newest point given */
	double		points[2 * MAAS_CURVE_POINTS];
} CurveSegment;

typedef struct MaasCurve
{
	CurveSegment current;
	CurveSegment chosen;
	bool		has_chosen;
} MaasCurve;

static void
SegmentReset(CurveSegment *s)
{
	s->n = 0;
	s->seen = 0;
	s->stride = 1;
}

static void
CurveAdd(MaasCurve *c, int64 iteration, double loss)
{
	CurveSegment *s = &c->current;

	if (s->seen > 0 && (double) iteration <= s->last[0])
		SegmentReset(s);
	s->last[0] = (double) iteration;
	s->last[1] = loss;
	if (s->seen++ % s->stride != 0)
		return;
	if (s->n == MAAS_CURVE_POINTS)
	{
		/* full: keep the even points and double the stride */
		for (int i = 0; i < MAAS_CURVE_POINTS / 2; i++)
		{
			s->points[2 * i] = s->points[4 * i];
			s->points[2 * i + 1] = s->points[4 * i + 1];
		}
		s->n = MAAS_CURVE_POINTS / 2;
		s->stride *= 2;
		if ((s->seen - 1) % s->stride != 0)
			return;
	}
	s->points[2 * s->n] = (double) iteration;
	s->points[2 * s->n + 1] = loss;
	s->n++;
}

/* From now on, keep the curve of the fits this run does (the caller's context) */
void
MaasProgressKeepCurve(MaasProgress *p)
{
	p->curve = palloc0(sizeof(MaasCurve));
	SegmentReset(&p->curve->current);
}

/* Whether a loss given to MaasProgressStep is kept: compute one only then */
bool
MaasProgressWantsCurve(const MaasProgress *p)
{
	return p != NULL && p->curve != NULL;
}

/* The fit that just ended is the one the model keeps: its curve is stored */
void
MaasProgressCurveChosen(MaasProgress *p)
{
	if (!MaasProgressWantsCurve(p))
		return;
	memcpy(&p->curve->chosen, &p->curve->current, sizeof(CurveSegment));
	p->curve->has_chosen = true;
}

/*
 * "training_curve": [[iteration, loss], ...] into an open object, when the
 * fit gave any loss; returns the number of points written
 */
int
MaasProgressCurveJson(const MaasProgress *p, MaasJson *json)
{
	const CurveSegment *s;
	bool		add_last;
	int			n;

	if (!MaasProgressWantsCurve(p))
		return 0;
	s = p->curve->has_chosen ? &p->curve->chosen : &p->curve->current;
	if (s->seen == 0)
		return 0;
	add_last = s->n == 0 || s->points[2 * (s->n - 1)] != s->last[0];
	/* the last point replaces the newest kept one when the curve is full */
	n = add_last ? Min(s->n, MAAS_CURVE_POINTS - 1) : s->n;
	MaasJsonKey(json, "training_curve");
	MaasJsonBeginArray(json);
	for (int i = 0; i < n + (add_last ? 1 : 0); i++)
	{
		const double *pt = i < n ? &s->points[2 * i] : s->last;

		MaasJsonBeginArray(json);
		MaasJsonInt(json, (int64) pt[0]);
		MaasJsonNumber(json, pt[1]);
		MaasJsonEndArray(json);
	}
	MaasJsonEndArray(json);
	return n + (add_last ? 1 : 0);
}

/*
 * An iteration (epoch, round, tree, ...) done of total (0: unknown), and
 * the loss it reached (NaN: not known); shown by maas.progress
 */
void
MaasProgressStep(MaasProgress *p, int64 iteration, int64 total, double loss)
{
	MaasProgressSlot *slot = SlotOf(p);

	if (p != NULL && p->curve != NULL && isfinite(loss))
		CurveAdd(p->curve, iteration, loss);
	if (slot == NULL)
		return;
	MaasSlotBeginWrite(slot);
	slot->row.iteration = iteration;
	slot->row.total = total;
	slot->row.loss = loss;
	MaasSlotEndWrite(slot);
}
