// facet_dlib.cpp — C++ side of the dlib shim. Everything here is reached through facet_dlib.h;
// no exception leaves this file (each entry point catches and turns it into a status + message).
#include "facet_dlib.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/image_transforms/image_pyramid.h>
#include <dlib/image_transforms/interpolation.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <new>
#include <string>
#include <sys/stat.h>
#include <vector>

// MARK: - A zero-copy grayscale view for dlib's generic image interface

namespace facet {

/// Borrowed 8-bit pixels seen through dlib's generic image interface (read only).
struct gray_view {
    const uint8_t *data;
    long rows;
    long columns;
    long stride;
};

inline long num_rows(const gray_view &image) { return image.rows; }
inline long num_columns(const gray_view &image) { return image.columns; }
inline const void *image_data(const gray_view &image) { return image.data; }
inline long width_step(const gray_view &image) { return image.stride; }

} // namespace facet

namespace dlib {
template <> struct image_traits<facet::gray_view> {
    typedef unsigned char pixel_type;
};
} // namespace dlib

// MARK: - Handles

struct facet_face_detector {
    dlib::frontal_face_detector detector;
    dlib::array2d<unsigned char> scratch;      // the input copied (and upsampled) for detection
    std::vector<dlib::rect_detection> found;
    std::string message;
};

/// The cascade of the 68-point model, read from dlib's serialised `shape_predictor` format
/// (version 1: initial shape, forests, anchor indices, deltas). Kept here rather than in a
/// `dlib::shape_predictor` so that points come out with sub-pixel precision: dlib's own
/// `operator()` rounds every point to whole pixels, which adds up to ±0.5 px of jitter.
namespace facet {

/// One cascade level's regression trees, packed for speed: dlib keeps every leaf (a 136-float
/// shape offset) in its own heap block, and the 7,500 leaves one prediction reads are scattered
/// over ~65 MB, so prediction waits on memory. Here each level's splits and leaves lie in flat
/// arrays, every tree's leaf is found first, and the leaves are then summed in tree order (the
/// same sums as dlib's) while the next ones are being fetched.
struct packed_forest {
    std::vector<uint32_t> first_split;   // per tree: index of its first split in the arrays below
    std::vector<uint32_t> split_count;   // per tree
    std::vector<uint32_t> first_leaf;    // per tree: index of its first leaf (in leaf vectors)
    std::vector<uint32_t> pixel_a, pixel_b;   // per split: the two sampled pixels compared
    std::vector<float> threshold;             // per split
    std::vector<float> leaves;                // leaf vectors, `values` floats each
};

} // namespace facet

struct facet_landmark_predictor {
    dlib::matrix<float, 0, 1> initial_shape;
    std::vector<facet::packed_forest> forests;
    std::vector<std::vector<unsigned long>> anchor_index;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
    bool loaded = false;
    mutable std::mutex message_lock;
    mutable std::string message;
};

