/*
 * hfvocab.c
 *	  The lookup tables of a Hugging Face tokenizer: token strings to ids
 *	  (and back), pairs of ids to their BPE merge, and the growable arrays
 *	  an encoding fills.
 *
 * Open addressing with linear probing, at most half full: a vocabulary of
 * 50,000 tokens is looked up once per candidate subword, so the lookup
 * must not allocate or compare more than a few strings.
 */
#include "postgres.h"

#include <limits.h>

#include "common/hashfn.h"
#include "utils/memutils.h"

#include "core/hfinternal.h"

/* the smallest power of 2 at least twice expected */
static int
TableSize(int expected)
{
	int			cap = 16;

	while (cap < 2 * expected && cap < (1 << 28))
		cap <<= 1;
	return cap;
}

void
HfVocabInit(HfVocab *v, int expected)
{
	v->n = 0;
	v->cap = TableSize(expected);
	v->slots = palloc(sizeof(int32) * v->cap);
	memset(v->slots, -1, sizeof(int32) * v->cap);
	v->tokens = palloc(sizeof(char *) * v->cap);
	v->lens = palloc(sizeof(int) * v->cap);
	v->ids = palloc(sizeof(int32) * v->cap);
	v->max_id = -1;
	v->by_id = NULL;
}

static uint32
HashString(const char *s, int len)
{
	return hash_bytes((const unsigned char *) s, len);
}

/* the slot of token, or of the empty slot where it would go */
static int
VocabSlot(const HfVocab *v, const char *token, int len)
{
	int			i = HashString(token, len) & (v->cap - 1);

	for (;;)
	{
		int32		e = v->slots[i];

		if (e < 0 || (v->lens[e] == len && memcmp(v->tokens[e], token, len) == 0))
			return i;
		i = (i + 1) & (v->cap - 1);
	}
}

/* Add token -> id; a token already present keeps its first id */
void
HfVocabAdd(HfVocab *v, const char *token, int len, int32 id)
{
	int			slot;

	if (2 * (v->n + 1) > v->cap)
	{
		/* grow: rehash every entry */
		int32	   *old = v->slots;
		int			oldcap = v->cap;

		v->cap *= 2;
		v->slots = palloc(sizeof(int32) * v->cap);
		memset(v->slots, -1, sizeof(int32) * v->cap);
		for (int i = 0; i < oldcap; i++)
			if (old[i] >= 0)
				v->slots[VocabSlot(v, v->tokens[old[i]], v->lens[old[i]])] = old[i];
		pfree(old);
		v->tokens = repalloc(v->tokens, sizeof(char *) * v->cap);
		v->lens = repalloc(v->lens, sizeof(int) * v->cap);
		v->ids = repalloc(v->ids, sizeof(int32) * v->cap);
	}
	slot = VocabSlot(v, token, len);
	if (v->slots[slot] >= 0)
		return;
	v->tokens[v->n] = pnstrdup(token, len);
	v->lens[v->n] = len;
	v->ids[v->n] = id;
	v->slots[slot] = v->n++;
	v->max_id = Max(v->max_id, id);
}

/* The id of token, -1 when absent */
int32
HfVocabGet(const HfVocab *v, const char *token, int len)
{
	int32		e = v->slots[VocabSlot(v, token, len)];

	return e < 0 ? -1 : v->ids[e];
}

/* Build the id -> token index (ids were checked below HF_MAX_ID) */
void
HfVocabIndex(HfVocab *v)
{
	v->by_id = palloc0(sizeof(char *) * (v->max_id + 1));
	for (int e = 0; e < v->n; e++)
		if (v->by_id[v->ids[e]] == NULL)
			v->by_id[v->ids[e]] = v->tokens[e];
}

void
HfMergesInit(HfMerges *m, int expected)
{
	m->n = 0;
	m->cap = TableSize(expected);
	m->keys = palloc0(sizeof(uint64) * m->cap);
	m->ranks = palloc(sizeof(int32) * m->cap);
	m->results = palloc(sizeof(int32) * m->cap);
}

static int
MergeSlot(const HfMerges *m, uint64 key)
{
	int			i = (int) (hash_bytes_uint32((uint32) key ^ (uint32) (key >> 32) * 0x9E3779B1u) &
						   (m->cap - 1));

	while (m->keys[i] != 0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Add a merge; a pair listed again takes the later rank, as in Rust's map */
void
HfMergesAdd(HfMerges *m, int32 left, int32 right, int32 rank, int32 result)
{
	uint64		key = (((uint64) (uint32) left << 32) | (uint32) right) + 1;
	int			slot;

	if (2 * (m->n + 1) > m->cap)
	{
		HfMerges	old = *m;

		m->cap *= 2;
		m->n = 0;
		m->keys = palloc0(sizeof(uint64) * m->cap);
		m->ranks = palloc(sizeof(int32) * m->cap);
		m->results = palloc(sizeof(int32) * m->cap);
		for (int i = 0; i < old.cap; i++)
			if (old.keys[i] != 0)
			{
				slot = MergeSlot(m, old.keys[i]);
				m->keys[slot] = old.keys[i];
				m->ranks[slot] = old.ranks[i];
				m->results[slot] = old.results[i];
				m->n++;
			}
		pfree(old.keys);
		pfree(old.ranks);
		pfree(old.results);
	}
	slot = MergeSlot(m, key);
	if (m->keys[slot] == 0)
		m->n++;
	m->keys[slot] = key;
	m->ranks[slot] = rank;
	m->results[slot] = result;
}

bool
HfMergesGet(const HfMerges *m, int32 left, int32 right, int32 *rank, int32 *result)
{
	uint64		key = (((uint64) (uint32) left << 32) | (uint32) right) + 1;
	int			slot = MergeSlot(m, key);

	if (m->keys[slot] == 0)
		return false;
	*rank = m->ranks[slot];
	*result = m->results[slot];
	return true;
}

/*
 * The growable arrays: doubled in huge chunks, as a text of up to 1 GB
 * has up to 1 G code points.
 */
static void *
Grow(void *p, int *cap, Size width)
{
	int			newcap = *cap == 0 ? 64 : *cap * 2;

	if ((Size) newcap > MaxAllocHugeSize / width || *cap >= INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("text too long to tokenize")));
	*cap = newcap;
	if (p == NULL)
		return MemoryContextAllocHuge(CurrentMemoryContext, width * newcap);
	return repalloc_huge(p, width * newcap);
}

void
HfIdsPush(HfIds *ids, int32 id)
{
	if (ids->n == ids->cap)
		ids->v = Grow(ids->v, &ids->cap, sizeof(int32));
	ids->v[ids->n++] = id;
}

void
HfTextPush(HfText *t, pg_wchar c)
{
	if (t->n == t->cap)
		t->c = Grow(t->c, &t->cap, sizeof(pg_wchar));
	t->c[t->n++] = c;
}

void
HfPiecesPush(HfPieces *p, int start, int end)
{
	if (p->n == p->cap)
	{
		int			cap = p->cap;

		p->start = Grow(p->start, &cap, sizeof(int));
		p->end = Grow(p->end, &p->cap, sizeof(int));
		Assert(cap == p->cap);
	}
	p->start[p->n] = start;
	p->end[p->n++] = end;
}
