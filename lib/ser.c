#include "ser.h"

void
tide_ser_put_bytes(struct tide_buf *b, const void *p, size_t n)
{
	tide_ser_put_u64(b, n);
	tide_buf_add(b, p, n);
}

int
tide_ser_get_bytes(const char **p, const char *end, const char **s,
    size_t *n, size_t max)
{
	const char *at = *p;
	uint64_t len;

	if (tide_ser_get_u64(p, end, &len) < 0)
		return TIDE_EFORMAT;
	if (len > max || len > (uint64_t)(end - *p)) {
		*p = at;
		return TIDE_EFORMAT;
	}
	*s = *p;
	*n = (size_t)len;
	*p += len;
	return 0;
}
