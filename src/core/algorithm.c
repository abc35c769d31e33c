/*
 * algorithm.c
 *	  Finding an algorithm by its SQL name or by the id in model bytes.
 *
 * The list is src/algorithms/algorithms.c, registered by _PG_init: core
 * declares the interface and looks algorithms up, and never refers to an
 * algorithm itself.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/core.h"

static const MaasAlgorithm *const *algorithms;
static int	n_algorithms;

/* The list of algorithms; called once when the library is loaded */
void
MaasRegisterAlgorithms(const MaasAlgorithm *const *list, int n)
{
	algorithms = list;
	n_algorithms = n;
}

const MaasAlgorithm *
MaasFindAlgorithm(const char *name)
{
	for (int i = 0; i < n_algorithms; i++)
		if (strcmp(algorithms[i]->name, name) == 0)
		{
			/* an algorithm of imported models only (onnx) trains nothing */
			if (algorithms[i]->fit == NULL && algorithms[i]->fit_comoment == NULL &&
				algorithms[i]->fit_stats == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("algorithm \"%s\" is not trained by maas", name),
						 errhint("Its models are imported: maas_import(name, '%s', bytes, spec).",
								 algorithms[i]->imports ? algorithms[i]->imports : name)));
			return algorithms[i];
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown algorithm \"%s\"", name),
			 errhint("Valid algorithms are: %s.", MaasAlgorithmNames())));
	return NULL;				/* keep compiler quiet */
}

/* NULL when unknown: callers reading model bytes report their own error */
const MaasAlgorithm *
MaasFindAlgorithmById(uint16 id)
{
	for (int i = 0; i < n_algorithms; i++)
		if (algorithms[i]->id == id)
			return algorithms[i];
	return NULL;
}

/* Whether a comma-separated list names format */
bool
MaasFormatListed(const char *list, const char *format)
{
	size_t		len = strlen(format);

	while (list != NULL && *list)
	{
		const char *end = strchr(list, ',');
		size_t		n = end ? (size_t) (end - list) : strlen(list);

		if (n == len && strncmp(list, format, n) == 0)
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

/* The algorithm that reads model files of format (maas_import) */
const MaasAlgorithm *
MaasFindImporter(const char *format)
{
	StringInfoData known;

	for (int i = 0; i < n_algorithms; i++)
		if (algorithms[i]->import && MaasFormatListed(algorithms[i]->imports, format))
			return algorithms[i];
	initStringInfo(&known);
	for (int i = 0; i < n_algorithms; i++)
		if (algorithms[i]->import)
			appendStringInfo(&known, "%s%s", known.len ? "," : "", algorithms[i]->imports);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown model format \"%s\"", format),
			 errhint("Formats maas_import reads: %s.", known.data)));
	return NULL;				/* keep compiler quiet */
}

char *
MaasAlgorithmNames(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n_algorithms; i++)
		if (algorithms[i]->fit != NULL || algorithms[i]->fit_comoment != NULL ||
			algorithms[i]->fit_stats != NULL)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", algorithms[i]->name);
	return buf.data;
}

/*
 * A maas_fit state's statistics (MaasStats) are inconsistent: the error of
 * the aggregate and of the algorithms that check them
 */
void
MaasStatsFail(const char *detail)
{
	ereport(ERROR,
			(errcode(MAAS_ERRCODE_BAD_MODEL),
			 errmsg("invalid maas_fit state"),
			 errdetail("%s", detail)));
}
