/*
 * Whether a file has changed: its inode, size and modification time
 * against what was seen last, looked at no more than once a second
 * (tide-join --watch reloads its table then).  A file replaced by rename
 * (a new inode) counts as changed; a file that is gone does not, until it
 * is back.
 *
 * The struct is the caller's, and holds no descriptor: nothing to
 * release.  Nothing here prints.
 */
#ifndef TIDE_FWATCH_H
#define TIDE_FWATCH_H

#include <stdint.h>
#include <sys/stat.h>

struct tide_fwatch {
	struct stat sb;			/* as last seen */
	int ok;				/* it existed then */
	int64_t next;			/* monotonic us of the next look */
};

/* Start watching path: what it is now is not a change. */
void tide_fwatch_init(struct tide_fwatch *w, const char *path);

/* Whether a second has passed since the last look (at monotonic now_us):
 * 1, and the next look is a second away; else 0. */
int tide_fwatch_due(struct tide_fwatch *w, int64_t now_us);

/* 1 when path exists and is not the file last seen; else 0. */
int tide_fwatch_changed(struct tide_fwatch *w, const char *path);

#endif
