/*
 * Saturating int64 arithmetic for event times and durations: a sum or
 * difference past the int64 range gives INT64_MAX or INT64_MIN, which
 * window and watermark code read as "never" and "before everything".
 * Inline: window assignment calls these for every record.
 */
#ifndef TIDE_SAT_H
#define TIDE_SAT_H

#include <stdint.h>

static inline int64_t
tide_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t
tide_sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b > 0 ? INT64_MIN : INT64_MAX;
	return r;
}

#endif
