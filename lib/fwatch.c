/*
 * Whether a file has changed: see fwatch.h.
 */
#include <string.h>

#include "fwatch.h"

void
tide_fwatch_init(struct tide_fwatch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	(void)tide_fwatch_changed(w, path);
}

int
tide_fwatch_due(struct tide_fwatch *w, int64_t now_us)
{
	if (now_us < w->next)
		return 0;
	w->next = now_us + 1000000;
	return 1;
}

int
tide_fwatch_changed(struct tide_fwatch *w, const char *path)
{
	struct stat sb;
	int ok;

	ok = stat(path, &sb) == 0;
	if (ok == w->ok && (!ok || (sb.st_ino == w->sb.st_ino &&
	    sb.st_size == w->sb.st_size &&
	    sb.st_mtim.tv_sec == w->sb.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == w->sb.st_mtim.tv_nsec)))
		return 0;
	w->sb = sb;
	w->ok = ok;
	return ok;
}
