/*
 * sparse.c
 *	  logistic_regression over a document column, as scikit-learn's
 *	  TfidfVectorizer followed by LogisticRegression.
 *
 * A document is the token ids its tokenizer gives (the vocabulary: the
 * num_words most frequent tokens of the training rows, word n-grams after
 * ngram_range).  Each word is a feature, or with "hashing" the bucket its
 * text hashes to (FNV-1a): the weights then number the buckets, however
 * large the vocabulary.  A document's vector is its counts (1 + ln(count)
 * with sublinear_tf) times the smooth idf ln((1 + n) / (1 + df)) + 1 of
 * the training rows, scaled to unit length (norm "l2"); a feature in fewer
 * than min_df training documents is left out.
 *
 * Training rows are one CSR matrix: the dense features standardized (as
 * logistic.c does) and then the text features, never a dense n x V block.
 * The objective is logistic.c's; its gradient X^T R is read from the
 * transposed matrix (CSC), so every component is one sum in a fixed order,
 * and rows and columns go to worker threads in fixed blocks: the model
 * bytes are the same at any maas.threads.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "algorithms/logistic/sparse.h"

#define ROW_BLOCK		512	/* rows of one task: fixed, not per thread */
#define COL_BLOCK		2048	/* columns of one gradient task */

typedef struct Csr
{
	int64		n;
	int			cols;
	int64	   *ptr;			/* n + 1 */
	int32	   *idx;
	double	   *val;
} Csr;

typedef struct SparseProblem
{
	Csr			x;				/* rows */
	Csr			xt;				/* columns (the transpose) */
	int			k;
	const double *y;
	const double *weight;
	double		l2;
	bool		intercept;
	const double *theta;		/* [W: cols x k, feature-major; b: k] */
	double	   *grad;
	double	   *r;				/* n x k residuals */
	double	   *block_loss;		/* per row block */
	double	   *block_sum;		/* per row block, k each */
	int			n_row_blocks;
	MaasPool   *pool;
} SparseProblem;

/* FNV-1a: a word's bucket, the same on every platform */
static uint32
HashWord(const char *s, int len)
{
	uint32		h = 2166136261u;

	for (int i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

/* Each word's feature: itself, or its bucket */
static int32 *
WordFeatures(const MaasTokenizer *tok, int hashing)
{
	int32	   *feature = palloc(sizeof(int32) * Max(tok->n_vocab, 1));

	for (int w = 0; w < tok->n_vocab; w++)
		feature[w] = hashing > 0 ?
			(int32) (HashWord(tok->vocab[w], tok->lengths[w]) % (uint32) hashing) : w;
	return feature;
}

static int
CompareInt32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * The distinct features of a document, ascending, into feat (room for n);
 * with idf, those left out are dropped.  counts (may be NULL) gets each
 * feature's count.  Returns how many.
 */
static int
DocumentFeatures(const LogisticText *t, const int32 *ids, int n, bool use_idf,
				 int32 *feat, double *counts)
{
	int			m = 0;
	int			out = 0;

	for (int i = 0; i < n; i++)
	{
		int32		w = ids[i] - MAAS_TOKEN_FIRST;

		if (w >= 0 && w < t->n_words)
			feat[m++] = t->feature[w];
	}
	qsort(feat, m, sizeof(int32), CompareInt32);
	for (int i = 0; i < m;)
	{
		int			j = i;

		while (j < m && feat[j] == feat[i])
			j++;
		if (!use_idf || t->idf[feat[i]] > 0)
		{
			if (counts != NULL)
				counts[out] = j - i;
			feat[out++] = feat[i];
		}
		i = j;
	}
	return out;
}

/* A document's TF-IDF vector (values into val); returns its length */
static int
DocumentVector(const LogisticText *t, const int32 *ids, int n, int32 *feat, double *val)
{
	int			m = DocumentFeatures(t, ids, n, true, feat, val);
	double		norm = 0;

	for (int i = 0; i < m; i++)
	{
		double		tf = t->sublinear_tf ? 1 + log(val[i]) : val[i];

		val[i] = tf * t->idf[feat[i]];
		norm += val[i] * val[i];
	}
	if (t->l2_norm && norm > 0)
	{
		norm = sqrt(norm);
		for (int i = 0; i < m; i++)
			val[i] /= norm;
	}
	return m;
}

/* Smooth idf of the training documents; below min_df, 0 (left out) */
static void
FitIdf(LogisticText *t, const MaasTokenRows *docs, int min_df)
{
	int64	   *df = palloc0(sizeof(int64) * t->n_features);
	int32	   *feat = palloc(sizeof(int32) * Max(docs->tokenizer->maxlen, 1));
	int64		n = docs->n_rows;
	int			kept = 0;

	for (int64 i = 0; i < n; i++)
	{
		int			m = DocumentFeatures(t, docs->ids + docs->start[i],
										 (int) (docs->start[i + 1] - docs->start[i]),
										 false, feat, NULL);

		if ((i & 0xfff) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < m; j++)
			df[feat[j]]++;
	}
	t->idf = palloc(sizeof(double) * t->n_features);
	for (int f = 0; f < t->n_features; f++)
	{
		bool		keep = df[f] > 0 && df[f] >= Max(min_df, 1);

		t->idf[f] = keep ? log((1.0 + n) / (1.0 + df[f])) + 1.0 : 0;
		kept += keep;
	}
	if (kept == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no word is in at least \"min_df\" %d training documents", min_df),
				 errhint("Lower params \"min_df\".")));
	pfree(df);
	pfree(feat);
}

