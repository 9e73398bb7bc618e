/*
 * Atomic file replacement: a file is written under a temporary name in its
 * target's directory, then put in place in one step, so a reader (or a
 * run that starts after a crash) sees the old file or the new one, never
 * a torn one.  tide-sink -o (lib/fileout.c) writes NAME.part, tide-window
 * --state writes STATE.tmp, tide-mock --bootstrap-file writes FILE.tmp.
 *
 * tide_afile_create() makes the temporary file afresh, exclusively
 * (O_CREAT|O_EXCL|O_NOFOLLOW), and holds an advisory lock (flock(2)) on it
 * until it is committed or closed: a temporary file another running
 * writer holds is not touched (EBUSY), and what else is already at that
 * name -- a file left by a run that died, or a symbolic link planted
 * there -- is removed, never written through, so a link cannot make us
 * overwrite its target.  Only the temporary name gets this treatment; the final name is
 * replaced by rename(2), which replaces a link itself, not its target.
 *
 * tide_afile_commit() fsyncs the file (the final name must never point at
 * data a crash could still lose), closes it, renames it over the final
 * name and fsyncs the directory (best effort: some file systems refuse
 * it), so the rename itself survives a crash.
 *
 * Both names are the caller's; nothing here allocates but the directory
 * name of tide_afile_sync_dir().  Errors are TIDE_EIO with errno set.
 */
#ifndef TIDE_AFILE_H
#define TIDE_AFILE_H

#include <sys/types.h>

/* Create tmp for writing (mode before the umask), locked: a descriptor,
 * or TIDE_EIO with errno set (EBUSY: another running writer holds tmp;
 * EEXIST if something kept appearing there). */
int tide_afile_create(const char *tmp, mode_t mode);
/* fsync and close fd (open on tmp), rename tmp to path, fsync path's
 * directory.  fd is closed whatever happens.  0, or TIDE_EIO with errno
 * set and *failed pointing at the name it concerns (tmp: writing it out;
 * path: the rename).  On failure tmp is left where it is. */
int tide_afile_commit(int fd, const char *tmp, const char *path,
    const char **failed);
/* fsync the directory that holds path (best effort). */
void tide_afile_sync_dir(const char *path);

#endif
