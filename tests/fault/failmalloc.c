/* failmalloc.c: an allocation-failure shim for fault tests, loaded with LD_PRELOAD. With
 * FAILMALLOC_NTH=N in the environment, the Nth call to malloc, calloc, realloc or
 * posix_memalign in the process fails (returns NULL, or ENOMEM), and every later one
 * succeeds; the count starts when the first call is made. With FAILMALLOC_COUNT=FILE
 * instead, nothing fails and the number of calls made is written to FILE at exit, so a test
 * knows how many failure points a command has. Calls made while the shim resolves the real
 * functions are served from a small static arena. Not thread-aware beyond an atomic count,
 * which is enough for the single-threaded commands it is used on.
 *
 * An allocation made inside glibc's name-service lookups (getprotobyname, getaddrinfo,
 * getpwuid, ...; wrapped at the end of this file) is not failed; the next allocation outside
 * them fails instead. glibc 2.36 asserts or dereferences NULL when those allocations fail
 * (nss/nss_database.c), which is glibc's defect, not one a program can handle; libgps
 * calls getprotobyname on every connection. */

#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAILMALLOC_ARENA_BYTES 65536 /* for dlsym's own allocations before the real ones */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);
static void (*real_free)(void *);
static _Atomic long fm_calls;
static long fm_nth = -1;
static const char *fm_count_path;
static int fm_ready, fm_resolving;
static _Alignas(16) unsigned char fm_arena[FAILMALLOC_ARENA_BYTES];
static size_t fm_arena_used;

/* Depth of name-service lookups under way (the wrappers at the end of this file). */
static _Thread_local int fm_nss_depth;

static void fm_report(void)
{
	FILE *f = fopen(fm_count_path, "w");

	if (f != NULL) {
		fprintf(f, "%ld\n", (long)fm_calls);
		fclose(f);
	}
}

static void fm_init(void)
{
	const char *n;

	if (fm_ready || fm_resolving)
		return;
	fm_resolving = 1;
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	n = getenv("FAILMALLOC_NTH");
	if (n != NULL)
		fm_nth = strtol(n, NULL, 10);
	fm_count_path = getenv("FAILMALLOC_COUNT");
	if (fm_count_path != NULL)
		atexit(fm_report);
	fm_resolving = 0;
	fm_ready = 1;
}

/* Whether this call is the one that fails. */
static int fm_fail(void)
{
	long k = atomic_fetch_add(&fm_calls, 1) + 1;

	if (fm_nth <= 0 || k != fm_nth)
		return 0;
	if (fm_nss_depth > 0) {
		fm_nth++;
		return 0;
	}
	return 1;
}

static void *fm_arena_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (fm_arena_used + n > sizeof fm_arena)
		return NULL;
	p = fm_arena + fm_arena_used;
	fm_arena_used += n;
	return p;
}

static int fm_in_arena(const void *p)
{
	return (const unsigned char *)p >= fm_arena &&
	       (const unsigned char *)p < fm_arena + sizeof fm_arena;
}

void *malloc(size_t n)
{
	fm_init();
	if (real_malloc == NULL)
		return fm_arena_alloc(n);
	return fm_fail() ? NULL : real_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	void *p;

	fm_init();
	if (real_calloc == NULL) {
		if (n != 0 && k > (size_t)-1 / n)
			return NULL;
		p = fm_arena_alloc(k * n);
		if (p != NULL)
			memset(p, 0, k * n);
		return p;
	}
	return fm_fail() ? NULL : real_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	fm_init();
	if (fm_in_arena(p)) {
		size_t room = (size_t)(fm_arena + sizeof fm_arena - (unsigned char *)p);
		void *q = malloc(n);
		if (q != NULL)
			memcpy(q, p, n < room ? n : room);
		return q;
	}
	return fm_fail() ? NULL : real_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	fm_init();
	if (fm_fail())
		return ENOMEM;
	return real_memalign(out, align, n);
}

void free(void *p)
{
	if (p == NULL || fm_in_arena(p))
		return;
	fm_init();
	/* Only while the real functions are being looked up (dlsym frees its own messages):
	 * that block is left, rather than looking free up from inside free. */
	if (real_free == NULL)
		return;
	real_free(p);
}

/* The name-service lookups the programs make (directly or through libgps and libcurl),
 * each passed to libc with the depth raised so its allocations are not failed. */
#define FM_NSS_CALL(type, name, params, args)                                              \
	type name params                                                                   \
	{                                                                                  \
		static type (*real) params;                                                \
		type fm_r;                                                                 \
		if (real == NULL)                                                          \
			real = (type (*) params)dlsym(RTLD_NEXT, #name);                   \
		fm_nss_depth++;                                                            \
		fm_r = real args;                                                          \
		fm_nss_depth--;                                                            \
		return fm_r;                                                               \
	}

FM_NSS_CALL(struct protoent *, getprotobyname, (const char *n), (n))
FM_NSS_CALL(struct servent *, getservbyname, (const char *n, const char *p), (n, p))
FM_NSS_CALL(struct hostent *, gethostbyname, (const char *n), (n))
FM_NSS_CALL(struct passwd *, getpwuid, (uid_t u), (u))
FM_NSS_CALL(struct passwd *, getpwnam, (const char *n), (n))
FM_NSS_CALL(int, getaddrinfo, (const char *n, const char *s, const struct addrinfo *h,
                               struct addrinfo **r), (n, s, h, r))
FM_NSS_CALL(int, getpwuid_r, (uid_t u, struct passwd *p, char *b, size_t l, struct passwd **r),
            (u, p, b, l, r))