namespace {

/// The detector model, deserialised once per process (dlib keeps it as an embedded string).
const dlib::frontal_face_detector &prototype_detector() {
    static const dlib::frontal_face_detector prototype = dlib::get_frontal_face_detector();
    return prototype;
}

facet_dlib_status fail(facet_face_detector *detector, facet_dlib_status status, const std::string &text) {
    detector->message = text;
    return status;
}

facet_dlib_status fail(const facet_landmark_predictor *predictor, facet_dlib_status status, const std::string &text) {
    std::lock_guard<std::mutex> guard(predictor->message_lock);
    predictor->message = text;
    return status;
}

/// dlib's feature sampling for one cascade level (`impl::extract_feature_pixel_values`), except
/// that a sample falling outside the image reads the nearest border pixel instead of 0: for a
/// face partly out of the frame, black beyond the border pulls the shape inwards (it shrinks by
/// ~10% per frame while followed), replicated border pixels do not. Inside the image the values
/// are dlib's.
/// dlib's `impl::unnormalizing_tform` for a box with sub-pixel corners: (0, 0) goes to the top left
/// corner and (1, 1) to the bottom right pixel (left + width - 1, top + height - 1), as dlib does for
/// whole-pixel rectangles. A box that moves by a fraction of a pixel moves the shape with it.
dlib::point_transform_affine unnormalizing_transform(double left, double top, double width, double height) {
    dlib::matrix<double, 2, 2> scale;
    scale = std::max(width - 1, 1.0), 0,
            0, std::max(height - 1, 1.0);
    return dlib::point_transform_affine(scale, dlib::vector<double, 2>(left, top));
}

void sample_pixels(const facet::gray_view &image, const dlib::point_transform_affine &to_image,
                   const dlib::matrix<float, 0, 1> &shape, const dlib::matrix<float, 0, 1> &reference,
                   const std::vector<unsigned long> &anchors, const std::vector<dlib::vector<float, 2>> &deltas,
                   std::vector<float> &samples) {
    const dlib::matrix<float, 2, 2> to_shape =
        dlib::matrix_cast<float>(dlib::impl::find_tform_between_shapes(reference, shape).get_m());
    samples.resize(deltas.size());
    for (size_t i = 0; i < deltas.size(); ++i) {
        const dlib::point p = to_image(to_shape * deltas[i] + dlib::impl::location(shape, anchors[i]));
        const long x = std::min(std::max(p.x(), 0L), image.columns - 1);
        const long y = std::min(std::max(p.y(), 0L), image.rows - 1);
        samples[i] = float(image.data[size_t(y) * size_t(image.stride) + size_t(x)]);
    }
}

bool valid_image(const uint8_t *pixels, int32_t width, int32_t height, int32_t row_stride) {
    return pixels != nullptr && width > 0 && height > 0 && row_stride >= width;
}

std::string image_description(int32_t width, int32_t height, int32_t row_stride) {
    return std::to_string(width) + "x" + std::to_string(height) + " (row stride " + std::to_string(row_stride) + ")";
}

} // namespace

// MARK: - Build facts

extern "C" int facet_dlib_is_optimized(void) {
#if defined(__OPTIMIZE__)
    return 1;
#else
    return 0;
#endif
}

// MARK: - Detector

extern "C" facet_face_detector *facet_face_detector_new(void) {
    try {
        auto *detector = new facet_face_detector();
        detector->detector = prototype_detector();
        return detector;
    } catch (...) {
        return nullptr;
    }
}

extern "C" void facet_face_detector_free(facet_face_detector *detector) { delete detector; }

extern "C" const char *facet_face_detector_last_error(const facet_face_detector *detector) {
    return detector ? detector->message.c_str() : "no detector (NULL handle)";
}

extern "C" facet_dlib_status facet_face_detector_detect(facet_face_detector *detector,
                                                        const uint8_t *pixels, int32_t width, int32_t height,
                                                        int32_t row_stride, int32_t upsample,
                                                        double adjust_threshold,
                                                        facet_face_detection *out, int32_t capacity,
                                                        int32_t *count) {
    if (detector == nullptr) return FACET_DLIB_INVALID_ARGUMENT;
    if (count == nullptr || (out == nullptr && capacity > 0) || capacity < 0)
        return fail(detector, FACET_DLIB_INVALID_ARGUMENT, "detect needs a count pointer and an output buffer");
    *count = 0;
    if (!valid_image(pixels, width, height, row_stride))
        return fail(detector, FACET_DLIB_INVALID_ARGUMENT,
                    "detect needs a non-empty 8-bit image with row stride >= width; got " +
                        image_description(width, height, row_stride));
    if (upsample < 0 || upsample > 2)
        return fail(detector, FACET_DLIB_INVALID_ARGUMENT,
                    "upsample must be 0, 1 or 2; got " + std::to_string(upsample));
    try {
        dlib::array2d<unsigned char> &image = detector->scratch;
        image.set_size(height, width);
        for (long row = 0; row < height; ++row)
            std::memcpy(&image[row][0], pixels + size_t(row) * size_t(row_stride), size_t(width));
        for (int level = 0; level < upsample; ++level) dlib::pyramid_up(image);
        detector->found.clear();
        detector->detector(image, detector->found, adjust_threshold);
        dlib::pyramid_down<2> pyramid;
        const int32_t n = int32_t(detector->found.size());
        for (int32_t i = 0; i < n && i < capacity; ++i) {
            const dlib::rect_detection &d = detector->found[size_t(i)];
            dlib::drectangle box(d.rect);
            if (upsample > 0) box = pyramid.rect_down(box, unsigned(upsample));
            // dlib's rectangles include their right and bottom pixels: width = right - left + 1.
            out[i].left = float(box.left());
            out[i].top = float(box.top());
            out[i].width = float(box.width());
            out[i].height = float(box.height());
            out[i].score = d.detection_confidence;
            out[i].subdetector = int32_t(d.weight_index);
        }
        *count = n;
        detector->message.clear();
        return FACET_DLIB_OK;
    } catch (const std::bad_alloc &) {
        return fail(detector, FACET_DLIB_OUT_OF_MEMORY,
                    "out of memory detecting faces in a " + image_description(width, height, row_stride) +
                        " image upsampled " + std::to_string(upsample) + " time(s)");
    } catch (const std::exception &error) {
        return fail(detector, FACET_DLIB_INTERNAL, std::string("dlib face detection failed: ") + error.what());
    } catch (...) {
        return fail(detector, FACET_DLIB_INTERNAL, "dlib face detection failed with an unknown exception");
    }
}

