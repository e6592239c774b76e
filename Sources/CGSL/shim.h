// GSL random numbers and the Student t quantile (Debian: libgsl-dev). GSL's own CBLAS header is deliberately not
// included: CBLAS symbols resolve to OpenBLAS, which the executable links directly.
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>

// The Mersenne Twister generator type, read through a function: Swift 6 treats imported mutable C
// globals such as `gsl_rng_mt19937` as shared mutable state.
static inline const gsl_rng_type *p2sam_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
