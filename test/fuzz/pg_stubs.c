/*
 * pg_stubs.c
 *	  The PostgreSQL runtime maas's sources need, outside the server, for
 *	  the fuzz harnesses.  See pg_stubs.h for what is here and why.
 *
 * Faithful where it matters to the code under test (allocation limits and
 * errors of palloc, ERROR -> longjmp, the UTF-8 verifier, float8out, the
 * JSON grammar, jsonb's key order and numeric limits); minimal elsewhere.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/jsonapi.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/memnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pg_stubs.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef POISON
#define POISON(p, n)	((void) 0)
#define UNPOISON(p, n)	((void) 0)
#endif

/* ---- globals the sources reference ---- */

MemoryContext CurrentMemoryContext = NULL;
MemoryContext TopMemoryContext = NULL;
MemoryContext ErrorContext = NULL;
volatile sig_atomic_t InterruptPending = false;
volatile sig_atomic_t QueryCancelPending = false;
volatile uint32 InterruptHoldoffCount = 0;
volatile uint32 CritSectionCount = 0;
sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;

MemoryContext fuzz_cxt = NULL;
MemoryContext fuzz_agg_cxt = NULL;
FuzzError	fuzz_error;
uint64		fuzz_errors = 0;

static bool fuzz_verbose = false;

void
FuzzFail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "\n==fuzz== FINDING: ");
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\n");
	fflush(stderr);
	abort();
}

