/*
 * data.h
 *	  The data layer: reading a source query through SPI into matrices, and
 *	  the one encoder that maps SQL values to a model's features for
 *	  training and serving alike.
 */
#ifndef MAAS_DATA_H
#define MAAS_DATA_H

#include <math.h>

#include "access/tupdesc.h"
#include "utils/array.h"

#include "core/core.h"

/*
 * The one encoder: a column's raw values -> its encoded features, for n rows,
 * the same for training (a column of the raw matrix) and serving (one row).
 * Raw values: the number, the array's elements, or for a text column the
 * index of the value in the vocabulary (-1 unseen, encoded as zeros); NaN
 * is missing and becomes the column's stored imputation (NaN again for
 * algorithms that take missing values).  Column-major: raw value k of row i
 * is raw[k * raw_ld + i], feature k is out[k * out_ld + i].  A numeric,
 * interval or array column may encode in place (out == raw); a text or
 * timestamp one may not (its raw value is one: the category's index, or
 * the epoch its calendar parts come from).
 */
static inline void
MaasEncodeColumn(const MaasColumn *col, const double *raw, int64 raw_ld,
				 double *out, int64 out_ld, int64 n)
{
	if (col->kind == MAAS_COL_TIMESTAMP)
	{
		double		f[MAAS_TIME_CYCLICAL_WIDTH];

		Assert(raw != out);
		for (int64 i = 0; i < n; i++)
		{
			const double *v = col->impute;

			if (!isnan(raw[i]))
			{
				MaasTimeFeatures(raw[i], col->width == MAAS_TIME_CYCLICAL_WIDTH, f);
				v = f;
			}
			for (int k = 0; k < col->width; k++)
				out[k * out_ld + i] = v[k];
		}
		return;
	}
	if (col->kind == MAAS_COL_CATEGORICAL)
	{
		Assert(raw != out);
		for (int k = 0; k < col->width; k++)
			memset(out + k * out_ld, 0, sizeof(double) * n);
		for (int64 i = 0; i < n; i++)
		{
			if (isnan(raw[i]))
			{
				for (int k = 0; k < col->width; k++)
					out[k * out_ld + i] = col->impute[k];
			}
			else if (raw[i] >= 0)
				out[(int64) raw[i] * out_ld + i] = 1.0;
		}
		return;
	}
	for (int k = 0; k < col->width; k++)
	{
		const double *src = raw + k * raw_ld;
		double	   *dst = out + k * out_ld;

		for (int64 i = 0; i < n; i++)
			dst[i] = isnan(src[i]) ? col->impute[k] : src[i];
	}
}

/* encode.c: values -> raw values -> encoded features */
extern MaasColumnKind MaasKindOfType(Oid typid, bool *is_array, bool *is_vector);
extern double MaasDatumToDouble(Datum value, Oid typid);
extern double MaasDatumToEpoch(Datum value, Oid typid, const char *column);
extern char *MaasDatumToLabel(Datum value, Oid typid);
extern int	MaasArrayToDoubles(Datum value, Oid typid, double *out, int width,
							   const char *column);
extern const char *MaasDatumText(Datum value, Oid typid, int *len);
extern int	MaasCategoryIndex(const MaasColumn *col, const char *value, int len);
extern void MaasImpute(const MaasPreprocess *prep, double *x);
extern void MaasCheckFeatures(const MaasModel *model, ArrayType *arr, double *x);

/* A model column bound to an attribute of a row type */
typedef struct MaasBinding
{
	int			n_columns;
	int		   *attno;			/* per model column, 0-based attribute index */
	Oid		   *typid;			/* per model column, the attribute's base type */
	/* the ids of the row's document (the model's text column), maxlen room */
	int32	   *tokens;
	int			n_tokens;
} MaasBinding;

extern MaasBinding *MaasBind(const MaasModel *model, int natts,
							 const char *const *names, const Oid *types);
extern MaasBinding *MaasBindTupleDesc(const MaasModel *model, TupleDesc desc);
extern void MaasEncodeRow(const MaasModel *model, MaasBinding *binding,
						  const Datum *values, const bool *isnull, double *x);

/* tokenize.c: text -> tokens, for training and serving alike */
typedef void (*MaasTokenEmit) (void *arg, const char *token, int len);

extern int	MaasTokenize(const MaasTokenizer *t, const char *text, int len,
						 const char *column, MaasTokenEmit emit, void *arg);
extern int	MaasTokenizeIds(const MaasTokenizer *t, const char *text, int len,
							const char *column, int32 *ids);
extern MaasTokenizer *MaasTokenizerFromOptions(const MaasTrainOptions *options);

/* labels.c: distinct values, numbered as they arrive */
typedef struct MaasLabels
{
	struct HTAB *htab;
	int			n;
	int			cap;
	char	  **data;			/* by code, NUL-terminated copies */
	int		   *len;
	int64	   *train_count;
	MemoryContext cxt;
} MaasLabels;

extern void MaasLabelsInit(MaasLabels *m, MemoryContext cxt);
extern int	MaasLabelsCode(MaasLabels *m, const char *data, int len, int limit,
						   const char *what);
