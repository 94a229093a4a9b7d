/* cgfairctl events --since: the history of events, from the journal. */
#ifndef CGFAIR_CTL_HISTORY_H
#define CGFAIR_CTL_HISTORY_H

#include <stdbool.h>

/* argv[0] is "events"; returns the exit status (2: usage). */
int history_main(int argc, char **argv, bool json);

/* TIME (see the usage of events) as microseconds since the epoch; -1 when
 * it is none of the forms. For report too. */
long long history_parse_time(const char *s);

#endif
