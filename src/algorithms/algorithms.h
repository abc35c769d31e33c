/*
 * algorithms.h
 *	  The algorithms layer: every model family, each behind the MaasAlgorithm
 *	  interface of core/core.h.  An algorithm includes only core headers (and
 *	  its own folder's): it never runs SQL, never reads the catalog and never
 *	  knows about fmgr.  See src/algorithms/README.md.
 */
#ifndef MAAS_ALGORITHMS_H
#define MAAS_ALGORITHMS_H

#include "core/core.h"

/* every algorithm, for MaasRegisterAlgorithms */
extern const MaasAlgorithm *const maas_algorithm_list[];
extern const int maas_algorithm_count;

extern const MaasAlgorithm maas_linear_regression;	/* linear.c */
extern const MaasAlgorithm maas_logistic_regression;	/* logistic.c */
extern const MaasAlgorithm maas_decision_tree;	/* trees/cart.c */
extern const MaasAlgorithm maas_random_forest;	/* trees/forest.c */
extern const MaasAlgorithm maas_gradient_boosting;	/* trees/boost.c */
extern const MaasAlgorithm maas_mlp;	/* nn/mlp.c */
extern const MaasAlgorithm maas_kmeans;	/* cluster/kmeans.c */
extern const MaasAlgorithm maas_pca;	/* decomposition/pca.c */
extern const MaasAlgorithm maas_als;	/* recommend/als_model.c */
extern const MaasAlgorithm maas_naive_bayes;	/* naive_bayes.c */
extern const MaasAlgorithm maas_elastic_net;	/* enet.c */
extern const MaasAlgorithm maas_lasso;	/* enet.c */
extern const MaasAlgorithm maas_linear_svm;	/* svm/linear_svm.c */
extern const MaasAlgorithm maas_linear_svr;	/* svm/linear_svm.c */
extern const MaasAlgorithm maas_svm;	/* svm/kernel.c */
extern const MaasAlgorithm maas_text_classifier;	/* text/text_classifier.c */
extern const MaasAlgorithm maas_lstm;	/* nn/sequence.c */
extern const MaasAlgorithm maas_gru;	/* nn/sequence.c */
extern const MaasAlgorithm maas_onnx;	/* onnx.c */
extern const MaasAlgorithm maas_cnn;	/* nn/cnn.c */
extern const MaasAlgorithm maas_transformer;	/* nn/transformer.c */

#endif							/* MAAS_ALGORITHMS_H */
