/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * strerror(3) for the guest: the errors pvkit's code returns, with the
 * C library's wording so that logs read the same hosted and in the guest.
 */
#include <errno.h>
#include <string.h>

#include <pv/libkern.h>

static const struct {
	int		 e;
	const char	*msg;
} errmsgs[] = {
	{ 0,		"Success" },
	{ EPERM,	"Operation not permitted" },
	{ ENOENT,	"No such file or directory" },
	{ EIO,		"Input/output error" },
	{ ENXIO,	"No such device or address" },
	{ E2BIG,	"Argument list too long" },
	{ EAGAIN,	"Resource temporarily unavailable" },
	{ ENOMEM,	"Cannot allocate memory" },
	{ EBUSY,	"Device or resource busy" },
	{ EEXIST,	"File exists" },
	{ ENODEV,	"No such device" },
	{ EINVAL,	"Invalid argument" },
	{ ENOSPC,	"No space left on device" },
	{ EROFS,	"Read-only file system" },
	{ ERANGE,	"Numerical result out of range" },
	{ ENAMETOOLONG,	"File name too long" },
	{ ENOTSUP,	"Operation not supported" },
	{ ETIMEDOUT,	"Connection timed out" },
	{ EALREADY,	"Operation already in progress" },
};

char *
strerror(int e)
{
	size_t i;

	for (i = 0; i < nitems(errmsgs); i++)
		if (errmsgs[i].e == e)
			return ((char *)(uintptr_t)errmsgs[i].msg);
	return ((char *)(uintptr_t)"Unknown error");
}
