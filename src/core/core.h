/*
 * core.h
 *	  The core layer: the model and its preprocessing spec, the algorithm
 *	  interface, the model bytes, typed options, JSON, metrics, the memory
 *	  budget, progress, linear algebra, optimizers and the thread pool.
 *
 * A model is a preprocessing spec (input columns -> encoded feature vector),
 * a target spec (class labels), and an algorithm's fitted state.  Every
 * algorithm implements one MaasAlgorithm; adding one is a new file or folder
 * under src/algorithms plus a line in src/algorithms/algorithms.c.
 *
 * Core includes only PostgreSQL and BLAS: nothing here runs SQL, reads the
 * catalog or knows about fmgr calls.  See src/README.md for the layers.
 */
#ifndef MAAS_CORE_H
#define MAAS_CORE_H

#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "port/atomics.h"
#include "storage/shmem.h"			/* add_size, mul_size: every layer sizes with them */
#include "utils/jsonb.h"

#include "core/compat.h"

/* Limits */
#define MAAS_MAX_FEATURES		100000	/* encoded features of one model */
#define MAAS_MAX_COLUMNS		1600	/* input columns (PostgreSQL's own) */
#define MAAS_MAX_CLASSES		1000
#define MAAS_CURVE_POINTS		1000	/* kept of a training curve, evenly spaced */
#define MAAS_MAX_CATEGORIES		10000	/* per categorical column */
#define MAAS_MAX_NAME			NAMEDATALEN

/* Tasks; the numbers are stored in model bytes */
typedef enum MaasTask
{
	MAAS_TASK_REGRESSION = 1,
	MAAS_TASK_BINARY = 2,
	MAAS_TASK_MULTICLASS = 3,
	MAAS_TASK_CLUSTERING = 4,	/* no target; outputs: distance to each centre */
	MAAS_TASK_DECOMPOSITION = 5,	/* no target; outputs: coordinates */
	MAAS_TASK_RECOMMENDATION = 6	/* (user, item) -> a score */
} MaasTask;

#define MAAS_TASK_LAST			MAAS_TASK_RECOMMENDATION

#define MAAS_TASK_BIT(t)		(1u << (t))
#define MAAS_TASKS_CLASSIFY		(MAAS_TASK_BIT(MAAS_TASK_BINARY) | MAAS_TASK_BIT(MAAS_TASK_MULTICLASS))
#define MaasTaskIsClassification(t)	((t) == MAAS_TASK_BINARY || (t) == MAAS_TASK_MULTICLASS)
#define MaasTaskIsUnsupervised(t)	((t) == MAAS_TASK_CLUSTERING || (t) == MAAS_TASK_DECOMPOSITION)

/* How an input column becomes encoded features; stored in model bytes */
typedef enum MaasColumnKind
{
	MAAS_COL_NUMERIC = 1,		/* one feature, the value */
	MAAS_COL_BOOLEAN = 2,		/* one feature, 0 or 1 */
	MAAS_COL_CATEGORICAL = 3,	/* one feature per category (one-hot) */
	MAAS_COL_ARRAY = 4,			/* float8[] or vector: one feature per element */
	MAAS_COL_TEXT = 5,			/* a document: token ids (MaasTokenizer), no features */
	MAAS_COL_TIMESTAMP = 6,		/* date, timestamp, timestamptz: epoch and calendar parts */
	MAAS_COL_INTERVAL = 7		/* interval: one feature, its seconds */
} MaasColumnKind;

/* the encoded features of a timestamp column (calendar.c) */
#define MAAS_TIME_WIDTH				5	/* epoch, year, month, day of week, hour */
#define MAAS_TIME_CYCLICAL_WIDTH	8	/* epoch, year, sine and cosine of the rest */

/*
 * A tokenizer: how a document column becomes token ids, with its settings
 * and vocabulary stored in the model (tokenizer.c), so serving tokenizes
 * exactly as training did.  Ids: 0 pads, 1 is a token out of the
 * vocabulary, 2.. the vocabulary by descending training frequency.
 */
#define MAAS_TOKEN_PAD			0
#define MAAS_TOKEN_OOV			1
#define MAAS_TOKEN_FIRST		2
#define MAAS_MAX_VOCAB			1000000 /* tokens of one vocabulary */
#define MAAS_MAX_MAXLEN			100000	/* tokens kept of one document */
#define MAAS_MAX_NGRAM			5		/* word n-grams of the tokenizer */
#define MAAS_MAX_TOKEN_BYTES	256		/* longer words are cut */

typedef struct MaasTokenizer
{
	int			maxlen;			/* tokens kept of a document, the first ones */
	int			num_words;		/* vocabulary limit asked for; 0: no limit */
	int			ngram_min;		/* word n-grams emitted: ngram_min..ngram_max */
	int			ngram_max;
	bool		lowercase;
	const char *stem;			/* text search configuration, or "" for none */
	int			n_vocab;
	char	  **vocab;			/* token id MAAS_TOKEN_FIRST + k is vocab[k] */
	int32	   *sorted;			/* vocabulary indexes in strcmp order (lookup) */
	int32	   *lengths;		/* strlen of each token */
	/*
	 * not stored: a tokenizer of the algorithm's own (an imported model's
	 * Hugging Face tokenizer), set by its deserialize; when set, a document
	 * becomes at most maxlen ids through it instead of the words above
	 */
	int			(*encode) (const struct MaasTokenizer *t, const char *text, int len,
						   int32 *ids);
	const void *encode_arg;
} MaasTokenizer;

