/*
 * JSON Schema (draft 2020-12), compiled once into a rule tree and
 * evaluated over records that lib/json's scanner has accepted, in place:
 * nothing is allocated per record (an evaluation's buffers grow to the
 * largest record's needs and are reused).
 *
 * The keywords read: type, required, properties, additionalProperties,
 * minProperties, maxProperties, enum, const, minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, minLength, maxLength (in code
 * points), pattern (PCRE2, UTF mode, unanchored search), format
 * (date-time as RFC 3339's, email, uuid: checked, not only annotated),
 * items (one schema; 2020-12 has no tuple form here), minItems, maxItems,
 * allOf, anyOf, oneOf, not, $ref within the file (a JSON pointer: "#",
 * "#/$defs/a", "#/definitions/a", "#/properties/x"), $defs and
 * definitions, and true and false as schemas.  Annotations are ignored:
 * $schema (which must name draft 2020-12 when given), $id (at the root
 * only), $comment, title, description, default, examples, deprecated,
 * readOnly, writeOnly.  Any other keyword, a remote $ref, a format other
 * than the three, a $ref cycle that consumes nothing, a keyword given
 * twice in one schema object, and a bad regex are
 * refused at compile time with a message naming the keyword and where it
 * stands.
 *
 * Numbers compare by value as doubles (1 and 1.0 are equal; 1.0 is an
 * integer); enum and const compare by JSON value (objects whatever their
 * members' order; true is not 1).
 *
 * A rule is one keyword at one place of the schema, named by its location
 * as a JSON pointer ("#/properties/amount/minimum"); its count says how
 * many records violated it.  Within anyOf, oneOf and not, the branches'
 * own failures are not violations: the keyword that combines them is.
 */
#ifndef TIDE_JSCHEMA_H
#define TIDE_JSCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

#define TIDE_JSCHEMA_MAXPROPS 1024	/* property names of one object schema */
#define TIDE_JSCHEMA_MAXNODES 65536	/* schemas in one file */

struct tide_jschema_err {
	char msg[512];		/* "keyword 'if' is not supported (at #/...)" */
};

struct tide_jschema_rule {
	char *loc;		/* "#/properties/a/minimum" */
	uint64_t count;		/* records that violated it */
};

struct tide_jschema_node;

struct tide_jschema {
	struct tide_jschema_node *n;
	int nn, capn;
	struct tide_jschema_rule *rules;
	int nrules, caprules;
	char *text;		/* the schema file's bytes: enum and const
				 * values point into them */
	size_t textlen;
};

/* One evaluation's state: the caller's, reused for every record. */
struct tide_jschema_run {
	struct tide_buf viol;	/* the violations, as JSON objects
				 * separated by commas: {"rule":...,
				 * "path":...,"message":...} */
	int nviol;
	char first[256];	/* the first one in words, for stderr */
	/* Private. */
	struct tide_buf scratch, tmp, seg;
	int depth;
	const struct tide_json_val *frame[TIDE_JSON_MAXDEPTH + 2];
	long idx[TIDE_JSON_MAXDEPTH + 2];
};

/*
 * Compile the schema text[0..n) (copied).  0, or TIDE_EINVAL with err
 * saying why (not JSON, a keyword not supported, a bad value, an
 * unresolvable or remote $ref, a bad regex).  Release with
 * tide_jschema_release() either way.
 */
int tide_jschema_compile(struct tide_jschema *s, const char *text, size_t n,
    struct tide_jschema_err *err);
void tide_jschema_release(struct tide_jschema *s);

void tide_jschema_run_init(struct tide_jschema_run *r);
void tide_jschema_run_release(struct tide_jschema_run *r);

/*
 * Validate the document doc (a value tide_json_check() accepted) against
 * s: returns the number of violations, 0 when it passes, with r->viol and
 * r->first describing them.
 * A violation's path is the JSON pointer of the value at fault ("" for
 * the document, "/items/0/id").  A rule's count rises by one for each
 * violation (an items rule that two elements violate: two).  Nothing is
 * allocated once r's buffers have grown, but to compare an escaped
 * string or member name with an enum or const value.
 */
int tide_jschema_validate(struct tide_jschema *s, struct tide_jschema_run *r,
    const struct tide_json_val *doc);

#endif
