/*
 * Loading a model by its file: see model.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "xalloc.h"
#include "model/model.h"
#include "model/ubj.h"

extern char **environ;

static const char *probe_exe;	/* tide_model_probe_with() */

static int
has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcmp(path + n - e, ext) == 0;
}

/* Read path whole into *text (NUL-terminated, the caller frees): to its
 * end, whatever its size says (a fifo's and a device's is 0), at most
 * TIDE_MODEL_MAXFILE bytes. */
static int
slurp(const char *path, unsigned flags, char **text, size_t *len,
    struct tide_model_err *err)
{
	struct stat sb;
	size_t n = 0, cap;
	ssize_t k;
	char *p;
	int fd;

	if ((fd = (flags & TIDE_MODEL_STDIN) ? dup(STDIN_FILENO) :
	    open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open '%s': %s",
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return TIDE_EIO;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "cannot read '%s': %s",
		    path, strerror(EISDIR));
		close(fd);
		errno = EISDIR;
		return TIDE_EIO;
	}
	if (sb.st_size > (off_t)TIDE_MODEL_MAXFILE)
		goto toobig;
	cap = sb.st_size > 0 ? (size_t)sb.st_size + 2 : 65536;	/* EOF: no growth */
	p = tide_xmalloc(cap);
	for (;;) {
		if (n == cap - 1) {
			if (n > TIDE_MODEL_MAXFILE) {
				free(p);
				goto toobig;
			}
			cap = cap * 2 > TIDE_MODEL_MAXFILE + 2 ?
			    TIDE_MODEL_MAXFILE + 2 : cap * 2;
			p = tide_xrealloc(p, cap);
		}
		if ((k = read(fd, p + n, cap - 1 - n)) == 0)
			break;
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err->msg, sizeof(err->msg), "cannot read '%s': "
			    "%s", path, strerror(errno));
			free(p);
			close(fd);
			return TIDE_EIO;
		}
		n += (size_t)k;
	}
	close(fd);
	p[n] = '\0';
	*text = p;
	*len = n;
	return 0;
toobig:
	snprintf(err->msg, sizeof(err->msg), "model '%s': larger than %u bytes",
	    path, TIDE_MODEL_MAXFILE);
	close(fd);
	return TIDE_ETOOBIG;
}

void
tide_model_probe_with(const char *exe)
{
	probe_exe = exe;
}

static const char *
signame(int sig, char *buf, size_t n)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGKILL: return "SIGKILL";
	case SIGTERM: return "SIGTERM";
	}
	snprintf(buf, n, "signal %d", sig);
	return buf;
}

/* The probe of model.h: 0 (XGBoost may be given text[0..len)), or the
 * error. */
static int
probe(const char *path, const char *text, size_t len,
    struct tide_model_err *err)
{
	posix_spawn_file_actions_t fa;
	char *argv[4], **envp, sb[32];
	size_t i, n, off;
	ssize_t k;
	pid_t pid;
	int sv[2], r, st, e;

	if (probe_exe == NULL)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': cannot check "
		    "it: %s", path, strerror(errno));
		return TIDE_EIO;
	}
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = tide_xcalloc(n + 2, sizeof(char *));
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	envp[n] = "TIDE_MODEL_STDIN=1";
	argv[0] = (char *)probe_exe;
	argv[1] = "--check-model";
	argv[2] = (char *)path;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	e = posix_spawn(&pid, probe_exe, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(sv[1]);
	if (e != 0) {
		close(sv[0]);
		snprintf(err->msg, sizeof(err->msg), "model '%s': cannot check "
		    "it: cannot run '%s': %s", path, probe_exe, strerror(e));
		return TIDE_EIO;
	}
	/* The bytes, then EOF; a child gone early ends the writing. */
	for (off = 0; off < len; off += (size_t)k)
		if ((k = send(sv[0], text + off, len - off, MSG_NOSIGNAL)) < 0 &&
		    errno != EINTR)
			break;
		else if (k < 0)
			k = 0;
	close(sv[0]);
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': cannot check "
		    "it: %s", path, strerror(errno));
		return TIDE_EIO;
	}
	if (WIFSIGNALED(st)) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': XGBoost "
		    "crashed loading it (%s): not a sound model", path,
		    signame(WTERMSIG(st), sb, sizeof(sb)));
		return TIDE_EFORMAT;
	}
	/* 0, or a refusal the parent's own load will give with its reason
	 * (65; 74 for reading): anything else is no verdict of ours, e.g.
	 * a sanitizer's report of the crash (exit 1), and is a refusal. */
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 65 &&
	    WEXITSTATUS(st) != 74) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': XGBoost "
		    "failed loading it (its check exited %d): not a sound model",
		    path, WEXITSTATUS(st));
		return TIDE_EFORMAT;
	}
	return 0;
}