/* One input column of a model */
typedef struct MaasColumn
{
	char	   *name;
	MaasColumnKind kind;
	int			offset;			/* first encoded feature */
	int			width;			/* encoded features it produces */
	/* categorical: sorted (strcmp) vocabulary; unseen values encode as zeros */
	int			n_categories;
	char	  **categories;
	/* per encoded feature: the value a NULL becomes (NaN: left missing) */
	double	   *impute;
	/* text: its tokenizer (a NULL document is an empty one) */
	MaasTokenizer *tokenizer;
} MaasColumn;

/* Input columns -> encoded feature vector */
typedef struct MaasPreprocess
{
	int			n_columns;
	MaasColumn *columns;
	int			n_features;		/* sum of widths */
} MaasPreprocess;

/* The target: its name, and for classification its labels */
typedef struct MaasTarget
{
	char	   *name;			/* NULL when unknown (aggregate) */
	MaasColumnKind kind;		/* numeric, boolean or categorical (text) */
	int			n_classes;		/* 0 for regression */
	char	  **labels;			/* class labels as text, in class order */
	double	   *values;			/* numeric value of each class, NaN if text */
} MaasTarget;

struct MaasAlgorithm;
struct MaasReader;
struct MaasJson;
struct MaasPostprocess;

/* A deserialized, ready-to-predict model */
typedef struct MaasModel
{
	const struct MaasAlgorithm *algorithm;
	MaasTask	task;
	int			n_features;
	int			n_outputs;		/* 1 for regression, n_classes otherwise */
	MaasPreprocess prep;
	MaasTarget	target;
	void	   *state;			/* algorithm's fitted parameters */
	/* learned from the held-out rows (postprocess.c); NULL: nothing */
	struct MaasPostprocess *post;
	/*
	 * the bytes of its training rows' profile, which profile.c reads and
	 * writes (MaasModelProfile): opaque to the format; NULL: none
	 */
	const uint8 *profile;
	uint32		profile_len;
} MaasModel;

/*
 * Training data handed to an algorithm: column-major, n_rows x n_features,
 * with the target as one more column (y == X + n_features * ld).  NaN marks
 * a missing value, present only when the algorithm handles missing values.
 */
typedef struct MaasMatrix
{
	int64		n_rows;
	int64		ld;				/* leading dimension (row capacity) */
	int			n_cols;			/* features + 1 (the target) */
	double	   *data;
} MaasMatrix;

#define MaasMatrixColumn(m, j)	((m)->data + (int64) (j) * (m)->ld)

/*
 * What an algorithm reads.  Dense rows are the only kind today; the others
 * are how the interface grows (src/algorithms/README.md): each kind is one
 * more member of MaasTrainData and MaasInput, filled by the data layer, so
 * the SQL layer never special-cases an algorithm.
 */
typedef enum MaasInputKind
{
	MAAS_INPUT_DENSE = 1,		/* n_features doubles per row */
	MAAS_INPUT_SPARSE = 2,		/* reserved: CSR rows (text, issue 10) */
	MAAS_INPUT_TOKENS = 3,		/* reserved: token sequences (issue 10) */
	MAAS_INPUT_PAIRS = 4,		/* reserved: (user, item) pairs (recommenders) */
	MAAS_INPUT_FLOAT_ROWS = 5	/* dense, single precision, row-major (MLP) */
} MaasInputKind;

/*
 * Training rows in single precision, row-major (MAAS_INPUT_FLOAT_ROWS):
 * what a mini-batch reads, at half the memory of the double matrix and
 * without a copy.  Row i is data[i * n_cols ...], the target last.  The
 * value of column j is data[i * n_cols + j] + origin[j]: the loader
 * subtracts a value of the column seen early, so large offsets
 * (timestamps, ids) keep their precision in a float.
 */
typedef struct MaasFloatRows
{
	int64		n_rows;
	int64		cap;			/* rows allocated */
	int			n_cols;			/* features + 1 (the target) */
	float	   *data;
	double	   *origin;			/* per column */
} MaasFloatRows;

#define MaasFloatRow(f, i)		((f)->data + (int64) (i) * (f)->n_cols)

/*
 * Keys of the users or the items of a pairs model (MAAS_INPUT_PAIRS), in
 * their SQL type: integers as int64, text and uuid as bytes.  Sorted
 * ascending (integers by value, bytes by memcmp, then length) and unique,
 * so a key's index is found by binary search (keys.c).
 */
typedef enum MaasKeyType
{
	MAAS_KEY_INT4 = 1,
	MAAS_KEY_INT8 = 2,
	MAAS_KEY_TEXT = 3,
	MAAS_KEY_UUID = 4			/* 16 bytes each */
} MaasKeyType;

#define MAAS_MAX_KEYS			100000000	/* users or items of one model */

typedef struct MaasKeys
{
	MaasKeyType type;
	int32		n;
	int64	   *ints;			/* integer keys */
	uint32	   *offsets;		/* text and uuid: n + 1 offsets into bytes */
	char	   *bytes;
} MaasKeys;

/* One key of a lookup: ival for integers, data/len for bytes */
typedef struct MaasKey
{
	int64		ival;
	const char *data;
	int			len;
} MaasKey;

