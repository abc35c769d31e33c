/*
 * boostgrow.c
 *	  gradient_boosting: growing one tree, level by level, as a loop of
 *	  steps like XGBoost's UpdateTree: evaluate the splits of the level's
 *	  nodes on their histograms, make leaves of the nodes not worth
 *	  splitting, partition the rows of the others, add their children, then
 *	  build the children's histograms (boosthist.c).
 *
 * Each node's best split maximizes
 *		GL^2/(HL+lambda) + GR^2/(HR+lambda) - G^2/(H+lambda)
 * over the cuts of the tree's columns, trying missing values on either side
 * (the better becomes the node's default direction).  Records are
 * partitioned stably, chunk by chunk, into the other of two buffers, so a
 * node's rows are always one contiguous range of records and every pass
 * streams through memory.  Splits of the deepest level note their rows'
 * leaves directly, without partitioning; other leaves keep their ranges of
 * rows, for boost.c to add the tree to the margins.  Leaves get
 * -G/(H+lambda) * learning_rate.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "tree.h"

#define RT_EPS			1e-6	/* smallest loss change worth a split (XGBoost's kRtEps) */

/* ---- splits ---- */

static inline double
Score(double G, double H, double lambda)
{
	return G * G / (H + lambda);
}

/* What every candidate split of a node is measured against */
typedef struct SplitScope
{
	double		G;				/* the node's sums */
	double		H;
	double		parent;			/* its score */
	double		lambda;
	double		mcw;
} SplitScope;

/*
 * Take the split after bin s of feature f when it beats the node's best:
 * GL and HL are the sums going left, with the missing values when
 * missing_left.  A feature without missing values in the node sends them
 * to the heavier child.
 */
static pg_attribute_always_inline void
TrySplit(BoostNode *nd, const SplitScope *sc, int f, int s, double GL, double HL,
		 bool has_missing, bool missing_left)
{
	double		GR = sc->G - GL;
	double		HR = sc->H - HL;

	if (HL >= sc->mcw && HR >= sc->mcw)
	{
		double		gain = Score(GL, HL, sc->lambda) + Score(GR, HR, sc->lambda) - sc->parent;

		if (gain > nd->gain)
		{
			nd->gain = gain;
			nd->feature = f;
			nd->split = s;
			nd->default_left = missing_left || (!has_missing && HL >= HR);
			nd->GL = GL;
			nd->HL = HL;
		}
	}
}

/* The best split of one node, over the tree's columns */
static int
FindSplitTask(void *arg, int node, int worker)
{
	Booster    *b = arg;
	BoostNode  *nd = &b->nodes[node];
	SplitScope	sc;

	sc.G = nd->G;
	sc.H = nd->H;
	sc.lambda = b->lambda;
	sc.mcw = b->mcw;
	sc.parent = Score(sc.G, sc.H, sc.lambda);
	nd->gain = -INFINITY;
	nd->feature = -1;
	if (nd->hist == NULL)
		return MAAS_POOL_OK;
	for (int j = 0; j < b->nf; j++)
	{
		int			f = b->feats[j];
		int			nb = b->bins.n_bins[f];
		const double *h = nd->hist + 2 * (int64) b->foff[f];
		double		GM = h[0];
		double		HM = h[1];
		bool		has_missing = HM > 0;
		double		GL = 0;
		double		HL = 0;

		for (int s = 0; s <= nb; s++)
		{
			if (s > 0)
			{
				GL += h[2 * s];
				HL += h[2 * s + 1];
			}
			/* missing right (or none) */
			if (s > 0 && (s < nb || has_missing))
				TrySplit(nd, &sc, f, s, GL, HL, has_missing, false);
			/* missing left */
			if (has_missing && s < nb)
				TrySplit(nd, &sc, f, s, GL + GM, HL + HM, has_missing, true);
		}
	}
	return MAAS_POOL_OK;
}

/* ---- partition ---- */

