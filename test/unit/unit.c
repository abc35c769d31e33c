/*
 * unit.c
 *	  What the unit test programs share (unit.h): TAP output, error
 *	  measures, and the reader of the PyTorch reference file.
 */
#include "postgres.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

const char *const unit_activations[] = {"relu", "sigmoid", "tanh", "linear", "leaky_relu",
"gelu", "softmax"};
const char *const unit_losses[] = {"mse", "mae", "huber", "binary_crossentropy",
"categorical_crossentropy"};

/* ---- TAP ---- */

static int	tap_n = 0;
static int	tap_failed = 0;
static int	tap_offset = 0;

void
UnitBegin(void)
{
	const char *offset = getenv("UNIT_TAP_OFFSET");

	if (offset != NULL)
		tap_offset = atoi(offset);
	FuzzInit();
	FuzzBegin();
}

int
UnitEnd(void)
{
	FuzzEnd();
	if (getenv("UNIT_TAP_OFFSET") == NULL)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed > 0;
}

void
Tap(bool ok, const char *fmt,...)
{
	va_list		ap;

	printf("%s %d - ", ok ? "ok" : "not ok", tap_offset + ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

void
Diag(const char *fmt,...)
{
	va_list		ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

double
MaxRelErr(const double *got, const double *want, int64 n, double floor, double abs_floor,
		  int64 *where)
{
	double		top = 0;
	double		worst = 0;

	for (int64 i = 0; i < n; i++)
		top = Max(top, fabs(want[i]));
	if (where)
		*where = -1;
	for (int64 i = 0; i < n; i++)
	{
		double		d = Max(Max(fabs(got[i]), fabs(want[i])), Max(floor * top, abs_floor));
		double		e = fabs(got[i] - want[i]) / d;

		if (isnan(got[i]) || isnan(want[i]))
			e = INFINITY;
		if (e > worst || (where && *where < 0 && e >= worst))
		{
			worst = e;
			if (where)
				*where = i;
		}
	}
	return worst;
}

double
MaxScaledErr(const double *got, const double *want, const double *scale, int64 n)
{
	double		worst = 0;

	for (int64 i = 0; i < n; i++)
	{
		double		e = fabs(got[i] - want[i]) / Max(Max(fabs(want[i]), scale[i]), 1e-30);

		if (!(e <= worst))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

double *
ToDouble(const float *v, int64 n)
{
	double	   *d = palloc(sizeof(double) * Max(n, 1));

	for (int64 i = 0; i < n; i++)
		d[i] = v[i];
	return d;
}

double
Uniform(pg_prng_state *rng, double lo, double hi)
{
	return lo + (hi - lo) * pg_prng_double(rng);
}


/* ---- the reference file ---- */

char *
HeadValue(const Record *r, const char *key)
{
	char	   *pat = psprintf(" %s=", key);
	char	   *p = strstr(r->head, pat);
	char	   *end;

	if (p == NULL)
		return NULL;
	p += strlen(pat);
	end = p + strcspn(p, " \n");
	return pnstrdup(p, end - p);
}

int
Choice(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int
ArrayIndex(const Record *r, const char *key, int nth)
{
	for (int i = 0; i < r->n_arrays; i++)
		if (strcmp(r->keys[i], key) == 0 && nth-- == 0)
			return i;
	return -1;
}

int
ReadReference(const char *path, Record ***records, char **error)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	int			n = 0;
	int			space = 16;
	Record	   *cur = NULL;
	int			lineno = 0;

	if (f == NULL)
	{
		*error = psprintf("cannot open %s: %m", path);
		return -1;
	}
	*records = palloc(sizeof(Record *) * space);
	while (getline(&line, &cap, f) > 0)
	{
		char	   *p = line;
		char	   *key;
		char	   *end;
		int64		count;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (strncmp(line, "net ", 4) == 0 || strncmp(line, "opt ", 4) == 0)
		{
			cur = palloc0(sizeof(Record));
			cur->head = pstrdup(line);
			cur->name = pnstrdup(line + 4, strcspn(line + 4, " \n"));
			if (n == space)
				*records = repalloc(*records, sizeof(Record *) * (space *= 2));
			(*records)[n++] = cur;
			continue;
		}
		if (strncmp(line, "end", 3) == 0)
		{
			cur = NULL;
			continue;
		}
		if (cur == NULL || cur->n_arrays == 64)
		{
			*error = psprintf("%s:%d: a value line outside a record", path, lineno);
			return -1;
		}
		key = p;
		p += strcspn(p, " ");
		*p++ = '\0';
		count = strtoll(p, &end, 10);
		p = end;
		cur->keys[cur->n_arrays] = pstrdup(key);
		cur->sizes[cur->n_arrays] = count;
		cur->values[cur->n_arrays] = palloc(sizeof(double) * Max(count, 1));
		cur->floats[cur->n_arrays] = palloc(sizeof(float) * Max(count, 1));
		for (int64 i = 0; i < count; i++)
		{
			char	   *e1;
			char	   *e2;

			cur->values[cur->n_arrays][i] = strtod(p, &e1);
			cur->floats[cur->n_arrays][i] = strtof(p, &e2);
			if (e1 == p)
			{
				*error = psprintf("%s:%d: %s has fewer than %lld values", path, lineno, key,
								  (long long) count);
				return -1;
			}
			p = e1;
		}
		cur->n_arrays++;
	}
	free(line);
	fclose(f);
	return n;
}

int
Need(const Record *r, const char *key, int nth, int64 n)
{
	int			i = ArrayIndex(r, key, nth);

	if (i < 0 || (n >= 0 && r->sizes[i] != n))
	{
		Tap(false, "reference %s: %s has %lld values, not %lld", r->name, key,
			i < 0 ? -1LL : (long long) r->sizes[i], (long long) n);
		return -1;
	}
	return i;
}


/* Central difference of loss in one float, v +- step (as stored) */
static double
Central(UnitLoss loss, const void *ctx, float *v, double step)
{
	float		keep = *v;
	float		up = keep + (float) step;
	float		down = keep - (float) step;
	double		lu,
				ld;

	*v = up;
	lu = loss(ctx);
	*v = down;
	ld = loss(ctx);
	*v = keep;
	return (lu - ld) / ((double) up - (double) down);
}

double
FdWorst(UnitLoss loss, const void *ctx, float *v, int64 count, const float *g, double top,
		double step, double tol, double floor, double noise_k)
{
	double		worst = 0;

	for (int64 i = 0; i < count; i++)
	{
		double		c1 = Central(loss, ctx, &v[i], step);
		double		c2 = Central(loss, ctx, &v[i], 2 * step);
		double		ch = Central(loss, ctx, &v[i], step / 2);
		double		d = (4 * c1 - c2) / 3;
		double		d_half = (4 * ch - c1) / 3;
		double		allow = tol * Max(Max(fabs(g[i]), fabs(d)), floor * top) +
			noise_k * fabs(d - d_half);

		worst = Max(worst, fabs(g[i] - d) / allow);
	}
	return worst;
}

double
LargestAbs(const float *v, int64 n)
{
	double		m = 0;

	for (int64 i = 0; i < n; i++)
		m = Max(m, fabs(v[i]));
	return m;
}

void
CheckNets(const char *given, const char *file, void (*check) (const Record *r), int min)
{
	const char *slash = strrchr(given, '/');
	char	   *path = psprintf("%.*s%s", slash ? (int) (slash - given + 1) : 0, given, file);
	char	   *error = NULL;
	Record	  **records = NULL;
	int			n_records = ReadReference(path, &records, &error);
	int			n_nets = 0;

	if (error != NULL)
		Tap(false, "read the PyTorch reference %s: %s", file, error);
	for (int i = 0; i < n_records; i++)
		if (strncmp(records[i]->head, "net ", 4) == 0)
		{
			check(records[i]);
			n_nets++;
		}
	Tap(error == NULL && n_nets >= min, "%s has %d networks", file, n_nets);
}