// MARK: - Landmark predictor

extern "C" facet_landmark_predictor *facet_landmark_predictor_new(void) {
    try {
        return new facet_landmark_predictor();
    } catch (...) {
        return nullptr;
    }
}

extern "C" void facet_landmark_predictor_free(facet_landmark_predictor *predictor) { delete predictor; }

extern "C" const char *facet_landmark_predictor_last_error(const facet_landmark_predictor *predictor) {
    if (predictor == nullptr) return "no predictor (NULL handle)";
    std::lock_guard<std::mutex> guard(predictor->message_lock);
    return predictor->message.c_str();
}

extern "C" facet_dlib_status facet_landmark_predictor_load(facet_landmark_predictor *predictor, const char *path) {
    if (predictor == nullptr) return FACET_DLIB_INVALID_ARGUMENT;
    if (path == nullptr || path[0] == 0)
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT, "no model path given");
    const std::string name(path);
    struct stat info;
    if (::stat(path, &info) != 0)
        return fail(predictor, FACET_DLIB_FILE_NOT_FOUND,
                    "no landmark model at " + name + " (expected dlib's shape_predictor_68_face_landmarks.dat)");
    if (!S_ISREG(info.st_mode))
        return fail(predictor, FACET_DLIB_FILE_NOT_FOUND,
                    name + " is not a regular file; expected dlib's shape_predictor_68_face_landmarks.dat");
    try {
        std::ifstream in(name, std::ios::binary);
        if (!in)
            return fail(predictor, FACET_DLIB_FILE_NOT_FOUND, name + " exists but cannot be opened for reading");
        int version = 0;
        dlib::deserialize(version, in);
        if (version != 1)
            throw dlib::serialization_error("unexpected shape_predictor format version " + std::to_string(version) +
                                            " (expected 1)");
        dlib::matrix<float, 0, 1> initial_shape;
        std::vector<std::vector<dlib::impl::regression_tree>> forests;
        std::vector<std::vector<unsigned long>> anchor_index;
        std::vector<std::vector<dlib::vector<float, 2>>> deltas;
        dlib::deserialize(initial_shape, in);
        dlib::deserialize(forests, in);
        dlib::deserialize(anchor_index, in);
        dlib::deserialize(deltas, in);
        // Consistency: one anchor list and one delta list per cascade level, indices in range.
        const unsigned long points = static_cast<unsigned long>(initial_shape.size() / 2);
        bool consistent = initial_shape.size() > 0 && initial_shape.size() % 2 == 0 &&
                          !forests.empty() && anchor_index.size() == forests.size() &&
                          deltas.size() == forests.size();
        for (size_t level = 0; consistent && level < forests.size(); ++level) {
            consistent = anchor_index[level].size() == deltas[level].size();
            for (unsigned long anchor : anchor_index[level])
                if (anchor >= points) consistent = false;
            for (const auto &tree : forests[level]) {
                if (tree.leaf_values.empty() || tree.leaf_values.size() != tree.splits.size() + 1) consistent = false;
                for (const auto &leaf : tree.leaf_values)
                    if (leaf.size() != initial_shape.size()) consistent = false;
                for (const auto &split : tree.splits)
                    if (split.idx1 >= deltas[level].size() || split.idx2 >= deltas[level].size()) consistent = false;
            }
        }
        if (!consistent)
            return fail(predictor, FACET_DLIB_MALFORMED_FILE,
                        name + " is not a usable dlib shape predictor: its cascade levels, trees and point "
                               "counts do not agree (expected dlib's shape_predictor_68_face_landmarks.dat)");
        const size_t values = size_t(initial_shape.size());
        std::vector<facet::packed_forest> packed(forests.size());
        for (size_t level = 0; level < forests.size(); ++level) {
            facet::packed_forest &target = packed[level];
            for (const auto &tree : forests[level]) {
                target.first_split.push_back(uint32_t(target.threshold.size()));
                target.split_count.push_back(uint32_t(tree.splits.size()));
                target.first_leaf.push_back(uint32_t(target.leaves.size() / values));
                for (const auto &split : tree.splits) {
                    target.pixel_a.push_back(uint32_t(split.idx1));
                    target.pixel_b.push_back(uint32_t(split.idx2));
                    target.threshold.push_back(split.thresh);
                }
                for (const auto &leaf : tree.leaf_values)
                    for (long i = 0; i < leaf.size(); ++i) target.leaves.push_back(leaf(i));
            }
        }
        predictor->initial_shape = std::move(initial_shape);
        predictor->forests = std::move(packed);
        predictor->anchor_index = std::move(anchor_index);
        predictor->deltas = std::move(deltas);
        predictor->loaded = true;
        fail(predictor, FACET_DLIB_OK, "");
        return FACET_DLIB_OK;
    } catch (const dlib::serialization_error &error) {
        return fail(predictor, FACET_DLIB_MALFORMED_FILE,
                    name + " is not a dlib shape predictor model (corrupt or truncated; expected dlib's "
                           "shape_predictor_68_face_landmarks.dat): " + error.what());
    } catch (const std::bad_alloc &) {
        return fail(predictor, FACET_DLIB_MALFORMED_FILE,
                    name + " is not a dlib shape predictor model: its sizes ask for more memory than there is "
                           "(corrupt file?)");
    } catch (const std::exception &error) {
        return fail(predictor, FACET_DLIB_INTERNAL, "loading " + name + " failed: " + error.what());
    } catch (...) {
        return fail(predictor, FACET_DLIB_INTERNAL, "loading " + name + " failed with an unknown exception");
    }
}

