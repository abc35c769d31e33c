/*
 * als.c
 *	  als: fitting a matrix factorization of (user, item, rating) pairs by
 *	  alternating least squares.
 *
 * Explicit ratings (Koren, Bell & Volinsky 2009, with biases): a rating is
 * mean + b_u + b_i + x_u . y_i.  Holding the items fixed, each user's
 * [x_u, b_u] is one ridge regression of its ratings minus mean and item
 * bias on [y_i, 1], with penalty regularization * n_u on x_u (ALS-WR, Zhou
 * et al. 2008, as Spark MLlib weighs it) and regularization on b_u (scaled
 * by n_u, a bias would shrink by the same fraction however many ratings
 * back it); then the same for items.  Each system is
 * (k+1) x (k+1): its Gram matrix is a BLAS syrk over the user's rows and it
 * is solved by Cholesky (LAPACK potrf/potrs).
 *
 * Implicit feedback (Hu, Koren & Volinsky 2008,
 * http://yifanhu.net/PUB/cf.pdf): every (user, item) cell has preference 1
 * if rated, else 0, weighed by confidence 1 + alpha * rating (1 for the
 * empty cells).  The normal equations (Y'Y + Y'(C_u - I)Y + lambda I) x_u =
 * Y'C_u p_u are solved by a few conjugate gradient steps from the previous
 * x_u, touching only the user's rated items besides the shared Y'Y (Takacs,
 * Pilaszy & Tikk 2011, as the `implicit` library does), so a step is linear
 * in the non-zeros.
 *
 * Users (then items) are solved independently in tasks of the thread pool,
 * each with its own scratch; the tasks split the rows by count only, so the
 * model does not depend on maas.threads.  Factors start from a seeded hash
 * of their position, which test/reference/als_reference.py reproduces.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "algorithms/recommend/als.h"
#include "core/blas.h"

#define ROWS_PER_TASK	64		/* users or items solved by one task */
#define GRAM_CHUNK		256		/* rated items gathered per syrk */
#define INIT_SCALE		0.1		/* factors start in [-0.05, 0.05) */

const MaasParamSpec als_params[] = {
	{"user", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"the user key column (integer, bigint, text or uuid)",
	offsetof(AlsOptions, user)},
	{"item", MAAS_PARAM_NAMES, NULL, 0, 0, NULL,
		"the item key column (integer, bigint, text or uuid)",
	offsetof(AlsOptions, item)},
	{"factors", MAAS_PARAM_INT, "10", 1, ALS_MAX_FACTORS, NULL,
		"latent factors per user and item",
	offsetof(AlsOptions, factors)},
	{"iterations", MAAS_PARAM_INT, "10", 1, 1000, NULL,
		"alternations (users, then items)",
	offsetof(AlsOptions, iterations)},
	{"regularization", MAAS_PARAM_FLOAT, "0.1", 1e-12, 1e12, NULL,
		"l2 penalty: on factors times the ratings of each user or item and plain on biases (explicit), plain (implicit)",
	offsetof(AlsOptions, regularization)},
	{"implicit", MAAS_PARAM_BOOL, "false", 0, 0, NULL,
		"ratings are implicit feedback (counts): weighted ALS of Hu, Koren and Volinsky",
	offsetof(AlsOptions, implicit)},
	{"alpha", MAAS_PARAM_FLOAT, "1", 0, 1e12, NULL,
		"implicit: confidence is 1 + alpha * rating",
	offsetof(AlsOptions, alpha)},
	{"cg_steps", MAAS_PARAM_INT, "3", 1, 100, NULL,
		"implicit: conjugate gradient steps per least-squares solve",
	offsetof(AlsOptions, cg_steps)},
	{"keep_seen", MAAS_PARAM_BOOL, "true", 0, 0, NULL,
		"keep each user's rated items in the model (4 bytes a rating) for exclude_seen",
	offsetof(AlsOptions, keep_seen)},
	{NULL}
};

/* Ratings by row (user or item): the other side's index and the rating */
typedef struct AlsCsr
{
	int32		n;
	int64	   *start;			/* n + 1 */
	int32	   *col;
	double	   *val;
} AlsCsr;