/*
 * What a pairs model knows of its data beyond its parameters: the keys, and
 * the items each user rated in training (to leave them out of
 * recommendations; NULL when not kept).  A pairs model's two input columns
 * (MaasPreprocess) are its user and item columns, and a row's encoded
 * features are the user's and the item's indices, -1 when unknown.
 */
typedef struct MaasPairs
{
	MaasKeys	users;
	MaasKeys	items;
	bool		implicit;		/* ratings are confidences: rank, do not compare */
	int64	   *seen_start;		/* n_users + 1 offsets into seen, or NULL */
	int32	   *seen;			/* item indices, ascending per user */
} MaasPairs;

/*
 * Token sequences of documents (MAAS_INPUT_TOKENS), one per row of the
 * matching matrix: row i is ids[start[i] .. start[i + 1]), at most the
 * tokenizer's maxlen, not padded.
 */
typedef struct MaasTokenRows
{
	int64		n_rows;
	int64		cap;			/* rows allocated (start holds cap + 1) */
	int64	   *start;
	int64		n_tokens;
	int64		token_cap;
	int32	   *ids;
	const MaasTokenizer *tokenizer;
} MaasTokenRows;

typedef struct MaasTrainData
{
	MaasInputKind input;
	MaasMatrix	m;				/* dense: features, then the target */
	MaasFloatRows rows;			/* float rows: features, then the target */
	int			n_features;
	MaasTask	task;
	int			n_classes;		/* classification: y holds 0..n_classes-1 */
	int			seed;			/* params "seed": randomized algorithms */
	const MaasPreprocess *prep; /* feature names, categorical columns */
	/* pairs: m's columns are user index, item index, rating */
	const MaasPairs *pairs;		/* the keys (seen items not filled) */
	/* tokens: each row's document, m holding the other columns and target */
	const MaasTokenRows *tokens;
	/* per row, for algorithms with takes_weights; NULL: every row weighs 1 */
	const double *weights;
} MaasTrainData;

#define MaasTrainX(d)	((d)->m.data)
#define MaasTrainY(d)	MaasMatrixColumn(&(d)->m, (d)->n_features)

/* One row to predict or explain, of the algorithm's input kind */
typedef struct MaasInput
{
	MaasInputKind kind;
	const double *x;			/* dense: n_features encoded values */
	int			n_tokens;		/* tokens: the document's ids (not padded) */
	const int32 *tokens;
} MaasInput;

/*
 * Options ("params" jsonb).  Each algorithm declares its options as a C
 * struct and a spec table that maps names to its fields with offsetof;
 * MaasParseParams checks the jsonb against the table and fills the struct
 * once, defaults included, so no algorithm looks a value up by name.
 */
typedef enum MaasParamType
{
	MAAS_PARAM_INT,				/* int */
	MAAS_PARAM_FLOAT,			/* double; NaN when unset without default */
	MAAS_PARAM_BOOL,			/* bool */
	MAAS_PARAM_CHOICE,			/* int: index in choices; -1 when unset */
	MAAS_PARAM_NAMES,			/* MaasNames: an array of column names */
	MAAS_PARAM_INTS,			/* MaasInts: an array of integers in [min, max] */
	MAAS_PARAM_LAYERS,			/* MaasLayers: an array of layer objects */
	MAAS_PARAM_FLOATS,			/* MaasFloats: an array of numbers in [min, max] */
	MAAS_PARAM_SPLIT,			/* MaasSplit: "random", "stratified", {"order_by": col}
								 * or {"group_by": col} */
	MAAS_PARAM_CLASS_WEIGHT		/* MaasClassWeight: "balanced" or {"label": weight} */
} MaasParamType;

/* Weights of the classes in a fit (the "class_weight" option) */
typedef struct MaasClassWeight
{
	int			kind;			/* -1 none, 0 balanced, 1 the map */
	int			n;
	char	  **labels;			/* map: class labels as text */
	double	   *weights;
} MaasClassWeight;

/* How maas_train holds rows out (the "split" option) */
typedef enum MaasSplitKind
{
	MAAS_SPLIT_RANDOM, MAAS_SPLIT_STRATIFIED, MAAS_SPLIT_TIME, MAAS_SPLIT_GROUP
} MaasSplitKind;

typedef struct MaasSplit
{
	int			kind;			/* MaasSplitKind; -1 when not given (random) */
	char	   *column;			/* time: the order column; group: the group column */
} MaasSplit;

typedef struct MaasNames
{
	int			n;
	char	  **names;			/* NULL when not given */
} MaasNames;

typedef struct MaasInts
{
	int			n;
	int		   *values;			/* NULL when not given */
} MaasInts;

typedef struct MaasFloats
{
	int			n;
	double	   *values;			/* NULL when not given */
} MaasFloats;

/*
 * One layer of a network, as {"units": 64, "activation": "relu",
 * "dropout": 0.1}: units in [min, max] of the spec, activation one of its
 * choices (-1 when not given), dropout in [0, 1) (NaN when not given).
 */
typedef struct MaasLayerSpec
{
	int			units;
	int			activation;
	double		dropout;
} MaasLayerSpec;

typedef struct MaasLayers
{
	int			n;
	MaasLayerSpec *layers;		/* NULL when not given */
} MaasLayers;