/*
 * The training rows as CSR: the dense features standardized, then the
 * document's vector (text feature f is column p + f)
 */
static void
BuildRows(const MaasTrainData *data, const LogisticText *t, const double *mean,
		  const double *scale, Csr *x)
{
	const MaasTokenRows *docs = data->tokens;
	int			p = data->n_features;
	int64		n = data->m.n_rows;
	int64		bound = (int64) p * n + docs->n_tokens;
	int32	   *feat = palloc(sizeof(int32) * Max(docs->tokenizer->maxlen, 1));
	double	   *val = palloc(sizeof(double) * Max(docs->tokenizer->maxlen, 1));
	int64		nnz = 0;

	MaasCheckMemory(mul_size(bound, 2 * (sizeof(int32) + sizeof(double))),
					"sparse training rows");
	x->n = n;
	x->cols = p + t->n_features;
	x->ptr = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (n + 1));
	x->idx = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(bound, 1));
	x->val = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(bound, 1));
	for (int64 i = 0; i < n; i++)
	{
		int			m;

		if ((i & 0xfff) == 0)
			CHECK_FOR_INTERRUPTS();
		x->ptr[i] = nnz;
		for (int j = 0; j < p; j++)
		{
			x->idx[nnz] = j;
			x->val[nnz++] = (MaasMatrixColumn(&data->m, j)[i] - mean[j]) / scale[j];
		}
		m = DocumentVector(t, docs->ids + docs->start[i],
						   (int) (docs->start[i + 1] - docs->start[i]), feat, val);
		for (int j = 0; j < m; j++)
		{
			x->idx[nnz] = p + feat[j];
			x->val[nnz++] = val[j];
		}
	}
	x->ptr[n] = nnz;
	pfree(feat);
	pfree(val);
}

/* The transpose: counting sort by column, rows ascending within each */
static void
Transpose(const Csr *x, Csr *xt)
{
	int64		nnz = x->ptr[x->n];
	int64	   *next;

	xt->n = x->cols;
	xt->cols = (int) x->n;
	xt->ptr = palloc0(sizeof(int64) * (x->cols + 1));
	xt->idx = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * Max(nnz, 1));
	xt->val = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(nnz, 1));
	for (int64 e = 0; e < nnz; e++)
		xt->ptr[x->idx[e] + 1]++;
	for (int j = 0; j < x->cols; j++)
		xt->ptr[j + 1] += xt->ptr[j];
	next = palloc(sizeof(int64) * Max(x->cols, 1));
	memcpy(next, xt->ptr, sizeof(int64) * x->cols);
	for (int64 i = 0; i < x->n; i++)
		for (int64 e = x->ptr[i]; e < x->ptr[i + 1]; e++)
		{
			int64		to = next[x->idx[e]]++;

			xt->idx[to] = (int32) i;
			xt->val[to] = x->val[e];
		}
	pfree(next);
}

