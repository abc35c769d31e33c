/*
 * tree_bins.c
 *	  Feature binning for tree training.
 *
 * Each encoded feature gets at most max_bin value bins.  When a feature has
 * no more distinct training values than that, every value is its own bin
 * and the cut between two bins is the midpoint of the two values (as
 * scikit-learn's CART thresholds), so training is exact.  Otherwise bins
 * hold about equal numbers of training values (a greedy pass over the sorted
 * values, as LightGBM's; a value more frequent than a bin's share gets a bin
 * of its own).  The values are sampled (TREE_BIN_SAMPLE evenly spaced rows)
 * on large inputs.  Code 0 is a missing value.
 *
 * Both steps run per feature or per row block on the worker threads.
 */
#include "postgres.h"

#include <math.h>

#include "tree.h"

#define CODE_BLOCK		65536

typedef struct BinJob
{
	const MaasMatrix *m;
	const int32 *rows;			/* sampled rows, NULL: the first n_sample */
	int64		n_sample;
	int			max_bin;
	int			first;			/* first feature of the batch */
	int			cap;			/* room per feature in the slots */
	double	   *scratch;		/* per worker: 2 x n_sample doubles */
	double	   *slots;			/* per task: cuts, lo, hi (cap each) */
	int		   *n_bins;			/* per task */
} BinJob;

/*
 * pg_qsort's algorithm with the comparison inlined: the same steps, so the
 * same order (-0 and 0 included), in a fraction of the time
 */
#define ST_SORT SortDoubles
#define ST_ELEMENT_TYPE double
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Sort m values (no NaN) as pg_qsort would; tmp has room for m more.  When
 * no value is -0, equal values are the same bits and any sort gives the
 * same array: then a radix sort on the bits (flipped so that they order as
 * the numbers do), skipping the bytes every value shares.  A -0 could land
 * elsewhere among the zeros than pg_qsort puts it, so that case sorts with
 * pg_qsort's algorithm.
 */
