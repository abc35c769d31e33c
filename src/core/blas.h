/*
 * blas.h
 *	  BLAS and LAPACK through function pointers.
 *
 * OpenBLAS starts worker threads when it is loaded.  A thread that does not
 * block signals can run PostgreSQL's signal handlers beside the backend,
 * which they are not written for, so maas does not link OpenBLAS: linalg.c
 * loads it with every signal blocked, and the threads inherit that mask.
 * Include this header instead of <cblas.h> and <lapacke.h>; the calls read
 * as usual.
 */
#ifndef MAAS_BLAS_H
#define MAAS_BLAS_H

#include <cblas.h>
#include <lapacke.h>

typedef struct MaasBlas
{
	__typeof__(cblas_dgemv) *dgemv;
	__typeof__(cblas_dgemm) *dgemm;
	__typeof__(cblas_sgemm) *sgemm;
	__typeof__(cblas_dsyrk) *dsyrk;
	__typeof__(cblas_dsyr) *dsyr;
	__typeof__(LAPACKE_dpotrf) *dpotrf;
	__typeof__(LAPACKE_dpotrs) *dpotrs;
	__typeof__(LAPACKE_dpocon) *dpocon;
	__typeof__(LAPACKE_dsyevd) *dsyevd;
	__typeof__(openblas_set_num_threads) *set_num_threads;
} MaasBlas;

extern MaasBlas maas_blas;


#define cblas_dgemv (*maas_blas.dgemv)
#define cblas_dgemm (*maas_blas.dgemm)
#define cblas_sgemm (*maas_blas.sgemm)
#define cblas_dsyrk (*maas_blas.dsyrk)
#define cblas_dsyr (*maas_blas.dsyr)
#define LAPACKE_dpotrf (*maas_blas.dpotrf)
#define LAPACKE_dpotrs (*maas_blas.dpotrs)
#define LAPACKE_dpocon (*maas_blas.dpocon)
#define LAPACKE_dsyevd (*maas_blas.dsyevd)

#endif							/* MAAS_BLAS_H */
