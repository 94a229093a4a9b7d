/* cgfairctl events --since: the history of events, from the journal. */
#ifndef CGFAIR_CTL_HISTORY_H
#define CGFAIR_CTL_HISTORY_H

#include <stdbool.h>

/* argv[0] is "events"; returns the exit status (2: usage). */
int history_main(int argc, char **argv, bool json);

#endif
