/*
 * Growing arrays of fixed-size elements, for the few tables the daemon
 * keeps as plain arrays (sorted by uid where they are searched). Written
 * by hand because libc has no such container; tsearch(3) trees serve
 * where nothing walks the table in order.
 */
#ifndef CGFAIR_ARRAY_H
#define CGFAIR_ARRAY_H

#include <stddef.h>

/* Room for one more element in *arrp (n used, *cap allocated, each size
 * bytes), doubling it when full. 0 or -ENOMEM (the array is unchanged). */
int array_reserve(void *arrp, size_t n, size_t *cap, size_t size);

/* A zeroed element inserted at index at (<= *n): the ones from there on
 * move up. Returns it, or NULL when out of memory (nothing changed). */
void *array_insert(void *arrp, size_t *n, size_t *cap, size_t size, size_t at);

#endif
