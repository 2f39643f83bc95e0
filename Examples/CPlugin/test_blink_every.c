/*
 * test_blink_every.c — drives the built plugin through its table exactly as the host does
 * (describe, create, process with a context, free_string, destroy) and checks what it wrote.
 * `make check` builds and runs it; it prints "N passed, N failed" and exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facet_plugin.h"

const FacetPluginAPI *facet_plugin_entry(uint32_t host_api_version);

static int passed, failed;

#define CHECK(condition, ...)                        \
    do {                                             \
        if (condition) {                             \
            passed++;                                \
        } else {                                     \
            failed++;                                \
            fprintf(stderr, "FAILED line %d: ", __LINE__); \
            fprintf(stderr, __VA_ARGS__);            \
            fputc('\n', stderr);                     \
        }                                            \
    } while (0)

static char last_warning[512];
static int warning_count;

static void collect_warning(void *host_data, const char *message) {
    (void)host_data;
    warning_count++;
    snprintf(last_warning, sizeof last_warning, "%s", message);
}

/* Prints every number of `item` with 17 digits, so the input holds the exact times i / 25. */
static void exact(cJSON *item) {
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            char text[32];
            snprintf(text, sizeof text, "%.17g", item->valuedouble);
            item->type = cJSON_Raw;
            item->valuestring = strdup(text);
        } else {
            exact(item->child);
        }
    }
}

/* 5 s at 25 fps of one face with a two-coefficient expression at 0.1, 0.2. */
static char *still_face_motion(void) {
    cJSON *motion = cJSON_CreateObject();
    cJSON *times = cJSON_AddArrayToObject(motion, "frameTimes");
    cJSON_AddNumberToObject(motion, "frameRate", 25);
    cJSON_AddNumberToObject(motion, "frameWidth", 64);
    cJSON_AddNumberToObject(motion, "frameHeight", 64);
    cJSON *track = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(motion, "tracks"), track);
    cJSON_AddNumberToObject(track, "id", 0);
    cJSON_AddStringToObject(track, "modelName", "test");
    cJSON_AddStringToObject(track, "expressionBasis", "blendshapes");
    cJSON_AddArrayToObject(track, "identity");
    cJSON *frames = cJSON_AddArrayToObject(track, "frames");
    for (int i = 0; i < 125; i++) {
        cJSON_AddItemToArray(times, cJSON_CreateNumber(i / 25.0));
        cJSON *frame = cJSON_CreateObject();
        cJSON_AddNumberToObject(frame, "frameIndex", i);
        cJSON_AddNumberToObject(frame, "time", i / 25.0);
        cJSON_AddNumberToObject(frame, "confidence", 1);
        cJSON *coefficients = cJSON_AddObjectToObject(frame, "coefficients");
        cJSON *pose = cJSON_AddObjectToObject(coefficients, "pose");
        cJSON_AddNumberToObject(pose, "yaw", 0);
        cJSON_AddNumberToObject(pose, "pitch", 0);
        cJSON_AddNumberToObject(pose, "roll", 0);
        cJSON *translation = cJSON_AddObjectToObject(coefficients, "translation");
        cJSON_AddNumberToObject(translation, "x", 0);
        cJSON_AddNumberToObject(translation, "y", 0);
        cJSON_AddNumberToObject(translation, "z", -500);
        const double expression[2] = {0.1, 0.2};
        cJSON_AddItemToObject(coefficients, "expression", cJSON_CreateDoubleArray(expression, 2));
        cJSON_AddItemToArray(frames, frame);
    }
    exact(motion->child);
    char *text = cJSON_PrintUnformatted(motion);
    cJSON_Delete(motion);
    return text;
}

/* The expression coefficient `index` of frame `frame` in a motion JSON. */
static double coefficient(const cJSON *motion, int frame, int index) {
    const cJSON *track = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(motion, "tracks"), 0);
    const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(track, "frames"), frame);
    const cJSON *expression = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "coefficients"), "expression");
    return cJSON_GetArrayItem(expression, index)->valuedouble;
}

static const char model_json[] =
    "{\"name\": \"test\", \"expressionBasis\": \"blendshapes\", \"expressionNames\": [\"lids\", \"brows\"],"
    " \"controls\": {\"eyes-closed\": [0.8, 0.0], \"smile\": [0.0, 1.0]}, \"coefficientRange\": [[0, 0.85], [0, 1.5]]}";

