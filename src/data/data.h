/*
 * data.h
 *	  The data layer: reading a source query through SPI into matrices, and
 *	  the one encoder that maps SQL values to a model's features for
 *	  training and serving alike.
 */
#ifndef MAAS_DATA_H
#define MAAS_DATA_H

#include "utils/array.h"

#include "core/core.h"

/* encode.c: values -> encoded features */
extern MaasColumnKind MaasKindOfType(Oid typid, bool *is_array, bool *is_vector);
extern double MaasDatumToDouble(Datum value, Oid typid);
extern char *MaasDatumToLabel(Datum value, Oid typid);
extern int	MaasArrayToDoubles(Datum value, Oid typid, double *out, int width,
							   const char *column);
extern int	MaasCategoryIndex(const MaasColumn *col, const char *value);
extern void MaasImpute(const MaasPreprocess *prep, double *x);
extern void MaasCheckFeatures(const MaasModel *model, ArrayType *arr, double *x);

/* A model column bound to an attribute of a row type */
typedef struct MaasBinding
{
	int			n_columns;
	int		   *attno;			/* per model column, 0-based attribute index */
	Oid		   *typid;			/* per model column, the attribute's base type */
} MaasBinding;

extern MaasBinding *MaasBind(const MaasModel *model, int natts,
							 const char *const *names, const Oid *types);
extern void MaasEncodeRow(const MaasModel *model, const MaasBinding *binding,
						  const Datum *values, const bool *isnull, double *x);

/* dataset.c: source query -> matrix */
typedef struct MaasDataset
{
	MaasMatrix	train;
	MaasMatrix	test;
	MaasPreprocess prep;
	MaasTarget	target;
	MaasTask	task;
	int64		rows_read;
	int64		rows_skipped;	/* NULL target */
	Size		memory_bytes;	/* peak of the matrices */
} MaasDataset;

extern char *MaasSourceQuery(const char *source);
extern MaasDataset *MaasLoadForTraining(const char *source, const char *target,
										const MaasAlgorithm *algorithm,
										const MaasTrainOptions *options,
										MaasProgress *progress);
extern MaasDataset *MaasLoadForModel(const char *source, const MaasModel *model,
									 MaasProgress *progress);

#endif							/* MAAS_DATA_H */