/* One half-step: solve the rows of csr with the other side fixed */
typedef struct AlsJob
{
	const AlsOptions *opt;
	int			k;
	double		mean;
	const AlsCsr *csr;
	double	   *factors;		/* rows solved, n x k */
	double	   *bias;			/* explicit */
	const double *fixed;		/* the other side, k per row */
	const double *fixed_bias;
	double	   *gram;			/* implicit: Y'Y (+ lambda I when solving) */
	double	   *scratch;		/* per worker */
	Size		scratch_len;
	double	   *partial;		/* per task: loss terms */
} AlsJob;

/* Seeded uniform [0, 1) of a position: splitmix64's finalizer */
static double
HashUniform(int seed, int stream, int64 index)
{
	uint64		z = ((uint64) seed << 32) ^ ((uint64) stream << 62) ^ (uint64) index;

	z += UINT64CONST(0x9E3779B97F4A7C15);
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	z ^= z >> 31;
	return (double) (z >> 11) * (1.0 / 9007199254740992.0);
}

static inline double
Dot(const double *a, const double *b, int k)
{
	double		s = 0;

	for (int f = 0; f < k; f++)
		s += a[f] * b[f];
	return s;
}

/* Ratings grouped by column c (0: user, 1: item) of the matrix, stable */
static void
BuildCsr(const MaasMatrix *m, int by, int32 n, AlsCsr *csr)
{
	const double *key = MaasMatrixColumn(m, by);
	const double *other = MaasMatrixColumn(m, 1 - by);
	const double *rating = MaasMatrixColumn(m, 2);
	int64	   *next = palloc0(sizeof(int64) * (n + 1));

	csr->n = n;
	csr->start = palloc0(sizeof(int64) * (n + 1));
	csr->col = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(m->n_rows, 1));
	csr->val = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(m->n_rows, 1));
	for (int64 r = 0; r < m->n_rows; r++)
		csr->start[(int32) key[r] + 1]++;
	for (int32 i = 0; i < n; i++)
		csr->start[i + 1] += csr->start[i];
	memcpy(next, csr->start, sizeof(int64) * n);
	for (int64 r = 0; r < m->n_rows; r++)
	{
		int64		at = next[(int32) key[r]]++;

		csr->col[at] = (int32) other[r];
		csr->val[at] = rating[r];
	}
	pfree(next);
}

/* Explicit: [x_u, b_u] by ridge regression on the fixed side's [y_i, 1] */
static void
SolveExplicit(AlsJob *j, int32 u, double *w)
{
	int			k = j->k;
	int			K = k + 1;
	double	   *g = w;
	double	   *rhs = g + K * K;
	double	   *b = rhs + K;
	double	   *t = b + GRAM_CHUNK * K;
	int64		s = j->csr->start[u];
	int64		e = j->csr->start[u + 1];
	double		reg = j->opt->regularization * (double) (e - s);

	for (int64 a = s; a < e; a += GRAM_CHUNK)
	{
		int			m = (int) Min(GRAM_CHUNK, e - a);
		double		beta = a == s ? 0.0 : 1.0;

		for (int q = 0; q < m; q++)
		{
			int32		i = j->csr->col[a + q];

			memcpy(b + q * K, j->fixed + (int64) i * k, sizeof(double) * k);
			b[q * K + k] = 1.0;
			t[q] = j->csr->val[a + q] - j->mean - j->fixed_bias[i];
		}
		cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, K, m, 1.0, b, K, beta, g, K);
		cblas_dgemv(CblasColMajor, CblasNoTrans, K, m, 1.0, b, K, t, 1, beta, rhs, 1);
	}
	for (int d = 0; d < k; d++)
		g[d * K + d] += reg;
	/* a bias is one number per user: shrunk by the plain penalty */
	g[k * K + k] += j->opt->regularization;
	if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', K, g, K) != 0 ||
		LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', K, 1, g, K, rhs, K) != 0)
		memset(rhs, 0, sizeof(double) * K);	/* cannot happen with reg > 0 */
	memcpy(j->factors + (int64) u * k, rhs, sizeof(double) * k);
	j->bias[u] = rhs[k];
}

