/*
 * format.c
 *	  The model binary format: one validating reader, one writer.
 *
 * Layout, little-endian:
 *
 *	header (32 bytes): magic u32, format version u16, flags u16,
 *	  algorithm id u16, task u16, feature count u32, output count u32,
 *	  payload length u32, CRC-32C of the payload u32, reserved u32 (0)
 *	payload: preprocessing spec, target spec, algorithm section
 *	  (u32 length + the algorithm's bytes), and from version 2 the
 *	  post-processing section (u32 length + postprocess.c's bytes), and
 *	  optionally after it the profile section (u32 length + profile.c's
 *	  bytes: the training rows' profile maas_drift compares with; carried
 *	  here as opaque bytes, read and validated by profile.c where they are
 *	  used, so serving never pays for them)
 *
 * A model is written in the oldest version that holds it: version 1
 * unless it has post-processing (conformal residuals, a calibration) or a
 * profile, so the bytes of models without either are those 0.1.0 wrote
 * and reads.  The reader takes both versions.
 *
 * The profile section did not bump the version: version 2 was never
 * released without it (0.1.0 writes and reads version 1 only), and a
 * version 2 model without a profile is byte for byte what it was, its
 * post-processing section ending the payload.  A profile follows that
 * section (empty, two bytes, when there is no post-processing), and
 * whatever follows it is refused, so a later optional section needs a
 * new version.
 *
 * Model bytes are untrusted: they may come from any bytea.  Every count and
 * length is checked against the bytes that remain before anything is
 * allocated or read, and any inconsistency is ERROR "invalid maas model".
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "port/pg_crc32c.h"
#include "utils/memutils.h"

#include "core/core.h"
#include "core/postprocess.h"

#define MAAS_MODEL_MAGIC		0x5341414D	/* "MAAS" */
#define MAAS_FORMAT_VERSION		2	/* the newest this build reads and writes */
#define MAAS_HEADER_SIZE		32

StaticAssertDecl(MAAS_MODEL_CRC_OFFSET + 8 == MAAS_HEADER_SIZE,
				 "the checksum is the header's second-last field");
#define MAAS_MAX_STRING			65536

/* ---- writing ---- */

void
MaasWriteU8(StringInfo buf, uint8 v)
{
	appendStringInfoCharMacro(buf, (char) v);
}

void
MaasWriteU16(StringInfo buf, uint16 v)
{
	char		b[2] = {(char) (v & 0xff), (char) (v >> 8)};

	appendBinaryStringInfo(buf, b, 2);
}

void
MaasWriteU32(StringInfo buf, uint32 v)
{
	char		b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (char) ((v >> (8 * i)) & 0xff);
	appendBinaryStringInfo(buf, b, 4);
}

void
MaasWriteDouble(StringInfo buf, double v)
{
	uint64		u;
	char		b[8];

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (char) ((u >> (8 * i)) & 0xff);
	appendBinaryStringInfo(buf, b, 8);
}

void
MaasWriteDoubles(StringInfo buf, const double *v, int64 n)
{
	for (int64 i = 0; i < n; i++)
		MaasWriteDouble(buf, v[i]);
}

void
MaasWriteFloats(StringInfo buf, const float *v, int64 n)
{
	for (int64 i = 0; i < n; i++)
	{
		uint32		u;

		memcpy(&u, &v[i], 4);
		MaasWriteU32(buf, u);
	}
}

void
MaasWriteString(StringInfo buf, const char *s)
{
	size_t		len = s ? strlen(s) : 0;

	MaasWriteU32(buf, (uint32) len);
	appendBinaryStringInfo(buf, s ? s : "", (int) len);
}

/* ---- reading ---- */

void
MaasReaderInit(MaasReader *r, const uint8 *data, size_t len, const char *what)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->what = what;
}

void
MaasReaderFail(MaasReader *r, const char *detail,...)
{
	char		msg[256];
	va_list		args;

	va_start(args, detail);
	vsnprintf(msg, sizeof(msg), detail, args);
	va_end(args);
	ereport(ERROR,
			(errcode(MAAS_ERRCODE_BAD_MODEL),
			 errmsg("invalid maas model"),
			 errdetail("%s%s%s at byte %zu.", r->what ? r->what : "",
					   r->what ? ": " : "", msg, r->pos)));
	pg_unreachable();
}

