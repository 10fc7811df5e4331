/* Counting a program's heap allocations: include this in exactly one file
 * of a test or bench program. It wraps glibc's malloc, calloc and realloc
 * (every library of the process reaches them: GLib, OpenSSL, libsrtp2,
 * NSS) and counts the calls; IMPS_ALLOCS() reads the count. Under
 * AddressSanitizer, which owns malloc, nothing is wrapped:
 * IMPS_COUNT_ALLOCS is 0 and IMPS_ALLOCS() stays 0. */
#pragma once

#include <glib.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define IMPS_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMPS_COUNT_ALLOCS 0
#endif
#endif
#ifndef IMPS_COUNT_ALLOCS
#define IMPS_COUNT_ALLOCS 1
#endif

#if IMPS_COUNT_ALLOCS
static volatile gsize imps_n_allocs;

extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);
void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *p, size_t size);

void *
malloc (size_t size)
{
  imps_n_allocs++;
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  imps_n_allocs++;
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t size)
{
  imps_n_allocs++;
  return __libc_realloc (p, size);
}
#define IMPS_ALLOCS() (imps_n_allocs)
#else
#define IMPS_ALLOCS() ((gsize) 0)
#endif