typedef struct MaasParamSpec
{
	const char *name;
	MaasParamType type;
	const char *default_value;	/* as JSON text; NULL: no default */
	double		min;			/* numbers: inclusive bounds */
	double		max;
	const char *choices;		/* choice: comma-separated allowed values */
	const char *help;
	Size		offset;			/* of the field in the options struct */
} MaasParamSpec;

typedef struct MaasParamValue
{
	const MaasParamSpec *spec;
	void	   *options;		/* the struct holding its field */
	bool		is_set;			/* given or defaulted */
} MaasParamValue;

typedef struct MaasParams
{
	int			n;
	MaasParamValue *values;		/* the algorithm's, then the common ones */
	void	   *common;			/* MaasTrainOptions or MaasFitOptions */
	void	   *options;		/* the algorithm's options struct */
} MaasParams;

/* Choices of the common options, in the order of their choices strings */
typedef enum MaasDeploy
{
	MAAS_DEPLOY_AUTO, MAAS_DEPLOY_ALWAYS, MAAS_DEPLOY_NEVER
} MaasDeploy;

typedef enum MaasMissing
{
	MAAS_MISSING_IMPUTE, MAAS_MISSING_SKIP, MAAS_MISSING_ERROR, MAAS_MISSING_NATIVE
} MaasMissing;

typedef enum MaasTaskChoice
{
	MAAS_CHOOSE_AUTO, MAAS_CHOOSE_REGRESSION, MAAS_CHOOSE_CLASSIFICATION
} MaasTaskChoice;

/* Options of maas_train that every algorithm shares */
typedef struct MaasTrainOptions
{
	double		test_size;
	int			seed;
	int			deploy;			/* MaasDeploy */
	int			missing;		/* MaasMissing; resolved by MaasResolveMissing */
	int			max_categories;
	MaasNames	features;
	MaasNames	exclude;
	int			task;			/* MaasTaskChoice */
	/* text columns and their tokenizer (tokenizer.c); 0 or unset: default */
	MaasNames	text;
	int			num_words;
	int			maxlen;
	int			stem;			/* index in MAAS_STEM_CHOICES, -1 none */
	MaasInts	ngram_range;
	int			calibration;	/* MaasCalibration */
	bool		intervals;		/* regressors: keep held-out residuals */
	int			time_encoding;	/* -1 or 0: calendar parts; 1: cyclical */
	MaasSplit	split;
	MaasNames	sample_weight;	/* the column of row weights */
	MaasClassWeight class_weight;
	bool		profile;		/* read through MaasKeepsProfile: unset is true */
} MaasTrainOptions;

/* Options of maas_fit besides the algorithm's */
typedef struct MaasFitOptions
{
	int			seed;
	int			task;			/* MaasTaskChoice */
} MaasFitOptions;

/* Comoments of [X y]: count, means and centered cross products */
typedef struct MaasComoment
{
	int			q;				/* columns including the target */
	double		n;
	double	   *mean;			/* q */
	double	   *c;				/* q x q, column-major, lower triangle used */
} MaasComoment;

/*
 * Mergeable sufficient statistics of any shape ("stats"), for algorithms
 * whose fit needs sums rather than rows but more than the comoments: a
 * group of width doubles per distinct target value for classification
 * (keys ascending: the class values), or one group (key 0) otherwise.  The
 * algorithm says how wide a group is, how a row is added to it and how two
 * groups merge; maas_fit keeps only these groups in its state, merges them
 * across parallel workers and shards, and hands them to fit_stats.
 */
typedef struct MaasStats
{
	int			p;				/* features */
	int			width;			/* doubles per group */
	int			n_groups;
	const double *keys;			/* n_groups, ascending */
	const double *groups;		/* n_groups x width, one group after another */
} MaasStats;

struct MaasProgressSlot;

/*
 * Training progress, reported as NOTICEs at maas.progress_interval, and in
 * maas.progress through a slot in shared memory when published
 */
typedef struct MaasProgress
{
	const char *what;
	int64		start_ms;
	int64		last_ms;
	struct MaasProgressSlot *slot;	/* NULL: not published */
	struct MaasCurve *curve;	/* (iteration, loss) pairs; NULL: not kept */
} MaasProgress;

/*
 * A model read from another library's file (maas_import): what the
 * algorithm's import found besides its state
 */
typedef struct MaasImported
{
	MaasTask	task;
	int			n_features;
	char	  **feature_names;	/* n_features names, or NULL: the file has none */
	int			n_classes;		/* classification: classes 0..n_classes-1 */
	const char *objective;		/* the library's name of what it learned */
	void	   *state;
	/*
	 * in: maas_import's options other than its own (features, labels,
	 * target, deploy), an algorithm's spec of the file (onnx), or NULL; the
	 * import sets spec_read when it took them
	 */
	Jsonb	   *spec;
	bool		spec_read;
	/* out: a model of one document column, named by feature_names[0] */
	MaasTokenizer *document;
	/* out: decomposition (an embedding): its width */
	int			n_outputs;
} MaasImported;

