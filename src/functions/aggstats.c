/*
 * aggstats.c
 *	  maas_fit's states of mergeable statistics (MaasStats): finding and
 *	  inserting a class's group, and fitting a model from the groups.
 *
 * A state holds one group per class (one group, key 0, for other tasks):
 * the class's target value, then the algorithm's statistics, which only the
 * algorithm adds to and merges.  Groups stay sorted by key, so the classes
 * come out in order and two states merge group by group.
 */
#include "postgres.h"

#include <math.h>

#include "functions/functions.h"

/*
 * The statistics of the group whose key is key, or NULL with *pos where it
 * belongs
 */
double *
MaasStatsFind(double *groups, int64 n_groups, double key, int64 row, int64 *pos)
{
	int64		lo = 0;
	int64		hi = n_groups;

	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (groups[mid * row] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	if (lo < n_groups && groups[lo * row] == key)
		return groups + lo * row + 1;
	return NULL;
}

/*
 * A new group of zeros at pos (room for one more group is there); returns
 * its statistics
 */
double *
MaasStatsInsert(double *groups, int64 n_groups, int64 pos, double key, int64 row)
{
	double	   *g = groups + pos * row;

	if (n_groups >= MAAS_MAX_CLASSES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("target has more than %d distinct classes", MAAS_MAX_CLASSES)));
	memmove(g + row, g, sizeof(double) * row * (n_groups - pos));
	memset(g, 0, sizeof(double) * row);
	g[0] = key;
	return g + 1;
}

/*
 * The model of the groups: classes are the keys, which must be finite and
 * ascending; NULL elements become the features' means (stats_mean); the
 * algorithm checks its statistics.
 */
void
MaasFitFromStats(MaasModel *model, const double *groups, int n_groups, int64 row,
				 MaasTask task, const void *options)
{
	const MaasAlgorithm *algorithm = model->algorithm;
	int			k = n_groups;
	double	   *keys = palloc(sizeof(double) * k);
	double	   *stats_groups = palloc(sizeof(double) * k * (row - 1));
	MaasStats	stats;

	for (int g = 0; g < k; g++)
	{
		const double *group = groups + (int64) g * row;

		keys[g] = group[0];
		if (!isfinite(keys[g]) || (g > 0 && keys[g] <= keys[g - 1]))
			MaasStatsFail("The state's class values are not finite and ascending.");
		for (int64 i = 1; i < row; i++)
			if (!isfinite(group[i]))
				MaasStatsFail("The state holds a number that is not finite.");
		memcpy(stats_groups + (int64) g * (row - 1), group + 1, sizeof(double) * (row - 1));
	}
	model->task = task;
	if (MaasTaskIsClassification(task))
	{
		int		   *rank = palloc(sizeof(int) * k);

		MaasTargetClasses(&model->target, k, NULL, keys, rank);
		model->task = k == 2 ? MAAS_TASK_BINARY : MAAS_TASK_MULTICLASS;
		model->n_outputs = k;
	}
	else
	{
		if (k != 1 || keys[0] != 0)
			MaasStatsFail("A state without classes has more than one group.");
		model->n_outputs = 1;
	}
	stats.p = model->n_features;
	stats.width = (int) row - 1;
	stats.n_groups = k;
	stats.keys = keys;
	stats.groups = stats_groups;
	algorithm->stats_mean(&stats, model->prep.columns[0].impute);
	model->state = algorithm->fit_stats(&stats, model->task, options, &model->prep);
}
