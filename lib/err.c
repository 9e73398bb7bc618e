#include "err.h"

const char *
tide_strerror(int err)
{
	switch (err) {
	case TIDE_OK: return "success";
	case TIDE_ENOMEM: return "out of memory";
	case TIDE_EINVAL: return "invalid argument";
	case TIDE_ERANGE: return "out of range";
	case TIDE_ETOOBIG: return "too big";
	case TIDE_EIO: return "I/O error";
	case TIDE_EPIPE: return "broken pipe";
	case TIDE_EOF: return "end of input";
	case TIDE_EAGAIN: return "nothing ready";
	case TIDE_ENOENT: return "not found";
	case TIDE_EJSON: return "not valid JSON";
	case TIDE_ETYPE: return "wrong type";
	case TIDE_EUTF8: return "invalid UTF-8";
	case TIDE_EDEPTH: return "nested too deep";
	case TIDE_EFORMAT: return "unknown or broken format";
	case TIDE_EKAFKA: return "Kafka error";
	case TIDE_EINTR: return "interrupted";
	}
	return "unknown error";
}
