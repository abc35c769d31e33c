/*
 * keys.c
 *	  The keys of a pairs model (recommenders): users and items in their own
 *	  SQL types, sorted so that a key's index is a binary search, and the
 *	  items each user rated in training.
 *
 * Stored as: type (u8), count (u32), then int64 keys as two u32 halves, or
 * the byte offsets (u32, count + 1, from 0) and the bytes.  The reader
 * checks that keys are strictly ascending, which also makes them unique.
 */
#include "postgres.h"

#include "core/core.h"

/* keys: integers as 8 bytes, others at least their offset */
#define MIN_KEY_BYTES	4

static int
CompareBytes(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* keys[i] compared with key: <0, 0, >0 */
int
MaasKeyCompare(const MaasKeys *keys, int32 i, const MaasKey *key)
{
	if (keys->ints != NULL)
		return (keys->ints[i] > key->ival) - (keys->ints[i] < key->ival);
	return CompareBytes(keys->bytes + keys->offsets[i],
						(int) (keys->offsets[i + 1] - keys->offsets[i]),
						key->data, key->len);
}

/* The index of key, or -1 if the model does not know it */
int32
MaasKeysFind(const MaasKeys *keys, const MaasKey *key)
{
	int32		lo = 0;
	int32		hi = keys->n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = MaasKeyCompare(keys, mid, key);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

const char *
MaasKeyTypeName(MaasKeyType type)
{
	switch (type)
	{
		case MAAS_KEY_INT4:
			return "integer";
		case MAAS_KEY_INT8:
			return "bigint";
		case MAAS_KEY_TEXT:
			return "text";
		case MAAS_KEY_UUID:
			return "uuid";
	}
	return "?";
}

void
MaasWriteKeys(StringInfo buf, const MaasKeys *keys)
{
	MaasWriteU8(buf, (uint8) keys->type);
	MaasWriteU32(buf, (uint32) keys->n);
	if (keys->ints != NULL)
	{
		for (int32 i = 0; i < keys->n; i++)
		{
			MaasWriteU32(buf, (uint32) ((uint64) keys->ints[i] & 0xffffffff));
			MaasWriteU32(buf, (uint32) ((uint64) keys->ints[i] >> 32));
		}
		return;
	}
	for (int32 i = 0; i <= keys->n; i++)
		MaasWriteU32(buf, keys->offsets[i]);
	appendBinaryStringInfo(buf, keys->bytes, keys->offsets[keys->n]);
}

void
MaasReadKeys(MaasReader *r, MaasKeys *keys, const char *what)
{
	uint8		type = MaasReadU8(r);
	uint32		total;

	if (type < MAAS_KEY_INT4 || type > MAAS_KEY_UUID)
		MaasReaderFail(r, "unknown %s key type %u", what, type);
	keys->type = (MaasKeyType) type;
	keys->n = MaasReadCount(r, MAAS_MAX_KEYS, type <= MAAS_KEY_INT8 ? 8 : MIN_KEY_BYTES, what);
	if (keys->n < 1)
		MaasReaderFail(r, "a model needs at least one %s", what);
	keys->ints = NULL;
	keys->offsets = NULL;
	keys->bytes = NULL;
	if (type <= MAAS_KEY_INT8)
	{
		keys->ints = palloc(sizeof(int64) * keys->n);
		for (int32 i = 0; i < keys->n; i++)
		{
			uint64		lo = MaasReadU32(r);
			uint64		hi = MaasReadU32(r);

			keys->ints[i] = (int64) (lo | (hi << 32));
			if (type == MAAS_KEY_INT4 && (keys->ints[i] < PG_INT32_MIN || keys->ints[i] > PG_INT32_MAX))
				MaasReaderFail(r, "%s key %lld is not an integer", what, (long long) keys->ints[i]);
			if (i > 0 && keys->ints[i - 1] >= keys->ints[i])
				MaasReaderFail(r, "%s keys are not ascending", what);
		}
		return;
	}
	keys->offsets = palloc(sizeof(uint32) * (keys->n + 1));
	for (int32 i = 0; i <= keys->n; i++)
	{
		keys->offsets[i] = MaasReadU32(r);
		if (i == 0 ? keys->offsets[0] != 0 : keys->offsets[i] < keys->offsets[i - 1])
			MaasReaderFail(r, "%s key offsets are not ascending from 0", what);
		if (i > 0 && type == MAAS_KEY_UUID && keys->offsets[i] - keys->offsets[i - 1] != 16)
			MaasReaderFail(r, "%s key %d is not 16 bytes", what, i - 1);
	}
	total = keys->offsets[keys->n];
	if (total > r->len - r->pos)
		MaasReaderFail(r, "%s keys of %u bytes do not fit in the %zu bytes left",
					   what, total, r->len - r->pos);
	keys->bytes = palloc(total + 1);
	memcpy(keys->bytes, r->data + r->pos, total);
	r->pos += total;
	for (int32 i = 1; i < keys->n; i++)
	{
		MaasKey		k = {0, keys->bytes + keys->offsets[i], (int) (keys->offsets[i + 1] - keys->offsets[i])};

		if (MaasKeyCompare(keys, i - 1, &k) >= 0)
			MaasReaderFail(r, "%s keys are not ascending", what);
	}
}

/*
 * The keys, the flags and the seen items; the seen items as a count per user
 * (u32) and the item indices (u32), so offsets cannot be inconsistent.
 */
void
MaasWritePairs(StringInfo buf, const MaasPairs *pairs)
{
	MaasWriteKeys(buf, &pairs->users);
	MaasWriteKeys(buf, &pairs->items);
	MaasWriteU8(buf, (pairs->implicit ? 1 : 0) | (pairs->seen_start ? 2 : 0));
	if (pairs->seen_start == NULL)
		return;
	MaasWriteU32(buf, (uint32) pairs->seen_start[pairs->users.n]);
	for (int32 u = 0; u < pairs->users.n; u++)
		MaasWriteU32(buf, (uint32) (pairs->seen_start[u + 1] - pairs->seen_start[u]));
	for (int64 s = 0; s < pairs->seen_start[pairs->users.n]; s++)
		MaasWriteU32(buf, (uint32) pairs->seen[s]);
}

void
MaasReadPairs(MaasReader *r, MaasPairs *pairs)
{
	uint8		flags;
	int32		n_seen;

	MaasReadKeys(r, &pairs->users, "user");
	MaasReadKeys(r, &pairs->items, "item");
	flags = MaasReadU8(r);
	if (flags & ~3)
		MaasReaderFail(r, "unknown pairs flags %02x", flags);
	pairs->implicit = (flags & 1) != 0;
	pairs->seen_start = NULL;
	pairs->seen = NULL;
	if ((flags & 2) == 0)
		return;
	/* a count per user, then one index per seen pair */
	n_seen = MaasReadCount(r, PG_INT32_MAX, 4, "seen item");
	if ((uint64) pairs->users.n * 4 + (uint64) n_seen * 4 > r->len - r->pos)
		MaasReaderFail(r, "seen items do not fit in the %zu bytes left", r->len - r->pos);
	pairs->seen_start = palloc(sizeof(int64) * (pairs->users.n + 1));
	pairs->seen_start[0] = 0;
	for (int32 u = 0; u < pairs->users.n; u++)
	{
		uint32		c = MaasReadU32(r);

		if (c > (uint32) pairs->items.n || pairs->seen_start[u] + c > n_seen)
			MaasReaderFail(r, "user %d has %u seen items", u, c);
		pairs->seen_start[u + 1] = pairs->seen_start[u] + c;
	}
	if (pairs->seen_start[pairs->users.n] != n_seen)
		MaasReaderFail(r, "seen counts add up to %lld, not %d",
					   (long long) pairs->seen_start[pairs->users.n], n_seen);
	pairs->seen = palloc(sizeof(int32) * Max(n_seen, 1));
	for (int32 u = 0; u < pairs->users.n; u++)
		for (int64 s = pairs->seen_start[u]; s < pairs->seen_start[u + 1]; s++)
		{
			uint32		i = MaasReadU32(r);

			if (i >= (uint32) pairs->items.n ||
				(s > pairs->seen_start[u] && (int32) i <= pairs->seen[s - 1]))
				MaasReaderFail(r, "seen items of user %d are not ascending item indices", u);
			pairs->seen[s] = (int32) i;
		}
}

/* maas_info members: key types and counts */
void
MaasDescribePairs(const MaasPairs *pairs, MaasJson *json)
{
	MaasJsonKey(json, "users");
	MaasJsonInt(json, pairs->users.n);
	MaasJsonKey(json, "items");
	MaasJsonInt(json, pairs->items.n);
	MaasJsonKey(json, "user_key_type");
	MaasJsonString(json, MaasKeyTypeName(pairs->users.type));
	MaasJsonKey(json, "item_key_type");
	MaasJsonString(json, MaasKeyTypeName(pairs->items.type));
	MaasJsonKey(json, "implicit");
	MaasJsonBool(json, pairs->implicit);
	MaasJsonKey(json, "seen_items_kept");
	MaasJsonBool(json, pairs->seen_start != NULL);
}