/* What an algorithm implements */
typedef struct MaasAlgorithm
{
	const char *name;			/* SQL name */
	uint16		id;				/* stored in model bytes; never reused */
	uint32		tasks;			/* MAAS_TASK_BIT mask */
	bool		handles_missing;	/* takes NaN features without imputation */
	MaasInputKind input;		/* what a row is */
	/* dense input plus one document column (MaasTrainData.tokens, MaasInput.tokens) */
	bool		reads_documents;
	const MaasParamSpec *params;	/* terminated by a NULL name */
	Size		options_size;	/* of the struct params fills */

	/* fit on rows; result is the algorithm state, palloc'd */
	void	   *(*fit) (const MaasTrainData *data, const void *options,
						MaasProgress *progress);
	/* fit from comoments instead of rows, where the algorithm allows it */
	void	   *(*fit_comoment) (const MaasComoment *cm, MaasTask task,
								 const void *options);
	/* out: n_outputs values (the value, or class probabilities) */
	void		(*predict) (const MaasModel *model, const MaasInput *in, double *out);
	/* model bytes of the state, and back; the reader validates everything */
	void		(*serialize) (const MaasModel *model, StringInfo buf);
	void	   *(*deserialize) (struct MaasReader *reader, const MaasModel *model);
	/* JSON members describing the state (inside an open object) */
	void		(*describe) (const MaasModel *model, struct MaasJson *json);
	/*
	 * additive contributions of each encoded feature to the explained score
	 * (see explain.c); NULL if not available
	 */
	void		(*explain) (const MaasModel *model, const MaasInput *in,
							double *contrib, double *base);
	/* per encoded feature: total gain and split count; NULL if not available */
	void		(*importance) (const MaasModel *model, double *gain, double *splits);
	/*
	 * every row of a column-major matrix (its first n_features columns) into
	 * out, n_rows x n_outputs, the same values as predict gives; NULL: the
	 * rows go through predict one by one
	 */
	void		(*predict_matrix) (const MaasModel *model, const MaasMatrix *m,
								   int n_features, double *out);
	/*
	 * a model whose only input is a document (no dense features): every row
	 * of tokens into out, n_rows x n_outputs, the same values as predict
	 * gives; NULL: the rows go through predict one by one
	 */
	void		(*predict_tokens) (const MaasModel *model, const MaasTokenRows *tokens,
								   double *out);
	/*
	 * clustering and decomposition: the output count (clusters, components)
	 * of a fitted state, which the fit decides; NULL for the other tasks
	 */
	int			(*n_outputs) (const void *state);
	/* pairs input: the model's keys and seen items */
	const MaasPairs *(*pairs) (const MaasModel *model);
	/* ranking: the score of every item for a user index, into out */
	void		(*score_items) (const MaasModel *model, int32 user, double *out);
	/* the similarity of every item to one item, into out */
	void		(*similar_items) (const MaasModel *model, int32 item, double *out);

	/*
	 * Optional mergeable statistics (MaasStats), all five or none: doubles
	 * per group for p features; add one row x (all finite) to a group (zeros
	 * when new); merge group from into group into; the features' means over
	 * all groups (what a NULL element becomes at prediction); fit from the
	 * groups.  Statistics are untrusted (maas_fit_merge takes any state):
	 * stats_mean and fit_stats check them.  prep names the features' column
	 * kinds.
	 */
	int			(*stats_width) (int p);
	void		(*stats_add) (double *group, int p, const double *x,
							  const void *options);
	void		(*stats_merge) (double *into, const double *from, int p);
	void		(*stats_mean) (const MaasStats *stats, double *mean);
	void	   *(*fit_stats) (const MaasStats *stats, MaasTask task,
							  const void *options, const MaasPreprocess *prep);

	/*
	 * Models in and out.  imports: the formats of other libraries' model
	 * files it reads (comma-separated), and import, which reads len
	 * untrusted bytes of one into out (every count checked).  to_sql: the
	 * prediction maas_predict gives (with proba: the float8[] maas_predict_proba
	 * gives) as a plain SQL expression over the encoded features, feature[j]
	 * being the SQL of feature j; NULL when it cannot be written so.  exports and export_model: the formats it
	 * writes, and the writer.
	 */
	const char *imports;
	void		(*import) (const char *format, const char *data, int64 len,
						   MaasImported *out);
	void		(*to_sql) (const MaasModel *model, char *const *feature, bool proba,
						   StringInfo out);
	const char *exports;
	void		(*export_model) (const MaasModel *model, const char *format, StringInfo out);
	/* fit reads MaasTrainData.weights (sample_weight, class_weight) */
	bool		takes_weights;
	/*
	 * reads_documents: each of the row's in->n_tokens tokens' additive
	 * contribution to the score explain explains (same class), into
	 * contrib; NULL: maas_explain refuses models of documents
	 */
	void		(*explain_tokens) (const MaasModel *model, const MaasInput *in,
								   double *contrib);
	/*
	 * text models: the width of the pooled representation maas_embed
	 * returns, and that representation of one input into out; NULL if none
	 */
	int			(*embed_width) (const MaasModel *model);
	void		(*embed) (const MaasModel *model, const MaasInput *in, double *out);
} MaasAlgorithm;

/* Bounds-checked reader over untrusted bytes (format.c) */
typedef struct MaasReader
{
	const uint8 *data;
	size_t		len;
	size_t		pos;
	const char *what;			/* what is being read, for error details */
} MaasReader;

/* JSON text builder (json.c) */
typedef struct MaasJson
{
	StringInfoData buf;
	bool		need_comma;
} MaasJson;

