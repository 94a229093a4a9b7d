/* Who is at the other end of a Unix socket, as the kernel says. */
#ifndef CGFAIR_PEER_H
#define CGFAIR_PEER_H

#include <stdbool.h>
#include <sys/types.h>

/* True when want is among the peer's supplementary groups at connect
 * time (SO_PEERGROUPS). */
bool peer_in_group(int fd, gid_t want);

#endif
