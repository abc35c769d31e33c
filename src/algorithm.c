/*
 * algorithm.c
 *	  The list of algorithms.  Adding one is a new file and one line here.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "maas.h"

extern const MaasAlgorithm maas_linear_regression;
extern const MaasAlgorithm maas_logistic_regression;
extern const MaasAlgorithm maas_decision_tree;
extern const MaasAlgorithm maas_random_forest;
extern const MaasAlgorithm maas_gradient_boosting;

static const MaasAlgorithm *const algorithms[] = {
	&maas_linear_regression,
	&maas_logistic_regression,
	&maas_decision_tree,
	&maas_random_forest,
	&maas_gradient_boosting,
};

const MaasAlgorithm *
MaasFindAlgorithm(const char *name)
{
	for (int i = 0; i < lengthof(algorithms); i++)
		if (strcmp(algorithms[i]->name, name) == 0)
			return algorithms[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown algorithm \"%s\"", name),
			 errhint("Valid algorithms are: %s.", MaasAlgorithmNames())));
	return NULL;				/* keep compiler quiet */
}

/* NULL when unknown: callers reading model bytes report their own error */
const MaasAlgorithm *
MaasFindAlgorithmById(uint16 id)
{
	for (int i = 0; i < lengthof(algorithms); i++)
		if (algorithms[i]->id == id)
			return algorithms[i];
	return NULL;
}

char *
MaasAlgorithmNames(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(algorithms); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", algorithms[i]->name);
	return buf.data;
}

const char *
MaasTaskName(MaasTask task)
{
	switch (task)
	{
		case MAAS_TASK_REGRESSION:
			return "regression";
		case MAAS_TASK_BINARY:
			return "binary";
		case MAAS_TASK_MULTICLASS:
			return "multiclass";
	}
	return "unknown";
}
