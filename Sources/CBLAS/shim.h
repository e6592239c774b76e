// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). Linked as -lopenblas, never GSL's gslcblas.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <cblas.h>

// OpenBLAS threading controls (declared by cblas.h on most builds; repeated for clarity).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

/// Path of the shared object that provides `cblas_sgemm` at run time, or NULL.
static inline const char *cblas_sgemm_provider_path(void) {
    Dl_info info;
    if (dladdr((void *)&cblas_sgemm, &info) != 0 && info.dli_fname != 0) return info.dli_fname;
    return 0;
}
