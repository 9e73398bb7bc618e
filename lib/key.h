/*
 * Key values: the one rule by which every program tells keys apart --
 * tide-window's -k, tide-join's --on against tables and views (and the
 * views' lookup caches), tide-sink's --upsert into Redis, and SQLite's
 * key columns, bound by their canonical value (lib/view/sqlview's
 * bind_key; tide(7), KEYS).
 *
 * Two key values are one key when their canonical texts are equal:
 *   - a number: an integer value as a plain integer in full (42, 42.0,
 *     4.2e1 and 420e-1 are 42; -0 is 0; 9007199254740993 stays exact),
 *     any other in the shortest form that reads back as the same double
 *     (1.50 and 15e-1 are 1.5);
 *   - a string: its unescaped value, except that a string holding exactly
 *     a JSON number is that number ("42", "42.0" and "4.2e1" are 42, as a
 *     CSV cell "42" is read as the number 42), so CSV tables, whose cells
 *     are text, join with JSON records; "007", "+1", "1." and " 1" are
 *     not numbers and stay the strings they are;
 *   - true and false: those words (the strings "true" and "false" too);
 *   - an object or array: its JSON text as written ({"a":1} and
 *     { "a": 1 } are different keys);
 *   - null or an absent field: no key.
 *
 * tide_key_text() appends a value's canonical text (tables, views, Redis
 * key parts); tide_key_json() appends it as JSON (tide-window writes its
 * keys so): a number as a number, true and false as words, everything
 * else as it came.  So a window keyed by a field that holds "42" in some
 * records and 42 in others has one key, written 42.
 *
 * Cost: a string is looked at past its first byte only when that is a
 * digit or '-'; a number only when it holds '.', 'e' or 'E' (or is -0).
 * Nothing is allocated: the buffers grow to the largest key and are reused.
 */
#ifndef TIDE_KEY_H
#define TIDE_KEY_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

/*
 * Append v's canonical text to out.  0, TIDE_ENOENT for null or absent,
 * TIDE_ETYPE for a value of no JSON type, or TIDE_ETOOBIG from out.
 */
int tide_key_text(struct tide_buf *out, const struct tide_json_val *v);

/*
 * Append v's canonical JSON text to out; scratch holds an unescaped string
 * for a while.  Results as tide_key_text().
 */
int tide_key_json(struct tide_buf *out, const struct tide_json_val *v,
    struct tide_buf *scratch);

/*
 * The canonical text of the JSON number p[0..n) into out (64 bytes) or,
 * when it is already canonical, p itself: *len is set and the text's start
 * returned.  NULL when p[0..n) is not a JSON number.
 */
const char *tide_key_number(const char *p, size_t n, char *out, size_t *len);

#endif
