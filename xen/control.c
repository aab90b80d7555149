/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * control/shutdown.  libxl writes "poweroff", "reboot" or "suspend" and
 * waits up to 60 s for the guest to write "" back; the read and the
 * write go in one transaction, retried when it conflicts, as Linux does,
 * so that a request written meanwhile is neither lost nor acknowledged
 * unseen.  The watch fires once when registered and again at our own
 * acknowledgement: an empty value is nothing to do.  A value we do not
 * know is logged and left for the toolstack to time out on.
 */
#include <errno.h>
#include <string.h>

#include <pv/console.h>
#include <pv/mem.h>
#include <xenpv/control.h>
#include <xenpv/suspend.h>
#include <xenpv/xenbus.h>

#define	CONTROL_TXN_TRIES	100

static const struct {
	const char	*c_name;
	int		 c_req;		/* enum xen_control_req, or -1 */
} control_cmds[] = {
	{ "poweroff",	XEN_CONTROL_POWEROFF },
	{ "reboot",	XEN_CONTROL_REBOOT },
	{ "suspend",	-1 },
};

static struct xenbus_watch	 control_watch;
static xen_control_fn		*control_fn;
static void			*control_arg;

/* The command in control/shutdown, acknowledged: its index, or -1. */
static int
control_take(void)
{
	xenbus_txn_t t;
	char *val = NULL;
	unsigned tries;
	int error, cmd;
	size_t i;

	for (tries = 0; tries < CONTROL_TXN_TRIES; tries++) {
		if ((error = xenbus_transaction_start(&t)) != 0)
			break;
		cmd = -1;
		error = xenbus_read(t, "control", "shutdown", &val, NULL);
		if (error == 0 && val[0] != '\0') {
			for (i = 0; i < sizeof(control_cmds) /
			    sizeof(control_cmds[0]); i++)
				if (strcmp(val, control_cmds[i].c_name) == 0)
					cmd = (int)i;
			if (cmd < 0 && tries == 0)
				pv_log(PV_LOG_WARNING, "xen", "control/shutdown: "
				    "\"%.32s\" is no request we know; ignored",
				    val);
		}
		pv_free(val);
		val = NULL;
		if (cmd < 0) {
			(void)xenbus_transaction_end(t, true);
			return (-1);
		}
		if ((error = xenbus_write(t, "control", "shutdown", "")) != 0) {
			(void)xenbus_transaction_end(t, true);
			break;
		}
		if ((error = xenbus_transaction_end(t, false)) == 0)
			return (cmd);
		if (error != EAGAIN)
			break;
	}
	pv_log(PV_LOG_ERR, "xen", "control/shutdown: cannot acknowledge "
	    "(error %d)", error);
	return (-1);
}

static void
control_changed(struct xenbus_watch *w, const char *path)
{
	int cmd;

	(void)w;
	(void)path;
	if ((cmd = control_take()) < 0)
		return;
	pv_log(PV_LOG_NOTICE, "xen", "control/shutdown: %s acknowledged",
	    control_cmds[cmd].c_name);
	if (control_cmds[cmd].c_req < 0) {
		(void)xen_suspend();
		return;
	}
	control_fn((enum xen_control_req)control_cmds[cmd].c_req,
	    control_arg);
}

int
xen_control_attach(xen_control_fn *fn, void *arg)
{
	static const char *const features[] = {
		"feature-poweroff", "feature-reboot", "feature-suspend",
	};
	size_t i;

	if (control_fn != NULL)
		return (EBUSY);
	control_fn = fn;
	control_arg = arg;
	/* libxl 4.17 writes these itself and never reads them; Linux too. */
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		(void)xenbus_write(XENBUS_TXN_NONE, "control", features[i],
		    "1");
	/* Relative: after a restore, the new domain's node. */
	control_watch.w_node = "control/shutdown";
	control_watch.w_fn = control_changed;
	return (xenbus_watch_register(&control_watch));
}
