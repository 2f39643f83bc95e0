/* The C interface of OpenBLAS (Debian: libopenblas-dev), for the neural engine's sgemm. */
#ifndef FACET_COPENBLAS_SHIM_H
#define FACET_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