static void
SortSample(double *v, uint64 *tmp, int64 m)
{
	uint64	   *keys = (uint64 *) v;
	int64		count[8][256];
	bool		minus_zero = false;
	uint64	   *from = keys;
	uint64	   *to = tmp;

	for (int64 i = 0; i < m; i++)
		minus_zero |= v[i] == 0 && signbit(v[i]);
	if (minus_zero || m < 256)
	{
		SortDoubles(v, m);
		return;
	}
	memset(count, 0, sizeof(count));
	for (int64 i = 0; i < m; i++)
	{
		uint64		k = keys[i];

		k = (k >> 63) ? ~k : k | (UINT64CONST(1) << 63);
		keys[i] = k;
		for (int d = 0; d < 8; d++)
			count[d][(k >> (8 * d)) & 0xff]++;
	}
	for (int d = 0; d < 8; d++)
	{
		int64		at = 0;
		int64		pos[256];
		uint64	   *t;

		if (count[d][(from[0] >> (8 * d)) & 0xff] == m)
			continue;			/* every value has this byte */
		for (int c = 0; c < 256; c++)
		{
			pos[c] = at;
			at += count[d][c];
		}
		for (int64 i = 0; i < m; i++)
			to[pos[(from[i] >> (8 * d)) & 0xff]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	for (int64 i = 0; i < m; i++)
	{
		uint64		k = from[i];

		keys[i] = (k >> 63) ? k & ~(UINT64CONST(1) << 63) : ~k;
	}
}

/* The midpoint of two adjacent values, as scikit-learn chooses it */
static double
Midpoint(double a, double b)
{
	double		t = a / 2.0 + b / 2.0;

	if (t >= b || t < a || isinf(t))
		t = a;
	return t;
}

static int
BinFeature(void *arg, int task, int worker)
{
	BinJob	   *job = arg;
	int			f = job->first + task;
	double	   *v = job->scratch + (int64) worker * 2 * job->n_sample;
	const double *col = MaasMatrixColumn(job->m, f);
	double	   *cuts = job->slots + (int64) task * 3 * job->cap;
	double	   *lo = cuts + job->cap;
	double	   *hi = lo + job->cap;
	int64		m = 0;
	int64		distinct = 0;
	int			nb = 0;

	for (int64 i = 0; i < job->n_sample; i++)
	{
		double		x = col[job->rows ? job->rows[i] : i];

		if (!isnan(x))
			v[m++] = x;
	}
	if (m == 0)
	{
		job->n_bins[task] = 1;
		lo[0] = hi[0] = 0;
		return MAAS_POOL_OK;
	}
	SortSample(v, (uint64 *) (v + job->n_sample), m);
	for (int64 i = 0; i < m; i++)
		if (i == 0 || v[i] != v[i - 1])
			distinct++;

	if (distinct <= job->max_bin)
	{
		for (int64 i = 0; i < m; i++)
		{
			if (i > 0 && v[i] == v[i - 1])
				continue;
			if (nb > 0)
				cuts[nb - 1] = Midpoint(hi[nb - 1], v[i]);
			lo[nb] = hi[nb] = v[i];
			nb++;
		}
	}
	else
	{
		int64		remaining = m;
		int			bins_left = job->max_bin;
		int64		acc = 0;
		int64		i = 0;

		lo[0] = v[0];
		while (i < m)
		{
			int64		j = i;

			while (j < m && v[j] == v[i])
				j++;
			acc += j - i;
			/* close the bin after this value once it holds its share */
			if (j < m && bins_left > 1 && acc * bins_left >= remaining)
			{
				hi[nb] = v[i];
				cuts[nb] = Midpoint(v[i], v[j]);
				nb++;
				lo[nb] = v[j];
				remaining -= acc;
				bins_left--;
				acc = 0;
			}
			i = j;
		}
		hi[nb] = v[m - 1];
		nb++;
	}
	job->n_bins[task] = nb;
	return MAAS_POOL_OK;
}

/*
 * Cut points of p features from the training rows (rows, or the first
 * n_rows rows of m when rows is NULL).  Features are binned in batches so
 * that only the bins found are kept.
 */
void
TreeMakeBins(MaasPool *pool, const MaasMatrix *m, int p, const int32 *rows,
			 int64 n_rows, int max_bin, TreeBins *bins)
{
	BinJob		job;
	int64		n_sample = Min(n_rows, TREE_BIN_SAMPLE);
	int32	   *sample = NULL;
	int			cap = (int) Min((int64) max_bin, Max(n_sample, 1));
	int			batch = Min(p, 4 * MaasPoolWorkers(pool));
	Size		bytes;

	bytes = mul_size(mul_size(batch, cap), 3 * sizeof(double));
	bytes = add_size(bytes, mul_size(mul_size(Max(n_sample, 1), MaasPoolWorkers(pool)),
									 2 * sizeof(double)));
	MaasCheckMemory(bytes, "feature binning");

	if (rows != NULL || n_sample < n_rows)
	{
		/* evenly spaced rows: a systematic sample keeps every quantile */
		sample = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(n_sample, 1));
		for (int64 i = 0; i < n_sample; i++)
		{
			int64		k = (int64) ((double) i * n_rows / n_sample);

			sample[i] = rows ? rows[k] : (int32) k;
		}
	}
	bins->p = p;
	bins->n_bins = palloc0(sizeof(int) * p);
	bins->cuts = palloc(sizeof(double *) * p);
	bins->lo = palloc(sizeof(double *) * p);
	bins->hi = palloc(sizeof(double *) * p);
	job.m = m;
	job.rows = sample;
	job.n_sample = n_sample;
	job.max_bin = max_bin;
	job.cap = cap;
	job.scratch = MemoryContextAllocHuge(CurrentMemoryContext,
										 2 * sizeof(double) * Max(n_sample, 1) * MaasPoolWorkers(pool));
	job.slots = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * 3 * cap * batch);
	job.n_bins = palloc(sizeof(int) * batch);
	for (int first = 0; first < p; first += batch)
	{
		int			count = Min(batch, p - first);

		job.first = first;
		MaasPoolRun(pool, count, BinFeature, &job);
		for (int t = 0; t < count; t++)
		{
			int			f = first + t;
			int			nb = job.n_bins[t];
			double	   *slot = job.slots + (int64) t * 3 * cap;

			bins->n_bins[f] = nb;
			bins->cuts[f] = palloc(sizeof(double) * nb);
			bins->lo[f] = palloc(sizeof(double) * nb);
			bins->hi[f] = palloc(sizeof(double) * nb);
			memcpy(bins->cuts[f], slot, sizeof(double) * (nb - 1));
			memcpy(bins->lo[f], slot + cap, sizeof(double) * nb);
			memcpy(bins->hi[f], slot + 2 * cap, sizeof(double) * nb);
		}
	}
	pfree(job.scratch);
	pfree(job.slots);
	if (sample)
		pfree(sample);
	bins->max_bins = 1;
	for (int f = 0; f < p; f++)
		bins->max_bins = Max(bins->max_bins, bins->n_bins[f]);
}

