/* facet_dlib.h — the plain-C face of Facet's dlib shim: HOG face detection, 68-point landmarks,
 * and the few 8-bit grayscale pixel loops the tracker needs every frame (kept here because this
 * shim is compiled with optimisation in every build configuration).
 *
 * Conventions
 * - Opaque handles, created by `_new` and released by `_free` (`_free(NULL)` does nothing).
 * - Every function that can fail returns a `facet_dlib_status`; FACET_DLIB_OK is 0. After a
 *   failure, `facet_*_last_error(handle)` returns a message naming what went wrong. Each handle
 *   has its own message buffer: two handles never share one.
 * - No C++ type or exception crosses this header: the shim catches every exception.
 * - Images are 8-bit grayscale: `height` rows of `width` bytes, rows `row_stride` bytes apart
 *   (row_stride >= width), top row first. Coordinates are pixels, x right, y down; boxes are
 *   (left, top, width, height) in the image's pixels.
 *
 * Threads
 * - A face detector keeps per-call scratch state (the feature pyramid): use one detector from one
 *   thread at a time; create one detector per thread for parallel detection.
 * - A landmark predictor's `predict` only reads the model: any number of threads may call it on
 *   the same predictor at once. Its last-error buffer is guarded by a lock, so a message read
 *   after a failure may come from another thread's failure when several fail at once.
 */
#ifndef FACET_DLIB_H
#define FACET_DLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes returned by the shim. */
typedef enum facet_dlib_status {
    /** Success. */
    FACET_DLIB_OK = 0,
    /** An argument was out of range (null pointer, empty image, stride < width, bad upsample). */
    FACET_DLIB_INVALID_ARGUMENT = 1,
    /** A model file does not exist (or is not a regular, readable file). */
    FACET_DLIB_FILE_NOT_FOUND = 2,
    /** A model file exists but is not a dlib model of the expected kind (truncated, corrupt). */
    FACET_DLIB_MALFORMED_FILE = 3,
    /** Memory ran out. */
    FACET_DLIB_OUT_OF_MEMORY = 4,
    /** The predictor was used before a model was loaded into it. */
    FACET_DLIB_NOT_LOADED = 5,
    /** dlib failed in a way not listed above (the message has its text). */
    FACET_DLIB_INTERNAL = 6
} facet_dlib_status;

/** 1 when the shim was compiled with optimisation (dlib's templates are ~100x slower at -O0). */
int facet_dlib_is_optimized(void);

/* ------------------------------------------------------------------------------------------
 * Face detection (dlib's frontal HOG detector; no model file)
 * ------------------------------------------------------------------------------------------ */

/** A HOG face detector (opaque). */
typedef struct facet_face_detector facet_face_detector;

/** One detected face. */
typedef struct facet_face_detection {
    /** Box left edge, in the input image's pixels (after undoing any upsampling). */
    float left;
    /** Box top edge. */
    float top;
    /** Box width. */
    float width;
    /** Box height. */
    float height;
    /** dlib's detection confidence (SVM margin); > 0 at the default threshold, higher is surer. */
    double score;
    /** Which of the detector's filters fired (0 front, 1 left, 2 right, 3/4 front rotated). */
    int32_t subdetector;
} facet_face_detection;

/** A new detector, or NULL when memory ran out. Costs ~0.3–1 s the first time in a process
 *  (the model is deserialised once), a copy of that model afterwards. */
facet_face_detector *facet_face_detector_new(void);

/** Releases a detector (NULL allowed). */
void facet_face_detector_free(facet_face_detector *detector);

/** The message of the detector's last failure ("" if none). Valid until the next call on it. */
const char *facet_face_detector_last_error(const facet_face_detector *detector);

/**
 * Detects faces in an 8-bit grayscale image.
 *
 * `upsample` (0, 1 or 2) doubles the image that many times first: the detector's smallest face
 * is ~80 px, so 1 finds faces down to ~40 px and 2 down to ~20 px, at 4x / 16x the cost.
 * `adjust_threshold` is added to the detector's threshold (0: dlib's default; negative finds more
 * and weaker faces). Writes at most `capacity` detections, best score first, into `out` and the
 * number found (which may exceed `capacity`) into `*count`.
 */
facet_dlib_status facet_face_detector_detect(facet_face_detector *detector,
                                             const uint8_t *pixels, int32_t width, int32_t height,
                                             int32_t row_stride, int32_t upsample,
                                             double adjust_threshold,
                                             facet_face_detection *out, int32_t capacity,
                                             int32_t *count);

/* ------------------------------------------------------------------------------------------
 * 68-point landmarks (dlib's shape predictor, iBUG 300-W layout)
 * ------------------------------------------------------------------------------------------ */

/** A shape predictor (opaque). */
typedef struct facet_landmark_predictor facet_landmark_predictor;

/** A new, empty predictor (load a model into it next), or NULL when memory ran out. */
facet_landmark_predictor *facet_landmark_predictor_new(void);

/** Releases a predictor (NULL allowed). */
void facet_landmark_predictor_free(facet_landmark_predictor *predictor);

