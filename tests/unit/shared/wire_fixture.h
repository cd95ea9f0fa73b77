/* wire_fixture.h: the event fixtures the wire suites share (test_wire.c, test_wire_decode.c):
 * one valid event text of each type, and helpers that parse one and decode one. Static
 * inline, so a suite that leaves one unused still builds. */
#ifndef TEST_SHARED_WIRE_FIXTURE_H
#define TEST_SHARED_WIRE_FIXTURE_H

#include <check.h>
#include <jansson.h>

#include "wire.h"

#define UUID1 "0b7c3f0e-8a1d-4c2b-9e3f-1a2b3c4d5e6f"
#define CODE1 "H15.50.05.13-261008-0975"
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define REC_MS 1795657330120LL  /* 2026-11-26T01:42:10.120Z */
#define GPS_MS 1795657329000LL  /* 2026-11-26T01:42:09Z */

#define COMMON \
	"\"uuid\":\"" UUID1 "\",\"seq\":17,\"appointment\":\"" CODE1 "\"," \
	"\"recorded_at\":\"2026-11-26T01:42:10.120Z\"," \
	"\"gps\":{\"source\":\"live\",\"lat\":10.4748123,\"lon\":105.6412001,\"accuracy_m\":13.3," \
	"\"mode\":3,\"sats\":9,\"fix_age_s\":0.412,\"gps_time\":\"2026-11-26T01:42:09Z\"," \
	"\"dist_m\":8.2},\"flags\":[\"far\",\"poor_accuracy\",\"clock_skew\"]"

static const char *const event_texts[] = {
	"{" COMMON ",\"type\":\"arrive\"}",
	"{" COMMON ",\"type\":\"collect\",\"documents\":3,\"fee_vnd\":50000}",
	"{" COMMON ",\"type\":\"deliver\",\"recipient\":\"Nguyễn Văn An\",\"relation\":\"self\","
	"\"id_last4\":\"1234\",\"signature_sha256\":\"" HEX_A "\",\"photo_sha256\":\"" HEX_B "\"}",
	"{" COMMON ",\"type\":\"fail\",\"reason\":\"not-home\",\"note\":\"Gọi "
	           "2 lần không nghe máy\"}",
};

/* A fresh, valid event object of type T. */
static inline json_t *event_json(enum model_event_type t)
{
	json_error_t jerr;
	json_t *j = json_loads(event_texts[t], JSON_REJECT_DUPLICATES, &jerr);

	ck_assert_msg(j != NULL, "fixture: %s", jerr.text);
	return j;
}

static inline json_t *gps_of(json_t *j)
{
	return json_object_get(j, "gps");
}

static inline void ck_decodes(json_t *j, struct model_event *e)
{
	char err[WIRE_ERR_MAX] = "";

	ck_assert_msg(wire_event_decode(j, e, err) == DS_OK, "refused: %s", err);
	json_decref(j);
}

#endif
