/*
 * labels.c
 *	  Distinct values of a text column or of a class target, numbered in
 *	  order of arrival and counted in the training rows.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "data/data.h"

typedef struct LabelKey
{
	const char *data;
	int			len;
} LabelKey;

typedef struct LabelEntry
{
	LabelKey	key;
	int			code;
} LabelEntry;


static uint32
LabelHash(const void *key, Size keysize)
{
	const LabelKey *k = key;

	return hash_bytes((const unsigned char *) k->data, k->len);
}

static int
LabelMatch(const void *a, const void *b, Size keysize)
{
	const LabelKey *x = a;
	const LabelKey *y = b;

	if (x->len != y->len)
		return 1;
	return memcmp(x->data, y->data, x->len);
}

void
MaasLabelsInit(MaasLabels *m, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(LabelKey);
	ctl.entrysize = sizeof(LabelEntry);
	ctl.hash = LabelHash;
	ctl.match = LabelMatch;
	ctl.hcxt = cxt;
	m->htab = hash_create("maas labels", 64, &ctl,
						  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	m->n = 0;
	m->cap = 16;
	m->cxt = cxt;
	m->data = MemoryContextAlloc(cxt, sizeof(char *) * m->cap);
	m->len = MemoryContextAlloc(cxt, sizeof(int) * m->cap);
	m->train_count = MemoryContextAllocZero(cxt, sizeof(int64) * m->cap);
}

/* The code of a label, assigning the next one to a label not seen yet */
int
MaasLabelsCode(MaasLabels *m, const char *data, int len, int limit, const char *what)
{
	LabelKey	key = {data, len};
	LabelEntry *e;
	bool		found;

	e = hash_search(m->htab, &key, HASH_ENTER, &found);
	if (!found)
	{
		char	   *copy;

		if (m->n >= limit)
		{
			hash_search(m->htab, &key, HASH_REMOVE, NULL);
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s has more than %d distinct values", what, limit)));
		}
		if (m->n == m->cap)
		{
			m->cap *= 2;
			m->data = repalloc(m->data, sizeof(char *) * m->cap);
			m->len = repalloc(m->len, sizeof(int) * m->cap);
			m->train_count = repalloc(m->train_count, sizeof(int64) * m->cap);
		}
		copy = MemoryContextAlloc(m->cxt, len + 1);
		memcpy(copy, data, len);
		copy[len] = '\0';
		e->key.data = copy;
		e->key.len = len;
		e->code = m->n;
		m->data[m->n] = copy;
		m->len[m->n] = len;
		m->train_count[m->n] = 0;
		m->n++;
	}
	return e->code;
}

int
MaasCompareLabelText(const void *a, const void *b, void *arg)
{
	const MaasLabels *m = arg;

	return strcmp(m->data[*(const int *) a], m->data[*(const int *) b]);
}

/* Order of kept labels by frequency, ties by text */
int
MaasCompareLabelFrequency(const void *a, const void *b, void *arg)
{
	const MaasLabels *m = arg;
	int64		x = m->train_count[*(const int *) a];
	int64		y = m->train_count[*(const int *) b];

	if (x != y)
		return (x < y) - (x > y);
	return MaasCompareLabelText(a, b, arg);
}

/* The first classes of a target, for hints */
char *
MaasClassList(const MaasTarget *t)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < t->n_classes && k < 20; k++)
		appendStringInfo(&buf, "%s%s", k ? ", " : "", t->labels[k]);
	if (t->n_classes > 20)
		appendStringInfoString(&buf, ", ...");
	return buf.data;
}
