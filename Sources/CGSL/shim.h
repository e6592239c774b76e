// GSL random numbers only (Debian: libgsl-dev). GSL's own CBLAS header is deliberately not
// included: CBLAS symbols resolve to OpenBLAS, which the executable links directly.
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
