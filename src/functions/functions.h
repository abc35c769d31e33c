/*
 * functions.h
 *	  The SQL-callable entry points: what the files of this layer share.
 */
#ifndef MAAS_FUNCTIONS_H
#define MAAS_FUNCTIONS_H

#include "fmgr.h"

#include "catalog/registry.h"
#include "core/core.h"
#include "data/data.h"

/* predict.c: input forms shared by prediction and explanation */
typedef enum MaasInputForm
{
	MAAS_INPUT_ARRAY,			/* (name, float8[]) */
	MAAS_INPUT_ROW,				/* (name, record) */
	MAAS_INPUT_COLUMNS,			/* (name, text[] names, VARIADIC "any") */
	MAAS_INPUT_BYTES			/* (bytea, float8[]) */
} MaasInputForm;

extern const MaasModel *MaasModelInput(FunctionCallInfo fcinfo, MaasInputForm form,
									   MaasInput *in);

/* args.c */
extern char *MaasRequiredText(FunctionCallInfo fcinfo, int arg, const char *what);
extern void MaasCheckWritable(const char *what);

#endif							/* MAAS_FUNCTIONS_H */
