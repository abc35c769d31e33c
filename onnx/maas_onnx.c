/*
 * maas_onnx.c
 *	  The optional module maas_onnx: ONNX models run by ONNX Runtime's C API.
 *
 * Built only where ONNX Runtime's headers and library are installed
 * (libonnxruntime-dev on Debian 13 and later) and loaded by a backend on
 * its first ONNX model (src/functions/onnxload.c), never the postmaster.
 * It hands the core extension one table of functions (src/core/onnx.h).
 *
 * Threads: ONNX Runtime starts its intra-op threads when a session is
 * created; every signal is blocked around that, so the threads inherit a
 * mask that keeps PostgreSQL's signal handlers on the backend's own thread.
 * A session runs with maas.threads intra-op threads, one inter-op thread.
 *
 * Sessions are cached per backend, a few at a time, keyed by the model
 * bytes' hash and length and the thread count: the same bytes give the same
 * session whether they came from maas.models or inline, on a standby too.
 */
#include "postgres.h"

#include <pthread.h>
#include <signal.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "onnxruntime_c_api.h"

#include "core/core.h"
#include "core/onnx.h"

PG_MODULE_MAGIC;

#define N_SESSIONS		8

typedef struct Session
{
	bool		valid;
	uint64		key;
	int64		len;
	int			threads;
	uint64		last_used;
	OrtSession *session;
	MaasOnnxIo	io;
} Session;

static const OrtApi *ort;
static OrtEnv *env;
static OrtMemoryInfo *cpu;
static Session sessions[N_SESSIONS];
static uint64 clock_;

/* An ONNX Runtime status: nothing, or an ERROR with its message */
static void
Check(OrtStatus *st, int sqlstate, const char *what)
{
	char		msg[1024];

	if (st == NULL)
		return;
	strlcpy(msg, ort->GetErrorMessage(st), sizeof(msg));
	ort->ReleaseStatus(st);
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", what),
			 errdetail("ONNX Runtime: %s", msg)));
}

/* The environment, once per backend, created with every signal blocked */
static void
Start(void)
{
	sigset_t	all;
	sigset_t	saved;
	OrtStatus  *st;

	if (env != NULL)
		return;
	ort = OrtGetApiBase()->GetApi(ORT_API_VERSION);
	if (ort == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ONNX Runtime %s does not offer the API version maas was built with (%d)",
						OrtGetApiBase()->GetVersionString(), ORT_API_VERSION),
				 errhint("Rebuild maas against the installed ONNX Runtime.")));
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	st = ort->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "maas", &env);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	Check(st, ERRCODE_INTERNAL_ERROR, "could not start ONNX Runtime");
	Check(ort->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &cpu),
		  ERRCODE_INTERNAL_ERROR, "could not start ONNX Runtime");
}

/* One declared input or output: its name, element type and shape */
static void
Describe(OrtSession *s, bool output, size_t i, MaasOnnxTensor *t)
{
	OrtAllocator *alloc;
	char	   *name = NULL;
	OrtTypeInfo *info = NULL;
	const OrtTensorTypeAndShapeInfo *tinfo = NULL;
	OrtStatus  *st;
	size_t		rank = 0;
	enum ONNXTensorElementDataType elem = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;

	memset(t, 0, sizeof(*t));
	Check(ort->GetAllocatorWithDefaultOptions(&alloc), ERRCODE_INTERNAL_ERROR,
		  "could not read the onnx model's inputs");
	st = output ? ort->SessionGetOutputName(s, i, alloc, &name) :
		ort->SessionGetInputName(s, i, alloc, &name);
	Check(st, ERRCODE_INVALID_BINARY_REPRESENTATION, "could not read the onnx model's inputs");
	strlcpy(t->name, name, sizeof(t->name));
	st = ort->AllocatorFree(alloc, name);
	if (st == NULL)
		st = output ? ort->SessionGetOutputTypeInfo(s, i, &info) :
			ort->SessionGetInputTypeInfo(s, i, &info);
	if (st == NULL)
		st = ort->CastTypeInfoToTensorInfo(info, &tinfo);
	if (st == NULL && tinfo != NULL)
	{
		st = ort->GetTensorElementType(tinfo, &elem);
		if (st == NULL)
			st = ort->GetDimensionsCount(tinfo, &rank);
		if (st == NULL && rank <= MAAS_ONNX_MAX_RANK)
			st = ort->GetDimensions(tinfo, t->dims, rank);
		t->elem = (int) elem;
		t->rank = (int) rank;
		for (size_t d = 0; d < rank && d < MAAS_ONNX_MAX_RANK; d++)
			if (t->dims[d] < 1)
				t->dims[d] = -1;
	}
	if (info != NULL)
		ort->ReleaseTypeInfo(info);
	Check(st, ERRCODE_INVALID_BINARY_REPRESENTATION, "could not read the onnx model's inputs");
	if (rank > MAAS_ONNX_MAX_RANK)
		t->elem = 0;			/* not a tensor maas can read */
}

