/*
 * The words of cgfair-notify: the built-in templates, the admin's
 * overrides, placeholders filled in, and text made harmless for a
 * terminal. Pure, so that the unit tests and the fuzzer drive it.
 */
#ifndef CGFAIR_NOTIFY_TEXT_H
#define CGFAIR_NOTIFY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#define NOTIFY_TEXT_MAX 8192 /* a rendered message, incl. the NUL */

/* One placeholder, {name}, and what it stands for. */
struct notify_var {
	const char *name;
	const char *value;
};

/* The built-in template of a kind ("oom", "throttle", "penalty-on",
 * "penalty-off") for "user" or "admin"; NULL: none (nothing is sent). */
const char *notify_builtin(const char *kind, const char *who);

/* Fill tmpl's placeholders into out (size bytes, always terminated; a
 * longer text is cut). A value is made harmless first (notify_neutral
 * without newlines: a name cannot add a header line); an unknown {name}
 * is kept as written. */
void notify_render(char *out, size_t size, const char *tmpl,
		   const struct notify_var *vars, size_t nvars);

/* Split a rendered template into its subject (the first line, after
 * "Subject: ") and body (after the empty line that follows); false when
 * the text does not start so. Both point into text, which is modified. */
bool notify_split(char *text, const char **subject, const char **body);

/* Copy src into dst (size bytes, always terminated) as write(1) shows it:
 * printable ASCII as is; a control character as ^X (DEL as ^?); any byte
 * above 0x7e as \ooo. So no escape sequence, control character, C1
 * control or stray UTF-8 byte reaches a terminal. newlines: '\n' and '\t'
 * are kept, '\n' as "\r\n" when crlf; else they are neutralised too.
 * Returns the length written. */
size_t notify_neutral(char *dst, size_t size, const char *src, bool newlines,
		      bool crlf);

#endif
