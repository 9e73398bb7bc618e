/*
 * libFuzzer target for lib/time: durations, RFC 3339, command-line times,
 * time units and JSON event times on arbitrary bytes (a NUL-terminated
 * copy for the functions that take C strings), checking what must hold:
 * whatever parses formats back to text that parses to the same value.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
must(int cond)
{
	if (!cond)
		abort();
}

/* Every error is one of the codes the header promises. */
static void
must_code(int r)
{
	must(r == 0 || r == TIDE_EINVAL || r == TIDE_ERANGE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[32];
	enum tide_time_unit unit;
	struct tide_json_val v;
	int64_t ms, us, back;
	double d;
	size_t n;
	int r;

	memcpy(s, data, size);
	s[size] = '\0';

	if ((r = tide_dur_parse(s, &ms)) == 0) {
		must(ms >= 0);
		n = tide_dur_fmt(out, ms);
		must(n < 32 && n == strlen(out));
		must(tide_dur_parse(out, &back) == 0 && back == ms);
	}
	must_code(r);
	if ((r = tide_dur_parse_us(s, &us)) == 0)
		must(us >= 0);
	must_code(r);
	if (tide_dur_parse(s, &ms) == 0 && tide_dur_parse_us(s, &us) == 0)
		must(us == ms * 1000);

	/* RFC 3339 on the exact bytes, NULs included. */
	if ((r = tide_time_parse_rfc3339((const char *)data, size, &ms)) == 0) {
		n = tide_time_fmt(out, ms);
		must(n < 32 && n == strlen(out));
		must(tide_time_parse_rfc3339(out, n, &back) == 0 && back == ms);
	}
	must_code(r);

	if ((r = tide_time_parse_arg(s, 1793491200000, &ms)) == 0) {
		n = tide_time_fmt(out, ms);
		must(n < 32 && n == strlen(out));
	}
	must_code(r);

	if (tide_time_unit_parse(s, &unit) == 0)
		must(unit <= TIDE_UNIT_NS);

	/* Eight bytes as a double epoch, in every unit. */
	if (size >= 8) {
		memcpy(&d, data, sizeof(d));
		for (unit = TIDE_UNIT_AUTO; unit <= TIDE_UNIT_NS; unit++)
			must_code(tide_time_from_epoch(d, unit, &ms));
	}

	/* A number or string document as an event time. */
	if (tide_json_check((const char *)data, size, 8, &v.type, NULL) == 0 &&
	    (v.type == TIDE_JSON_NUMBER || v.type == TIDE_JSON_STRING)) {
		/* The value without surrounding whitespace. */
		v.p = (const char *)data;
		v.len = size;
		while (v.len && strchr(" \t\r\n", *v.p)) {
			v.p++;
			v.len--;
		}
		while (v.len && strchr(" \t\r\n", v.p[v.len - 1]))
			v.len--;
		for (unit = TIDE_UNIT_AUTO; unit <= TIDE_UNIT_NS; unit++) {
			r = tide_time_from_json(&v, unit, &ms);
			must(r == 0 || r == TIDE_EINVAL || r == TIDE_ERANGE ||
			    r == TIDE_ETYPE);
			if (r == 0)
				tide_time_fmt(out, ms);
		}
	}
	free(s);
	return 0;
}
