#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "kafka/kconf.h"
#include "kafka/kopt.h"
#include "xalloc.h"

int
tide_kopt_conf(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_kconf_err e;
	int r;

	if ((r = tide_kconf_option(opt->dest, opt->id, arg, &e)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return r;
	}
	return 0;
}

int
tide_kopt_parts(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_kopt_parts *pl = opt->dest;
	const char *p = arg;
	char *end;
	long a, b;

	while (*p) {
		errno = 0;
		if (*p < '0' || *p > '9')
			goto bad;
		a = strtol(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtol(p, &end, 10);
		}
		if (errno || a > b || b > INT32_MAX || b - a > 100000)
			goto bad;
		for (; a <= b; a++) {
			pl->v = tide_xreallocarray(pl->v, pl->n + 1,
			    sizeof(*pl->v));
			pl->v[pl->n++] = (int32_t)a;
		}
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			goto bad;
		p = end;
	}
	/* As the programs always did: an empty list after a good -p adds
	 * nothing and passes. */
	if (pl->n)
		return 0;
bad:
	snprintf(err->msg, sizeof(err->msg),
	    "-p: not a partition list: '%.400s' (e.g. 0,2,4-7)", arg);
	return TIDE_EINVAL;
}