int main(void) {
    const FacetPluginAPI *api = facet_plugin_entry(FACET_PLUGIN_API_VERSION);
    CHECK(api != NULL, "the entry gave no table for API version %u", FACET_PLUGIN_API_VERSION);
    if (!api) return 1;
    CHECK(facet_plugin_entry(FACET_PLUGIN_API_VERSION + 1) == NULL, "a host of another API version must get no table");
    CHECK(api->struct_size == sizeof(FacetPluginAPI) && FACET_API_HAS(api, api_minor), "the table covers the identity fields");
    CHECK(strcmp(api->plugin_id, "org.facet.examples-c") == 0, "plugin id %s", api->plugin_id);
    CHECK(strcmp(api->plugin_version, "1.0.0") == 0, "plugin version %s", api->plugin_version);
    CHECK(api->api_minor == FACET_PLUGIN_API_MINOR, "api minor %u", api->api_minor);
    CHECK(api->effect_count == 1, "effect count %d", api->effect_count);

    cJSON *descriptor = cJSON_Parse(api->describe(0));
    CHECK(descriptor != NULL, "the descriptor is JSON");
    CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(descriptor, "id")->valuestring, "org.facet.examples.blink-every") == 0, "id");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(descriptor, "parameters")) == 2, "two parameters");
    cJSON_Delete(descriptor);
    CHECK(api->describe(1) == NULL, "no second effect");

    char *error = NULL;
    CHECK(api->create(0, "{\"interval\": {\"number\": 1}, \"duration\": {\"number\": 1.5}}", &error) == NULL && error &&
              strstr(error, "must be shorter than its interval"),
          "a blink longer than its interval is refused: %s", error ? error : "(no message)");
    api->free_string(error);
    error = NULL;
    CHECK(api->create(0, "{\"interval\": {\"keyframes\": [{\"time\": 0, \"value\": 2}]}}", &error) == NULL && error &&
              strstr(error, "keyframes are not supported"),
          "keyframes are refused: %s", error ? error : "(no message)");
    api->free_string(error);
    error = NULL;

    void *blink = api->create(0, "{\"interval\": {\"number\": 2}, \"duration\": {\"number\": 0.32}}", &error);
    CHECK(blink != NULL, "created: %s", error ? error : "");
    char *input = still_face_motion();

    FacetHostContext context = {.struct_size = sizeof(FacetHostContext), .warn = collect_warning, .face_model_json = model_json};
    char *output = NULL;
    CHECK(api->process(blink, input, &context, &output, &error) == 0, "process: %s", error ? error : "");
    cJSON *motion = cJSON_Parse(output);
    CHECK(motion != NULL, "the motion written is JSON");
    CHECK(fabs(coefficient(motion, 25, 0) - 0.1) < 1e-9, "open at 1 s: %g", coefficient(motion, 25, 0));
    CHECK(fabs(coefficient(motion, 50, 0) - 0.85) < 1e-9, "shut at 2 s, clamped to the range's 0.85: %g", coefficient(motion, 50, 0));
    CHECK(fabs(coefficient(motion, 52, 0) - (0.1 + 0.8 * 0.5)) < 1e-6, "half closed at 2.08 s: %g", coefficient(motion, 52, 0));
    CHECK(fabs(coefficient(motion, 100, 0) - 0.85) < 1e-9, "shut again at 4 s: %g", coefficient(motion, 100, 0));
    CHECK(fabs(coefficient(motion, 75, 0) - 0.1) < 1e-9, "open at 3 s: %g", coefficient(motion, 75, 0));
    CHECK(fabs(coefficient(motion, 50, 1) - 0.2) < 1e-9, "the brows are left alone: %g", coefficient(motion, 50, 1));
    CHECK(warning_count == 0, "no warning with a face model: %s", last_warning);
    int exact_times = 1;
    const cJSON *time;
    int index = 0;
    cJSON_ArrayForEach(time, cJSON_GetObjectItemCaseSensitive(motion, "frameTimes")) exact_times &= time->valuedouble == index++ / 25.0;
    CHECK(exact_times && index == 125, "the frame times come back bit for bit (the host refuses changed times)");
    cJSON_Delete(motion);
    api->free_string(output);
    output = NULL;

    /* A host without a face model (motion from a file): a warning, and the motion unchanged. */
    FacetHostContext bare = {.struct_size = sizeof(FacetHostContext), .warn = collect_warning};
    CHECK(api->process(blink, input, &bare, &output, &error) == 0, "process without a model: %s", error ? error : "");
    CHECK(output && strcmp(output, input) == 0, "the motion is unchanged without a face model");
    CHECK(warning_count == 1 && strstr(last_warning, "no face model"), "one warning naming the missing model: %s", last_warning);
    api->free_string(output);
    output = NULL;

    /* An older host whose context ends before face_model_json is treated the same way. */
    FacetHostContext old = {.struct_size = (uint32_t)offsetof(FacetHostContext, face_model_json), .warn = collect_warning,
                            .face_model_json = model_json};
    CHECK(api->process(blink, input, &old, &output, &error) == 0 && output && strcmp(output, input) == 0,
          "a context too small for face_model_json is not read past its size");
    api->free_string(output);

    api->destroy(blink);
    free(input);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