/* The threshold of a split after bin s of feature f */
double
TreeCutThreshold(const TreeBins *bins, int f, int s)
{
	if (s <= 0)
		return -INFINITY;
	if (s >= bins->n_bins[f])
		return INFINITY;
	return bins->cuts[f][s - 1];
}

typedef struct CodeJob
{
	const MaasMatrix *m;
	const TreeBins *bins;
	TreeCodes  *codes;
	TreeCodes  *copy;			/* NULL, or the same codes in the other layout */
} CodeJob;

/*
 * 1 + the number of cuts below x; 0 for NaN.  A binary search without
 * branches: on data the comparisons are coin flips the CPU cannot predict.
 */
static inline int
FindCode(const double *cuts, int n_cuts, double x)
{
	const double *base = cuts;
	int			n = n_cuts;

	if (isnan(x))
		return 0;
	if (n == 0)
		return 1;
	while (n > 1)
	{
		int			half = n >> 1;

		base = base[half] < x ? base + half : base;
		n -= half;
	}
	return (int) (base - cuts) + (base[0] < x) + 1;
}

static inline void
PutCode(TreeCodes *c, int64 r, int f, int code)
{
	int64		i = c->row_major ? r * c->p + f : (int64) f * c->n + r;

	if (c->wide)
		((uint16 *) c->data)[i] = (uint16) code;
	else
		((uint8 *) c->data)[i] = (uint8) code;
}

static int
CodeBlock(void *arg, int block, int worker)
{
	CodeJob    *job = arg;
	TreeCodes  *c = job->codes;
	int64		from = (int64) block * CODE_BLOCK;
	int64		to = Min(from + CODE_BLOCK, c->n);

	for (int f = 0; f < c->p; f++)
	{
		const double *col = MaasMatrixColumn(job->m, f);
		const double *cuts = job->bins->cuts[f];
		int			n_cuts = job->bins->n_bins[f] - 1;

		for (int64 r = from; r < to; r++)
		{
			int			code = FindCode(cuts, n_cuts, col[r]);

			PutCode(c, r, f, code);
			if (job->copy)
				PutCode(job->copy, r, f, code);
		}
	}
	return MAAS_POOL_OK;
}

static void
InitCodes(const MaasMatrix *m, int p, const TreeBins *bins, bool row_major, TreeCodes *codes)
{
	Size		bytes;

	codes->n = m->n_rows;
	codes->p = p;
	codes->wide = bins->max_bins > 255;
	codes->row_major = row_major;
	bytes = mul_size(mul_size(Max(m->n_rows, 1), p), codes->wide ? 2 : 1);
	MaasCheckMemory(bytes, "binned training data");
	codes->data = MemoryContextAllocHuge(CurrentMemoryContext, bytes);
}

/* Codes of every row of m */
void
TreeMakeCodes(MaasPool *pool, const MaasMatrix *m, int p, const TreeBins *bins,
			  bool row_major, TreeCodes *codes)
{
	TreeMakeCodesTwice(pool, m, p, bins, row_major, codes, NULL);
}

/* The same, and when copy is not NULL, a copy in the other layout */
void
TreeMakeCodesTwice(MaasPool *pool, const MaasMatrix *m, int p, const TreeBins *bins,
				   bool row_major, TreeCodes *codes, TreeCodes *copy)
{
	CodeJob		job;

	InitCodes(m, p, bins, row_major, codes);
	if (copy)
		InitCodes(m, p, bins, !row_major, copy);
	job.m = m;
	job.bins = bins;
	job.codes = codes;
	job.copy = copy;
	MaasPoolRun(pool, (int) ((m->n_rows + CODE_BLOCK - 1) / CODE_BLOCK), CodeBlock, &job);
}
