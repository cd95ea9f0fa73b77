/* test_http.c: the HTTP request reader: fields, limits, pipelining and malformed input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/http.h"

#define T_HEAD 1024
#define T_BODY 64

/* Feed all of S in one go and return the last event; OUT: *USED. */
static enum http_event feed(struct http *h, const char *s, size_t *used)
{
	return http_feed(h, s, strlen(s), used);
}

/* Feed S until the request completes or fails, following HEAD events. */
static enum http_event feed_all(struct http *h, const char *s, size_t len, size_t *total)
{
	enum http_event ev = HTTP_EV_MORE;
	size_t used;

	*total = 0;
	while (*total < len || ev == HTTP_EV_HEAD) {
		ev = http_feed(h, s + *total, len - *total, &used);
		*total += used;
		if (ev == HTTP_EV_DONE || ev == HTTP_EV_ERROR ||
		    (ev == HTTP_EV_MORE && *total == len))
			break;
	}
	return ev;
}

START_TEST(get_with_query)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *s = "GET /v1/sync?since=5&x=y HTTP/1.1\r\nHost: a\r\n"
	                "Authorization: Bearer tok\r\n\r\n";
	const struct http_request *r;
	size_t used;

	ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_DONE);
	ck_assert_uint_eq(used, strlen(s));
	r = http_request(h);
	ck_assert_str_eq(r->method, "GET");
	ck_assert_str_eq(r->path, "/v1/sync");
	ck_assert_str_eq(r->query, "since=5&x=y");
	ck_assert_str_eq(r->authorization, "Bearer tok");
	ck_assert_ptr_null(r->content_type);
	ck_assert(r->keep_alive);
	ck_assert(!r->accept_gzip);
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_str_eq((const char *)r->body, "");
	http_free(h);
}
END_TEST

START_TEST(post_headers_and_body)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *s = "POST /p HTTP/1.1\r\ncontent-type: application/json\r\n"
	                "Content-Encoding: gzip\r\nAccept-Encoding: deflate, gzip;q=0.5\r\n"
	                "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello";
	const struct http_request *r;
	size_t used;

	ck_assert_int_eq(http_feed(h, s, strlen(s), &used), HTTP_EV_HEAD);
	ck_assert(http_request(h)->expect_continue);
	s += used;
	ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_DONE);
	r = http_request(h);
	ck_assert_str_eq(r->method, "POST");
	ck_assert_str_eq(r->query, "");
	ck_assert_str_eq(r->content_type, "application/json");
	ck_assert_str_eq(r->content_encoding, "gzip");
	ck_assert(r->accept_gzip);
	ck_assert_uint_eq(r->body_len, 5);
	ck_assert_str_eq((const char *)r->body, "hello");
	http_free(h);
}
END_TEST

START_TEST(accept_encoding_variants)
{
	static const struct { const char *value; bool gzip; } cases[] = {
		{ "gzip", true }, { "GZIP", true }, { "x-gzip", true }, { "br, gzip", true },
		{ "gzip;q=0", false }, { "gzip; q=0.0", false }, { "deflate", false },
		{ "gzipper", false }, { "identity, gzip;q=1", true },
	};
	char req[256];
	size_t i, used;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http *h = http_new(T_HEAD, T_BODY);
		snprintf(req, sizeof req, "GET / HTTP/1.1\r\nAccept-Encoding: %s\r\n\r\n",
		         cases[i].value);
		ck_assert_int_eq(feed_all(h, req, strlen(req), &used), HTTP_EV_DONE);
		ck_assert_msg(http_request(h)->accept_gzip == cases[i].gzip, "%s", cases[i].value);
		http_free(h);
	}
}
END_TEST

