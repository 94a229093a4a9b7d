/* SO_PEERGROUPS, shared by the supervisor (authorizing changes) and the
 * frontend (who may read every row). */
#include "common/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#define MAX_PEER_GROUPS 65536 /* NGROUPS_MAX */

bool peer_in_group(int fd, gid_t want)
{
	gid_t small[64], *g = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) < 0) {
		if (errno != ERANGE || len > MAX_PEER_GROUPS * sizeof(gid_t))
			return false;
		g = malloc(len);
		if (!g ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) < 0) {
			free(g);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		found = found || g[i] == want;
	if (g != small)
		free(g);
	return found;
}