static const uint8 *
Take(MaasReader *r, size_t n)
{
	const uint8 *p;

	if (n > r->len - r->pos)
		MaasReaderFail(r, "truncated, %zu bytes needed, %zu left", n, r->len - r->pos);
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

uint8
MaasReadU8(MaasReader *r)
{
	return *Take(r, 1);
}

uint16
MaasReadU16(MaasReader *r)
{
	const uint8 *p = Take(r, 2);

	return (uint16) (p[0] | (p[1] << 8));
}

uint32
MaasReadU32(MaasReader *r)
{
	const uint8 *p = Take(r, 4);

	return (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
}

/*
 * A count of elements that follow, each at least min_elem_size bytes: it must
 * not exceed max nor the bytes that remain, so a hostile count cannot make
 * us allocate more than the input's size.
 */
int32
MaasReadCount(MaasReader *r, int32 max, size_t min_elem_size, const char *what)
{
	uint32		n = MaasReadU32(r);

	if (n > (uint32) max)
		MaasReaderFail(r, "%s count %u exceeds the limit %d", what, n, max);
	if (min_elem_size > 0 && (uint64) n * min_elem_size > r->len - r->pos)
		MaasReaderFail(r, "%s count %u does not fit in the %zu bytes left",
					   what, n, r->len - r->pos);
	return (int32) n;
}

double
MaasReadDouble(MaasReader *r)
{
	const uint8 *p = Take(r, 8);
	uint64		u = 0;
	double		v;

	for (int i = 0; i < 8; i++)
		u |= (uint64) p[i] << (8 * i);
	memcpy(&v, &u, 8);
	return v;
}

double
MaasReadFinite(MaasReader *r)
{
	double		v = MaasReadDouble(r);

	if (!isfinite(v))
		MaasReaderFail(r, "a stored number is not finite");
	return v;
}

void
MaasReadDoubles(MaasReader *r, double *out, int64 n, bool finite)
{
	if ((uint64) n * 8 > r->len - r->pos)
		MaasReaderFail(r, "truncated, %lld numbers needed", (long long) n);
	for (int64 i = 0; i < n; i++)
		out[i] = finite ? MaasReadFinite(r) : MaasReadDouble(r);
}

/* n finite float4 values, little-endian */
void
MaasReadFloats(MaasReader *r, float *out, int64 n)
{
	if ((uint64) n * 4 > r->len - r->pos)
		MaasReaderFail(r, "truncated, %lld numbers needed", (long long) n);
	for (int64 i = 0; i < n; i++)
	{
		uint32		u = MaasReadU32(r);

		memcpy(&out[i], &u, 4);
		if (!isfinite(out[i]))
			MaasReaderFail(r, "a weight is not finite");
	}
}

char *
MaasReadString(MaasReader *r)
{
	uint32		len = MaasReadU32(r);
	const uint8 *p;
	char	   *s;

	if (len > MAAS_MAX_STRING)
		MaasReaderFail(r, "string of %u bytes exceeds the limit", len);
	p = Take(r, len);
	if (memchr(p, 0, len) != NULL ||
		!pg_verifymbstr((const char *) p, (int) len, true))
		MaasReaderFail(r, "string is not valid text");
	s = palloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/*
 * ---- a text column's tokenizer ----
 *
 * Stored as: maxlen (u32), num_words (u32), ngram_min and ngram_max (u8
 * each), lowercase (u8), the text search configuration of stemming
 * (string, "" for none), the vocabulary size (u32) and the tokens
 * (strings) in id order.
 */

/* a stored token: at most ngram_max words of MAAS_MAX_TOKEN_BYTES and spaces */
#define MAX_STORED_TOKEN(t)	((t)->ngram_max * (MAAS_MAX_TOKEN_BYTES + 1))

void
MaasWriteTokenizer(StringInfo buf, const MaasTokenizer *t)
{
	MaasWriteU32(buf, (uint32) t->maxlen);
	MaasWriteU32(buf, (uint32) t->num_words);
	MaasWriteU8(buf, (uint8) t->ngram_min);
	MaasWriteU8(buf, (uint8) t->ngram_max);
	MaasWriteU8(buf, t->lowercase ? 1 : 0);
	MaasWriteString(buf, t->stem);
	MaasWriteU32(buf, (uint32) t->n_vocab);
	for (int k = 0; k < t->n_vocab; k++)
		MaasWriteString(buf, t->vocab[k]);
}

static int
CompareVocab(const void *a, const void *b, void *arg)
{
	char	  **vocab = arg;

	return strcmp(vocab[*(const int32 *) a], vocab[*(const int32 *) b]);
}

/*
 * Sort the vocabulary's indexes for lookups; false when two tokens are
 * equal (a vocabulary the reader refuses)
 */
static bool
BuildIndex(MaasTokenizer *t)
{
	t->sorted = palloc(sizeof(int32) * Max(t->n_vocab, 1));
	t->lengths = palloc(sizeof(int32) * Max(t->n_vocab, 1));
	for (int k = 0; k < t->n_vocab; k++)
	{
		t->sorted[k] = k;
		t->lengths[k] = (int32) strlen(t->vocab[k]);
	}
	qsort_arg(t->sorted, t->n_vocab, sizeof(int32), CompareVocab, t->vocab);
	for (int k = 1; k < t->n_vocab; k++)
		if (strcmp(t->vocab[t->sorted[k - 1]], t->vocab[t->sorted[k]]) == 0)
			return false;
	return true;
}

/* The lookup index of a vocabulary built by training */
void
MaasTokenizerIndex(MaasTokenizer *t)
{
	if (!BuildIndex(t))
		elog(ERROR, "vocabulary holds a token twice");
}

static bool
StemChoiceValid(const char *stem)
{
	const char *p = MAAS_STEM_CHOICES;
	size_t		len = strlen(stem);

	if (len == 0)
		return true;
	while (p != NULL && *p)
	{
		const char *end = strchr(p, ',');
		size_t		n = end ? (size_t) (end - p) : strlen(p);

		if (n == len && strncmp(p, stem, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* The tokenizer of text column column; every count checked before use */
MaasTokenizer *
MaasReadTokenizer(MaasReader *r, const char *column)
{
	MaasTokenizer *t = palloc0(sizeof(MaasTokenizer));
	uint8		lowercase;

	t->maxlen = (int) MaasReadU32(r);
	if (t->maxlen < 1 || t->maxlen > MAAS_MAX_MAXLEN)
		MaasReaderFail(r, "column \"%s\" keeps %d tokens, outside 1..%d",
					   column, t->maxlen, MAAS_MAX_MAXLEN);
	t->num_words = (int) MaasReadU32(r);
	if (t->num_words < 0 || t->num_words > MAAS_MAX_VOCAB)
		MaasReaderFail(r, "column \"%s\" has num_words %d, outside 0..%d",
					   column, t->num_words, MAAS_MAX_VOCAB);
	t->ngram_min = MaasReadU8(r);
	t->ngram_max = MaasReadU8(r);
	if (t->ngram_min < 1 || t->ngram_max < t->ngram_min || t->ngram_max > MAAS_MAX_NGRAM)
		MaasReaderFail(r, "column \"%s\" has n-grams %d..%d", column,
					   t->ngram_min, t->ngram_max);
	lowercase = MaasReadU8(r);
	if (lowercase > 1)
		MaasReaderFail(r, "column \"%s\" has lowercase flag %u", column, lowercase);
	t->lowercase = lowercase == 1;
	t->stem = MaasReadString(r);

	if (!StemChoiceValid(t->stem))
		MaasReaderFail(r, "column \"%s\" stems with unknown configuration \"%s\"",
					   column, t->stem);
	/* each token: its length and at least one byte */
	t->n_vocab = MaasReadCount(r, MAAS_MAX_VOCAB, 5, "vocabulary");
	if (t->num_words > 0 && t->n_vocab > t->num_words)
		MaasReaderFail(r, "column \"%s\" has %d tokens for num_words %d",
					   column, t->n_vocab, t->num_words);
	t->vocab = palloc(sizeof(char *) * Max(t->n_vocab, 1));
	for (int k = 0; k < t->n_vocab; k++)
	{
		size_t		len;

		t->vocab[k] = MaasReadString(r);
		len = strlen(t->vocab[k]);
		if (len == 0 || len > (size_t) MAX_STORED_TOKEN(t))
			MaasReaderFail(r, "column \"%s\" has a token of %zu bytes", column, len);
	}
	if (!BuildIndex(t))
		MaasReaderFail(r, "column \"%s\" has a token twice in its vocabulary", column);
	return t;
}

/* The first text column of a model and how many it has; NULL if none */
const MaasColumn *
MaasTextColumn(const MaasPreprocess *prep, int *n_text)
{
	const MaasColumn *first = NULL;

	*n_text = 0;
	for (int c = 0; c < prep->n_columns; c++)
		if (prep->columns[c].kind == MAAS_COL_TEXT)
		{
			if (first == NULL)
				first = &prep->columns[c];
			(*n_text)++;
		}
	return first;
}

/* ---- the model ---- */

static void
WritePreprocess(StringInfo buf, const MaasPreprocess *prep)
{
	MaasWriteU32(buf, (uint32) prep->n_columns);
	for (int i = 0; i < prep->n_columns; i++)
	{
		const MaasColumn *col = &prep->columns[i];

		MaasWriteString(buf, col->name);
		MaasWriteU8(buf, (uint8) col->kind);
		MaasWriteU32(buf, (uint32) col->width);
		if (col->kind == MAAS_COL_TEXT)
		{
			MaasWriteTokenizer(buf, col->tokenizer);
			continue;
		}
		if (col->kind == MAAS_COL_CATEGORICAL)
		{
			MaasWriteU32(buf, (uint32) col->n_categories);
			for (int k = 0; k < col->n_categories; k++)
				MaasWriteString(buf, col->categories[k]);
		}
		MaasWriteDoubles(buf, col->impute, col->width);
	}
}

static int
CompareStrings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
ReadPreprocess(MaasReader *r, MaasPreprocess *prep, int n_features, bool allow_missing)
{
	int			offset = 0;

	/* each column takes at least 17 bytes: name length, kind, width, impute */
	prep->n_columns = MaasReadCount(r, MAAS_MAX_COLUMNS, 17, "column");
	if (prep->n_columns < 1)
		MaasReaderFail(r, "a model needs at least one input column");
	prep->columns = palloc0(sizeof(MaasColumn) * prep->n_columns);
	for (int i = 0; i < prep->n_columns; i++)
	{
		MaasColumn *col = &prep->columns[i];
		uint8		kind;

		col->name = MaasReadString(r);
		kind = MaasReadU8(r);
		if (kind < MAAS_COL_NUMERIC || kind > MAAS_COL_INTERVAL)
			MaasReaderFail(r, "unknown column kind %u", kind);
		col->kind = (MaasColumnKind) kind;
		col->width = MaasReadCount(r, n_features - offset, 8, "column width");
		if (col->kind == MAAS_COL_TEXT)
		{
			/* a document gives token ids, no encoded features */
			if (col->width != 0)
				MaasReaderFail(r, "text column \"%s\" has width %d, not 0",
							   col->name, col->width);
			col->offset = offset;
			col->tokenizer = MaasReadTokenizer(r, col->name);
			continue;
		}
		if (col->width < 1)
			MaasReaderFail(r, "column \"%s\" has no features", col->name);
		if ((col->kind == MAAS_COL_NUMERIC || col->kind == MAAS_COL_BOOLEAN ||
			 col->kind == MAAS_COL_INTERVAL) && col->width != 1)
			MaasReaderFail(r, "column \"%s\" has width %d, not 1", col->name, col->width);
		if (col->kind == MAAS_COL_TIMESTAMP && col->width != MAAS_TIME_WIDTH &&
			col->width != MAAS_TIME_CYCLICAL_WIDTH)
			MaasReaderFail(r, "timestamp column \"%s\" has width %d", col->name, col->width);
		if (col->kind == MAAS_COL_CATEGORICAL)
		{
			col->n_categories = MaasReadCount(r, MAAS_MAX_CATEGORIES, 4, "category");
			if (col->n_categories != col->width)
				MaasReaderFail(r, "column \"%s\" has %d categories for width %d",
							   col->name, col->n_categories, col->width);
			col->categories = palloc(sizeof(char *) * col->n_categories);
			for (int k = 0; k < col->n_categories; k++)
			{
				col->categories[k] = MaasReadString(r);
				/* lookups use binary search: the vocabulary must be sorted */
				if (k > 0 && CompareStrings(&col->categories[k - 1], &col->categories[k]) >= 0)
					MaasReaderFail(r, "categories of column \"%s\" are not sorted", col->name);
			}
		}
		col->offset = offset;
		col->impute = palloc(sizeof(double) * col->width);
		MaasReadDoubles(r, col->impute, col->width, false);
		for (int k = 0; k < col->width; k++)
		{
			if (isinf(col->impute[k]))
				MaasReaderFail(r, "column \"%s\" imputes an infinite value", col->name);
			/* NaN leaves a value missing: only for algorithms that handle it */
			if (isnan(col->impute[k]) && !allow_missing)
				MaasReaderFail(r, "column \"%s\" imputes NaN", col->name);
		}
		offset += col->width;
	}
	if (offset != n_features)
		MaasReaderFail(r, "columns encode %d features, header says %d", offset, n_features);
	if (MaasTextColumn(prep, &offset) == NULL && n_features == 0)
		MaasReaderFail(r, "a model without features needs a text column");
	if (offset > 1)
		MaasReaderFail(r, "a model reads at most one text column, not %d", offset);
	prep->n_features = n_features;
}

static void
WriteTarget(StringInfo buf, const MaasTarget *target)
{
	MaasWriteString(buf, target->name);
	MaasWriteU8(buf, (uint8) target->kind);
	MaasWriteU32(buf, (uint32) target->n_classes);
	for (int k = 0; k < target->n_classes; k++)
		MaasWriteString(buf, target->labels[k]);
	MaasWriteDoubles(buf, target->values, target->n_classes);
}

static void
ReadTarget(MaasReader *r, MaasTarget *target, MaasTask task, int n_outputs)
{
	uint8		kind;

	target->name = MaasReadString(r);
	if (target->name[0] == '\0')
		target->name = NULL;
	kind = MaasReadU8(r);
	if (kind != MAAS_COL_NUMERIC && kind != MAAS_COL_BOOLEAN && kind != MAAS_COL_CATEGORICAL)
		MaasReaderFail(r, "unknown target kind %u", kind);
	target->kind = (MaasColumnKind) kind;
	target->n_classes = MaasReadCount(r, MAAS_MAX_CLASSES, 12, "class");
	if (!MaasTaskIsClassification(task) ? target->n_classes != 0 :
		task == MAAS_TASK_BINARY ? target->n_classes != 2 : target->n_classes < 3)
		MaasReaderFail(r, "%d classes for a %s model", target->n_classes, MaasTaskName(task));
	if (MaasTaskIsClassification(task) && n_outputs != target->n_classes)
		MaasReaderFail(r, "%d outputs for %d classes", n_outputs, target->n_classes);
	target->labels = palloc(sizeof(char *) * Max(target->n_classes, 1));
	target->values = palloc(sizeof(double) * Max(target->n_classes, 1));
	for (int k = 0; k < target->n_classes; k++)
		target->labels[k] = MaasReadString(r);
	MaasReadDoubles(r, target->values, target->n_classes, false);
}

/* entry kinds of the post-processing section; stored */
#define POST_CONFORMAL		1
#define POST_SIGMOID		2
#define POST_ISOTONIC		3
#define MAX_ISOTONIC_POINTS	10000000

/* ---- the post-processing section (postprocess.c) ---- */

static void
WritePostprocess(StringInfo buf, const MaasPostprocess *post)
{
	StringInfoData entry;

	MaasWriteU16(buf, (uint16) ((post->n_residuals > 0) + (post->calibration != MAAS_CALIBRATION_NONE)));
	initStringInfo(&entry);
	if (post->n_residuals > 0)
	{
		MaasWriteU8(buf, POST_CONFORMAL);
		MaasWriteDouble(&entry, (double) post->n_residual_rows);
		MaasWriteU32(&entry, (uint32) post->n_residuals);
		MaasWriteDoubles(&entry, post->residuals, post->n_residuals);
		MaasWriteU32(buf, (uint32) entry.len);
		appendBinaryStringInfo(buf, entry.data, entry.len);
	}
	if (post->calibration != MAAS_CALIBRATION_NONE)
	{
		resetStringInfo(&entry);
		MaasWriteU8(buf, post->calibration == MAAS_CALIBRATION_SIGMOID ? POST_SIGMOID : POST_ISOTONIC);
		MaasWriteU32(&entry, (uint32) post->n_calibrators);
		for (int c = 0; c < post->n_calibrators; c++)
		{
			const MaasCalibrator *cal = &post->calibrators[c];

			if (post->calibration == MAAS_CALIBRATION_SIGMOID)
			{
				MaasWriteDouble(&entry, cal->a);
				MaasWriteDouble(&entry, cal->b);
				continue;
			}
			MaasWriteU32(&entry, (uint32) cal->n_points);
			MaasWriteDoubles(&entry, cal->x, cal->n_points);
			MaasWriteDoubles(&entry, cal->y, cal->n_points);
		}
		MaasWriteU32(buf, (uint32) entry.len);
		appendBinaryStringInfo(buf, entry.data, entry.len);
	}
	pfree(entry.data);
}

static void
ReadConformal(MaasReader *r, MaasPostprocess *post, const MaasModel *model)
{
	double		rows = MaasReadFinite(r);

	if (model->task != MAAS_TASK_REGRESSION)
		MaasReaderFail(r, "intervals for a %s model", MaasTaskName(model->task));
	post->n_residuals = MaasReadCount(r, MAAS_MAX_RESIDUALS, 8, "residual");
	if (post->n_residuals < 1 || rows < post->n_residuals || rows > 1e15 || rows != floor(rows))
		MaasReaderFail(r, "%d residuals of %g rows", post->n_residuals, rows);
	post->n_residual_rows = (int64) rows;
	post->residuals = palloc(sizeof(double) * post->n_residuals);
	MaasReadDoubles(r, post->residuals, post->n_residuals, true);
	for (int j = 0; j < post->n_residuals; j++)
		if (post->residuals[j] < 0 || (j > 0 && post->residuals[j] < post->residuals[j - 1]))
			MaasReaderFail(r, "residuals are not sorted non-negative numbers");
}

static void
ReadCalibration(MaasReader *r, MaasPostprocess *post, const MaasModel *model, uint8 kind)
{
	int			want = model->n_outputs == 2 ? 1 : model->n_outputs;

	if (!MaasTaskIsClassification(model->task))
		MaasReaderFail(r, "a calibration for a %s model", MaasTaskName(model->task));
	post->calibration = kind == POST_SIGMOID ? MAAS_CALIBRATION_SIGMOID : MAAS_CALIBRATION_ISOTONIC;
	post->n_calibrators = MaasReadCount(r, MAAS_MAX_CLASSES, 4, "calibrator");
	if (post->n_calibrators != want)
		MaasReaderFail(r, "%d calibrators for %d classes", post->n_calibrators, model->n_outputs);
	post->calibrators = palloc0(sizeof(MaasCalibrator) * want);
	for (int c = 0; c < want; c++)
	{
		MaasCalibrator *cal = &post->calibrators[c];

		if (kind == POST_SIGMOID)
		{
			cal->a = MaasReadFinite(r);
			cal->b = MaasReadFinite(r);
			continue;
		}
		cal->n_points = MaasReadCount(r, MAX_ISOTONIC_POINTS, 16, "isotonic point");
		if (cal->n_points < 1)
			MaasReaderFail(r, "an isotonic map without points");
		cal->x = palloc(sizeof(double) * cal->n_points);
		cal->y = palloc(sizeof(double) * cal->n_points);
		MaasReadDoubles(r, cal->x, cal->n_points, true);
		MaasReadDoubles(r, cal->y, cal->n_points, true);
		for (int i = 0; i < cal->n_points; i++)
			if (cal->y[i] < 0 || cal->y[i] > 1 ||
				(i > 0 && (cal->x[i] <= cal->x[i - 1] || cal->y[i] < cal->y[i - 1])))
				MaasReaderFail(r, "the isotonic map is not increasing within [0, 1]");
	}
}

/* The section's entries; installs them on model (its algorithm already read) */
static void
ReadPostprocess(MaasReader *r, MaasModel *model)
{
	MaasPostprocess *post = palloc0(sizeof(MaasPostprocess));
	int			n = MaasReadU16(r);

	post->calibration = MAAS_CALIBRATION_NONE;
	if (n > 2)
		MaasReaderFail(r, "%d entries", n);
	for (int e = 0; e < n; e++)
	{
		uint8		kind = MaasReadU8(r);
		uint32		len = MaasReadU32(r);
		MaasReader	entry;

		if (len > r->len - r->pos)
			MaasReaderFail(r, "entry of %u bytes, but %zu bytes remain", len, r->len - r->pos);
		MaasReaderInit(&entry, r->data + r->pos, len, "post-processing entry");
		if (kind == POST_CONFORMAL && post->n_residuals == 0)
			ReadConformal(&entry, post, model);
		else if ((kind == POST_SIGMOID || kind == POST_ISOTONIC) &&
				 post->calibration == MAAS_CALIBRATION_NONE)
			ReadCalibration(&entry, post, model, kind);
		else
			MaasReaderFail(r, "unknown or repeated entry kind %u", kind);
		if (entry.pos != entry.len)
			MaasReaderFail(&entry, "%zu unread bytes", entry.len - entry.pos);
		r->pos += len;
	}
	if (n > 0)
		MaasPostprocessInstall(model, post);
}

/*
 * A fit can produce numbers the reader refuses (an overflow in data near
 * the limits of float8): read the bytes back before anyone stores them, so
 * no model that cannot be read is ever returned.
 */
static void
CheckReadable(const bytea *bytes)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "maas model check",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	PG_TRY();
	{
		MaasModelDeserialize(bytes);
	}
	PG_CATCH();
	{
		ErrorData  *err;

		MemoryContextSwitchTo(old);
		err = CopyErrorData();
		/* only the reader's refusal means values out of range */
		if (err->sqlerrcode != MAAS_ERRCODE_BAD_MODEL)
		{
			FreeErrorData(err);
			PG_RE_THROW();
		}
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the fitted model has values out of range"),
				 errdetail("%s", err->detail ? err->detail : err->message),
				 errhint("The data may hold values too large for the algorithm; scale the features.")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

bytea *
MaasModelSerialize(const MaasModel *model)
{
	StringInfoData payload;
	StringInfoData section;
	pg_crc32c	crc;
	bytea	   *result;
	StringInfoData header;

	initStringInfo(&payload);
	WritePreprocess(&payload, &model->prep);
	WriteTarget(&payload, &model->target);

	initStringInfo(&section);
	model->algorithm->serialize(model, &section);
	MaasWriteU32(&payload, (uint32) section.len);
	appendBinaryStringInfo(&payload, section.data, section.len);
	if (model->post != NULL || model->profile != NULL)
	{
		resetStringInfo(&section);
		if (model->post != NULL)
			WritePostprocess(&section, model->post);
		else
			MaasWriteU16(&section, 0);	/* no entries */
		MaasWriteU32(&payload, (uint32) section.len);
		appendBinaryStringInfo(&payload, section.data, section.len);
	}
	if (model->profile != NULL)
	{
		MaasWriteU32(&payload, model->profile_len);
		appendBinaryStringInfo(&payload, (const char *) model->profile, model->profile_len);
	}
	pfree(section.data);

	if ((Size) payload.len + MAAS_HEADER_SIZE + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %d bytes exceeds the 1 GB limit of a bytea", payload.len),
				 errhint("Use fewer features, categories or trees.")));

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, payload.data, payload.len);
	FIN_CRC32C(crc);

	initStringInfo(&header);
	MaasWriteU32(&header, MAAS_MODEL_MAGIC);
	MaasWriteU16(&header, model->post != NULL || model->profile != NULL ? MAAS_FORMAT_VERSION : 1);
	MaasWriteU16(&header, 0);
	MaasWriteU16(&header, model->algorithm->id);
	MaasWriteU16(&header, (uint16) model->task);
	MaasWriteU32(&header, (uint32) model->n_features);
	MaasWriteU32(&header, (uint32) model->n_outputs);
	MaasWriteU32(&header, (uint32) payload.len);
	Assert(header.len == MAAS_MODEL_CRC_OFFSET);
	MaasWriteU32(&header, crc);
	MaasWriteU32(&header, 0);
	Assert(header.len == MAAS_HEADER_SIZE);

	result = palloc(VARHDRSZ + MAAS_HEADER_SIZE + payload.len);
	SET_VARSIZE(result, VARHDRSZ + MAAS_HEADER_SIZE + payload.len);
	memcpy(VARDATA(result), header.data, MAAS_HEADER_SIZE);
	memcpy(VARDATA(result) + MAAS_HEADER_SIZE, payload.data, payload.len);
	pfree(header.data);
	pfree(payload.data);
	CheckReadable(result);
	return result;
}

/* Header fields of model bytes, checked */
typedef struct MaasHeader
{
	const MaasAlgorithm *algorithm;
	uint16		version;
	MaasTask	task;
	int			n_features;
	int			n_outputs;
	uint32		payload_len;
} MaasHeader;

static void
ReadHeader(MaasReader *r, MaasHeader *h)
{
	uint32		magic;
	uint16		version;
	uint16		flags;
	uint16		algorithm_id;
	uint16		task;
	uint32		crc_stored;
	pg_crc32c	crc;

	if (r->len < MAAS_HEADER_SIZE)
		MaasReaderFail(r, "%zu bytes is shorter than the %d-byte header",
					   r->len, MAAS_HEADER_SIZE);
	magic = MaasReadU32(r);
	if (magic != MAAS_MODEL_MAGIC)
		MaasReaderFail(r, "not a maas model (magic number %08x)", magic);
	version = MaasReadU16(r);
	if (version < 1 || version > MAAS_FORMAT_VERSION)
		MaasReaderFail(r, "format version %u is not supported (this build reads versions 1 to %d)",
					   version, MAAS_FORMAT_VERSION);
	h->version = version;
	flags = MaasReadU16(r);
	if (flags != 0)
		MaasReaderFail(r, "unknown flags %04x", flags);
	algorithm_id = MaasReadU16(r);
	h->algorithm = MaasFindAlgorithmById(algorithm_id);
	if (h->algorithm == NULL)
		MaasReaderFail(r, "unknown algorithm id %u", algorithm_id);
	task = MaasReadU16(r);
	if (task < MAAS_TASK_REGRESSION || task > MAAS_TASK_LAST ||
		(h->algorithm->tasks & MAAS_TASK_BIT(task)) == 0)
		MaasReaderFail(r, "task %u is not one %s supports", task, h->algorithm->name);
	h->task = (MaasTask) task;
	h->n_features = (int) MaasReadU32(r);
	/* 0 only for a model of text columns alone (checked with the columns) */
	if (h->n_features < 0 || h->n_features > MAAS_MAX_FEATURES)
		MaasReaderFail(r, "feature count %d is out of range", h->n_features);
	h->n_outputs = (int) MaasReadU32(r);
	if (h->n_outputs < 1 ||
		h->n_outputs > (MaasTaskIsUnsupervised(h->task) ? MAAS_MAX_FEATURES : MAAS_MAX_CLASSES) ||
		(h->task == MAAS_TASK_REGRESSION && h->n_outputs != 1) ||
		(h->task == MAAS_TASK_BINARY && h->n_outputs != 2) ||
		(h->task == MAAS_TASK_MULTICLASS && h->n_outputs < 3))
		MaasReaderFail(r, "output count %d does not fit task %s",
					   h->n_outputs, MaasTaskName(h->task));
	h->payload_len = MaasReadU32(r);
	if ((size_t) h->payload_len != r->len - MAAS_HEADER_SIZE)
		MaasReaderFail(r, "payload length %u, but %zu bytes follow the header",
					   h->payload_len, r->len - MAAS_HEADER_SIZE);
	crc_stored = MaasReadU32(r);
	if (MaasReadU32(r) != 0)
		MaasReaderFail(r, "reserved header field is not zero");

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, r->data + MAAS_HEADER_SIZE, h->payload_len);
	FIN_CRC32C(crc);
	if (crc != crc_stored)
		MaasReaderFail(r, "checksum mismatch (stored %08x, computed %08x)", crc_stored, crc);
}

/*
 * Model bytes -> a model ready to predict, allocated in the current memory
 * context.  Throws "invalid maas model" on anything inconsistent.
 */
MaasModel *
MaasModelDeserialize(const bytea *bytes)
{
	MaasReader	r;
	MaasReader	section;
	MaasHeader	h;
	MaasModel  *model;
	uint32		section_len;

	MaasReaderInit(&r, (const uint8 *) VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), "header");
	ReadHeader(&r, &h);

	model = palloc0(sizeof(MaasModel));
	model->algorithm = h.algorithm;
	model->task = h.task;
	model->n_features = h.n_features;
	model->n_outputs = h.n_outputs;

	r.what = "preprocessing";
	ReadPreprocess(&r, &model->prep, h.n_features, h.algorithm->handles_missing);
	r.what = "target";
	ReadTarget(&r, &model->target, h.task, h.n_outputs);

	r.what = "algorithm";
	section_len = MaasReadU32(&r);
	/* version 1: the algorithm's section is the rest */
	if (h.version == 1 ? (size_t) section_len != r.len - r.pos :
		(size_t) section_len > r.len - r.pos)
		MaasReaderFail(&r, "section of %u bytes, but %zu bytes remain",
					   section_len, r.len - r.pos);
	MaasReaderInit(&section, r.data + r.pos, section_len, h.algorithm->name);
	model->state = h.algorithm->deserialize(&section, model);
	if (section.pos != section.len)
		MaasReaderFail(&section, "%zu unread bytes", section.len - section.pos);
	r.pos += section_len;
	if (h.version >= 2)
	{
		r.what = "post-processing";
		section_len = MaasReadU32(&r);
		if ((size_t) section_len > r.len - r.pos)
			MaasReaderFail(&r, "section of %u bytes, but %zu bytes remain",
						   section_len, r.len - r.pos);
		MaasReaderInit(&section, r.data + r.pos, section_len, "post-processing");
		ReadPostprocess(&section, model);
		if (section.pos != section.len)
			MaasReaderFail(&section, "%zu unread bytes", section.len - section.pos);
		r.pos += section_len;
	}
	if (h.version >= 2 && r.pos < r.len)
	{
		r.what = "profile";
		section_len = MaasReadU32(&r);
		if ((size_t) section_len != r.len - r.pos)
			MaasReaderFail(&r, "section of %u bytes, but %zu bytes remain",
						   section_len, r.len - r.pos);
		/* its content is read where it is used (core/profile.c) */
		model->profile = memcpy(palloc(Max(section_len, 1)), r.data + r.pos, section_len);
		model->profile_len = section_len;
	}
	return model;
}
