/* geo.c: great-circle distances; accurate to ~0.5% (spherical Earth), plenty for "is the
 * courier at the door" checks and straight-line travel estimates. */
#include <math.h>

#include "geo.h"

#define GEO_DEG_TO_RAD (3.14159265358979323846 / 180.0)

double geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double p1, p2, dp, dl, a;

	if (!isfinite(lat1) || !isfinite(lon1) || !isfinite(lat2) || !isfinite(lon2))
		return NAN;
	p1 = lat1 * GEO_DEG_TO_RAD;
	p2 = lat2 * GEO_DEG_TO_RAD;
	dp = p2 - p1;
	dl = (lon2 - lon1) * GEO_DEG_TO_RAD;
	a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	if (a > 1.0)
		a = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
}

bool geo_valid(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 &&
	       lon >= -180.0 && lon <= 180.0;
}