static inline double
Softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Rows of one block: scores, loss and residuals */
static int
RowTask(void *arg, int task, int worker)
{
	SparseProblem *pr = arg;
	int			k = pr->k;
	int64		from = (int64) task * ROW_BLOCK;
	int64		to = Min(from + ROW_BLOCK, pr->x.n);
	const double *b = pr->theta + (int64) pr->x.cols * k;
	double		loss = 0;
	double	   *sum = pr->block_sum + (int64) task * k;

	if (MaasPoolCancelled(pr->pool))
		return MAAS_POOL_ECANCEL;
	for (int c = 0; c < k; c++)
		sum[c] = 0;
	for (int64 i = from; i < to; i++)
	{
		double	   *z = pr->r + i * k;
		double		wi = pr->weight ? pr->weight[i] : 1.0;
		int			yi = (int) pr->y[i];

		for (int c = 0; c < k; c++)
			z[c] = b[c];
		for (int64 e = pr->x.ptr[i]; e < pr->x.ptr[i + 1]; e++)
		{
			const double *w = pr->theta + (int64) pr->x.idx[e] * k;
			double		v = pr->x.val[e];

			for (int c = 0; c < k; c++)
				z[c] += v * w[c];
		}
		if (k == 1)
		{
			loss += wi * (Softplus(z[0]) - yi * z[0]);
			z[0] = wi * (MaasSigmoid(z[0]) - yi);
		}
		else
		{
			double		top = z[0];
			double		total = 0;

			for (int c = 1; c < k; c++)
				top = Max(top, z[c]);
			for (int c = 0; c < k; c++)
				total += exp(z[c] - top);
			loss += wi * (top + log(total) - z[yi]);
			for (int c = 0; c < k; c++)
				z[c] = wi * (exp(z[c] - top) / total - (c == yi));
		}
		for (int c = 0; c < k; c++)
			sum[c] += z[c];
	}
	pr->block_loss[task] = loss;
	return MAAS_POOL_OK;
}

/* Columns of one block: their gradient, sum over their rows of x * r */
static int
ColumnTask(void *arg, int task, int worker)
{
	SparseProblem *pr = arg;
	int			k = pr->k;
	int			from = task * COL_BLOCK;
	int			to = Min(from + COL_BLOCK, pr->xt.n);
	double		inv_n = 1.0 / pr->x.n;

	if (MaasPoolCancelled(pr->pool))
		return MAAS_POOL_ECANCEL;
	for (int j = from; j < to; j++)
	{
		double	   *g = pr->grad + (int64) j * k;
		const double *w = pr->theta + (int64) j * k;

		for (int c = 0; c < k; c++)
			g[c] = 0;
		for (int64 e = pr->xt.ptr[j]; e < pr->xt.ptr[j + 1]; e++)
		{
			const double *r = pr->r + (int64) pr->xt.idx[e] * k;
			double		v = pr->xt.val[e];

			for (int c = 0; c < k; c++)
				g[c] += v * r[c];
		}
		for (int c = 0; c < k; c++)
			g[c] = g[c] * inv_n + pr->l2 * w[c];
	}
	return MAAS_POOL_OK;
}

/* mean loss + L2 penalty, and its gradient, as logistic.c's Objective */
static double
SparseObjective(void *arg, const double *theta, double *grad)
{
	SparseProblem *pr = arg;
	int			k = pr->k;
	int64		n_w = (int64) pr->x.cols * k;
	double		loss = 0;
	double		penalty = 0;

	pr->theta = theta;
	pr->grad = grad;
	MaasPoolRun(pr->pool, pr->n_row_blocks, RowTask, pr);
	MaasPoolRun(pr->pool, (int) ((pr->xt.n + COL_BLOCK - 1) / COL_BLOCK), ColumnTask, pr);
	for (int c = 0; c < k; c++)
		grad[n_w + c] = 0;
	/* block sums in block order: the same at any thread count */
	for (int t = 0; t < pr->n_row_blocks; t++)
	{
		loss += pr->block_loss[t];
		for (int c = 0; c < k; c++)
			grad[n_w + c] += pr->block_sum[(int64) t * k + c];
	}
	for (int c = 0; c < k; c++)
		grad[n_w + c] = pr->intercept ? grad[n_w + c] / pr->x.n : 0;
	for (int64 i = 0; i < n_w; i++)
		penalty += theta[i] * theta[i];
	return loss / pr->x.n + 0.5 * pr->l2 * penalty;
}

/*
 * Fit on the dense features and the document column together: w gets the
 * dense weights (p x k, class-major, standardized space as logistic.c
 * keeps them), b the intercepts; returns the text part
 */
