/*
 * onnx.h
 *	  The optional module maas_onnx: ONNX Runtime behind function pointers.
 *
 * ONNX Runtime is a large library with threads of its own, present only
 * where it is installed (libonnxruntime-dev, Debian 13 and later).  The
 * core extension never links it: the module maas_onnx (onnx/maas_onnx.c,
 * built only where the library's headers are found) links it, and a
 * backend loads that module on first use (MaasOnnx, onnxmodule.c), never
 * the postmaster.  The module creates its threads with every signal
 * blocked, and keeps a few sessions per backend, keyed by the model bytes'
 * hash (replicated data, like the model cache).
 */
#ifndef MAAS_ONNX_H
#define MAAS_ONNX_H

#define MAAS_ONNX_ABI			1
#define MAAS_ONNX_SYMBOL		"maas_onnx_api"
#define MAAS_ONNX_MAX_NAME		256		/* bytes of an input or output name */
#define MAAS_ONNX_MAX_RANK		8
#define MAAS_ONNX_MAX_IO		64		/* inputs or outputs of a model */

/* element types (onnx.proto TensorProto.DataType), the ones maas feeds or reads */
#define MAAS_ONNX_FLOAT			1
#define MAAS_ONNX_INT32			6
#define MAAS_ONNX_INT64			7
#define MAAS_ONNX_DOUBLE		11

/* One declared input or output of a model */
typedef struct MaasOnnxTensor
{
	char		name[MAAS_ONNX_MAX_NAME];
	int			elem;			/* element type; 0: not a tensor (a map, a sequence) */
	int			rank;
	int64		dims[MAAS_ONNX_MAX_RANK];	/* -1: dynamic (a batch, a length) */
} MaasOnnxTensor;

typedef struct MaasOnnxIo
{
	int			n_inputs;
	int			n_outputs;
	MaasOnnxTensor inputs[MAAS_ONNX_MAX_IO];
	MaasOnnxTensor outputs[MAAS_ONNX_MAX_IO];
} MaasOnnxIo;

/* The model bytes a session is opened from, and how */
typedef struct MaasOnnxModel
{
	const char *bytes;
	int64		len;
	uint64		key;			/* hash of the bytes */
	int			threads;		/* intra-op threads (maas.threads) */
} MaasOnnxModel;

/* One input of a run: elem-typed data of shape dims */
typedef struct MaasOnnxFeed
{
	const char *name;
	int			elem;
	int			rank;
	const int64 *dims;
	const void *data;
} MaasOnnxFeed;

/* One output of a run, as float, palloc'd */
typedef struct MaasOnnxResult
{
	int			rank;
	int64		dims[MAAS_ONNX_MAX_RANK];
	int64		n;
	float	   *values;
} MaasOnnxResult;

typedef struct MaasOnnxApi
{
	uint32		abi;			/* MAAS_ONNX_ABI */
	const char *(*runtime_version) (void);
	/* the declared inputs and outputs; ERROR when the bytes are no model */
	void		(*describe) (const MaasOnnxModel *model, MaasOnnxIo *io);
	/* run the model on feeds, reading the output named output */
	void		(*run) (const MaasOnnxModel *model, int n_feeds, const MaasOnnxFeed *feeds,
						const char *output, MaasOnnxResult *result);
} MaasOnnxApi;

/*
 * onnxapi.c: the module, loaded on first use; ERROR saying what to install
 * where it is absent.  The loader (load_external_function) is fmgr's, so it
 * lives in functions/onnxload.c and _PG_init hands it to core here.
 */
extern const MaasOnnxApi *(*maas_onnx_loader) (void);
extern const MaasOnnxApi *MaasOnnx(void);

#endif							/* MAAS_ONNX_H */
