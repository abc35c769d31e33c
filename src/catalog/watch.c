/*
 * watch.c
 *	  The slots in shared memory that maas.progress reads: one per backend
 *	  running a training, as pg_stat_progress_* keep theirs.
 *
 * maas_train publishes its run (MaasWatchPublish): it takes a free slot,
 * fills the model name, algorithm and start, and hands the slot to its
 * MaasProgress, through which the data layer and the algorithms write the
 * phase, rows read, iteration and loss (core/progress.c).  The slot is
 * released when the run ends (MaasWatchEnd), and by the abort of the
 * (sub)transaction that published it and by backend exit, so an error or
 * a cancel never leaves a run behind.
 *
 * Shared memory needs maas in shared_preload_libraries; without it runs
 * are not published and maas.progress is empty (maas_progress_enabled()
 * says which).
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "catalog/registry.h"

typedef struct WatchShared
{
	slock_t		mutex;			/* taking a free slot */
	int			n_slots;
	MaasProgressSlot slots[FLEXIBLE_ARRAY_MEMBER];
} WatchShared;

static WatchShared *watch_shared;
static MaasProgressSlot *my_slot;	/* while a run of this backend is published */
static MaasProgress *my_progress;
static SubTransactionId my_subid;
static bool callbacks_registered;
static shmem_request_hook_type prev_shmem_request_hook;
static shmem_startup_hook_type prev_shmem_startup_hook;

static Size
WatchShmemSize(void)
{
	return add_size(offsetof(WatchShared, slots),
					mul_size(MaxBackends, sizeof(MaasProgressSlot)));
}

static void
WatchShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(WatchShmemSize());
}

static void
WatchShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	watch_shared = ShmemInitStruct("maas progress", WatchShmemSize(), &found);
	if (!found)
	{
		memset(watch_shared, 0, WatchShmemSize());
		SpinLockInit(&watch_shared->mutex);
		watch_shared->n_slots = MaxBackends;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init: only a preloaded library can have shared memory */
void
MaasWatchInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = WatchShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = WatchShmemStartup;
}

bool
MaasWatchEnabled(void)
{
	return watch_shared != NULL;
}

/* Free this backend's slot; never throws (abort and exit callbacks) */
static void
Release(void)
{
	if (my_slot == NULL)
		return;
	MaasSlotBeginWrite(my_slot);
	my_slot->pid = 0;
	MaasSlotEndWrite(my_slot);
	if (my_progress != NULL)
		my_progress->slot = NULL;
	my_slot = NULL;
	my_progress = NULL;
}

static void
ReleaseAtExit(int code, Datum arg)
{
	Release();
}

/* The MaasProgress of an aborted run is gone with its stack: forget it */
static void
ReleaseAtEnd(XactEvent event, void *arg)
{
	my_progress = NULL;
	Release();
}

static void
ReleaseAtSubAbort(SubXactEvent event, SubTransactionId mySubid,
				  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && my_slot != NULL && mySubid == my_subid)
	{
		my_progress = NULL;
		Release();
	}
}

/* A free slot, taken for this backend; NULL if none (cannot happen) */
static MaasProgressSlot *
TakeSlot(void)
{
	MaasProgressSlot *slot = NULL;

	SpinLockAcquire(&watch_shared->mutex);
	for (int i = 0; i < watch_shared->n_slots && slot == NULL; i++)
		if (watch_shared->slots[i].pid == 0)
		{
			slot = &watch_shared->slots[i];
			MaasSlotBeginWrite(slot);
			slot->pid = MyProcPid;
			slot->row.pid = 0;	/* not shown until filled */
			MaasSlotEndWrite(slot);
		}
	SpinLockRelease(&watch_shared->mutex);
	return slot;
}

/*
 * Show the run of p in maas.progress, training model name with algorithm;
 * its phase starts as "reading".  Without shared memory, nothing.
 */
void
MaasWatchPublish(MaasProgress *p, const char *name, const char *algorithm)
{
	MaasProgressSlot *slot;
	MaasProgressRow *row;

	if (watch_shared == NULL)
		return;
	if (!callbacks_registered)
	{
		RegisterXactCallback(ReleaseAtEnd, NULL);
		RegisterSubXactCallback(ReleaseAtSubAbort, NULL);
		before_shmem_exit(ReleaseAtExit, (Datum) 0);
		callbacks_registered = true;
	}
	/* a training inside another's source query takes the slot over */
	if (my_progress != NULL)
		my_progress->slot = NULL;
	slot = my_slot != NULL ? my_slot : TakeSlot();
	if (slot == NULL)
		return;
	MaasSlotBeginWrite(slot);
	slot->pid = MyProcPid;
	row = &slot->row;
	memset(row, 0, sizeof(*row));
	row->pid = MyProcPid;
	row->dbid = MyDatabaseId;
	row->userid = GetUserId();
	strlcpy(row->name, name, sizeof(row->name));
	strlcpy(row->algorithm, algorithm, sizeof(row->algorithm));
	strlcpy(row->phase, "reading", sizeof(row->phase));
	row->started = GetCurrentTimestamp();
	row->loss = NAN;
	MaasSlotEndWrite(slot);
	my_slot = slot;
	my_progress = p;
	my_subid = GetCurrentSubTransactionId();
	p->slot = slot;
}

/* The run of p is over: its row leaves maas.progress */
void
MaasWatchEnd(MaasProgress *p)
{
	if (p->slot != NULL && p == my_progress)
		Release();
}

/*
 * A consistent copy of every published run, palloc'd; returns how many.
 * Readers never block the writers: a copy taken while its slot was being
 * written is taken again.
 */
int
MaasWatchSnapshot(MaasProgressRow **rows)
{
	int			n = 0;

	*rows = NULL;
	if (watch_shared == NULL)
		return 0;
	*rows = palloc(sizeof(MaasProgressRow) * Max(watch_shared->n_slots, 1));
	for (int i = 0; i < watch_shared->n_slots; i++)
	{
		volatile MaasProgressSlot *slot = &watch_shared->slots[i];

		for (;;)
		{
			uint32		before = slot->changecount;
			int			pid;

			pg_read_barrier();
			pid = slot->pid;
			memcpy(&(*rows)[n], (const void *) &slot->row, sizeof(MaasProgressRow));
			pg_read_barrier();
			if (before == slot->changecount && (before & 1) == 0)
			{
				/* a slot just taken still holds its previous run */
				if (pid != 0 && (*rows)[n].pid == pid)
					n++;
				break;
			}
			CHECK_FOR_INTERRUPTS();
		}
	}
	return n;
}