const char *
FuzzSqlState(int sqlerrcode)
{
	static char buf[6];

	for (int i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(sqlerrcode);
		sqlerrcode >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

void
FuzzFailOnError(const char *when)
{
	FuzzFail("ERROR %s %s: %s (%s) at %s:%d %s()", when,
			 FuzzSqlState(fuzz_error.sqlerrcode), fuzz_error.message,
			 fuzz_error.detail, fuzz_error.filename ? fuzz_error.filename : "?",
			 fuzz_error.lineno, fuzz_error.funcname ? fuzz_error.funcname : "?");
}

void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

/* max_stack_depth (2 MB by default) below the harness's entry */
static char *stack_base = NULL;

void
check_stack_depth(void)
{
	char		here;

	if (stack_base != NULL && stack_base - &here > 2 * 1024 * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
}

/* ---- memory contexts: every chunk its own malloc ---- */

#define CHUNK_MAGIC		UINT64CONST(0x6d61617363686b21)

typedef struct FuzzChunk
{
	struct FuzzChunk *prev;
	struct FuzzChunk *next;
	Size		size;
	uint64		magic;
	char		pad[8];
	MemoryContext context;		/* right before the data: GetMemoryChunkContext */
} FuzzChunk;

#define CHUNK_POISONED	offsetof(FuzzChunk, context)

typedef struct FuzzContext
{
	MemoryContextData data;
	FuzzChunk  *chunks;
} FuzzContext;

static void
Link(FuzzContext *cxt, FuzzChunk *c)
{
	c->prev = NULL;
	c->next = cxt->chunks;
	if (cxt->chunks)
	{
		UNPOISON(cxt->chunks, CHUNK_POISONED);
		cxt->chunks->prev = c;
		POISON(cxt->chunks, CHUNK_POISONED);
	}
	cxt->chunks = c;
}

static void
Unlink(FuzzContext *cxt, FuzzChunk *c)
{
	if (c->prev)
	{
		UNPOISON(c->prev, CHUNK_POISONED);
		c->prev->next = c->next;
		POISON(c->prev, CHUNK_POISONED);
	}
	else
		cxt->chunks = c->next;
	if (c->next)
	{
		UNPOISON(c->next, CHUNK_POISONED);
		c->next->prev = c->prev;
		POISON(c->next, CHUNK_POISONED);
	}
}

static FuzzChunk *
ChunkOf(void *pointer, const char *caller)
{
	FuzzChunk  *c;

	if (pointer == NULL)
		FuzzFail("%s(NULL)", caller);
	c = (FuzzChunk *) pointer - 1;
	UNPOISON(c, CHUNK_POISONED);
	if (c->magic != CHUNK_MAGIC)
		FuzzFail("%s of a pointer palloc did not return, or a clobbered chunk header", caller);
	return c;
}

static void *
Alloc(MemoryContext context, Size size, int flags)
{
	FuzzContext *cxt = (FuzzContext *) context;
	FuzzChunk  *c;

	if (context == NULL)
		FuzzFail("palloc with no current memory context");
	if ((flags & MCXT_ALLOC_HUGE) ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	c = malloc(sizeof(FuzzChunk) + size);
	if (c == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu in memory context \"%s\".",
						   size, context->name)));
	}
	c->size = size;
	c->magic = CHUNK_MAGIC;
	c->context = context;
	Link(cxt, c);
	POISON(c, CHUNK_POISONED);
	if (flags & MCXT_ALLOC_ZERO)
		memset(c + 1, 0, size);
	else
		memset(c + 1, 0x7f, size);	/* like CLOBBER_FREED_MEMORY: no lucky zeros */
	context->isReset = false;
	return c + 1;
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return Alloc(context, size, 0);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return Alloc(context, size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return Alloc(context, size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return Alloc(context, size, flags);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return Alloc(context, size, MCXT_ALLOC_HUGE);
}

void *
palloc(Size size)
{
	return Alloc(CurrentMemoryContext, size, 0);
}

void *
palloc0(Size size)
{
	return Alloc(CurrentMemoryContext, size, MCXT_ALLOC_ZERO);
}

void *
palloc_extended(Size size, int flags)
{
	return Alloc(CurrentMemoryContext, size, flags);
}

#if PG_VERSION_NUM >= 160000
/* from PostgreSQL 16 on a function (up to 15 an inline reading the header) */
MemoryContext
GetMemoryChunkContext(void *pointer)
{
	FuzzChunk  *c = ChunkOf(pointer, "GetMemoryChunkContext");
	MemoryContext context = c->context;

	POISON(c, CHUNK_POISONED);
	return context;
}
#endif

void
pfree(void *pointer)
{
	FuzzChunk  *c = ChunkOf(pointer, "pfree");

	Unlink((FuzzContext *) c->context, c);
	c->magic = 0;
	free(c);
}

static void *
Realloc(void *pointer, Size size, bool huge)
{
	FuzzChunk  *c = ChunkOf(pointer, "repalloc");
	FuzzContext *cxt = (FuzzContext *) c->context;
	FuzzChunk  *n;

	if (huge ? !AllocHugeSizeIsValid(size) : !AllocSizeIsValid(size))
		elog(ERROR, "invalid memory alloc request size %zu", size);
	Unlink(cxt, c);
	n = realloc(c, sizeof(FuzzChunk) + size);
	if (n == NULL)
	{
		Link(cxt, c);
		POISON(c, CHUNK_POISONED);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	}
	n->size = size;
	Link(cxt, n);
	POISON(n, CHUNK_POISONED);
	return n + 1;
}

void *
repalloc(void *pointer, Size size)
{
	return Realloc(pointer, size, false);
}

void *
repalloc_huge(void *pointer, Size size)
{
	return Realloc(pointer, size, true);
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	Size		len = strlen(string) + 1;
	char	   *s = Alloc(context, len, 0);

	memcpy(s, string, len);
	return s;
}

char *
pstrdup(const char *in)
{
	return MemoryContextStrdup(CurrentMemoryContext, in);
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

static void
AddChild(MemoryContext parent, MemoryContext child)
{
	child->parent = parent;
	child->prevchild = NULL;
	child->nextchild = parent ? parent->firstchild : NULL;
	if (parent)
	{
		if (parent->firstchild)
			parent->firstchild->prevchild = child;
		parent->firstchild = child;
	}
}

static void
RemoveChild(MemoryContext child)
{
	MemoryContext parent = child->parent;

	if (child->prevchild)
		child->prevchild->nextchild = child->nextchild;
	else if (parent)
		parent->firstchild = child->nextchild;
	if (child->nextchild)
		child->nextchild->prevchild = child->prevchild;
	child->parent = child->prevchild = child->nextchild = NULL;
}

MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name,
							  Size minContextSize, Size initBlockSize, Size maxBlockSize)
{
	FuzzContext *cxt = calloc(1, sizeof(FuzzContext));

	if (cxt == NULL)
		FuzzFail("out of memory creating a context");
	cxt->data.type = T_AllocSetContext;
	cxt->data.isReset = true;
	cxt->data.name = name;
	AddChild(parent, &cxt->data);
	return &cxt->data;
}

MemoryContext
GenerationContextCreate(MemoryContext parent, const char *name,
						Size minContextSize, Size initBlockSize, Size maxBlockSize)
{
	return AllocSetContextCreateInternal(parent, name, 0, 0, 0);
}

void
MemoryContextRegisterResetCallback(MemoryContext context, MemoryContextCallback *cb)
{
	cb->next = context->reset_cbs;
	context->reset_cbs = cb;
	context->isReset = false;
}

void		MemoryContextDelete(MemoryContext context);

static void
FreeAll(MemoryContext context)
{
	FuzzContext *cxt = (FuzzContext *) context;
	MemoryContextCallback *cb;

	while (context->firstchild)
		MemoryContextDelete(context->firstchild);
	while ((cb = context->reset_cbs) != NULL)
	{
		context->reset_cbs = cb->next;
		cb->func(cb->arg);
	}
	while (cxt->chunks)
	{
		FuzzChunk  *c = cxt->chunks;

		UNPOISON(c, CHUNK_POISONED);
		if (c->magic != CHUNK_MAGIC)
			FuzzFail("clobbered chunk header in context \"%s\"", context->name);
		cxt->chunks = c->next;
		c->magic = 0;
		free(c);
	}
	context->isReset = true;
}

void
MemoryContextReset(MemoryContext context)
{
	FreeAll(context);
}

void
MemoryContextResetOnly(MemoryContext context)
{
	FreeAll(context);
}

void
MemoryContextDelete(MemoryContext context)
{
	if (context == NULL)
		FuzzFail("MemoryContextDelete(NULL)");
	if (context == CurrentMemoryContext)
		FuzzFail("MemoryContextDelete of the current memory context \"%s\"", context->name);
	FreeAll(context);
	RemoveChild(context);
	free(context);
}

void
MemoryContextSetParent(MemoryContext context, MemoryContext new_parent)
{
	if (new_parent == context->parent)
		return;
	RemoveChild(context);
	AddChild(new_parent, context);
}

MemoryContext
MemoryContextGetParent(MemoryContext context)
{
	return context->parent;
}

void
MemoryContextSetIdentifier(MemoryContext context, const char *id)
{
	context->ident = id;
}

Size
MemoryContextMemAllocated(MemoryContext context, bool recurse)
{
	Size		total = 0;

	for (FuzzChunk *c = ((FuzzContext *) context)->chunks; c;)
	{
		FuzzChunk  *next;

		UNPOISON(c, CHUNK_POISONED);
		total += c->size;
		next = c->next;
		POISON(c, CHUNK_POISONED);
		c = next;
	}
	if (recurse)
		for (MemoryContext child = context->firstchild; child; child = child->nextchild)
			total += MemoryContextMemAllocated(child, true);
	return total;
}

Size
add_size(Size s1, Size s2)
{
	Size		result = s1 + s2;

	if (result < s1 || result < s2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("requested shared memory size overflows size_t")));
	return result;
}

Size
mul_size(Size s1, Size s2)
{
	Size		result;

	if (s1 == 0 || s2 == 0)
		return 0;
	result = s1 * s2;
	if (result / s2 != s1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("requested shared memory size overflows size_t")));
	return result;
}

/* ---- errors ---- */

static FuzzError cur;
static bool in_error = false;

bool
errstart(int elevel, const char *domain)
{
	if (in_error && elevel >= ERROR)
		FuzzFail("ERROR raised while formatting another error: %s", cur.message);
	memset(&cur, 0, sizeof(cur));
	cur.elevel = elevel;
	cur.sqlerrcode = elevel >= ERROR ? ERRCODE_INTERNAL_ERROR :
		elevel == WARNING ? ERRCODE_WARNING : ERRCODE_SUCCESSFUL_COMPLETION;
	in_error = true;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	in_error = false;
	cur.filename = filename;
	cur.lineno = lineno;
	cur.funcname = funcname;
	if (cur.elevel < ERROR)
	{
		if (fuzz_verbose)
			fprintf(stderr, "fuzz: level %d: %s\n", cur.elevel, cur.message);
		return;
	}
	fuzz_error = cur;
	fuzz_errors++;
	if (fuzz_verbose)
		fprintf(stderr, "fuzz: ERROR %s: %s (%s) at %s:%d\n", FuzzSqlState(cur.sqlerrcode),
				cur.message, cur.detail, filename, lineno);
	if (cur.elevel >= FATAL)
		FuzzFailOnError("at level FATAL or PANIC");
	if (PG_exception_stack == NULL)
		FuzzFailOnError("outside any PG_TRY");
	siglongjmp(*PG_exception_stack, 1);
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
		FuzzFailOnError("re-thrown outside any PG_TRY");
	siglongjmp(*PG_exception_stack, 1);
}

int
errcode(int sqlerrcode)
{
	cur.sqlerrcode = sqlerrcode;
	return 0;
}

#define FORMAT_INTO(field, fmt) \
	do { \
		va_list		args_; \
		va_start(args_, fmt); \
		vsnprintf((field), sizeof(field), (fmt), args_); \
		va_end(args_); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	FORMAT_INTO(cur.message, fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FORMAT_INTO(cur.message, fmt);
	return 0;
}

int
errmsg_plural(const char *fmt_singular, const char *fmt_plural, unsigned long n,...)
{
	va_list		args;

	va_start(args, n);
	vsnprintf(cur.message, sizeof(cur.message), n == 1 ? fmt_singular : fmt_plural, args);
	va_end(args);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FORMAT_INTO(cur.detail, fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	FORMAT_INTO(cur.detail, fmt);
	return 0;
}

int
errdetail_log(const char *fmt,...)
{
	FORMAT_INTO(cur.detail, fmt);
	return 0;
}

int
errdetail_plural(const char *fmt_singular, const char *fmt_plural, unsigned long n,...)
{
	va_list		args;

	va_start(args, n);
	vsnprintf(cur.detail, sizeof(cur.detail), n == 1 ? fmt_singular : fmt_plural, args);
	va_end(args);
	return 0;
}

int
errhint(const char *fmt,...)
{
	char		hint[1024];

	FORMAT_INTO(hint, fmt);
	return 0;
}

int
errhint_plural(const char *fmt_singular, const char *fmt_plural, unsigned long n,...)
{
	return 0;
}

int
errcontext_msg(const char *fmt,...)
{
	char		context[1024];

	FORMAT_INTO(context, fmt);
	return 0;
}

int
set_errcontext_domain(const char *domain)
{
	return 0;
}

int
errhidestmt(bool hide_stmt)
{
	return 0;
}

int
errhidecontext(bool hide_ctx)
{
	return 0;
}

int
errposition(int cursorpos)
{
	return 0;
}

int
errbacktrace(void)
{
	return 0;
}

int
geterrcode(void)
{
	return cur.sqlerrcode;
}

int
errcode_for_file_access(void)
{
	cur.sqlerrcode = ERRCODE_IO_ERROR;
	return 0;
}

bool
in_error_recursion_trouble(void)
{
	return false;
}

void
FlushErrorState(void)
{
	in_error = false;
}

/* The caught error (the last one raised), as PG_CATCH blocks copy it */
ErrorData *
CopyErrorData(void)
{
	ErrorData  *e = palloc0(sizeof(ErrorData));

	e->elevel = fuzz_error.elevel;
	e->sqlerrcode = fuzz_error.sqlerrcode;
	e->message = pstrdup(fuzz_error.message);
	e->detail = fuzz_error.detail[0] ? pstrdup(fuzz_error.detail) : NULL;
	e->filename = fuzz_error.filename;
	e->lineno = fuzz_error.lineno;
	e->funcname = fuzz_error.funcname;
	return e;
}

void
FreeErrorData(ErrorData *edata)
{
	if (edata->message)
		pfree(edata->message);
	if (edata->detail)
		pfree(edata->detail);
	pfree(edata);
}

void
ReThrowError(ErrorData *edata)
{
	memset(&cur, 0, sizeof(cur));
	cur.elevel = edata->elevel;
	cur.sqlerrcode = edata->sqlerrcode;
	strlcpy(cur.message, edata->message ? edata->message : "", sizeof(cur.message));
	strlcpy(cur.detail, edata->detail ? edata->detail : "", sizeof(cur.detail));
	errfinish(edata->filename, edata->lineno, edata->funcname);
	pg_unreachable();
}

/* frontend pieces of libpgcommon (jsonapi.c) log fatal errors through this */
void
pg_log_generic(int level, int part, const char *fmt,...)
{
	char		msg[1024];

	FORMAT_INTO(msg, fmt);
	FuzzFail("libpgcommon logged: %s", msg);
}

/* ---- StringInfo and psprintf, as in the server ---- */

size_t
pvsnprintf(char *buf, size_t len, const char *fmt, va_list args)
{
	int			nprinted;

	nprinted = vsnprintf(buf, len, fmt, args);
	if (unlikely(nprinted < 0))
		elog(ERROR, "vsnprintf failed: %m with format string \"%s\"", fmt);
	if ((size_t) nprinted < len)
		return (size_t) nprinted;
	if (unlikely((size_t) nprinted > MaxAllocSize - 1))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory")));
	return nprinted + 1;
}

char *
psprintf(const char *fmt,...)
{
	int			save_errno = errno;
	size_t		len = 128;

	for (;;)
	{
		char	   *result = palloc(len);
		va_list		args;
		size_t		newlen;

		errno = save_errno;
		va_start(args, fmt);
		newlen = pvsnprintf(result, len, fmt, args);
		va_end(args);
		if (newlen < len)
			return result;
		pfree(result);
		len = newlen;
	}
}

/*
 * StringInfo.  From PostgreSQL 17 on libpgcommon has it too, in its frontend
 * form (exit() on overflow, not ERROR): defining destroyStringInfo, its only
 * function that is not here, keeps that one from being linked in.
 */
#if PG_VERSION_NUM >= 170000
void
destroyStringInfo(StringInfo str)
{
	pfree(str->data);
	pfree(str);
}
#endif

StringInfo
makeStringInfo(void)
{
	StringInfo	res = palloc(sizeof(StringInfoData));

	initStringInfo(res);
	return res;
}

void
initStringInfo(StringInfo str)
{
	int			size = 1024;

	str->data = palloc(size);
	str->maxlen = size;
	resetStringInfo(str);
}

void
resetStringInfo(StringInfo str)
{
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

void
enlargeStringInfo(StringInfo str, int needed)
{
	int			newlen;

	if (needed < 0)
		elog(ERROR, "invalid string enlargement request size: %d", needed);
	if (((Size) needed) >= (MaxAllocSize - (Size) str->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("out of memory"),
				 errdetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.",
						   str->len, needed)));
	needed += str->len + 1;
	if (needed <= str->maxlen)
		return;
	newlen = 2 * str->maxlen;
	while (needed > newlen)
		newlen = 2 * newlen;
	if (newlen > (int) MaxAllocSize)
		newlen = (int) MaxAllocSize;
	str->data = repalloc(str->data, newlen);
	str->maxlen = newlen;
}

int
appendStringInfoVA(StringInfo str, const char *fmt, va_list args)
{
	int			avail;
	size_t		nprinted;

	avail = str->maxlen - str->len;
	if (avail < 16)
		return 32;
	nprinted = pvsnprintf(str->data + str->len, (size_t) avail, fmt, args);
	if (nprinted < (size_t) avail)
	{
		str->len += (int) nprinted;
		return 0;
	}
	str->data[str->len] = '\0';
	return (int) nprinted;
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	int			save_errno = errno;

	for (;;)
	{
		va_list		args;
		int			needed;

		errno = save_errno;
		va_start(args, fmt);
		needed = appendStringInfoVA(str, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(str, needed);
	}
}

/* PostgreSQL 16 takes the bytes as const void *, 15 as const char * */
#if PG_VERSION_NUM >= 160000
typedef const void *StubBytes;
#else
typedef const char *StubBytes;
#endif

void
appendBinaryStringInfo(StringInfo str, StubBytes data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
	str->data[str->len] = '\0';
}

void
appendBinaryStringInfoNT(StringInfo str, StubBytes data, int datalen)
{
	enlargeStringInfo(str, datalen);
	memcpy(str->data + str->len, data, datalen);
	str->len += datalen;
}

void
appendStringInfoString(StringInfo str, const char *s)
{
	appendBinaryStringInfo(str, s, strlen(s));
}

void
appendStringInfoChar(StringInfo str, char ch)
{
	if (str->len + 1 >= str->maxlen)
		enlargeStringInfo(str, 1);
	str->data[str->len] = ch;
	str->len++;
	str->data[str->len] = '\0';
}

void
appendStringInfoSpaces(StringInfo str, int count)
{
	if (count > 0)
	{
		enlargeStringInfo(str, count);
		while (--count >= 0)
			str->data[str->len++] = ' ';
		str->data[str->len] = '\0';
	}
}

/* ---- fmgr, varlena ---- */

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

Datum
DirectFunctionCall2Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = arg2;
	fcinfo->args[1].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

Datum
DirectFunctionCall3Coll(PGFunction func, Oid collation, Datum arg1, Datum arg2, Datum arg3)
{
	LOCAL_FCINFO(fcinfo, 3);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 3, collation, NULL, NULL);
	fcinfo->args[0].value = arg1;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = arg2;
	fcinfo->args[1].isnull = false;
	fcinfo->args[2].value = arg3;
	fcinfo->args[2].isnull = false;
	result = (*func) (fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "function %p returned NULL", (void *) func);
	return result;
}

/* The node the harness passes as fcinfo->context of aggregate calls */
static NodeTag fuzz_agg_node = T_AggState;

int
AggCheckCallContext(FunctionCallInfo fcinfo, MemoryContext *aggcontext)
{
	if (fcinfo->context == (fmNodePtr) &fuzz_agg_node)
	{
		if (aggcontext)
			*aggcontext = fuzz_agg_cxt;
		return AGG_CONTEXT_AGGREGATE;
	}
	if (aggcontext)
		*aggcontext = NULL;
	return 0;
}

bool
get_fn_expr_arg_stable(FmgrInfo *flinfo, int argnum)
{
	return false;
}

/*
 * Call a V1 function as the executor would: a fresh fcinfo, args and
 * null flags; aggregate calls get the aggregate context.
 */
Datum
FuzzCall(PGFunction fn, FmgrInfo *flinfo, bool is_agg, int nargs,
		 const Datum *args, const bool *nulls, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, flinfo, nargs, InvalidOid,
							 is_agg ? (fmNodePtr) &fuzz_agg_node : NULL, NULL);
	for (int i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = nulls[i];
	}
	result = fn(fcinfo);
	*isnull = fcinfo->isnull;
	return result;
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		FuzzFail("the fuzz runtime has no TOAST (external or compressed datum)");
	if (VARATT_IS_SHORT(datum))
	{
		Size		data_size = VARSIZE_SHORT(datum) - VARHDRSZ_SHORT;
		struct varlena *copy = palloc(data_size + VARHDRSZ);

		SET_VARSIZE(copy, data_size + VARHDRSZ);
		memcpy(VARDATA(copy), VARDATA_SHORT(datum), data_size);
		return copy;
	}
	return datum;
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_EXTERNAL(datum) || VARATT_IS_COMPRESSED(datum))
		FuzzFail("the fuzz runtime has no TOAST (external or compressed datum)");
	return datum;
}

struct varlena *
pg_detoast_datum_copy(struct varlena *datum)
{
	struct varlena *d = pg_detoast_datum(datum);
	struct varlena *copy;

	if (d != datum)
		return d;
	copy = palloc(VARSIZE(d));
	memcpy(copy, d, VARSIZE(d));
	return copy;
}

text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *result = palloc(len + VARHDRSZ);

	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), s, len);
	return result;
}

