/* An exactly-once file's offsets sidecar; see sidecar.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "json.h"
#include "sidecar.h"

void
tide_sidecar_init(struct tide_sidecar *sc)
{
	struct tide_barrier_offs z = TIDE_BARRIER_OFFS_INIT;

	tide_buf_init(&sc->segment, TIDE_BUF_NOMAX);
	sc->length = 0;
	sc->offs = z;
}

void
tide_sidecar_release(struct tide_sidecar *sc)
{
	tide_buf_release(&sc->segment);
	tide_barrier_offs_release(&sc->offs);
}

const char *
tide_sidecar_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int
tide_sidecar_path(const char *path, struct tide_buf *out)
{
	const char *base = tide_sidecar_base(path);
	int r;

	tide_buf_reset(out);
	if ((r = tide_buf_add(out, path, (size_t)(base - path))) < 0 ||
	    (r = tide_buf_addc(out, '.')) < 0 ||
	    (r = tide_buf_adds(out, base)) < 0 ||
	    (r = tide_buf_adds(out, TIDE_SIDECAR_SUFFIX)) < 0)
		return r;
	return tide_buf_cstr(out) ? 0 : TIDE_ETOOBIG;
}

static int
bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return TIDE_EFORMAT;
}

/* The whole file at path into b: 0, TIDE_ENOENT, TIDE_EIO, TIDE_ETOOBIG. */
static int
slurp(const char *path, struct tide_buf *b)
{
	char chunk[4096];
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? TIDE_ENOENT : TIDE_EIO;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = TIDE_EIO;
			break;
		}
		if (b->len + (size_t)n > TIDE_SIDECAR_MAX) {
			r = TIDE_ETOOBIG;
			break;
		}
		if ((r = tide_buf_add(b, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	return r;
}

int
tide_sidecar_read(const char *scpath, struct tide_sidecar *sc,
    const char **why)
{
	static const char *const names[] = { "segment", "length", "offsets" };
	struct tide_buf b = TIDE_BUF_INIT;
	struct tide_path paths[3];
	struct tide_json_val v[3];
	enum tide_json_type type;
	int i, r;

	tide_buf_reset(&sc->segment);
	tide_barrier_offs_reset(&sc->offs);
	sc->length = 0;
	if ((r = slurp(scpath, &b)) < 0) {
		tide_buf_release(&b);
		if (r == TIDE_ETOOBIG)
			return bad(why, "too big for a record of offsets");
		return r;
	}
	for (i = 0; i < 3; i++)
		tide_path_name(&paths[i], names[i]);
	r = 0;
	if (b.len == 0 || b.data[b.len - 1] != '\n')
		r = bad(why, "cut short (no newline at its end)");
	else if (tide_json_check(b.data, b.len, 8, &type, NULL) < 0 ||
	    type != TIDE_JSON_OBJECT)
		r = bad(why, "not a JSON object");
	else if (tide_json_get_many(b.data, b.len, paths, 3, v) != 3 ||
	    v[0].type != TIDE_JSON_STRING || v[1].type != TIDE_JSON_NUMBER ||
	    v[2].type != TIDE_JSON_ARRAY)
		r = bad(why, "not a record of segment, length and offsets");
	else if (tide_json_int64(&v[1], &sc->length) < 0 || sc->length < 0)
		r = bad(why, "its length is not a byte count");
	else if (tide_json_str(&v[0], &sc->segment) < 0 ||
	    sc->segment.len == 0 ||
	    memchr(sc->segment.data, '/', sc->segment.len) != NULL ||
	    memchr(sc->segment.data, '\0', sc->segment.len) != NULL ||
	    tide_buf_cstr(&sc->segment) == NULL)
		r = bad(why, "its segment is not a file name");
	else if (tide_barrier_offs_parse(&sc->offs, v[2].p, v[2].len,
	    NULL) < 0)
		r = bad(why, "its offsets are not [[topic, partition, "
		    "offset], ...]");
	for (i = 0; i < 3; i++)
		tide_path_release(&paths[i]);
	tide_buf_release(&b);
	if (r < 0) {
		tide_buf_reset(&sc->segment);
		tide_barrier_offs_reset(&sc->offs);
	}
	return r;
}

int
tide_sidecar_write(const char *scpath, const char *segment, int64_t length,
    const struct tide_barrier_offs *offs, struct tide_buf *scratch,
    const char **failed)
{
	struct tide_buf tmp = TIDE_BUF_INIT;
	size_t off = 0;
	ssize_t n;
	int fd, r;

	tide_buf_reset(scratch);
	if ((r = tide_buf_adds(scratch, "{\"segment\":")) < 0 ||
	    (r = tide_json_write_str(scratch, segment, strlen(segment))) < 0 ||
	    (r = tide_buf_adds(scratch, ",\"length\":")) < 0 ||
	    (r = tide_buf_addi64(scratch, length)) < 0 ||
	    (r = tide_buf_adds(scratch, ",\"offsets\":")) < 0 ||
	    (r = tide_barrier_offs_write(offs, scratch)) < 0 ||
	    (r = tide_buf_adds(scratch, "}\n")) < 0)
		return r;
	if (tide_buf_adds(&tmp, scpath) < 0 || tide_buf_adds(&tmp, ".tmp") < 0 ||
	    tide_buf_cstr(&tmp) == NULL) {
		tide_buf_release(&tmp);
		return TIDE_ETOOBIG;
	}
	*failed = scpath;
	if ((fd = tide_afile_create(tmp.data, 0666)) < 0) {
		r = TIDE_EIO;
		goto out;
	}
	while (off < scratch->len) {
		n = write(fd, scratch->data + off, scratch->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			unlink(tmp.data);
			errno = e;
			r = TIDE_EIO;
			goto out;
		}
		off += (size_t)n;
	}
	if (tide_afile_commit(fd, tmp.data, scpath, failed) < 0) {
		r = TIDE_EIO;
		goto out;
	}
	r = 0;
out:
	/* The name that failed, if it was the temporary one, is freed with
	 * tmp: say the sidecar's instead. */
	*failed = scpath;
	tide_buf_release(&tmp);
	return r;
}