/* settings, registered as GUCs by maas.c, defined where they are used */
extern int	maas_blas_threads;		/* linalg.c */
extern int	maas_max_memory_kb;		/* memory.c */
extern int	maas_progress_interval_ms;	/* optimizer.c: Adam, AdamW, SGD over float parameters */
typedef enum MaasOptimizerKind
{
	MAAS_OPTIMIZER_ADAM, MAAS_OPTIMIZER_SGD, MAAS_OPTIMIZER_ADAMW	/* "adam,sgd,adamw" */
} MaasOptimizerKind;

typedef struct MaasOptimizer
{
	int			kind;			/* MaasOptimizerKind */
	double		beta1;
	double		beta2;
	double		epsilon;
	double		momentum;		/* SGD */
	bool		nesterov;		/* SGD */
	double		weight_decay;	/* AdamW */
	int64		n;
	int64		t;				/* steps taken */
	float	   *m;				/* first moment, or SGD's velocity */
	float	   *v;				/* second moment */
} MaasOptimizer;

extern void MaasOptimizerInit(MaasOptimizer *o, int64 n);
extern Size MaasOptimizerBytes(int kind, int64 n);
extern void MaasOptimizerStep(MaasOptimizer *o, float *w, const float *g, double lr);

/* progress.c */
extern int	maas_threads;			/* pool.c */

/* algorithm.c; the list itself is src/algorithms/algorithms.c */
extern void MaasRegisterAlgorithms(const MaasAlgorithm *const *list, int n);
extern const MaasAlgorithm *MaasFindAlgorithm(const char *name);
extern const MaasAlgorithm *MaasFindAlgorithmById(uint16 id);
extern void MaasStatsFail(const char *detail) pg_attribute_noreturn();
extern char *MaasAlgorithmNames(void);
extern const MaasAlgorithm *MaasFindImporter(const char *format);
extern bool MaasFormatListed(const char *list, const char *format);

/* params.c */
extern const MaasParamSpec maas_train_params[];
extern const MaasParamSpec maas_fit_params[];
extern MaasParams *MaasParseParams(Jsonb *jb, const MaasParamSpec *common,
								   Size common_size, const MaasAlgorithm *algorithm);
extern const char *MaasChoiceName(const MaasParamSpec *specs, const char *name, int choice);
extern void MaasResolveMissing(const MaasAlgorithm *algorithm, MaasTrainOptions *options);
extern void MaasParamsToJson(const MaasParams *params, MaasJson *json);

/* weights.c: the row weights of a fit */
extern double *MaasFitWeights(const MaasClassWeight *cw, const MaasTarget *target,
							  MaasTask task, const double *sample, const double *y,
							  int64 n);

/* json.c */
extern void MaasJsonInit(MaasJson *json);
extern void MaasJsonKey(MaasJson *json, const char *key);
extern void MaasJsonBeginObject(MaasJson *json);
extern void MaasJsonEndObject(MaasJson *json);
extern void MaasJsonBeginArray(MaasJson *json);
extern void MaasJsonEndArray(MaasJson *json);
extern void MaasJsonNumber(MaasJson *json, double value);
extern void MaasJsonInt(MaasJson *json, int64 value);
extern void MaasJsonRaw(MaasJson *json, const char *text);
extern void MaasJsonString(MaasJson *json, const char *value);
extern void MaasJsonBool(MaasJson *json, bool value);
extern void MaasJsonNull(MaasJson *json);
extern void MaasJsonNumberArray(MaasJson *json, const double *values, int n);
extern Jsonb *MaasJsonFinish(MaasJson *json);

/* linearjson.c: maas_export(name, 'json') of linear models */
extern void MaasLinearJson(StringInfo out, const MaasModel *model, const char *link, int k,
						   const double *intercept, const double *coef, const double *center,
						   const double *scale);

/* sqltext.c: maas_to_sql's SQL text */
extern void MaasSqlNumber(StringInfo out, double v);
extern void MaasSqlDot(StringInfo out, double intercept, const double *coef, int p,
					   char *const *feature);
extern void MaasSqlClass(StringInfo out, const MaasModel *model, int k);
extern void MaasSqlArgmax(StringInfo out, const MaasModel *model, char *const *score, int n);
extern void MaasSqlSigmoid(StringInfo out, const char *score);
extern void MaasSqlSoftmax(StringInfo out, char *const *score, int n);
extern void MaasSqlUnsupported(const MaasModel *model, const char *what) pg_attribute_noreturn();

/* jsonread.c: JSON documents from outside, read with every type checked */
extern Jsonb *MaasJsonParse(const char *format, const char *data, int64 len);
extern JsonbValue *MaasJsonMember(JsonbContainer *object, const char *key);
extern JsonbContainer *MaasJsonObject(const char *format, JsonbValue *v, const char *what);
extern JsonbContainer *MaasJsonArray(const char *format, JsonbValue *v, const char *what, int *n);
extern char *MaasJsonText(const char *format, JsonbValue *v, const char *what);
extern double MaasJsonDouble(const char *format, JsonbValue *v, const char *what);
extern JsonbValue *MaasJsonElement(JsonbContainer *array, int i);
extern double *MaasJsonNumbers(const char *format, JsonbValue *v, const char *what, int n,
							   int *got);

/*
 * format.c: the model bytes.  The header's CRC-32C of the payload sits at
 * this byte offset (little-endian u32), so a cache can tell versions apart
 * by reading 4 bytes instead of the whole model.
 */
#define MAAS_MODEL_CRC_OFFSET	24