text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

char *
text_to_cstring(const text *t)
{
	text	   *tunpacked = (text *) pg_detoast_datum_packed(unconstify(text *, t));
	int			len = VARSIZE_ANY_EXHDR(tunpacked);
	char	   *result = palloc(len + 1);

	memcpy(result, VARDATA_ANY(tunpacked), len);
	result[len] = '\0';
	return result;
}

/*
 * A bytea of the input, with a 1-byte header when it fits (as short values
 * come out of tuples), at an address misaligned by misalign bytes.
 */
bytea *
FuzzBytea(const uint8 *data, size_t len, size_t misalign)
{
	char	   *buf = palloc(len + VARHDRSZ + 8);
	bytea	   *b;

	if (len + VARHDRSZ_SHORT <= VARATT_SHORT_MAX && (misalign & 1))
	{
		b = (bytea *) (buf + misalign);
		SET_VARSIZE_SHORT(b, len + VARHDRSZ_SHORT);
		memcpy(VARDATA_SHORT(b), data, len);
	}
	else
	{
		/* a 4-byte header is int-aligned, as in a tuple */
		b = (bytea *) (buf + (misalign & 4));
		SET_VARSIZE(b, len + VARHDRSZ);
		memcpy(VARDATA(b), data, len);
	}
	return b;
}