extern "C" int32_t facet_landmark_predictor_point_count(const facet_landmark_predictor *predictor) {
    if (predictor == nullptr || !predictor->loaded) return 0;
    return int32_t(predictor->initial_shape.size() / 2);
}

extern "C" facet_dlib_status facet_landmark_predictor_mean_shape(const facet_landmark_predictor *predictor,
                                                                 float *out_xy, int32_t out_capacity) {
    if (predictor == nullptr) return FACET_DLIB_INVALID_ARGUMENT;
    if (!predictor->loaded)
        return fail(predictor, FACET_DLIB_NOT_LOADED, "the landmark predictor has no model loaded");
    const long values = long(predictor->initial_shape.size());
    if (out_xy == nullptr || out_capacity < values)
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT,
                    "the output buffer must hold " + std::to_string(values) + " floats; got " + std::to_string(out_capacity));
    for (long i = 0; i < values; ++i) out_xy[i] = predictor->initial_shape(i);
    return FACET_DLIB_OK;
}

namespace {

/// The iBUG 68-point layout's left-right counterpart of every point (0-based).
const int ibug_mirror[68] = {
    16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,   // jaw
    26, 25, 24, 23, 22, 21, 20, 19, 18, 17,                     // brows
    27, 28, 29, 30, 35, 34, 33, 32, 31,                         // nose
    45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,             // eyes
    54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,             // outer lips
    64, 63, 62, 61, 60, 67, 66, 65,                             // inner lips
};

/// Runs the cascade for the box (left, top, width, height) of `image`; writes 2 * points floats.
void run_cascade(const facet_landmark_predictor *predictor, const facet::gray_view &image, double left, double top,
                 double box_width, double box_height, float *out_xy) {
    // The box keeps its sub-pixel corners (dlib rounds them), so the points follow a box that
    // moves by less than a pixel instead of jumping a whole pixel at a time.
    const dlib::point_transform_affine to_image = unnormalizing_transform(left, top, box_width, box_height);
    // The cascade: at every level, sample pixels relative to the current shape and add the
    // trees' leaf offsets (in the box's normalised [0,1] coordinates).
    dlib::matrix<float, 0, 1> shape = predictor->initial_shape;
    const size_t values = size_t(shape.size());
    std::vector<float> samples;
    std::vector<const float *> chosen;
    for (size_t level = 0; level < predictor->forests.size(); ++level) {
        sample_pixels(image, to_image, shape, predictor->initial_shape, predictor->anchor_index[level],
                      predictor->deltas[level], samples);
        const facet::packed_forest &forest = predictor->forests[level];
        // Every tree's leaf (dlib's walk: left child 2i + 1 when a - b > threshold, else 2i + 2).
        const size_t trees = forest.first_split.size();
        chosen.resize(trees);
        for (size_t tree = 0; tree < trees; ++tree) {
            const uint32_t base = forest.first_split[tree], count = forest.split_count[tree];
            uint32_t node = 0;
            while (node < count) {
                const uint32_t split = base + node;
                node = samples[forest.pixel_a[split]] - samples[forest.pixel_b[split]] > forest.threshold[split]
                           ? 2 * node + 1 : 2 * node + 2;
            }
            chosen[tree] = forest.leaves.data() + size_t(forest.first_leaf[tree] + (node - count)) * values;
        }
        // Sum the leaves in tree order, fetching a few trees ahead.
        float *target = &shape(0);
        for (size_t tree = 0; tree < trees; ++tree) {
            if (tree + 6 < trees)
                for (size_t offset = 0; offset < values; offset += 16) __builtin_prefetch(chosen[tree + 6] + offset);
            const float *leaf = chosen[tree];
            for (size_t i = 0; i < values; ++i) target[i] += leaf[i];
        }
    }
    const long points = long(values / 2);
    for (long i = 0; i < points; ++i) {
        const dlib::dpoint p = to_image(dlib::dpoint(shape(2 * i), shape(2 * i + 1)));
        out_xy[2 * i] = float(p.x());
        out_xy[2 * i + 1] = float(p.y());
    }
}

/// The checks both predict functions make; FACET_DLIB_OK when the call may go ahead.
facet_dlib_status check_prediction(const facet_landmark_predictor *predictor, const uint8_t *pixels, int32_t width,
                                   int32_t height, int32_t row_stride, float left, float top, float box_width,
                                   float box_height, const float *out_xy, int32_t out_capacity) {
    if (predictor == nullptr) return FACET_DLIB_INVALID_ARGUMENT;
    if (!predictor->loaded)
        return fail(predictor, FACET_DLIB_NOT_LOADED, "the landmark predictor has no model loaded");
    if (!valid_image(pixels, width, height, row_stride))
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT,
                    "landmarks need a non-empty 8-bit image with row stride >= width; got " +
                        image_description(width, height, row_stride));
    const long points = long(predictor->initial_shape.size() / 2);
    if (out_xy == nullptr || out_capacity < 2 * points)
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT,
                    "the output buffer must hold " + std::to_string(2 * points) + " floats; got " +
                        std::to_string(out_capacity));
    if (!(std::isfinite(left) && std::isfinite(top) && std::isfinite(box_width) && std::isfinite(box_height)) ||
        box_width < 1 || box_height < 1)
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT, "the face box must be finite and at least 1x1 pixel");
    return FACET_DLIB_OK;
}

