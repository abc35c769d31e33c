/*
 * kmeans.c
 *	  kmeans: k-means clustering, as scikit-learn's KMeans.
 *
 * n_init runs, each from its own starting centres (init.c), iterate Lloyd
 * or Elkan steps (steps.c) until no label changes, or the centres move by
 * at most tol times the mean feature variance (squared, summed), or
 * max_iter; the run with the least inertia is kept.  Rows are centered
 * first, as scikit-learn does, so the distance gemm loses less precision.
 *
 * The model is the k centres.  predict gives the Euclidean distance to
 * each (scikit-learn's transform); the SQL layer turns them into the
 * nearest cluster (maas_predict, 0-based like scikit-learn's labels) or
 * returns them (maas_transform).  maas_fit collects the rows and fits in its
 * final function, so its states merge by concatenation.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "algorithms/cluster/kmeans.h"

#define BLOCK_MIN_ROWS		512
#define MAX_BLOCKS			64
#define THREADS_MIN_WORK	1000000 /* rows x clusters x features */

typedef struct KmeansOptions
{
	int			n_clusters;
	int			n_init;
	int			max_iter;
	double		tol;
	int			init;			/* KmeansInit */
	int			algorithm;		/* KmeansAlgorithm */
} KmeansOptions;

static const MaasParamSpec kmeans_params[] = {
	{"n_clusters", MAAS_PARAM_INT, "8", 1, MAAS_MAX_CLASSES, NULL,
		"number of clusters",
	offsetof(KmeansOptions, n_clusters)},
	{"n_init", MAAS_PARAM_INT, "10", 1, 1000, NULL,
		"runs from different starting centres; the least inertia wins",
	offsetof(KmeansOptions, n_init)},
	{"max_iter", MAAS_PARAM_INT, "300", 1, 1000000, NULL,
		"most iterations of one run",
	offsetof(KmeansOptions, max_iter)},
	{"tol", MAAS_PARAM_FLOAT, "0.0001", 0, 1e300, NULL,
		"converged when the centres' squared moves sum to at most tol times the mean feature variance",
	offsetof(KmeansOptions, tol)},
	{"init", MAAS_PARAM_CHOICE, "\"k-means++\"", 0, 0, "k-means++,random",
		"starting centres: greedy k-means++ or k random rows",
	offsetof(KmeansOptions, init)},
	{"algorithm", MAAS_PARAM_CHOICE, "\"lloyd\"", 0, 0, "lloyd,elkan",
		"iteration: lloyd (a gemm per step) or elkan (triangle-inequality bounds)",
	offsetof(KmeansOptions, algorithm)},
	{NULL}
};

typedef struct KmeansState
{
	int			p;
	int			k;
	int			n_iter;			/* iterations of the kept run */
	double		inertia;		/* on the training rows */
	double	   *centers;		/* k x p */
} KmeansState;

/* Centered row-major copy of the features, its row norms, and tol's scale */
static double
PrepareRows(const MaasTrainData *data, double *x, double *xnorm, double *mean)
{
	int64		n = data->m.n_rows;
	int			p = data->n_features;
	double		variance = 0;

	for (int j = 0; j < p; j++)
	{
		const double *col = MaasMatrixColumn(&data->m, j);
		double		sum = 0;
		double		ss = 0;

		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
			sum += col[i];
		mean[j] = sum / n;
		for (int64 i = 0; i < n; i++)
		{
			double		v = col[i] - mean[j];

			x[i * p + j] = v;
			ss += v * v;
		}
		variance += ss / n;
	}
	for (int64 i = 0; i < n; i++)
	{
		double		s = 0;

		for (int j = 0; j < p; j++)
			s += x[i * p + j] * x[i * p + j];
		xnorm[i] = s;
	}
	return variance / p;
}