/* Whether a record goes left, from its own codes */
static pg_attribute_always_inline int
RecordGoesLeft(const char *rec, int f, bool wide, uint32 split, int default_left)
{
	return BoostCodeGoesLeft(wide ? ((const uint16 *) (rec + BOOST_REC_CODES))[f] :
							 ((const uint8 *) (rec + BOOST_REC_CODES))[f], split, default_left);
}

/*
 * Whether row r goes left, from the split feature's column: a column is
 * small enough to stay in cache, where the records would all be read again
 */
static pg_attribute_always_inline int
ColumnGoesLeft(const void *column, bool wide, int32 r, uint32 split, int default_left)
{
	return BoostCodeGoesLeft(wide ? ((const uint16 *) column)[r] : ((const uint8 *) column)[r],
							 split, default_left);
}

/* The column of feature f */
static inline const void *
Column(const Booster *b, int f)
{
	return (const char *) b->columns.data + (int64) f * b->n * (b->columns.wide ? 2 : 1);
}

/* How many rows of a chunk go left */
static int
CountChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	BoostChunk *ch = &b->chunks[task];
	const BoostNode *nd = &b->nodes[ch->node];
	const void *column = Column(b, nd->feature);
	bool		wide = b->columns.wide;
	int32		count = 0;

	for (int32 i = ch->begin; i < ch->end; i++)
		count += ColumnGoesLeft(column, wide, b->src[i], nd->split, nd->default_left);
	ch->count = count;
	return MAAS_POOL_OK;
}

/*
 * Stable partition of n records and their row numbers into to and to_rows:
 * the rows going left from position l on, the others from r on
 */
static pg_attribute_always_inline void
ScatterRecords(const char *rec, const int32 *rows, int32 n, int size, int f, bool wide,
			   uint32 split, int dl, char *to, int32 *to_rows, int32 l, int32 r)
{
	for (int32 i = 0; i < n; i++, rec += size)
	{
		int			left = RecordGoesLeft(rec, f, wide, split, dl);
		int32		at = left ? l : r;

		/* fixed sizes for the common widths, so that the copy is inline */
		if (size == 32)
			memcpy(to + (int64) at * 32, rec, 32);
		else if (size == 24)
			memcpy(to + (int64) at * 24, rec, 24);
		else
			memcpy(to + (int64) at * size, rec, size);
		to_rows[at] = rows[i];
		l += left;
		r += 1 - left;
	}
}

