#include "err.h"
#include "exitcode.h"

int
tide_exit_of(int code)
{
	if (code >= 0)
		return code;
	switch (code) {
	case TIDE_EIO:
	case TIDE_EPIPE:
		return TIDE_EX_IOERR;
	case TIDE_EKAFKA:
		return TIDE_EX_UNAVAILABLE;
	case TIDE_EINVAL:
	case TIDE_ERANGE:
	case TIDE_ETOOBIG:
	case TIDE_EJSON:
	case TIDE_ETYPE:
	case TIDE_EUTF8:
	case TIDE_EDEPTH:
	case TIDE_EFORMAT:
	case TIDE_ENOENT:
		return TIDE_EX_DATAERR;
	default:
		return TIDE_EX_FAIL;
	}
}