LogisticText *
LogisticSparseFit(const MaasTrainData *data, const LogisticSparseSpec *spec,
				  double *w, double *b, MaasLbfgsResult *res, MaasProgress *progress)
{
	const MaasTokenizer *tok = data->tokens->tokenizer;
	LogisticText *t = palloc0(sizeof(LogisticText));
	SparseProblem pr;
	int			p = data->n_features;
	int			k = spec->k;
	int64		n_params;
	double	   *theta;
	bool	   *mask;

	t->n_words = tok->n_vocab;
	t->hashing = spec->hashing;
	t->n_features = spec->hashing > 0 ? spec->hashing : tok->n_vocab;
	t->sublinear_tf = spec->sublinear_tf;
	t->l2_norm = spec->l2_norm;
	t->feature = WordFeatures(tok, spec->hashing);
	FitIdf(t, data->tokens, spec->min_df);

	memset(&pr, 0, sizeof(pr));
	BuildRows(data, t, spec->mean, spec->scale, &pr.x);
	Transpose(&pr.x, &pr.xt);
	n_params = (int64) pr.x.cols * k + k;
	if (n_params > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("logistic_regression would have %lld weights, too many",
						(long long) n_params),
				 errhint("Lower params \"num_words\" or \"hashing\".")));
	MaasCheckMemory(add_size(mul_size(pr.x.n, sizeof(double) * k),
							 mul_size(n_params, 24 * sizeof(double))),
					"logistic weights and residuals");
	pr.k = k;
	pr.y = MaasTrainY(data);
	pr.weight = data->weights;
	pr.l2 = spec->l2;
	pr.intercept = spec->intercept;
	pr.r = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * Max(pr.x.n * k, 1));
	pr.n_row_blocks = (int) ((pr.x.n + ROW_BLOCK - 1) / ROW_BLOCK);
	pr.block_loss = palloc(sizeof(double) * Max(pr.n_row_blocks, 1));
	pr.block_sum = palloc(sizeof(double) * Max(pr.n_row_blocks, 1) * k);
	pr.pool = MaasPoolStart(maas_threads);

	theta = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n_params);
	memset(theta, 0, sizeof(double) * n_params);
	mask = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(bool) * n_params);
	for (int64 i = 0; i < n_params; i++)
		mask[i] = i < n_params - k;
	*res = MaasLbfgs(SparseObjective, &pr, theta, (int) n_params, spec->l1, mask,
					 spec->max_iter, spec->tol, progress);
	MaasPoolStop(pr.pool);

	for (int j = 0; j < p; j++)
		for (int c = 0; c < k; c++)
			w[c * p + j] = theta[(int64) j * k + c];
	t->w = palloc(sizeof(double) * Max((int64) t->n_features * k, 1));
	memcpy(t->w, theta + (int64) p * k, sizeof(double) * t->n_features * k);
	memcpy(b, theta + n_params - k, sizeof(double) * k);
	pfree(theta);
	pfree(mask);
	pfree(pr.r);
	pfree(pr.x.ptr);
	pfree(pr.x.idx);
	pfree(pr.x.val);
	pfree(pr.xt.ptr);
	pfree(pr.xt.idx);
	pfree(pr.xt.val);
	return t;
}

/*
 * Adds the document's scores to z (k); with contrib (n_tokens, may be
 * NULL), token i's share of class c's score: its feature's term split
 * evenly among the tokens of that feature (out of the vocabulary: 0), so
 * the shares add up to the document's part of the score
 */
void
LogisticTextScores(const LogisticText *t, const MaasInput *in, int k, double *z,
				   int c, double *contrib)
{
	int			n = Max(in->n_tokens, 1);
	int32	   *feat = palloc(sizeof(int32) * n);
	double	   *val = palloc(sizeof(double) * n);
	int			m = DocumentVector(t, in->tokens, in->n_tokens, feat, val);

	for (int i = 0; i < m; i++)
	{
		const double *w = t->w + (int64) feat[i] * k;

		for (int j = 0; j < k; j++)
			z[j] += val[i] * w[j];
	}
	if (contrib != NULL)
	{
		int		   *count = palloc0(sizeof(int) * n);
		int		   *slot = palloc(sizeof(int) * n);

		/* each token's slot in the document's vector, or -1 */
		for (int i = 0; i < in->n_tokens; i++)
		{
			int32		wd = in->tokens[i] - MAAS_TOKEN_FIRST;
			int32	   *hit = NULL;

			if (wd >= 0 && wd < t->n_words)
				hit = bsearch(&t->feature[wd], feat, m, sizeof(int32), CompareInt32);
			slot[i] = hit ? (int) (hit - feat) : -1;
			if (hit)
				count[slot[i]]++;
		}
		for (int i = 0; i < in->n_tokens; i++)
			contrib[i] = slot[i] < 0 ? 0 :
				val[slot[i]] * t->w[(int64) feat[slot[i]] * k + c] / count[slot[i]];
		pfree(count);
		pfree(slot);
	}
	pfree(feat);
	pfree(val);
}