START_TEST(byte_by_byte)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *s = "PUT /x/y?q HTTP/1.1\r\nAuthorization: Basic abc\r\n"
	                "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	enum http_event ev = HTTP_EV_MORE;
	size_t i, used;

	for (i = 0; i < strlen(s) && ev != HTTP_EV_DONE; i++) {
		ev = http_feed(h, s + i, 1, &used);
		if (ev == HTTP_EV_HEAD && used == 0)
			ev = http_feed(h, s + i, 1, &used);
		ck_assert_int_ne(ev, HTTP_EV_ERROR);
		ck_assert_uint_eq(used, 1);
	}
	ck_assert_int_eq(ev, HTTP_EV_DONE);
	ck_assert_uint_eq(i, strlen(s));
	ck_assert_str_eq(http_request(h)->authorization, "Basic abc");
	ck_assert_str_eq(http_request(h)->path, "/x/y");
	ck_assert_str_eq((const char *)http_request(h)->body, "abcde");
	http_free(h);
}
END_TEST

START_TEST(pipelined_one_at_a_time)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *s = "POST /1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET /2 HTTP/1.1\r\n\r\n";
	size_t used, len = strlen(s);

	ck_assert_int_eq(feed_all(h, s, len, &used), HTTP_EV_DONE);
	ck_assert_str_eq(http_request(h)->path, "/1");
	ck_assert_str_eq((const char *)http_request(h)->body, "ab");
	ck_assert_uint_lt(used, len);
	http_reset(h);
	ck_assert(!http_started(h));
	s += used;
	ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_DONE);
	ck_assert_str_eq(http_request(h)->path, "/2");
	ck_assert_uint_eq(used, strlen(s));
	http_free(h);
}
END_TEST

START_TEST(keep_alive_rules)
{
	static const struct { const char *req; bool keep; } cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true },
	};
	size_t i, used;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http *h = http_new(T_HEAD, T_BODY);
		ck_assert_int_eq(feed_all(h, cases[i].req, strlen(cases[i].req), &used),
		                 HTTP_EV_DONE);
		ck_assert_msg(http_request(h)->keep_alive == cases[i].keep, "%s", cases[i].req);
		http_free(h);
	}
}
END_TEST

START_TEST(head_over_cap_is_431)
{
	struct http *h = http_new(100, T_BODY);
	char big[400];
	size_t used;

	snprintf(big, sizeof big, "GET / HTTP/1.1\r\nX-Pad: %0200d\r\n\r\n", 0);
	ck_assert_int_eq(feed(h, big, &used), HTTP_EV_ERROR);
	ck_assert_int_eq(http_error_status(h), 431);
	http_free(h);
	/* The same head one byte at a time, never complete: still caught. */
	h = http_new(100, T_BODY);
	enum http_event ev = HTTP_EV_MORE;
	for (size_t i = 0; i < 150 && ev == HTTP_EV_MORE; i++)
		ev = http_feed(h, big + i, 1, &used);
	ck_assert_int_eq(ev, HTTP_EV_ERROR);
	ck_assert_int_eq(http_error_status(h), 431);
	http_free(h);
}
END_TEST

START_TEST(head_at_cap_is_accepted)
{
	const char *s = "GET /abc HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http *h = http_new(strlen(s), T_BODY);
	size_t used;

	ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_DONE);
	http_free(h);
	h = http_new(strlen(s) - 1, T_BODY);
	ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_ERROR);
	ck_assert_int_eq(http_error_status(h), 431);
	http_free(h);
}
END_TEST

START_TEST(body_over_cap_is_413)
{
	struct http *h = http_new(T_HEAD, 4);
	size_t used;

	ck_assert_int_eq(feed(h, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &used),
	                 HTTP_EV_ERROR);
	ck_assert_int_eq(http_error_status(h), 413);
	http_free(h);
	h = http_new(T_HEAD, 4);
	const char *c = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "3\r\nabc\r\n3\r\ndef\r\n";
	ck_assert_int_eq(feed_all(h, c, strlen(c), &used), HTTP_EV_ERROR);
	ck_assert_int_eq(http_error_status(h), 413);
	http_free(h);
}
END_TEST

