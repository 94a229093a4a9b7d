/* A report row's fields (cgfairctl report, cgfair-plot): a missing field
 * reads as 0 or "". */
#ifndef CGFAIR_CTL_ROWFIELD_H
#define CGFAIR_CTL_ROWFIELD_H

#include <json.h>

double row_num(json_object *row, const char *key);
const char *row_str(json_object *row, const char *key);

#endif