/// The status and message of the exception being handled during a prediction (call from a catch block).
facet_dlib_status prediction_failure(const facet_landmark_predictor *predictor) {
    try {
        throw;
    } catch (const std::bad_alloc &) {
        return fail(predictor, FACET_DLIB_OUT_OF_MEMORY, "out of memory predicting landmarks");
    } catch (const std::exception &error) {
        return fail(predictor, FACET_DLIB_INTERNAL, std::string("landmark prediction failed: ") + error.what());
    } catch (...) {
        return fail(predictor, FACET_DLIB_INTERNAL, "landmark prediction failed with an unknown exception");
    }
}

} // namespace

extern "C" facet_dlib_status facet_landmark_predictor_predict(const facet_landmark_predictor *predictor,
                                                              const uint8_t *pixels, int32_t width, int32_t height,
                                                              int32_t row_stride,
                                                              float left, float top, float box_width, float box_height,
                                                              float *out_xy, int32_t out_capacity) {
    const facet_dlib_status status = check_prediction(predictor, pixels, width, height, row_stride, left, top,
                                                      box_width, box_height, out_xy, out_capacity);
    if (status != FACET_DLIB_OK) return status;
    try {
        run_cascade(predictor, facet::gray_view{pixels, height, width, row_stride}, left, top, box_width, box_height,
                    out_xy);
        return FACET_DLIB_OK;
    } catch (...) {
        return prediction_failure(predictor);
    }
}

