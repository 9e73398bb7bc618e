/*
 * Error codes of libtide.  Every lib function that can fail returns 0 (or a
 * non-negative count) on success and one of these negative codes on failure;
 * tide_strerror() names them.  Rich context (line, column, offending text)
 * goes in a struct the caller passes in, never in globals.  lib/ never
 * prints and never exits: the programs in cmd/ decide what a failure means.
 */
#ifndef TIDE_ERR_H
#define TIDE_ERR_H

enum tide_err {
	TIDE_OK = 0,
	TIDE_ENOMEM = -1,	/* allocation failed (only where not fatal) */
	TIDE_EINVAL = -2,	/* malformed argument or text */
	TIDE_ERANGE = -3,	/* a number or time out of range */
	TIDE_ETOOBIG = -4,	/* a record or buffer over its hard cap */
	TIDE_EIO = -5,		/* read or write failed; errno holds why */
	TIDE_EPIPE = -6,	/* the reader of our output went away */
	TIDE_EOF = -7,		/* end of input */
	TIDE_EAGAIN = -8,	/* nothing ready before the timeout */
	TIDE_ENOENT = -9,	/* not found */
	TIDE_EJSON = -10,	/* not valid JSON */
	TIDE_ETYPE = -11,	/* a value of the wrong type */
	TIDE_EUTF8 = -12,	/* invalid UTF-8 */
	TIDE_EDEPTH = -13,	/* nesting beyond the depth limit */
	TIDE_EFORMAT = -14,	/* a file in an unknown or broken format */
	TIDE_EKAFKA = -15,	/* Kafka client failure */
	TIDE_EINTR = -16,	/* interrupted by a signal the caller asked to see */
};

const char *tide_strerror(int err);

#endif