/* Implicit: x_u by conjugate gradient from its current value */
static void
SolveImplicit(AlsJob *j, int32 u, double *w)
{
	int			k = j->k;
	double	   *x = j->factors + (int64) u * k;
	double	   *r = w;
	double	   *p = r + k;
	double	   *ap = p + k;
	int64		s = j->csr->start[u];
	int64		e = j->csr->start[u + 1];
	double		alpha = j->opt->alpha;
	double		rsold;

	/* r = Y'C_u p_u - (Y'C_u Y + lambda I) x */
	for (int f = 0; f < k; f++)
		r[f] = -Dot(j->gram + f * k, x, k);
	for (int64 a = s; a < e; a++)
	{
		const double *y = j->fixed + (int64) j->csr->col[a] * k;
		double		c = 1.0 + alpha * j->csr->val[a];
		double		coef = c - (c - 1.0) * Dot(y, x, k);

		for (int f = 0; f < k; f++)
			r[f] += coef * y[f];
	}
	memcpy(p, r, sizeof(double) * k);
	rsold = Dot(r, r, k);
	if (rsold < 1e-20)
		return;
	for (int it = 0; it < j->opt->cg_steps; it++)
	{
		double		step;
		double		rsnew;

		for (int f = 0; f < k; f++)
			ap[f] = Dot(j->gram + f * k, p, k);
		for (int64 a = s; a < e; a++)
		{
			const double *y = j->fixed + (int64) j->csr->col[a] * k;
			double		coef = alpha * j->csr->val[a] * Dot(y, p, k);

			for (int f = 0; f < k; f++)
				ap[f] += coef * y[f];
		}
		step = rsold / Dot(p, ap, k);
		for (int f = 0; f < k; f++)
		{
			x[f] += step * p[f];
			r[f] -= step * ap[f];
		}
		rsnew = Dot(r, r, k);
		if (rsnew < 1e-20)
			break;
		for (int f = 0; f < k; f++)
			p[f] = r[f] + (rsnew / rsold) * p[f];
		rsold = rsnew;
	}
}

static int
SolveTask(void *arg, int task, int worker)
{
	AlsJob	   *j = arg;
	double	   *w = j->scratch + (Size) worker * j->scratch_len;
	int32		end = (int32) Min((int64) (task + 1) * ROWS_PER_TASK, j->csr->n);

	for (int32 u = task * ROWS_PER_TASK; u < end; u++)
	{
		if (j->opt->implicit)
			SolveImplicit(j, u, w);
		else
			SolveExplicit(j, u, w);
	}
	return MAAS_POOL_OK;
}

/*
 * Loss terms of users task*ROWS_PER_TASK.. (j->csr is the user side, j->fixed
 * the items): explicit, the squared errors; implicit, as the `implicit`
 * library's calculate_loss, x'Y'Yx + sum over rated c (1 - s)^2 - s^2, and
 * lambda |x|^2.
 */
static int
LossTask(void *arg, int task, int worker)
{
	AlsJob	   *j = arg;
	int			k = j->k;
	int32		end = (int32) Min((int64) (task + 1) * ROWS_PER_TASK, j->csr->n);
	double		loss = 0;

	for (int32 u = task * ROWS_PER_TASK; u < end; u++)
	{
		const double *x = j->factors + (int64) u * k;

		for (int64 a = j->csr->start[u]; a < j->csr->start[u + 1]; a++)
		{
			int32		i = j->csr->col[a];
			double		s = Dot(x, j->fixed + (int64) i * k, k);

			if (j->opt->implicit)
			{
				double		c = 1.0 + j->opt->alpha * j->csr->val[a];

				loss += c * (1.0 - s) * (1.0 - s) - s * s;
			}
			else
			{
				double		d = j->csr->val[a] - (j->mean + j->bias[u] + j->fixed_bias[i] + s);

				loss += d * d;
			}
		}
		if (j->opt->implicit)
		{
			for (int f = 0; f < k; f++)
				loss += x[f] * Dot(j->gram + f * k, x, k);
			loss += j->opt->regularization * Dot(x, x, k);
		}
	}
	j->partial[task] = loss;
	return MAAS_POOL_OK;
}

