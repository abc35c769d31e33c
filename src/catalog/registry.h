/*
 * registry.h
 *	  The catalog layer's one header: the model registry (maas.models,
 *	  deployments, the backend's model cache), access control and usage
 *	  accounting.
 */
#ifndef MAAS_REGISTRY_H
#define MAAS_REGISTRY_H

#include "core/core.h"

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
									   const char *strategy, double primary,
									   MaasTask task);
extern void MaasRegistryDeploy(const char *name, int32 version, const char *reason);
extern int32 MaasRegistryRollback(const char *name);
extern void MaasRegistryGrant(const char *name, const char *role, MaasPrivilege privilege);
extern bool MaasRegistryRevoke(const char *name, const char *role, MaasPrivilege privilege);
extern int	MaasRegistryDrop(const char *name, int32 version);
extern int	MaasRegistryReassign(const char *from, const char *to);
extern void MaasLookupDeployed(const char *name, MaasPrivilege needed, MaasModelRef *ref);
extern bool MaasModelRefValid(const MaasModelRef *ref);

/* usage.c */
extern void MaasUsageInit(void);
extern bool MaasUsageEnabled(void);
extern void MaasUsageAdd(Oid roleid, const char *name, int64 predictions,
						 int64 training_runs, double training_ms);

#endif							/* MAAS_REGISTRY_H */
