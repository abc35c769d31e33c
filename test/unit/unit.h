/*
 * unit.h
 *	  What the unit test programs of test/unit share: TAP output, error
 *	  measures, and the reader of test/reference/nn_reference.txt.
 *
 * The programs run maas's sources outside the server on the fuzz
 * harnesses' PostgreSQL runtime (test/fuzz/pg_stubs.c); test/unit/build.sh
 * links every test program (test/unit/NAME_test.c) with unit.c.
 */
#ifndef MAAS_UNIT_H
#define MAAS_UNIT_H

#include "postgres.h"

#include "common/pg_prng.h"

#include "pg_stubs.h"

/* names of NnActivation and NnLoss values, as the reference file spells them */
extern const char *const unit_activations[];	/* 7, softmax last */
extern const char *const unit_losses[];	/* 5 */

/*
 * TAP.  UnitBegin sets up the runtime; UnitEnd prints the plan (unless
 * UNIT_TAP_OFFSET is set: test/suite/nn.sh numbers several programs' tests
 * as one run, starting each at that offset) and returns the exit status.
 */
extern void UnitBegin(void);
extern int	UnitEnd(void);
extern void Tap(bool ok, const char *fmt,...) pg_attribute_printf(2, 3);
extern void Diag(const char *fmt,...) pg_attribute_printf(1, 2);

/*
 * Largest |got - want| / max(|got|, |want|, floor * max|want|, abs_floor);
 * *where (if not NULL) the worst index
 */
extern double MaxRelErr(const double *got, const double *want, int64 n, double floor,
						double abs_floor, int64 *where);

/* Largest |got - want| / max(|want|, scale[i]) */
extern double MaxScaledErr(const double *got, const double *want, const double *scale,
						   int64 n);

extern double *ToDouble(const float *v, int64 n);
extern double Uniform(pg_prng_state *rng, double lo, double hi);
extern int	Choice(const char *const *names, int n, const char *name);

/*
 * A record of the reference file: its "net ..." or "opt ..." line, then
 * named arrays (a name may repeat: an optimizer's "g" and "w" per step)
 */
typedef struct Record
{
	char	   *head;
	char	   *name;			/* the head's second word */
	int			n_arrays;
	char	   *keys[64];
	int64		sizes[64];
	double	   *values[64];
	float	   *floats[64];		/* the same, read as float32 (exact) */
} Record;

/* The records of a file; -1 and *error if it cannot be read */
extern int	ReadReference(const char *path, Record ***records, char **error);

/* A "key=value" of the head, palloc'd; NULL if absent */
extern char *HeadValue(const Record *r, const char *key);

/*
 * The index of the nth array named key, checked to have n values (-1:
 * any); else a "not ok" line and -1
 */
extern int	Need(const Record *r, const char *key, int nth, int64 n);

/*
 * Finite differences for a layer's test: a loss of the layer's floats
 * (their current values), and the worst ratio of error to allowance over
 * count entries of v whose analytic gradient is g.  Each entry's numeric
 * derivative is Richardson-extrapolated from central differences at step
 * and 2 step; it passes within tol of max(|analytic|, |numeric|, floor *
 * top) plus noise_k times the difference from the same estimate at half
 * the step (float32 rounding).
 */
typedef double (*UnitLoss) (const void *ctx);
extern double FdWorst(UnitLoss loss, const void *ctx, float *v, int64 count, const float *g,
					  double top, double step, double tol, double floor, double noise_k);
extern double LargestAbs(const float *v, int64 n);

/*
 * Runs check on every "net" record of file, which is beside given (the
 * path test/suite/nn.sh passes, or its default), then a test that there
 * were at least min of them
 */
extern void CheckNets(const char *given, const char *file, void (*check) (const Record *r),
					  int min);

#endif							/* MAAS_UNIT_H */
