/*
 * Which of tide-source's options go together: Kafka input (topics) or
 * files, -L, --lag and --summary each on their own, -G's group and what it
 * leaves to the group, --resume with -J.  The command says what its
 * command line gave, as enum tide_srcopt flags; tide_srcopt_check() names
 * the first combination that does not go, in the words of the usage
 * error, or says nothing.  The rules are checked in four steps (enum
 * tide_srcopt_step), the order of the command's own checks between them
 * (-J with --print, $TIDE_CONFIG, the brokers, --resume's file) kept.
 * Pure logic: no state, nothing printed.
 */
#ifndef TIDE_SRCOPT_H
#define TIDE_SRCOPT_H

#include <stdint.h>

enum tide_srcopt {
	TIDE_SRCOPT_LIST = 1u << 0,		/* -L */
	TIDE_SRCOPT_LAG = 1u << 1,		/* --lag */
	TIDE_SRCOPT_SUMMARY = 1u << 2,		/* --summary */
	TIDE_SRCOPT_PRINT = 1u << 3,		/* --print */
	TIDE_SRCOPT_PROJ = 1u << 4,		/* --keep, --drop */
	TIDE_SRCOPT_OFFSET = 1u << 5,		/* -o */
	TIDE_SRCOPT_OFFNAMED = 1u << 6,		/* -o beginning, end, stored */
	TIDE_SRCOPT_OFFSTORED = 1u << 7,	/* -o stored */
	TIDE_SRCOPT_FROM = 1u << 8,		/* --from */
	TIDE_SRCOPT_TO = 1u << 9,		/* --to */
	TIDE_SRCOPT_BACKWARDS = 1u << 10,	/* --to before --from */
	TIDE_SRCOPT_EXIT = 1u << 11,		/* -e (or --summary's end) */
	TIDE_SRCOPT_PARTS = 1u << 12,		/* -p */
	TIDE_SRCOPT_DRYRUN = 1u << 13,		/* --dry-run */
	TIDE_SRCOPT_COUNT = 1u << 14,		/* -c */
	TIDE_SRCOPT_RESUME = 1u << 15,		/* --resume */
	TIDE_SRCOPT_WHERE = 1u << 16,		/* --where */
	TIDE_SRCOPT_GROUP = 1u << 17,		/* -G */
	TIDE_SRCOPT_TOPIC = 1u << 18,		/* -t */
	TIDE_SRCOPT_FILES = 1u << 19,		/* file operands */
	TIDE_SRCOPT_ENVELOPE = 1u << 20,	/* -J */
	TIDE_SRCOPT_TIME = 1u << 21,		/* --time */
	TIDE_SRCOPT_DUMPCONF = 1u << 22,	/* --dump-config */
	/* --schema-registry, --key-format, --value-format, --avro-json */
	TIDE_SRCOPT_WIRE = 1u << 23,
};

enum tide_srcopt_step {
	TIDE_SRCOPT_ALONE,	/* -L, --lag, --summary */
	TIDE_SRCOPT_INPUT,	/* topics or files, and the files' options */
	TIDE_SRCOPT_KAFKA,	/* -G, -o, --from, --resume: where to start */
	TIDE_SRCOPT_RANGE,	/* -o stored, the range's ends */
};

/* The usage error of step's rules for the options given (enum
 * tide_srcopt flags), a static string, or NULL when they go together. */
const char *tide_srcopt_check(uint32_t given, enum tide_srcopt_step step);

#endif
