/* A report row's fields; see rowfield.h. */
#include "ctl/rowfield.h"

double row_num(json_object *row, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(row, key, &v)
		   ? json_object_get_double(v)
		   : 0;
}

const char *row_str(json_object *row, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(row, key, &v)
		   ? json_object_get_string(v)
		   : "";
}
