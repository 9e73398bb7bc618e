#include <stddef.h>
#include <stdint.h>

#include "sinkopt.h"

#define HAS(f)	((given & TIDE_SINKOPT_##f) != 0)

/* The options of Kafka (-t) and of files (-o) that a view takes none of. */
#define KAFKA_OPTS (TIDE_SINKOPT_KEY | TIDE_SINKOPT_PARTITION | \
	TIDE_SINKOPT_HEADER | TIDE_SINKOPT_TIMESTAMP | TIDE_SINKOPT_CODEC | \
	TIDE_SINKOPT_ENVELOPE | TIDE_SINKOPT_KEEPPART | TIDE_SINKOPT_TEE)
#define FILE_OPTS (TIDE_SINKOPT_CSV | TIDE_SINKOPT_ROTATE | \
	TIDE_SINKOPT_LEVEL)
#define VIEW_OPTS (TIDE_SINKOPT_UPSERT | TIDE_SINKOPT_BATCH | \
	TIDE_SINKOPT_BATCHTIME | TIDE_SINKOPT_TTL)

const char *
tide_sinkopt_check(uint32_t given)
{
	if (HAS(TOPIC) + HAS(OUTPUT) + HAS(SQLITE) + HAS(REDIS) != 1)
		return "give one of -t topic, -o path, --sqlite file or "
		    "--redis url";
	if (!HAS(SQLITE) && (HAS(TABLE) || HAS(COLUMNS) || HAS(HISTORY)))
		return "--table, --columns and --history are for --sqlite";
	if (!HAS(REDIS) && (HAS(PREFIX) || HAS(ASJSON)))
		return "--prefix and --as-json are for --redis";
	if (!HAS(SQLITE) && !HAS(REDIS) && (given & VIEW_OPTS))
		return "--upsert, --batch, --batch-time and --ttl are for "
		    "--sqlite and --redis";
	if (HAS(SQLITE) || HAS(REDIS)) {
		if (!HAS(UPSERT))
			return HAS(SQLITE) ? "--sqlite needs --upsert "
			    "field[,field]" : "--redis needs --upsert "
			    "field[,field]";
		if (HAS(SQLITE) && !HAS(TABLE))
			return "--sqlite needs --table name";
		if (HAS(SQLITE) && (HAS(HISTORY) || HAS(TTL)) && !HAS(TIME))
			return HAS(HISTORY) ? "--history needs --time field" :
			    "--ttl needs --time field";
		if (given & (FILE_OPTS | KAFKA_OPTS))
			return "Kafka and file options do not go with a view";
		if (HAS(REDIS) && HAS(TIME))
			return "--time is not used with --redis (--ttl counts "
			    "from each write)";
	} else if (HAS(TOPIC)) {
		if (given & (FILE_OPTS | TIDE_SINKOPT_TIME))
			return "--format, --rotate, --time and --level are for "
			    "-o";
		if (HAS(ENVELOPE) && (HAS(KEY) || HAS(PARTFIELD) ||
		    HAS(TIMESTAMP)))
			return "-J takes key, partition and timestamp from the "
			    "envelope: no --key, --partition field or "
			    "--timestamp";
		if (HAS(KEEPPART) && !HAS(ENVELOPE))
			return "--keep-partition needs -J";
		if (HAS(KEEPPART) && HAS(PARTITION))
			return "--keep-partition and --partition exclude each "
			    "other";
	} else {
		if (given & KAFKA_OPTS)
			return "--key, --partition, -H, --timestamp, -z, -J and "
			    "--tee are for -t";
		if (HAS(STDOUT) && HAS(ROTATE))
			return "--rotate needs a file, not -o -";
	}
	if (HAS(DOWNTIMEOUT) && !HAS(TOPIC))
		return "--down-timeout is for -t";
	if (HAS(TXNID) && !HAS(TOPIC))
		return "--transactional-id is for -t";
	return NULL;
}
