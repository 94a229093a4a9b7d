/*
 * libcurl, loaded by cgfair-notify only when it sends mail: started with
 * --network (the supervisor passes it when [notify] relay is set), it
 * dlopen()s libcurl before its sandbox; without it, none of libcurl and
 * its ~30 libraries (TLS, LDAP, Kerberos, SSH) is in the process, whose
 * PSS is then ~6 MB smaller (issue 17's footprint), and its filter has
 * no TCP socket to allow. The calls go through this table, filled by
 * dlsym() with libcurl's own prototypes (curl.h).
 */
#ifndef CGFAIR_NOTIFY_CURL_LIB_H
#define CGFAIR_NOTIFY_CURL_LIB_H

#include <stddef.h>
#include <curl/curl.h>

struct curl_lib {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_mime_init) *mime_init;
	__typeof__(curl_mime_addpart) *mime_addpart;
	__typeof__(curl_mime_data) *mime_data;
	__typeof__(curl_mime_type) *mime_type;
	__typeof__(curl_mime_filename) *mime_filename;
	__typeof__(curl_mime_encoder) *mime_encoder;
	__typeof__(curl_mime_free) *mime_free;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_setopt) *multi_setopt;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_assign) *multi_assign;
	__typeof__(curl_multi_socket_action) *multi_socket_action;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
};

extern struct curl_lib lc;

/* Before the sandbox: load libcurl and fill lc. 0, or -1 with why in
 * err (the library or one of its symbols missing). */
int curl_lib_load(char *err, size_t len);

#endif
