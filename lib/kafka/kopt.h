/*
 * The Kafka options shared by the programs that read Kafka, as bound
 * entries of an option table (struct tide_option, lib/prog.h): -b, -X,
 * -F and -d go to a struct tide_kconf through tide_kconf_option(),
 * --metadata-timeout is a duration from 1ms to 1h, and -p a partition
 * list.  One help text and one message form ("-p: not a partition list:
 * ...") for every program that splices them in:
 *
 *	static const struct tide_option opts[] = {
 *		TIDE_KOPTS_CONF(&o.kc),
 *		...
 *		TIDE_KOPT_MDTIMEOUT(&o.md_timeout),
 */
#ifndef TIDE_KAFKA_KOPT_H
#define TIDE_KAFKA_KOPT_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"

/* A partition list, "0,2,4-7": partitions in the order given, repeats
 * kept; -p given again adds to it.  The owner frees v. */
struct tide_kopt_parts {
	int32_t *v;
	size_t n;
};

/* dest: a struct tide_kconf. */
tide_opt_cb tide_kopt_conf;
/* dest: a struct tide_kopt_parts. */
tide_opt_cb tide_kopt_parts;

#define TIDE_KOPTS_CONF(kc)						\
	TIDE_OPT_CALLBACK('b', "brokers", "brokers",			\
	    "bootstrap brokers, host:port[,...] (default $TIDE_BROKERS)", \
	    tide_kopt_conf, (kc)),					\
	TIDE_OPT_CALLBACK('X', NULL, "prop=value",			\
	    "librdkafka property, topic.prop for a topic one (repeatable)", \
	    tide_kopt_conf, (kc)),					\
	TIDE_OPT_CALLBACK('F', "config", "file",			\
	    "librdkafka properties file (default $TIDE_CONFIG)",	\
	    tide_kopt_conf, (kc)),					\
	TIDE_OPT_CALLBACK('d', "debug", "contexts",			\
	    "librdkafka debug contexts, e.g. broker,fetch",		\
	    tide_kopt_conf, (kc))
#define TIDE_KOPTS_SYNOPSIS						\
	"[-b brokers] [-X prop=value] ... [-F file] [-d contexts]"

/* v: an int64_t, milliseconds. */
#define TIDE_KOPT_MDTIMEOUT(v)						\
	TIDE_OPT_DUR(TIDE_OPT_MDTIMEOUT, "metadata-timeout", "duration",	\
	    "give up on unreachable brokers after duration (default 10s)", \
	    (v), 1, 3600000)

#endif
