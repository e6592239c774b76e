// glibc allocator tuning (mallopt); header only, part of libc.
#if defined(__linux__)
#include <malloc.h>
#endif
