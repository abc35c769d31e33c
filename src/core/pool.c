/*
 * pool.c
 *	  A small pool of worker threads for an algorithm's work (training,
 *	  scoring a matrix).
 *
 * The backend's thread hands out a batch of numbered tasks and supervises:
 * it waits on a condition variable with a short timeout and, when a cancel
 * or termination request is pending, tells the workers to stop; once every
 * worker is idle again it lets PostgreSQL process the interrupt.  Workers
 * run plain C over memory allocated before the batch started: no palloc,
 * no ereport, no PostgreSQL call of any kind; a task reports failure by its
 * return code, and the backend's thread turns it into an ERROR.  Workers
 * block every signal, so PostgreSQL's handlers keep running on the
 * backend's thread.
 *
 * Task results must not depend on which worker runs a task or in which
 * order: callers decompose work by data size only, never by thread count,
 * so a model is the same for any maas.threads.
 *
 * With one thread the tasks run inline, and no thread is ever created.
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/core.h"

int			maas_threads = 2;

/* the most threads any pool of the current training run started */
static int	threads_used = 1;

#define SUPERVISE_NS	5000000 /* 5 ms between looks at pending interrupts */

struct MaasPool
{
	int			n_threads;		/* 0: inline */
	pthread_t  *threads;
	int			started;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;
	bool		shutdown;
	/* the batch */
	MaasTaskFn	fn;
	void	   *arg;
	int			n_tasks;
	int			next;
	int			done;
	int			error;
	int			cancel;			/* read by tasks through MaasPoolCancelled */
	bool		inline_run;		/* tasks run on the backend's thread */
};

typedef struct WorkerArg
{
	MaasPool   *pool;
	int			id;
} WorkerArg;

static void *
WorkerMain(void *p)
{
	WorkerArg  *wa = p;
	MaasPool   *pool = wa->pool;

	pthread_mutex_lock(&pool->mu);
	for (;;)
	{
		int			task;
		int			rc;

		while (!pool->shutdown && (pool->fn == NULL || pool->next >= pool->n_tasks))
			pthread_cond_wait(&pool->work_cv, &pool->mu);
		if (pool->shutdown)
			break;
		task = pool->next++;
		pthread_mutex_unlock(&pool->mu);

		if (__atomic_load_n(&pool->cancel, __ATOMIC_RELAXED))
			rc = MAAS_POOL_ECANCEL;
		else
			rc = pool->fn(pool->arg, task, wa->id);

		pthread_mutex_lock(&pool->mu);
		if (rc != MAAS_POOL_OK)
		{
			if (pool->error == MAAS_POOL_OK || pool->error == MAAS_POOL_ECANCEL)
				pool->error = rc;
			__atomic_store_n(&pool->cancel, 1, __ATOMIC_RELAXED);
		}
		if (++pool->done == pool->n_tasks)
			pthread_cond_signal(&pool->done_cv);
	}
	pthread_mutex_unlock(&pool->mu);
	return NULL;
}

/* Stop the threads when the memory context that owns the pool goes away */
static void
PoolCallback(void *arg)
{
	MaasPool   *pool = arg;

	if (pool->threads != NULL)
		MaasPoolStop(pool);
}

/*
 * A pool of threads workers in the current memory context; threads <= 1
 * runs every task inline.  The threads stop at MaasPoolStop, or when the
 * context is reset or deleted (after an error, say).
 */
MaasPool *
MaasPoolStart(int threads)
{
	MaasPool   *pool = palloc0(sizeof(MaasPool));
	MemoryContextCallback *cb = palloc0(sizeof(MemoryContextCallback));
	WorkerArg  *args;
	sigset_t	all;
	sigset_t	old;

	if (threads <= 1)
		return pool;
	pool->n_threads = threads;
	pool->threads = palloc0(sizeof(pthread_t) * threads);
	args = palloc(sizeof(WorkerArg) * threads);
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->work_cv, NULL);
	pthread_cond_init(&pool->done_cv, NULL);
	cb->func = PoolCallback;
	cb->arg = pool;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	/* workers inherit a mask that blocks every signal */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < threads; i++)
	{
		args[i].pool = pool;
		args[i].id = i;
		if (pthread_create(&pool->threads[i], NULL, WorkerMain, &args[i]) != 0)
			break;
		pool->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pool->started == 0)
	{
		/* no thread at all: run inline */
		pool->n_threads = 0;
		pool->threads = NULL;
	}
	else
		pool->n_threads = pool->started;
	return pool;
}