/* XGBoost's UBJSON: read once, walked (ubj.h), and those bytes loaded
 * (what was checked is what XGBoost reads, whatever the file becomes). */
static int
ubj_load(struct tide_model *m, const char *path, int nthread,
    unsigned flags, struct tide_model_err *err)
{
	struct tide_ubj_err uerr;
	size_t len;
	char *text;
	int r;

	if ((r = slurp(path, flags, &text, &len, err)) < 0)
		return r;
	if (len == 0) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': empty file",
		    path);
		r = TIDE_EFORMAT;
	} else if (tide_ubj_check(text, len, &uerr) < 0) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': not UBJSON "
		    "as XGBoost writes it: %s at byte %zu", path, uerr.reason,
		    uerr.offset);
		r = TIDE_EFORMAT;
	} else if ((r = probe(path, text, len, err)) == 0)
		r = tide_model_xgb_load(m, path, text, len, nthread, flags,
		    err);
	free(text);
	return r;
}

int
tide_model_load(struct tide_model *m, const char *path, int nthread,
    unsigned flags, struct tide_model_err *err)
{
	struct tide_json_val v;
	struct tide_json_err jerr;
	struct tide_path learner, coef;
	enum tide_json_type type;
	size_t len;
	char *text;
	int r, isxgb, islin;

	memset(m, 0, sizeof(*m));
	err->msg[0] = '\0';
	if (has_ext(path, ".ubj"))
		return ubj_load(m, path, nthread, flags, err);
	if (!has_ext(path, ".json")) {
		snprintf(err->msg, sizeof(err->msg), "model '%s': unknown kind "
		    "of file: the name must end in .json (XGBoost's JSON, or "
		    "a linear model) or .ubj (XGBoost's UBJSON)", path);
		return TIDE_EINVAL;
	}
	if ((r = slurp(path, flags, &text, &len, err)) < 0)
		return r;
	if ((r = tide_json_check(text, len, TIDE_JSON_MAXDEPTH, &type,
	    &jerr)) < 0 || type != TIDE_JSON_OBJECT) {
		if (len == 0)
			snprintf(err->msg, sizeof(err->msg), "model '%s': "
			    "empty file", path);
		else if (r == 0)
			snprintf(err->msg, sizeof(err->msg), "model '%s': not "
			    "a JSON object", path);
		else
			snprintf(err->msg, sizeof(err->msg), "model '%s': not "
			    "valid JSON: %s at byte %zu", path, jerr.reason,
			    jerr.offset);
		free(text);
		return TIDE_EFORMAT;
	}
	tide_path_name(&learner, "learner");
	tide_path_name(&coef, "coefficients");
	isxgb = tide_json_get(text, len, &learner, &v) == 1 &&
	    v.type == TIDE_JSON_OBJECT;
	islin = !isxgb && tide_json_get(text, len, &coef, &v) == 1;
	tide_path_release(&learner);
	tide_path_release(&coef);
	if (isxgb && (r = probe(path, text, len, err)) < 0)
		;
	else if (isxgb)
		r = tide_model_xgb_load(m, path, text, len, nthread, flags,
		    err);
	else if (islin)
		r = tide_model_linear_load(m, path, text, len, err);
	else {
		snprintf(err->msg, sizeof(err->msg), "model '%s': neither an "
		    "XGBoost model (no \"learner\") nor a linear model (no "
		    "\"coefficients\")", path);
		r = TIDE_EFORMAT;
	}
	free(text);
	return r;
}

void
tide_model_free(struct tide_model *m)
{
	int i;

	if (m->ops != NULL)
		m->ops->free(m);
	if (m->names != NULL)
		for (i = 0; i < m->nfeat; i++)
			free(m->names[i]);
	free(m->names);
	memset(m, 0, sizeof(*m));
}
