/* The words of cgfair-notify; see text.h. */
#include "workers/notify/text.h"

#include <stdio.h>
#include <string.h>

struct builtin {
	const char *kind, *who, *text;
};

static const struct builtin builtins[] = {
    {"oom", "user",
     "Subject: {system}: a process of {user} was killed on {node} (out of "
     "memory)\n"
     "\n"
     "Hello {user},\n"
     "\n"
     "at {time} the processes of your account on {node} ({system}) used\n"
     "all the memory they are allowed, {limit}, and the system ended one\n"
     "of them to free memory:\n"
     "\n"
     "    process {pid} ({command}), {rss} resident\n"
     "\n"
     "Your other processes go on running. Memory in use now: {usage}.\n"
     "{plot}"
     "\n"
     "If your work needs more memory, ask the administrators for a higher\n"
     "limit, or run it through the batch system on the compute nodes.\n"
     "{held}"},
    {"oom", "admin",
     "Subject: {system}: OOM kill for {user} (uid {uid}) on {node}\n"
     "\n"
     "User {user} (uid {uid}) on {node}: process {pid} ({command}, {rss}\n"
     "resident) was killed at {time}. Memory limit {limit}, in use now\n"
     "{usage}.\n"
     "{plot}"
     "{held}"},
    {"throttle", "user",
     "Subject: {system}: your CPU use on {node} was held at its cap\n"
     "\n"
     "Hello {user},\n"
     "\n"
     "from {time}, for {duration}, your processes on {node} ({system})\n"
     "used {cpu} of CPU on average, at the cap of {cap} that sharing the\n"
     "node fairly gives you now: they ran slower than they would alone.\n"
     "Long or parallel work belongs in the batch system.\n"
     "{held}"},
    {"penalty-on", "user",
     "Subject: {system}: your account on {node} is in the penalty box\n"
     "\n"
     "Hello {user},\n"
     "\n"
     "since {time} your processes on {node} ({system}) may use at most\n"
     "{cap} of CPU, until {until}.\n"
     "\n"
     "Reason: {note}\n"
     "\n"
     "Ask the administrators if you think this is wrong.\n"
     "{held}"},
    {"penalty-off", "user",
     "Subject: {system}: your account on {node} is out of the penalty box\n"
     "\n"
     "Hello {user},\n"
     "\n"
     "since {time} your processes on {node} ({system}) share the CPUs\n"
     "like everyone's again ({reason}). It was given for: {note}\n"
     "{held}"},
};

const char *notify_builtin(const char *kind, const char *who)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].kind, kind) == 0 &&
		    strcmp(builtins[i].who, who) == 0)
			return builtins[i].text;
	return NULL;
}

/* One character as write(1) shows it, into buf (>= 5 bytes). */
static size_t show_char(unsigned char c, char *buf, bool newlines, bool crlf)
{
	if ((c >= 0x20 && c < 0x7f) || (newlines && c == '\t')) {
		buf[0] = (char)c;
		return 1;
	}
	if (newlines && c == '\n') {
		if (!crlf) {
			buf[0] = '\n';
			return 1;
		}
		memcpy(buf, "\r\n", 2);
		return 2;
	}
	if (c < 0x20 || c == 0x7f) {
		buf[0] = '^';
		buf[1] = c == 0x7f ? '?' : (char)(c + 0x40);
		return 2;
	}
	snprintf(buf, 5, "\\%03o", c);
	return 4;
}

size_t notify_neutral(char *dst, size_t size, const char *src, bool newlines,
		      bool crlf)
{
	size_t n = 0;
	char buf[5];

	if (size == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		size_t k = show_char(*p, buf, newlines, crlf);
		if (n + k >= size)
			break;
		memcpy(dst + n, buf, k);
		n += k;
	}
	dst[n] = '\0';
	return n;
}

static const char *lookup(const char *name, size_t len,
			  const struct notify_var *vars, size_t nvars)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

/* Placeholders by hand: {name} and nothing more (no loops, no
 * conditions), which no template library in Debian makes shorter. */
void notify_render(char *out, size_t size, const char *tmpl,
		   const struct notify_var *vars, size_t nvars)
{
	size_t n = 0;

	if (size == 0)
		return;
	while (*tmpl && n + 1 < size) {
		const char *end = tmpl[0] == '{' ? strchr(tmpl, '}') : NULL;
		const char *v = end ? lookup(tmpl + 1, (size_t)(end - tmpl - 1),
					     vars, nvars)
				    : NULL;
		if (!v) {
			out[n++] = *tmpl++;
			continue;
		}
		n += notify_neutral(out + n, size - n, v, false, false);
		tmpl = end + 1;
	}
	out[n] = '\0';
}

bool notify_split(char *text, const char **subject, const char **body)
{
	static const char tag[] = "Subject: ";
	char *nl;

	if (strncmp(text, tag, sizeof(tag) - 1) != 0)
		return false;
	nl = strchr(text, '\n');
	if (!nl || nl[1] != '\n')
		return false;
	*nl = '\0';
	*subject = text + sizeof(tag) - 1;
	*body = nl + 2;
	return true;
}
