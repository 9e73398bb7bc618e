/*
 * Allocation that cannot fail: out of memory is fatal here and nowhere else
 * (the one place libtide prints and exits, as git's xmalloc does).  Use these
 * for state whose size the program controls; data-driven growth goes through
 * struct tide_buf, which has a hard cap and reports TIDE_ETOOBIG instead.
 */
#ifndef TIDE_XALLOC_H
#define TIDE_XALLOC_H

#include <stddef.h>

void *tide_xmalloc(size_t n);
void *tide_xcalloc(size_t nmemb, size_t size);
void *tide_xrealloc(void *p, size_t n);
/* Grow an array of nmemb elements of size to at least want; returns it. */
void *tide_xreallocarray(void *p, size_t nmemb, size_t size);
char *tide_xstrdup(const char *s);
char *tide_xmemdup(const void *p, size_t n);	/* NUL-terminated copy */

#endif