/** The message of the predictor's last failure ("" if none). */
const char *facet_landmark_predictor_last_error(const facet_landmark_predictor *predictor);

/**
 * Loads a dlib shape-predictor model (`shape_predictor_68_face_landmarks.dat`) from `path`.
 * FACET_DLIB_FILE_NOT_FOUND when there is no readable file, FACET_DLIB_MALFORMED_FILE when it
 * is not a shape predictor (the message names the file and dlib's reason).
 */
facet_dlib_status facet_landmark_predictor_load(facet_landmark_predictor *predictor, const char *path);

/** The number of points of the loaded model (68 for the iBUG model; 0 before loading). */
int32_t facet_landmark_predictor_point_count(const facet_landmark_predictor *predictor);

/**
 * The model's mean shape, where its cascade starts: x0, y0, x1, y1, ... in the face box's
 * normalised coordinates ((0, 0) the box's top left corner, (1, 1) its bottom right pixel), into
 * `out_xy`, which must hold 2 * point_count floats. It says how the boxes the model was trained
 * with sit on a face (the box convention of dlib's HOG detector for the 68-point model).
 */
facet_dlib_status facet_landmark_predictor_mean_shape(const facet_landmark_predictor *predictor,
                                                      float *out_xy, int32_t out_capacity);

/**
 * Predicts the model's points for the face in the box (left, top, width, height, sub-pixel:
 * unlike dlib's own predictor, the corners are not rounded to whole pixels). The box should look
 * like a detector box: the points are found relative to it. Writes x0, y0, x1, y1, ... into
 * `out_xy`, which must hold 2 * point_count floats. Points may lie outside the image when the box
 * does.
 */
facet_dlib_status facet_landmark_predictor_predict(const facet_landmark_predictor *predictor,
                                                   const uint8_t *pixels, int32_t width, int32_t height,
                                                   int32_t row_stride,
                                                   float left, float top, float box_width, float box_height,
                                                   float *out_xy, int32_t out_capacity);

/**
 * Like `facet_landmark_predictor_predict`, but the mean of two predictions: one on the picture
 * and one on its mirror image (with the box mirrored), mirrored back with the points' left-right
 * counterparts swapped. The model's own left-right bias cancels, so a mirrored picture gives
 * exactly mirrored points, and the two predictions' independent errors average. Both read the
 * same region (the box and one box size around it). Needs the iBUG 68-point layout
 * (FACET_DLIB_INVALID_ARGUMENT otherwise). Twice the cost of one prediction.
 */
facet_dlib_status facet_landmark_predictor_predict_symmetric(const facet_landmark_predictor *predictor,
                                                             const uint8_t *pixels, int32_t width, int32_t height,
                                                             int32_t row_stride,
                                                             float left, float top, float box_width, float box_height,
                                                             float *out_xy, int32_t out_capacity);

/* ------------------------------------------------------------------------------------------
 * Grayscale pixel loops (no dlib; plain optimised loops)
 * ------------------------------------------------------------------------------------------ */

/** Packed RGB24 (`rgb_stride` bytes per row) to 8-bit luma, BT.601 weights, full range:
 *  `gray` receives `height` rows of `width` bytes (stride `width`). */
void facet_gray_from_rgb(const uint8_t *rgb, int32_t width, int32_t height, int32_t rgb_stride,
                         uint8_t *gray);

/**
 * Resamples the source rectangle (`src_x`, `src_y`, `src_width`, `src_height`, inside the
 * `width` x `height` image) to `dst_width` x `dst_height` (stride `dst_width`), each axis on its
 * own: shrinking averages areas (each destination pixel is the mean of the source area it covers,
 * an exact box filter for any ratio); enlarging interpolates linearly between the source pixels'
 * centres (edges replicated). Returns 0, or 1 when a size or the rectangle is invalid.
 */
int facet_gray_resample_area(const uint8_t *src, int32_t width, int32_t height, int32_t row_stride,
                             int32_t src_x, int32_t src_y, int32_t src_width, int32_t src_height,
                             uint8_t *dst, int32_t dst_width, int32_t dst_height);

/**
 * Rotates the image by `angle` radians (counter-clockwise as seen on screen, y down) about its
 * centre into `dst` (`dst_width` x `dst_height`, stride `dst_width`), whose centre it lands on;
 * bilinear, pixels from outside the source are the nearest edge pixel. For searching faces tilted
 * beyond what the detector finds upright. Returns 0, or 1 when a size is invalid.
 */
int facet_gray_rotate(const uint8_t *src, int32_t width, int32_t height, int32_t row_stride, double angle,
                      uint8_t *dst, int32_t dst_width, int32_t dst_height);

/** Mean and standard deviation of the pixels on a `samples` x `samples` grid spread over the
 *  rectangle (clipped to the image; both 0 when nothing of it is inside). */
void facet_gray_grid_statistics(const uint8_t *pixels, int32_t width, int32_t height, int32_t row_stride,
                                int32_t x, int32_t y, int32_t rect_width, int32_t rect_height,
                                int32_t samples, float *mean, float *deviation);

#ifdef __cplusplus
}
#endif

#endif
