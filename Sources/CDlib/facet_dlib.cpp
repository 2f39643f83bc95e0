// facet_dlib.cpp — C++ side of the dlib shim (skeleton).
#include "facet_dlib.h"

extern "C" int facet_dlib_is_optimized(void) {
#if defined(__OPTIMIZE__)
    return 1;
#else
    return 0;
#endif
}
