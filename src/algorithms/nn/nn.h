/*
 * nn.h
 *	  Neural network building blocks: dense layers with their activations,
 *	  losses, and the workspace a batch runs in.
 *
 * A network is a stack of dense layers over one float parameter vector
 * (each layer's weights, in x out row-major, then its biases), so an
 * optimizer steps over all of it at once.  Activations are row-major,
 * rows x units.  Each pass is one function over a chunk of rows with
 * explicit buffers (llm.c's style): forward keeps every layer's
 * pre-activation and output, backward turns the output's gradient into the
 * parameters' gradient.  Arithmetic is single precision through sgemm.
 */
#ifndef MAAS_NN_H
#define MAAS_NN_H

#include "common/pg_prng.h"

#include "core/core.h"

/* hidden activations, in the order of NN_ACTIVATIONS; softmax is the output's */
#define NN_ACTIVATIONS	"relu,sigmoid,tanh,linear,leaky_relu,gelu"
typedef enum NnActivation
{
	NN_RELU, NN_SIGMOID, NN_TANH, NN_LINEAR, NN_LEAKY_RELU, NN_GELU, NN_SOFTMAX
} NnActivation;

#define NN_LEAKY_SLOPE	0.01f	/* PyTorch's LeakyReLU default */

/* losses, in the order of NN_LOSSES */
#define NN_LOSSES	"mse,mae,huber,binary_crossentropy,categorical_crossentropy"
typedef enum NnLoss
{
	NN_MSE, NN_MAE, NN_HUBER, NN_BCE, NN_CCE
} NnLoss;

typedef struct NnLayer
{
	int			in;
	int			out;
	int			activation;		/* NnActivation */
	float		dropout;		/* of this layer's output, in training */
	int64		w;				/* offset of the weights in the parameters */
	int64		b;				/* offset of the biases */
} NnLayer;

typedef struct NnNet
{
	int			n_layers;		/* hidden layers and the output layer */
	NnLayer    *layers;
	int64		n_params;
	int			max_units;		/* widest layer, inputs included */
} NnNet;

/* The buffers of one chunk of at most rows rows */
typedef struct NnWork
{
	int			rows;
	float	  **z;				/* per layer: pre-activation, rows x out */
	float	  **a;				/* a[0] the input, a[l + 1] layer l's output */
	float	  **mask;			/* per layer: dropout scale of each output, or NULL */
	bool		dropped;		/* the last forward pass applied the masks */
	float	   *da;				/* rows x max_units */
	float	   *dz;				/* rows x max_units */
} NnWork;

/* layers.c */
extern void NnInitNet(NnNet *net, int n_inputs, int n_hidden, const int *units,
					  const int *activations, const float *dropout, int n_outputs,
					  int output_activation);
extern void NnInitWeights(const NnNet *net, float *params, pg_prng_state *rng);
extern Size NnWorkBytes(const NnNet *net, int rows);
extern void NnWorkInit(NnWork *w, const NnNet *net, int rows, bool dropout);
extern void NnForward(const NnNet *net, const float *params, NnWork *w, int rows,
					  pg_prng_state *dropout_rng);
extern void NnBackward(const NnNet *net, const float *params, NnWork *w, int rows,
					   float *grad, float *dinput);
extern void NnActivate(int activation, const float *z, float *a, int rows, int units);
extern void NnClassProbabilities(const float *z, int units, double *out);

/* recurrent.c: sequences are time-major, T x B x features */
typedef enum NnRecurrentKind
{
	NN_LSTM, NN_GRU
} NnRecurrentKind;

extern void NnEmbeddingForward(const float *table, int dim, const int32 *ids, int64 n,
							   float *out);
extern void NnEmbeddingBackward(int dim, const int32 *ids, int64 n, const float *dout,
								float *dtable);
extern Size NnRecurrentParams(int kind, int in, int units);
extern void NnLstmForward(int in, int units, const float *params, const float *x,
						  int T, int B, float *h, float *c, float *gates);