int
ArrayGetNItems(int ndim, const int *dims)
{
	int32		ret;

	if (ndim <= 0)
		return 0;
	ret = 1;
	for (int i = 0; i < ndim; i++)
	{
		int64		prod;

		if (dims[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array size exceeds the maximum allowed (%d)",
							(int) MaxArraySize)));
		prod = (int64) ret * (int64) dims[i];
		ret = (int32) prod;
		if ((int64) ret != prod)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("array size exceeds the maximum allowed (%d)",
							(int) MaxArraySize)));
	}
	if ((Size) ret > MaxArraySize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("array size exceeds the maximum allowed (%d)",
						(int) MaxArraySize)));
	return (int) ret;
}

/* ---- encoding, numbers, JSON text ---- */

int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

bool
pg_verifymbstr(const char *mbstr, int len, bool noError)
{
	int			oklen = pg_encoding_verifymbstr(PG_UTF8, mbstr, len);

	if (oklen != len)
	{
		if (noError)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("invalid byte sequence for encoding \"UTF8\"")));
	}
	return true;
}

/* extra_float_digits = 1, the default: shortest exact output */
char *
float8out_internal(double num)
{
	char	   *ascii = palloc(128);

	double_to_shortest_decimal_buf(num, ascii);
	return ascii;
}

