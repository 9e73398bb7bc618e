/*
 * Large arrays on huge pages: lib/window.c's keys, states and aggregate
 * blocks and lib/table.c's index and arena are read at random, one record
 * at a time, and with 4 KiB pages nearly every access also misses the
 * TLB.  From TIDE_BIG_HUGE (2 MiB) up, these allocate on 2 MiB
 * boundaries, round the size up to a multiple of 2 MiB and offer the
 * block to the kernel as huge pages (madvise MADV_HUGEPAGE); below that
 * they are ordinary allocations.
 *
 * Every block is freed with free().  Out of memory is fatal, as with
 * tide_xmalloc() (lib/xalloc.h).  Growing copies: pointers into the old
 * block are invalid afterwards.  None of this is for a per-record path.
 */
#ifndef TIDE_BIGMEM_H
#define TIDE_BIGMEM_H

#include <stddef.h>

#define TIDE_BIG_HUGE ((size_t)2 << 20)

void *tide_big_alloc(size_t n);
/* n elements of size bytes, zeroed. */
void *tide_big_calloc(size_t n, size_t size);
/* Grow p from old to n bytes (n > old), keeping its contents; below
 * TIDE_BIG_HUGE with realloc(). */
void *tide_big_grow(void *p, size_t old, size_t n);
/* The same, but below TIDE_BIG_HUGE the block is cache-line (64-byte)
 * aligned, so an element of 64 bytes or less at an aligned offset sits
 * in one line. */
void *tide_big_grow_lines(void *p, size_t old, size_t n);

#endif
