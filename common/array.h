/*
 * Growing arrays of fixed-size elements, for the few tables the daemon
 * keeps as plain arrays (sorted by uid where they are searched). Written
 * by hand because libc has no such container; tsearch(3) trees serve
 * where nothing walks the table in order.
 */
#ifndef CGFAIR_ARRAY_H
#define CGFAIR_ARRAY_H

#include <stddef.h>
#include <stdint.h>

/* Room for one more element in *arrp (n used, *cap allocated, each size
 * bytes), doubling it when full. 0 or -ENOMEM (the array is unchanged). */
int array_reserve(void *arrp, size_t n, size_t *cap, size_t size);

/* A zeroed element inserted at index at (<= *n): the ones from there on
 * move up. Returns it, or NULL when out of memory (nothing changed). */
void *array_insert(void *arrp, size_t *n, size_t *cap, size_t size, size_t at);

/* In an array sorted by a uint32_t uid at byte offset off of each element
 * (n elements of size bytes): the index of the first element whose uid is
 * not below uid (n when none), by bisection. Where it is to be inserted,
 * or found when that element's uid equals it. */
size_t array_uid_lower_bound(const void *arr, size_t n, size_t size, size_t off,
			     uint32_t uid);

#endif
