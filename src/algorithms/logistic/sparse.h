/*
 * sparse.h
 *	  logistic_regression over a document column: TF-IDF (or hashed) bag of
 *	  words in CSR rows beside the dense features (sparse.c).
 */
#ifndef LOGISTIC_SPARSE_H
#define LOGISTIC_SPARSE_H

#include "core/core.h"

#define LOGISTIC_MAX_BUCKETS	(1 << 20)	/* "hashing": scikit-learn's default */

/* The text part of a fitted model */
typedef struct LogisticText
{
	int			n_words;		/* the tokenizer's vocabulary */
	int			n_features;		/* text features: n_words, or hashing buckets */
	int			hashing;		/* 0: one feature per word */
	bool		sublinear_tf;	/* tf is 1 + ln(count) */
	bool		l2_norm;		/* each document's vector has unit length */
	double	   *idf;			/* n_features; 0: left out (min_df) */
	double	   *w;				/* n_features x k, feature-major */
	int32	   *feature;		/* derived: each word's feature */
} LogisticText;

/* What the sparse fit is asked for */
typedef struct LogisticSparseSpec
{
	int			k;				/* weight vectors */
	double		l2;				/* weight of ||W||^2 / 2 */
	double		l1;				/* weight of ||W||_1 */
	bool		intercept;
	int			max_iter;
	double		tol;
	const double *mean;			/* dense features' standardization */
	const double *scale;
	int			hashing;
	int			min_df;
	bool		sublinear_tf;
	bool		l2_norm;
} LogisticSparseSpec;

extern LogisticText *LogisticSparseFit(const MaasTrainData *data,
									   const LogisticSparseSpec *spec,
									   double *w, double *b,
									   MaasLbfgsResult *res,
									   MaasProgress *progress);
extern void LogisticTextScores(const LogisticText *t, const MaasInput *in, int k,
							   double *z, int c, double *contrib);
extern void LogisticTextWrite(StringInfo buf, const LogisticText *t, int k);
extern LogisticText *LogisticTextRead(MaasReader *r, const MaasModel *model, int k);
extern void LogisticTextDescribe(const LogisticText *t, const MaasModel *model, int k,
								 MaasJson *json);

#endif							/* LOGISTIC_SPARSE_H */