/* utils/adt/json.c, PostgreSQL 15 */
void
escape_json(StringInfo buf, const char *str)
{
	appendStringInfoCharMacro(buf, '"');
	for (const char *p = str; *p; p++)
	{
		switch (*p)
		{
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			default:
				if ((unsigned char) *p < ' ')
					appendStringInfo(buf, "\\u%04x", (int) *p);
				else
					appendStringInfoCharMacro(buf, *p);
				break;
		}
	}
	appendStringInfoCharMacro(buf, '"');
}

/* ---- jsonb: PostgreSQL's JSON parser into a tree the iterator walks ---- */

#define FJ_MAGIC	0x464a534e
/*
 * Nesting limit: the server's is check_stack_depth(), which libpgcommon's
 * frontend build of the JSON parser leaves out, so enforce one here.
 */
#define FJ_MAX_DEPTH	1000

typedef struct FJNode FJNode;

/* A JsonbContainer as the code under test sees it: a header, then ours */
typedef struct FJContainer
{
	uint32		header;			/* JB_F* flags | count */
	uint32		magic;
	char		node[sizeof(FJNode *)]; /* unaligned in a Jsonb: memcpy */
} FJContainer;

struct FJNode
{
	enum jbvType type;			/* jbvNull, jbvString, jbvNumeric, jbvBool,
								 * jbvArray or jbvObject */
	char	   *str;			/* string, or the number's text */
	int			len;
	Numeric		numeric;		/* a varlena holding the number's text */
	bool		boolean;
	bool		raw_scalar;		/* root pseudo-array of one scalar */
	int			n;
	int			cap;
	FJNode	  **keys;			/* object */
	FJNode	  **items;			/* array elements or object values */
	FJContainer *container;
};

typedef struct FJParse
{
	FJNode	   *stack[FJ_MAX_DEPTH];
	int			depth;
	FJNode	   *root;
	char	   *key;
} FJParse;

