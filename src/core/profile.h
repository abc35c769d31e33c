/*
 * profile.h
 *	  A model's training profile (profile.c): per input column the shares of
 *	  its training values in a few bins, and the same of its predictions, so
 *	  that maas_drift can tell how far fresh rows moved from them (the
 *	  population stability index).  Stored in the model bytes' profile
 *	  section (format.c); models without one (imported, aggregated, trained
 *	  before 0.2.0) have model->profile NULL.
 */
#ifndef MAAS_PROFILE_H
#define MAAS_PROFILE_H

#include "core/core.h"

#define MAAS_PROFILE_BINS		10		/* quantile bins of a numeric column */
#define MAAS_PROFILE_TOP		20		/* categories kept by name; the rest: other */
#define MAAS_PROFILE_SAMPLE		100000	/* training rows profiled, evenly spread */
#define MAAS_PROFILE_MAX_EDGES	1000	/* what the reader takes */
#define MAAS_PSI_EPSILON		1e-4	/* share an empty bin counts as */
#define MAAS_PSI_THRESHOLD		0.2 /* default verdict: drifted above */

/* What an entry bins; stored */
typedef enum MaasProfileKind
{
	MAAS_PROFILE_NUMERIC = 1,	/* number, boolean, interval: quantile bins */
	MAAS_PROFILE_CATEGORY = 2,	/* text: top categories, other */
	MAAS_PROFILE_DATE = 3,		/* date, timestamp: quantile bins of the epoch */
	MAAS_PROFILE_CLASS = 4		/* predictions of a classifier or clustering */
} MaasProfileKind;

/*
 * One profiled column (or the predictions).  Bins of a numeric or date
 * entry: bin b holds the values with exactly b edges below them (so bin 0
 * is x <= edges[0], the last x > the last edge), then one share for NULL
 * (not for predictions).  A category entry: one bin per kept category (its
 * index in the column's vocabulary), one for every other value, one for
 * NULL.  A class entry: one bin per output (class, cluster).
 */
typedef struct MaasProfileEntry
{
	MaasProfileKind kind;
	int			column;			/* in prep.columns; -1: the predictions */
	int			n_edges;
	double	   *edges;			/* strictly increasing */
	int			n_labels;
	int32	   *labels;			/* category indexes */
	int			n_shares;
	double	   *shares;			/* of the profiled rows, summing to 1 */
} MaasProfileEntry;

typedef struct MaasProfile
{
	int64		rows;			/* training rows profiled */
	int			n_entries;		/* input columns, then maybe the predictions */
	MaasProfileEntry *entries;
	MaasProfileEntry *prediction;	/* one of entries, or NULL */
} MaasProfile;

/* profile.c: building, binning, comparing */
extern MaasProfile *MaasProfileNew(int max_entries, int64 rows);
extern MaasProfileEntry *MaasProfileQuantiles(MaasProfile *p, int column,
											  MaasProfileKind kind, double *values,
											  int64 n, bool with_null);
extern MaasProfileEntry *MaasProfileCategories(MaasProfile *p, int column,
											   const double *index, int64 n,
											   int n_categories);
extern MaasProfileEntry *MaasProfileClasses(MaasProfile *p, const double *cls, int64 n,
											int n_classes);
extern int	MaasProfileBin(const MaasProfileEntry *e, double v);
extern int *MaasProfileCategoryBins(const MaasProfileEntry *e, int n_categories);
extern double MaasPsi(const double *expected, const double *actual, int n);
extern MaasProfileKind MaasProfileKindOf(const MaasColumn *col);
extern double MaasProfilePredicted(const MaasModel *model, const double *out);
extern void MaasProfileWrite(StringInfo buf, const MaasProfile *p);
extern MaasProfile *MaasProfileRead(MaasReader *r, const MaasModel *model);
extern MaasProfile *MaasModelProfile(const MaasModel *model);

#endif							/* MAAS_PROFILE_H */