static void
AllocWork(KmeansWork *w, int workers)
{
	int64		n = w->n;
	int			k = w->k;
	int			p = w->p;
	int			trials = 2 + (int) log((double) k);
	double		doubles;

	w->n_blocks = (int) Min(MAX_BLOCKS, (n + BLOCK_MIN_ROWS - 1) / BLOCK_MIN_ROWS);
	w->block_rows = (n + w->n_blocks - 1) / w->n_blocks;
	/* the rows, then what the runs keep besides them */
	doubles = (double) n * (p + 1) + (double) n * trials * 2 +
		(double) w->n_blocks * k * (p + 1) + (double) workers * KMEANS_CHUNK * k +
		4.0 * k * p + (double) k * k + n +
		(w->algorithm == KMEANS_ELKAN ? (double) n * (k + 1) : 0);
	MaasCheckMemory((Size) Min(doubles * sizeof(double), (double) SIZE_MAX / 2), "kmeans");

	w->centers = palloc(sizeof(double) * k * p);
	w->centers_new = palloc(sizeof(double) * k * p);
	w->cnorm = palloc(sizeof(double) * k);
	w->shift = palloc(sizeof(double) * k);
	w->half = palloc(sizeof(double) * k * k);
	w->next_half = palloc(sizeof(double) * k);
	w->labels = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * n);
	if (w->algorithm == KMEANS_ELKAN)
	{
		w->upper = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
		w->lower = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * k);
	}
	w->block_sums = MemoryContextAllocHuge(CurrentMemoryContext,
										   sizeof(double) * w->n_blocks * k * p);
	w->block_counts = palloc(sizeof(double) * w->n_blocks * k);
	w->block_changed = palloc(sizeof(int64) * w->n_blocks);
	w->scratch = MemoryContextAllocHuge(CurrentMemoryContext,
										sizeof(double) * workers * KMEANS_CHUNK * k);
	w->closest = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	w->cumsum = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	w->candidates = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * trials);
}

/* One run from the current centres; returns its iteration count */
static int
Run(KmeansWork *w, MaasPool *pool, const KmeansOptions *opt, double tol,
	int run, MaasProgress *progress)
{
	bool		strict = false;
	int			it;

	for (int64 i = 0; i < w->n; i++)
		w->labels[i] = -1;
	if (w->algorithm == KMEANS_ELKAN)
		KmeansStartBounds(w, pool);
	w->update = true;
	for (it = 0; it < opt->max_iter; it++)
	{
		int64		changed;
		double		moved = 0;
		double	   *swap;

		/* a run can take a while */
		CHECK_FOR_INTERRUPTS();
		changed = KmeansStep(w, pool);
		swap = w->centers;
		w->centers = w->centers_new;
		w->centers_new = swap;
		/* inertia of these labels to the moved centres: never grows */
		MaasProgressStep(progress, it + 1, opt->max_iter,
						 MaasProgressWantsCurve(progress) ? KmeansInertia(w) : NAN);
		if (MaasProgressDue(progress))
			ereport(NOTICE,
					(errmsg("%s: run %d of %d, iteration %d, %lld labels changed, %.1f s",
							progress->what, run + 1, opt->n_init, it + 1,
							(long long) changed, MaasProgressElapsedMs(progress) / 1000.0)));
		/* Elkan's first step compares with its starting bounds' labels */
		if (changed == 0 && it > 0)
		{
			strict = true;
			break;
		}
		for (int c = 0; c < w->k; c++)
			moved += w->shift[c] * w->shift[c];
		if (moved <= tol)
			break;
	}
	/* labels that match the final centres */
	if (!strict)
	{
		w->update = false;
		KmeansStep(w, pool);
	}
	return Min(it + 1, opt->max_iter);
}

