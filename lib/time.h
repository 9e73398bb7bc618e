/*
 * Time and durations.  Internally a time is int64 epoch milliseconds and a
 * duration int64 milliseconds (the _us variants give microseconds where a
 * program needs them).
 *
 * Durations: a sequence of <number><unit> with units ns, us, ms, s (sec,
 * secs, second, seconds), m (min, mins, minute, minutes), h (hr, hrs,
 * hour, hours), d (day, days), each at most once and largest first
 * (`250ms`, `30s`, `1h30m`, `1d`, `5min`); a number may have a decimal
 * fraction (`1.5m`) that must come out whole in the unit asked for.  Or
 * ISO 8601: `PT5M`, `P1DT2H`, `PT0.5S`, `P2W` (no years or months: their
 * length varies).  A bare `0` is zero.  Anything else, negative values and
 * overflow are rejected.
 *
 * Times on the command line (tide_time_parse_arg): RFC 3339 with Z or an
 * offset, a date `2026-11-01` (midnight UTC), a date and time without a
 * zone `2026-11-01T00:10[:30[.5]]` (UTC, as a date), epoch milliseconds,
 * `now`, or relative `-15m` / `+1h` from now.
 *
 * Event times in records (tide_time_from_json): epoch numbers whose unit is
 * told by magnitude (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns) or fixed by a
 * unit, or RFC 3339 strings.
 */
#ifndef TIDE_TIME_H
#define TIDE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum tide_time_unit {
	TIDE_UNIT_AUTO = 0,
	TIDE_UNIT_S,
	TIDE_UNIT_MS,
	TIDE_UNIT_US,
	TIDE_UNIT_NS,
};

/* Parse a duration: 0 and *ms, or TIDE_EINVAL / TIDE_ERANGE. */
int tide_dur_parse(const char *s, int64_t *ms);
int tide_dur_parse_us(const char *s, int64_t *us);
/* Write d as the shortest duration text (`1h30m`, `250ms`); returns length.
 * out must hold 32 bytes. */
size_t tide_dur_fmt(char *out, int64_t ms);

/* Parse "s", "ms", "us", "ns" or "auto". */
int tide_time_unit_parse(const char *s, enum tide_time_unit *unit);

/* RFC 3339 text s[0..n) to epoch ms (sub-ms digits truncated toward
 * negative infinity).  0 or TIDE_EINVAL / TIDE_ERANGE. */
int tide_time_parse_rfc3339(const char *s, size_t n, int64_t *ms);
/* A command-line time, relative ones against now_ms. */
int tide_time_parse_arg(const char *s, int64_t now_ms, int64_t *ms);
/* An epoch number in unit (or by magnitude) to ms. */
int tide_time_from_epoch(double v, enum tide_time_unit unit, int64_t *ms);
/* An event time from a JSON value: a number (as above) or an RFC 3339
 * string.  TIDE_ETYPE for other types, TIDE_EINVAL for bad text. */
int tide_time_from_json(const struct tide_json_val *v, enum tide_time_unit unit,
    int64_t *ms);
/* Format ms as RFC 3339 UTC with milliseconds: 2026-11-01T00:00:00.000Z.
 * out must hold 32 bytes; returns the length. */
size_t tide_time_fmt(char *out, int64_t ms);

/* Wall clock and a monotonic clock, in ms and us. */
int64_t tide_now_ms(void);
int64_t tide_mono_us(void);

#endif