static int
Tasks(int32 n)
{
	return (int) ((n + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
}

/* gram = fixed' fixed (+ ridge on the diagonal), full k x k */
static void
Gram(const double *fixed, int32 n, int k, double ridge, double *gram)
{
	cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, k, n, 1.0, fixed, k, 0.0, gram, k);
	for (int c = 0; c < k; c++)
	{
		for (int r = 0; r < c; r++)
			gram[c * k + r] = gram[r * k + c];
		gram[c * k + c] += ridge;
	}
}

/* Solve every row of j->csr; the fixed side has n_fixed rows */
static void
HalfStep(MaasPool *pool, AlsJob *j, int32 n_fixed)
{
	CHECK_FOR_INTERRUPTS();
	if (j->opt->implicit)
		Gram(j->fixed, n_fixed, j->k, j->opt->regularization, j->gram);
	MaasPoolRun(pool, Tasks(j->csr->n), SolveTask, j);
}

/* The training loss after an iteration: RMSE, or the implicit objective */
static double
Loss(MaasPool *pool, AlsJob *users, const AlsState *st, int32 n_items, double total)
{
	int			n_tasks = Tasks(users->csr->n);
	double		loss = 0;

	users->partial = palloc(sizeof(double) * n_tasks);
	if (users->opt->implicit)
		Gram(st->y, n_items, st->k, 0, users->gram);
	MaasPoolRun(pool, n_tasks, LossTask, users);
	for (int t = 0; t < n_tasks; t++)
		loss += users->partial[t];
	pfree(users->partial);
	if (!users->opt->implicit)
		return sqrt(loss / total);
	for (int32 i = 0; i < n_items; i++)
		loss += users->opt->regularization * Dot(st->y + (int64) i * st->k, st->y + (int64) i * st->k, st->k);
	return loss / total;
}

static int
CompareInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* Each user's rated items, ascending and unique, for exclude_seen */
static void
KeepSeen(MaasPairs *pairs, const AlsCsr *by_user)
{
	int64		n = 0;

	pairs->seen_start = palloc(sizeof(int64) * (by_user->n + 1));
	pairs->seen = MemoryContextAllocHuge(CurrentMemoryContext,
										 sizeof(int32) * Max(by_user->start[by_user->n], 1));
	pairs->seen_start[0] = 0;
	for (int32 u = 0; u < by_user->n; u++)
	{
		int64		from = n;

		for (int64 a = by_user->start[u]; a < by_user->start[u + 1]; a++)
			pairs->seen[n++] = by_user->col[a];
		qsort(pairs->seen + from, n - from, sizeof(int32), CompareInt32);
		/* unique */
		if (n > from)
		{
			int64		w = from + 1;

			for (int64 a = from + 1; a < n; a++)
				if (pairs->seen[a] != pairs->seen[w - 1])
					pairs->seen[w++] = pairs->seen[a];
			n = w;
		}
		pairs->seen_start[u + 1] = n;
	}
}

/* |y_i| of every item, for similar items (computed, not stored) */
void
AlsItemNorms(AlsState *st, int32 n_items)
{
	st->item_norm = palloc(sizeof(double) * Max(n_items, 1));
	for (int32 i = 0; i < n_items; i++)
	{
		const double *y = st->y + (int64) i * st->k;
		double		s = 0;

		for (int f = 0; f < st->k; f++)
			s += y[f] * y[f];
		st->item_norm[i] = sqrt(s);
	}
}

/* Factors from the seeded hash: stream 0 users, 1 items */
static double *
InitFactors(int seed, int stream, int32 n, int k)
{
	double	   *f = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * k);

	for (int64 i = 0; i < (int64) n * k; i++)
		f[i] = (HashUniform(seed, stream, i) - 0.5) * INIT_SCALE;
	return f;
}

static void
CheckRatings(const MaasTrainData *data, const AlsOptions *opt, int32 n_users, int32 n_items)
{
	const double *u = MaasMatrixColumn(&data->m, 0);
	const double *i = MaasMatrixColumn(&data->m, 1);
	const double *r = MaasMatrixColumn(&data->m, 2);

	for (int64 a = 0; a < data->m.n_rows; a++)
	{
		if (u[a] < 0 || u[a] >= n_users || i[a] < 0 || i[a] >= n_items)
			elog(ERROR, "rating %lld has no user or item index", (long long) a);
		if (opt->implicit && r[a] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("implicit feedback rating %g is negative", r[a]),
					 errhint("Implicit ratings are counts or strengths (confidence is 1 + alpha * rating); "
							 "train explicit ratings with {\"implicit\": false}.")));
	}
}

/* The working memory of a fit, checked against maas.max_memory */
static Size
FitBytes(int64 nnz, int32 n_users, int32 n_items, int k, int workers, Size scratch)
{
	Size		bytes = mul_size(nnz, 2 * (sizeof(int32) + sizeof(double)) + sizeof(int32));

	bytes = add_size(bytes, mul_size((Size) n_users + n_items, sizeof(double) * (k + 1) + 2 * sizeof(int64)));
	bytes = add_size(bytes, mul_size(workers, scratch * sizeof(double)));
	return add_size(bytes, sizeof(double) * k * k);
}