START_TEST(malformed_is_400)
{
	static const char *bad[] = {
		"GARBAGE\r\n\r\n",
		"GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"CONNECT host:443 HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
	};
	size_t i, used;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct http *h = http_new(T_HEAD, T_BODY);
		ck_assert_msg(feed_all(h, bad[i], strlen(bad[i]), &used) == HTTP_EV_ERROR, "%zu",
		              i);
		ck_assert_int_eq(http_error_status(h), 400);
		/* Errors are sticky. */
		ck_assert_int_eq(http_feed(h, "GET", 3, &used), HTTP_EV_ERROR);
		http_free(h);
	}
}
END_TEST

START_TEST(reset_reuses_reader)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *s = "POST /a HTTP/1.1\r\nContent-Type: t\r\nContent-Length: 3\r\n\r\nxyz";
	size_t used;
	int i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(feed_all(h, s, strlen(s), &used), HTTP_EV_DONE);
		ck_assert_str_eq(http_request(h)->content_type, "t");
		ck_assert_str_eq((const char *)http_request(h)->body, "xyz");
		http_reset(h);
	}
	ck_assert_str_eq(http_reason(413), "Payload Too Large");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	http_free(h);
	http_free(NULL);
}
END_TEST

/* The budget is charged at the head with what the head announces, before any body byte. */
START_TEST(body_expected_at_head)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	size_t used;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(feed(h, "POST /a HTTP/1.1\r\nContent-Length: 40\r\n\r\n0123", &used),
	                 HTTP_EV_HEAD);
	ck_assert_uint_eq(http_body_expected(h), 40);
	http_free(h);
	h = http_new(T_HEAD, T_BODY);
	ck_assert_int_eq(feed(h, "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &used),
	                 HTTP_EV_HEAD);
	ck_assert_uint_eq(http_body_expected(h), T_BODY);
	http_free(h);
	h = http_new(T_HEAD, T_BODY);
	ck_assert_uint_eq(http_body_expected(h), 0);
	ck_assert_int_eq(feed(h, "GET /c HTTP/1.1\r\nHost: a\r\n\r\n", &used), HTTP_EV_HEAD);
	ck_assert_uint_eq(http_body_expected(h), 0);
	http_free(h);
}
END_TEST

/* The body is read whole, in pieces, after its room is taken at the first piece. */
START_TEST(body_in_pieces_after_head)
{
	struct http *h = http_new(T_HEAD, T_BODY);
	const char *head = "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
	const struct http_request *r;
	size_t used;

	ck_assert_int_eq(feed(h, head, &used), HTTP_EV_HEAD);
	ck_assert_int_eq(http_feed(h, head + used, strlen(head) - used, &used), HTTP_EV_MORE);
	ck_assert_int_eq(feed(h, "01234", &used), HTTP_EV_MORE);
	ck_assert_int_eq(feed(h, "56789", &used), HTTP_EV_DONE);
	r = http_request(h);
	ck_assert_uint_eq(r->body_len, 10);
	ck_assert_str_eq((const char *)r->body, "0123456789");
	http_free(h);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, get_with_query);
	tcase_add_test(tc, post_headers_and_body);
	tcase_add_test(tc, accept_encoding_variants);
	tcase_add_test(tc, byte_by_byte);
	tcase_add_test(tc, pipelined_one_at_a_time);
	tcase_add_test(tc, keep_alive_rules);
	tcase_add_test(tc, head_over_cap_is_431);
	tcase_add_test(tc, head_at_cap_is_accepted);
	tcase_add_test(tc, body_over_cap_is_413);
	tcase_add_test(tc, malformed_is_400);
	tcase_add_test(tc, reset_reuses_reader);
	tcase_add_test(tc, body_expected_at_head);
	tcase_add_test(tc, body_in_pieces_after_head);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
