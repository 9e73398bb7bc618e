/*
 * Which of tide-sink's options go together: one back end (-t, -o,
 * --sqlite or --redis), and each back end's own options with it alone.
 * The command says what its command line gave, as enum tide_sinkopt
 * flags; tide_sinkopt_check() names the first combination that does not
 * go, in the words of the usage error, or says nothing.  Pure logic: no
 * state, nothing printed.
 */
#ifndef TIDE_SINKOPT_H
#define TIDE_SINKOPT_H

#include <stdint.h>

enum tide_sinkopt {
	TIDE_SINKOPT_TOPIC = 1u << 0,		/* -t */
	TIDE_SINKOPT_OUTPUT = 1u << 1,		/* -o */
	TIDE_SINKOPT_STDOUT = 1u << 2,		/* -o - */
	TIDE_SINKOPT_SQLITE = 1u << 3,		/* --sqlite */
	TIDE_SINKOPT_REDIS = 1u << 4,		/* --redis */
	TIDE_SINKOPT_TABLE = 1u << 5,		/* --table */
	TIDE_SINKOPT_COLUMNS = 1u << 6,		/* --columns */
	TIDE_SINKOPT_HISTORY = 1u << 7,		/* --history */
	TIDE_SINKOPT_PREFIX = 1u << 8,		/* --prefix */
	TIDE_SINKOPT_ASJSON = 1u << 9,		/* --as-json */
	TIDE_SINKOPT_UPSERT = 1u << 10,		/* --upsert */
	TIDE_SINKOPT_BATCH = 1u << 11,		/* --batch */
	TIDE_SINKOPT_BATCHTIME = 1u << 12,	/* --batch-time */
	TIDE_SINKOPT_TTL = 1u << 13,		/* --ttl */
	TIDE_SINKOPT_TIME = 1u << 14,		/* --time */
	TIDE_SINKOPT_CSV = 1u << 15,		/* --format csv */
	TIDE_SINKOPT_ROTATE = 1u << 16,		/* --rotate */
	TIDE_SINKOPT_LEVEL = 1u << 17,		/* --level */
	TIDE_SINKOPT_KEY = 1u << 18,		/* -k */
	TIDE_SINKOPT_PARTITION = 1u << 19,	/* -p, a number or a field */
	TIDE_SINKOPT_PARTFIELD = 1u << 20,	/* -p field */
	TIDE_SINKOPT_HEADER = 1u << 21,		/* -H */
	TIDE_SINKOPT_TIMESTAMP = 1u << 22,	/* --timestamp */
	TIDE_SINKOPT_CODEC = 1u << 23,		/* -z */
	TIDE_SINKOPT_ENVELOPE = 1u << 24,	/* -J */
	TIDE_SINKOPT_KEEPPART = 1u << 25,	/* --keep-partition */
	TIDE_SINKOPT_TEE = 1u << 26,		/* --tee */
	TIDE_SINKOPT_DOWNTIMEOUT = 1u << 27,	/* --down-timeout */
	TIDE_SINKOPT_TXNID = 1u << 28,		/* --transactional-id */
};

/* The usage error of the options given (enum tide_sinkopt flags), a
 * static string, or NULL when they go together. */
const char *tide_sinkopt_check(uint32_t given);

#endif
