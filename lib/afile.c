#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "xalloc.h"

/* Tries before giving up on a name something keeps re-creating. */
#define CREATE_TRIES 8

int
tide_afile_create(const char *tmp, mode_t mode)
{
	int fd, i;

	for (i = 0; i < CREATE_TRIES; i++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return TIDE_EIO;
		/* A stale file or a planted link: remove the name, not
		 * what a link points at. */
		if (unlink(tmp) < 0 && errno != ENOENT)
			return TIDE_EIO;
	}
	errno = EEXIST;
	return TIDE_EIO;
}

void
tide_afile_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = tide_xstrdup(".");
	else if (slash == path)
		dir = tide_xstrdup("/");
	else
		dir = tide_xmemdup(path, (size_t)(slash - path));
	/* Best effort: the rename is what matters; some file systems refuse
	 * to fsync a directory. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
tide_afile_commit(int fd, const char *tmp, const char *path,
    const char **failed)
{
	int e;

	/* EINVAL and EROFS: a file system that cannot sync; the data is
	 * as safe there as it will get. */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		e = errno;
		close(fd);
		errno = e;
		*failed = tmp;
		return TIDE_EIO;
	}
	if (close(fd) < 0) {
		*failed = tmp;
		return TIDE_EIO;
	}
	if (rename(tmp, path) < 0) {
		*failed = path;
		return TIDE_EIO;
	}
	tide_afile_sync_dir(path);
	return 0;
}