static void
Iterate(MaasPool *pool, AlsState *st, AlsJob *users, AlsJob *items,
		const AlsOptions *opt, double total, MaasProgress *progress)
{
	int32		n_users = st->pairs.users.n;
	int32		n_items = st->pairs.items.n;

	for (int it = 0; it < opt->iterations; it++)
	{
		/* each iteration can take a while on large data */
		CHECK_FOR_INTERRUPTS();
		HalfStep(pool, users, n_items);
		HalfStep(pool, items, n_users);
		st->history[it] = Loss(pool, users, st, n_items, total);
		st->n_history = it + 1;
		MaasProgressStep(progress, it + 1, opt->iterations, st->history[it]);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: iteration %d of %d, %s %.6g, %.1f s", progress->what,
							it + 1, opt->iterations, opt->implicit ? "loss" : "training rmse",
							st->history[it], MaasProgressElapsedMs(progress) / 1000.0)));
	}
}

void *
AlsFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const AlsOptions *opt = options;
	AlsState   *st = palloc0(sizeof(AlsState));
	int32		n_users = data->pairs->users.n;
	int32		n_items = data->pairs->items.n;
	int64		nnz = data->m.n_rows;
	int			k = opt->factors;
	int			K = k + 1;
	AlsCsr		by_user;
	AlsCsr		by_item;
	AlsJob		users;
	AlsJob		items;
	MaasPool   *pool;
	double		total = 0;
	Size		scratch = opt->implicit ? 3 * k : K * K + K + GRAM_CHUNK * K + GRAM_CHUNK;
	int			threads = nnz < 20000 ? 1 : maas_threads;

	Assert(data->input == MAAS_INPUT_PAIRS && data->pairs != NULL);
	CheckRatings(data, opt, n_users, n_items);
	MaasCheckMemory(FitBytes(nnz, n_users, n_items, k, threads, scratch), "als");
	pool = MaasPoolStart(threads);

	st->k = k;
	st->pairs = *data->pairs;
	st->pairs.implicit = opt->implicit;
	st->x = InitFactors(data->seed, 0, n_users, k);
	st->y = InitFactors(data->seed, 1, n_items, k);
	st->history = palloc0(sizeof(double) * opt->iterations);
	if (!opt->implicit)
	{
		const double *r = MaasMatrixColumn(&data->m, 2);

		for (int64 a = 0; a < nnz; a++)
			st->mean += r[a];
		st->mean /= (double) nnz;
		st->user_bias = palloc0(sizeof(double) * n_users);
		st->item_bias = palloc0(sizeof(double) * n_items);
		total = (double) nnz;
	}
	else
	{
		const double *r = MaasMatrixColumn(&data->m, 2);

		/* the implicit objective's weights: every cell 1, rated ones c */
		total = (double) n_users * n_items;
		for (int64 a = 0; a < nnz; a++)
			total += opt->alpha * r[a];
	}
	BuildCsr(&data->m, 0, n_users, &by_user);
	BuildCsr(&data->m, 1, n_items, &by_item);

	memset(&users, 0, sizeof(AlsJob));
	users.opt = opt;
	users.k = k;
	users.mean = st->mean;
	users.scratch_len = scratch;
	users.scratch = MemoryContextAllocHuge(CurrentMemoryContext,
										   sizeof(double) * scratch * MaasPoolWorkers(pool));
	users.gram = palloc(sizeof(double) * k * k);
	items = users;
	users.csr = &by_user;
	users.factors = st->x;
	users.bias = st->user_bias;
	users.fixed = st->y;
	users.fixed_bias = st->item_bias;
	items.csr = &by_item;
	items.factors = st->y;
	items.bias = st->item_bias;
	items.fixed = st->x;
	items.fixed_bias = st->user_bias;

	/* the pool's threads call BLAS on small systems: one BLAS thread each */
	MaasSetBlasThreads(1);
	PG_TRY();
	{
		Iterate(pool, st, &users, &items, opt, total, progress);
	}
	PG_FINALLY();
	{
		MaasSetBlasThreads(maas_blas_threads);
	}
	PG_END_TRY();
	MaasPoolStop(pool);
	if (opt->keep_seen)
		KeepSeen(&st->pairs, &by_user);
	AlsItemNorms(st, n_items);
	return st;
}
