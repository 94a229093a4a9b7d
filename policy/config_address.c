/*
 * [metrics] listen: a numeric address and port. Its port is read with the
 * common grammar (common/num.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/config.h"

/* inet_pton, not getaddrinfo: a listening address in the configuration is
 * numeric, so loading it never waits for a resolver. */
const char *config_parse_address(const char *s, struct sockaddr_storage *out,
				 unsigned *len)
{
	char host[CONFIG_ADDR_MAX];
	const char *colon, *h = s;
	size_t hlen;
	uint64_t port;

	memset(out, 0, sizeof(*out));
	colon = strrchr(s, ':');
	if (!colon)
		return "expected address:port, e.g. 127.0.0.1:9747";
	hlen = (size_t)(colon - s);
	if (s[0] == '[') { /* [v6]:port */
		if (hlen < 2 || s[hlen - 1] != ']')
			return "expected [IPv6 address]:port";
		h = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return "expected address:port, e.g. 127.0.0.1:9747";
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (num_parse_uint(colon + 1, &port) || port < 1 || port > 65535)
		return "port must be 1..65535";
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	if (h == s && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		return NULL;
	}
	if (h != s && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		return NULL;
	}
	return "not a numeric IPv4 address or [IPv6] address";
}