extern bytea *MaasModelSerialize(const MaasModel *model);
extern MaasModel *MaasModelDeserialize(const bytea *bytes);
extern void MaasReaderInit(MaasReader *r, const uint8 *data, size_t len, const char *what);
extern uint8 MaasReadU8(MaasReader *r);
extern uint16 MaasReadU16(MaasReader *r);
extern uint32 MaasReadU32(MaasReader *r);
extern int32 MaasReadCount(MaasReader *r, int32 max, size_t min_elem_size, const char *what);
extern double MaasReadDouble(MaasReader *r);
extern double MaasReadFinite(MaasReader *r);
extern void MaasReadDoubles(MaasReader *r, double *out, int64 n, bool finite);
extern void MaasReadFloats(MaasReader *r, float *out, int64 n);
extern char *MaasReadString(MaasReader *r);
pg_noreturn extern void MaasReaderFail(MaasReader *r, const char *detail,...) pg_attribute_printf(2, 3);
extern void MaasWriteU8(StringInfo buf, uint8 v);
extern void MaasWriteU16(StringInfo buf, uint16 v);
extern void MaasWriteU32(StringInfo buf, uint32 v);
extern void MaasWriteDouble(StringInfo buf, double v);
extern void MaasWriteDoubles(StringInfo buf, const double *v, int64 n);
extern void MaasWriteFloats(StringInfo buf, const float *v, int64 n);
extern void MaasWriteString(StringInfo buf, const char *s);

/* tokenizer.c: a text column's tokenizer in model bytes, and lookups */
#define MAAS_DEFAULT_MAXLEN		1000
#define MAAS_STEM_CHOICES "simple,arabic,armenian,basque,catalan,danish,dutch,english,finnish,french,german,greek,hindi,hungarian,indonesian,irish,italian,lithuanian,nepali,norwegian,portuguese,romanian,russian,serbian,spanish,swedish,tamil,turkish,yiddish"
extern void MaasWriteTokenizer(StringInfo buf, const MaasTokenizer *t);
extern MaasTokenizer *MaasReadTokenizer(MaasReader *r, const char *column);
extern void MaasTokenizerIndex(MaasTokenizer *t);
extern int32 MaasTokenId(const MaasTokenizer *t, const char *token, int len);
extern void MaasDescribeTokenizer(const MaasTokenizer *t, MaasJson *json);
extern const MaasColumn *MaasTextColumn(const MaasPreprocess *prep, int *n_text);
extern void MaasPadTokens(const int32 *ids, int n, int maxlen, int32 *out);

/* keys.c: the keys of pairs models */
extern int	MaasKeyCompare(const MaasKeys *keys, int32 i, const MaasKey *key);
extern int32 MaasKeysFind(const MaasKeys *keys, const MaasKey *key);
extern const char *MaasKeyTypeName(MaasKeyType type);
extern void MaasWriteKeys(StringInfo buf, const MaasKeys *keys);
extern void MaasReadKeys(MaasReader *r, MaasKeys *keys, const char *what);
extern void MaasWritePairs(StringInfo buf, const MaasPairs *pairs);
extern void MaasReadPairs(MaasReader *r, MaasPairs *pairs);
extern void MaasDescribePairs(const MaasPairs *pairs, MaasJson *json);

/* describe.c */
extern Jsonb *MaasModelDescribe(const MaasModel *model, size_t size_bytes);
extern Jsonb *MaasFeaturesJson(const MaasPreprocess *prep);
extern char *MaasFeatureName(const MaasPreprocess *prep, int feature);
extern void MaasStandardize(const MaasTrainData *data, double *mean, double *scale);
extern void MaasJsonCoefficients(MaasJson *json, const MaasPreprocess *prep,
								 const double *coef, int p);

/* linalg.c */
extern void MaasComomentInit(MaasComoment *cm, int q);
extern void MaasComomentAddRows(MaasComoment *cm, const double *rows, int n,
								double *scratch);
extern void MaasComomentAddColumnMajor(MaasComoment *cm, const MaasMatrix *m,
									   int64 from, int64 to);
extern void MaasComomentMerge(MaasComoment *into, double n, const double *mean,
							  const double *c);
extern int	MaasSolveSymmetric(double *a, int p, double *b, double ridge);
extern void MaasLinearExplain(double intercept, const double *coef, const double *mean,
							  int p, const double *x, double *contrib, double *base);
extern void MaasSetBlasThreads(int n);
extern void MaasLoadBlas(void);

/* lbfgs.c */
typedef double (*MaasObjective) (void *arg, const double *w, double *grad);

typedef struct MaasLbfgsResult
{
	int			iterations;
	double		loss;
	double		gradient_norm;
	bool		converged;
} MaasLbfgsResult;

extern MaasLbfgsResult MaasLbfgs(MaasObjective f, void *arg, double *w, int n,
								 double l1, const bool *l1_mask, int max_iter,
								 double tol, MaasProgress *progress);

/* metrics.c */
extern void MaasRegressionMetrics(const double *y, const double *pred, int64 n,
								  MaasJson *json, double *primary);
extern void MaasClassificationMetrics(const double *y, const double *proba,
									  int64 n, int n_classes, MaasJson *json,
									  double *primary);
extern void MaasScoreFloatRows(const MaasModel *model, const MaasFloatRows *f,
							   MaasJson *json, double *primary);
