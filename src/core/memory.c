/*
 * memory.c
 *	  The memory budget of one training run (maas.max_memory).
 *
 * A run declares its data matrices (the loader counts their peak itself
 * and checks it with MaasCheckDataMemory) and its largest working
 * allocation (algorithms check each with MaasCheckMemory, which keeps the
 * peak).  Both are refused before allocating when over the budget, and
 * their sum is reported with each trained version.
 */
#include "postgres.h"

#include "core/core.h"

int			maas_max_memory_kb = 1024 * 1024;	/* 1 GB */

static Size work_peak;

void
MaasMemoryReset(void)
{
	work_peak = 0;
}

Size
MaasMemoryWorkPeak(void)
{
	return work_peak;
}

/* ERROR when bytes exceed the budget; nothing is recorded */
void
MaasCheckDataMemory(Size bytes, const char *what)
{
	Size		cap = (Size) maas_max_memory_kb * 1024;

	if (bytes > cap)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs %zu MB, more than maas.max_memory (%zu MB)",
						what, bytes >> 20, cap >> 20),
				 errhint("Raise maas.max_memory, or train on a sample, e.g. source "
						 "'SELECT * FROM t TABLESAMPLE SYSTEM (10)'.")));
}

/* A working allocation of an algorithm: checked, and its peak kept */
void
MaasCheckMemory(Size bytes, const char *what)
{
	MaasCheckDataMemory(bytes, what);
	work_peak = Max(work_peak, bytes);
}