static FJNode *
NewNode(enum jbvType type)
{
	FJNode	   *node = palloc0(sizeof(FJNode));

	node->type = type;
	return node;
}

static FJContainer *
ContainerOf(FJNode *node)
{
	if (node->container == NULL)
	{
		node->container = palloc0(sizeof(FJContainer));
		node->container->header = (node->type == jbvObject ? JB_FOBJECT : JB_FARRAY) |
			(node->raw_scalar ? JB_FSCALAR : 0) | (uint32) node->n;
		node->container->magic = FJ_MAGIC;
		memcpy(node->container->node, &node, sizeof(FJNode *));
	}
	return node->container;
}

static FJNode *
NodeOf(const JsonbContainer *c)
{
	const FJContainer *fc = (const FJContainer *) c;
	FJNode	   *node;

	if (fc->magic != FJ_MAGIC)
		FuzzFail("a jsonb container the fuzz runtime did not build");
	memcpy(&node, fc->node, sizeof(FJNode *));
	return node;
}

static void
AddValue(FJParse *p, FJNode *value)
{
	FJNode	   *parent;

	if (p->depth == 0)
	{
		p->root = value;
		return;
	}
	parent = p->stack[p->depth - 1];
	if (parent->n == parent->cap)
	{
		parent->cap = parent->cap ? parent->cap * 2 : 4;
		parent->items = parent->items ? repalloc(parent->items, sizeof(FJNode *) * parent->cap) :
			palloc(sizeof(FJNode *) * parent->cap);
		if (parent->type == jbvObject)
			parent->keys = parent->keys ? repalloc(parent->keys, sizeof(FJNode *) * parent->cap) :
				palloc(sizeof(FJNode *) * parent->cap);
	}
	if (parent->type == jbvObject)
	{
		FJNode	   *key = NewNode(jbvString);

		key->str = p->key;
		key->len = strlen(p->key);
		parent->keys[parent->n] = key;
	}
	parent->items[parent->n++] = value;
}

static void
FJPush(FJParse *p, enum jbvType type)
{
	FJNode	   *node = NewNode(type);

	AddValue(p, node);
	if (p->depth == FJ_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
	p->stack[p->depth++] = node;
}

static void
FJObjectStart(void *state)
{
	FJPush(state, jbvObject);
}

static void
FJArrayStart(void *state)
{
	FJPush(state, jbvArray);
}

/* jsonb sorts keys by length, then bytes; of duplicates the last wins */
static int
KeyCmp(const FJNode *a, const FJNode *b)
{
	if (a->len != b->len)
		return a->len > b->len ? 1 : -1;
	return memcmp(a->str, b->str, a->len);
}

static void
FJEnd(void *state)
{
	FJParse    *p = state;
	FJNode	   *node = p->stack[--p->depth];

	if (node->type == jbvObject && node->n > 1)
	{
		/* insertion sort, stable: equal keys keep their input order */
		for (int i = 1; i < node->n; i++)
			for (int j = i; j > 0 && KeyCmp(node->keys[j - 1], node->keys[j]) > 0; j--)
			{
				FJNode	   *k = node->keys[j];
				FJNode	   *v = node->items[j];

				node->keys[j] = node->keys[j - 1];
				node->items[j] = node->items[j - 1];
				node->keys[j - 1] = k;
				node->items[j - 1] = v;
			}
		{
			int			out = 0;

			for (int i = 0; i < node->n; i++)
			{
				if (i + 1 < node->n && KeyCmp(node->keys[i], node->keys[i + 1]) == 0)
					continue;	/* a later duplicate replaces this one */
				node->keys[out] = node->keys[i];
				node->items[out] = node->items[i];
				out++;
			}
			node->n = out;
		}
	}
}

static void
FJField(void *state, char *fname, bool isnull)
{
	((FJParse *) state)->key = fname;
}

/* numeric_in's limits on what jsonb_in accepts as a number */
static void
CheckNumeric(const char *s)
{
	const char *e = strpbrk(s, "eE");
	int			digits = 0;

	if (e)
	{
		long		exponent = strtol(e + 1, NULL, 10);

		if (exponent > 1000 || exponent < -1000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", "numeric", s)));
	}
	for (const char *c = s; *c && *c != '.' && *c != 'e' && *c != 'E'; c++)
		digits += (*c >= '0' && *c <= '9');
	if (digits > 131072)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value overflows numeric format")));
}

static void
FJScalar(void *state, char *token, JsonTokenType tokentype)
{
	FJParse    *p = state;
	FJNode	   *node;

	switch (tokentype)
	{
		case JSON_TOKEN_STRING:
			node = NewNode(jbvString);
			node->str = token;
			node->len = strlen(token);
			break;
		case JSON_TOKEN_NUMBER:
			CheckNumeric(token);
			node = NewNode(jbvNumeric);
			node->str = token;
			node->len = strlen(token);
			node->numeric = (Numeric) cstring_to_text(token);
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			node = NewNode(jbvBool);
			node->boolean = tokentype == JSON_TOKEN_TRUE;
			break;
		case JSON_TOKEN_NULL:
			node = NewNode(jbvNull);
			break;
		default:
			elog(ERROR, "invalid json token type %d", (int) tokentype);
			return;
	}
	if (p->depth == 0)
	{
		/* a bare scalar is a one-element raw-scalar array */
		FJNode	   *wrap = NewNode(jbvArray);

		wrap->raw_scalar = true;
		p->stack[p->depth++] = wrap;
		AddValue(p, node);
		p->depth--;
		p->root = wrap;
		return;
	}
	AddValue(p, node);
}

#if PG_VERSION_NUM >= 160000
/* from PostgreSQL 16 on, a semantic action returns an error code */
static JsonParseErrorType
FJObjectStart16(void *s)
{
	FJObjectStart(s);
	return JSON_SUCCESS;
}
static JsonParseErrorType
FJArrayStart16(void *s)
{
	FJArrayStart(s);
	return JSON_SUCCESS;
}
static JsonParseErrorType
FJEnd16(void *s)
{
	FJEnd(s);
	return JSON_SUCCESS;
}
static JsonParseErrorType
FJField16(void *s, char *fname, bool isnull)
{
	FJField(s, fname, isnull);
	return JSON_SUCCESS;
}
static JsonParseErrorType
FJScalar16(void *s, char *token, JsonTokenType tokentype)
{
	FJScalar(s, token, tokentype);
	return JSON_SUCCESS;
}
#define FJ_ACTION(f) f##16
#else
#define FJ_ACTION(f) f
#endif

/* The Jsonb of a JSON text, as jsonb_in makes it (errors included) */
static Jsonb *
FJParseText(char *json, int len)
{
#if PG_VERSION_NUM >= 170000
	JsonLexContext *lex = makeJsonLexContextCstringLen(NULL, json, len, PG_UTF8, true);
#else
	JsonLexContext *lex = makeJsonLexContextCstringLen(json, len, PG_UTF8, true);
#endif
	JsonSemAction sem = {0};
	FJParse    *p = palloc0(sizeof(FJParse));
	JsonParseErrorType rc;
	FJContainer *root;
	Jsonb	   *jb;

	sem.semstate = p;
	sem.object_start = FJ_ACTION(FJObjectStart);
	sem.object_end = FJ_ACTION(FJEnd);
	sem.array_start = FJ_ACTION(FJArrayStart);
	sem.array_end = FJ_ACTION(FJEnd);
	sem.object_field_start = FJ_ACTION(FJField);
	sem.scalar = FJ_ACTION(FJScalar);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", "json"),
				 errdetail("JSON parse error %d at byte %d.", (int) rc,
						   (int) (lex->token_start ? lex->token_start - json : 0))));
	root = ContainerOf(p->root);
	jb = palloc0(VARHDRSZ + sizeof(FJContainer));
	SET_VARSIZE(jb, VARHDRSZ + sizeof(FJContainer));
	memcpy(&jb->root, root, sizeof(FJContainer));
	return jb;
}

