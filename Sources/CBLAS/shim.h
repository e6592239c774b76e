// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). Linked as -lopenblas, never GSL's gslcblas.
#include <cblas.h>
// openblas_set_num_threads / openblas_get_num_threads
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