static void
DescribeAll(Session *e)
{
	size_t		n_in;
	size_t		n_out;

	Check(ort->SessionGetInputCount(e->session, &n_in), ERRCODE_INVALID_BINARY_REPRESENTATION,
		  "could not read the onnx model's inputs");
	Check(ort->SessionGetOutputCount(e->session, &n_out), ERRCODE_INVALID_BINARY_REPRESENTATION,
		  "could not read the onnx model's outputs");
	if (n_in > MAAS_ONNX_MAX_IO || n_out > MAAS_ONNX_MAX_IO || n_out == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("onnx model has %zu inputs and %zu outputs", n_in, n_out),
				 errdetail("maas reads models of at most %d inputs and 1 to %d outputs.",
						   MAAS_ONNX_MAX_IO, MAAS_ONNX_MAX_IO)));
	e->io.n_inputs = (int) n_in;
	e->io.n_outputs = (int) n_out;
	for (size_t i = 0; i < n_in; i++)
		Describe(e->session, false, i, &e->io.inputs[i]);
	for (size_t i = 0; i < n_out; i++)
		Describe(e->session, true, i, &e->io.outputs[i]);
}

/* A new session of the model; its threads start with signals blocked */
static OrtSession *
Open(const MaasOnnxModel *m)
{
	OrtSessionOptions *so;
	OrtSession *session = NULL;
	OrtStatus  *st;
	sigset_t	all;
	sigset_t	saved;

	Check(ort->CreateSessionOptions(&so), ERRCODE_INTERNAL_ERROR,
		  "could not set up an ONNX Runtime session");
	st = ort->SetIntraOpNumThreads(so, Max(m->threads, 1));
	if (st == NULL)
		st = ort->SetInterOpNumThreads(so, 1);
	if (st == NULL)
		st = ort->SetSessionExecutionMode(so, ORT_SEQUENTIAL);
	if (st == NULL)
		st = ort->SetSessionGraphOptimizationLevel(so, ORT_ENABLE_ALL);
	if (st == NULL)
	{
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &saved);
		st = ort->CreateSessionFromArray(env, m->bytes, (size_t) m->len, so, &session);
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	}
	ort->ReleaseSessionOptions(so);
	Check(st, ERRCODE_INVALID_BINARY_REPRESENTATION, "invalid onnx model");
	return session;
}

