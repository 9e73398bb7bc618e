#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "kafka/kconf.h"
#include "xalloc.h"

void
tide_kconf_init(struct tide_kconf *kc)
{
	memset(kc, 0, sizeof(*kc));
}

void
tide_kconf_release(struct tide_kconf *kc)
{
	size_t i;

	for (i = 0; i < kc->nprops; i++)
		free(kc->props[i]);
	free(kc->props);
	free(kc->brokers);
	free(kc->debug);
	free(kc->warning);
	memset(kc, 0, sizeof(*kc));
}

int
tide_kconf_brokers(struct tide_kconf *kc, const char *brokers)
{
	if (brokers == NULL || *brokers == '\0')
		return TIDE_EINVAL;
	free(kc->brokers);
	kc->brokers = tide_xstrdup(brokers);
	return 0;
}

int
tide_kconf_debug(struct tide_kconf *kc, const char *contexts)
{
	if (contexts == NULL || *contexts == '\0')
		return TIDE_EINVAL;
	free(kc->debug);
	kc->debug = tide_xstrdup(contexts);
	return 0;
}

int
tide_kconf_option(struct tide_kconf *kc, int id, const char *arg,
    struct tide_kconf_err *err)
{
	struct tide_kconf_err e;
	int r;

	e.msg[0] = '\0';
	switch (id) {
	case 'b':
		if ((r = tide_kconf_brokers(kc, arg)) < 0)
			snprintf(e.msg, sizeof(e.msg), "empty broker list");
		break;
	case 'X':
		r = tide_kconf_set(kc, arg, &e);
		break;
	case 'F':
		r = tide_kconf_file(kc, arg, &e);
		break;
	case 'd':
		if ((r = tide_kconf_debug(kc, arg)) < 0)
			snprintf(e.msg, sizeof(e.msg), "empty debug context list");
		break;
	default:
		return 0;
	}
	if (r < 0) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "-%c: %.500s", id,
			    e.msg);
		return r;
	}
	return 1;
}

/*
 * Apply one "name=value" to conf.  A "topic." prefix names a topic-level
 * property; librdkafka forwards topic properties set on the global
 * configuration to the default topic configuration, so the prefix is only
 * stripped, never a second path.
 */
static int
apply(rd_kafka_conf_t *conf, const char *prop, struct tide_kconf_err *err)
{
	char errstr[256], *name;
	const char *eq = strchr(prop, '='), *n;
	rd_kafka_conf_res_t res;

	if (eq == NULL || eq == prop) {
		/* Never the value: a line "sasl.password SECRET" would
		 * otherwise print the secret.  The name is what comes
		 * before the first space or "=". */
		size_t nl = strcspn(prop, " \t=");

		if (err && nl == 0)
			snprintf(err->msg, sizeof(err->msg),
			    "not a property=value setting: no property name");
		else if (err)
			snprintf(err->msg, sizeof(err->msg),
			    "not a property=value setting: '%.*s%s'",
			    (int)(nl > 200 ? 200 : nl), prop,
			    prop[nl] != '\0' ? " ..." : "");
		return TIDE_EINVAL;
	}
	name = tide_xmemdup(prop, (size_t)(eq - prop));
	n = name;
	res = rd_kafka_conf_set(conf, n, eq + 1, errstr, sizeof(errstr));
	if (res == RD_KAFKA_CONF_UNKNOWN && strncmp(n, "topic.", 6) == 0) {
		n += 6;
		res = rd_kafka_conf_set(conf, n, eq + 1, errstr, sizeof(errstr));
	}
	if (res != RD_KAFKA_CONF_OK) {
		/* librdkafka's message may quote the value: not a secret's. */
		if (err && res != RD_KAFKA_CONF_UNKNOWN && tide_kconf_is_secret(name))
			snprintf(err->msg, sizeof(err->msg),
			    "%s: invalid value (not shown: a secret)", name);
		else if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: %s", name,
			    errstr);
		free(name);
		return TIDE_EINVAL;
	}
	free(name);
	return 0;
}

/* Check a setting against a scratch configuration so a bad -X is reported
 * where it was given, not later at connect time. */
static int
validate(const char *prop, struct tide_kconf_err *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int r = apply(conf, prop, err);

	rd_kafka_conf_destroy(conf);
	return r;
}

static void
insert(struct tide_kconf *kc, size_t at, const char *prop)
{
	kc->props = tide_xreallocarray(kc->props, kc->nprops + 1,
	    sizeof(*kc->props));
	memmove(kc->props + at + 1, kc->props + at,
	    (kc->nprops - at) * sizeof(*kc->props));
	kc->props[at] = tide_xstrdup(prop);
	kc->nprops++;
}

