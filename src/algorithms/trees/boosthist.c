/*
 * boosthist.c
 *	  gradient_boosting's gradient/hessian histograms: per node, per feature
 *	  and bin, the sums of the gradients and hessians of the node's rows.
 *
 * The histograms of a level's nodes are built in fixed-size chunks of rows
 * (partial histograms, summed in chunk order, one slice of cells per task),
 * only for the smaller child of each split; the sibling is parent - child
 * (histogram subtraction).  The root's pass copies each sampled row into a
 * record (its gradient pair and codes, 32 bytes for 16 features) and
 * computes the gradients when there is one tree per round.  Chunks depend
 * on data size only, so histograms do not depend on maas.threads.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "tree.h"

#define SLICE_CELLS		1024	/* histogram cells per reduce task */

/*
 * Gradient and hessian of row r with one tree per round (squared error,
 * logistic): the root's histogram pass computes them (boost.c computes
 * softmax gradients before the round)
 */
static inline BoostGradPair
RowGradient(const Booster *b, int32 r)
{
	double		f = b->F[r];
	double		y = b->y[r];
	BoostGradPair gh;

	if (b->task == MAAS_TASK_REGRESSION)
	{
		gh[0] = f - y;
		gh[1] = 1.0;
	}
	else
	{
		double		pr = MaasSigmoid(f);

		gh[0] = pr - y;
		gh[1] = Max(pr * (1 - pr), 1e-16);
	}
	/* a row of weight w counts as w copies of it (XGBoost's weights) */
	if (b->w != NULL)
	{
		gh[0] *= b->w[r];
		gh[1] *= b->w[r];
	}
	return gh;
}

/* One row's gradient pair into the cells of its codes: uint8 codes, uniform layout */
static pg_attribute_always_inline void
HistAddUniform(double *hist, int p, const uint8 *c, BoostGradPair gh)
{
	const int	step = 2 * BOOST_UNIFORM_CELLS;
	int			f = 0;

	for (; f + 4 <= p; f += 4, hist += 4 * step)
	{
		*(BoostGradPair *) (hist + 2 * c[f]) += gh;
		*(BoostGradPair *) (hist + step + 2 * c[f + 1]) += gh;
		*(BoostGradPair *) (hist + 2 * step + 2 * c[f + 2]) += gh;
		*(BoostGradPair *) (hist + 3 * step + 2 * c[f + 3]) += gh;
	}
	for (; f < p; f++, hist += step)
		*(BoostGradPair *) (hist + 2 * c[f]) += gh;
}