Datum
jsonb_in(PG_FUNCTION_ARGS)
{
	char	   *json = PG_GETARG_CSTRING(0);

	PG_RETURN_POINTER(FJParseText(json, strlen(json)));
}

typedef struct FJIterator
{
	FJNode	   *node;
	int			index;
	enum
	{
		FJI_START, FJI_ELEM, FJI_KEY, FJI_VALUE
	}			state;
	struct FJIterator *parent;
} FJIterator;

JsonbIterator *
JsonbIteratorInit(JsonbContainer *container)
{
	FJIterator *it = palloc0(sizeof(FJIterator));

	it->node = NodeOf(container);
	it->state = FJI_START;
	return (JsonbIterator *) it;
}

static void
FillValue(FJNode *node, JsonbValue *val)
{
	memset(val, 0, sizeof(*val));
	val->type = node->type;
	switch (node->type)
	{
		case jbvString:
			val->val.string.val = node->str;
			val->val.string.len = node->len;
			break;
		case jbvNumeric:
			val->val.numeric = node->numeric;
			break;
		case jbvBool:
			val->val.boolean = node->boolean;
			break;
		case jbvArray:
		case jbvObject:
			val->type = jbvBinary;
			val->val.binary.data = (JsonbContainer *) ContainerOf(node);
			val->val.binary.len = sizeof(FJContainer);
			break;
		default:
			break;
	}
}

/* An object's member by key (the last of duplicates: the parser kept it) */
JsonbValue *
findJsonbValueFromContainer(JsonbContainer *container, uint32 flags, JsonbValue *key)
{
	FJNode	   *node = NodeOf(container);

	if ((flags & JB_FOBJECT) && node->type == jbvObject && key->type == jbvString)
		for (int i = 0; i < node->n; i++)
			if (node->keys[i]->len == key->val.string.len &&
				memcmp(node->keys[i]->str, key->val.string.val, key->val.string.len) == 0)
			{
				JsonbValue *v = palloc(sizeof(JsonbValue));

				FillValue(node->items[i], v);
				return v;
			}
	return NULL;
}

/* Element i of an array, NULL past its end */
JsonbValue *
getIthJsonbValueFromContainer(JsonbContainer *container, uint32 i)
{
	FJNode	   *node = NodeOf(container);
	JsonbValue *v;

	if (node->type != jbvArray || i >= (uint32) node->n)
		return NULL;
	v = palloc(sizeof(JsonbValue));
	FillValue(node->items[i], v);
	return v;
}

JsonbIteratorToken
JsonbIteratorNext(JsonbIterator **iterator, JsonbValue *val, bool skipNested)
{
	FJIterator *it = (FJIterator *) *iterator;
	FJNode	   *child;

	if (it == NULL)
		return WJB_DONE;
	switch (it->state)
	{
		case FJI_START:
			memset(val, 0, sizeof(*val));
			if (it->node->type == jbvArray)
			{
				val->type = jbvArray;
				val->val.array.nElems = it->node->n;
				val->val.array.rawScalar = it->node->raw_scalar;
				it->state = FJI_ELEM;
				return WJB_BEGIN_ARRAY;
			}
			val->type = jbvObject;
			val->val.object.nPairs = it->node->n;
			it->state = FJI_KEY;
			return WJB_BEGIN_OBJECT;
		case FJI_ELEM:
		case FJI_VALUE:
			if (it->state == FJI_ELEM && it->index >= it->node->n)
			{
				*iterator = (JsonbIterator *) it->parent;
				pfree(it);
				return WJB_END_ARRAY;
			}
			child = it->node->items[it->index];
			if (it->state == FJI_VALUE)
				it->state = FJI_KEY;
			else
				it->index++;
			if (it->node->type == jbvObject)
				it->index++;
			if ((child->type == jbvArray || child->type == jbvObject) && !skipNested)
			{
				FJIterator *sub = palloc0(sizeof(FJIterator));

				sub->node = child;
				sub->state = FJI_START;
				sub->parent = it;
				*iterator = (JsonbIterator *) sub;
				return JsonbIteratorNext(iterator, val, skipNested);
			}
			FillValue(child, val);
			return it->node->type == jbvObject ? WJB_VALUE : WJB_ELEM;
		case FJI_KEY:
			if (it->index >= it->node->n)
			{
				*iterator = (JsonbIterator *) it->parent;
				pfree(it);
				return WJB_END_OBJECT;
			}
			FillValue(it->node->keys[it->index], val);
			it->state = FJI_VALUE;
			return WJB_KEY;
	}
	return WJB_DONE;
}

