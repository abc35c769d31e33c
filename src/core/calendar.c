/*
 * calendar.c
 *	  Dates and times as features: a timestamp (seconds since 1970-01-01
 *	  00:00 UTC) becomes its epoch value and its calendar parts, the same
 *	  arithmetic for training and serving, with no time zone but UTC (a
 *	  session's TimeZone never changes a prediction).
 *
 *	  parts (5): epoch, year, month (1-12), day of week (0 Sunday - 6, as
 *	  extract(dow)), hour (0-23)
 *	  cyclical (8): epoch, year, then sine and cosine of the month, the day
 *	  of week and the hour on their circles, so that December sits next to
 *	  January and 23:00 next to midnight
 */
#include "postgres.h"

#include <math.h>

#include "core/core.h"

/* Gregorian date of a day count from 1970-01-01 (Howard Hinnant's civil_from_days) */
static void
CivilFromDays(int64 days, int64 *year, int *month)
{
	int64		z = days + 719468;
	int64		era = (z >= 0 ? z : z - 146096) / 146097;
	int64		doe = z - era * 146097;
	int64		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64		mp = (5 * doy + 2) / 153;

	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

void
MaasTimeFeatures(double epoch, bool cyclical, double *out)
{
	double		day_floor;
	int64		days;
	double		seconds;
	int			hour;
	int			dow;
	int64		year;
	int			month;

	/* a missing (or out-of-range) time has missing parts, not undefined casts */
	if (!(fabs(epoch) < 1e15))
	{
		for (int k = 0; k < (cyclical ? 8 : 5); k++)
			out[k] = NAN;
		return;
	}
	day_floor = floor(epoch / 86400.0);
	days = (int64) day_floor;
	seconds = epoch - day_floor * 86400.0;
	hour = Min((int) floor(seconds / 3600.0), 23);
	dow = (int) (((days + 4) % 7 + 7) % 7);	/* 1970-01-01 was a Thursday */
	CivilFromDays(days, &year, &month);
	out[0] = epoch;
	out[1] = (double) year;
	if (!cyclical)
	{
		out[2] = month;
		out[3] = dow;
		out[4] = hour;
		return;
	}
	out[2] = sin(2 * M_PI * (month - 1) / 12.0);
	out[3] = cos(2 * M_PI * (month - 1) / 12.0);
	out[4] = sin(2 * M_PI * dow / 7.0);
	out[5] = cos(2 * M_PI * dow / 7.0);
	out[6] = sin(2 * M_PI * hour / 24.0);
	out[7] = cos(2 * M_PI * hour / 24.0);
}

/* The name of encoded feature k of a timestamp column of width width */
const char *
MaasTimeFeatureName(int width, int k)
{
	static const char *const parts[] = {"epoch", "year", "month", "day_of_week", "hour"};
	static const char *const cyclical[] = {"epoch", "year", "month_sin", "month_cos",
	"day_of_week_sin", "day_of_week_cos", "hour_sin", "hour_cos"};

	if (width == MAAS_TIME_CYCLICAL_WIDTH && k >= 0 && k < MAAS_TIME_CYCLICAL_WIDTH)
		return cyclical[k];
	if (width == MAAS_TIME_WIDTH && k >= 0 && k < MAAS_TIME_WIDTH)
		return parts[k];
	return "?";
}
