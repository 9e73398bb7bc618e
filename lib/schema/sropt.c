#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "prog.h"
#include "schema/sreg.h"
#include "schema/sropt.h"
#include "sig.h"
#include "time.h"

int
tide_sropt_option(const struct tide_option *opt, const char *arg,
    struct tide_opt_err *err)
{
	struct tide_sropt *so = opt->dest;

	if (*arg == '\0') {
		snprintf(err->msg, sizeof(err->msg), "--%s: empty", opt->name);
		return TIDE_EINVAL;
	}
	switch (opt->id) {
	case TIDE_OPT_SREG:
		if (strncmp(arg, "http://", 7) != 0 &&
		    strncmp(arg, "https://", 8) != 0) {
			snprintf(err->msg, sizeof(err->msg), "--%s: not an "
			    "http:// or https:// URL", opt->name);
			return TIDE_EINVAL;
		}
		so->url = arg;
		break;
	case TIDE_OPT_SREG_AUTH:
		/* Never the argument itself: it holds the password. */
		if (!strchr(arg, ':') || *arg == ':') {
			snprintf(err->msg, sizeof(err->msg), "--%s: not "
			    "user:password", opt->name);
			return TIDE_EINVAL;
		}
		so->auth = arg;
		break;
	case TIDE_OPT_SREG_CA:
		so->ca = arg;
		break;
	case TIDE_OPT_SREG_CERT:
		so->cert = arg;
		break;
	case TIDE_OPT_SREG_KEY:
		so->key = arg;
		break;
	default:
		snprintf(err->msg, sizeof(err->msg), "--%s: not a registry "
		    "option", opt->name);
		return TIDE_EINVAL;
	}
	return 0;
}

static void
sropt_note(void *ctx, const char *why, long waited_ms)
{
	const struct tide_sreg_conf *c = ctx;
	char d[32];

	tide_dur_fmt(d, c->connect_timeout_ms);
	tide_warn("schema registry %s: unreachable (%s), retrying for up to "
	    "%s", c->url, why, d);
	(void)waited_ms;
}

/* The TLS files: each read now, before any request (74 naming it, as for
 * any input file, rather than libcurl's "error setting certificate file"
 * as a registry that cannot be used); with an http:// URL, unused: said
 * once. */
static void
sropt_files(const struct tide_sropt *so)
{
	const char *name[] = { "ca", "cert", "key" };
	const char *file[] = { so->ca, so->cert, so->key };
	char c;
	FILE *f;
	int i;

	for (i = 0; i < 3; i++) {
		if (!file[i])
			continue;
		if (!(f = fopen(file[i], "r")) ||
		    (fread(&c, 1, 1, f) == 0 && ferror(f))) {
			int e = errno;

			if (f)
				fclose(f);
			tide_die(TIDE_EX_IOERR, "--schema-registry-%s: cannot "
			    "read '%s': %s", name[i], file[i], strerror(e));
		}
		fclose(f);
	}
	if (strncmp(so->url, "http://", 7) == 0 &&
	    (so->ca || so->cert || so->insecure))
		tide_warn("%s%s%s%s%s ignored: the schema registry's URL is "
		    "http://, not https://", so->ca ? "--schema-registry-ca" :
		    "", so->ca && (so->cert || so->insecure) ? ", " : "",
		    so->cert ? "--schema-registry-cert/-key" : "",
		    so->cert && so->insecure ? ", " : "",
		    so->insecure ? "--schema-registry-insecure" : "");
}

