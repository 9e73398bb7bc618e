/*
 * The offsets sidecar of an exactly-once file (doc/DELIVERY.md section
 * 3): tide-sink -o FILE, behind a tide source, records at every barrier
 * what FILE holds and which input that covers, in the hidden file
 * ".FILE.tide-offsets" beside it (tide_sidecar_path()):
 *
 *	{"segment":"FILE","length":20480,"offsets":[["transactions",0,1043]]}
 *
 * segment is the file's name without its directory (while it is written
 * it is FILE.part, lib/fileout.h: the record names the final name either
 * way), length its bytes after the barrier's fsync, offsets the barrier's
 * (lib/barrier.h: per partition, the next offset to read).  The record is
 * replaced atomically (lib/afile.h: written as ".FILE.tide-offsets.tmp",
 * fsynced, renamed), so a crash leaves the old record or the new one.
 * Bytes of the file past length were written after the last barrier a
 * source could have committed: a restart cuts them off and goes on.
 *
 * The struct owns its memory; nothing here prints.  Errors: TIDE_EIO with
 * errno set; a record that is not of this form is TIDE_EFORMAT with a
 * static reason.
 */
#ifndef TIDE_SIDECAR_H
#define TIDE_SIDECAR_H

#include <stdint.h>

#include "barrier.h"
#include "buf.h"

#define TIDE_SIDECAR_SUFFIX ".tide-offsets"
#define TIDE_SIDECAR_MAX (16u * 1024 * 1024)	/* bytes of a record */

struct tide_sidecar {
	struct tide_buf segment;	/* NUL-terminated */
	int64_t length;
	struct tide_barrier_offs offs;
};

void tide_sidecar_init(struct tide_sidecar *sc);
void tide_sidecar_release(struct tide_sidecar *sc);

/* The sidecar's path for the file path ("dir/.name.tide-offsets") into
 * out (replaced, NUL-terminated). */
int tide_sidecar_path(const char *path, struct tide_buf *out);
/* path's name without its directory. */
const char *tide_sidecar_base(const char *path);

/*
 * Read the sidecar at scpath into sc.  0; TIDE_ENOENT when there is none;
 * TIDE_EFORMAT with *why (static text) when it is not a record of this
 * form (damaged, cut short, another program's); TIDE_EIO with errno.
 */
int tide_sidecar_read(const char *scpath, struct tide_sidecar *sc,
    const char **why);
/*
 * Replace the sidecar at scpath with the record (segment, length, offs),
 * atomically; scratch is a buffer to format it in.  0, or TIDE_EIO with
 * errno set and *failed naming the file concerned, TIDE_ETOOBIG.
 */
int tide_sidecar_write(const char *scpath, const char *segment,
    int64_t length, const struct tide_barrier_offs *offs,
    struct tide_buf *scratch, const char **failed);

#endif
