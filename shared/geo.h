/* geo.h: distances and sanity checks on WGS-84 positions. */
#ifndef DS_GEO_H
#define DS_GEO_H

#include <stdbool.h>

/* Mean Earth radius used for great-circle distances, in metres. */
#define GEO_EARTH_RADIUS_M 6371008.8

/* Great-circle (haversine) distance between two positions in degrees, in metres.
 * NaN when any input is not finite. */
double geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* True when LAT and LON are finite and inside [-90,90] and [-180,180]. */
bool geo_valid(double lat, double lon);

#endif
