#include "common/array.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int array_reserve(void *arrp, size_t n, size_t *cap, size_t size)
{
	void **arr = arrp;

	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = reallocarray(*arr, ncap, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void *array_insert(void *arrp, size_t *n, size_t *cap, size_t size, size_t at)
{
	char *base;

	if (at > *n || array_reserve(arrp, *n, cap, size) < 0)
		return NULL;
	base = *(char **)arrp;
	memmove(base + (at + 1) * size, base + at * size, (*n - at) * size);
	memset(base + at * size, 0, size);
	(*n)++;
	return base + at * size;
}

size_t array_uid_lower_bound(const void *arr, size_t n, size_t size, size_t off,
			     uint32_t uid)
{
	const unsigned char *base = arr;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at;
		memcpy(&at, base + mid * size + off, sizeof(at));
		if (at < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
