#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "xalloc.h"

/* Tries before giving up on a name something keeps re-creating. */
#define CREATE_TRIES 8

/* Whether fd is the file at path now (not one that replaced it). */
static int
same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * What is at tmp already: 1 when a running writer holds it (its lock), 0
 * when it was left by a run that died, or is a link or anything else, and
 * has been removed; TIDE_EIO when it could not be.
 */
static int
held_or_removed(const char *tmp)
{
	int fd, held = 0;

	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		if (flock(fd, LOCK_SH | LOCK_NB) < 0)
			held = errno == EWOULDBLOCK;
		else if (!same_file(fd, tmp))
			held = 1;	/* replaced meanwhile: look again */
	}
	/* A stale file or a planted link: remove the name, not what a
	 * link points at (the lock, ours, keeps a new writer out). */
	if (!held && unlink(tmp) < 0 && errno != ENOENT) {
		if (fd >= 0)
			close(fd);
		return TIDE_EIO;
	}
	if (fd >= 0)
		close(fd);
	return held;
}

int
tide_afile_create(const char *tmp, mode_t mode)
{
	int fd, i, r;

	for (i = 0; i < CREATE_TRIES; i++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd >= 0) {
			/* Locked, and still ours: between the create and the
			 * lock another writer may have taken it for stale. */
			if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
			    same_file(fd, tmp))
				return fd;
			close(fd);
			continue;
		}
		if (errno != EEXIST)
			return TIDE_EIO;
		if ((r = held_or_removed(tmp)) < 0)
			return r;
		if (r == 1) {
			errno = EBUSY;
			return TIDE_EIO;
		}
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
	/* Renamed before it is closed: the lock is held until tmp is gone,
	 * so no other writer takes it for one left by a dead run. */
	if (rename(tmp, path) < 0) {
		e = errno;
		close(fd);
		errno = e;
		*failed = path;
		return TIDE_EIO;
	}
	if (close(fd) < 0) {
		*failed = path;
		return TIDE_EIO;
	}
	tide_afile_sync_dir(path);
	return 0;
}
