/* test_peer.c: server/net/peer.c: the per-address counts behind the connection and
 * handshake caps, and the printed form of an address. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "server/net/peer.h"

static struct sockaddr_in v4(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	ck_assert_int_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

START_TEST(counts_per_address_not_per_port)
{
	struct peer_table *t = peer_table_new();
	struct sockaddr_in a1 = v4("127.0.0.2", 1000), a2 = v4("127.0.0.2", 2000);
	struct sockaddr_in b = v4("127.0.0.3", 1000);
	struct peer_entry *e1, *e2, *f;

	ck_assert_ptr_nonnull(t);
	e1 = peer_join(t, (struct sockaddr *)&a1);
	e2 = peer_join(t, (struct sockaddr *)&a2);
	f = peer_join(t, (struct sockaddr *)&b);
	ck_assert_ptr_eq(e1, e2);
	ck_assert_ptr_ne(e1, f);
	ck_assert_uint_eq(e1->conns, 2);
	ck_assert_uint_eq(e1->handshakes, 2);
	ck_assert_uint_eq(f->conns, 1);
	peer_handshake_done(e1);
	ck_assert_uint_eq(e1->handshakes, 1);
	ck_assert_uint_eq(e1->conns, 2);
	peer_leave(t, e1, false);
	ck_assert_uint_eq(e2->conns, 1);
	ck_assert_uint_eq(e2->handshakes, 1);
	peer_leave(t, e2, true);
	/* The address left: a new connection from it starts from zero. */
	e1 = peer_join(t, (struct sockaddr *)&a1);
	ck_assert_uint_eq(e1->conns, 1);
	peer_leave(t, e1, true);
	peer_leave(t, f, true);
	peer_leave(t, NULL, true);
	peer_table_free(t);
}
END_TEST

START_TEST(ipv4_and_ipv6_are_different_addresses)
{
	struct peer_table *t = peer_table_new();
	struct sockaddr_in a = v4("10.0.0.1", 1);
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };
	struct peer_entry *ea, *eb;

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &b.sin6_addr), 1);
	ea = peer_join(t, (struct sockaddr *)&a);
	eb = peer_join(t, (struct sockaddr *)&b);
	ck_assert_ptr_ne(ea, eb);
	ck_assert_uint_eq(ea->conns + eb->conns, 2);
	peer_table_free(t); /* frees entries still in it */
}
END_TEST

START_TEST(format_v4_v6)
{
	struct sockaddr_in a = v4("192.0.2.7", 8443);
	struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	char out[PEER_TEXT_MAX];

	peer_format((struct sockaddr *)&a, out, sizeof out);
	ck_assert_str_eq(out, "192.0.2.7:8443");
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &b.sin6_addr), 1);
	peer_format((struct sockaddr *)&b, out, sizeof out);
	ck_assert_str_eq(out, "[2001:db8::1]:443");
}
END_TEST

static Suite *peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, counts_per_address_not_per_port);
	tcase_add_test(tc, ipv4_and_ipv6_are_different_addresses);
	tcase_add_test(tc, format_v4_v6);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(peer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
