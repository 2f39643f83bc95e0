/* facet_dlib.h — the plain-C face of Facet's dlib shim (HOG face detection, 68-point landmarks).
 * Opaque handles, integer status codes; no C++ type or exception crosses this header.
 * (Skeleton: the detector and predictor API is filled in by the face-analysis work.) */
#ifndef FACET_DLIB_H
#define FACET_DLIB_H

#ifdef __cplusplus
extern "C" {
#endif

/** 1 when the shim was compiled with optimisation (dlib's templates are ~100x slower at -O0). */
int facet_dlib_is_optimized(void);

#ifdef __cplusplus
}
#endif

#endif