extern "C" facet_dlib_status facet_landmark_predictor_predict_symmetric(
    const facet_landmark_predictor *predictor, const uint8_t *pixels, int32_t width, int32_t height, int32_t row_stride,
    float left, float top, float box_width, float box_height, float *out_xy, int32_t out_capacity) {
    const facet_dlib_status status = check_prediction(predictor, pixels, width, height, row_stride, left, top,
                                                      box_width, box_height, out_xy, out_capacity);
    if (status != FACET_DLIB_OK) return status;
    if (predictor->initial_shape.size() != 136)
        return fail(predictor, FACET_DLIB_INVALID_ARGUMENT,
                    "mirror-averaged landmarks need the iBUG 68-point layout; the model has " +
                        std::to_string(predictor->initial_shape.size() / 2) + " points");
    try {
        // Both passes read the same region: the box and one box size around it, clipped to the image
        // (a sample beyond the region reads its nearest edge pixel, in both passes alike).
        const double margin = std::max(box_width, box_height);
        const long x0 = std::max(0L, long(std::floor(left - margin)));
        const long y0 = std::max(0L, long(std::floor(top - margin)));
        const long x1 = std::min(long(width), long(std::ceil(left + box_width + margin)));
        const long y1 = std::min(long(height), long(std::ceil(top + box_height + margin)));
        if (x1 <= x0 || y1 <= y0) {
            run_cascade(predictor, facet::gray_view{pixels, height, width, row_stride}, left, top, box_width,
                        box_height, out_xy);
            return FACET_DLIB_OK;
        }
        const long region_width = x1 - x0, region_height = y1 - y0;
        const facet::gray_view region{pixels + size_t(y0) * size_t(row_stride) + size_t(x0), region_height,
                                      region_width, row_stride};
        float direct[136], mirrored[136];
        run_cascade(predictor, region, left - x0, top - y0, box_width, box_height, direct);
        std::vector<uint8_t> flipped(size_t(region_width) * size_t(region_height));
        for (long y = 0; y < region_height; ++y) {
            const uint8_t *row = region.data + size_t(y) * size_t(row_stride);
            uint8_t *target = flipped.data() + size_t(y) * size_t(region_width);
            for (long x = 0; x < region_width; ++x) target[x] = row[region_width - 1 - x];
        }
        // The box mirrored: pixels [L, L + w - 1] become [W - L - w, W - 1 - L].
        const double mirrored_left = double(region_width) - (left - x0) - box_width;
        run_cascade(predictor, facet::gray_view{flipped.data(), region_height, region_width, region_width},
                    mirrored_left, top - y0, box_width, box_height, mirrored);
        for (int i = 0; i < 68; ++i) {
            const int j = ibug_mirror[i];
            const float mirror_x = float(region_width - 1) - mirrored[2 * j];
            out_xy[2 * i] = 0.5f * (direct[2 * i] + mirror_x) + float(x0);
            out_xy[2 * i + 1] = 0.5f * (direct[2 * i + 1] + mirrored[2 * j + 1]) + float(y0);
        }
        return FACET_DLIB_OK;
    } catch (...) {
        return prediction_failure(predictor);
    }
}

// MARK: - Grayscale pixel loops

extern "C" void facet_gray_from_rgb(const uint8_t *rgb, int32_t width, int32_t height, int32_t rgb_stride,
                                    uint8_t *gray) {
    if (rgb == nullptr || gray == nullptr || width <= 0 || height <= 0) return;
    for (int32_t y = 0; y < height; ++y) {
        const uint8_t *row = rgb + size_t(y) * size_t(rgb_stride);
        uint8_t *target = gray + size_t(y) * size_t(width);
        for (int32_t x = 0; x < width; ++x) {
            // BT.601 luma in 8.8 fixed point: 0.299 R + 0.587 G + 0.114 B, rounded.
            const uint32_t value = 77u * row[3 * x] + 150u * row[3 * x + 1] + 29u * row[3 * x + 2] + 128u;
            target[x] = uint8_t(value >> 8);
        }
    }
}