/* A chunk's records and rows to their child's place in the other buffers */
static int
ScatterChunk(void *arg, int task, int worker)
{
	Booster    *b = arg;
	BoostChunk *ch = &b->chunks[task];
	const BoostNode *nd = &b->nodes[ch->node];
	int			size = b->rec_size;
	const char *rec = b->rsrc + (int64) ch->begin * size;
	const int32 *rows = b->src + ch->begin;
	int32		n = ch->end - ch->begin;

	if (b->codes.wide)
		ScatterRecords(rec, rows, n, size, nd->feature, true, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	else if (size == 32)
		ScatterRecords(rec, rows, n, 32, nd->feature, false, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	else
		ScatterRecords(rec, rows, n, size, nd->feature, false, nd->split, nd->default_left,
					   b->rdst, b->dst, ch->left_at, ch->right_at);
	return MAAS_POOL_OK;
}

/* ---- leaves ---- */

/* Splits of the deepest level: their children are leaves, no need to partition */
static int
NoteLastSplit(void *arg, int task, int worker)
{
	Booster    *b = arg;
	BoostChunk *ch = &b->chunks[task];
	const BoostNode *nd = &b->nodes[ch->node];
	const void *column = Column(b, nd->feature);
	bool		wide = b->columns.wide;
	const int32 *rows = b->src;
	int32		leaf[2] = {nd->leaf_right, nd->leaf_left};

	for (int32 i = ch->begin; i < ch->end; i++)
	{
		int32		r = rows[i];

		b->leaf_of[r] = leaf[ColumnGoesLeft(column, wide, r, nd->split, nd->default_left)];
	}
	return MAAS_POOL_OK;
}

/* A leaf and its value's offset; rows: where its rows are, NULL when noted already */
static int32
NewLeaf(Booster *b, int32 id, const int32 *rows, int32 begin, int32 end, double G, double H)
{
	TreeBuildNode *nd = &b->build.nodes[id];
	double		value = H + b->lambda > 0 ? -G / (H + b->lambda) * b->eta : 0;
	int			off = TreeBuildAddValues(&b->build, 1);

	nd->feature = -1;
	nd->cover = H;
	nd->value = off;
	b->build.values[off] = value;
	if (rows != NULL)
	{
		b->leaves[b->n_leaves].rows = rows;
		b->leaves[b->n_leaves].begin = begin;
		b->leaves[b->n_leaves].end = end;
		b->leaves[b->n_leaves].leaf = off;
		b->n_leaves++;
	}
	return off;
}

/* ---- growing one tree ---- */

/* Start a tree: its root holds every sampled row, in buffer a */
static void
StartTree(Booster *b)
{
	int32		root;

	b->build.n_nodes = 0;
	b->build.n_values = 0;
	b->build.depth = 0;
	b->n_leaves = 0;
	root = TreeBuildAddNode(&b->build);
	b->src = b->rows_a;
	b->dst = b->rows_b;
	b->rsrc = b->rec_a;
	b->rdst = b->rec_b;
	b->nodes = palloc0(sizeof(BoostNode));
	b->n_nodes = 1;
	b->nodes[0].id = root;
	b->nodes[0].begin = 0;
	b->nodes[0].end = b->m;
}

/*
 * Mark in split[] the level's nodes whose best split is worth it, make the
 * others leaves; the number of splits
 */
static int
ChooseSplits(Booster *b, bool *split)
{
	int			n_split = 0;

	for (int i = 0; i < b->n_nodes; i++)
	{
		BoostNode  *nd = &b->nodes[i];

		if (nd->feature >= 0 && nd->gain > RT_EPS && nd->gain >= b->gamma)
		{
			split[i] = true;
			n_split++;
		}
		else
			NewLeaf(b, nd->id, b->src, nd->begin, nd->end, nd->G, nd->H);
	}
	return n_split;
}

/*
 * Partition the rows of the split nodes into the other buffer: count each
 * chunk's rows going left, place the chunks, then scatter them
 */
static void
PartitionRows(Booster *b, const bool *split)
{
	BoostMakeChunks(b, split);
	MaasPoolRun(b->pool, b->n_chunks, CountChunk, b);
	for (int i = 0; i < b->n_nodes; i++)
	{
		BoostNode  *nd = &b->nodes[i];
		int32		left = 0;
		int32		right;

		if (!split[i])
			continue;
		for (int c = nd->first_chunk; c < nd->first_chunk + nd->n_chunks; c++)
			left += b->chunks[c].count;
		nd->nl = left;
		left = nd->begin;
		right = nd->begin + nd->nl;
		for (int c = nd->first_chunk; c < nd->first_chunk + nd->n_chunks; c++)
		{
			b->chunks[c].left_at = left;
			b->chunks[c].right_at = right;
			left += b->chunks[c].count;
			right += (b->chunks[c].end - b->chunks[c].begin) - b->chunks[c].count;
		}
	}
	MaasPoolRun(b->pool, b->n_chunks, ScatterChunk, b);
	pfree(b->chunks);
	b->chunks = NULL;
}

/* The split nodes' splits into the tree, and their children: the next level */
static BoostNode *
AddChildren(Booster *b, const bool *split, int n_split)
{
	BoostNode  *next = palloc0(sizeof(BoostNode) * 2 * n_split);
	int			n_next = 0;

	for (int i = 0; i < b->n_nodes; i++)
	{
		BoostNode  *nd = &b->nodes[i];
		TreeBuildNode *tn;
		int32		l;
		int32		r;

		if (!split[i])
			continue;
		l = TreeBuildAddNode(&b->build);
		r = TreeBuildAddNode(&b->build);
		tn = &b->build.nodes[nd->id];
		tn->feature = nd->feature;
		tn->split = nd->split;
		tn->default_left = nd->default_left;
		tn->threshold = TreeCutThreshold(&b->bins, nd->feature, nd->split);
		tn->gain = nd->gain;
		tn->cover = nd->H;
		tn->left = l;
		tn->right = r;
		next[n_next].id = l;
		next[n_next].begin = nd->begin;
		next[n_next].end = nd->begin + nd->nl;
		next[n_next].G = nd->GL;
		next[n_next].H = nd->HL;
		next[n_next + 1].id = r;
		next[n_next + 1].begin = nd->begin + nd->nl;
		next[n_next + 1].end = nd->end;
		next[n_next + 1].G = nd->G - nd->GL;
		next[n_next + 1].H = nd->H - nd->HL;
		n_next += 2;
	}
	return next;
}

/*
 * The deepest level's children are leaves: note them for the rows where
 * they are, unpartitioned
 */
static void
NoteLastLevel(Booster *b, const bool *split, const BoostNode *next, int n_next)
{
	for (int i = 0, pi = 0; i < n_next; i += 2, pi++)
	{
		while (!split[pi])
			pi++;
		b->nodes[pi].leaf_left = NewLeaf(b, next[i].id, NULL, 0, 0, next[i].G, next[i].H);
		b->nodes[pi].leaf_right = NewLeaf(b, next[i + 1].id, NULL, 0, 0,
										  next[i + 1].G, next[i + 1].H);
	}
	BoostMakeChunks(b, split);
	MaasPoolRun(b->pool, b->n_chunks, NoteLastSplit, b);
	pfree(b->chunks);
	b->chunks = NULL;
}

/* The children's rows are in the other buffers now */
static void
SwapBuffers(Booster *b)
{
	const int32 *tmp = b->src;
	char	   *rtmp = b->rsrc;

	b->src = b->dst;
	b->dst = (int32 *) tmp;
	b->rsrc = b->rdst;
	b->rdst = rtmp;
}

/* A level done with */
static void
FreeLevel(BoostNode *level, bool *split)
{
	/* the level's histograms live in one allocation: the first */
	if (level[0].hist)
		pfree(level[0].hist);
	pfree(split);
	pfree(level);
}

/*
 * Grow a tree on the round's sampled rows (b->sample), into b->build; its
 * leaves and their rows into b->leaves, or, at the deepest level,
 * b->leaf_of
 */
void
BoostGrowTree(Booster *b)
{
	StartTree(b);
	BoostRootHist(b);
	/* the deepest level, max_depth - 1, splits into leaves only */
	for (int depth = 0;; depth++)
	{
		BoostNode  *level = b->nodes;
		bool	   *split = palloc0(sizeof(bool) * b->n_nodes);
		bool		last = depth + 1 >= b->max_depth;
		BoostNode  *next;
		int			n_split;

		/* growing a level can take a while */
		CHECK_FOR_INTERRUPTS();
		MaasPoolRun(b->pool, b->n_nodes, FindSplitTask, b);
		n_split = ChooseSplits(b, split);
		if (n_split == 0)
		{
			FreeLevel(level, split);
			break;
		}
		b->build.depth = depth + 1;
		if (!last)
			PartitionRows(b, split);
		next = AddChildren(b, split, n_split);
		if (last)
		{
			NoteLastLevel(b, split, next, 2 * n_split);
			FreeLevel(level, split);
			pfree(next);
			break;
		}
		SwapBuffers(b);
		BoostChildHists(b, level, split, next, 2 * n_split);
		FreeLevel(level, split);
	}
	b->nodes = NULL;
	b->n_nodes = 0;
}
