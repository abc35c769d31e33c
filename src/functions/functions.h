/*
 * functions.h
 *	  The SQL-callable entry points: what the files of this layer share.
 */
#ifndef MAAS_FUNCTIONS_H
#define MAAS_FUNCTIONS_H

#include "common/pg_prng.h"
#include "fmgr.h"
#include "utils/jsonb.h"

#include "catalog/registry.h"
#include "core/core.h"
#include "data/data.h"

/* predict.c: input forms shared by prediction and explanation */
typedef enum MaasInputForm
{
	MAAS_INPUT_ARRAY,			/* (name, float8[]) */
	MAAS_INPUT_ROW,				/* (name, record) */
	MAAS_INPUT_COLUMNS,			/* (name, text[] names, VARIADIC "any") */
	MAAS_INPUT_BYTES,			/* (bytea, float8[]) */
	MAAS_INPUT_TEXT				/* (name, text): a model of one text column */
} MaasInputForm;

extern const MaasModel *MaasModelInput(FunctionCallInfo fcinfo, MaasInputForm form,
									   MaasInput *in);
extern const MaasModel *MaasModelByName(FunctionCallInfo fcinfo, text *name);

/* explain_text.c: maas_explain of a model of one document column */
extern Jsonb *MaasExplainText(const MaasModel *model, const MaasInput *in);

/* recommend.c: pairs models (recommenders) */
extern MaasDataset *MaasPairsTrainingData(const char *source, const char *target,
										  const MaasAlgorithm *algorithm,
										  const MaasParams *params,
										  const MaasTrainOptions *options,
										  MaasProgress *progress);
extern MaasDataset *MaasPairsEvaluationData(const char *source, const MaasModel *model,
											MaasProgress *progress);
extern void MaasScorePairs(const MaasModel *model, const MaasMatrix *m, bool held_out,
						   MaasJson *json, double *primary);

/*
 * aggstats.c: the groups of a maas_fit state of mergeable statistics,
 * each its key (the class value) and then the algorithm's doubles, row
 * doubles in all, sorted by key
 */
extern double *MaasStatsFind(double *groups, int64 n_groups, double key, int64 row,
							 int64 *pos);
extern double *MaasStatsInsert(double *groups, int64 n_groups, int64 pos, double key,
							   int64 row);
extern void MaasFitFromStats(MaasModel *model, const double *groups, int n_groups,
							 int64 row, MaasTask task, const void *options);

/* drift.c: the training profile a model keeps */
extern bool MaasKeepsProfile(const MaasParams *params);
extern void MaasAttachProfile(MaasModel *model, const MaasDataset *ds);

/* train.c */
extern MaasModel *MaasNewModel(const MaasAlgorithm *algorithm, const MaasDataset *ds);
extern void MaasCheckWeighable(const MaasAlgorithm *algorithm,
							   const MaasTrainOptions *options);
extern const double *MaasDatasetWeights(const MaasDataset *ds, const MaasClassWeight *cw);

/* search.c: what maas_tune tries */
typedef struct MaasCandidate
{
	const MaasAlgorithm *algorithm;
	Jsonb	   *setting;		/* the searched options, on top of params */
} MaasCandidate;

typedef struct MaasSearch
{
	int			n_candidates;
	int			cap;
	MaasCandidate *candidates;
	MaasFoldSpec folds;
	char	   *scoring;		/* NULL: r2 or accuracy */
	bool		halving;		/* successive halving */
	int			factor;
	int			min_rows;		/* 0: chosen from the folds and classes */
	pg_prng_state rng;
} MaasSearch;

extern MaasSearch *MaasParseSearch(Jsonb *jb, const MaasAlgorithm *algorithm);
extern int	MaasSearchMetric(const char *name, const MaasTask *task);
extern bool MaasMetricHigherBetter(int metric);
extern const char *MaasMetricName(int metric);
/* version.c: a version of a named model (maas_to_sql, maas_export) */
extern const MaasModel *MaasModelOfVersion(const char *name, int32 version);

/* args.c */
extern char *MaasRequiredText(FunctionCallInfo fcinfo, int arg, const char *what);
extern void MaasCheckWritable(const char *what);

/* to_sql.c: the SQL of each encoded feature over a row's columns */
extern char **MaasFeatureSql(const MaasPreprocess *prep, bool strict);
/* onnxload.c: the optional module maas_onnx, loaded into this backend */
struct MaasOnnxApi;
extern const struct MaasOnnxApi *MaasOnnxLoad(void);

#endif							/* MAAS_FUNCTIONS_H */
