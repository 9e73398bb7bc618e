#include <stddef.h>
#include <stdint.h>

#include "srcopt.h"

#define HAS(f)	((given & TIDE_SRCOPT_##f) != 0)

/* A range, or anything else that reads records: not with -L or --lag. */
#define READ_OPTS (TIDE_SRCOPT_OFFSET | TIDE_SRCOPT_FROM | TIDE_SRCOPT_TO | \
	TIDE_SRCOPT_EXIT | TIDE_SRCOPT_PARTS | TIDE_SRCOPT_DRYRUN | \
	TIDE_SRCOPT_COUNT | TIDE_SRCOPT_RESUME | TIDE_SRCOPT_WHERE)

static const char *
alone(uint32_t given)
{
	int inspect = HAS(LIST) || HAS(LAG);

	if (HAS(LIST) + HAS(LAG) + HAS(SUMMARY) > 1 || ((inspect ||
	    HAS(SUMMARY)) && (HAS(PRINT) || HAS(PROJ))) || (inspect &&
	    (given & READ_OPTS)) || (HAS(SUMMARY) && (HAS(GROUP) ||
	    HAS(DRYRUN))))
		return "-L, --lag and --summary go alone, with -t and -J (no "
		    "--keep, --drop, --print); --summary with a range (-o, "
		    "--from, --to, -e, -p, -c) and --where";
	if (HAS(LAG) && !HAS(GROUP))
		return "--lag needs a group: -G group (and -t topic to name "
		    "its topics)";
	return NULL;
}

static const char *
input(uint32_t given)
{
	if (HAS(FILES) && HAS(TOPIC))
		return "give topics (-t) or files, not both";
	if (HAS(FILES)) {
		if ((HAS(ENVELOPE) && !HAS(SUMMARY)) || HAS(GROUP) ||
		    HAS(OFFSET) || HAS(PARTS) || HAS(DRYRUN) || HAS(RESUME) ||
		    HAS(LIST) || HAS(LAG))
			return "-J, -G, -p, -o, -L, --lag, --resume and "
			    "--dry-run apply to Kafka input only";
		if (HAS(WIRE))
			return "--schema-registry, --key-format, --value-format, "
			    "--avro-json, --decimal-format and --proto-* apply "
			    "to Kafka input only";
		if (HAS(TIME) && !HAS(FROM) && !HAS(TO) && !HAS(SUMMARY))
			return "--time goes with --from or --to, or --summary";
		if (HAS(BACKWARDS))
			return "--to is before --from";
		return NULL;
	}
	if (!HAS(TOPIC) && !HAS(DUMPCONF) && !HAS(LIST) && !HAS(LAG))
		return "no topic (-t) and no file given";
	if (HAS(TIME))
		return "--time applies to files: a topic's --from and --to "
		    "are by message timestamp";
	return NULL;
}

static const char *
kafka(uint32_t given)
{
	if (HAS(GROUP) && (HAS(FROM) || HAS(TO) || HAS(PARTS) ||
	    HAS(DRYRUN)))
		return "-G cannot be used with -p, --from, --to or --dry-run: "
		    "the group assigns partitions and its committed offsets "
		    "say where to start";
	if (HAS(GROUP) && HAS(OFFSET) && !HAS(OFFNAMED))
		return "-o: with -G only beginning, end or stored (where the "
		    "group has no committed offset)";
	if (HAS(OFFSET) && HAS(FROM))
		return "-o and --from both say where to start";
	if (HAS(RESUME) && HAS(GROUP))
		return "--resume cannot be used with -G: the group assigns "
		    "partitions and its committed offsets say where to start";
	if (HAS(RESUME) && !HAS(ENVELOPE))
		return "--resume needs -J: tide-window keeps the offsets of the "
		    "envelopes it reads";
	return NULL;
}

const char *
tide_srcopt_check(uint32_t given, enum tide_srcopt_step step)
{
	switch (step) {
	case TIDE_SRCOPT_ALONE:
		return alone(given);
	case TIDE_SRCOPT_INPUT:
		return input(given);
	case TIDE_SRCOPT_KAFKA:
		return HAS(FILES) ? NULL : kafka(given);
	case TIDE_SRCOPT_RANGE:
		if (HAS(FILES))
			return NULL;
		if (HAS(OFFSTORED) && !HAS(GROUP))
			return "-o stored needs a group: -G group";
		if (HAS(BACKWARDS))
			return "--to is before --from";
		return NULL;
	}
	return NULL;
}
