/*
 * libFuzzer target for the configuration loader: the main file (cgfair's
 * INI and the seed's format) and, through the same code, users.d drop-ins.
 * The file is root's, but a typo must give a message, never a crash; a
 * configuration that loads must print and copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/config.h"

static void quiet(void *arg, enum config_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static void load(const char *text, enum config_format format)
{
	struct config_source src = {
	    .format = format, .mem_total = 8ULL << 30, .report = quiet};
	struct cgfair_config c, copy;
	FILE *null;

	if (config_load_string(&c, text, "fuzz.conf", &src) < 0)
		return;
	null = fopen("/dev/null", "w");
	if (null) {
		config_print(&c, null);
		fclose(null);
	}
	if (config_copy(&copy, &c) == 0)
		config_free(&copy);
	config_free(&c);
}

/* The same text as a users.d drop-in: through the file loader, so the
 * drop-in rules (sections a drop-in may not have) are fuzzed too. */
static void load_dropin(const uint8_t *data, size_t size)
{
	static char dir[] = "/tmp/cgfair-fuzz-config.XXXXXX";
	static char path[64];
	const char *dirs[] = {dir, NULL};
	struct config_source src = {
	    .dropin_dirs = dirs, .mem_total = 8ULL << 30, .report = quiet};
	struct cgfair_config c;
	FILE *f;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (config_load(&c, &src) == 0)
		config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	load(text, CONFIG_FORMAT_CGFAIR);
	load(text, CONFIG_FORMAT_SEED);
	free(text);
	load_dropin(data, size);
	return 0;
}