/* The inputs and outputs of a new session, which an error releases */
static void
DescribeOrRelease(Session *volatile e)
{
	PG_TRY();
	{
		DescribeAll(e);
	}
	PG_CATCH();
	{
		ort->ReleaseSession(e->session);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* The cached session of the model, opened when missing */
static Session *
Find(const MaasOnnxModel *m)
{
	Session    *victim = &sessions[0];

	Start();
	for (int i = 0; i < N_SESSIONS; i++)
	{
		Session    *e = &sessions[i];

		if (e->valid && e->key == m->key && e->len == m->len && e->threads == m->threads)
		{
			e->last_used = ++clock_;
			return e;
		}
	}
	for (int i = 0; i < N_SESSIONS; i++)
	{
		if (!sessions[i].valid)
		{
			victim = &sessions[i];
			break;
		}
		if (sessions[i].last_used < victim->last_used)
			victim = &sessions[i];
	}
	if (victim->valid)
	{
		ort->ReleaseSession(victim->session);
		victim->valid = false;
	}
	victim->session = Open(m);
	DescribeOrRelease(victim);
	victim->key = m->key;
	victim->len = m->len;
	victim->threads = m->threads;
	victim->last_used = ++clock_;
	victim->valid = true;
	return victim;
}

static const char *
RuntimeVersion(void)
{
	return OrtGetApiBase()->GetVersionString();
}

static void
OnnxDescribe(const MaasOnnxModel *m, MaasOnnxIo *io)
{
	*io = Find(m)->io;
}

static size_t
ElemSize(int elem)
{
	return elem == MAAS_ONNX_DOUBLE || elem == MAAS_ONNX_INT64 ? 8 : 4;
}

/* The output value as floats in result; the value is released by the caller */
static OrtStatus *
Fetch(OrtValue *value, MaasOnnxResult *result)
{
	OrtTensorTypeAndShapeInfo *info;
	OrtStatus  *st;
	size_t		rank = 0;
	size_t		n = 0;
	enum ONNXTensorElementDataType elem = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
	void	   *data = NULL;

	st = ort->GetTensorTypeAndShape(value, &info);
	if (st != NULL)
		return st;
	st = ort->GetDimensionsCount(info, &rank);
	if (st == NULL && (rank < 1 || rank > MAAS_ONNX_MAX_RANK))
		rank = 0;
	if (st == NULL && rank > 0)
		st = ort->GetDimensions(info, result->dims, rank);
	if (st == NULL)
		st = ort->GetTensorShapeElementCount(info, &n);
	if (st == NULL)
		st = ort->GetTensorElementType(info, &elem);
	ort->ReleaseTensorTypeAndShapeInfo(info);
	if (st == NULL)
		st = ort->GetTensorMutableData(value, &data);
	if (st != NULL)
		return st;
	result->rank = (int) rank;
	result->n = (int64) n;
	if (rank == 0 || n > MaxAllocSize / sizeof(float) ||
		(elem != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT && elem != ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE))
	{
		result->values = NULL;
		return NULL;
	}
	result->values = palloc(sizeof(float) * Max(n, 1));
	if (elem == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT)
		memcpy(result->values, data, sizeof(float) * n);
	else
		for (size_t i = 0; i < n; i++)
			result->values[i] = (float) ((double *) data)[i];
	return NULL;
}

static void
Run(const MaasOnnxModel *m, int n_feeds, const MaasOnnxFeed *feeds, const char *output,
	MaasOnnxResult *result)
{
	Session    *e = Find(m);
	OrtValue  **in = palloc0(sizeof(OrtValue *) * Max(n_feeds, 1));
	const char **names = palloc(sizeof(char *) * Max(n_feeds, 1));
	OrtValue   *out = NULL;
	OrtStatus  *st = NULL;

	memset(result, 0, sizeof(*result));
	for (int f = 0; f < n_feeds && st == NULL; f++)
	{
		size_t		bytes = ElemSize(feeds[f].elem);

		for (int d = 0; d < feeds[f].rank; d++)
			bytes *= (size_t) feeds[f].dims[d];
		names[f] = feeds[f].name;
		st = ort->CreateTensorWithDataAsOrtValue(cpu, (void *) feeds[f].data, bytes,
												 feeds[f].dims, feeds[f].rank,
												 (enum ONNXTensorElementDataType) feeds[f].elem,
												 &in[f]);
	}
	if (st == NULL)
		st = ort->Run(e->session, NULL, names, (const OrtValue *const *) in, n_feeds,
					  &output, 1, &out);
	for (int f = 0; f < n_feeds; f++)
		if (in[f] != NULL)
			ort->ReleaseValue(in[f]);
	Check(st, ERRCODE_DATA_EXCEPTION, "ONNX Runtime could not run the onnx model");
	PG_TRY();
	{
		st = Fetch(out, result);
	}
	PG_FINALLY();
	{
		ort->ReleaseValue(out);
	}
	PG_END_TRY();
	Check(st, ERRCODE_DATA_EXCEPTION, "ONNX Runtime could not run the onnx model");
	if (result->values == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("onnx model output \"%s\" is not a float tensor maas can read", output)));
	pfree(in);
	pfree(names);
}

static const MaasOnnxApi api = {
	.abi = MAAS_ONNX_ABI,
	.runtime_version = RuntimeVersion,
	.describe = OnnxDescribe,
	.run = Run,
};

PGDLLEXPORT const MaasOnnxApi *maas_onnx_api(void);

const MaasOnnxApi *
maas_onnx_api(void)
{
	return &api;
}