bool
JsonbExtractScalar(JsonbContainer *jbc, JsonbValue *res)
{
	FJNode	   *node;

	if (!JsonContainerIsArray(jbc) || !JsonContainerIsScalar(jbc))
	{
		res->type = jbvNull;
		return false;
	}
	node = NodeOf(jbc);
	FillValue(node->items[0], res);
	return true;
}

static void
FJOut(StringInfo out, FJNode *node)
{
	switch (node->type)
	{
		case jbvNull:
			appendStringInfoString(out, "null");
			break;
		case jbvBool:
			appendStringInfoString(out, node->boolean ? "true" : "false");
			break;
		case jbvNumeric:
			appendStringInfoString(out, node->str);
			break;
		case jbvString:
			escape_json(out, node->str);
			break;
		case jbvArray:
			if (node->raw_scalar)
			{
				FJOut(out, node->items[0]);
				break;
			}
			appendStringInfoChar(out, '[');
			for (int i = 0; i < node->n; i++)
			{
				if (i > 0)
					appendStringInfoString(out, ", ");
				FJOut(out, node->items[i]);
			}
			appendStringInfoChar(out, ']');
			break;
		case jbvObject:
			appendStringInfoChar(out, '{');
			for (int i = 0; i < node->n; i++)
			{
				if (i > 0)
					appendStringInfoString(out, ", ");
				escape_json(out, node->keys[i]->str);
				appendStringInfoString(out, ": ");
				FJOut(out, node->items[i]);
			}
			appendStringInfoChar(out, '}');
			break;
		default:
			elog(ERROR, "unknown jsonb node type %d", (int) node->type);
	}
}

char *
JsonbToCString(StringInfo out, JsonbContainer *in, int estimated_len)
{
	StringInfoData buf;

	if (out == NULL)
	{
		initStringInfo(&buf);
		out = &buf;
	}
	FJOut(out, NodeOf(in));
	return out->data;
}

/* numeric_out then float8in, as PostgreSQL 15 converts */
Datum
numeric_float8(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring((text *) PG_GETARG_POINTER(0));
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE && (v == 0.0 || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type double precision", s)));
	PG_RETURN_FLOAT8(v);
}

/* numeric_to_double_no_overflow: out of range becomes +-Infinity or 0 */
Datum
numeric_float8_no_overflow(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring((text *) PG_GETARG_POINTER(0));

	PG_RETURN_FLOAT8(strtod(s, NULL));
}

/* ---- harness life cycle ---- */

/*
 * What _PG_init does that the code under test relies on, looked up weakly
 * so the runtime links whether or not src/ has it (_PG_init itself defines
 * GUCs, which needs the server).
 */
extern void MaasLoadBlas(void) __attribute__((weak));
extern void MaasRegisterAlgorithms(const void *const *list, int n) __attribute__((weak));
extern const void *const maas_algorithm_list[] __attribute__((weak));
extern const int maas_algorithm_count __attribute__((weak));

void
FuzzInit(void)
{
	sigjmp_buf	jb;

	if (TopMemoryContext != NULL)
		return;
	fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
	TopMemoryContext = AllocSetContextCreateInternal(NULL, "TopMemoryContext", 0, 0, 0);
	ErrorContext = AllocSetContextCreateInternal(TopMemoryContext, "ErrorContext", 0, 0, 0);
	CurrentMemoryContext = TopMemoryContext;
	if (MaasRegisterAlgorithms && maas_algorithm_list)
		MaasRegisterAlgorithms(maas_algorithm_list, maas_algorithm_count);
	if (MaasLoadBlas)
	{
		PG_exception_stack = &jb;
		if (sigsetjmp(jb, 0) != 0)
			FuzzFailOnError("loading OpenBLAS (MaasLoadBlas)");
		MaasLoadBlas();
		PG_exception_stack = NULL;
	}
}

void
FuzzBegin(void)
{
	char		here;

	FuzzInit();
	stack_base = &here;
	fuzz_cxt = AllocSetContextCreateInternal(TopMemoryContext, "fuzz input", 0, 0, 0);
	fuzz_agg_cxt = AllocSetContextCreateInternal(fuzz_cxt, "fuzz aggregate", 0, 0, 0);
	CurrentMemoryContext = fuzz_cxt;
	PG_exception_stack = NULL;
	error_context_stack = NULL;
	in_error = false;
}

void
FuzzEnd(void)
{
	CurrentMemoryContext = TopMemoryContext;
	MemoryContextDelete(fuzz_cxt);
	fuzz_cxt = fuzz_agg_cxt = NULL;
	PG_exception_stack = NULL;
	if (TopMemoryContext->firstchild != ErrorContext || ErrorContext->nextchild != NULL)
		FuzzFail("a memory context outlived its input (not under the input's context)");
	if (((FuzzContext *) TopMemoryContext)->chunks != NULL)
		FuzzFail("memory allocated in TopMemoryContext outlived its input");
}
