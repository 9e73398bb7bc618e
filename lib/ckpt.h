/*
 * Checkpoint files, and the Kafka offsets they hold: what makes a
 * `tide-source -J | tide-window --state FILE` pipeline restartable
 * without losing or double-counting a record.
 *
 * A checkpoint (tide-window --state) is a zstd frame: a text head, a line
 * "data", then binary state.  The head opens with TIDE_CKPT_MAGIC and
 * holds, among other lines, one per Kafka partition whose records the
 * state includes:
 *
 *	kafka <topic> <partition> <next>
 *
 * where next is one past the highest offset seen in that partition (the
 * first offset the state does not hold).  tide-window notes the offsets of
 * the envelopes it reads (tide_ckpt_offs_see) and writes them into the same
 * file as its windows, atomically; `tide-source --resume FILE` starts each
 * partition there.  The offsets and the windows are one file, renamed into
 * place in one step, so they can never disagree: a consumer group's
 * committed offsets, stored apart from the windows, can.
 *
 * Kafka topic names are [A-Za-z0-9._-], at most 249 bytes; an envelope
 * whose topic is anything else is not noted (it did not come from Kafka).
 */
#ifndef TIDE_CKPT_H
#define TIDE_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TIDE_CKPT_MAGIC "tide-window state 1"

struct tide_ckpt_part {
	char *topic;
	size_t topiclen;
	int32_t partition;
	int64_t next;		/* the first offset not in the state */
};

struct tide_ckpt_offs {
	struct tide_ckpt_part *v;
	size_t n;
	size_t last;		/* the partition noted last: the usual hit */
};

#define TIDE_CKPT_OFFS_INIT { NULL, 0, 0 }

/* Note the record at offset of topic's partition as read.  Returns 0, or
 * TIDE_EINVAL (not a Kafka topic name, a negative partition or offset:
 * nothing noted). */
int tide_ckpt_offs_see(struct tide_ckpt_offs *o, const char *topic,
    size_t topiclen, int64_t partition, int64_t offset);
/* The next offset noted for topic's partition, or -1. */
int64_t tide_ckpt_offs_get(const struct tide_ckpt_offs *o, const char *topic,
    int32_t partition);
/* Append the "kafka" head lines, by topic then partition. */
void tide_ckpt_offs_write(struct tide_ckpt_offs *o, struct tide_buf *b);
/* Take one head line (without its newline): 1 if it was a "kafka" line,
 * 0 if it is some other line, TIDE_EINVAL if it is a broken one. */
int tide_ckpt_offs_line(struct tide_ckpt_offs *o, const char *l, size_t n);
void tide_ckpt_offs_free(struct tide_ckpt_offs *o);

/*
 * Read the checkpoint at path into b (decompressed): all of it, or with
 * head_only the head up to and including its "data" line (what is read
 * past it may be there too).  0, TIDE_ENOENT (no such file: a first run),
 * TIDE_EIO (errno in *errnum) or TIDE_EFORMAT (no magic line: not a
 * checkpoint; or a broken zstd frame: a damaged one).
 */
int tide_ckpt_read(const char *path, struct tide_buf *b, int head_only,
    int *errnum);
/* Whether b starts with a checkpoint's magic line (a TIDE_EFORMAT from
 * tide_ckpt_read() then means a damaged checkpoint, else not one). */
int tide_ckpt_is(const struct tide_buf *b);
/* The next line of a head at *p before end, or NULL (no newline left). */
const char *tide_ckpt_line(const char **p, const char *end, size_t *n);
/*
 * The Kafka offsets of the checkpoint at path, for tide-source --resume:
 * 0 with o filled in (nothing for a missing file: *missing set),
 * TIDE_EIO (errno in *errnum) or TIDE_EFORMAT.
 */
int tide_ckpt_offs_load(struct tide_ckpt_offs *o, const char *path,
    int *missing, int *errnum);

#endif
