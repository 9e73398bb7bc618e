#include "base64.h"
#include "err.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
tide_b64_encode(struct tide_buf *out, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i, o;
	int r;

	if ((r = tide_buf_grow(out, (n + 2) / 3 * 4)) < 0)
		return r;
	o = out->len;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		out->data[o++] = alphabet[v >> 18];
		out->data[o++] = alphabet[(v >> 12) & 63];
		out->data[o++] = alphabet[(v >> 6) & 63];
		out->data[o++] = alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
		out->data[o++] = alphabet[v >> 18];
		out->data[o++] = alphabet[(v >> 12) & 63];
		out->data[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out->data[o++] = '=';
	}
	out->len = o;
	return 0;
}

static int
val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

int
tide_b64_decode(struct tide_buf *out, const char *s, size_t n)
{
	size_t i, len0 = out->len;
	int r;

	if (n % 4)
		return TIDE_EINVAL;
	for (i = 0; i < n; i += 4) {
		int a = val(s[i]), b = val(s[i + 1]), c, d;
		int last = i + 4 == n;
		unsigned v;

		c = last && s[i + 2] == '=' ? -2 : val(s[i + 2]);
		d = last && s[i + 3] == '=' ? -2 : val(s[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2))
			goto bad;
		v = (unsigned)a << 18 | (unsigned)b << 12 |
		    (c >= 0 ? (unsigned)c << 6 : 0) | (d >= 0 ? (unsigned)d : 0);
		if ((r = tide_buf_addc(out, (char)(v >> 16))) < 0)
			return r;
		if (c >= 0 && (r = tide_buf_addc(out, (char)(v >> 8))) < 0)
			return r;
		if (d >= 0 && (r = tide_buf_addc(out, (char)v)) < 0)
			return r;
	}
	return 0;
bad:
	out->len = len0;
	return TIDE_EINVAL;
}