extern int	MaasCompareLabelText(const void *a, const void *b, void *arg);
extern int	MaasCompareLabelFrequency(const void *a, const void *b, void *arg);
extern char *MaasClassList(const MaasTarget *t);

/* source.c: the source query and its columns */
extern char *MaasSourceQuery(const char *source);
extern struct _SPI_plan *MaasPrepareSource(const char *query, TupleDesc *desc);
extern double MaasEstimatedRows(struct _SPI_plan *plan);
extern int	MaasFindAttribute(TupleDesc desc, const char *name);
extern char *MaasColumnList(TupleDesc desc);
extern int	MaasRequireAttribute(TupleDesc desc, const char *name, const char *role);
extern int	MaasArrayWidth(const char *query, const char *column, Oid typid);

/* floatrows.c: training rows in single precision (MAAS_INPUT_FLOAT_ROWS) */
extern void MaasFloatRowsInit(MaasFloatRows *f, int n_cols);
extern Size MaasFloatRowsReserve(MaasFloatRows *f, int64 rows);
extern Size MaasFloatRowsBytes(const MaasFloatRows *f);
extern void MaasFloatRowsAppend(MaasFloatRows *f, const double *row, int width, double y);
extern double MaasFloatRowsValue(const MaasFloatRows *f, int64 i, int j);
extern void MaasFloatRowsSet(MaasFloatRows *f, int64 i, int j, double v);
extern Size MaasFloatRowsEncode(MaasFloatRows *rows, const MaasPreprocess *prep,
								const int *raw_offset, int *const *remap, Size others);
extern void MaasFloatRowsShrink(MaasFloatRows *f);
extern void MaasFloatRowsFromMatrix(const MaasMatrix *m, MaasFloatRows *f);

/* dataset.c: source query -> matrix */
typedef struct MaasDataset
{
	MaasMatrix	train;
	MaasMatrix	test;
	bool		single;			/* training rows in train_rows, not train */
	MaasFloatRows train_rows;
	MaasPreprocess prep;
	MaasTarget	target;
	MaasTask	task;
	int64		rows_read;
	int64		rows_skipped;	/* NULL target */
	Size		memory_bytes;	/* peak of the matrices */
	MaasPairs  *pairs;			/* pairs input: the keys */
	MaasTokenRows train_tokens; /* tokens input: the document of each row */
	MaasTokenRows test_tokens;
	double	   *weights;		/* sample_weight of each train row; NULL: none */
	struct MaasProfile *profile;	/* of the train rows' inputs (profile.c) */
} MaasDataset;

extern MaasDataset *MaasLoadForTraining(const char *source, const char *target,
										const MaasAlgorithm *algorithm,
										const MaasTrainOptions *options,
										MaasProgress *progress);
extern int64 MaasDatasetTrainRows(const MaasDataset *ds);

/* Cross-validation folds over the loaded rows (maas_tune) */
#define MAAS_MAX_FOLDS	100

typedef enum MaasFoldKind
{
	MAAS_FOLDS_PLAIN,			/* k contiguous blocks in arrival order (KFold) */
	MAAS_FOLDS_STRATIFIED,		/* StratifiedKFold without shuffling */
	MAAS_FOLDS_GROUP,			/* GroupKFold by a column */
	MAAS_FOLDS_TIME,			/* forward chaining by a column (TimeSeriesSplit) */
	MAAS_FOLDS_COLUMN			/* one fold per value of a column (PredefinedSplit) */
} MaasFoldKind;

typedef struct MaasFoldSpec
{
	MaasFoldKind kind;
	int			k;				/* folds (not for MAAS_FOLDS_COLUMN) */
	const char *column;			/* group, order or fold column */
	bool		stratify;		/* plain folds of a classification: stratified */
} MaasFoldSpec;

extern int	MaasLoadForFolds(const char *source, const char *target,
							 const MaasAlgorithm *algorithm,
							 const MaasTrainOptions *options, const MaasFoldSpec *folds,
							 MaasProgress *progress, MaasDataset **ds, int **fold);
extern MaasTokenizer *MaasFoldTokens(const MaasTokenRows *all, const bool *train,
									 const bool *test, const char *column,
									 MaasTokenRows *train_out, MaasTokenRows *test_out);
extern MaasDataset *MaasLoadForModel(const char *source, const MaasModel *model,
									 MaasProgress *progress);

/*
 * pairs.c: (user, item, rating) rows of recommenders; the matrices have the
 * columns user index, item index, rating
 */
extern void MaasDatumToKey(Datum value, Oid typid, MaasKeyType want, MaasKey *key,
						   const char *what);
extern MaasDataset *MaasLoadPairs(const char *source, const char *user, const char *item,
								  const char *target, double test_size, int seed,
								  MaasProgress *progress);
extern MaasDataset *MaasLoadPairsForModel(const char *source, const MaasModel *model,
										  const MaasPairs *pairs, MaasProgress *progress);

/* profile.c: the training rows' profile, a source binned with one */
extern struct MaasProfile *MaasLoadDrift(const char *source, const MaasModel *model,
										 const struct MaasProfile *profile,
										 MaasProgress *progress);

#endif							/* MAAS_DATA_H */
