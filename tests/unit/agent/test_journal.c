/* test_journal.c: the journal keeps every appended event in seq order with its bytes, skips
 * a torn last line and a corrupt record instead of failing, lets the later record of a
 * repeated seq win, and trims acknowledged events while keeping its identity and mark. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/journal.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_journal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/" JOURNAL_FILE, dir);
}

static void teardown(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof p, "%s.new", path);
	unlink(p);
	rmdir(dir);
}

static const char *uuid_of(int i)
{
	static char u[MODEL_UUID_LEN + 1];

	snprintf(u, sizeof u, "0000000%d-0000-7000-8000-000000000000", i);
	return u;
}

static void append(int64_t seq, const char *body)
{
	off_t at;

	ck_assert_int_eq(journal_append(path, seq, uuid_of((int)seq), body, &at), DS_OK);
}

static off_t file_size(void)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

START_TEST(appended_events_read_back_in_order)
{
	struct journal_scan sc;

	append(1, "{\"a\":1}");
	append(2, "{\"note\":\"x y\\nz\"}");
	append(3, "{}");
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_int_eq(sc.found, 1);
	ck_assert_uint_eq(sc.n, 3);
	ck_assert_uint_eq(sc.bad, 0);
	ck_assert_int_eq(sc.ev[1].seq, 2);
	ck_assert_str_eq(sc.ev[1].uuid, uuid_of(2));
	ck_assert_str_eq(sc.ev[1].body, "{\"note\":\"x y\\nz\"}");
	ck_assert_int_eq(sc.max_seq, 3);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(missing_file_reads_empty)
{
	struct journal_scan sc;

	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_int_eq(sc.found, 0);
	ck_assert_uint_eq(sc.n, 0);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(torn_tail_and_corrupt_record_are_skipped)
{
	struct journal_scan sc;
	char buf[512];
	int fd;
	ssize_t n;

	append(1, "{\"a\":1}");
	append(2, "{\"b\":2}");
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof buf);
	ck_assert_int_gt(n, 0);
	buf[10] ^= 0x01;                          /* a bit flipped in record 1 */
	ck_assert_int_eq(pwrite(fd, buf, 11, 0), 11);
	ck_assert_int_eq(write(fd, "E 3 torn", 8), 8); /* a crash mid-append */
	close(fd);
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_uint_eq(sc.n, 1);
	ck_assert_int_eq(sc.ev[0].seq, 2);
	ck_assert_uint_eq(sc.bad, 2);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(repeated_seq_keeps_the_later_record)
{
	struct journal_scan sc;

	append(1, "{\"a\":1}");
	append(2, "{\"phantom\":1}");   /* its transaction never committed */
	append(2, "{\"real\":1}");
	append(3, "{\"c\":3}");
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_uint_eq(sc.n, 3);
	ck_assert_str_eq(sc.ev[1].body, "{\"real\":1}");
	ck_assert_int_eq(sc.ev[2].seq, 3);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(undo_cuts_the_append_off)
{
	struct journal_scan sc;
	off_t at = -1, before;

	append(1, "{\"a\":1}");
	before = file_size();
	ck_assert_int_eq(journal_append(path, 2, uuid_of(2), "{}", &at), DS_OK);
	ck_assert_int_eq(at, before);
	ck_assert_int_eq(journal_undo(path, at), DS_OK);
	ck_assert_int_eq(file_size(), before);
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_uint_eq(sc.n, 1);
	journal_scan_free(&sc);
}
END_TEST

START_TEST(append_refuses_a_raw_newline_or_oversize_body)
{
	static char big[JOURNAL_LINE_MAX + 1];
	off_t at;

	ck_assert_int_eq(journal_append(path, 1, uuid_of(1), "{\n}", &at), DS_EINVAL);
	memset(big, 'x', sizeof big - 1);
	ck_assert_int_eq(journal_append(path, 1, uuid_of(1), big, &at), DS_EINVAL);
}
END_TEST

START_TEST(trim_drops_acked_keeps_identity_and_mark)
{
	struct journal_event ev[5];
	struct journal_scan sc;
	char body[5][16];
	int i;

	for (i = 0; i < 5; i++) {
		ev[i].seq = i + 1;
		snprintf(ev[i].uuid, sizeof ev[i].uuid, "%s", uuid_of(i + 1));
		snprintf(body[i], sizeof body[i], "{\"n\":%d}", i + 1);
		ev[i].body = body[i];
	}
	ck_assert_int_eq(journal_write(path, "abc123", 5, ev, 5, 0), DS_OK);
	ck_assert_int_eq(journal_trim(path, 3, 5), DS_OK);
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_str_eq(sc.db_id, "abc123");
	ck_assert_uint_eq(sc.n, 2);
	ck_assert_int_eq(sc.ev[0].seq, 4);
	ck_assert_str_eq(sc.ev[1].body, "{\"n\":5}");
	journal_scan_free(&sc);
	ck_assert_int_eq(journal_trim(path, 5, 5), DS_OK);
	ck_assert_int_eq(journal_read(path, &sc), DS_OK);
	ck_assert_uint_eq(sc.n, 0);
	ck_assert_int_eq(sc.mark, 5);      /* a rebuild goes on at #6 */
	ck_assert_int_eq(sc.max_seq, 5);
	journal_scan_free(&sc);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, appended_events_read_back_in_order);
	tcase_add_test(tc, missing_file_reads_empty);
	tcase_add_test(tc, torn_tail_and_corrupt_record_are_skipped);
	tcase_add_test(tc, repeated_seq_keeps_the_later_record);
	tcase_add_test(tc, undo_cuts_the_append_off);
	tcase_add_test(tc, append_refuses_a_raw_newline_or_oversize_body);
	tcase_add_test(tc, trim_drops_acked_keeps_identity_and_mark);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