namespace {

/// For one axis, the source pixels each destination pixel reads and their weights (summing to 1).
/// Shrinking: destination pixel i covers source [i * ratio, (i + 1) * ratio), and every overlapped
/// source pixel weighs its overlap (area averaging). Enlarging: the two source pixels whose centres
/// bracket the destination pixel's centre, weighed linearly (edges replicated).
struct axis_taps {
    std::vector<int32_t> first;   // per destination pixel: index into `index`/`weight`
    std::vector<int32_t> count;
    std::vector<int32_t> index;
    std::vector<float> weight;

    axis_taps(int32_t source, int32_t destination) {
        const double ratio = double(source) / double(destination);
        first.resize(size_t(destination));
        count.resize(size_t(destination));
        if (destination > source) {
            for (int32_t i = 0; i < destination; ++i) {
                const double centre = std::min(std::max((i + 0.5) * ratio - 0.5, 0.0), double(source - 1));
                const int32_t left = std::min(int32_t(centre), source - 1);
                const int32_t right = std::min(left + 1, source - 1);
                const float fraction = float(centre - left);
                first[size_t(i)] = int32_t(index.size());
                index.push_back(left);
                weight.push_back(1.0f - fraction);
                index.push_back(right);
                weight.push_back(fraction);
                count[size_t(i)] = 2;
            }
            return;
        }
        for (int32_t i = 0; i < destination; ++i) {
            const double start = i * ratio, end = (i + 1) * ratio;
            first[size_t(i)] = int32_t(index.size());
            int32_t from = int32_t(std::floor(start));
            int32_t to = std::min(source, int32_t(std::ceil(end)));
            for (int32_t s = from; s < to; ++s) {
                const double overlap = std::min(end, double(s + 1)) - std::max(start, double(s));
                if (overlap <= 0) continue;
                index.push_back(s);
                weight.push_back(float(overlap / ratio));
            }
            if (int32_t(index.size()) == first[size_t(i)]) {   // rounding left no overlap: the nearest pixel
                index.push_back(std::min(source - 1, int32_t(start)));
                weight.push_back(1.0f);
            }
            count[size_t(i)] = int32_t(index.size()) - first[size_t(i)];
        }
    }
};

} // namespace

extern "C" int facet_gray_resample_area(const uint8_t *src, int32_t width, int32_t height, int32_t row_stride,
                                        int32_t src_x, int32_t src_y, int32_t src_width, int32_t src_height,
                                        uint8_t *dst, int32_t dst_width, int32_t dst_height) {
    if (src == nullptr || dst == nullptr || width <= 0 || height <= 0 || row_stride < width) return 1;
    if (src_x < 0 || src_y < 0 || src_width <= 0 || src_height <= 0 || src_x + src_width > width ||
        src_y + src_height > height || dst_width <= 0 || dst_height <= 0)
        return 1;
    try {
        const axis_taps columns(src_width, dst_width), rows(src_height, dst_height);
        std::vector<float> horizontal(size_t(dst_width) * size_t(src_height));   // dst_width x src_height
        for (int32_t y = 0; y < src_height; ++y) {
            const uint8_t *row = src + size_t(src_y + y) * size_t(row_stride) + size_t(src_x);
            float *target = horizontal.data() + size_t(y) * size_t(dst_width);
            for (int32_t x = 0; x < dst_width; ++x) {
                float sum = 0;
                const int32_t begin = columns.first[size_t(x)], end = begin + columns.count[size_t(x)];
                for (int32_t t = begin; t < end; ++t) sum += columns.weight[size_t(t)] * row[columns.index[size_t(t)]];
                target[x] = sum;
            }
        }
        std::vector<float> accumulator(static_cast<size_t>(dst_width));
        for (int32_t y = 0; y < dst_height; ++y) {
            std::fill(accumulator.begin(), accumulator.end(), 0.0f);
            const int32_t begin = rows.first[size_t(y)], end = begin + rows.count[size_t(y)];
            for (int32_t t = begin; t < end; ++t) {
                const float w = rows.weight[size_t(t)];
                const float *source = horizontal.data() + size_t(rows.index[size_t(t)]) * size_t(dst_width);
                for (int32_t x = 0; x < dst_width; ++x) accumulator[size_t(x)] += w * source[x];
            }
            uint8_t *target = dst + size_t(y) * size_t(dst_width);
            for (int32_t x = 0; x < dst_width; ++x) {
                const float value = accumulator[size_t(x)] + 0.5f;
                target[x] = uint8_t(value < 0 ? 0 : (value > 255 ? 255 : value));
            }
        }
        return 0;
    } catch (...) {
        return 1;
    }
}