extern void MaasClusteringMetrics(const MaasMatrix *m, int n_features,
								  const double *dist, int k, MaasJson *json,
								  double *primary);
extern void MaasScoreMatrix(const MaasModel *model, const MaasMatrix *m,
							int n_features, MaasJson *json, double *primary);
extern void MaasScoreTokens(const MaasModel *model, const MaasMatrix *m,
							const MaasTokenRows *tokens, MaasJson *json,
							double *primary);
extern void MaasScoreOutputs(const MaasModel *model, const MaasMatrix *m, int n_features,
							 const double *y, const double *out, int64 n, MaasJson *json,
							 double *primary);
extern double *MaasPredictRows(const MaasModel *model, const MaasMatrix *m, int n_features);

/* calendar.c */
extern void MaasTimeFeatures(double epoch, bool cyclical, double *out);
extern const char *MaasTimeFeatureName(int width, int k);

/* evaluation.c (the rest is in core/evaluation.h) */
extern int	MaasCompareDoubles(const void *a, const void *b);

/* progress.c (a published run's row of maas.progress: core/watch.h) */
extern void MaasProgressStart(MaasProgress *p, const char *what);
extern bool MaasProgressDue(MaasProgress *p);
extern double MaasProgressElapsedMs(MaasProgress *p);
extern void MaasProgressPhase(MaasProgress *p, const char *phase);
extern void MaasProgressRows(MaasProgress *p, int64 rows);
extern void MaasProgressStep(MaasProgress *p, int64 iteration, int64 total, double loss);
extern void MaasProgressKeepCurve(MaasProgress *p);
extern bool MaasProgressWantsCurve(const MaasProgress *p);
extern void MaasProgressCurveChosen(MaasProgress *p);
extern int	MaasProgressCurveJson(const MaasProgress *p, MaasJson *json);

/* memory.c: the memory budget of a training run (maas.max_memory) */
extern void MaasCheckMemory(Size bytes, const char *what);
extern void MaasMemoryReset(void);
extern void MaasCheckDataMemory(Size bytes, const char *what);
extern Size MaasMemoryWorkPeak(void);

/*
 * pool.c: worker threads.  A task runs plain C over memory allocated
 * before the batch: no palloc, no ereport, no PostgreSQL call of any kind.
 */
#define MAAS_POOL_OK		0
#define MAAS_POOL_ECANCEL	1
#define MAAS_POOL_ENOMEM	2

/* A task: returns MAAS_POOL_OK or an error code; worker is 0..n_workers-1 */
typedef int (*MaasTaskFn) (void *arg, int task, int worker);

typedef struct MaasPool MaasPool;

extern MaasPool *MaasPoolStart(int threads);
extern int	MaasPoolWorkers(const MaasPool *pool);
extern void MaasPoolRun(MaasPool *pool, int n_tasks, MaasTaskFn fn, void *arg);
extern bool MaasPoolCancelled(const MaasPool *pool);
extern void MaasPoolStop(MaasPool *pool);
extern void MaasPoolResetUsage(void);
extern int	MaasPoolThreadsUsed(void);

/* model.c: model use */
extern const char *MaasTaskName(MaasTask task);
extern double MaasPredictValue(const MaasModel *model, const double *out);
extern int	MaasArgmax(const double *v, int n);
extern void MaasModelCheckClassifier(const MaasModel *model);
extern MaasTask MaasUnsupervisedTask(const MaasAlgorithm *algorithm);
extern int	MaasModelOutputs(const MaasModel *model);
extern MaasTask MaasResolveTask(const MaasAlgorithm *algorithm, int choice,
								MaasColumnKind target_kind, const char *target);
extern void MaasTargetClasses(MaasTarget *t, int n, char **labels, const double *values,
							  int *rank);
extern void MaasCollectClasses(MaasTarget *t, double *y, int64 n);

/*
 * The logistic function, without overflow for large |z|: 1 / (1 + e^-z) for
 * z >= 0, e^z / (1 + e^z) below, written without a branch on the sign,
 * which the CPU cannot predict when the margins are mixed.
 */
static inline double
MaasSigmoid(double z)
{
	double		e = exp(-fabs(z));

	return (z >= 0 ? 1.0 : e) / (1.0 + e);
}

/*
 * Softmax's normalizer: the sum of e^(v - top) over k values spaced stride
 * apart, top their maximum (so no term overflows).  Losses take
 * top + log(total); probabilities are e^(v - top) / total.
 */
static inline double
MaasSoftmaxTotal(const double *v, int k, int64 stride, double *top)
{
	double		m = v[0];
	double		total = 0;

	for (int c = 1; c < k; c++)
		m = Max(m, v[c * stride]);
	for (int c = 0; c < k; c++)
		total += exp(v[c * stride] - m);
	*top = m;
	return total;
}

/* Scores to probabilities, in place */
static inline void
MaasSoftmax(double *v, int k)
{
	double		top = v[0];
	double		total = 0;

	for (int c = 1; c < k; c++)
		top = Max(top, v[c]);
	for (int c = 0; c < k; c++)
	{
		v[c] = exp(v[c] - top);
		total += v[c];
	}
	for (int c = 0; c < k; c++)
		v[c] /= total;
}

/* common errors */
#define MAAS_ERRCODE_BAD_MODEL	ERRCODE_DATA_CORRUPTED

#endif							/* MAAS_CORE_H */
