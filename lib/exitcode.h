/*
 * The one exit-status table of tide (sysexits(3) numbering).  Every man page
 * copies it into EXIT STATUS and tests/doc checks that they agree.
 *
 *   0  ok
 *   1  other runtime failure
 *  64  usage error
 *  65  bad input data (under --strict; a run with none good, or more
 *      bad than --max-bad)
 *  69  Kafka or another service unavailable
 *  74  I/O error
 *  75  some records were not delivered (sink) and are in the dead-letter file
 */
#ifndef TIDE_EXITCODE_H
#define TIDE_EXITCODE_H

enum tide_exit {
	TIDE_EX_OK = 0,
	TIDE_EX_FAIL = 1,
	TIDE_EX_USAGE = 64,
	TIDE_EX_DATAERR = 65,
	TIDE_EX_UNAVAILABLE = 69,
	TIDE_EX_IOERR = 74,
	TIDE_EX_TEMPFAIL = 75,
};

/*
 * The exit status of a library failure: the one mapping from lib/err.h's
 * codes, for main to apply in one place.  0 -> 0; TIDE_EIO, TIDE_EPIPE ->
 * 74; TIDE_EKAFKA -> 69; the codes of bad data (TIDE_EINVAL, TIDE_ERANGE,
 * TIDE_ETOOBIG, TIDE_EJSON, TIDE_ETYPE, TIDE_EUTF8, TIDE_EDEPTH,
 * TIDE_EFORMAT, TIDE_ENOENT) -> 65; anything else -> 1.  A positive value
 * is taken to be an exit status already and returned as it is.  Where a
 * code means something else in context (TIDE_EINVAL in an option: 64),
 * the caller says so before asking.
 */
int tide_exit_of(int code);

#endif
