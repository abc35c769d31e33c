/*
 * registry.h
 *	  The catalog layer's one header: the model registry (maas.models,
 *	  deployments, the backend's model cache), access control and usage
 *	  accounting.
 */
#ifndef MAAS_REGISTRY_H
#define MAAS_REGISTRY_H

#include "datatype/timestamp.h"
#include "storage/lwlock.h"
#include "utils/jsonb.h"

#include "core/core.h"
#include "core/watch.h"

/* access.c */
typedef enum MaasPrivilege
{
	MAAS_PRIV_PREDICT = 1,		/* nested: each includes the ones before */
	MAAS_PRIV_DEPLOY = 2,
	MAAS_PRIV_TRAIN = 3,
	MAAS_PRIV_OWNER = 4
} MaasPrivilege;

typedef struct MaasElevation
{
	Oid			user;
	int			sec_context;
} MaasElevation;

extern void MaasElevate(MaasElevation *e);
extern void MaasRestore(MaasElevation *e);
extern bool MaasActsAs(Oid caller, const char *role);
extern const char *MaasPrivilegeName(MaasPrivilege privilege);
extern MaasPrivilege MaasParsePrivilege(const char *name);

/* registry.c */
typedef struct MaasModelRef
{
	const MaasModel *model;		/* owned by the backend's model cache */
	int64		length;			/* bytes of the model */
	int64		id;
	int32		version;
	int			slot;
	uint64		generation;
} MaasModelRef;

extern void MaasCheckName(const char *name);
extern int32 MaasRegistryInsert(const char *name, const char *algorithm,
								MaasTask task, Jsonb *params, Jsonb *features,
								const char *target, Jsonb *metrics, bytea *model,
								int64 rows_trained, double train_ms, int64 memory_bytes);
extern bool MaasRegistryDeployIfBetter(const char *name, int32 version,
									   const char *strategy, const char *metric,
									   double primary, MaasTask task);
extern void MaasRegistryDeploy(const char *name, int32 version, const char *reason);
extern int32 MaasRegistryRollback(const char *name);
extern void MaasRegistryGrant(const char *name, const char *role, MaasPrivilege privilege);
extern bool MaasRegistryRevoke(const char *name, const char *role, MaasPrivilege privilege);
extern int	MaasRegistryDrop(const char *name, int32 version);
extern int	MaasRegistryReassign(const char *from, const char *to);
/* The running experiment of a name, as the predict path reads it */
typedef struct MaasExperiment
{
	int64		id;				/* 0: none running */
	int32		candidate;
	double		traffic;		/* share of rows routed to the candidate */
	bool		shadow;			/* score the candidate, return the live answer */
	char		key[NAMEDATALEN];	/* "": routed per row */
	MaasModelRef ref;			/* the candidate version */
} MaasExperiment;

extern void MaasLookupDeployed(const char *name, MaasPrivilege needed, MaasModelRef *ref);
extern void MaasLookupRouted(const char *name, MaasPrivilege needed, MaasModelRef *ref,
							 MaasExperiment *experiment);
extern bool MaasModelRefValid(const MaasModelRef *ref);
extern char *MaasRegistryRequireOwner(const char *name);
extern char *MaasRegistryLock(const char *name, MaasPrivilege needed);
extern char *MaasRegistryVersionTask(const char *name, int32 version);
extern int32 MaasRegistryLive(const char *name, char **task);

/* experiment.c: canary and shadow deployments */
typedef struct MaasExperimentCounts
{
	int64		rows_live;
	int64		rows_candidate;
	int64		classes_compared;	/* shadow rows of classifiers, clusterings */
	int64		agreements;		/* same class (or cluster) from both */
	int64		values_compared;	/* shadow rows of the other tasks */
	double		abs_difference; /* sum of |live - candidate| values */
} MaasExperimentCounts;

extern void MaasExperimentInit(void);
extern bool MaasExperimentsExist(void);
extern void MaasExperimentCount(int64 id, const MaasExperimentCounts *delta);
extern int64 MaasExperimentStart(const char *name, int32 version, Jsonb *options);
extern int32 MaasExperimentEnd(Oid caller, const char *name, const char *outcome, int32 deployed);
extern int32 MaasExperimentPromote(const char *name);

/* trials.c: maas.trials, the settings maas_tune tried */
typedef struct MaasTrialRow
{
	int			trial;			/* 1-based, in the order tried */
	const char *algorithm;
	Jsonb	   *setting;		/* the searched options */
	int			n_scores;		/* folds */
	const double *scores;		/* per fold; NaN when a fold could not be scored */
	double		mean;
	double		std;			/* population standard deviation, as scikit-learn */
	double		fit_ms;
	int			round;			/* successive halving's round, 1 without */
	int64		rows;			/* rows the folds were cut from */
	bool		best;
} MaasTrialRow;

extern void MaasTrialsInsert(const char *name, int32 version, const char *scoring,
							 const MaasTrialRow *rows, int n);

/* usage.c: counters in shared memory */
typedef struct MaasUsageCounts
{
	int64		predictions;
	int64		rows_evaluated;	/* maas_evaluate */
	int64		training_runs;
	double		training_ms;
	int64		bytes_read;		/* model bytes read into the model cache */
} MaasUsageCounts;

typedef struct MaasUsageKey
{
	Oid			dbid;
	Oid			roleid;
	int32		version;
	char		name[NAMEDATALEN];
} MaasUsageKey;

typedef struct MaasUsageRow
{
	MaasUsageKey key;
	MaasUsageCounts counts;
} MaasUsageRow;

extern void MaasUsageInit(void);
extern bool MaasUsageEnabled(void);
extern int	MaasUsageMaxEntries(void);
extern void MaasUsageAdd(Oid roleid, const char *name, int32 version,
						 const MaasUsageCounts *delta);
extern void MaasUsageAddPredictions(Oid roleid, const char *name, int32 version, int64 n);
extern MaasUsageRow *MaasUsageTake(Oid dbid, int *n, bool *restored,
								   TimestampTz *started);
extern void MaasUsageGiveBack(const MaasUsageRow *rows, int n);
extern int	MaasUsagePendingDatabases(Oid *dbids, int max);
extern void MaasUsageSetNoLog(Oid dbid);
extern Oid	MaasUsageNoLog(void);

/* quota.c: quotas and rate limits */
extern void MaasQuotaInit(void);
extern void MaasQuotaCount(Oid roleid, const char *name, int64 predictions, int64 trainings);
extern void MaasQuotaCheck(const char *name, Oid roleid, bool training);

/* watch.c: the training runs maas.progress shows */
extern void MaasWatchInit(void);
extern bool MaasWatchEnabled(void);
extern void MaasWatchPublish(MaasProgress *p, const char *name, const char *algorithm);
extern void MaasWatchEnd(MaasProgress *p);
extern int	MaasWatchSnapshot(MaasProgressRow **rows);

/* meter.c: the worker that writes the counters to maas.usage_log */
extern int	maas_usage_flush_interval_ms;
extern void MaasMeterInit(bool preloading);

#endif							/* MAAS_REGISTRY_H */
