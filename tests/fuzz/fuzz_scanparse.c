/*
 * libFuzzer target for the scanner's parsers of /proc and cgroup files:
 * /proc/PID/stat (the command name in it is the user's), status, cgroup
 * (cgroup names are chosen by users with delegation), cgroup stat files,
 * cpu lists, meminfo and user-* directory names. Each gets the input as a
 * NUL-terminated string, as the scanner reads them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/scanner/scanner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct proc_info pi;
	struct match m = {.hier = HIER_V1, .min_uid = 1000};
	uint64_t v;
	uint32_t n;
	uid_t uid;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)parse_stat(buf, &pi);
	(void)parse_status_uid(buf, &uid);
	strcpy(m.prefix, "/cgfair");
	(void)parse_cgroup(buf, &m, 1000);
	m.hier = HIER_V2;
	m.systemd_names = true;
	strcpy(m.prefix, "/user.slice");
	(void)parse_cgroup(buf, &m, 1000);
	m.user_slices = true;
	(void)parse_cgroup(buf, &m, 1000);
	(void)parse_key_u64(buf, "usage_usec", &v);
	(void)parse_cpu_list(buf, &n);
	(void)parse_meminfo_total(buf, &v);
	(void)parse_user_name(buf, false, &uid);
	(void)parse_user_name(buf, true, &uid);
	free(buf);
	return 0;
}
