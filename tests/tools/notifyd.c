/*
 * t-notifyd OUT: a test notification service. Owns
 * org.freedesktop.Notifications on the session bus that
 * DBUS_SESSION_BUS_ADDRESS names and appends one line to OUT for each
 * Notify call, while the caller still waits for the answer:
 *   uid=U pid=P nnp=N capeff=HEX context=C urgency=U app=A summary=S body=B
 * (the sender's uid, pid and SELinux context ("-" without) from the bus,
 * NoNewPrivs and CapEff from its
 * /proc/PID/status; a newline of the body written as \n, every other byte
 * as it came). Touches OUT.ready once the name is owned. Runs until
 * killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static const char *out_path;
static uint32_t next_id = 1;

/* The value of a "Name:\tvalue" line of /proc/PID/status, "?" if none. */
static void status_field(pid_t pid, const char *name, char *val, size_t size)
{
	char path[64], line[256];
	size_t n = strlen(name);
	FILE *f;

	snprintf(val, size, "?");
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(val, size, "%s",
				 line + n + 1 + strspn(line + n + 1, " \t"));
			val[strcspn(val, "\n")] = '\0';
		}
	fclose(f);
}

/* The urgency hint (a byte), 255 when absent. */
static int read_hints(sd_bus_message *m, unsigned *urgency)
{
	const char *key;
	int r;

	*urgency = 255;
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 &&
	       (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0 && strcmp(key, "urgency") == 0) {
			uint8_t u;
			r = sd_bus_message_read(m, "v", "y", &u);
			*urgency = u;
		} else if (r >= 0) {
			r = sd_bus_message_skip(m, "v");
		}
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}

static void put_text(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
}

static int on_notify(sd_bus_message *m, void *data, sd_bus_error *err)
{
	const char *app, *icon, *summary, *body;
	uint32_t replaces;
	unsigned urgency;
	int32_t timeout;
	sd_bus_creds *c = NULL;
	uid_t uid = (uid_t)-1;
	pid_t pid = 0;
	const char *label = NULL;
	char nnp[32], capeff[32];
	int r;
	(void)data;
	(void)err;

	r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary,
				&body);
	if (r >= 0)
		r = sd_bus_message_skip(m, "as");
	if (r >= 0)
		r = read_hints(m, &urgency);
	if (r >= 0)
		r = sd_bus_message_read(m, "i", &timeout);
	if (r < 0)
		return r;
	if (sd_bus_query_sender_creds(m,
				      SD_BUS_CREDS_UID | SD_BUS_CREDS_PID |
					  SD_BUS_CREDS_SELINUX_CONTEXT |
					  SD_BUS_CREDS_AUGMENT,
				      &c) >= 0) {
		sd_bus_creds_get_uid(c, &uid);
		sd_bus_creds_get_pid(c, &pid);
		/* the sender's SELinux context, as the bus saw it at connect
		 * (the guest scenario checks the helper's domain by it) */
		sd_bus_creds_get_selinux_context(c, &label);
	}
	status_field(pid, "NoNewPrivs", nnp, sizeof(nnp));
	status_field(pid, "CapEff", capeff, sizeof(capeff));
	FILE *f = fopen(out_path, "ae");
	if (f) {
		fprintf(f,
			"uid=%u pid=%d nnp=%s capeff=%s context=%s urgency=%u "
			"app=%s summary=",
			(unsigned)uid, (int)pid, nnp, capeff,
			label ? label : "-", urgency, app);
		put_text(f, summary);
		fputs(" body=", f);
		put_text(f, body);
		fputc('\n', f);
		fclose(f);
	}
	sd_bus_creds_unref(c);
	return sd_bus_reply_method_return(m, "u", next_id++);
}

static const sd_bus_vtable vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", on_notify, 0),
    SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	char ready[4096];
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: t-notifyd OUT\n");
		return 2;
	}
	out_path = argv[1];
	r = sd_bus_open_user(&bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(
		    bus, NULL, "/org/freedesktop/Notifications",
		    "org.freedesktop.Notifications", vtable, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.Notifications",
					0);
	if (r < 0) {
		fprintf(stderr, "t-notifyd: %s\n", strerror(-r));
		return 1;
	}
	snprintf(ready, sizeof(ready), "%s.ready", out_path);
	fclose(fopen(ready, "we"));
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			return 1;
		if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
			return 1;
	}
}