extern void NnLstmBackward(int in, int units, const float *params, const float *x,
						   int T, int B, const float *h, const float *c,
						   const float *gates, const float *dh, float *grad, float *dx,
						   float *work);
extern void NnGruForward(int in, int units, const float *params, const float *x,
						 int T, int B, float *h, float *gates, float *hn, float *work);
extern void NnGruBackward(int in, int units, const float *params, const float *x,
						  int T, int B, const float *h, const float *gates,
						  const float *hn, const float *dh, float *grad, float *dx,
						  float *work);

/*
 * The buffers of one direction's pass (h, c, gates, hn: T x B x units, 4
 * units for gates; work: 2 x T x B x 4 units + 2 x B x units floats); the
 * LSTM ignores hn, the GRU c
 */
typedef struct NnRecurrentPass
{
	float	   *h;
	float	   *c;
	float	   *gates;
	float	   *hn;
	float	   *work;
} NnRecurrentPass;

extern void NnRecurrentForward(int kind, int in, int units, const float *params,
							   const float *x, int T, int B, NnRecurrentPass *p);
extern void NnRecurrentBackward(int kind, int in, int units, const float *params,
								const float *x, int T, int B, const NnRecurrentPass *p,
								const float *dh, float *grad, float *dx);
extern void NnReverseSteps(const float *src, int T, int B, int width, float *dst);
extern void NnBiForward(int kind, int in, int units, const float *params, const float *x,
						int T, int B, float *xr, NnRecurrentPass *dir);
extern void NnBiBackward(int kind, int in, int units, const float *params, const float *x,
						 const float *xr, int T, int B, const NnRecurrentPass *dir,
						 const float *dh, const float *dhr, float *grad, float *dx,
						 float *dxr);

/* conv.c: sequences are batch-major, B x T x features */
extern Size NnConvParams(int in, int width, int filters);
extern void NnConvPoolForward(int in, int width, int filters, const float *params,
							  const float *x, int T, int B, float *y, float *pooled,
							  int32 *argmax, int ld);
extern void NnConvPoolBackward(int in, int width, int filters, const float *params,
							   const float *x, int T, int B, const float *pooled,
							   const int32 *argmax, const float *dpooled, int ld,
							   float *grad, float *dx);

/*
 * text_train.c: what the text models share.  NN_TEXT_PARAMS: the spec
 * entries of their training options, fields epochs, batch_size and
 * learning_rate of options struct type.
 */
#define NN_TEXT_PARAMS(type) \
	{"epochs", MAAS_PARAM_INT, "10", 1, 100000, NULL, \
		"passes over the training rows", offsetof(type, epochs)}, \
	{"batch_size", MAAS_PARAM_INT, "32", 1, 65536, NULL, \
		"rows per Adam step", offsetof(type, batch_size)}, \
	{"learning_rate", MAAS_PARAM_FLOAT, "0.001", 1e-9, 10, NULL, \
		"Adam's step size (Keras's default)", offsetof(type, learning_rate)}

extern void NnTextAdam(MaasOptimizer *adam, int64 n_params);
extern void NnTextShuffle(int32 *order, int64 n, pg_prng_state *rng);
extern void NnTextEpochEnd(MaasProgress *progress, int epoch, int epochs, double loss,
						   double learning_rate, double *history);
extern float *NnTextReadParams(MaasReader *r, int64 n_params);
extern void NnWriteHistory(StringInfo buf, const double *loss, int epochs, const float *params,
						   int64 n_params);
extern float *NnReadHistory(MaasReader *r, int *epochs, double **loss, int64 n_params);
extern void NnDescribeHistory(MaasJson *json, int64 n_params, const double *loss, int epochs);

/* loss.c */
extern double NnLossGrad(int loss, const float *z, const float *y, int rows, int units,
						 double huber_delta, float scale, float *dz);

#endif							/* MAAS_NN_H */
