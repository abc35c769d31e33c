/*
 * watch.h
 *	  A training run as maas.progress shows it: its row, and the slot of
 *	  shared memory its backend publishes it in (progress.c writes it,
 *	  catalog/watch.c owns the slots and reads them).
 */
#ifndef MAAS_WATCH_H
#define MAAS_WATCH_H

#include "port/atomics.h"

#include "core/core.h"

typedef struct MaasProgressRow
{
	int			pid;
	Oid			dbid;
	Oid			userid;
	char		name[NAMEDATALEN];
	char		algorithm[NAMEDATALEN];
	char		phase[32];		/* reading, fitting, scoring, storing */
	TimestampTz started;
	int64		rows_read;
	int64		iteration;		/* done, of total (0: unknown) */
	int64		total;
	double		loss;			/* NaN: not known */
} MaasProgressRow;

/* A row in shared memory, written by its backend only (progress.c) */
typedef struct MaasProgressSlot
{
	uint32		changecount;	/* odd while the backend writes */
	int			pid;			/* 0: free */
	MaasProgressRow row;
} MaasProgressSlot;

/* Bracket a write of a slot: readers retry while the count is odd or moved */
static inline void
MaasSlotBeginWrite(MaasProgressSlot *slot)
{
	slot->changecount++;
	pg_write_barrier();
}

static inline void
MaasSlotEndWrite(MaasProgressSlot *slot)
{
	pg_write_barrier();
	slot->changecount++;
}

#endif							/* MAAS_WATCH_H */
