/*
 * algorithms.c
 *	  The list of algorithms.  Adding one is a new file or folder in
 *	  src/algorithms, its object declared in algorithms.h, and one line here.
 *	  _PG_init registers the list with core (MaasRegisterAlgorithms).
 */
#include "postgres.h"

#include "algorithms/algorithms.h"

const MaasAlgorithm *const maas_algorithm_list[] = {
	&maas_linear_regression,
	&maas_logistic_regression,
	&maas_decision_tree,
	&maas_random_forest,
	&maas_gradient_boosting,
	&maas_mlp,
	&maas_kmeans,
	&maas_pca,
	&maas_als,
	&maas_naive_bayes,
	&maas_elastic_net,
	&maas_lasso,
	&maas_linear_svm,
	&maas_linear_svr,
	&maas_svm,
	&maas_text_classifier,
	&maas_lstm,
	&maas_gru,
	&maas_onnx,
	&maas_cnn,
	&maas_transformer,
};

const int	maas_algorithm_count = lengthof(maas_algorithm_list);