static void *
KmeansFit(const MaasTrainData *data, const void *options, MaasProgress *progress)
{
	const KmeansOptions *opt = options;
	KmeansWork	w = {0};
	KmeansState *st = palloc0(sizeof(KmeansState));
	pg_prng_state rng;
	MaasPool   *pool;
	double	   *x;
	double	   *xnorm;
	double	   *mean;
	double		tol;
	double		best = INFINITY;

	w.n = data->m.n_rows;
	w.p = data->n_features;
	w.k = opt->n_clusters;
	w.algorithm = opt->algorithm;
	if (w.k > w.n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_clusters %d exceeds the " INT64_FORMAT " training rows", w.k, w.n),
				 errhint("Set params {\"n_clusters\": " INT64_FORMAT "} or fewer, or train on more rows.",
						 w.n)));
	pool = MaasPoolStart((double) w.n * w.k * w.p >= THREADS_MIN_WORK ? maas_threads : 1);
	AllocWork(&w, MaasPoolWorkers(pool));
	x = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * w.n * w.p);
	xnorm = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * w.n);
	mean = palloc(sizeof(double) * w.p);
	tol = PrepareRows(data, x, xnorm, mean) * opt->tol;
	w.x = x;
	w.xnorm = xnorm;

	st->p = w.p;
	st->k = w.k;
	st->centers = palloc(sizeof(double) * w.k * w.p);
	pg_prng_seed(&rng, (uint64) data->seed);
	for (int run = 0; run < opt->n_init; run++)
	{
		int			n_iter;
		double		inertia;

		KmeansInitCenters(&w, opt->init, &rng, w.centers);
		n_iter = Run(&w, pool, opt, tol, run, progress);
		inertia = KmeansInertia(&w);
		if (inertia < best)
		{
			best = inertia;
			MaasProgressCurveChosen(progress);
			st->n_iter = n_iter;
			memcpy(st->centers, w.centers, sizeof(double) * w.k * w.p);
		}
	}
	MaasPoolStop(pool);
	st->inertia = best;
	for (int c = 0; c < w.k; c++)
		for (int j = 0; j < w.p; j++)
			st->centers[(int64) c * w.p + j] += mean[j];
	return st;
}

/* out: the Euclidean distance to each centre */
static void
KmeansPredict(const MaasModel *model, const MaasInput *in, double *out)
{
	const KmeansState *st = model->state;

	for (int c = 0; c < st->k; c++)
	{
		const double *ctr = st->centers + (int64) c * st->p;
		double		d = 0;

		for (int j = 0; j < st->p; j++)
		{
			double		e = in->x[j] - ctr[j];

			d += e * e;
		}
		out[c] = sqrt(d);
	}
}

static int
KmeansOutputs(const void *state)
{
	return ((const KmeansState *) state)->k;
}

static void
KmeansSerialize(const MaasModel *model, StringInfo buf)
{
	const KmeansState *st = model->state;

	MaasWriteU32(buf, (uint32) st->n_iter);
	MaasWriteDouble(buf, st->inertia);
	MaasWriteDoubles(buf, st->centers, (int64) st->k * st->p);
}

static void *
KmeansDeserialize(MaasReader *r, const MaasModel *model)
{
	KmeansState *st = palloc0(sizeof(KmeansState));

	st->p = model->n_features;
	st->k = model->n_outputs;
	if (st->k > MAAS_MAX_CLASSES)
		MaasReaderFail(r, "%d clusters, more than %d", st->k, MAAS_MAX_CLASSES);
	st->n_iter = (int) MaasReadU32(r);
	if (st->n_iter < 1)
		MaasReaderFail(r, "iteration count %d", st->n_iter);
	st->inertia = MaasReadFinite(r);
	if (st->inertia < 0)
		MaasReaderFail(r, "negative inertia");
	/* checked against the bytes left before allocating */
	if ((uint64) st->k * st->p * 8 != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes for %d centres of %d features",
					   r->len - r->pos, st->k, st->p);
	st->centers = palloc(sizeof(double) * st->k * st->p);
	MaasReadDoubles(r, st->centers, (int64) st->k * st->p, true);
	return st;
}

static void
KmeansDescribe(const MaasModel *model, MaasJson *json)
{
	const KmeansState *st = model->state;

	MaasJsonKey(json, "n_clusters");
	MaasJsonInt(json, st->k);
	MaasJsonKey(json, "inertia");
	MaasJsonNumber(json, st->inertia);
	MaasJsonKey(json, "n_iter");
	MaasJsonInt(json, st->n_iter);
	MaasJsonKey(json, "centers");
	MaasJsonBeginArray(json);
	for (int c = 0; c < st->k; c++)
		MaasJsonNumberArray(json, st->centers + (int64) c * st->p, st->p);
	MaasJsonEndArray(json);
}

const MaasAlgorithm maas_kmeans = {
	.name = "kmeans",
	.id = 7,
	.tasks = MAAS_TASK_BIT(MAAS_TASK_CLUSTERING),
	.handles_missing = false,
	.input = MAAS_INPUT_DENSE,
	.params = kmeans_params,
	.options_size = sizeof(KmeansOptions),
	.fit = KmeansFit,
	.predict = KmeansPredict,
	.serialize = KmeansSerialize,
	.deserialize = KmeansDeserialize,
	.describe = KmeansDescribe,
	.n_outputs = KmeansOutputs,
};