void
LogisticTextWrite(StringInfo buf, const LogisticText *t, int k)
{
	MaasWriteU32(buf, (uint32) t->n_features);
	MaasWriteU32(buf, (uint32) t->hashing);
	MaasWriteU8(buf, t->sublinear_tf ? 1 : 0);
	MaasWriteU8(buf, t->l2_norm ? 1 : 0);
	MaasWriteDoubles(buf, t->idf, t->n_features);
	MaasWriteDoubles(buf, t->w, (int64) t->n_features * k);
}

/* The text part of a model with a document column, which must be there */
LogisticText *
LogisticTextRead(MaasReader *r, const MaasModel *model, int k)
{
	int			n_text;
	const MaasColumn *col = MaasTextColumn(&model->prep, &n_text);
	LogisticText *t = palloc0(sizeof(LogisticText));
	uint8		flag;

	t->n_words = col->tokenizer->n_vocab;
	t->n_features = MaasReadCount(r, Max(MAAS_MAX_VOCAB, LOGISTIC_MAX_BUCKETS),
								  (size_t) (k + 1) * sizeof(double), "text feature");
	t->hashing = (int) MaasReadU32(r);
	if (t->hashing == 0 ? t->n_features != t->n_words :
		(t->hashing > LOGISTIC_MAX_BUCKETS || t->n_features != t->hashing))
		MaasReaderFail(r, "%d text features for a vocabulary of %d words and hashing %d",
					   t->n_features, t->n_words, t->hashing);
	flag = MaasReadU8(r);
	if (flag > 1)
		MaasReaderFail(r, "sublinear_tf flag %d", flag);
	t->sublinear_tf = flag == 1;
	flag = MaasReadU8(r);
	if (flag > 1)
		MaasReaderFail(r, "norm flag %d", flag);
	t->l2_norm = flag == 1;
	if ((uint64) t->n_features * (k + 1) * sizeof(double) != r->len - r->pos)
		MaasReaderFail(r, "%zu bytes of text weights for %d features", r->len - r->pos,
					   t->n_features);
	t->idf = palloc(sizeof(double) * Max(t->n_features, 1));
	t->w = palloc(sizeof(double) * Max((int64) t->n_features * k, 1));
	MaasReadDoubles(r, t->idf, t->n_features, true);
	for (int f = 0; f < t->n_features; f++)
		if (t->idf[f] < 0)
			MaasReaderFail(r, "idf of text feature %d is negative", f + 1);
	MaasReadDoubles(r, t->w, (int64) t->n_features * k, true);
	t->feature = WordFeatures(col->tokenizer, t->hashing);
	return t;
}

/* The words of largest weight per class (for two classes, both ends) */
void
LogisticTextDescribe(const LogisticText *t, const MaasModel *model, int k, MaasJson *json)
{
	MaasJsonKey(json, "text");
	MaasJsonBeginObject(json);
	MaasJsonKey(json, "features");
	MaasJsonInt(json, t->n_features);
	MaasJsonKey(json, "kept");
	{
		int			kept = 0;

		for (int f = 0; f < t->n_features; f++)
			kept += t->idf[f] > 0;
		MaasJsonInt(json, kept);
	}
	MaasJsonKey(json, "hashing");
	if (t->hashing > 0)
		MaasJsonInt(json, t->hashing);
	else
		MaasJsonNull(json);
	MaasJsonKey(json, "sublinear_tf");
	MaasJsonBool(json, t->sublinear_tf);
	MaasJsonKey(json, "norm");
	if (t->l2_norm)
		MaasJsonString(json, "l2");
	else
		MaasJsonNull(json);
	MaasJsonEndObject(json);
}
