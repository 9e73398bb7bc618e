/*
 * libFuzzer target for the envelope: any bytes as an envelope line must
 * decode or be rejected without a crash, and whatever decodes must encode
 * and decode again to the same parts (the round trip tide-sink relies on).
 * Also, the bytes as a payload must encode to valid JSON that decodes back
 * to exactly those bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const char *a, size_t na, const char *b, size_t nb)
{
	if ((a == NULL) != (b == NULL) || na != nb || (na && memcmp(a, b, na)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tide_env_dec d1, d2;
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_env e;
	size_t i;

	tide_env_dec_init(&d1, 1 << 20);
	tide_env_dec_init(&d2, 1 << 20);
	if (tide_env_decode(&d1, (const char *)data, size) == 0) {
		if (tide_env_encode(&b, &d1.env) != 0 ||
		    tide_json_check(b.data, b.len, 0, NULL, NULL) != 0 ||
		    memchr(b.data, '\n', b.len) != NULL ||
		    tide_env_decode(&d2, b.data, b.len) != 0)
			abort();
		same(d1.env.key, d1.env.keylen, d2.env.key, d2.env.keylen);
		same(d1.env.value, d1.env.len, d2.env.value, d2.env.len);
		if (d1.env.nhdrs != d2.env.nhdrs)
			abort();
		for (i = 0; i < d1.env.nhdrs; i++) {
			same(d1.env.hdrs[i].name, d1.env.hdrs[i].namelen,
			    d2.env.hdrs[i].name, d2.env.hdrs[i].namelen);
			same(d1.env.hdrs[i].value, d1.env.hdrs[i].len,
			    d2.env.hdrs[i].value, d2.env.hdrs[i].len);
		}
	}
	/* The input as a message's key and value. */
	memset(&e, 0, sizeof(e));
	e.topic = "t";
	e.topiclen = 1;
	e.key = (const char *)data;
	e.keylen = size;
	e.value = (const char *)data;
	e.len = size;
	tide_buf_reset(&b);
	if (tide_env_encode(&b, &e) != 0 ||
	    tide_json_check(b.data, b.len, 0, NULL, NULL) != 0 ||
	    memchr(b.data, '\n', b.len) != NULL ||
	    tide_env_decode(&d2, b.data, b.len) != 0)
		abort();
	same(e.value, e.len, d2.env.value, d2.env.len);
	same(e.key, e.keylen, d2.env.key, d2.env.keylen);
	tide_buf_release(&b);
	tide_env_dec_release(&d1);
	tide_env_dec_release(&d2);
	return 0;
}
