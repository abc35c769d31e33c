/*
 * load.h
 *	  The state of one read of a source (dataset.c), shared with what
 *	  follows the scan (prepare.c): the data layer's own, not for others.
 */
#ifndef MAAS_DATA_LOAD_H
#define MAAS_DATA_LOAD_H

#include "common/pg_prng.h"
#include "tcop/dest.h"

#include "data/data.h"

#define INITIAL_ROWS	1024

/* ---- source columns ---- */

typedef struct SourceColumn
{
	char	   *name;
	int			attno;			/* 0-based in the result */
	Oid			typid;			/* base type */
	MaasColumnKind kind;
	int			raw_offset;		/* first raw matrix column */
	int			width;			/* raw width: 1, or the array length */
	MaasLabels	labels;			/* categorical */
	int		   *remap;			/* code -> category index, -1 unseen */
	int			n_categories;
	int			mode;			/* most frequent category */
	double	   *impute;			/* per encoded feature */
	MaasTokenizer *tokenizer;	/* text: settings, then the vocabulary */
} SourceColumn;

typedef enum LoadMode
{
	LOAD_FIT,					/* discover encoding from the rows */
	LOAD_APPLY					/* encode with a model's spec */
} LoadMode;

typedef struct LoadState
{
	DestReceiver pub;
	LoadMode	mode;
	MemoryContext cxt;			/* matrices and labels */
	MemoryContext row_cxt;		/* reset per row */
	MaasDataset *ds;

	int			n_columns;
	SourceColumn *columns;
	int			raw_width;		/* raw feature columns */
	int			target_attno;
	Oid			target_typid;
	MaasColumnKind target_kind;
	bool		classify;
	MaasLabels	classes;

	MaasMissing missing;
	double		test_size;
	bool		time_cyclical;	/* timestamps: sine and cosine of their parts */
	pg_prng_state rng;
	double	   *row;			/* raw or encoded values of one row */
	int		   *codes;			/* category codes of one row */

	/* fast path: every feature a float8, float4, integer or boolean */
	bool		plain;
	int		   *plain_attno;
	Oid		   *plain_typid;

	/* apply mode */
	const MaasModel *model;
	MaasBinding *binding;
	Datum	   *values;
	bool	   *nulls;

	MaasProgress *progress;
	Size		bytes;

	/* text: the token codes (training) or ids (apply) of the current row */
	int32	   *row_tokens;
	int			n_row_tokens;
	/* a split after the scan (split.c): each stored row's key */
	int			split_kind;		/* MaasSplitKind */
	bool		deferred;		/* rows split after the scan */
	bool		keep_keys;		/* keys of the split column kept per row */
	int			split_attno;	/* -1: none */
	Oid			split_typid;
	Oid			split_collation;
	int16		split_typlen;
	bool		split_byval;
	FmgrInfo   *split_cmp;
	Datum	   *keys;
	bool	   *key_null;
	int64		n_keys;
	int64		keys_cap;

	/* sample_weight (split.c): the weight of each stored train row */
	int			weight_attno;	/* -1: none */
	Oid			weight_typid;
	double	   *weights;
	int64		n_weights;
	int64		weights_cap;
} LoadState;

/* prepare.c */
extern void MaasLoadMatrixResize(LoadState *st, MaasMatrix *m, int64 rows);
extern void MaasLoadMatrixInit(MaasMatrix *m, int n_cols);
extern void MaasLoadFinishClasses(LoadState *st);
extern void MaasLoadFinishColumns(LoadState *st, int max_categories);
extern void MaasLoadBuildPreprocess(LoadState *st);
extern void MaasLoadEncode(LoadState *st, MaasMatrix *m);
extern void MaasLoadEncodeFloatRows(LoadState *st);

/* profile.c */
extern void MaasLoadProfile(LoadState *st);

/* textload.c: document columns while reading */
extern bool MaasLoadIsDocument(LoadState *st, const char *query, const char *column,
							   const MaasTrainOptions *options, bool tokens_input);
extern void MaasLoadTextColumn(LoadState *st, SourceColumn *col,
							   const MaasTrainOptions *options);
extern void MaasLoadTextValue(LoadState *st, SourceColumn *col, Datum d);
extern void MaasLoadTextStore(LoadState *st, bool test);
extern void MaasLoadTextSplit(LoadState *st, const bool *is_test);
extern void MaasLoadFinishText(LoadState *st, SourceColumn *col);
extern void MaasLoadCheckTextColumns(LoadState *st, const MaasAlgorithm *algorithm,
									 const MaasTrainOptions *options, const char *query);
extern void MaasLoadTextApplyRow(LoadState *st);
/* split.c */
extern void MaasSplitColumn(LoadState *st, TupleDesc desc, const char *column,
							const char *role);
extern void MaasSplitSetup(LoadState *st, TupleDesc desc, const MaasSplit *split);
extern int	MaasLoadFolds(LoadState *st, const MaasFoldSpec *spec, int *fold);
extern void MaasWeightColumn(LoadState *st, TupleDesc desc, const MaasNames *column);
extern void MaasKeepWeight(LoadState *st, TupleTableSlot *slot, bool keep);
extern void MaasSplitKeep(LoadState *st, TupleTableSlot *slot);
extern void MaasSplitRows(LoadState *st, bool single);

#endif							/* MAAS_DATA_LOAD_H */
