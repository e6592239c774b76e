// zlib (Debian: zlib1g-dev, pulled in by libpng-dev): inflate for .npz and .nii.gz.
#include <zlib.h>