extern "C" int facet_gray_rotate(const uint8_t *src, int32_t width, int32_t height, int32_t row_stride, double angle,
                                 uint8_t *dst, int32_t dst_width, int32_t dst_height) {
    if (src == nullptr || dst == nullptr || width <= 0 || height <= 0 || row_stride < width || dst_width <= 0 ||
        dst_height <= 0 || !std::isfinite(angle))
        return 1;
    // Destination pixel (x, y) reads the source at the inverse rotation of its offset from the centre.
    // With y down, a counter-clockwise turn on screen by `angle` maps source offset (u, v) to
    // (u cos a + v sin a, -u sin a + v cos a); the inverse is the transpose.
    const double c = std::cos(angle), s = std::sin(angle);
    const double source_cx = 0.5 * (width - 1), source_cy = 0.5 * (height - 1);
    const double target_cx = 0.5 * (dst_width - 1), target_cy = 0.5 * (dst_height - 1);
    for (int32_t y = 0; y < dst_height; ++y) {
        uint8_t *target = dst + size_t(y) * size_t(dst_width);
        const double dy = y - target_cy;
        for (int32_t x = 0; x < dst_width; ++x) {
            const double dx = x - target_cx;
            double u = c * dx - s * dy + source_cx;
            double v = s * dx + c * dy + source_cy;
            u = std::min(std::max(u, 0.0), double(width - 1));
            v = std::min(std::max(v, 0.0), double(height - 1));
            const int32_t u0 = std::min(int32_t(u), width - 2 >= 0 ? width - 2 : 0);
            const int32_t v0 = std::min(int32_t(v), height - 2 >= 0 ? height - 2 : 0);
            const int32_t u1 = std::min(u0 + 1, width - 1), v1 = std::min(v0 + 1, height - 1);
            const double fu = u - u0, fv = v - v0;
            const uint8_t *row0 = src + size_t(v0) * size_t(row_stride);
            const uint8_t *row1 = src + size_t(v1) * size_t(row_stride);
            const double top = row0[u0] + fu * (row0[u1] - row0[u0]);
            const double bottom = row1[u0] + fu * (row1[u1] - row1[u0]);
            const double value = top + fv * (bottom - top) + 0.5;
            target[x] = uint8_t(value < 0 ? 0 : (value > 255 ? 255 : value));
        }
    }
    return 0;
}

extern "C" void facet_gray_grid_statistics(const uint8_t *pixels, int32_t width, int32_t height, int32_t row_stride,
                                           int32_t x, int32_t y, int32_t rect_width, int32_t rect_height,
                                           int32_t samples, float *mean, float *deviation) {
    if (mean) *mean = 0;
    if (deviation) *deviation = 0;
    if (pixels == nullptr || samples <= 0 || width <= 0 || height <= 0) return;
    const int32_t left = std::max(0, x), top = std::max(0, y);
    const int32_t right = std::min(width, x + rect_width), bottom = std::min(height, y + rect_height);
    if (right <= left || bottom <= top) return;
    double sum = 0, squares = 0;
    long n = 0;
    for (int32_t j = 0; j < samples; ++j) {
        const int32_t row = top + int32_t((int64_t(bottom - top) * (2 * j + 1)) / (2 * samples));
        for (int32_t i = 0; i < samples; ++i) {
            const int32_t column = left + int32_t((int64_t(right - left) * (2 * i + 1)) / (2 * samples));
            const double value = pixels[size_t(row) * size_t(row_stride) + size_t(column)];
            sum += value;
            squares += value * value;
            ++n;
        }
    }
    const double m = sum / double(n);
    if (mean) *mean = float(m);
    if (deviation) *deviation = float(std::sqrt(std::max(0.0, squares / double(n) - m * m)));
}