struct tide_sreg *
tide_sropt_open(struct tide_sropt *so)
{
	/* The note's context: the URL without its user info, the bound. */
	static struct tide_sreg_conf note;
	struct tide_sreg_conf c = { 0 };
	struct tide_sreg *r;
	const char *s;
	char err[1024];

	if (!so->url && (s = getenv("TIDE_SCHEMA_REGISTRY")) && *s)
		so->url = s;
	if (!so->auth && (s = getenv("TIDE_SCHEMA_REGISTRY_AUTH")) && *s) {
		if (!strchr(s, ':') || *s == ':')
			tide_usage_error("TIDE_SCHEMA_REGISTRY_AUTH: not "
			    "user:password");
		so->auth = s;
	}
	if (!so->url) {
		if (so->auth || so->ca || so->cert || so->key || so->insecure ||
		    so->timeout_ms)
			tide_usage_error("the --schema-registry-* options need "
			    "--schema-registry or TIDE_SCHEMA_REGISTRY");
		return NULL;
	}
	if ((so->cert != NULL) != (so->key != NULL))
		tide_usage_error("--schema-registry-cert and "
		    "--schema-registry-key go together");
	sropt_files(so);
	c.url = so->url;
	c.basic_auth = so->auth;
	c.ca_file = so->ca;
	c.cert_file = so->cert;
	c.key_file = so->key;
	c.insecure = so->insecure;
	c.connect_timeout_ms = so->timeout_ms ? (int)so->timeout_ms : 30000;
	c.on_retry = sropt_note;
	c.ctx = &note;
	if (!(r = tide_sreg_new(&c, err, sizeof(err))))
		tide_usage_error("--schema-registry: %s", err);
	note.url = tide_sreg_url(r);
	note.connect_timeout_ms = c.connect_timeout_ms;
	return r;
}

void
tide_sropt_need(const struct tide_sreg *r, const char *what)
{
	if (!r)
		tide_usage_error("%s needs --schema-registry (or "
		    "TIDE_SCHEMA_REGISTRY)", what);
}

int
tide_sropt_wire(struct tide_wire *w, struct tide_sropt *so,
    const struct tide_wire_opts *wo, int reg, int desc)
{
	struct tide_sreg *r = NULL;
	enum tide_wire_fmt kf, vf;
	enum tide_avro_json form;
	const char *why;
	int c;

	if ((why = tide_wire_opts_check(wo, &kf, &vf, &form)))
		tide_usage_error("%s", why);
	if (reg) {
		r = tide_sropt_open(so);
		if (kf == TIDE_WIRE_AVRO)
			tide_sropt_need(r, "--key-format avro");
		if (vf == TIDE_WIRE_AVRO)
			tide_sropt_need(r, "--value-format avro");
		/* Avro is decoded through a registry alone: its forms
		 * without one would be ignored. */
		if (wo->json)
			tide_sropt_need(r, "--avro-json");
		if (wo->decimal)
			tide_sropt_need(r, "--decimal-format");
	}
	tide_wire_init(w, r, kf, vf, form);
	if (wo->pdesc && desc && (c = tide_wire_proto(w, wo->pdesc,
	    wo->pmsg)) < 0)
		return c;
	return r || (kf != TIDE_WIRE_AUTO && kf != TIDE_WIRE_JSON) ||
	    (vf != TIDE_WIRE_AUTO && vf != TIDE_WIRE_JSON);
}

int
tide_sropt_wire_exit(int code)
{
	return code == TIDE_ENOENT ? TIDE_EX_USAGE : tide_exit_of(code);
}

void
tide_sropt_wire_release(struct tide_wire *w)
{
	struct tide_sreg *r = w->reg;

	tide_wire_release(w);
	tide_sreg_free(r);
	w->reg = NULL;
}

void
tide_sropt_framed_note(const char *topic, int32_t partition, int64_t offset,
    int32_t id)
{
	tide_warn("note: '%s' [%" PRId32 "] offset %" PRId64 ": the value "
	    "starts as the Confluent wire format does (magic byte 0, schema "
	    "id %" PRId32 "): give --schema-registry (or "
	    "TIDE_SCHEMA_REGISTRY) to decode Avro or Protobuf", topic,
	    partition, offset, id);
}

int
tide_sropt_wire_given(const struct tide_sropt *so,
    const struct tide_wire_opts *wo)
{
	return so->url || wo->key || wo->value || wo->json || wo->pdesc ||
	    wo->pmsg || wo->decimal;
}

int
tide_sropt_exit(int code)
{
	switch (code) {
	case TIDE_EINVAL:
		return TIDE_EX_DATAERR;
	case TIDE_EINTR:
		/* A wait a stop signal ended: 128 + the signal. */
		return tide_sig_exit_status() ? tide_sig_exit_status() :
		    TIDE_EX_UNAVAILABLE;
	case TIDE_ENOENT:
	case TIDE_EAGAIN:
	case TIDE_EIO:
	case TIDE_EFORMAT:
		return TIDE_EX_UNAVAILABLE;
	default:
		return tide_exit_of(code);
	}
}
