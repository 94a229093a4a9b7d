/* libcurl loaded on demand; see curl_lib.h. */
#include "workers/notify/curl_lib.h"

#include <dlfcn.h>
#include <stdio.h>

struct curl_lib lc;

/* the soname libcurl4-openssl-dev links against (Debian's libcurl4) */
#define CURL_SONAME "libcurl.so.4"

#define SYM(field, name)                                                       \
	{                                                                      \
		offsetof(struct curl_lib, field), #name                        \
	}

static const struct {
	size_t off;
	const char *name;
} syms[] = {
    SYM(global_init, curl_global_init),
    SYM(easy_init, curl_easy_init),
    SYM(easy_setopt, curl_easy_setopt),
    SYM(easy_cleanup, curl_easy_cleanup),
    SYM(easy_strerror, curl_easy_strerror),
    SYM(mime_init, curl_mime_init),
    SYM(mime_addpart, curl_mime_addpart),
    SYM(mime_data, curl_mime_data),
    SYM(mime_type, curl_mime_type),
    SYM(mime_filename, curl_mime_filename),
    SYM(mime_encoder, curl_mime_encoder),
    SYM(mime_free, curl_mime_free),
    SYM(multi_init, curl_multi_init),
    SYM(multi_setopt, curl_multi_setopt),
    SYM(multi_add_handle, curl_multi_add_handle),
    SYM(multi_remove_handle, curl_multi_remove_handle),
    SYM(multi_assign, curl_multi_assign),
    SYM(multi_socket_action, curl_multi_socket_action),
    SYM(multi_info_read, curl_multi_info_read),
    SYM(slist_append, curl_slist_append),
    SYM(slist_free_all, curl_slist_free_all),
};

int curl_lib_load(char *err, size_t len)
{
	/* RTLD_NOW: every symbol bound here, before the sandbox (its filter
	 * refuses executable mappings afterwards) */
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(err, len, "cannot load %s: %s", CURL_SONAME,
			 dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f) {
			snprintf(err, len, "%s has no %s", CURL_SONAME,
				 syms[i].name);
			return -1;
		}
		*(void **)((char *)&lc + syms[i].off) = f;
	}
	return 0;
}