int
tide_kconf_set(struct tide_kconf *kc, const char *prop, struct tide_kconf_err *err)
{
	int r;

	if ((r = validate(prop, err)) < 0)
		return r;
	insert(kc, kc->nprops, prop);
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
tide_kconf_file(struct tide_kconf *kc, const char *path,
    struct tide_kconf_err *err)
{
	FILE *fp;
	char *line = NULL, *s, *eq, *name, *val, *secret = NULL;
	size_t cap = 0, lineno = 0, nl;
	struct stat st;
	struct tide_kconf_err e;
	int r = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			    strerror(errno));
		return TIDE_EIO;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		/* "name = value" is allowed in a file: trim around the "=". */
		if ((eq = strchr(s, '=')) != NULL) {
			*eq = '\0';
			name = trim(s);
			val = trim(eq + 1);
			nl = strlen(name);
			memmove(s, name, nl);
			s[nl] = '=';
			memmove(s + nl + 1, val, strlen(val) + 1);
		}
		if ((r = validate(s, &e)) < 0) {
			if (err)
				snprintf(err->msg, sizeof(err->msg),
				    "%.200s: line %zu: %.280s", path, lineno, e.msg);
			break;
		}
		/* File settings go before every -X, whatever the order of
		 * the options: the command line wins. */
		insert(kc, kc->nfile++, s);
		if (eq != NULL && secret == NULL && tide_kconf_is_secret(s)) {
			nl = strcspn(s, "=");
			secret = tide_xmemdup(s, nl);
		}
	}
	/* A file that holds a secret and that others can read: say so, as
	 * ssh does for a private key (the caller prints the warning). */
	if (r == 0 && secret != NULL && fstat(fileno(fp), &st) == 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && kc->warning == NULL) {
		char w[512];

		snprintf(w, sizeof(w), "%.200s sets %.100s but can be read by "
		    "%s (mode %03o): chmod go-rwx it", path, secret,
		    (st.st_mode & S_IRWXO) ? "others" : "its group",
		    (unsigned)(st.st_mode & 0777));
		kc->warning = tide_xstrdup(w);
	}
	free(secret);
	if (r == 0 && ferror(fp)) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			    strerror(errno));
		r = TIDE_EIO;
	}
	free(line);
	fclose(fp);
	if (r == 0)
		kc->files++;
	return r;
}

int
tide_kconf_env(struct tide_kconf *kc, struct tide_kconf_err *err)
{
	const char *s;
	int r;

	if (kc->files == 0 && (s = getenv("TIDE_CONFIG")) != NULL && *s != '\0')
		if ((r = tide_kconf_file(kc, s, err)) < 0)
			return r;
	if (kc->brokers == NULL && (s = getenv("TIDE_BROKERS")) != NULL &&
	    *s != '\0')
		tide_kconf_brokers(kc, s);
	return 0;
}

int
tide_kconf_has_brokers(const struct tide_kconf *kc)
{
	size_t i;

	if (kc->brokers)
		return 1;
	for (i = 0; i < kc->nprops; i++)
		if (strncmp(kc->props[i], "bootstrap.servers=", 18) == 0 ||
		    strncmp(kc->props[i], "metadata.broker.list=", 21) == 0)
			return 1;
	return 0;
}

rd_kafka_conf_t *
tide_kconf_build(const struct tide_kconf *kc, const char *const *defaults,
    struct tide_kconf_err *err)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char *s;
	size_t i;
	int r;

	if (apply(conf, TIDE_KCONF_DEFAULTS, err) < 0)
		goto fail;
	for (; defaults && *defaults; defaults++)
		if (apply(conf, *defaults, err) < 0)
			goto fail;
	for (i = 0; i < kc->nprops; i++)
		if (apply(conf, kc->props[i], err) < 0)
			goto fail;
	if (kc->debug) {
		s = tide_xmalloc(strlen(kc->debug) + 7);
		sprintf(s, "debug=%s", kc->debug);
		r = apply(conf, s, err);
		free(s);
		if (r < 0)
			goto fail;
	}
	if (kc->brokers) {
		s = tide_xmalloc(strlen(kc->brokers) + 19);
		sprintf(s, "bootstrap.servers=%s", kc->brokers);
		r = apply(conf, s, err);
		free(s);
		if (r < 0)
			goto fail;
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

const char *
tide_kconf_warning(const struct tide_kconf *kc)
{
	return kc->warning;
}

int
tide_kconf_is_secret(const char *name)
{
	static const char *const exact[] = {
		"sasl.oauthbearer.config", "ssl.key.pem", "ssl_key",
		"ssl.keystore.password", NULL,
	};
	const char *const *e;

	if (strstr(name, "password") || strstr(name, "secret"))
		return 1;
	if (strncmp(name, "topic.", 6) == 0)
		name += 6;
	for (e = exact; *e; e++)
		if (strcmp(name, *e) == 0)
			return 1;
	return 0;
}

static void
dump(const char **arr, size_t n, const char *prefix, FILE *fp)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		fprintf(fp, "%s%s=%s\n", prefix, arr[i],
		    tide_kconf_is_secret(arr[i]) ? "[redacted]" :
		    arr[i + 1] ? arr[i + 1] : "");
}

void
tide_kconf_dump(const rd_kafka_conf_t *conf, FILE *fp)
{
	const char **arr;
	rd_kafka_topic_conf_t *tc;
	size_t n;

	/* rd_kafka_conf_dump() takes a non-const conf but does not change it. */
	arr = rd_kafka_conf_dump((rd_kafka_conf_t *)conf, &n);
	dump(arr, n, "", fp);
	rd_kafka_conf_dump_free(arr, n);
	if ((tc = rd_kafka_conf_get_default_topic_conf(
	    (rd_kafka_conf_t *)conf)) != NULL) {
		arr = rd_kafka_topic_conf_dump(tc, &n);
		dump(arr, n, "topic.", fp);
		rd_kafka_conf_dump_free(arr, n);
	}
}
