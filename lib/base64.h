/*
 * Base64 (RFC 4648, standard alphabet, padded), for bytes that are not
 * UTF-8: the envelope's value_b64/key_b64 and dead-letter raw_b64.
 */
#ifndef TIDE_BASE64_H
#define TIDE_BASE64_H

#include <stddef.h>

#include "buf.h"

int tide_b64_encode(struct tide_buf *out, const void *p, size_t n);
/* Decode s[0..n): 0 or TIDE_EINVAL for bad characters or padding. */
int tide_b64_decode(struct tide_buf *out, const char *s, size_t n);

#endif