/* Workers a task may be run by: scratch memory is indexed by worker */
int
MaasPoolWorkers(const MaasPool *pool)
{
	return pool->n_threads > 0 ? pool->n_threads : 1;
}

/* Whether a long task should stop early; safe to call from any thread */
bool
MaasPoolCancelled(const MaasPool *pool)
{
	if (pool->n_threads == 0 || pool->inline_run)
		return QueryCancelPending || ProcDiePending;
	return __atomic_load_n(&pool->cancel, __ATOMIC_RELAXED) != 0;
}

static void
RaiseError(int error)
{
	if (error == MAAS_POOL_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory in a training thread"),
				 errhint("Lower maas.threads, or train on fewer rows or shallower trees.")));
	/* a pending cancel or termination: let PostgreSQL act on it */
	CHECK_FOR_INTERRUPTS();
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("canceling statement due to user request")));
}

/*
 * Run tasks 0..n_tasks-1 and wait for them; ERROR if one failed or the
 * statement was canceled meanwhile.
 */
void
MaasPoolRun(MaasPool *pool, int n_tasks, MaasTaskFn fn, void *arg)
{
	int			error = MAAS_POOL_OK;

	if (n_tasks <= 0)
		return;
	if (pool->n_threads == 0 || n_tasks == 1)
	{
		for (int t = 0; t < n_tasks; t++)
		{
			CHECK_FOR_INTERRUPTS();
			pool->inline_run = true;
			error = fn(arg, t, 0);
			pool->inline_run = false;
			if (error != MAAS_POOL_OK)
				break;
		}
		if (error != MAAS_POOL_OK)
			RaiseError(error);
		return;
	}

	threads_used = Max(threads_used, Min(pool->n_threads, n_tasks));
	pthread_mutex_lock(&pool->mu);
	pool->fn = fn;
	pool->arg = arg;
	pool->n_tasks = n_tasks;
	pool->next = 0;
	pool->done = 0;
	pool->error = MAAS_POOL_OK;
	__atomic_store_n(&pool->cancel, 0, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&pool->work_cv);
	while (pool->done < n_tasks)
	{
		struct timespec deadline;

		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += SUPERVISE_NS;
		if (deadline.tv_nsec >= 1000000000L)
		{
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pool->done_cv, &pool->mu, &deadline);
		if (QueryCancelPending || ProcDiePending)
		{
			__atomic_store_n(&pool->cancel, 1, __ATOMIC_RELAXED);
			if (pool->error == MAAS_POOL_OK)
				pool->error = MAAS_POOL_ECANCEL;
		}
	}
	pool->fn = NULL;
	error = pool->error;
	pthread_mutex_unlock(&pool->mu);
	if (error != MAAS_POOL_OK)
		RaiseError(error);
}

/* Join the threads; the pool then runs tasks inline */
void
MaasPoolStop(MaasPool *pool)
{
	if (pool->threads == NULL)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->shutdown = true;
	pthread_cond_broadcast(&pool->work_cv);
	pthread_mutex_unlock(&pool->mu);
	for (int i = 0; i < pool->started; i++)
		pthread_join(pool->threads[i], NULL);
	pool->threads = NULL;
	pool->n_threads = 0;
	pool->started = 0;
}

/* Start counting the threads of a new training run */
void
MaasPoolResetUsage(void)
{
	threads_used = 1;
}

/* The most threads that ran tasks of one batch since MaasPoolResetUsage */
int
MaasPoolThreadsUsed(void)
{
	return threads_used;
}