/* Add one row's gradient pair to the cells of its codes */
static pg_attribute_always_inline void
HistAdd(double *hist, const int32 *foff, const int *feats, int nf, int p,
		const char *codes, bool wide, BoostGradPair gh)
{
	if (!wide)
	{
		const uint8 *c = (const uint8 *) codes;

		if (nf == p)
			for (int f = 0; f < p; f++)
				*(BoostGradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
		else
			for (int j = 0; j < nf; j++)
			{
				int			f = feats[j];

				*(BoostGradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
			}
	}
	else
	{
		const uint16 *c = (const uint16 *) codes;

		for (int j = 0; j < nf; j++)
		{
			int			f = feats[j];

			*(BoostGradPair *) (hist + 2 * (foff[f] + c[f])) += gh;
		}
	}
}

/* Histogram of records from..to of the level's buffer */
static void
HistRows(const Booster *b, int32 from, int32 to, double *hist)
{
	int			size = b->rec_size;
	const char *rec = b->rsrc + (int64) from * size;
	const int32 *foff = b->foff;
	const int  *feats = b->feats;
	int			nf = b->nf;
	int			p = b->p;

	/* (locals: the compiler cannot tell the histogram from b) */
	if (b->uniform && nf == p && p == 16)
		for (int32 i = from; i < to; i++, rec += size)
			HistAddUniform(hist, 16, (const uint8 *) rec + BOOST_REC_CODES, *(const BoostGradPair *) rec);
	else if (b->uniform && nf == p)
		for (int32 i = from; i < to; i++, rec += size)
			HistAddUniform(hist, p, (const uint8 *) rec + BOOST_REC_CODES, *(const BoostGradPair *) rec);
	else if (!b->codes.wide)
		for (int32 i = from; i < to; i++, rec += size)
			HistAdd(hist, foff, feats, nf, p, rec + BOOST_REC_CODES, false, *(const BoostGradPair *) rec);
	else
		for (int32 i = from; i < to; i++, rec += size)
			HistAdd(hist, foff, feats, nf, p, rec + BOOST_REC_CODES, true, *(const BoostGradPair *) rec);
}

/*
 * The root's histogram from the sampled rows (rows from..to of the sample),
 * writing their records on the way; with one tree per round this is also
 * where the gradients are computed.
 */
static pg_attribute_always_inline void
RootRows(const Booster *b, int32 from, int32 to, double *hist, int code_bytes, bool uniform)
{
	int			size = b->rec_size;
	const char *codes = b->codes.data;
	const int32 *sample = b->sample;
	int32	   *rows = b->rows_a;
	char	   *rec = b->rec_a + (int64) from * size;
	bool		wide = b->codes.wide;
	bool		one = b->K == 1;
	const int32 *foff = b->foff;
	const int  *feats = b->feats;
	int			nf = b->nf;
	int			p = b->p;

	for (int32 i = from; i < to; i++, rec += size)
	{
		int32		r = sample[i];
		const char *c = codes + (int64) r * code_bytes;
		BoostGradPair gh = one ? RowGradient(b, r) : *(const BoostGradPair *) (b->ghk + 2 * (int64) r);

		*(BoostGradPair *) rec = gh;
		memcpy(rec + BOOST_REC_CODES, c, code_bytes);
		rows[i] = r;
		if (uniform)
			HistAddUniform(hist, code_bytes, (const uint8 *) c, gh);
		else if (!wide)
			HistAdd(hist, foff, feats, nf, p, c, false, gh);
		else
			HistAdd(hist, foff, feats, nf, p, c, true, gh);
	}
}

static void
HistRootRows(const Booster *b, int32 from, int32 to, double *hist)
{
	int			code_bytes = b->p * (b->codes.wide ? 2 : 1);

	/* 16 features of uint8 codes: a copy and a loop of known sizes */
	if (b->uniform && b->nf == b->p && code_bytes == 16)
		RootRows(b, from, to, hist, 16, true);
	else if (b->uniform && b->nf == b->p)
		RootRows(b, from, to, hist, code_bytes, true);
	else
		RootRows(b, from, to, hist, code_bytes, false);
}

static int
HistChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	BoostChunk *ch = &b->chunks[task];
	BoostNode  *nd = &b->nodes[ch->node];
	double	   *hist = nd->n_chunks > 1 ?
		nd->partials + (int64) (task - nd->first_chunk) * 2 * b->cells : nd->hist;

	memset(hist, 0, sizeof(double) * 2 * b->cells);
	if (b->root_pass)
		HistRootRows(b, ch->begin, ch->end, hist);
	else
		HistRows(b, ch->begin, ch->end, hist);
	return MAAS_POOL_OK;
}

/* Sum a node's partial histograms, in chunk order, one slice of cells */
typedef struct SliceJob
{
	Booster    *b;
	int		   *node;			/* per task */
	int		   *slice;
	BoostNode  *parents;		/* subtraction: parent of each node, or NULL */
	int		   *sibling;		/* subtraction: the built sibling */
} SliceJob;

static int
ReduceSlice(void *arg, int task, int worker)
{
	SliceJob   *job = arg;
	Booster    *b = job->b;
	BoostNode  *nd = &b->nodes[job->node[task]];
	int64		from = (int64) job->slice[task] * SLICE_CELLS * 2;
	int64		to = Min(from + SLICE_CELLS * 2, (int64) b->cells * 2);

	/* partial by partial, each streamed: every cell still sums them in order */
	for (int64 i = from; i < to; i++)
		nd->hist[i] = 0;
	for (int c = 0; c < nd->n_chunks; c++)
	{
		const double *part = nd->partials + (int64) c * 2 * b->cells;

		for (int64 i = from; i < to; i++)
			nd->hist[i] += part[i];
	}
	return MAAS_POOL_OK;
}

static int
SubtractSlice(void *arg, int task, int worker)
{
	SliceJob   *job = arg;
	Booster    *b = job->b;
	int			node = job->node[task];
	BoostNode  *nd = &b->nodes[node];
	const double *parent = job->parents[node].hist;
	const double *sib = b->nodes[job->sibling[node]].hist;
	int64		from = (int64) job->slice[task] * SLICE_CELLS * 2;
	int64		to = Min(from + SLICE_CELLS * 2, (int64) b->cells * 2);

	for (int64 i = from; i < to; i++)
		nd->hist[i] = parent[i] - sib[i];
	return MAAS_POOL_OK;
}

/*
 * Chunks of the rows of the nodes selected by want[]: the tasks of histogram
 * building, partitioning and noting leaves
 */
void
BoostMakeChunks(Booster *b, const bool *want)
{
	int			n = 0;

	for (int i = 0; i < b->n_nodes; i++)
		if (want[i])
			n += Max(1, (b->nodes[i].end - b->nodes[i].begin + b->chunk - 1) / b->chunk);
	b->chunks = palloc(sizeof(BoostChunk) * Max(n, 1));
	b->n_chunks = 0;
	for (int i = 0; i < b->n_nodes; i++)
	{
		BoostNode  *nd = &b->nodes[i];

		nd->first_chunk = b->n_chunks;
		nd->n_chunks = 0;
		if (!want[i])
			continue;
		for (int32 s = nd->begin; s < nd->end || s == nd->begin; s += b->chunk)
		{
			BoostChunk *ch = &b->chunks[b->n_chunks++];

			ch->node = i;
			ch->begin = s;
			ch->end = Min(s + b->chunk, nd->end);
			nd->n_chunks++;
			if (ch->end >= nd->end)
				break;
		}
	}
}

static double *
AllocHists(Booster *b, int count)
{
	Size		bytes = mul_size(mul_size(count, b->cells), 2 * sizeof(double));

	MaasCheckMemory(bytes, "gradient_boosting histograms");
	return MemoryContextAllocHuge(CurrentMemoryContext, Max(bytes, 1));
}

/* Histograms of the nodes with want[] set */
static void
BuildHists(Booster *b, const bool *want)
{
	SliceJob	job;
	int			n_tasks = 0;
	int			slices = (b->cells + SLICE_CELLS - 1) / SLICE_CELLS;

	BoostMakeChunks(b, want);
	for (int i = 0; i < b->n_nodes; i++)
	{
		BoostNode  *nd = &b->nodes[i];

		nd->partials = NULL;
		if (want[i] && nd->n_chunks > 1)
		{
			nd->partials = AllocHists(b, nd->n_chunks);
			n_tasks += slices;
		}
	}
	MaasPoolRun(b->pool, b->n_chunks, HistChunk, b);
	if (n_tasks > 0)
	{
		job.b = b;
		job.node = palloc(sizeof(int) * n_tasks);
		job.slice = palloc(sizeof(int) * n_tasks);
		n_tasks = 0;
		for (int i = 0; i < b->n_nodes; i++)
			if (b->nodes[i].partials != NULL)
				for (int s = 0; s < slices; s++)
				{
					job.node[n_tasks] = i;
					job.slice[n_tasks++] = s;
				}
		MaasPoolRun(b->pool, n_tasks, ReduceSlice, &job);
		pfree(job.node);
		pfree(job.slice);
		for (int i = 0; i < b->n_nodes; i++)
			if (b->nodes[i].partials != NULL)
			{
				pfree(b->nodes[i].partials);
				b->nodes[i].partials = NULL;
			}
	}
	pfree(b->chunks);
	b->chunks = NULL;
}

/* The root's histogram, whose pass also writes the records; its G and H */
void
BoostRootHist(Booster *b)
{
	BoostNode  *root = &b->nodes[0];
	bool		want = true;
	int			f = b->feats[0];
	const double *h;

	root->hist = AllocHists(b, 1);
	b->root_pass = true;
	BuildHists(b, &want);
	b->root_pass = false;
	/* G and H from the first column's bins: every row is in one */
	h = root->hist + 2 * (int64) b->foff[f];
	for (int s = 0; s <= b->bins.n_bins[f]; s++)
	{
		root->G += h[2 * s];
		root->H += h[2 * s + 1];
	}
}

/*
 * Histograms of the next level's nodes, which become b's nodes: each split's
 * smaller child is built, its sibling is the parent's histogram minus it.
 * The level's histograms are still there.
 */
void
BoostChildHists(Booster *b, const BoostNode *level, const bool *split, BoostNode *next,
				int n_next)
{
	int			slices = (b->cells + SLICE_CELLS - 1) / SLICE_CELLS;
	bool	   *build = palloc0(sizeof(bool) * n_next);
	int		   *sibling = palloc(sizeof(int) * n_next);
	BoostNode  *parents = palloc(sizeof(BoostNode) * n_next);
	double	   *mem = AllocHists(b, n_next);
	SliceJob	job;
	int			n_tasks = 0;

	for (int i = 0, pi = 0; i < n_next; i += 2, pi++)
	{
		int32		nl = next[i].end - next[i].begin;
		int32		nr = next[i + 1].end - next[i + 1].begin;
		int			small = nl <= nr ? i : i + 1;

		while (!split[pi])
			pi++;
		next[i].hist = mem + (int64) i * 2 * b->cells;
		next[i + 1].hist = mem + (int64) (i + 1) * 2 * b->cells;
		build[small] = true;
		sibling[i] = i + 1;
		sibling[i + 1] = i;
		parents[i] = level[pi];
		parents[i + 1] = level[pi];
	}
	b->nodes = next;
	b->n_nodes = n_next;
	BuildHists(b, build);
	job.b = b;
	job.node = palloc(sizeof(int) * n_next / 2 * slices);
	job.slice = palloc(sizeof(int) * n_next / 2 * slices);
	job.parents = parents;
	job.sibling = sibling;
	for (int i = 0; i < n_next; i++)
		if (!build[i])
			for (int s = 0; s < slices; s++)
			{
				job.node[n_tasks] = i;
				job.slice[n_tasks++] = s;
			}
	MaasPoolRun(b->pool, n_tasks, SubtractSlice, &job);
	pfree(job.node);
	pfree(job.slice);
	pfree(build);
	pfree(sibling);
	pfree(parents);
}
