#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "xalloc.h"

static void
oom(size_t n)
{
	/* The program's own name, as every other message has it; this
	 * module needs no part of lib/prog for it. */
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n",
	    program_invocation_short_name, n);
	exit(TIDE_EX_FAIL);
}

void *
tide_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
tide_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
tide_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

void *
tide_xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return tide_xrealloc(p, nmemb * size);
}

char *
tide_xstrdup(const char *s)
{
	return tide_xmemdup(s, strlen(s));
}

char *
tide_xmemdup(const void *p, size_t n)
{
	char *q = tide_xmalloc(n + 1);

	memcpy(q, p, n);
	q[n] = '\0';
	return q;
}
