/*
 * protobuf.c
 *	  The protocol buffers wire format, written by hand: varints and
 *	  length-delimited fields, enough to write an ONNX model (onnxwrite.c)
 *	  without generated code.  https://protobuf.dev/programming-guides/encoding/
 *
 * A message is built in a StringInfo of its own and then embedded in its
 * parent as a length-delimited field.  Repeated numbers are written packed,
 * which every parser reads (proto2 parsers accept packed and unpacked alike).
 */
#include "postgres.h"

#include "core/onnxwrite.h"

#define WIRE_VARINT		0
#define WIRE_LEN		2
#define WIRE_FIXED32	5

void
MaasPbVarint(StringInfo out, uint64 v)
{
	while (v >= 0x80)
	{
		appendStringInfoChar(out, (char) (v | 0x80));
		v >>= 7;
	}
	appendStringInfoChar(out, (char) v);
}

static void
Tag(StringInfo out, int field, int wire)
{
	MaasPbVarint(out, ((uint64) field << 3) | wire);
}

/* an int32, int64 or enum field: negative values take ten bytes, as specified */
void
MaasPbInt(StringInfo out, int field, int64 v)
{
	Tag(out, field, WIRE_VARINT);
	MaasPbVarint(out, (uint64) v);
}

void
MaasPbBytes(StringInfo out, int field, const char *data, int len)
{
	Tag(out, field, WIRE_LEN);
	MaasPbVarint(out, (uint64) len);
	appendBinaryStringInfo(out, data, len);
}

void
MaasPbString(StringInfo out, int field, const char *s)
{
	MaasPbBytes(out, field, s, strlen(s));
}

/* an embedded message, built in msg (which is freed) */
void
MaasPbMessage(StringInfo out, int field, StringInfo msg)
{
	MaasPbBytes(out, field, msg->data, msg->len);
	pfree(msg->data);
	pfree(msg);
}

/* a new, empty message to fill and hand to MaasPbMessage */
StringInfo
MaasPbBegin(void)
{
	return makeStringInfo();
}

/* a float's four bytes, little-endian */
static void
Float32(StringInfo out, double v)
{
	float		f = (float) v;
	uint32		u;
	char		b[4];

	memcpy(&u, &f, sizeof(u));
	for (int i = 0; i < 4; i++)
		b[i] = (char) (u >> (8 * i));
	appendBinaryStringInfo(out, b, 4);
}

void
MaasPbFloat(StringInfo out, int field, double v)
{
	Tag(out, field, WIRE_FIXED32);
	Float32(out, v);
}

/* n doubles rounded to float, packed */
void
MaasPbFloats(StringInfo out, int field, const double *v, int n)
{
	Tag(out, field, WIRE_LEN);
	MaasPbVarint(out, (uint64) n * 4);
	for (int i = 0; i < n; i++)
		Float32(out, v[i]);
}

void
MaasPbInts(StringInfo out, int field, const int64 *v, int n)
{
	StringInfoData packed;

	initStringInfo(&packed);
	for (int i = 0; i < n; i++)
		MaasPbVarint(&packed, (uint64) v[i]);
	MaasPbBytes(out, field, packed.data, packed.len);
	pfree(packed.data);
}
